package checks

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

var checkID = regexp.MustCompile(`^[a-z]+\.[a-z0-9-]+$`)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if !checkID.MatchString(c.ID) {
			t.Errorf("check ID %q is not area.name", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("duplicate check ID %q", c.ID)
		}
		seen[c.ID] = true
		for field, v := range map[string]string{"Title": c.Title, "Rationale": c.Rationale, "Remediation": c.Remediation} {
			if v == "" {
				t.Errorf("%s: empty %s", c.ID, field)
			}
		}
		if len(c.Refs) == 0 {
			t.Errorf("%s: no references", c.ID)
		}
		if len(c.Needs) == 0 {
			t.Errorf("%s: needs no evidence", c.ID)
		}
		if c.Run == nil {
			t.Errorf("%s: no Run", c.ID)
		}
		if Lookup(c.ID) != c {
			t.Errorf("Lookup(%q) does not return the registered check", c.ID)
		}
	}
	if Lookup("no.such-check") != nil {
		t.Error("Lookup of an unknown ID returned a check")
	}
}

// TestREADMEListsEveryCheck keeps the README's check table honest.
func TestREADMEListsEveryCheck(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range All() {
		if !strings.Contains(string(readme), "`"+c.ID+"`") {
			t.Errorf("README.md does not list %s", c.ID)
		}
	}
}

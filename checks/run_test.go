package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// fake builds a check that returns the given subjects.
func fake(id string, sev Severity, subjects ...string) *Check {
	return &Check{ID: id, Title: id, Severity: sev, Refs: []string{"ref"}, Needs: []evidence.Kind{evidence.KindDNS},
		Run: func(*Pass) ([]Finding, error) {
			var fs []Finding
			for _, s := range subjects {
				fs = append(fs, Finding{Subject: s, Evidence: []string{"dns/" + s, "dns/" + s}})
			}
			return fs, nil
		}}
}

func TestRunStatuses(t *testing.T) {
	ev := site("a.v.fr", "v.fr", nil, nil)
	panicky := &Check{ID: "x.panics", Needs: []evidence.Kind{evidence.KindDNS}, Run: func(*Pass) ([]Finding, error) {
		var m map[string]int
		m["boom"]++
		return nil, nil
	}}
	needsBrowser := &Check{ID: "x.browser", Needs: []evidence.Kind{evidence.KindBrowser}, Run: func(*Pass) ([]Finding, error) {
		t.Error("a check whose evidence is missing was run")
		return nil, nil
	}}
	out := RunChecks([]*Check{fake("x.fails", Medium, "s1"), fake("x.passes", Medium), panicky, needsBrowser}, ev, nil, testNow)
	want := map[string]Status{"x.fails": StatusFail, "x.passes": StatusPass, "x.panics": StatusError, "x.browser": StatusNotEvaluated}
	for _, r := range out.Results {
		if r.Status != want[r.Check] {
			t.Errorf("%s: status %s, want %s (%s)", r.Check, r.Status, want[r.Check], r.Reason)
		}
		if r.Status == StatusNotEvaluated && !strings.Contains(r.Reason, "browser") {
			t.Errorf("%s: reason %q does not name the missing evidence", r.Check, r.Reason)
		}
	}
	f := out.Findings[0]
	if f.Title != "x.fails" || f.Severity != Medium || len(f.Evidence) != 1 || f.Fingerprint == "" {
		t.Errorf("finding not completed by Run: %+v", f)
	}
}

func TestRunPolicy(t *testing.T) {
	ev := site("a.v.fr", "v.fr", nil, nil)
	list := []*Check{fake("x.one", Medium, "s1", "s2"), fake("x.two", Low, "t1")}
	p := &Policy{
		Severity: map[string]Severity{"x.two": Critical},
		Ignore: []Ignore{
			{Check: "x.one", Subject: "s1", Reason: "accepted risk", Expires: "2027-01-01"},
			{Check: "x.one", Subject: "s2", Reason: "was accepted", Expires: "2026-11-20"},
			{Check: "x.two", Subject: "nothing", Reason: "stale"},
		},
	}
	out := RunChecks(list, ev, p, testNow)
	var got []string
	for _, f := range out.Findings {
		got = append(got, f.ID+"/"+f.Subject+"/"+f.Severity.String())
	}
	if strings.Join(got, " ") != "x.two/t1/critical x.one/s2/medium" {
		t.Errorf("findings %v: want the override applied, the expired ignore not applied, sorted by severity", got)
	}
	if len(out.Ignored) != 1 || out.Ignored[0].Subject != "s1" || out.Ignored[0].Ignore.Reason != "accepted risk" {
		t.Errorf("ignored: %+v", out.Ignored)
	}
	statuses := []string{}
	for _, s := range out.Ignores {
		statuses = append(statuses, s.Status)
	}
	if strings.Join(statuses, ",") != "applied,expired,unused" {
		t.Errorf("ignore statuses %v", statuses)
	}
	if r := out.Results[0]; r.Findings != 2 || r.Ignored != 1 || r.Status != StatusFail {
		t.Errorf("result %+v", r)
	}
}

func TestFingerprintStable(t *testing.T) {
	a := Fingerprint("dns.no-dnssec", "a.v.fr", "v.fr")
	if a != Fingerprint("dns.no-dnssec", "a.v.fr", "v.fr") {
		t.Error("fingerprint not deterministic")
	}
	for _, other := range []string{Fingerprint("dns.no-dnssec", "a.v.fr", "w.fr"), Fingerprint("dns.no-dnssec", "a.v.frv", "fr"), Fingerprint("dns.other", "a.v.fr", "v.fr")} {
		if other == a {
			t.Error("different findings share a fingerprint")
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range []Severity{Info, Low, Medium, High, Critical} {
		got, err := ParseSeverity(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%s) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil || !strings.Contains(err.Error(), "severe") {
		t.Errorf("bad severity error %v", err)
	}
}

func TestFindingMayRaiseItsSeverity(t *testing.T) {
	ev := site("a.v.fr", "v.fr", nil, nil)
	c := &Check{ID: "x.raise", Severity: Info, Needs: []evidence.Kind{evidence.KindDNS}, Run: func(*Pass) ([]Finding, error) {
		return []Finding{{Subject: "old", Severity: High, Evidence: []string{"e"}}, {Subject: "new", Evidence: []string{"e"}}}, nil
	}}
	out := RunChecks([]*Check{c}, ev, nil, testNow)
	got := map[string]Severity{}
	for _, f := range out.Findings {
		got[f.Subject] = f.Severity
	}
	if got["old"] != High || got["new"] != Info {
		t.Errorf("severities %v: a finding may raise its own severity", got)
	}
	out = RunChecks([]*Check{c}, ev, &Policy{Severity: map[string]Severity{"x.raise": Low}}, testNow)
	for _, f := range out.Findings {
		if f.Severity != Low {
			t.Errorf("%s: %s, the policy's severity must win", f.Subject, f.Severity)
		}
	}
}

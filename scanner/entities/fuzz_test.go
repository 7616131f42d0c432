package entities_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/entities"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("entities:" + validEntry))
	f.Add([]byte("entities:\n  - key: x\n    colour: red\n"))
	f.Add([]byte("entities: &a [*a]\n"))
	f.Add([]byte("entities:\n  - {key: a, name: b, country: FR, categories: [cdn], domains: [a.b], sources: [s], asns: [-1]}\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("\xff\xfe"))
	if data, err := os.ReadFile("testdata/user-entities.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := entities.Parse(bytes.NewReader(data))
		if err != nil {
			if got != nil {
				t.Fatal("entries returned along with an error")
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("no error and no entries")
		}
		// What Parse accepts, New accepts entry by entry.
		for _, e := range got {
			c, err := entities.New([]entities.Entity{e})
			if err != nil {
				t.Fatalf("Parse accepted %q, New rejects it: %v", e.Key, err)
			}
			for _, d := range e.Domains {
				if m, ok := c.ByHost("www." + d); !ok || m.Key != e.Key {
					t.Fatalf("domain %q of %q not found by ByHost", d, e.Key)
				}
			}
		}
	})
}

func FuzzNormaliseOrg(f *testing.F) {
	for _, s := range []string{
		"Cloudflare, Inc.", "OVH S.A.S.", "Prospect One sp. z o.o.", "sp inc z oo",
		"Socie\u0301te\u0301", "Straße", "İstanbul A.Ş.", "\xff\xfe", "ǅ", "  ", "&/.'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := entities.NormaliseOrg(s)
		if !utf8.ValidString(n) {
			t.Fatalf("NormaliseOrg(%q) = %q: invalid UTF-8", s, n)
		}
		if strings.TrimSpace(n) != n || strings.Contains(n, "  ") {
			t.Fatalf("NormaliseOrg(%q) = %q: stray spaces", s, n)
		}
		if again := entities.NormaliseOrg(n); again != n {
			t.Fatalf("NormaliseOrg not idempotent: %q → %q → %q", s, n, again)
		}
	})
}

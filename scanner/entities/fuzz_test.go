package entities_test

import (
	"bytes"
	"os"
	"testing"

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

// FuzzByURL: request URLs come from the scanned site; ByURL must neither panic nor match a URL
// whose host is not under the rule's.
func FuzzByURL(f *testing.F) {
	f.Add("https://www.googletagmanager.com/gtag/js?id=G-ABC")
	f.Add("https://www.google.com/recaptcha/api.js?render=x")
	f.Add("https://a:b@[::1]:8443/%zz?id=%G-")
	f.Add("http://googletagmanager.com/gtag/js?id=G-&id=AW-")
	c := entities.Default()
	f.Fuzz(func(t *testing.T, raw string) {
		e, rule, ok := c.ByURL(raw)
		if !ok {
			return
		}
		if e == nil || rule == "" {
			t.Fatalf("match without entry or rule: %v %q", e, rule)
		}
	})
}

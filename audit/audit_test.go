package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// frenchSite is the evidence of a site whose page says <html lang="fr">,
// scanned with the DNS stage only.
func frenchSite() *scanner.Result {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ev := &evidence.Evidence{
		Target:    evidence.Target{URL: "https://portail.example.fr/", Host: "portail.example.fr", RegistrableDomain: "example.fr"},
		Collected: []evidence.Kind{evidence.KindDNS},
		Browser:   &evidence.Browser{Visits: []evidence.Visit{{ID: "visit/initial", State: evidence.StateInitial, Lang: "fr-FR"}}},
	}
	return &scanner.Result{Evidence: ev, Started: t0, Finished: t0.Add(time.Second),
		Artifacts: []scanner.Artifact{{Path: "rdap/x.json", Data: []byte("{}")}}}
}

func TestBundle(t *testing.T) {
	for _, tc := range []struct {
		name     string
		s        Settings
		wantLang reports.Lang
		wantRule reports.LangRule
		policy   bool
	}{
		{"C locale: the site's French", Settings{Formats: []string{"html"}, Getenv: env("LANG", "C")}, reports.French, reports.LangSite, false},
		{"English locale", Settings{Formats: []string{"html"}, Getenv: env("LANG", "en_GB.UTF-8")}, reports.English, reports.LangLocale, false},
		{"asked", Settings{Formats: []string{"html"}, Lang: reports.English, LangFrom: "--lang en"}, reports.English, reports.LangAsked, false},
		{"a policy is kept", Settings{Formats: []string{"html"}, Policy: &checks.Policy{Allowed: checks.Allowed{Countries: []string{"EEA"}}}}, reports.French, reports.LangSite, true},
		{"an empty policy is none", Settings{Formats: []string{"html"}, Policy: &checks.Policy{}}, reports.French, reports.LangSite, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			tc.s.Version = "test"
			r, err := tc.s.Bundle(dir, frenchSite())
			if err != nil {
				t.Fatal(err)
			}
			if r.Language == nil || r.Language.Lang != tc.wantLang || r.Language.Rule != tc.wantRule {
				t.Errorf("language %+v, want %s by %s", r.Language, tc.wantLang, tc.wantRule)
			}
			if (r.Policy != nil) != tc.policy {
				t.Errorf("policy %+v in the report", r.Policy)
			}
			page, err := os.ReadFile(filepath.Join(dir, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(page), `<html lang="`+string(tc.wantLang)+`">`) {
				t.Errorf("report.html is not in %s", tc.wantLang)
			}
			for _, f := range []string{"report.json", "rdap/x.json", reports.ManifestName} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("bundle lacks %s", f)
				}
			}
		})
	}
}

func TestWriteFailsWithContext(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, err := Settings{}.Bundle(filepath.Join(file, "b"), frenchSite())
	if err == nil || !strings.Contains(err.Error(), "write the report bundle") {
		t.Errorf("writing under a file: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	at := time.Date(2026, 11, 21, 9, 15, 0, 0, time.FixedZone("CET", 3600))
	for host, want := range map[string]string{
		"jeparticipe.ville-exemple.fr": "vigie-jeparticipe.ville-exemple.fr-20261121T081500Z",
		"2001:db8::1":                  "vigie-2001_db8__1-20261121T081500Z",
		"../etc":                       "vigie-.._etc-20261121T081500Z",
	} {
		if got := DefaultDir(host, at); got != want {
			t.Errorf("DefaultDir(%q) = %q, want %q", host, got, want)
		}
	}
}

func env(k, v string) func(string) string {
	return func(key string) string {
		if key == k {
			return v
		}
		return ""
	}
}

func TestDefaultDirLongHost(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 50, 28, 0, time.UTC)
	if got := DefaultDir("jeparticipe.ville-exemple.fr", at); got != "vigie-jeparticipe.ville-exemple.fr-20261121T085028Z" {
		t.Errorf("short host: %s", got)
	}
	label := strings.Repeat("a", 60)
	long := label + "." + label + "." + label + "." + strings.Repeat("b", 60) + ".fr" // 246 characters
	other := label + "." + label + "." + label + "." + strings.Repeat("c", 60) + ".fr"
	a, b := DefaultDir(long, at), DefaultDir(other, at)
	if len(long) != 246 || len(a) > 100 || a == b || !strings.HasPrefix(a, "vigie-"+label[:40]) || !strings.HasSuffix(a, "-20261121T085028Z") {
		t.Errorf("long hosts: %q (%d bytes) and %q", a, len(a), b)
	}
	// The long name makes a directory.
	if err := os.Mkdir(filepath.Join(t.TempDir(), a), 0o755); err != nil {
		t.Error(err)
	}
}

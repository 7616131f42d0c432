package checks

import (
	"strings"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	good := `
organisation:
  name: Ville d'Exemple
  domains: [Ville-Exemple.fr, metropole-exemple.fr.]
allowed:
  countries: [eea, ch]
  processors: [matomo]
severity:
  dns.no-dnssec: high
ignore:
  - check: hosting.third-party-cname
    subject: proxy-fallback.participation-vendor.com
    reason: contract signed, migration planned
    expires: 2027-06-30
`
	p, err := ParsePolicy(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Organisation.Domains, ","); got != "ville-exemple.fr,metropole-exemple.fr" {
		t.Errorf("domains not normalised: %s", got)
	}
	if got := strings.Join(p.Allowed.Countries, ","); got != "EEA,CH" {
		t.Errorf("countries not normalised: %s", got)
	}
	if p.Severity["dns.no-dnssec"] != High {
		t.Errorf("severity override not read: %v", p.Severity)
	}
	if !p.AllowsCountry("FR", "EU") || !p.AllowsCountry("CH", "adequate") || p.AllowsCountry("US", "US") {
		t.Error("AllowsCountry wrong")
	}

	bad := []struct{ name, yaml, want string }{
		{"unknown key", "organisation:\n  nom: x\n", "nom"},
		{"unknown top key", "allow:\n  countries: [EU]\n", "allow"},
		{"unknown check in severity", "severity:\n  no.such: high\n", "no.such"},
		{"bad severity", "severity:\n  dns.no-dnssec: severe\n", "severe"},
		{"ignore without reason", "ignore:\n  - check: dns.no-dnssec\n", "reason"},
		{"ignore of unknown check", "ignore:\n  - check: dns.nope\n    reason: x\n", "dns.nope"},
		{"bad expiry", "ignore:\n  - check: dns.no-dnssec\n    reason: x\n    expires: soon\n", "soon"},
		{"bad country", "allowed:\n  countries: [Europe]\n", "Europe"},
		{"bad domain", "organisation:\n  domains: [\"http://x.fr\"]\n", "http://x.fr"},
		{"not yaml", "organisation: [\n", "parse"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy(strings.NewReader(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
	if p, err := ParsePolicy(strings.NewReader("")); err != nil || p == nil {
		t.Errorf("empty policy: %v", err)
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add("organisation:\n  domains: [a.fr]\nallowed:\n  countries: [EU]\n")
	f.Add("ignore:\n  - check: dns.no-dnssec\n    reason: x\n    expires: 2026-01-01\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParsePolicy(strings.NewReader(s))
	})
}

package names

import (
	"strings"
	"testing"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{".", ""},
		{"Example.COM.", "example.com"},
		{"www.ville-exemple.fr", "www.ville-exemple.fr"},
		{"a..", "a"},
		{"_DMARC.Example.org", "_dmarc.example.org"},
		// Internationalised names are looked up in A-labels (UTS #46).
		{"ÉCOLE.fr", "xn--cole-9oa.fr"},
		{"mairie-évry.fr", "xn--mairie-vry-h7a.fr"},
		{"MAIRIE-ÉVRY.FR.", "xn--mairie-vry-h7a.fr"},
		{"xn--mairie-vry-h7a.fr", "xn--mairie-vry-h7a.fr"},
		{"hôtel-de-ville.ville-exemple.fr", "xn--htel-de-ville-plb.ville-exemple.fr"},
		{"a\u3002b\u3002fr", "a.b.fr"}, // ideographic full stops
		// Not a valid name: kept as is, for the lookup to fail.
		{"bad\u00a0name.fr", "bad\u00a0name.fr"},
	}
	for _, tt := range tests {
		if got := Normalise(tt.in); got != tt.want {
			t.Errorf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegistrableDomain(t *testing.T) {
	tests := []struct {
		host, want string
		wantErr    bool
	}{
		{"jeparticipe.ville-exemple.fr", "ville-exemple.fr", false},
		{"JEPARTICIPE.Ville-Exemple.FR.", "ville-exemple.fr", false},
		{"ville-exemple.fr", "ville-exemple.fr", false},
		{"mail135-7.atl141.mandrillapp.com", "mandrillapp.com", false},
		{"www.example.co.uk", "example.co.uk", false},
		{"a.b.gouv.fr", "b.gouv.fr", false},
		{"fr", "", true},
		{"co.uk", "", true},
		{"", "", true},
		{".", "", true},
		{"203.0.113.10", "", true},
		{"2001:db8::1", "", true},
		{"[2001:db8::1]", "", true},
		{"a..example.com", "", true},
		{"with space.example.com", "", true},
		{strings.Repeat("a", 64) + ".example.com", "", true},
	}
	for _, tt := range tests {
		got, err := RegistrableDomain(tt.host)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("RegistrableDomain(%q) = %q, %v; want %q, error %v", tt.host, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "registrable domain") {
			t.Errorf("RegistrableDomain(%q): error %q lacks context", tt.host, err)
		}
	}
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"", ".", "Example.COM.", "a..", "\xff\xfe.", "ÉCOLE.fr", "x\x00y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalise(s)
		if Normalise(n) != n {
			t.Errorf("Normalise is not idempotent on %q: %q then %q", s, n, Normalise(n))
		}
		if strings.HasSuffix(n, ".") || strings.ContainsAny(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Errorf("Normalise(%q) = %q", s, n)
		}
		// Only a conversion to A-labels lengthens a name, and never past
		// a DNS name's length.
		if len(n) > len(s) && len(n) > maxNameLen {
			t.Errorf("Normalise(%q) grew to %q", s, n)
		}
	})
}

func FuzzRegistrableDomain(f *testing.F) {
	for _, s := range []string{"jeparticipe.ville-exemple.fr", "fr", "co.uk", "", "203.0.113.1", "[::1]", "a..b", "x.y.z.example.co.uk.", "*.example.com", "\xff.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := RegistrableDomain(s)
		if err != nil {
			return
		}
		n := Normalise(s)
		if d == "" || !Within(n, d) {
			t.Errorf("RegistrableDomain(%q) = %q, not a suffix of %q", s, d, n)
		}
		if d2, err := RegistrableDomain(d); err != nil || d2 != d {
			t.Errorf("RegistrableDomain(%q) = %q, %v; want itself", d, d2, err)
		}
	})
}

func TestInDomains(t *testing.T) {
	domains := []string{"ville.fr", "Metropole.FR."}
	for host, want := range map[string]bool{
		"ville.fr": true, "www.ville.fr": true, "WWW.Ville.FR.": true, "a.metropole.fr": true,
		"notville.fr": false, "ville.fr.evil.com": false, "": false, "fr": false,
	} {
		if got := InDomains(host, domains); got != want {
			t.Errorf("InDomains(%q) = %v, want %v", host, got, want)
		}
	}
	if InDomains("ville.fr", []string{""}) {
		t.Error("an empty domain matched")
	}
}

func TestASCIIAndDisplay(t *testing.T) {
	tests := []struct {
		in, ascii, display string
		wantErr            bool
	}{
		{"mairie-évry.fr", "xn--mairie-vry-h7a.fr", "mairie-évry.fr", false},
		{"Mairie-Évry.FR.", "xn--mairie-vry-h7a.fr", "mairie-évry.fr", false},
		{"例え.テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト", false},
		{"www.ville-exemple.fr", "www.ville-exemple.fr", "www.ville-exemple.fr", false},
		{"_dmarc.ville.fr", "_dmarc.ville.fr", "_dmarc.ville.fr", false},
		{"bad\u00a0name.fr", "", "", true},
		{strings.Repeat("é", 70) + ".fr", "", "", true}, // label too long once converted
	}
	for _, tt := range tests {
		got, err := ASCII(tt.in)
		if (err != nil) != tt.wantErr || got != tt.ascii {
			t.Errorf("ASCII(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.ascii, tt.wantErr)
		}
		if err == nil {
			if d := Display(got); d != tt.display {
				t.Errorf("Display(%q) = %q, want %q", got, d, tt.display)
			}
			if Normalise(tt.in) != got || Normalise(got) != got {
				t.Errorf("Normalise(%q) = %q, not ASCII's %q or not idempotent", tt.in, Normalise(tt.in), got)
			}
		}
	}
	// A broken A-label is shown as it is.
	if d := Display("xn--zz-.fr"); d != "xn--zz-.fr" {
		t.Errorf("Display(broken) = %q", d)
	}
}

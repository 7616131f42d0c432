package names

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormaliseOrg(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cloudflare, Inc.", "cloudflare"},
		{"CLOUDFLARE INC", "cloudflare"},
		{"OVH SAS", "ovh"},
		{"OVH S.A.S.", "ovh"},
		{"SAS OVH", "ovh"},
		{"Amazon.com, Inc.", "amazoncom"},
		{"Google LLC", "google"},
		{"Google Ireland Limited", "google ireland"},
		{"Hetzner Online GmbH", "hetzner online"},
		{"Usercentrics A/S", "usercentrics"},
		{"Prospect One sp. z o.o.", "prospect one"},
		{"Plausible Insights OÜ", "plausible insights"},
		{"Société Générale S.A.", "societe generale"},
		{"Socie\u0301te\u0301 Ge\u0301ne\u0301rale S.A.", "societe generale"}, // decomposed accents
		{"Entr'ouvert", "entrouvert"},
		{"Entr’ouvert SCOP", "entrouvert scop"},
		{"3DS OUTSCALE", "3ds outscale"},
		{"1&1 IONOS SE", "11 ionos"},
		{"Cap-Collectif", "cap collectif"},
		{"Straße GmbH", "strasse"},
		{"  lots   of\tspace  ", "lots of space"},
		{"Inc.", ""},
		{"", ""},
		{"---", ""},
		{"Яндекс ООО", "яндекс ооо"},
	}
	for _, tt := range tests {
		if got := NormaliseOrg(tt.in); got != tt.want {
			t.Errorf("NormaliseOrg(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormaliseOrg(f *testing.F) {
	for _, s := range []string{
		"Cloudflare, Inc.", "OVH S.A.S.", "Prospect One sp. z o.o.", "sp inc z oo",
		"Socie\u0301te\u0301", "Straße", "İstanbul A.Ş.", "\xff\xfe", "ǅ", "  ", "&/.'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormaliseOrg(s)
		if !utf8.ValidString(n) {
			t.Fatalf("NormaliseOrg(%q) = %q: invalid UTF-8", s, n)
		}
		if strings.TrimSpace(n) != n || strings.Contains(n, "  ") {
			t.Fatalf("NormaliseOrg(%q) = %q: stray spaces", s, n)
		}
		if again := NormaliseOrg(n); again != n {
			t.Fatalf("NormaliseOrg not idempotent: %q → %q → %q", s, n, again)
		}
	})
}

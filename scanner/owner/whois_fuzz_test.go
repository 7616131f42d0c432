package owner

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addWhoisSeeds seeds a fuzz target with every fixture answer.
func addWhoisSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "whois", "*.txt"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no whois fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("inetnum: 200.160/12\nowner: x\n"))
	f.Add([]byte("NetRange: 0.0.0.0 - 255.255.255.255\nCIDR: ::/0, 1.2.3.4/33\n"))
	f.Add([]byte("inet6num: ::/0\n+x\n\tx\n% Abuse contact for '::/0' is 'a@b'\n"))
	f.Add([]byte("ASNumber: 1 - 1\nASName: x\naut-num: AS1.1\n"))
}

func FuzzParseIPWhois(f *testing.F) {
	addWhoisSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		n, err := ParseIPWhois(raw)
		if err != nil {
			if n != nil || !errors.Is(err, ErrWhoisNoNetwork) {
				t.Fatalf("ParseIPWhois = %+v, %v", n, err)
			}
			return
		}
		start, err1 := netip.ParseAddr(n.Start)
		end, err2 := netip.ParseAddr(n.End)
		if err1 != nil || err2 != nil || start.Is4() != end.Is4() || end.Less(start) {
			t.Fatalf("bad range %q - %q", n.Start, n.End)
		}
		if start.String() != n.Start || end.String() != n.End {
			t.Fatalf("range not canonical: %q - %q", n.Start, n.End)
		}
		for _, c := range n.CIDRs {
			if _, err := netip.ParsePrefix(c); err != nil {
				t.Fatalf("bad CIDR %q", c)
			}
		}
		for _, s := range []string{n.Registry, n.Name, n.Handle, n.OrgName, n.OrgID, n.Country, n.Address, n.Abuse} {
			checkWhoisText(t, s)
		}
		if n.Country != "" && (len(n.Country) != 2 || strings.ToUpper(n.Country) != n.Country) {
			t.Fatalf("bad country %q", n.Country)
		}
		if n.Abuse != "" && !strings.Contains(n.Abuse, "@") {
			t.Fatalf("bad abuse address %q", n.Abuse)
		}
	})
}

// checkWhoisText checks a parsed value is clean, bounded text.
func checkWhoisText(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8: %q", s)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		t.Fatalf("control character in %q", s)
	}
	if s != strings.TrimSpace(s) {
		t.Fatalf("untrimmed value %q", s)
	}
	if len(s) > 32*maxWhoisValueLen {
		t.Fatalf("value of %d bytes", len(s))
	}
}

package proxy

import (
	"net/netip"
	"strings"
	"testing"
)

// TestNonPublicEmbedded: the IPv6 forms that carry an IPv4 address are
// judged by the address inside, and the special ranges that still passed
// are refused.
func TestNonPublicEmbedded(t *testing.T) {
	for _, tt := range []struct {
		addr, want string // want: a substring of the reason, "" for public
	}{
		// NAT64 well-known prefix.
		{"64:ff9b::10.0.0.1", "private, 10.0.0.1 inside NAT64"},
		{"64:ff9b::7f00:1", "loopback, 127.0.0.1 inside NAT64"},
		{"64:ff9b::a9fe:a9fe", "link-local, 169.254.169.254 inside NAT64"},
		{"64:ff9b::8.8.8.8", ""},
		{"64:ff9b:1::1", "local-use NAT64"},
		// IPv4-compatible (deprecated): refused whatever is inside.
		{"::10.0.0.1", "private, 10.0.0.1 inside IPv4-compatible"},
		{"::127.0.0.1", "loopback"},
		{"::8.8.8.8", "IPv4-compatible"},
		// IPv4-translated.
		{"::ffff:0:10.1.1.1", "private, 10.1.1.1 inside IPv4-translated"},
		// 6to4.
		{"2002:0a00:0001::1", "private, 10.0.0.1 inside 6to4"},
		{"2002:7f00:0001::", "loopback, 127.0.0.1 inside 6to4"},
		{"2002:c0a8:0101::1", "private, 192.168.1.1 inside 6to4"},
		{"2002:0808:0808::1", ""},
		// Teredo: server 65.54.227.120 (public), client 127.0.0.1 obfuscated (80ff:fffe).
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback, 127.0.0.1 inside Teredo"},
		// Teredo whose server is private.
		{"2001:0:a00:1:8000:63bf:3fff:fdd2", "private, 10.0.0.1 inside Teredo"},
		// Teredo with public server and client (192.0.2.45 obfuscated: 3fff:fdd2).
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", ""},
		// Benchmarking, IETF assignments, discard-only.
		{"198.18.0.1", "benchmarking"}, {"198.19.255.254", "benchmarking"}, {"198.20.0.1", ""},
		{"192.0.0.8", "IETF protocol assignments"},
		{"100::1", "discard-only"},
		// Mapped forms are unmapped first.
		{"::ffff:198.18.0.1", "benchmarking"},
		// Unchanged: unspecified and loopback are not "IPv4-compatible".
		{"::", "unspecified"}, {"::1", "loopback"},
		{"2001:db8::1", ""}, {"2a00:1450:4007::1", ""},
	} {
		got := nonPublic(netip.MustParseAddr(tt.addr))
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("nonPublic(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestRefusalAllow: a range allowed lets its addresses through, and the
// IPv6 forms carrying them; nothing else.
func TestRefusalAllow(t *testing.T) {
	ten := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct {
		addr    string
		allow   []netip.Prefix
		refused bool
	}{
		{"10.1.2.3", nil, true},
		{"10.1.2.3", ten, false},
		{"192.168.1.1", ten, true},
		{"64:ff9b::10.0.0.1", ten, false},
		{"64:ff9b::10.0.0.1", nil, true},
		{"2002:0a00:0001::1", ten, false},
		{"::10.0.0.1", ten, true}, // deprecated form: refused anyway
		{"::ffff:10.0.0.1", ten, false},
		{"8.8.8.8", nil, false},
		{"fd00::1", []netip.Prefix{netip.MustParsePrefix("fd00::/8")}, false},
		{"fd00::1", ten, true},
	} {
		got := Refusal(netip.MustParseAddr(tt.addr), tt.allow)
		if (got != "") != tt.refused {
			t.Errorf("Refusal(%s, %v) = %q, want refused %v", tt.addr, tt.allow, got, tt.refused)
		}
	}
}

func TestParseAllowNetwork(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{"10.20.0.0/16", "10.20.0.0/16", ""},
		{" 192.168.1.0/24 ", "192.168.1.0/24", ""},
		{"172.16.0.0/12", "172.16.0.0/12", ""},
		{"127.0.0.0/8", "127.0.0.0/8", ""},
		{"169.254.0.0/16", "169.254.0.0/16", ""},
		{"100.64.1.0/24", "100.64.1.0/24", ""},
		{"fd00:1::/64", "fd00:1::/64", ""},
		{"fc00::/7", "fc00::/7", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"0.0.0.0/0", "", "not inside a private"},
		{"::/0", "", "not inside a private"},
		{"8.8.8.0/24", "", "public addresses need no allowing"},
		{"10.0.0.0/7", "", "not inside"},
		{"10.1.2.3/8", "", "did you mean 10.0.0.0/8"},
		{"10.1.2.3", "", "write 10.1.2.3/32"},
		{"intranet", "", "not a CIDR"},
		{"", "", "not a CIDR"},
		{"10.0.0.0/33", "", "not a CIDR"},
		{"224.0.0.0/8", "", "multicast"},
		{"0.0.0.0/8", "", "unspecified"},
	} {
		p, err := ParseAllowNetwork(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAllowNetwork(%q) = %v, %v; want an error naming %q", tt.in, p, err, tt.err)
			}
			continue
		}
		if err != nil || p.String() != tt.want {
			t.Errorf("ParseAllowNetwork(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
}

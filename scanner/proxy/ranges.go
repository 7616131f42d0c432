package proxy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// nonPublicRanges lists the ranges a page may not make the scanner
// connect to, with what they are (RFC 6890 and its IPv6 counterparts).
// Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32) are not listed: they route nowhere, and the lab uses them.
// The IPv6 forms that carry an IPv4 address (NAT64, 6to4, Teredo) are
// judged by the address they carry (embeddedIPv4).
var nonPublicRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast or broadcast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "multicast or broadcast"},
	{netip.MustParsePrefix("ff00::/8"), "multicast or broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	// Deprecated IPv4-compatible addresses (::a.b.c.d): nothing public
	// uses them, and a host may route them to the IPv4 address inside.
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	// Local-use NAT64 (RFC 8215): a network's own translator.
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
}

// Prefixes of the IPv6 forms that carry an IPv4 address.
var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredoPrefix = netip.MustParsePrefix("2001::/32")
	translated   = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 IPv4-translated
	compatible   = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 returns the IPv4 addresses an IPv6 address carries, and the
// form's name: the NAT64 well-known prefix, an IPv4-compatible or
// IPv4-translated address, 6to4, and Teredo (its server and its
// obfuscated client). Traffic to such an address may end at the IPv4
// address inside: it is refused when that one would be.
func embeddedIPv4(a netip.Addr) ([]netip.Addr, string) {
	if !a.Is6() || a.Is4In6() {
		return nil, ""
	}
	b := a.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{b[i], b[i+1], b[i+2], b[i+3]}) }
	switch {
	case nat64Prefix.Contains(a):
		return []netip.Addr{v4(12)}, "NAT64"
	case translated.Contains(a):
		return []netip.Addr{v4(12)}, "IPv4-translated"
	case sixToFour.Contains(a):
		return []netip.Addr{v4(2)}, "6to4"
	case teredoPrefix.Contains(a):
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return []netip.Addr{v4(4), netip.AddrFrom4(client)}, "Teredo"
	case compatible.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
		return []netip.Addr{v4(12)}, "IPv4-compatible"
	}
	return nil, ""
}

// nonPublic names the non-public range a is in, or "": for an IPv6 form
// carrying an IPv4 address, the range of the address inside ("private,
// 10.0.0.1 inside 6to4").
func nonPublic(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if inner, form := embeddedIPv4(a); form != "" {
		for _, in := range inner {
			if why := rangeKind(in); why != "" {
				return fmt.Sprintf("%s, %s inside %s", why, in, form)
			}
		}
	}
	return rangeKind(a)
}

// rangeKind names the listed non-public range a is in, or "".
func rangeKind(a netip.Addr) string {
	for _, r := range nonPublicRanges {
		if r.prefix.Contains(a) {
			return r.kind
		}
	}
	return ""
}

// PrivateRanges returns the non-public ranges (loopback, private,
// link-local …) that addrs fall in, without duplicates: the Config.AllowPrivate
// of a scan whose target itself resolves there, so that the page's own
// network is reachable and every other non-public one still refused.
// Public addresses contribute nothing.
func PrivateRanges(addrs []netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		for _, r := range nonPublicRanges {
			if r.prefix.Contains(a) {
				if !slices.Contains(out, r.prefix) {
					out = append(out, r.prefix)
				}
				break
			}
		}
	}
	return out
}

// Refusal says why a may not be dialled ("" when it may): a non-public
// address none of allow contains. An IPv6 form carrying an IPv4 address
// (NAT64, 6to4, Teredo …) is judged by the address inside too, and allowed
// when allow contains it or the address inside. It is the one rule every
// loader of vigie applies, through Dialer.
func Refusal(a netip.Addr, allow []netip.Prefix) string {
	a = a.Unmap().WithZone("")
	why := nonPublic(a)
	if why == "" {
		return ""
	}
	allowed := func(x netip.Addr) bool {
		return slices.ContainsFunc(allow, func(p netip.Prefix) bool { return p.Contains(x) })
	}
	if allowed(a) {
		return ""
	}
	if inner, form := embeddedIPv4(a); form != "" {
		for _, in := range inner {
			if nonPublic(in) != "" && !allowed(in) {
				return why
			}
		}
		if rangeKind(a) == "" {
			return "" // every non-public address inside is allowed
		}
	}
	return why
}

// allowableKinds are the non-public ranges a user may open with
// ParseAllowNetwork: networks a site can live on. Unspecified, multicast,
// reserved and the other special ranges host no site.
var allowableKinds = []string{"loopback", "private", "link-local", "shared address space", "benchmarking"}

// ParseAllowNetwork parses a network the user allows the scan to reach
// (--allow-network): a CIDR range, without host bits, inside one of the
// non-public ranges a site can live on (private, loopback, link-local,
// shared address space, benchmarking). Public addresses need no allowing,
// so a range reaching outside those (0.0.0.0/0, 8.8.8.0/24) is an error,
// as is a range with host bits set (10.1.2.3/8) or a zone.
func ParseAllowNetwork(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		if a, aerr := netip.ParseAddr(strings.TrimSpace(s)); aerr == nil {
			return netip.Prefix{}, fmt.Errorf("%q is an address, not a range: write %s/%d", s, a.Unmap(), a.Unmap().BitLen())
		}
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range (want e.g. 10.20.0.0/16 or fd00:1::/64)", s)
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		if p.Bits() < 0 {
			return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped range shorter than /96", s)
		}
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set: did you mean %s?", s, m)
	}
	for _, r := range nonPublicRanges {
		if r.prefix.Bits() <= p.Bits() && r.prefix.Contains(p.Addr()) {
			if !slices.Contains(allowableKinds, r.kind) {
				return netip.Prefix{}, fmt.Errorf("%q is in a %s range, where no site lives", s, r.kind)
			}
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("%q is not inside a private, loopback, link-local or shared range: public addresses need no allowing, and vigie opens only the non-public ranges named", s)
}

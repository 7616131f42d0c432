package owner

import (
	"net/netip"
	"strconv"
	"strings"
)

// ---------------------------------------------------------------------------
// Autonomous system numbers (route origins).

// parseASN reads "AS13335", "13335" or the asdot form "AS1.10".
func parseASN(v string) (uint32, bool) {
	v = strings.TrimSpace(firstToken(v))
	if len(v) >= 2 && strings.EqualFold(v[:2], "AS") {
		v = v[2:]
	}
	if v == "" || len(v) > 11 {
		return 0, false
	}
	if hi, lo, dot := strings.Cut(v, "."); dot {
		h, err1 := strconv.ParseUint(hi, 10, 16)
		l, err2 := strconv.ParseUint(lo, 10, 16)
		if err1 != nil || err2 != nil || (h == 0 && l == 0) {
			return 0, false
		}
		return uint32(h<<16 | l), true
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint32(n), true
}

// parseASNList reads "AS13335", "AS13335, AS209242" or "AS1 AS2"; "N/A"
// and other words are skipped.
func parseASNList(v string) []uint32 {
	var out []uint32
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if f == "#" || strings.HasPrefix(f, "#") {
			break
		}
		if n, ok := parseASN(f); ok && len(out) < 64 {
			out = append(out, n)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Addresses and ranges.

// parseRange reads "a - b", a prefix "p/n" (LACNIC's abbreviated IPv4
// prefixes "200.160/12" included) or a single address. Both ends have the
// same family and start ≤ end.
func parseRange(v string) (start, end netip.Addr, ok bool) {
	v = firstField(v)
	if a, b, isRange := strings.Cut(v, " - "); isRange || strings.Count(v, "-") == 1 {
		if !isRange {
			a, b, _ = strings.Cut(v, "-")
		}
		s, err1 := netip.ParseAddr(strings.TrimSpace(a))
		e, err2 := netip.ParseAddr(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || s.Zone() != "" || e.Zone() != "" ||
			s.Is4() != e.Is4() || e.Less(s) {
			return netip.Addr{}, netip.Addr{}, false
		}
		return s, e, true
	}
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(expandPrefix(v))
		if err != nil {
			return netip.Addr{}, netip.Addr{}, false
		}
		p = p.Masked()
		return p.Addr(), lastAddr(p), true
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, netip.Addr{}, false
	}
	return a, a, true
}

// firstField drops an RPSL end-of-line comment and collapses spaces.
func firstField(v string) string {
	if i := strings.Index(v, "#"); i >= 0 {
		v = v[:i]
	}
	return strings.Join(strings.Fields(v), " ")
}

// expandPrefix completes LACNIC's abbreviated IPv4 prefixes: "200.160/12"
// is 200.160.0.0/12.
func expandPrefix(v string) string {
	v = strings.TrimSpace(firstField(v))
	addr, bits, ok := strings.Cut(v, "/")
	if !ok || strings.Contains(addr, ":") {
		return v
	}
	if n := strings.Count(addr, "."); n < 3 && addr != "" {
		addr += strings.Repeat(".0", 3-n)
	}
	return addr + "/" + bits
}

func canonicalPrefix(v string) (string, bool) {
	p, err := netip.ParsePrefix(expandPrefix(v))
	if err != nil {
		return "", false
	}
	return p.Masked().String(), true
}

// lastAddr is the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.AsSlice()
	bits := p.Bits()
	for i := range b {
		switch {
		case bits >= (i+1)*8:
		case bits <= i*8:
			b[i] = 0xff
		default:
			b[i] |= 0xff >> (bits - i*8)
		}
	}
	last, _ := netip.AddrFromSlice(b)
	return last
}

// rangeCIDRs splits [start, end] into the fewest prefixes.
func rangeCIDRs(start, end netip.Addr) []string {
	var out []string
	for start.IsValid() && !end.Less(start) && len(out) < 2*128 {
		var p netip.Prefix
		for bits := 0; bits <= start.BitLen(); bits++ {
			q := netip.PrefixFrom(start, bits)
			if q.Masked().Addr() == start && !end.Less(lastAddr(q)) {
				p = q
				break
			}
		}
		if !p.IsValid() {
			break
		}
		out = append(out, p.String())
		last := lastAddr(p)
		if last == end {
			break
		}
		start = last.Next()
	}
	return out
}

// rangeSmaller reports whether a's range holds fewer addresses than b's.
func rangeSmaller(a, b *netCandidate) bool {
	ah, al := span(a.start, a.end)
	bh, bl := span(b.start, b.end)
	return ah < bh || (ah == bh && al < bl)
}

// span is end-start as a 128-bit number (hi, lo).
func span(start, end netip.Addr) (hi, lo uint64) {
	s, e := start.As16(), end.As16()
	sh, sl := be64(s[:8]), be64(s[8:])
	eh, el := be64(e[:8]), be64(e[8:])
	lo = el - sl
	hi = eh - sh
	if el < sl {
		hi--
	}
	return hi, lo
}

func be64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// ---------------------------------------------------------------------------
// Small value helpers.

// refKey normalises an RPSL reference for comparison.
func refKey(v string) string {
	return strings.ToUpper(firstToken(v))
}

// firstToken is the first word of v, before any end-of-line comment.
func firstToken(v string) string {
	f := strings.Fields(firstField(v))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func normCountry(v string) string {
	c := strings.ToUpper(firstToken(v))
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return ""
	}
	return c
}

// cleanEmail returns v when it looks like an e-mail address.
func cleanEmail(v string) string {
	v = strings.Trim(firstToken(v), "<>'\"")
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || len(v) > 254 {
		return ""
	}
	return v
}

// splitNameHandle splits ARIN's "Cloudflare, Inc. (CLOUD14)".
func splitNameHandle(v string) (name, handle string) {
	v = strings.TrimSpace(v)
	if strings.HasSuffix(v, ")") {
		if i := strings.LastIndex(v, " ("); i > 0 {
			return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+2 : len(v)-1])
		}
	}
	return v, ""
}

func addressLines(o *whoisObject) []string {
	var out []string
	for _, v := range o.all("address") {
		if l := trimAddressLine(v); l != "" && len(out) < 16 {
			out = append(out, l)
		}
	}
	return out
}

func trimAddressLine(v string) string {
	return strings.Trim(strings.Join(strings.Fields(v), " "), " ,-")
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

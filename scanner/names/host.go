// Package names is vigie's one place for comparing names: host names
// (normal form, registrable domain, "host in these domains", IP literals)
// and organisation names (company-form words dropped, accents folded).
// It is a leaf: collectors, checks and reports all compare names through
// it, so that first party and "named in the legal pages" mean the same
// thing everywhere.
package names

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Normalise returns name in the form vigie records and looks names up in:
// A-labels (an internationalised name, "mairie-évry.fr", is converted with
// the UTS #46 lookup rules to "xn--mairie-vry-h7a.fr", the form DNS
// knows), ASCII letters in lower case (DNS names compare
// case-insensitively, ASCII only) and no trailing dot. A non-ASCII name
// that does not convert keeps its bytes (and then fails CheckName or the
// lookup). Normalise is idempotent. Display gives the form to show people.
func Normalise(name string) string {
	name = lowerASCII(strings.TrimRight(name, "."))
	if isASCII(name) || len(name) > maxIDNInput || !utf8.ValidString(name) {
		return name
	}
	a, err := lookupProfile.ToASCII(name)
	if err != nil || !isASCII(a) {
		return name
	}
	return lowerASCII(strings.TrimRight(a, "."))
}

// lookupProfile converts names to A-labels: UTS #46 lookup mapping and
// validation, the Bidi rule, and DNS lengths (labels of at most 63 bytes,
// names of at most 253) checked once converted.
var lookupProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true))

// maxIDNInput bounds the names converted to A-labels: a longer one cannot
// be a host name anyway.
const maxIDNInput = 1024

// ASCII returns host as Normalise does, or an error saying why an
// internationalised name is not valid (a disallowed character, a label
// too long once converted): for input the user gave.
func ASCII(host string) (string, error) {
	n := lowerASCII(strings.TrimRight(host, "."))
	if isASCII(n) {
		return n, nil
	}
	if len(n) > maxIDNInput {
		return "", fmt.Errorf("internationalised name %q: too long", host)
	}
	if !utf8.ValidString(n) {
		return "", fmt.Errorf("internationalised name %q: not UTF-8", host)
	}
	a, err := lookupProfile.ToASCII(n)
	if err != nil {
		return "", fmt.Errorf("internationalised name %q: %w", host, err)
	}
	if !isASCII(a) {
		return "", fmt.Errorf("internationalised name %q: does not convert to A-labels", host)
	}
	return lowerASCII(strings.TrimRight(a, ".")), nil
}

// Display returns a host name as people write it, in U-labels
// ("xn--mairie-vry-h7a.fr" → "mairie-évry.fr"), for reports; the name
// itself when it has no A-label or does not convert. What vigie looks up
// and records is always Normalise's form: a report showing Display's
// should show that one too, since look-alike letters can hide in
// U-labels.
func Display(host string) string {
	if !strings.Contains(host, "xn--") && !strings.Contains(host, "XN--") {
		return host
	}
	u, err := idna.Display.ToUnicode(host)
	if err != nil {
		return host
	}
	return u
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII lower-cases the ASCII letters of s, leaving other bytes.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// RegistrableDomain returns the registrable domain (eTLD+1, from the public
// suffix list) of host, such as "ville-exemple.fr" for
// "jeparticipe.ville-exemple.fr". It is what vigie treats as an
// organisation's zone. IP literals, public suffixes themselves ("fr",
// "co.uk") and malformed names are errors.
func RegistrableDomain(host string) (string, error) {
	n := Normalise(host)
	if err := CheckName(n); err != nil {
		return "", fmt.Errorf("registrable domain of %q: %w", host, err)
	}
	if _, ok := IPLiteral(n); ok {
		return "", fmt.Errorf("registrable domain of %q: an IP address has none", host)
	}
	if !isASCII(n) {
		return "", fmt.Errorf("registrable domain of %q: not a valid internationalised name", host)
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(n)
	if err != nil {
		return "", fmt.Errorf("registrable domain of %q: %w", host, err)
	}
	return d, nil
}

// maxNameLen is the longest name, in presentation form without the trailing
// dot, that fits in a DNS message (RFC 1035: 255 octets on the wire).
const maxNameLen = 253

// CheckName rejects what cannot be a host name to query: an empty name, an
// empty or over-long label, spaces and control characters. It does not
// insist on letters-digits-hyphens: underscores (_dmarc) and escaped
// presentation-form bytes are legitimate in DNS.
func CheckName(n string) error {
	if n == "" {
		return errors.New("empty name")
	}
	if len(n) > maxNameLen {
		return fmt.Errorf("name longer than %d bytes", maxNameLen)
	}
	for _, label := range strings.Split(n, ".") {
		if label == "" {
			return errors.New("empty label")
		}
		if len(label) > 63 {
			return errors.New("label longer than 63 bytes")
		}
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("invalid byte %q in name", c)
		}
	}
	return nil
}

// IPLiteral reports whether n is an IP address (IPv6 possibly in brackets)
// and returns it in canonical form.
func IPLiteral(n string) (netip.Addr, bool) {
	s := n
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// InDomains reports whether host is one of domains or a name below one,
// comparing normalised names (case, trailing dot): "www.ville.fr" is in
// "ville.fr", "notville.fr" is not.
func InDomains(host string, domains []string) bool {
	host = Normalise(host)
	if host == "" {
		return false
	}
	for _, d := range domains {
		if d = Normalise(d); d != "" && Within(host, d) {
			return true
		}
	}
	return false
}

// Within reports whether name is domain or below it.
func Within(name, domain string) bool {
	return name == domain || strings.HasSuffix(name, "."+domain)
}

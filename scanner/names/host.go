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

	"golang.org/x/net/publicsuffix"
)

// Normalise returns name in the form vigie records names in: ASCII letters
// in lower case (DNS names compare case-insensitively, ASCII only) and no
// trailing dot. Other bytes are kept as they are. Normalise is idempotent.
func Normalise(name string) string {
	name = strings.TrimRight(name, ".")
	for i := 0; i < len(name); i++ {
		if 'A' <= name[i] && name[i] <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
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

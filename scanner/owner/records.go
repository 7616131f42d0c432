package owner

import (
	"errors"
	"net/netip"
)

// ErrNotFound is returned when a registry has no object for the query (an
// RDAP 404, a whois "no match").
var ErrNotFound = errors.New("no such object in the registry")

// NetworkRecord is an IP network as a registry describes it, whichever
// protocol (RDAP or whois) answered.
type NetworkRecord struct {
	// Start and End bound the range, inclusive.
	Start, End netip.Addr
	// CIDRs lists the range as prefixes, when given.
	CIDRs []string
	// Name and Handle are the registry's network name and handle.
	Name, Handle string
	// Country is the network's country code (upper case), or the
	// registrant's when the network has none.
	Country string
	// OrgName, OrgAddress and OrgCountry describe the registrant organisation.
	OrgName, OrgAddress, OrgCountry string
	// ASNs lists the origin autonomous systems, when given.
	ASNs []uint32
	// Abuse is the abuse contact's e-mail, when given.
	Abuse string
	// Source is "rdap" or "whois"; Server the base URL or host:port that answered.
	Source, Server string
	// Raw holds the raw answers (the main one first, then followed links).
	Raw []RawAnswer
}

// Contains reports whether ip is inside the record's range.
func (n *NetworkRecord) Contains(ip netip.Addr) bool {
	if !n.Start.IsValid() || !n.End.IsValid() || n.Start.Is4() != ip.Is4() {
		return false
	}
	return n.Start.Compare(ip) <= 0 && ip.Compare(n.End) <= 0
}

// DomainRecord is a domain's registration as a registry describes it.
type DomainRecord struct {
	Domain string
	// Registrar is the sponsoring registrar's name.
	Registrar string
	// Registrant is the registrant organisation (or name); empty when redacted.
	Registrant        string
	RegistrantCountry string
	// Redacted is set when the registry withheld the registrant.
	Redacted       bool
	Source, Server string
	Raw            []RawAnswer
}

// RawAnswer is one raw registry answer, kept as evidence.
type RawAnswer struct {
	// URL is the RDAP URL or "whois://server/query" asked.
	URL string
	// Body is the answer as received (bounded).
	Body []byte
}

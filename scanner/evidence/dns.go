package evidence

// DNS holds what the DNS collector observed.
type DNS struct {
	// Lookups lists every question asked and its raw outcome, sorted by ID.
	Lookups []Lookup `json:"lookups,omitempty"`
	// Resolutions lists, for every host name resolved, its CNAME chain and
	// final addresses, sorted by ID.
	Resolutions []Resolution `json:"resolutions,omitempty"`
	// Zones lists the zones of interest (the target's registrable domain,
	// mail sender domains): NS, MX, SPF, DMARC, CAA, DNSSEC. Sorted by ID.
	Zones []Zone `json:"zones,omitempty"`
}

// Resolution returns the resolution of name, or nil.
func (d *DNS) Resolution(name string) *Resolution {
	for i := range d.Resolutions {
		if d.Resolutions[i].Name == name {
			return &d.Resolutions[i]
		}
	}
	return nil
}

// Zone returns the zone record for domain, or nil.
func (d *DNS) Zone(domain string) *Zone {
	for i := range d.Zones {
		if d.Zones[i].Domain == domain {
			return &d.Zones[i]
		}
	}
	return nil
}

// Rcode values recorded in Lookup.Rcode besides the DNS ones (NOERROR,
// NXDOMAIN, SERVFAIL, REFUSED …).
const (
	RcodeTimeout = "TIMEOUT" // no answer within the deadline, retries included
	RcodeError   = "ERROR"   // transport or parse error; see Lookup.Error
)

// Lookup is one DNS question and its outcome.
type Lookup struct {
	// ID is "dns/q/<name>/<TYPE>".
	ID string `json:"id"`
	// Name is the question name, lower case, without the trailing dot.
	Name string `json:"name"`
	// Type is the question type (A, AAAA, CNAME, MX, NS, TXT, CAA, DNSKEY).
	Type string `json:"type"`
	// Rcode is the response code (NOERROR, NXDOMAIN, SERVFAIL …) or TIMEOUT/ERROR.
	Rcode string `json:"rcode"`
	// Authenticated is the AD bit of the answer (asked with the DO bit set).
	Authenticated bool `json:"authenticated,omitempty"`
	// Truncated is set when the UDP answer was truncated and TCP was used.
	Truncated bool `json:"truncated,omitempty"`
	// Answers lists the answer section's records.
	Answers []RR `json:"answers,omitempty"`
	// Server is the resolver that answered.
	Server string `json:"server,omitempty"`
	// Error is the transport error, if any.
	Error string `json:"error,omitempty"`
}

// RR is one resource record in presentation form.
type RR struct {
	Name string `json:"name"`
	Type string `json:"type"`
	TTL  uint32 `json:"ttl"`
	// Data is the record's data in presentation form (for TXT, the joined strings).
	Data string `json:"data"`
}

// Resolution statuses: how following a name's CNAME chain ended.
const (
	ResolvedOK        = "ok"         // addresses found at the end of the chain
	ResolvedNXDomain  = "nxdomain"   // a name in the chain does not exist
	ResolvedNoAddress = "no-address" // the last name exists but has no A/AAAA
	ResolvedLoop      = "loop"       // the chain comes back to a name already in it
	ResolvedTooLong   = "too-long"   // more CNAMEs than the depth cap (16)
	ResolvedError     = "error"      // SERVFAIL, timeout or transport error
)

// Resolution is a host name followed through its CNAME chain to addresses.
type Resolution struct {
	// ID is "dns/<name>".
	ID string `json:"id"`
	// Name is the name that was resolved.
	Name string `json:"name"`
	// Chain lists the CNAME links followed, in order from Name.
	Chain []CNAME `json:"chain,omitempty"`
	// Canonical is the last name of the chain (Name when there is no CNAME).
	Canonical string `json:"canonical"`
	// Status says how the chain ended: ok, nxdomain, no-address, loop, too-long, error.
	Status string `json:"status"`
	// IPv4 and IPv6 are the addresses at the end of the chain, sorted.
	IPv4 []string `json:"ipv4,omitempty"`
	IPv6 []string `json:"ipv6,omitempty"`
	// Lookups lists the IDs of the Lookup records this resolution rests on.
	Lookups []string `json:"lookups,omitempty"`
	// Error describes a failed resolution.
	Error string `json:"error,omitempty"`
}

// Addrs returns all the addresses of the resolution, IPv4 first.
func (r *Resolution) Addrs() []string {
	out := make([]string, 0, len(r.IPv4)+len(r.IPv6))
	out = append(out, r.IPv4...)
	return append(out, r.IPv6...)
}

// CNAME is one link of a CNAME chain.
type CNAME struct {
	From string `json:"from"`
	To   string `json:"to"`
	TTL  uint32 `json:"ttl"`
}

// DNSSEC statuses of a zone.
const (
	DNSSECValidated = "signed-validated" // DNSKEY present and the resolver set the AD bit
	DNSSECSigned    = "signed"           // DNSKEY present, but the resolver does not validate
	DNSSECUnsigned  = "unsigned"         // no DNSKEY at the zone apex
	DNSSECUnknown   = "unknown"          // the lookups failed
)

// Zone gathers the records of a domain of interest.
type Zone struct {
	// ID is "dns/zone/<domain>".
	ID string `json:"id"`
	// Domain is the registrable domain (or the name asked for).
	Domain string `json:"domain"`
	// NS lists the name servers, sorted.
	NS []string `json:"ns,omitempty"`
	// MX lists the mail exchangers by preference.
	MX []MX `json:"mx,omitempty"`
	// SPF is the domain's v=spf1 TXT record, if any.
	SPF string `json:"spf,omitempty"`
	// DMARC is the _dmarc TXT record, if any.
	DMARC string `json:"dmarc,omitempty"`
	// TXT lists the other TXT records.
	TXT []string `json:"txt,omitempty"`
	// CAA lists the CAA records that apply, found walking up from the host.
	CAA []CAA `json:"caa,omitempty"`
	// CAAOwner is the name the CAA records were found at.
	CAAOwner string `json:"caa_owner,omitempty"`
	// DNSSEC is signed-validated, signed, unsigned or unknown.
	DNSSEC string `json:"dnssec"`
	// Lookups lists the IDs of the Lookup records this zone rests on.
	Lookups []string `json:"lookups,omitempty"`
}

// MX is one mail exchanger.
type MX struct {
	Preference uint16 `json:"preference"`
	Host       string `json:"host"`
}

// CAA is one certification-authority authorisation record.
type CAA struct {
	Flag  uint8  `json:"flag"`
	Tag   string `json:"tag"`
	Value string `json:"value"`
}

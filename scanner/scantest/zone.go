package scantest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Record is one resource record of a lab zone, in zone-file terms. The
// constructors (A, AAAA, CNAME, NS, MX, TXT, CAA) build the common ones.
type Record struct {
	// Name is the owner name; case and a trailing dot do not matter. Only
	// letters, digits, '-', '_' and '.' are accepted.
	Name string
	// Type is the record type, such as dns.TypeA.
	Type uint16
	// TTL is the time to live in seconds; zero means 300.
	TTL uint32
	// Data is the record data in presentation form: "203.0.113.10",
	// "10 mx.example.com.", `"v=spf1 -all"`, `0 issue "letsencrypt.org"`.
	Data string
}

// A returns an address record.
func A(name, addr string) Record { return Record{Name: name, Type: dns.TypeA, Data: addr} }

// AAAA returns an IPv6 address record.
func AAAA(name, addr string) Record { return Record{Name: name, Type: dns.TypeAAAA, Data: addr} }

// CNAME returns an alias from name to target.
func CNAME(name, target string) Record {
	return Record{Name: name, Type: dns.TypeCNAME, Data: dns.Fqdn(target)}
}

// NS returns a name-server record.
func NS(name, host string) Record { return Record{Name: name, Type: dns.TypeNS, Data: dns.Fqdn(host)} }

// MX returns a mail-exchanger record.
func MX(name string, preference uint16, host string) Record {
	return Record{Name: name, Type: dns.TypeMX, Data: strconv.Itoa(int(preference)) + " " + dns.Fqdn(host)}
}

// TXT returns a text record made of the given strings; strings longer than
// 255 bytes are split, as DNS requires.
func TXT(name string, text ...string) Record {
	var parts []string
	for _, t := range text {
		for len(t) > 255 {
			parts = append(parts, quote(t[:255]))
			t = t[255:]
		}
		parts = append(parts, quote(t))
	}
	return Record{Name: name, Type: dns.TypeTXT, Data: strings.Join(parts, " ")}
}

// CAA returns a certification-authority authorisation record.
func CAA(name string, flag uint8, tag, value string) Record {
	return Record{Name: name, Type: dns.TypeCAA, Data: fmt.Sprintf("%d %s %s", flag, tag, quote(value))}
}

// quote returns s as a zone-file character string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// maxLinks is how many CNAME links a recursive lab answer chases.
const maxLinks = 8

// Zone is the lab's DNS data: a set of records built from Go values, served
// by the lab's DNS server. Names not in it do not exist (NXDOMAIN); an
// existing name without records of the type asked has none (NODATA).
// Ancestors of a name in the data exist (empty non-terminals).
//
// A recursive Zone (the default) answers like a recursive resolver: it
// chases CNAMEs through its data, up to 8 links, stopping at a loop. A
// non-recursive one answers like an authoritative server, one record set at
// a time: a CNAME alone, to be followed by the asker.
//
// A Zone is safe for concurrent use, also while it is being served.
type Zone struct {
	mu        sync.RWMutex
	rrs       map[string][]dns.RR // owner (lower case, fully qualified) → records
	exists    map[string]bool     // owners and their ancestors
	signed    map[string]bool     // apexes of signed zones
	recursive bool
}

// NewZone returns a recursive zone holding records; see Add.
func NewZone(records ...Record) (*Zone, error) {
	z := newZone()
	if err := z.Add(records...); err != nil {
		return nil, err
	}
	return z, nil
}

// newZone returns an empty recursive zone.
func newZone() *Zone {
	return &Zone{
		rrs:       make(map[string][]dns.RR),
		exists:    make(map[string]bool),
		signed:    make(map[string]bool),
		recursive: true,
	}
}

// Add adds records to the zone. It adds none of them if one is invalid.
func (z *Zone) Add(records ...Record) error {
	rrs := make([]dns.RR, 0, len(records))
	var errs []error
	for _, r := range records {
		rr, err := r.parse()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rrs = append(rrs, rr)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, rr := range rrs {
		z.add(rr)
	}
	return nil
}

// add stores rr, whose owner is canonical. The caller holds z.mu.
func (z *Zone) add(rr dns.RR) {
	owner := rr.Header().Name
	if !slices.ContainsFunc(z.rrs[owner], func(o dns.RR) bool { return dns.IsDuplicate(o, rr) }) {
		z.rrs[owner] = append(z.rrs[owner], rr)
	}
	for name := owner; name != "."; {
		z.exists[name] = true
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if name == "" {
			break
		}
	}
}

// parse turns r into a resource record with a canonical owner name.
func (r Record) parse() (dns.RR, error) {
	name := canonical(r.Name)
	if name == "." || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
		return nil, fmt.Errorf("lab record %q: bad owner name", r.Name)
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return nil, fmt.Errorf("lab record %q: bad owner name", r.Name)
	}
	if strings.ContainsAny(r.Data, "\r\n") {
		return nil, fmt.Errorf("lab record %s %s: line break in data", r.Name, dns.Type(r.Type))
	}
	ttl := r.TTL
	if ttl == 0 {
		ttl = 300
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, ttl, dns.Type(r.Type), r.Data))
	if err != nil {
		return nil, fmt.Errorf("lab record %s %s %q: %w", r.Name, dns.Type(r.Type), r.Data, err)
	}
	if rr == nil || rr.Header().Rrtype != r.Type {
		return nil, fmt.Errorf("lab record %s %s %q: not a %s record", r.Name, dns.Type(r.Type), r.Data, dns.Type(r.Type))
	}
	rr.Header().Name = name
	return rr, nil
}

// canonical returns name in lower case and fully qualified.
func canonical(name string) string {
	return dns.Fqdn(strings.ToLower(name))
}

// labKey is the "public key" of the lab's DNSKEY records: 64 bytes of
// text, the size of a P-256 key. The lab marks zones signed but signs
// nothing; it only sets the AD bit as a validating resolver would.
const labKey = "dmlnaWUgbGFiIGtleTogdGhpcyB6b25lIGlzIG1hcmtlZCBzaWduZWQsIG5vdGhpbmcgaXMgc2lnbmVkLiAgIA=="

// Signed marks the zone at domain as DNSSEC-signed: it gets a DNSKEY record
// at its apex, and answers about names in it carry the AD bit when the query
// has the DO bit, as from a validating resolver.
func (z *Zone) Signed(domain string) {
	apex := canonical(domain)
	z.mu.Lock()
	defer z.mu.Unlock()
	z.signed[apex] = true
	z.add(&dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: apex, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     257,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
		PublicKey: labKey,
	})
}

// SetRecursive chooses between recursive-resolver answers (true, the
// default) and authoritative-style ones (false).
func (z *Zone) SetRecursive(on bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.recursive = on
}

// Recursive reports whether the zone answers like a recursive resolver.
func (z *Zone) Recursive() bool {
	z.mu.RLock()
	defer z.mu.RUnlock()
	return z.recursive
}

// answer returns the response code and answer records for a question, and
// whether every name involved lies in a signed zone. The records are copies.
func (z *Zone) answer(qname string, qtype uint16) (rcode int, ans []dns.RR, signed bool) {
	z.mu.RLock()
	defer z.mu.RUnlock()
	cur := canonical(qname)
	visited := map[string]bool{}
	signed = true
	for {
		visited[cur] = true
		signed = signed && z.isSigned(cur)
		if !z.exists[cur] {
			return dns.RcodeNameError, ans, signed
		}
		rrs := z.rrs[cur]
		if qtype != dns.TypeCNAME {
			if i := slices.IndexFunc(rrs, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeCNAME }); i >= 0 {
				cname := rrs[i].(*dns.CNAME)
				ans = append(ans, dns.Copy(cname))
				target := canonical(cname.Target)
				if !z.recursive || len(ans) >= maxLinks || visited[target] {
					return dns.RcodeSuccess, ans, signed
				}
				cur = target
				continue
			}
		}
		for _, rr := range rrs {
			if rr.Header().Rrtype == qtype {
				ans = append(ans, dns.Copy(rr))
			}
		}
		return dns.RcodeSuccess, ans, signed
	}
}

// isSigned reports whether name lies in a signed zone. The caller holds z.mu.
func (z *Zone) isSigned(name string) bool {
	for n := name; n != "" && n != "."; {
		if z.signed[n] {
			return true
		}
		i := strings.IndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[i+1:]
	}
	return false
}

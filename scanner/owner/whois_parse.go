package owner

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
)

// Bounds on the whois text the parsers read: the answer comes from a
// server vigie does not control.
const (
	maxWhoisParseBytes = 1 << 20 // bytes read from an answer
	maxWhoisParseLines = 20000   // lines read from an answer
	maxWhoisLineLen    = 4096    // longer lines are skipped
	maxWhoisKeyLen     = 64      // longer "keys" are not attributes
	maxWhoisValueLen   = 16384   // continuation lines past this are dropped
	maxWhoisAbuseNotes = 256     // "% Abuse contact" notes kept
)

// ErrWhoisNoNetwork is returned by ParseIPWhois when the answer describes no
// IP network (no match, an error message, or an unknown format).
var ErrWhoisNoNetwork = errors.New("no network in whois answer")

// Registry names used in WhoisNetwork.Registry.
const (
	registryARIN    = "arin"
	registryRIPE    = "ripe"
	registryAPNIC   = "apnic"
	registryLACNIC  = "lacnic"
	registryAFRINIC = "afrinic"
)

// WhoisNetwork is an IP network as a whois answer describes it.
type WhoisNetwork struct {
	// Registry is arin, ripe, apnic, lacnic, afrinic, or "" when unknown.
	Registry string
	// Start and End bound the range, inclusive, in canonical IP text.
	Start, End string
	// CIDRs lists the range as prefixes.
	CIDRs []string
	// Name is the network name (NetName, netname).
	Name string
	// Handle is the network's registry key: ARIN's NetHandle, or the
	// inetnum/inet6num key in canonical form ("a - b" or a prefix), which
	// is the handle RDAP gives these networks.
	Handle string
	// OrgName is the holder: ARIN OrgName or CustName, the organisation
	// object's org-name, LACNIC's owner, else the first descr line, else
	// the name of a role contact.
	OrgName string
	// OrgID is the holder's key: OrgId, the org: reference, LACNIC ownerid.
	OrgID string
	// Country is the upper-case ISO code of the network, or of its
	// organisation when the network has none.
	Country string
	// Address is the holder's postal address, lines joined with ", ".
	Address string
	// ASNs lists the origin autonomous systems (OriginAS, route origin,
	// LACNIC aut-num), sorted.
	ASNs []uint32
	// Abuse is the abuse contact e-mail address, when the answer gives one.
	Abuse string
}

// ParseIPWhois extracts the network an IP whois answer describes, in any of
// the five RIR formats. When the answer holds several networks (a parent
// allocation and a reassignment, or a registry answer followed by a
// referral's), the most specific (smallest) range wins. It returns
// ErrWhoisNoNetwork when no range is found.
func ParseIPWhois(raw []byte) (*WhoisNetwork, error) {
	doc := lexWhois(raw)
	var best *netCandidate
	for _, c := range append(doc.arinNetworks(), doc.rpslNetworks()...) {
		if best == nil || rangeSmaller(c, best) {
			best = c
		}
	}
	if best == nil {
		return nil, ErrWhoisNoNetwork
	}
	if best.rpsl != nil {
		best.asns = append(best.asns, doc.routeOrigins(best.start, best.end)...)
		best.abuse = doc.rpslAbuse(best.rpsl, best.org, best.start, best.end)
	}
	return best.network(), nil
}

// netCandidate is one network found in an answer, with what was read of
// its holder; the most specific candidate wins.
type netCandidate struct {
	start, end netip.Addr
	registry   string
	cidrs      []string
	name       string
	handle     string
	orgName    string
	orgID      string
	country    string
	address    []string
	asns       []uint32
	abuse      string
	// rpsl and org are the RPSL network and organisation objects; their
	// routes and abuse contact are looked up only for the chosen network.
	rpsl, org *whoisObject
}

func (c *netCandidate) network() *WhoisNetwork {
	n := &WhoisNetwork{
		Registry: c.registry,
		Start:    c.start.String(),
		End:      c.end.String(),
		CIDRs:    c.cidrs,
		Name:     c.name,
		Handle:   c.handle,
		OrgName:  c.orgName,
		OrgID:    c.orgID,
		Country:  c.country,
		Address:  strings.Join(c.address, ", "),
		ASNs:     c.asns,
		Abuse:    c.abuse,
	}
	if len(n.CIDRs) == 0 {
		n.CIDRs = rangeCIDRs(c.start, c.end)
	}
	if len(n.ASNs) > 0 {
		slices.Sort(n.ASNs)
		n.ASNs = slices.Compact(n.ASNs)
	}
	return n
}

// arinEnd lists keys that start an RPSL or RWhois object: an ARIN network
// section ends there (a referral's answer may follow ARIN's).
var arinEnd = map[string]bool{
	"inetnum": true, "inet6num": true, "organisation": true, "role": true,
	"person": true, "route": true, "route6": true, "aut-num": true,
	"irt": true, "mntner": true, "as-block": true, "domain": true,
	"nic-hdl": true, "nic-hdl-br": true, "network": true, "asnumber": true,
}

// arinNetworks reads ARIN's format as a stream: each NetRange starts a
// network, and the Org/Customer and contact sections after it describe it.
func (d *whoisDoc) arinNetworks() []*netCandidate {
	var out []*netCandidate
	var cur *netCandidate
	var city, state, postal, orgCountry, rAbuse, sectionOrg string
	var orgAddr []string
	finish := func() {
		if cur == nil {
			return
		}
		cur.address = append(cur.address, orgAddr...)
		for _, s := range []string{city, joinNonEmpty(" ", state, postal), orgCountry} {
			if s != "" {
				cur.address = append(cur.address, s)
			}
		}
		cur.country = normCountry(orgCountry)
		if sectionOrg != "" {
			cur.orgName = sectionOrg
		}
		if cur.abuse == "" {
			cur.abuse = rAbuse
		}
		out = append(out, cur)
		cur = nil
	}
	for _, obj := range d.objects {
		for _, a := range obj.attrs {
			if a.key == "netrange" {
				finish()
				city, state, postal, orgCountry, rAbuse, sectionOrg, orgAddr = "", "", "", "", "", "", nil
				start, end, ok := parseRange(a.value)
				if !ok {
					continue
				}
				cur = &netCandidate{start: start, end: end, registry: registryARIN}
				continue
			}
			if arinEnd[a.key] {
				finish()
				continue
			}
			if cur == nil || a.value == "" {
				continue
			}
			switch a.key {
			case "cidr":
				for _, p := range strings.Split(a.value, ",") {
					if s, ok := canonicalPrefix(p); ok {
						cur.cidrs = append(cur.cidrs, s)
					}
				}
			case "netname":
				setOnce(&cur.name, a.value)
			case "nethandle":
				setOnce(&cur.handle, a.value)
			case "originas":
				cur.asns = append(cur.asns, parseASNList(a.value)...)
			case "organization", "customer":
				name, id := splitNameHandle(a.value)
				setOnce(&cur.orgName, name)
				setOnce(&cur.orgID, id)
			case "orgname", "custname":
				// The Org/Customer section's own name is more exact than
				// the network section's "Name (ID)" line.
				setOnce(&sectionOrg, a.value)
			case "orgid":
				cur.orgID = a.value
			case "address":
				if l := trimAddressLine(a.value); l != "" && len(orgAddr) < 16 {
					orgAddr = append(orgAddr, l)
				}
			case "city":
				setOnce(&city, a.value)
			case "stateprov":
				setOnce(&state, a.value)
			case "postalcode":
				setOnce(&postal, a.value)
			case "country":
				setOnce(&orgCountry, a.value)
			case "orgabuseemail":
				if cur.abuse == "" {
					cur.abuse = cleanEmail(a.value)
				}
			case "rabuseemail":
				if rAbuse == "" {
					rAbuse = cleanEmail(a.value)
				}
			}
		}
	}
	finish()
	return out
}

// rpslNetworks reads inetnum and inet6num objects (RIPE, APNIC, AFRINIC,
// LACNIC), resolving their references within the same answer.
func (d *whoisDoc) rpslNetworks() []*netCandidate {
	var out []*netCandidate
	for _, obj := range d.objects {
		if cls := obj.class(); cls != "inetnum" && cls != "inet6num" {
			continue
		}
		start, end, ok := parseRange(obj.attrs[0].value)
		if !ok {
			continue
		}
		c := &netCandidate{
			start:  start,
			end:    end,
			handle: start.String() + " - " + end.String(),
			name:   obj.first("netname"),
		}
		if p, err := netip.ParsePrefix(expandPrefix(obj.attrs[0].value)); err == nil {
			c.handle = p.Masked().String()
			c.cidrs = []string{c.handle}
		}

		orgRef := refKey(obj.first("org"))
		org := d.orgs[orgRef]

		c.registry = registryFromSource(obj.first("source"))
		if c.registry == "" && obj.first("owner") != "" {
			c.registry = registryLACNIC
		}
		if c.registry == "" {
			c.registry = obj.hint
		}
		if c.registry == "" {
			c.registry = registryFromHandle(orgRef)
		}

		switch {
		case org != nil && org.first("org-name") != "":
			c.orgName = org.first("org-name")
		case obj.first("owner") != "":
			c.orgName = obj.first("owner")
		case obj.first("descr") != "":
			c.orgName = obj.first("descr")
		default:
			c.orgName = d.roleName(obj)
		}
		if orgRef != "" {
			c.orgID = firstToken(obj.first("org"))
		} else {
			c.orgID = obj.first("ownerid")
		}

		c.country = normCountry(obj.first("country"))
		if c.country == "" && org != nil {
			c.country = normCountry(org.first("country"))
		}
		if org != nil {
			c.address = addressLines(org)
		}
		if len(c.address) == 0 {
			c.address = addressLines(obj)
		}

		for _, v := range obj.all("aut-num") { // LACNIC
			c.asns = append(c.asns, parseASNList(v)...)
		}
		c.rpsl, c.org = obj, org
		out = append(out, c)
	}
	return out
}

// routeOrigins returns the origins of the route and route6 objects that
// route [start, end]: every route smaller than the range, and of the routes
// covering the whole range (an equal one included) only the most specific.
func (d *whoisDoc) routeOrigins(start, end netip.Addr) []uint32 {
	var inside, covering []uint32
	coverBits := -1
	for _, r := range d.routes {
		p, origins := r.prefix, r.origins
		if r.first.Is4() != start.Is4() || r.last.Less(start) || end.Less(r.first) {
			continue // no overlap
		}
		switch {
		case start.Less(r.first) || r.last.Less(end):
			inside = append(inside, origins...)
		case p.Bits() > coverBits:
			coverBits, covering = p.Bits(), origins
		case p.Bits() == coverBits:
			covering = append(covering, origins...)
		}
	}
	return append(inside, covering...)
}

// contact returns the role, person or LACNIC contact whose handle is ref.
func (d *whoisDoc) contact(ref string) *whoisObject {
	return d.contacts[refKey(ref)]
}

// roleName is the name of a role object (never a person: that would be
// personal data, not an operator) among the network's contacts.
func (d *whoisDoc) roleName(net *whoisObject) string {
	for _, key := range []string{"admin-c", "tech-c"} {
		for _, ref := range net.all(key) {
			if o := d.contact(ref); o != nil && o.class() == "role" {
				return o.attrs[0].value
			}
		}
	}
	return ""
}

// rpslAbuse finds the abuse address of a network: the registry's own
// "% Abuse contact" note, else the abuse-c contact of the network or of its
// organisation, else the network's abuse-mailbox, else its IRT's.
func (d *whoisDoc) rpslAbuse(net, org *whoisObject, start, end netip.Addr) string {
	for _, n := range d.abuse {
		if n.start == start && n.end == end {
			return n.email
		}
	}
	mailOf := func(o *whoisObject) string {
		if o == nil {
			return ""
		}
		if m := cleanEmail(o.first("abuse-mailbox")); m != "" {
			return m
		}
		if o.class() == "nic-hdl" || o.class() == "nic-hdl-br" { // LACNIC contacts
			return cleanEmail(o.first("e-mail"))
		}
		return ""
	}
	if m := mailOf(d.contact(net.first("abuse-c"))); m != "" {
		return m
	}
	if m := cleanEmail(net.first("abuse-mailbox")); m != "" {
		return m
	}
	if org != nil {
		if m := mailOf(d.contact(org.first("abuse-c"))); m != "" {
			return m
		}
	}
	for _, irt := range net.all("mnt-irt") {
		if o := d.irts[refKey(irt)]; o != nil {
			if m := cleanEmail(o.first("abuse-mailbox")); m != "" {
				return m
			}
		}
	}
	if len(d.abuse) > 0 {
		return d.abuse[0].email
	}
	return ""
}

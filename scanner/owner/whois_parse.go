package owner

import (
	"bytes"
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
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

// ---------------------------------------------------------------------------
// Lexing: lines → attributes → objects.

type whoisAttr struct {
	key   string // lower case
	value string // trimmed
}

// whoisObject is a run of attributes between blank lines (an RPSL object,
// or an ARIN section).
type whoisObject struct {
	attrs []whoisAttr
	hint  string // registry named by the comments before the object
}

func (o *whoisObject) class() string {
	if len(o.attrs) == 0 {
		return ""
	}
	return o.attrs[0].key
}

func (o *whoisObject) primaryKey() string {
	if len(o.attrs) == 0 {
		return ""
	}
	return refKey(o.attrs[0].value)
}

// first returns the first non-empty value of key.
func (o *whoisObject) first(key string) string {
	for _, a := range o.attrs {
		if a.key == key && a.value != "" {
			return a.value
		}
	}
	return ""
}

// all returns the non-empty values of key, in order.
func (o *whoisObject) all(key string) []string {
	var vs []string
	for _, a := range o.attrs {
		if a.key == key && a.value != "" {
			vs = append(vs, a.value)
		}
	}
	return vs
}

// abuseNote is a "% Abuse contact for 'range' is 'mail'" comment (RIPE,
// APNIC, AFRINIC).
type abuseNote struct {
	start, end netip.Addr // invalid when the note is not about a range
	email      string
}

// whoisDoc is a lexed answer with its objects indexed by reference.
type whoisDoc struct {
	objects  []*whoisObject
	abuse    []abuseNote
	orgs     map[string]*whoisObject // organisation objects by key
	irts     map[string]*whoisObject // irt objects by key
	contacts map[string]*whoisObject // role, person, LACNIC contacts by handle
	routes   []whoisRoute            // route and route6 objects
}

// whoisRoute is a route or route6 object: a prefix and its origins.
type whoisRoute struct {
	prefix      netip.Prefix
	first, last netip.Addr
	origins     []uint32
}

var abuseNoteRE = regexp.MustCompile(`(?i)^%+\s*abuse contact for '([^']*)' is '([^']*)'`)

func lexWhois(raw []byte) *whoisDoc {
	if len(raw) > maxWhoisParseBytes {
		raw = raw[:maxWhoisParseBytes]
	}
	doc := &whoisDoc{}
	var cur *whoisObject
	hint := ""
	for lines := 0; len(raw) > 0 && lines < maxWhoisParseLines; lines++ {
		var b []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			b, raw = raw[:i], raw[i+1:]
		} else {
			b, raw = raw, nil
		}
		if len(b) > maxWhoisLineLen {
			continue
		}
		line := cleanText(b)
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			cur = nil
			continue
		}
		if trimmed[0] == '%' || trimmed[0] == '#' {
			if m := abuseNoteRE.FindStringSubmatch(trimmed); m != nil {
				if email := cleanEmail(m[2]); email != "" && len(doc.abuse) < maxWhoisAbuseNotes {
					s, e, _ := parseRange(m[1])
					doc.abuse = append(doc.abuse, abuseNote{start: s, end: e, email: email})
				}
			} else if h := registryHint(trimmed); h != "" {
				hint = h
			}
			continue
		}
		// RPSL continuation: a line starting with white space or '+'.
		if (line[0] == ' ' || line[0] == '\t' || line[0] == '+') && cur != nil && len(cur.attrs) > 0 {
			more := strings.TrimSpace(strings.TrimPrefix(trimmed, "+"))
			last := &cur.attrs[len(cur.attrs)-1]
			if more != "" && len(last.value)+len(more) < maxWhoisValueLen {
				if last.value == "" {
					last.value = more
				} else {
					last.value += " " + more
				}
			}
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		if !ok || key == "" || len(key) > maxWhoisKeyLen || strings.ContainsAny(key, " \t") {
			continue
		}
		if cur == nil {
			cur = &whoisObject{hint: hint}
			doc.objects = append(doc.objects, cur)
		}
		cur.attrs = append(cur.attrs, whoisAttr{key: key, value: strings.TrimSpace(value)})
	}
	doc.index()
	return doc
}

// index fills the reference maps; the first object with a key wins.
func (d *whoisDoc) index() {
	d.orgs = map[string]*whoisObject{}
	d.irts = map[string]*whoisObject{}
	d.contacts = map[string]*whoisObject{}
	add := func(m map[string]*whoisObject, key string, o *whoisObject) {
		if _, dup := m[key]; key != "" && !dup {
			m[key] = o
		}
	}
	for _, o := range d.objects {
		switch o.class() {
		case "organisation":
			add(d.orgs, o.primaryKey(), o)
		case "irt":
			add(d.irts, o.primaryKey(), o)
		case "role", "person":
			add(d.contacts, refKey(o.first("nic-hdl")), o)
		case "nic-hdl", "nic-hdl-br":
			add(d.contacts, o.primaryKey(), o)
		case "route", "route6":
			p, err := netip.ParsePrefix(expandPrefix(o.attrs[0].value))
			if err != nil {
				continue
			}
			p = p.Masked()
			r := whoisRoute{prefix: p, first: p.Addr(), last: lastAddr(p)}
			for _, v := range o.all("origin") {
				r.origins = append(r.origins, parseASNList(v)...)
			}
			d.routes = append(d.routes, r)
		}
	}
}

// cleanText turns one line of an answer into valid UTF-8 without control
// characters. Answers that are not UTF-8 are read as ISO-8859-1, the usual
// encoding of LACNIC and NIC.br answers.
func cleanText(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	valid := utf8.Valid(b)
	for len(b) > 0 {
		var r rune
		if valid {
			var size int
			r, size = utf8.DecodeRune(b)
			b = b[size:]
		} else {
			r = rune(b[0])
			b = b[1:]
		}
		switch {
		case r == '\t':
			sb.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// control characters, CR included: dropped
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// registryHint names the registry a comment line identifies, if any.
func registryHint(comment string) string {
	c := strings.ToLower(comment)
	switch {
	case strings.Contains(c, "arin whois data"), strings.Contains(c, "american registry for internet numbers"):
		return registryARIN
	case strings.Contains(c, "ripe database"), strings.Contains(c, "whois.ripe.net"):
		return registryRIPE
	case strings.Contains(c, "afrinic"):
		return registryAFRINIC
	case strings.Contains(c, "apnic"):
		return registryAPNIC
	case strings.Contains(c, "lacnic"), strings.Contains(c, "nic.br"):
		return registryLACNIC
	}
	return ""
}

// registryFromSource maps an RPSL source: value to its RIR; national
// registries of the APNIC region count as APNIC.
func registryFromSource(source string) string {
	s := strings.ToUpper(firstToken(source))
	switch {
	case strings.HasPrefix(s, "RIPE"):
		return registryRIPE
	case strings.HasPrefix(s, "AFRINIC"):
		return registryAFRINIC
	case strings.HasPrefix(s, "APNIC"), s == "JPNIC", s == "KRNIC", s == "TWNIC", s == "IDNIC", s == "CNNIC", s == "IRINN", s == "VNNIC":
		return registryAPNIC
	case strings.HasPrefix(s, "LACNIC"):
		return registryLACNIC
	case strings.HasPrefix(s, "ARIN"):
		return registryARIN
	}
	return ""
}

// registryFromHandle guesses the RIR from the suffix of an RPSL handle.
func registryFromHandle(handle string) string {
	h := strings.ToUpper(handle)
	switch {
	case strings.HasSuffix(h, "-RIPE"):
		return registryRIPE
	case strings.HasSuffix(h, "-AFRINIC"):
		return registryAFRINIC
	case strings.HasSuffix(h, "-AP"):
		return registryAPNIC
	case strings.HasSuffix(h, "-LACNIC"):
		return registryLACNIC
	case strings.HasSuffix(h, "-ARIN"):
		return registryARIN
	}
	return ""
}

// ---------------------------------------------------------------------------
// Network candidates.

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

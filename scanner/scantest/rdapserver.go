package scantest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RDAPNetwork is an IP network served by the lab's RDAP server.
//
// A Handle starting with "NET-" or "NET6-" gives an answer shaped like
// ARIN's: no network country (ARIN's networks have none: the country is the
// organisation's), the abuse contact nested in the organisation. Any other
// handle (RIPE's are the range, "203.0.113.0 - 203.0.113.127") gives an
// answer shaped like RIPE's: the network's country, the abuse contact at
// the top level, and the maintainer listed first as a registrant without a
// vCard, as RIPE does. Origin ASNs are given in ARIN's arin_originas0
// extension in both shapes.
type RDAPNetwork struct {
	// CIDR is the network's prefix, such as "198.51.100.0/24".
	CIDR string
	// Handle, Name and Country are the registry's handle, network name and
	// country code. An empty Handle is the range, RIPE style.
	Handle, Name, Country string
	// Org is the organisation holding the network (role registrant).
	Org RDAPEntity
	// Abuse is the abuse contact's e-mail, or "" for none.
	Abuse string
	// OriginASNs are the networks' origin autonomous systems.
	OriginASNs []uint32
}

// RDAPEntity is an organisation or a person in the lab's RDAP answers.
type RDAPEntity struct {
	// Handle is the registry's handle; required when Link is set. Entities
	// with a handle are also served at /entity/<handle>.
	Handle string
	// Name is the vCard's formatted name.
	Name string
	// Kind is "org" (the default) or "individual".
	Kind string
	// Address holds the postal address lines, the country excepted.
	Address []string
	// Country is the ISO 3166 code of the address.
	Country string
	// Link, when set, makes the answers that name the entity carry only its
	// handle and a link: the vCard is served at /entity/<handle> only, as
	// some registries do.
	Link bool
}

// RDAPDomain is a domain registration served by the lab's RDAP server.
type RDAPDomain struct {
	// Name is the domain, such as "ville-exemple.fr".
	Name string
	// Registrar is the sponsoring registrar's name.
	Registrar string
	// Registrant holds the domain; with Redacted, only its Country is
	// published.
	Registrant RDAPEntity
	// Redacted withholds the registrant, with RFC 9537 "redacted" members
	// and a "REDACTED FOR PRIVACY" name, as ICANN registrars do.
	Redacted bool
}

// RDAPAutnum is an autonomous system served by the lab's RDAP server.
type RDAPAutnum struct {
	ASN           uint32
	Name, Country string
	Org           RDAPEntity
}

// Addresses the lab's RDAP server treats specially, for robustness tests.
// Both are inside the lab's 192.0.2.0/25.
const (
	// RDAPMalformedIP's answer is truncated JSON.
	RDAPMalformedIP = "192.0.2.66"
	// RDAPThrottledIP is answered 429 with "Retry-After: 1" the first time
	// it is asked for, normally afterwards.
	RDAPThrottledIP = "192.0.2.77"
)

// RDAPServer is the lab's RDAP server: RFC 9083 answers for /ip/,
// /domain/, /autnum/ and /entity/ from fixed data, over plain HTTP on
// 127.0.0.1. It counts the requests it receives, for tests.
type RDAPServer struct {
	// URL is the server's base URL, "http://127.0.0.1:port", without a
	// trailing slash.
	URL string

	srv      *http.Server
	networks []rdapLabNetwork
	domains  map[string]RDAPDomain
	autnums  map[uint32]RDAPAutnum
	entities map[string]rdapLabEntity

	mu        sync.Mutex
	hits      map[string]int // by path
	requests  int
	down      bool
	throttled map[string]bool

	closeOnce sync.Once
	closeErr  error
}

// rdapLabNetwork is a network as served, its prefix parsed.
type rdapLabNetwork struct {
	RDAPNetwork
	prefix netip.Prefix
}

// rdapLabEntity is an entity as served.
type rdapLabEntity struct {
	RDAPEntity
	email string // its own e-mail (abuse contacts)
	abuse string // the e-mail of an abuse contact nested in it (ARIN style)
}

// StartRDAPServer starts an RDAP server on 127.0.0.1 (random port)
// serving the given objects. It fails on invalid or conflicting data.
func StartRDAPServer(networks []RDAPNetwork, domains []RDAPDomain, autnums []RDAPAutnum) (*RDAPServer, error) {
	s := &RDAPServer{
		domains:   make(map[string]RDAPDomain),
		autnums:   make(map[uint32]RDAPAutnum),
		entities:  make(map[string]rdapLabEntity),
		hits:      make(map[string]int),
		throttled: make(map[string]bool),
	}
	if err := s.load(networks, domains, autnums); err != nil {
		return nil, fmt.Errorf("lab rdap: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lab rdap: %w", err)
	}
	// Plain HTTP; TLS is a matter of http.Server.ServeTLS with the lab's
	// certificate, and of an https URL.
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// load validates and indexes the data.
func (s *RDAPServer) load(networks []RDAPNetwork, domains []RDAPDomain, autnums []RDAPAutnum) error {
	for _, n := range networks {
		p, err := netip.ParsePrefix(n.CIDR)
		if err != nil {
			return fmt.Errorf("network %q: %w", n.CIDR, err)
		}
		if p != p.Masked() {
			return fmt.Errorf("network %q: host bits set", n.CIDR)
		}
		if slices.ContainsFunc(s.networks, func(o rdapLabNetwork) bool { return o.prefix == p }) {
			return fmt.Errorf("network %q: listed twice", n.CIDR)
		}
		if n.Handle == "" {
			n.Handle = p.Addr().String() + " - " + rdapLastAddr(p).String()
		}
		n.OriginASNs = slices.Clone(n.OriginASNs)
		n.Org.Address = slices.Clone(n.Org.Address)
		org := rdapLabEntity{RDAPEntity: n.Org}
		if rdapIsARINHandle(n.Handle) {
			org.abuse = n.Abuse
		}
		if err := s.addEntity(org); err != nil {
			return fmt.Errorf("network %q: %w", n.CIDR, err)
		}
		if n.Abuse != "" {
			if err := s.addEntity(rdapAbuseEntity(n)); err != nil {
				return fmt.Errorf("network %q: %w", n.CIDR, err)
			}
		}
		s.networks = append(s.networks, rdapLabNetwork{RDAPNetwork: n, prefix: p})
	}
	for _, d := range domains {
		name := strings.TrimSuffix(strings.ToLower(d.Name), ".")
		if name == "" || strings.ContainsAny(name, "/ ") {
			return fmt.Errorf("domain %q: invalid name", d.Name)
		}
		if _, dup := s.domains[name]; dup {
			return fmt.Errorf("domain %q: listed twice", d.Name)
		}
		d.Name = name
		d.Registrant.Address = slices.Clone(d.Registrant.Address)
		if !d.Redacted {
			if err := s.addEntity(rdapLabEntity{RDAPEntity: d.Registrant}); err != nil {
				return fmt.Errorf("domain %q: %w", d.Name, err)
			}
		}
		s.domains[name] = d
	}
	for _, a := range autnums {
		if _, dup := s.autnums[a.ASN]; dup {
			return fmt.Errorf("autnum %d: listed twice", a.ASN)
		}
		a.Org.Address = slices.Clone(a.Org.Address)
		if err := s.addEntity(rdapLabEntity{RDAPEntity: a.Org}); err != nil {
			return fmt.Errorf("autnum %d: %w", a.ASN, err)
		}
		s.autnums[a.ASN] = a
	}
	return nil
}

// addEntity registers e to be served at /entity/<handle>. The same handle
// may be named several times, with the same data.
func (s *RDAPServer) addEntity(e rdapLabEntity) error {
	if e.Handle == "" {
		if e.Link {
			return fmt.Errorf("entity %q: Link needs a Handle", e.Name)
		}
		return nil
	}
	if strings.ContainsAny(e.Handle, "/?#") {
		return fmt.Errorf("entity %q: invalid handle", e.Handle)
	}
	old, ok := s.entities[e.Handle]
	if !ok {
		s.entities[e.Handle] = e
		return nil
	}
	same := old.Name == e.Name && old.Kind == e.Kind && old.Country == e.Country &&
		slices.Equal(old.Address, e.Address) && old.email == e.email
	if !same || (e.abuse != "" && old.abuse != "" && e.abuse != old.abuse) {
		return fmt.Errorf("entity %q: defined twice, differently", e.Handle)
	}
	if old.abuse == "" {
		old.abuse = e.abuse
		s.entities[e.Handle] = old
	}
	return nil
}

// Hits returns how many requests the server received whose path starts
// with prefix ("/ip/", "/domain/", "/entity/CLOUD14"…).
func (s *RDAPServer) Hits(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for path, c := range s.hits {
		if strings.HasPrefix(path, prefix) {
			n += c
		}
	}
	return n
}

// Requests returns how many requests the server received.
func (s *RDAPServer) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// SetDown makes every request get a 503 (without Retry-After) while down
// is true: a registry outage, for testing fallbacks.
func (s *RDAPServer) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Close stops the server. Later calls return the first one's result.
func (s *RDAPServer) Close() error {
	s.closeOnce.Do(func() {
		if err := s.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.closeErr = fmt.Errorf("lab rdap close: %w", err)
		}
	})
	return s.closeErr
}

// ServeHTTP answers one RDAP query.
func (s *RDAPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.requests++
	s.hits[path]++
	down := s.down
	s.mu.Unlock()

	switch {
	case down:
		rdapWriteError(w, http.StatusServiceUnavailable, "Service Unavailable", "The lab RDAP server is down.")
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		rdapWriteError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "Only GET and HEAD are served.")
	case strings.HasPrefix(path, "/ip/"):
		s.serveIP(w, strings.TrimPrefix(path, "/ip/"))
	case strings.HasPrefix(path, "/domain/"):
		s.serveDomain(w, strings.TrimPrefix(path, "/domain/"))
	case strings.HasPrefix(path, "/autnum/"):
		s.serveAutnum(w, strings.TrimPrefix(path, "/autnum/"))
	case strings.HasPrefix(path, "/entity/"):
		s.serveEntity(w, strings.TrimPrefix(path, "/entity/"))
	default:
		rdapWriteError(w, http.StatusBadRequest, "Bad Request", "Unsupported query.")
	}
}

func (s *RDAPServer) serveIP(w http.ResponseWriter, q string) {
	switch q {
	case RDAPMalformedIP:
		w.Header().Set("Content-Type", "application/rdap+json")
		_, _ = w.Write([]byte(`{"rdapConformance":["rdap_level_0"],"objectClassName":"ip network","handle":"NET-192-0-2-0-1","startAddress":"192.0.2.0","entities":[{"handle":`))
		return
	case RDAPThrottledIP:
		s.mu.Lock()
		first := !s.throttled[q]
		s.throttled[q] = true
		s.mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			rdapWriteError(w, http.StatusTooManyRequests, "Too Many Requests", "Slow down.")
			return
		}
	}
	var p netip.Prefix
	var err error
	if strings.Contains(q, "/") {
		p, err = netip.ParsePrefix(q)
	} else {
		var a netip.Addr
		if a, err = netip.ParseAddr(q); err == nil {
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil || !p.IsValid() {
		rdapWriteError(w, http.StatusBadRequest, "Bad Request", "Not an IP address or prefix.")
		return
	}
	p = p.Masked()
	var best *rdapLabNetwork
	for i := range s.networks {
		n := &s.networks[i]
		if n.prefix.Bits() <= p.Bits() && n.prefix.Contains(p.Addr()) && (best == nil || n.prefix.Bits() > best.prefix.Bits()) {
			best = n
		}
	}
	if best == nil {
		rdapWriteError(w, http.StatusNotFound, "Not Found", "No network contains "+p.String()+".")
		return
	}
	rdapWrite(w, s.networkJSON(best))
}

func (s *RDAPServer) serveDomain(w http.ResponseWriter, q string) {
	d, ok := s.domains[strings.TrimSuffix(strings.ToLower(q), ".")]
	if !ok {
		rdapWriteError(w, http.StatusNotFound, "Not Found", "No such domain.")
		return
	}
	rdapWrite(w, s.domainJSON(d))
}

func (s *RDAPServer) serveAutnum(w http.ResponseWriter, q string) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(q), "AS"), 10, 32)
	if err != nil {
		rdapWriteError(w, http.StatusBadRequest, "Bad Request", "Not an AS number.")
		return
	}
	a, ok := s.autnums[uint32(n)]
	if !ok {
		rdapWriteError(w, http.StatusNotFound, "Not Found", "No such autonomous system.")
		return
	}
	rdapWrite(w, s.autnumJSON(a))
}

func (s *RDAPServer) serveEntity(w http.ResponseWriter, handle string) {
	e, ok := s.entities[handle]
	if !ok {
		rdapWriteError(w, http.StatusNotFound, "Not Found", "No such entity.")
		return
	}
	obj := s.entityJSON(e, nil, true)
	obj["rdapConformance"] = []string{"rdap_level_0"}
	obj["notices"] = rdapLabNotices
	rdapWrite(w, obj)
}

// rdapObject is an RDAP object being built.
type rdapObject = map[string]any

var rdapLabNotices = []rdapObject{{
	"title":       "vigie lab",
	"description": []string{"Test data of vigie's lab, on documentation address ranges: it describes no real network."},
}}

func (s *RDAPServer) networkJSON(n *rdapLabNetwork) rdapObject {
	arin := rdapIsARINHandle(n.Handle)
	first, last := n.prefix.Addr(), rdapLastAddr(n.prefix)
	version, prefixKey := "v4", "v4prefix"
	if first.Is6() {
		version, prefixKey = "v6", "v6prefix"
	}
	conformance := []string{"rdap_level_0", "cidr0"}
	obj := rdapObject{
		"objectClassName": "ip network",
		"handle":          n.Handle,
		"startAddress":    first.String(),
		"endAddress":      last.String(),
		"ipVersion":       version,
		"name":            n.Name,
		"status":          []string{"active"},
		"links":           []rdapObject{s.link("/ip/" + n.prefix.String())},
		"cidr0_cidrs":     []rdapObject{{prefixKey: first.String(), "length": n.prefix.Bits()}},
		"notices":         rdapLabNotices,
	}
	var ents []rdapObject
	if arin {
		obj["type"] = "DIRECT ALLOCATION"
		ents = append(ents, s.entityJSON(rdapLabEntity{RDAPEntity: n.Org, abuse: n.Abuse}, []string{"registrant"}, false))
	} else {
		obj["type"] = "ASSIGNED PA"
		if n.Country != "" {
			obj["country"] = n.Country
		}
		if n.Name != "" {
			mnt := strings.ToUpper(n.Name) + "-MNT"
			ents = append(ents, rdapObject{
				"objectClassName": "entity",
				"handle":          mnt,
				"roles":           []string{"registrant"},
				"links":           []rdapObject{s.link("/entity/" + url.PathEscape(mnt))},
			})
		}
		ents = append(ents, s.entityJSON(rdapLabEntity{RDAPEntity: n.Org}, []string{"registrant"}, false))
		if n.Abuse != "" {
			ents = append(ents, s.entityJSON(rdapAbuseEntity(n.RDAPNetwork), []string{"abuse"}, false))
		}
	}
	obj["entities"] = ents
	if len(n.OriginASNs) > 0 {
		conformance = append(conformance, "arin_originas0")
		obj["arin_originas0_originautnums"] = n.OriginASNs
	}
	obj["rdapConformance"] = conformance
	return obj
}

func (s *RDAPServer) domainJSON(d RDAPDomain) rdapObject {
	conformance := []string{"rdap_level_0", "icann_rdap_response_profile_1", "icann_rdap_technical_implementation_guide_1"}
	registrar := rdapObject{
		"objectClassName": "entity",
		"roles":           []string{"registrar"},
		"vcardArray":      rdapVCard(RDAPEntity{Name: d.Registrar, Kind: "org"}, ""),
	}
	obj := rdapObject{
		"objectClassName": "domain",
		"handle":          strings.ToUpper(strings.ReplaceAll(d.Name, ".", "_")) + "-LAB",
		"ldhName":         d.Name,
		"status":          []string{"client transfer prohibited"},
		"events":          []rdapObject{{"eventAction": "registration", "eventDate": "2015-03-02T10:00:00Z"}},
		"links":           []rdapObject{s.link("/domain/" + d.Name)},
		"notices":         rdapLabNotices,
	}
	var registrant rdapObject
	if d.Redacted {
		conformance = append(conformance, "redacted")
		registrant = rdapObject{
			"objectClassName": "entity",
			"roles":           []string{"registrant"},
			"vcardArray": rdapVCard(RDAPEntity{
				Name: "REDACTED FOR PRIVACY", Kind: "individual", Country: d.Registrant.Country,
			}, ""),
		}
		const pre = "$.entities[?(@.roles[0]=='registrant')].vcardArray[1]"
		obj["redacted"] = []rdapObject{
			{"name": rdapObject{"type": "Registrant Name"}, "prePath": pre + "[?(@[0]=='fn')][3]", "method": "replacementValue", "reason": rdapObject{"description": "Server policy"}},
			{"name": rdapObject{"type": "Registrant Organization"}, "prePath": pre + "[?(@[0]=='org')][3]", "method": "removal", "reason": rdapObject{"description": "Server policy"}},
			{"name": rdapObject{"type": "Registrant Street"}, "prePath": pre + "[?(@[0]=='adr')][3][:3]", "method": "emptyValue", "reason": rdapObject{"description": "Server policy"}},
			{"name": rdapObject{"type": "Registrant Email"}, "prePath": pre + "[?(@[0]=='email')]", "method": "removal", "reason": rdapObject{"description": "Server policy"}},
		}
	} else {
		registrant = s.entityJSON(rdapLabEntity{RDAPEntity: d.Registrant}, []string{"registrant"}, false)
	}
	obj["entities"] = []rdapObject{registrar, registrant}
	obj["rdapConformance"] = conformance
	return obj
}

func (s *RDAPServer) autnumJSON(a RDAPAutnum) rdapObject {
	obj := rdapObject{
		"rdapConformance": []string{"rdap_level_0"},
		"objectClassName": "autnum",
		"handle":          "AS" + strconv.FormatUint(uint64(a.ASN), 10),
		"startAutnum":     a.ASN,
		"endAutnum":       a.ASN,
		"name":            a.Name,
		"type":            "DIRECT ALLOCATION",
		"status":          []string{"active"},
		"entities":        []rdapObject{s.entityJSON(rdapLabEntity{RDAPEntity: a.Org}, []string{"registrant"}, false)},
		"links":           []rdapObject{s.link("/autnum/" + strconv.FormatUint(uint64(a.ASN), 10))},
		"notices":         rdapLabNotices,
	}
	if a.Country != "" {
		obj["country"] = a.Country
	}
	return obj
}

// entityJSON renders e with roles. Unless full, an entity with Link
// carries only its handle and link.
func (s *RDAPServer) entityJSON(e rdapLabEntity, roles []string, full bool) rdapObject {
	obj := rdapObject{"objectClassName": "entity"}
	if len(roles) > 0 {
		obj["roles"] = roles
	}
	if e.Handle != "" {
		obj["handle"] = e.Handle
		obj["links"] = []rdapObject{s.link("/entity/" + url.PathEscape(e.Handle))}
	}
	if e.Link && !full {
		return obj
	}
	obj["vcardArray"] = rdapVCard(e.RDAPEntity, e.email)
	if e.abuse != "" {
		a := rdapLabEntity{RDAPEntity: RDAPEntity{Name: "Abuse", Kind: "group"}, email: e.abuse}
		if e.Handle != "" {
			a.Handle = "ABUSE-" + e.Handle
		}
		obj["entities"] = []rdapObject{s.entityJSON(a, []string{"abuse"}, true)}
	}
	return obj
}

// link is an RDAP self link to path on the server.
func (s *RDAPServer) link(path string) rdapObject {
	return rdapObject{"value": s.URL + path, "rel": "self", "type": "application/rdap+json", "href": s.URL + path}
}

// rdapAbuseEntity is the abuse contact of n, served at
// /entity/ABUSE-<org handle>.
func rdapAbuseEntity(n RDAPNetwork) rdapLabEntity {
	owner := n.Org.Handle
	if owner == "" {
		owner = strings.ToUpper(n.Name)
	}
	return rdapLabEntity{RDAPEntity: RDAPEntity{Handle: "ABUSE-" + owner, Name: "Abuse", Kind: "group"}, email: n.Abuse}
}

// rdapVCard is e's jCard (RFC 7095). An address with lines is given as a
// label (as ARIN and RIPE do), with the country code as the cc parameter;
// one without, as structured components with the country.
func rdapVCard(e RDAPEntity, email string) []any {
	kind := e.Kind
	if kind == "" {
		kind = "org"
	}
	props := []any{
		[]any{"version", rdapObject{}, "text", "4.0"},
		[]any{"fn", rdapObject{}, "text", e.Name},
		[]any{"kind", rdapObject{}, "text", kind},
	}
	switch {
	case len(e.Address) > 0:
		lines := slices.Clone(e.Address)
		params := rdapObject{}
		if e.Country != "" {
			lines = append(lines, e.Country)
			params["cc"] = e.Country
		}
		params["label"] = strings.Join(lines, "\n")
		props = append(props, []any{"adr", params, "text", []string{"", "", "", "", "", "", ""}})
	case e.Country != "":
		props = append(props, []any{"adr", rdapObject{}, "text", []string{"", "", "", "", "", "", e.Country}})
	}
	if email != "" {
		props = append(props, []any{"email", rdapObject{}, "text", email})
	}
	return []any{"vcard", props}
}

func rdapIsARINHandle(h string) bool {
	return strings.HasPrefix(h, "NET-") || strings.HasPrefix(h, "NET6-")
}

// rdapLastAddr is the last address of p.
func rdapLastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func rdapWrite(w http.ResponseWriter, obj rdapObject) {
	body, err := json.Marshal(obj)
	if err != nil {
		rdapWriteError(w, http.StatusInternalServerError, "Internal Server Error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/rdap+json")
	_, _ = w.Write(body)
}

func rdapWriteError(w http.ResponseWriter, code int, title, description string) {
	body, _ := json.Marshal(rdapObject{
		"rdapConformance": []string{"rdap_level_0"},
		"errorCode":       code,
		"title":           title,
		"description":     []string{description},
	})
	w.Header().Set("Content-Type", "application/rdap+json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// LabRDAP returns the lab world's registry data, matching DefaultZone's
// addresses and domains: a US CDN (the founding case's), a French hoster
// (the clean site's), a French local authority's network (the city's mail
// servers), a US analytics company and a US mail relay. LabWhois holds
// the same networks in whois form.
func LabRDAP() ([]RDAPNetwork, []RDAPDomain, []RDAPAutnum) {
	cloudflare := RDAPEntity{
		Handle: "CLOUD14", Name: "Cloudflare, Inc.", Kind: "org",
		Address: []string{"101 Townsend Street", "San Francisco", "CA", "94107"}, Country: "US",
		Link: true,
	}
	ovh := RDAPEntity{
		Handle: "ORG-OS3-RIPE", Name: "OVH SAS", Kind: "org",
		Address: []string{"2 rue Kellermann", "59100 Roubaix"}, Country: "FR",
	}
	manche := RDAPEntity{
		Handle: "ORG-CDDL1-RIPE", Name: "Conseil départemental de la Manche", Kind: "org",
		Address: []string{"98 route de Candol", "50008 Saint-Lô"}, Country: "FR",
	}
	google := RDAPEntity{
		Handle: "GOGL", Name: "Google LLC", Kind: "org",
		Address: []string{"1600 Amphitheatre Parkway", "Mountain View", "CA", "94043"}, Country: "US",
	}
	rocket := RDAPEntity{
		Handle: "RSG-1", Name: "The Rocket Science Group, LLC", Kind: "org",
		Address: []string{"675 Ponce de Leon Ave NE", "Suite 5000", "Atlanta", "GA", "30308"}, Country: "US",
	}
	const asManche, asMandrill = 198575, 14135 // as in LabWhois

	networks := []RDAPNetwork{
		{CIDR: "198.51.100.0/24", Handle: "NET-198-51-100-0-1", Name: "CLOUDFLARENET", Country: "US",
			Org: cloudflare, Abuse: "abuse@cloudflare.com", OriginASNs: []uint32{13335}},
		{CIDR: "2001:db8:cf::/48", Handle: "NET6-2001-DB8-CF-1", Name: "CLOUDFLARENET", Country: "US",
			Org: cloudflare, Abuse: "abuse@cloudflare.com", OriginASNs: []uint32{13335}},
		{CIDR: "203.0.113.0/25", Handle: "203.0.113.0 - 203.0.113.127", Name: "OVH", Country: "FR",
			Org: ovh, Abuse: "abuse@ovh.net", OriginASNs: []uint32{16276}},
		{CIDR: "2001:db8:f0::/48", Handle: "2001:db8:f0::/48", Name: "OVH", Country: "FR",
			Org: ovh, Abuse: "abuse@ovh.net", OriginASNs: []uint32{16276}},
		{CIDR: "203.0.113.128/25", Handle: "203.0.113.128 - 203.0.113.255", Name: "CD50-NET", Country: "FR",
			Org: manche, Abuse: "abuse@manche.fr", OriginASNs: []uint32{asManche}},
		{CIDR: "192.0.2.0/25", Handle: "NET-192-0-2-0-1", Name: "GOOGLE", Country: "US",
			Org: google, Abuse: "network-abuse@google.com", OriginASNs: []uint32{15169}},
		{CIDR: "192.0.2.128/25", Handle: "NET-192-0-2-128-1", Name: "MANDRILL", Country: "US",
			Org: rocket, Abuse: "abuse@mailchimp.com", OriginASNs: []uint32{asMandrill}},
	}
	domains := []RDAPDomain{
		{Name: VendorDomain, Registrar: "Gandi SAS",
			Registrant: RDAPEntity{Name: "Participation Vendor SAS", Kind: "org", Country: "FR"}},
		{Name: CityDomain, Registrar: "Gandi SAS",
			Registrant: RDAPEntity{Name: "Commune de Ville-Exemple", Kind: "org", Country: "FR"}},
		{Name: CleanDomain, Registrar: "OVH SAS",
			Registrant: RDAPEntity{Name: "Commune de Commune-Propre", Kind: "org", Country: "FR"}},
		{Name: RelayDomain, Registrar: "MarkMonitor Inc.",
			Registrant: RDAPEntity{Country: "US"}, Redacted: true},
		{Name: "cloudflare.com", Registrar: "Cloudflare, Inc.",
			Registrant: RDAPEntity{Name: "Cloudflare, Inc.", Kind: "org", Country: "US"}},
	}
	domains = append(domains, batchDomains()...)
	autnums := []RDAPAutnum{
		{ASN: 13335, Name: "CLOUDFLARENET", Country: "US", Org: cloudflare},
		{ASN: 16276, Name: "OVH", Country: "FR", Org: ovh},
		{ASN: 15169, Name: "GOOGLE", Country: "US", Org: google},
		{ASN: asManche, Name: "CD50-AS", Country: "FR", Org: manche},
		{ASN: asMandrill, Name: "MANDRILL", Country: "US", Org: rocket},
	}
	return networks, domains, autnums
}

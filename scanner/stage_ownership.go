package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/owner"
)

// anycastNote is attached to CDN operators: their addresses say nothing
// about where the servers are, only who operates them.
const anycastNote = "anycast CDN: an address says nothing about server location; the operator's legal seat is what counts"

// ownershipStage resolves every host seen anywhere that is not resolved
// yet, and attributes its addresses (RDAP → whois → catalogue) and its
// domain (catalogue → RDAP), concurrently. It returns the addresses,
// networks, registrations and organisations, each host's operator and
// domain owner, and the raw answers as artefacts. KindOwnership is
// collected when every address of the site was attributed (for a mail-only
// run: when any network was).
func (s *scan) ownershipStage(ctx context.Context, ev *evidence.Evidence) stageResult {
	r := s.newStage()
	s.progress("owner", fmt.Sprintf("attributing %d host(s)", len(ev.Hosts)))
	var unresolved []string
	for _, h := range ev.Hosts {
		if ev.DNS.Resolution(h.Name) == nil {
			unresolved = append(unresolved, h.Name)
		}
	}
	if len(unresolved) > 0 {
		r.dns = dnsinfo.Collect(ctx, s.dns, unresolved, nil)
	}
	resolution := func(name string) *evidence.Resolution {
		if res := ev.DNS.Resolution(name); res != nil {
			return res
		}
		return r.dns.Resolution(name)
	}

	// Every address of every resolved host.
	var addrs []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, h := range ev.Hosts {
		res := resolution(h.Name)
		if res == nil {
			continue
		}
		for _, a := range res.Addrs() {
			ip, err := netip.ParseAddr(a)
			if err == nil && !seen[ip] {
				seen[ip] = true
				addrs = append(addrs, ip)
			}
		}
	}
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })

	type netAnswer struct {
		rec *owner.NetworkRecord
		err error
	}
	answers := make([]netAnswer, len(addrs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, ip := range addrs {
		g.Go(func() error {
			rec, err := s.owners.Network(gctx, ip)
			answers[i] = netAnswer{rec, err}
			return nil
		})
	}
	domains := ownedDomains(ev)
	regs := make([]*owner.DomainRecord, len(domains))
	regErrs := make([]error, len(domains))
	for i, d := range domains {
		if _, known := s.catalogue.ByHost(d); known {
			continue // the catalogue already says who owns it
		}
		g.Go(func() error {
			regs[i], regErrs[i] = s.owners.Domain(gctx, d)
			return nil
		})
	}
	_ = g.Wait()

	b := newOrgBook(s.catalogue)
	o := &ownership{}
	r.ownership = o
	netIDs := map[*owner.NetworkRecord]string{}
	// Addresses whose lookup failed the same way (a coalesced /24) share
	// one error entry.
	var failed []string
	failedBy := map[string][]string{}
	for i, ip := range addrs {
		a := evidence.Address{ID: "ip/" + ip.String(), IP: ip.String()}
		if err := answers[i].err; err != nil {
			if _, seen := failedBy[err.Error()]; !seen {
				failed = append(failed, err.Error())
			}
			failedBy[err.Error()] = append(failedBy[err.Error()], ip.String())
			o.addresses = append(o.addresses, a)
			continue
		}
		rec := answers[i].rec
		id, ok := netIDs[rec]
		if !ok {
			n := networkEvidence(rec)
			n.Organisation = b.forNetwork(rec)
			art := rawArtifacts(rec.Source, "ip-"+rec.Start.String()+"-"+rec.End.String(), rec.Raw)
			if len(art) > 0 {
				n.Raw = art[0].Path
			}
			r.artifacts = append(r.artifacts, art...)
			o.networks = append(o.networks, n)
			id = n.ID
			netIDs[rec] = id
		}
		a.Network = id
		if len(rec.ASNs) > 0 {
			a.ASN = rec.ASNs[0]
		}
		o.addresses = append(o.addresses, a)
	}
	for _, msg := range failed {
		r.fail("owner", strings.Join(failedBy[msg], ", "), errors.New(msg))
	}
	for i, d := range domains {
		if regErrs[i] != nil {
			// An unregistered domain is not an error of the scan (the
			// dangling-CNAME check speaks of it); a failed lookup is.
			if !errors.Is(regErrs[i], owner.ErrNotFound) {
				r.fail("owner", d, regErrs[i])
			}
			continue
		}
		if regs[i] == nil {
			continue
		}
		reg := registrationEvidence(regs[i])
		reg.Organisation = b.forRegistration(regs[i])
		art := rawArtifacts(regs[i].Source, "domain-"+d, regs[i].Raw)
		if len(art) > 0 {
			reg.Raw = art[0].Path
		}
		r.artifacts = append(r.artifacts, art...)
		o.registrations = append(o.registrations, reg)
	}
	r.hosts = s.attributeHosts(ev.Hosts, resolution, o, b)
	byURL := s.attributeRequests(ev.Browser, b)
	for i := range r.hosts {
		r.hosts[i].ByURL = byURL[r.hosts[i].Name]
	}
	o.organisations = b.list()
	slices.SortFunc(o.networks, func(a, b evidence.Network) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(o.registrations, func(a, b evidence.Registration) int { return strings.Compare(a.ID, b.ID) })
	switch {
	case ev.Target.Host == "" && len(o.networks) > 0:
		// A mail-only run: ownership is what could be attributed.
		r.collected = append(r.collected, evidence.KindOwnership)
	case ev.Target.Host == "":
	case siteAttributed(resolution(ev.Target.Host), o.addresses) &&
		(ev.Target.Landed == "" || siteAttributed(resolution(ev.Target.Landed), o.addresses)):
		r.collected = append(r.collected, evidence.KindOwnership)
	default:
		r.note = "the site's networks could not all be attributed: ownership checks will be not-evaluated"
	}
	if r.note == "" {
		r.note = fmt.Sprintf("%d address(es), %d network(s), %d organisation(s)", len(o.addresses), len(o.networks), len(o.organisations))
	}
	return r
}

// ownedDomains lists the registrable domains of every host.
func ownedDomains(ev *evidence.Evidence) []string {
	var ds []string
	for _, h := range ev.Hosts {
		if h.RegistrableDomain != "" && !slices.Contains(ds, h.RegistrableDomain) {
			ds = append(ds, h.RegistrableDomain)
		}
	}
	slices.Sort(ds)
	return ds
}

// attributeHosts returns the hosts with their operator (who runs their
// addresses) and domain owner (catalogue, else registration) set.
func (s *scan) attributeHosts(hosts []evidence.Host, resolution func(string) *evidence.Resolution, o *ownership, b *orgBook) []evidence.Host {
	netOrg := map[string]string{}
	for _, n := range o.networks {
		netOrg[n.ID] = n.Organisation
	}
	addrNet := map[string]string{}
	for _, a := range o.addresses {
		addrNet[a.IP] = a.Network
	}
	regOrg := map[string]string{}
	for _, r := range o.registrations {
		regOrg[r.Domain] = r.Organisation
	}
	out := make([]evidence.Host, 0, len(hosts))
	for _, h := range hosts {
		a := evidence.Host{ID: h.ID, Name: h.Name, RegistrableDomain: h.RegistrableDomain}
		if r := resolution(h.Name); r != nil {
			for _, ip := range r.Addrs() {
				if org := netOrg[addrNet[ip]]; org != "" {
					a.Operator = org
					break
				}
			}
		}
		if e, ok := s.catalogue.ByHost(h.Name); ok {
			a.DomainOwner = b.forEntity(e, "catalogue:domain "+h.Name)
		} else if org := regOrg[h.RegistrableDomain]; org != "" {
			a.DomainOwner = org
		}
		out = append(out, a)
	}
	return out
}

// attributeRequests finds the requests a catalogue URL rule designates
// another organisation for than their host's (the GA4 tag on
// www.googletagmanager.com), by host name, each organisation with its rule
// and requests in the order the visits made them.
func (s *scan) attributeRequests(br *evidence.Browser, b *orgBook) map[string][]evidence.URLAttribution {
	if br == nil {
		return nil
	}
	out := map[string][]evidence.URLAttribution{}
	for _, v := range br.Visits {
		for _, req := range v.Requests {
			e, rule, ok := s.catalogue.ByURL(req.URL)
			if !ok {
				continue
			}
			if owner, known := s.catalogue.ByHost(req.Host); known && owner.Key == e.Key {
				continue // the host's own entry: nothing to add
			}
			id := b.forEntity(e, "catalogue:url "+rule)
			as := out[req.Host]
			i := slices.IndexFunc(as, func(a evidence.URLAttribution) bool { return a.Organisation == id && a.Rule == rule })
			if i < 0 {
				i = len(as)
				as = append(as, evidence.URLAttribution{Organisation: id, Rule: rule})
			}
			as[i].Requests = append(as[i].Requests, req.ID)
			out[req.Host] = as
		}
	}
	return out
}

// siteAttributed reports whether every address of the site (its name and
// chain) was attributed to a network.
func siteAttributed(site *evidence.Resolution, addrs []evidence.Address) bool {
	if site == nil || len(site.Addrs()) == 0 {
		return false
	}
	for _, a := range addrs {
		if slices.Contains(site.Addrs(), a.IP) && a.Network == "" {
			return false
		}
	}
	return true
}

func networkEvidence(r *owner.NetworkRecord) evidence.Network {
	return evidence.Network{
		ID:    "net/" + r.Start.String() + "-" + r.End.String(),
		Start: r.Start.String(), End: r.End.String(), CIDRs: r.CIDRs,
		Name: r.Name, Handle: r.Handle, Country: r.Country,
		OrgName: r.OrgName, OrgAddress: r.OrgAddress, ASNs: r.ASNs, Abuse: r.Abuse,
		Source: r.Source, Server: r.Server,
	}
}

func registrationEvidence(d *owner.DomainRecord) evidence.Registration {
	return evidence.Registration{
		ID: "reg/" + d.Domain, Domain: d.Domain, Registrar: d.Registrar,
		Registrant: d.Registrant, Country: d.RegistrantCountry, Redacted: d.Redacted,
		Source: d.Source, Server: d.Server,
	}
}

var unsafePath = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// rawArtifacts names raw answers for the bundle: rdap/<name>.json or
// whois/<name>.txt, the followed links numbered after the main answer.
func rawArtifacts(source, name string, raws []owner.RawAnswer) []Artifact {
	name = unsafePath.ReplaceAllString(name, "_")
	dir, ext := "rdap", ".json"
	if source == "whois" {
		dir, ext = "whois", ".txt"
	}
	var out []Artifact
	for i, r := range raws {
		p := dir + "/" + name + ext
		if i > 0 {
			p = fmt.Sprintf("%s/%s.%d%s", dir, name, i, ext)
		}
		out = append(out, Artifact{Path: p, Data: r.Body})
	}
	return out
}

// orgBook deduplicates the organisations identified during enrichment.
type orgBook struct {
	cat  *entities.Catalogue
	mu   sync.Mutex
	orgs map[string]*evidence.Organisation
}

func newOrgBook(cat *entities.Catalogue) *orgBook {
	return &orgBook{cat: cat, orgs: map[string]*evidence.Organisation{}}
}

// forEntity records a catalogue entity and returns its organisation ID.
func (b *orgBook) forEntity(e *entities.Entity, matchedBy string) string {
	id := "org/" + e.Key
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.orgs[id]
	if !ok {
		o = &evidence.Organisation{
			ID: id, Name: e.Name, LegalEntity: e.LegalEntity, EUEstablishment: e.EUEstablishment,
			Country: e.Country, Parent: e.Parent,
			Categories: slices.Sorted(slices.Values(e.Categories)), Catalogue: e.Key,
		}
		notes := []string{}
		if e.Has("cdn") {
			notes = append(notes, anycastNote)
		}
		o.Note = strings.Join(notes, "; ")
		b.orgs[id] = o
	}
	if !slices.Contains(o.MatchedBy, matchedBy) {
		o.MatchedBy = append(o.MatchedBy, matchedBy)
	}
	return id
}

// forName records an organisation known only by a registry's name.
func (b *orgBook) forName(name, country, matchedBy string) string {
	slug := strings.Trim(unsafePath.ReplaceAllString(strings.ToLower(names.NormaliseOrg(name)), "-"), "-")
	if slug == "" {
		return ""
	}
	id := "org/" + slug
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.orgs[id]
	if !ok {
		country = strings.ToUpper(country)
		o = &evidence.Organisation{ID: id, Name: name, LegalEntity: name, Country: country}
		b.orgs[id] = o
	}
	if !slices.Contains(o.MatchedBy, matchedBy) {
		o.MatchedBy = append(o.MatchedBy, matchedBy)
	}
	return id
}

// forNetwork identifies a network's operator: the catalogue by registrant
// name, then by ASN, else the registrant as the registry names it.
func (b *orgBook) forNetwork(r *owner.NetworkRecord) string {
	if e, ok := b.cat.ByOrgName(r.OrgName); ok {
		return b.forEntity(e, r.Source+"-org:"+r.OrgName)
	}
	for _, asn := range r.ASNs {
		if e, ok := b.cat.ByASN(asn); ok {
			return b.forEntity(e, fmt.Sprintf("%s-asn:AS%d", r.Source, asn))
		}
	}
	country := r.OrgCountry
	if country == "" {
		country = r.Country
	}
	return b.forName(r.OrgName, country, r.Source+"-org:"+r.OrgName)
}

// forRegistration identifies a domain's owner from its registrant.
func (b *orgBook) forRegistration(d *owner.DomainRecord) string {
	if d.Registrant == "" {
		return ""
	}
	if e, ok := b.cat.ByOrgName(d.Registrant); ok {
		return b.forEntity(e, d.Source+"-registrant:"+d.Registrant)
	}
	return b.forName(d.Registrant, d.RegistrantCountry, d.Source+"-registrant:"+d.Registrant)
}

func (b *orgBook) list() []evidence.Organisation {
	out := make([]evidence.Organisation, 0, len(b.orgs))
	for _, o := range b.orgs {
		slices.Sort(o.MatchedBy)
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b evidence.Organisation) int { return strings.Compare(a.ID, b.ID) })
	return out
}

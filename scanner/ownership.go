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

// enrich resolves every host seen anywhere and attributes its addresses
// (RDAP → whois → catalogue) and its domain (catalogue → RDAP), concurrently.
// The raw answers are returned as artefacts.
func (s *scan) enrich(ctx context.Context, ev *evidence.Evidence) []Artifact {
	s.progress("owner", fmt.Sprintf("attributing %d host(s)", len(ev.Hosts)))
	s.resolveHosts(ctx, ev)

	// Every address of every resolved host.
	var addrs []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, h := range ev.Hosts {
		r := ev.DNS.Resolution(h.Name)
		if r == nil {
			continue
		}
		for _, a := range r.Addrs() {
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
	var arts []Artifact
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
			ev.Addresses = append(ev.Addresses, a)
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
			arts = append(arts, art...)
			ev.Networks = append(ev.Networks, n)
			id = n.ID
			netIDs[rec] = id
		}
		a.Network = id
		if len(rec.ASNs) > 0 {
			a.ASN = rec.ASNs[0]
		}
		ev.Addresses = append(ev.Addresses, a)
	}
	for _, msg := range failed {
		s.fail(ev, "owner", strings.Join(failedBy[msg], ", "), errors.New(msg))
	}
	for i, d := range domains {
		if regErrs[i] != nil {
			// An unregistered domain is not an error of the scan (the
			// dangling-CNAME check speaks of it); a failed lookup is.
			if !errors.Is(regErrs[i], owner.ErrNotFound) {
				s.fail(ev, "owner", d, regErrs[i])
			}
			continue
		}
		if regs[i] == nil {
			continue
		}
		r := registrationEvidence(regs[i])
		r.Organisation = b.forRegistration(regs[i])
		art := rawArtifacts(regs[i].Source, "domain-"+d, regs[i].Raw)
		if len(art) > 0 {
			r.Raw = art[0].Path
		}
		arts = append(arts, art...)
		ev.Registrations = append(ev.Registrations, r)
	}
	s.attributeHosts(ev, b)
	ev.Organisations = b.list()
	slices.SortFunc(ev.Networks, func(a, b evidence.Network) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(ev.Registrations, func(a, b evidence.Registration) int { return strings.Compare(a.ID, b.ID) })
	switch {
	case ev.Target.Host == "" && len(ev.Networks) > 0:
		// A mail-only run: ownership is what could be attributed.
		ev.Collected = append(ev.Collected, evidence.KindOwnership)
	case ev.Target.Host == "":
	case s.siteAttributed(ev):
		ev.Collected = append(ev.Collected, evidence.KindOwnership)
	default:
		s.progress("owner", "the site's networks could not all be attributed: ownership checks will be not-evaluated")
	}
	return arts
}

// resolveHosts resolves the hosts not resolved yet (MX hosts, third parties).
func (s *scan) resolveHosts(ctx context.Context, ev *evidence.Evidence) {
	var names []string
	for _, h := range ev.Hosts {
		if ev.DNS.Resolution(h.Name) == nil {
			names = append(names, h.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	more := dnsinfo.Collect(ctx, s.dns, names, nil)
	ev.DNS.Resolutions = append(ev.DNS.Resolutions, more.Resolutions...)
	slices.SortFunc(ev.DNS.Resolutions, func(a, b evidence.Resolution) int { return strings.Compare(a.ID, b.ID) })
	ev.DNS.Lookups = s.dns.Lookups()
	for i := range ev.Hosts {
		if r := ev.DNS.Resolution(ev.Hosts[i].Name); r != nil {
			ev.Hosts[i].Resolution = r.ID
		}
	}
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

// attributeHosts sets each host's operator (who runs its addresses) and
// domain owner (catalogue, else registration).
func (s *scan) attributeHosts(ev *evidence.Evidence, b *orgBook) {
	netOrg := map[string]string{}
	for _, n := range ev.Networks {
		netOrg[n.ID] = n.Organisation
	}
	addrNet := map[string]string{}
	for _, a := range ev.Addresses {
		addrNet[a.IP] = a.Network
	}
	regOrg := map[string]string{}
	for _, r := range ev.Registrations {
		regOrg[r.Domain] = r.Organisation
	}
	for i := range ev.Hosts {
		h := &ev.Hosts[i]
		if r := ev.DNS.Resolution(h.Name); r != nil {
			for _, a := range r.Addrs() {
				if org := netOrg[addrNet[a]]; org != "" {
					h.Operator = org
					break
				}
			}
		}
		if e, ok := s.catalogue.ByHost(h.Name); ok {
			h.DomainOwner = b.forEntity(e, "catalogue:domain "+h.Name)
		} else if org := regOrg[h.RegistrableDomain]; org != "" {
			h.DomainOwner = org
		}
	}
}

// siteAttributed reports whether every address of the site (its name and
// chain) was attributed to a network.
func (s *scan) siteAttributed(ev *evidence.Evidence) bool {
	r := ev.DNS.Resolution(ev.Target.Host)
	if r == nil || len(r.Addrs()) == 0 {
		return false
	}
	for _, a := range ev.Addresses {
		if slices.Contains(r.Addrs(), a.IP) && a.Network == "" {
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
			ID: id, Name: e.Name, LegalEntity: e.LegalEntity, Country: e.Country, Parent: e.Parent,
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

package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Processor is an organisation observed handling the site's visitors or
// mail, with what was observed of it and whether the legal pages name it.
type Processor struct {
	// Organisation is its ID (org/<key>); Name is how findings name it.
	Organisation string `json:"organisation"`
	Name         string `json:"name"`
	// Roles lists how it was observed: site-operator (it operates the
	// addresses serving the site or a name of its chain), domain-owner (it
	// owns a domain of the site's CNAME chain), third-party (a page
	// contacted it), mail-relay (it relayed or passed on a mail).
	Roles []string `json:"roles"`
	// Observed says what was observed, one sentence each.
	Observed []string `json:"observed"`
	// Evidence lists the records behind the observations.
	Evidence []string `json:"evidence"`
	// Declared is named or not-named when legal pages were read, else unknown.
	Declared string `json:"declared"`
	// NamedBy says where the legal pages name it, when they do.
	NamedBy *Naming `json:"named_by,omitempty"`
}

// Roles of a processor.
const (
	RoleSiteOperator = "site-operator"
	RoleDomainOwner  = "domain-owner"
	RoleThirdParty   = "third-party"
	RoleMailRelay    = "mail-relay"
)

// Values of Processor.Declared.
const (
	DeclaredNamed    = "named"
	DeclaredNotNamed = "not-named"
	DeclaredUnknown  = "unknown" // no legal page was read
)

// Naming is where and how the legal pages name an organisation: "declared
// as Google Ireland Limited (privacy page, “…”)".
type Naming struct {
	// How is one of the Named* values: how the name the page wrote
	// relates to the observed organisation.
	How string `json:"how"`
	// As is the name as the page writes it ("Google Ireland Limited").
	As string `json:"as,omitempty"`
	// Page is the kind of the page that names it (notice, privacy,
	// cookies), when known.
	Page string `json:"page,omitempty"`
	// Span quotes the text that names it, in its page.
	Span evidence.Span `json:"span"`
}

// Values of Naming.How, from the closest to the loosest. Each counts as
// declaring the organisation: the recipient of the data is the company (a
// legal entity, with its EU establishment) and its group, whichever of its
// products the page names.
const (
	NamedHoster      = "hoster"       // the notice declares it as the hoster
	NamedPublisher   = "publisher"    // the notice declares it as the publisher
	NamedMention     = "mention"      // the page names the observed service itself
	NamedCompany     = "company"      // the page names its company: legal entity, EU establishment or registry name
	NamedSameCompany = "same-company" // the page names another service of the same company (YouTube for Google Analytics)
	NamedGroup       = "group"        // the page names its owning group (Alphabet for Google LLC)
)

// namingRank orders the ways of naming from the closest.
var namingRank = map[string]int{NamedMention: 0, NamedCompany: 1, NamedSameCompany: 2, NamedGroup: 3}

// processors lists the processors observed, by organisation ID: the
// operator of the site's addresses (a CDN among them), the owners of the
// third-party names of its CNAME chain (the platform vendor), the third
// parties the page contacted (browser), and the mail relays (mail). The
// organisation itself (the owner of first-party names) is left out. Each
// says whether the legal pages read name it.
func (f *Facts) processors(ev *evidence.Evidence) []Processor {
	own := map[string]bool{}
	for _, h := range ev.Hosts {
		if f.IsFirstParty(h.Name) && h.DomainOwner != "" {
			own[h.DomainOwner] = true
		}
	}
	var out []Processor
	at := map[string]int{}
	add := func(id, role, what string, refs ...string) {
		if id == "" || own[id] {
			return
		}
		i, ok := at[id]
		if !ok {
			name := ""
			if o := organisation(ev, id); o != nil {
				name = o.Name
			} else {
				// A provider recognised without an organisation record.
				name, _ = strings.CutPrefix(id, "org/")
			}
			i = len(out)
			at[id] = i
			out = append(out, Processor{Organisation: id, Name: name})
		}
		pr := &out[i]
		pr.Roles = appendNew(pr.Roles, role)
		pr.Observed = appendNew(pr.Observed, what)
		for _, r := range refs {
			pr.Evidence = appendNew(pr.Evidence, r)
		}
	}

	if site := host(ev, ev.Target.SiteHost()); site != nil && site.Operator != "" {
		what := fmt.Sprintf("it operates the addresses serving %s", site.Name)
		if o := organisation(ev, site.Operator); o != nil && slices.Contains(o.Categories, "cdn") {
			what += " as a CDN that terminates TLS and sees all traffic in clear"
		}
		refs, _ := operatorEvidence(ev, site)
		add(site.Operator, RoleSiteOperator, what, refs...)
	}
	if l := ev.Target.Landed; l != "" && !f.IsFirstParty(l) {
		if h := host(ev, l); h != nil {
			add(h.DomainOwner, RoleDomainOwner, fmt.Sprintf("it owns %s, to which the site's address %s redirects its visitors", h.Name, ev.Target.Host), h.ID)
		}
	}
	for _, name := range []string{ev.Target.Host, ev.Target.Landed} {
		r := ev.DNS.Resolution(name)
		if name == "" || r == nil {
			continue
		}
		for _, link := range r.Chain {
			h := host(ev, link.To)
			if h == nil || f.IsFirstParty(h.Name) {
				continue
			}
			add(h.DomainOwner, RoleDomainOwner, fmt.Sprintf("it owns %s, to which the site's name is delegated by CNAME (%s)", h.Name, r.ID), h.ID, r.ID)
			if h.Operator != "" {
				refs, _ := operatorEvidence(ev, h)
				add(h.Operator, RoleSiteOperator, fmt.Sprintf("it operates the addresses of %s, in the site's CNAME chain", h.Name), refs...)
			}
		}
	}
	requests := map[string][]*evidence.Request{}
	if ev.Browser != nil {
		for vi := range ev.Browser.Visits {
			for ri := range ev.Browser.Visits[vi].Requests {
				r := &ev.Browser.Visits[vi].Requests[ri]
				requests[r.Host] = append(requests[r.Host], r)
			}
		}
	}
	for i := range ev.Hosts {
		h := &ev.Hosts[i]
		if !slices.Contains(h.Roles, evidence.RoleThirdParty) || f.IsFirstParty(h.Name) {
			continue
		}
		id := h.DomainOwner
		if id == "" {
			id = h.Operator
		}
		if len(requests[h.Name]) == 0 {
			add(id, RoleThirdParty, fmt.Sprintf("the page contacted %s", h.Name), h.ID)
			continue
		}
		// Each organisation behind the host's requests: the one a
		// catalogue URL rule designates, else the host's.
		type share struct {
			org, rule string
			n         int
			ids       []string
		}
		var shares []share
		for _, r := range requests[h.Name] {
			org, rule := id, ""
			if a, ok := f.byURL[r.ID]; ok {
				org, rule = a.Organisation, a.Rule
			}
			k := slices.IndexFunc(shares, func(s share) bool { return s.org == org && s.rule == rule })
			if k < 0 {
				k = len(shares)
				shares = append(shares, share{org: org, rule: rule})
			}
			shares[k].n++
			if len(shares[k].ids) < 3 {
				shares[k].ids = append(shares[k].ids, r.ID)
			}
		}
		for _, s := range shares {
			what := fmt.Sprintf("the page contacted %s (%d request(s), first %s)", h.Name, s.n, s.ids[0])
			if s.rule != "" {
				what = fmt.Sprintf("the page loaded it from %s (%d request(s) matching %s, first %s)", h.Name, s.n, s.rule, s.ids[0])
			}
			add(s.org, RoleThirdParty, what, append([]string{h.ID}, s.ids...)...)
		}
	}
	for _, m := range ev.Mails {
		for _, pm := range m.Providers {
			id := pm.Organisation
			if id == "" && pm.Entity != "" {
				id = "org/" + pm.Entity
			}
			what := fmt.Sprintf("it relayed %s", m.ID)
			if len(pm.Signals) > 0 {
				what += fmt.Sprintf(" (%s)", strings.Join(pm.Signals[:min(len(pm.Signals), 3)], ", "))
			}
			add(id, RoleMailRelay, what, m.ID)
		}
	}
	for i := range ev.Hosts {
		h := &ev.Hosts[i]
		if !slices.Contains(h.Roles, evidence.RoleMailRelay) || f.IsFirstParty(h.Name) {
			continue
		}
		add(h.DomainOwner, RoleMailRelay, fmt.Sprintf("the mail passed through %s", h.Name), append([]string{h.ID}, h.SeenIn...)...)
	}

	lg := legalOf(ev)
	read := len(legalRead(lg)) > 0
	for i := range out {
		pr := &out[i]
		pr.Declared = DeclaredUnknown
		if !read {
			continue
		}
		o := organisation(ev, pr.Organisation)
		if o == nil {
			key, _ := strings.CutPrefix(pr.Organisation, "org/")
			o = &evidence.Organisation{ID: pr.Organisation, Name: pr.Name, Catalogue: key}
		}
		pr.Declared = DeclaredNotNamed
		if n := namedIn(lg, o); n != nil {
			pr.Declared, pr.NamedBy = DeclaredNamed, n
		}
	}
	return out
}

// namedIn says where and how the pages name an observed organisation,
// comparing companies and groups rather than products: the notice's hoster
// or publisher; else the closest of the mentions (see the Named* values) —
// the observed service itself, its company by its legal entity or EU
// establishment ("Google Ireland Limited" declares Google Analytics),
// another service of the same company, its group. A page naming "Google
// Fonts" thus names Google LLC, the recipient of what Google Analytics
// collects too: the Naming keeps the name the page used so that a reader
// sees it was another product. Nil when they do not name it.
func namedIn(lg *evidence.Legal, o *evidence.Organisation) *Naming {
	pageKind := func(id string) string {
		for _, pg := range lg.Pages {
			if pg.ID == id {
				return pg.Kind
			}
		}
		return ""
	}
	for _, d := range []struct {
		how string
		org *evidence.DeclaredOrg
	}{{NamedHoster, lg.Hoster}, {NamedPublisher, lg.Publisher}} {
		if legalDeclares(d.org, o) {
			return &Naming{How: d.how, As: d.org.Name, Page: pageKind(d.org.Span.Source), Span: d.org.Span}
		}
	}
	var best *Naming
	for _, m := range lg.Mentions {
		how := mentionNames(m, o)
		if how == "" || best != nil && namingRank[how] >= namingRank[best.How] {
			continue
		}
		best = &Naming{How: how, As: m.Name, Page: pageKind(m.Span.Source), Span: m.Span}
		if how == NamedMention {
			break
		}
	}
	return best
}

// mentionNames says how a mention names an observed organisation (a
// Named* value), or "" when it names another.
func mentionNames(m evidence.Mention, o *evidence.Organisation) string {
	written := legalNorms(m.Name)
	company := legalNorms(o.LegalEntity, o.EUEstablishment)
	group := legalNorms(o.Parent)
	if m.As == evidence.MentionGroup {
		// The page wrote a group's name: only the group is named.
		if legalOverlap(written, group) {
			return NamedGroup
		}
		return ""
	}
	mCompany := legalNorms(m.LegalEntity, m.EUEstablishment)
	switch m.As {
	case evidence.MentionLegalEntity, evidence.MentionEUEstablishment, evidence.MentionOrgName:
		if legalOverlap(mCompany, company) || legalOverlap(written, company) {
			return NamedCompany
		}
	}
	switch {
	case o.Catalogue != "" && m.Entity == o.Catalogue, legalOverlap(written, legalNorms(o.Name)):
		return NamedMention
	case legalOverlap(written, company):
		return NamedCompany
	case legalOverlap(mCompany, company):
		return NamedSameCompany
	case legalOverlap(written, group), legalOverlap(mCompany, group):
		// The page names the company that heads the group (Microsoft for
		// LinkedIn).
		return NamedGroup
	}
	return ""
}

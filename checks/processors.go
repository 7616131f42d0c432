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

// Naming is where the legal pages name an organisation.
type Naming struct {
	// How is hoster or publisher (the notice declares it so), mention (by
	// its catalogue entry, name or legal entity) or same-company (another
	// service of the same company in the same line of business: a page
	// naming Mailchimp names the company behind Mandrill).
	How string `json:"how"`
	// Span quotes the text that names it, in its page.
	Span evidence.Span `json:"span"`
}

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

	if site := host(ev, ev.Target.Host); site != nil && site.Operator != "" {
		what := fmt.Sprintf("it operates the addresses serving %s", site.Name)
		if o := organisation(ev, site.Operator); o != nil && slices.Contains(o.Categories, "cdn") {
			what += " as a CDN that terminates TLS and sees all traffic in clear"
		}
		refs, _ := operatorEvidence(ev, site)
		add(site.Operator, RoleSiteOperator, what, refs...)
	}
	if r := ev.DNS.Resolution(ev.Target.Host); r != nil {
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
	for i := range ev.Hosts {
		h := &ev.Hosts[i]
		if !slices.Contains(h.Roles, evidence.RoleThirdParty) || f.IsFirstParty(h.Name) {
			continue
		}
		id := h.DomainOwner
		if id == "" {
			id = h.Operator
		}
		what, refs := fmt.Sprintf("the page contacted %s", h.Name), []string{h.ID}
		if tp := f.thirdParty(h.Name); tp != nil && len(tp.RequestIDs) > 0 {
			what += fmt.Sprintf(" (%d request(s), first %s)", tp.Requests, tp.RequestIDs[0])
			refs = append(refs, tp.RequestIDs[:min(len(tp.RequestIDs), 3)]...)
		}
		add(id, RoleThirdParty, what, refs...)
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

// namedIn says where the pages name an observed organisation: as the
// declared hoster or publisher, by a mention of its catalogue entry, by its
// name or legal entity, or by another service of the same company in the
// same line of business (a page naming Mailchimp names the company behind
// Mandrill; one naming YouTube does not declare Google Analytics). Nil when
// they do not.
func namedIn(lg *evidence.Legal, o *evidence.Organisation) *Naming {
	if legalDeclares(lg.Hoster, o) {
		return &Naming{How: "hoster", Span: lg.Hoster.Span}
	}
	if legalDeclares(lg.Publisher, o) {
		return &Naming{How: "publisher", Span: lg.Publisher.Span}
	}
	names := legalNorms(o.Name, o.LegalEntity)
	company := legalNorms(o.LegalEntity)
	for _, m := range lg.Mentions {
		if o.Catalogue != "" && m.Entity == o.Catalogue || legalOverlap(legalNorms(m.Name), names) {
			return &Naming{How: "mention", Span: m.Span}
		}
		if legalOverlap(legalNorms(m.LegalEntity), company) && legalOverlap(m.Categories, o.Categories) {
			return &Naming{How: "same-company", Span: m.Span}
		}
	}
	return nil
}

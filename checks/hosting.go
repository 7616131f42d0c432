package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var hostingThirdPartyCNAME = &Check{
	ID:       "hosting.third-party-cname",
	Title:    "The site's name is delegated to another organisation's domain",
	Severity: Medium,
	Rationale: "When the site's name is a CNAME into a domain the organisation does not own, or " +
		"redirects its visitors to one, another company operates the service and sees every visitor and every answer, " +
		"whatever the legal notice says. Citizens and the DPO must be told who that is.",
	Refs: []string{
		"GDPR art. 28 (processors) and art. 13 (information to data subjects)",
		"LCEN art. 6-III (identification of the hoster)",
	},
	Remediation: "Name the operator truthfully in the legal notice and the processing register, " +
		"with a GDPR art. 28 contract; better, host the consultation on infrastructure the " +
		"organisation controls or an EU-operated host, with open-source software (Decidim, " +
		"LimeSurvey) under its own domain.",
	Needs: []evidence.Kind{evidence.KindDNS},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		r := ev.DNS.Resolution(ev.Target.Host)
		if r == nil {
			return nil, NotEvaluated("the site's name %s was not resolved", ev.Target.Host)
		}
		var out []Finding
		if f := cnameHandover(p, r); f != nil {
			out = append(out, *f)
		}
		landed := ev.Target.Landed
		if landed == "" {
			return out, nil
		}
		// The target redirected the visitor to another host: the pages are
		// served from there.
		lr := ev.DNS.Resolution(landed)
		if !p.IsFirstParty(landed) {
			summary := fmt.Sprintf("%s redirects its visitors to %s, outside the organisation's domains (%s): the pages are served from there.",
				ev.Target.Host, landed, strings.Join(p.firstPartyDomains(), ", "))
			var refs []string
			if v := ev.Browser.Visit(evidence.StateInitial); v != nil {
				refs = append(refs, v.ID)
			}
			if h := host(ev, landed); h != nil {
				refs = append(refs, h.ID)
				if o := organisation(ev, h.DomainOwner); o != nil {
					summary += fmt.Sprintf(" That domain belongs to %s.", orgText(o))
					refs = append(refs, o.ID)
				}
			}
			if lr != nil {
				refs = append(refs, lr.ID)
				if o := organisation(ev, chainOperator(ev, lr)); o != nil {
					summary += fmt.Sprintf(" Its addresses are operated by %s.", orgText(o))
					refs = append(refs, o.ID)
				}
			}
			return append(out, Finding{Subject: landed, Summary: summary, Evidence: refs}), nil
		}
		if lr != nil {
			// Both names may lead to the same third party: it is said once.
			if f := cnameHandover(p, lr); f != nil && !slices.ContainsFunc(out, func(o Finding) bool { return o.Subject == f.Subject }) {
				out = append(out, *f)
			}
		}
		return out, nil
	},
}

// cnameHandover is the finding of a site name r whose CNAME chain leaves
// the organisation's domains, nil when it stays inside.
func cnameHandover(p *Pass, r *evidence.Resolution) *Finding {
	ev := p.Evidence
	for _, link := range r.Chain {
		if p.IsFirstParty(link.To) {
			continue
		}
		summary := fmt.Sprintf("%s is a CNAME chain (%s): the name is handed to %s, outside the organisation's domains (%s).",
			r.Name, chainText(*r), link.To, strings.Join(p.firstPartyDomains(), ", "))
		refs := []string{r.ID}
		refs = append(refs, r.Lookups...)
		if h := host(ev, link.To); h != nil {
			if o := organisation(ev, h.DomainOwner); o != nil {
				summary += fmt.Sprintf(" That domain belongs to %s.", orgText(o))
				refs = append(refs, h.ID, o.ID)
			}
			if o := organisation(ev, chainOperator(ev, r)); o != nil {
				summary += fmt.Sprintf(" The chain's addresses are operated by %s.", orgText(o))
				refs = append(refs, o.ID)
			}
		}
		return &Finding{Subject: link.To, Summary: summary, Evidence: refs}
	}
	return nil
}

var hostingCDNProxy = &Check{
	ID:       "hosting.cdn-proxy",
	Title:    "A CDN or reverse proxy terminates the site's TLS",
	Severity: Medium,
	Rationale: "When the site's addresses belong to a CDN or reverse-proxy operator, that operator " +
		"decrypts every request: it sees each visitor's address, every page, every form answer " +
		"and every password in clear, whatever the legal notice names as the hoster. The origin " +
		"server behind it is not visible from outside.",
	Refs: []string{
		"GDPR art. 28 (processors) and art. 44-49 (transfers)",
		"LCEN art. 6-III (identification of the hoster)",
		"CNIL, Guide de la sécurité des données personnelles (2024), fiche sous-traitance",
	},
	Remediation: "Name the CDN as a processor in the legal notice and the processing register, with " +
		"an art. 28 contract; or serve the site without a third-party TLS-terminating proxy, or " +
		"with an EU-operated one.",
	Needs: []evidence.Kind{evidence.KindDNS, evidence.KindOwnership},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		h := host(ev, ev.Target.SiteHost())
		if h == nil || h.Operator == "" {
			return nil, NotEvaluated("the operator of %s's addresses is unknown", ev.Target.SiteHost())
		}
		o := organisation(ev, h.Operator)
		if o == nil || !slices.Contains(o.Categories, "cdn") {
			return nil, nil
		}
		refs, addrs := operatorEvidence(ev, h)
		return []Finding{{
			Subject: o.ID,
			Summary: fmt.Sprintf("%s resolves to %s, addresses operated by %s, a CDN / reverse proxy: it terminates TLS and "+
				"sees all traffic in clear. The origin behind it is not visible.", h.Name, strings.Join(addrs, ", "), orgText(o)),
			Evidence: append(refs, o.ID),
		}}, nil
	},
}

var hostingOperatorOutsideEEA = &Check{
	ID:       "hosting.operator-outside-eea",
	Title:    "The site is served by an operator registered outside the EU/EEA",
	Severity: High,
	Rationale: "An operator incorporated outside the EU/EEA is subject to its own country's laws on " +
		"access to data (for the US, FISA section 702 and the CLOUD Act), whatever the location of " +
		"its servers. Transfers to it need an adequacy decision or art. 46 safeguards, and citizens " +
		"must be told. For an anycast CDN, the address says nothing about where servers are: the " +
		"operator's legal seat is what counts.",
	Refs: []string{
		"GDPR art. 44-49 (transfers to third countries)",
		"CJEU C-311/18 Schrems II (2020)",
		"Commission Implementing Decision (EU) 2023/1795 (EU-US Data Privacy Framework)",
	},
	Remediation: "Host the consultation with an operator incorporated in the EU/EEA (for instance a " +
		"French or EU hoster, ideally SecNumCloud-qualified for sensitive processing), or document " +
		"the transfer basis (DPF certification, standard contractual clauses and a transfer impact " +
		"assessment) and say so in the privacy notice. A policy may allow the country or bloc.",
	Needs: []evidence.Kind{evidence.KindDNS, evidence.KindOwnership},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		var out []Finding
		seen := map[string]bool{}
		for i := range ev.Hosts {
			h := &ev.Hosts[i]
			for _, c := range p.hostOperators(h) {
				if c.org == "" || seen[c.org] {
					continue
				}
				o := organisation(ev, c.org)
				if o == nil {
					continue
				}
				seen[c.org] = true
				j, known := p.Facts().Jurisdiction(o.ID)
				if !known || j.InEEA() || p.Policy.AllowsCountry(j.Country, j.Bloc) {
					continue
				}
				refs, addrs := operatorEvidence(ev, h)
				var summary string
				switch c.role {
				case byNetwork:
					summary = fmt.Sprintf("%s operates the network(s) serving %s (%s), and is registered in %s, outside the EU/EEA.",
						orgText(o), h.Name, strings.Join(addrs, ", "), o.Country)
				case bySiteDomain:
					summary = fmt.Sprintf("The site is served from %s, a domain of %s, registered in %s, outside the EU/EEA: it runs the service whatever network hosts it.",
						h.Name, orgText(o), o.Country)
					refs = append(refs, h.ID)
				default:
					summary = fmt.Sprintf("The page contacts %s, run by %s, registered in %s, outside the EU/EEA: the visitor's data goes there.",
						h.Name, orgText(o), o.Country)
				}
				if note := orgNote(o, j); note != "" {
					summary += " Note: " + note + "."
				}
				out = append(out, Finding{Subject: o.ID, Summary: summary, Evidence: append(refs, o.ID)})
			}
		}
		return out, nil
	},
}

// operatorRole is how an organisation is tied to a host, for
// hosting.operator-outside-eea.
type operatorRole int

const (
	byNetwork    operatorRole = iota // it operates the network serving a site name
	bySiteDomain                     // it owns a site name's domain, outside the organisation's
	byContact                        // it runs a third party the page contacts
)

// operatorClaim is one organisation tied to a host, and how.
type operatorClaim struct {
	org  string
	role operatorRole
}

// hostOperators returns the organisations a host makes the site depend
// on: the site's own names count by their networks' operator, and those
// outside the organisation's domains (a vendor's platform the site is
// handed to) by their domain's owner too; a third party the page contacts
// by its domain's owner (Google for www.google-analytics.com), else its
// network's operator; other hosts (mail servers …) by none.
func (p *Pass) hostOperators(h *evidence.Host) []operatorClaim {
	switch {
	case servesSite(h):
		out := []operatorClaim{{h.Operator, byNetwork}}
		if h.DomainOwner != "" && !p.IsFirstParty(h.Name) {
			out = append(out, operatorClaim{h.DomainOwner, bySiteDomain})
		}
		return out
	case p.contactedThirdParty(h) && h.DomainOwner != "":
		return []operatorClaim{{h.DomainOwner, byContact}}
	case p.contactedThirdParty(h):
		return []operatorClaim{{h.Operator, byContact}}
	}
	return nil
}

// orgNote joins what the evidence notes about an organisation (an anycast
// CDN) and what its country means for transfers. Evidence saved before the
// transfer note became a judgment may carry it already: it is said once.
func orgNote(o *evidence.Organisation, j Jurisdiction) string {
	var notes []string
	if o.Note != "" {
		notes = append(notes, o.Note)
	}
	if j.Note != "" && !strings.Contains(o.Note, j.Note) {
		notes = append(notes, j.Note)
	}
	return strings.Join(notes, "; ")
}

package checks

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var hostingThirdPartyCNAME = &Check{
	ID:       "hosting.third-party-cname",
	Title:    "The site's name is delegated to another organisation's domain",
	Severity: Medium,
	Rationale: "When the site's name is a CNAME into a domain the organisation does not own, " +
		"another company operates the service and sees every visitor and every answer, " +
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
		for _, link := range r.Chain {
			if p.IsFirstParty(link.To) {
				continue
			}
			summary := fmt.Sprintf("%s is a CNAME chain (%s): the name is handed to %s, outside the organisation's domains (%s).",
				r.Name, chainText(*r), link.To, strings.Join(p.firstPartyDomains(), ", "))
			refs := []string{r.ID}
			refs = append(refs, r.Lookups...)
			if org, id := hostOrganisation(ev, link.To); org != nil {
				summary += fmt.Sprintf(" That domain belongs to %s.", orgText(org))
				refs = append(refs, id)
			}
			return []Finding{{Subject: link.To, Summary: summary, Evidence: refs}}, nil
		}
		return nil, nil
	},
}

// firstPartyDomains lists the domains counted as the organisation's.
func (p *Pass) firstPartyDomains() []string {
	ds := []string{p.Evidence.Target.RegistrableDomain}
	if p.Policy != nil {
		ds = append(ds, p.Policy.Organisation.Domains...)
	}
	return ds
}

// hostOrganisation returns the organisation owning host's domain (or, when
// unknown, operating its addresses), and the ID of the record saying so.
func hostOrganisation(ev *evidence.Evidence, host string) (*evidence.Organisation, string) {
	for i := range ev.Hosts {
		h := &ev.Hosts[i]
		if h.Name != host {
			continue
		}
		for _, id := range []string{h.DomainOwner, h.Operator} {
			if o := organisation(ev, id); o != nil {
				return o, o.ID
			}
		}
	}
	return nil, ""
}

// organisation returns the organisation with the given ID, or nil.
func organisation(ev *evidence.Evidence, id string) *evidence.Organisation {
	if id == "" {
		return nil
	}
	for i := range ev.Organisations {
		if ev.Organisations[i].ID == id {
			return &ev.Organisations[i]
		}
	}
	return nil
}

// orgText renders an organisation as "Name (Legal entity, CC)".
func orgText(o *evidence.Organisation) string {
	var parts []string
	if o.LegalEntity != "" && o.LegalEntity != o.Name {
		parts = append(parts, o.LegalEntity)
	}
	if o.Country != "" {
		parts = append(parts, o.Country)
	}
	if len(parts) == 0 {
		return o.Name
	}
	return fmt.Sprintf("%s (%s)", o.Name, strings.Join(parts, ", "))
}

package checks

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var dnsDanglingCNAME = &Check{
	ID:       "dns.dangling-cname",
	Title:    "CNAME pointing to a name that does not resolve",
	Severity: High,
	Rationale: "A CNAME whose target no longer exists (a deleted cloud app, an expired vendor " +
		"account or domain) lets whoever registers that target serve content, set cookies and " +
		"receive form answers under the organisation's name: a subdomain takeover.",
	Refs: []string{
		"GDPR art. 32 (security of processing)",
		"OWASP WSTG-CONF-10 (subdomain takeover)",
		"ANSSI, Bonnes pratiques pour l'acquisition et l'exploitation de noms de domaine (2017)",
	},
	Remediation: "Delete the CNAME record, or point it at a name the organisation controls. " +
		"Keep an inventory of the organisation's DNS records and remove them when a service ends.",
	Needs: []evidence.Kind{evidence.KindDNS},
	Run: func(p *Pass) ([]Finding, error) {
		var out []Finding
		for _, r := range p.Evidence.DNS.Resolutions {
			if len(r.Chain) == 0 {
				continue
			}
			var what string
			switch r.Status {
			case evidence.ResolvedNXDomain:
				what = "does not exist (NXDOMAIN)"
			case evidence.ResolvedNoAddress:
				what = "exists but has no address"
			default:
				continue
			}
			last := r.Chain[len(r.Chain)-1].To
			out = append(out, Finding{
				Subject: r.Name,
				Summary: fmt.Sprintf("%s is a CNAME chain (%s) ending at %s, which %s. "+
					"Whoever can register or claim %s can serve content under %s.",
					r.Name, chainText(r), last, what, last, r.Name),
				Evidence: append([]string{r.ID}, r.Lookups...),
			})
		}
		return out, nil
	},
}

var dnsNoDNSSEC = &Check{
	ID:       "dns.no-dnssec",
	Title:    "The site's zone is not signed with DNSSEC",
	Severity: Low,
	Rationale: "Without DNSSEC, a resolver on the visitor's path can be fed forged answers " +
		"sending citizens to another server. Public bodies are expected to sign their zones.",
	Refs: []string{
		"RFC 4033 (DNSSEC)",
		"ANSSI, Guide de bonnes pratiques DNS / RGS",
		"Référentiel général de sécurité (RGS) v2",
	},
	Remediation: "Enable DNSSEC at the DNS host (most EU registrars and DNS hosts, including " +
		"the organisation's own authoritative servers with an open-source signer such as " +
		"Knot DNS or BIND, sign automatically) and publish the DS record at the registry.",
	Needs: []evidence.Kind{evidence.KindDNS},
	Run: func(p *Pass) ([]Finding, error) {
		domain := p.Evidence.Target.RegistrableDomain
		z := p.Evidence.DNS.Zone(domain)
		if z == nil {
			return nil, NotEvaluated("the zone %s was not looked up", domain)
		}
		switch z.DNSSEC {
		case evidence.DNSSECUnsigned:
			return []Finding{{
				Subject:  domain,
				Summary:  fmt.Sprintf("The zone %s publishes no DNSKEY record: its answers are not signed.", domain),
				Evidence: append([]string{z.ID}, z.Lookups...),
			}}, nil
		case evidence.DNSSECSigned, evidence.DNSSECValidated:
			return nil, nil
		default:
			return nil, NotEvaluated("the DNSSEC status of %s could not be determined", domain)
		}
	},
}

var dnsCNAMECloaking = &Check{
	ID:       "dns.cname-cloaking",
	Title:    "A first-party name hides a third-party tracker (CNAME cloaking)",
	Severity: High,
	Rationale: "A subdomain of the organisation that is a CNAME to a tracking company's host makes the " +
		"tracker look first party: browsers' third-party protections do not apply, it receives the " +
		"site's own cookies (sessions included), and visitors cannot tell.",
	Refs: []string{
		"CNIL délibération 2020-091 (lignes directrices cookies et autres traceurs)",
		"GDPR art. 5(1)(a) (transparency) and art. 32",
		"Dimova et al., The CNAME of the Game, PETS 2021",
	},
	Remediation: "Remove the CNAME and the tracker, or use self-hosted measurement configured for the CNIL " +
		"exemption; at the very least require consent and never share the site's session cookies with it.",
	Needs: []evidence.Kind{evidence.KindBrowser, evidence.KindDNS},
	Run: func(p *Pass) ([]Finding, error) {
		var out []Finding
		seen := map[string]bool{}
		for _, v := range p.Evidence.Browser.Visits {
			for _, r := range v.Requests {
				if seen[r.Host] || r.Host == "" || !p.IsFirstParty(r.Host) {
					continue
				}
				seen[r.Host] = true
				to, o := p.cloakedTracker(r.Host)
				if to == "" {
					continue
				}
				res := p.Evidence.DNS.Resolution(r.Host)
				refs := []string{r.ID, res.ID}
				if h := host(p.Evidence, to); h != nil {
					refs = append(refs, h.ID)
				}
				out = append(out, Finding{Subject: r.Host, Evidence: append(refs, o.ID), Summary: fmt.Sprintf(
					"The page contacts %s, a name of the organisation that is a CNAME chain (%s) to %s, a host of %s (%s).",
					r.Host, chainText(*res), to, orgText(o), strings.Join(o.Categories, ", "))})
			}
		}
		return out, nil
	},
}

// chainText renders a resolution's chain as "a → b → c".
func chainText(r evidence.Resolution) string {
	names := []string{r.Name}
	for _, c := range r.Chain {
		names = append(names, c.To)
	}
	return strings.Join(names, " → ")
}

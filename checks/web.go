package checks

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var webThirdPartyRequests = &Check{
	ID:       "web.third-party-requests",
	Title:    "Third parties the page contacts",
	Severity: Info,
	Rationale: "Every host a page loads from receives the visitor's IP address, browser details and " +
		"the page's address (Referer). The organisations behind them, and their countries, must appear " +
		"in the processing register and the privacy notice.",
	Refs: []string{
		"GDPR art. 13 (information to data subjects), art. 28 (processors), art. 44-49 (transfers)",
		"CJEU C-40/17 Fashion ID (2019): the site is joint controller of the transmission to an embedded third party",
	},
	Remediation: "Self-host what can be (scripts, fonts, images, videos); keep each remaining third party in " +
		"the register and the privacy notice, with its role and country.",
	Needs: []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		var out []Finding
		for _, h := range p.Facts().ThirdParties {
			refs := slices.Clone(h.RequestIDs)
			who := "owner unknown"
			if hr := host(p.Evidence, h.Host); hr != nil {
				refs = append(refs, hr.ID)
				if o := organisation(p.Evidence, hr.DomainOwner); o != nil {
					who = "owned by " + orgText(o)
					if len(o.Categories) > 0 {
						who += ", " + strings.Join(o.Categories, ", ")
					}
					refs = append(refs, o.ID)
				}
				if o := organisation(p.Evidence, hr.Operator); o != nil {
					who += "; network operated by " + orgText(o)
					refs = append(refs, o.ID)
				}
			}
			when := "after a choice only"
			if h.BeforeConsent {
				when = "before any choice"
			}
			var visits []string
			for _, vc := range h.Visits {
				visits = append(visits, vc.Visit)
			}
			verb := "The page contacts"
			if h.Host == p.Evidence.Target.Landed {
				// The target redirected there: it is the page's own host,
				// outside the organisation's domains.
				verb = "The site is served from"
			}
			out = append(out, Finding{Subject: h.Host, Evidence: refs, Summary: fmt.Sprintf(
				"%s %s (%s), %s; %d request(s) of type %s, in %s.",
				verb, h.Host, who, when, h.Requests, strings.Join(h.Types, ", "), strings.Join(visits, ", "))})
		}
		return out, nil
	},
}

// orgFindings makes one finding per organisation among the third parties
// whose domain owner has the category.
func (p *Pass) orgFindings(category, what string) []Finding {
	type group struct {
		org    *evidence.Organisation
		hosts  []string
		refs   []string
		before bool
	}
	var order []string
	groups := map[string]*group{}
	for _, h := range p.Facts().ThirdParties {
		hr := host(p.Evidence, h.Host)
		if hr == nil {
			continue
		}
		o := organisation(p.Evidence, hr.DomainOwner)
		if o == nil || !slices.Contains(o.Categories, category) {
			continue
		}
		g := groups[o.ID]
		if g == nil {
			g = &group{org: o}
			groups[o.ID] = g
			order = append(order, o.ID)
		}
		g.hosts = append(g.hosts, h.Host)
		g.refs = append(g.refs, hr.ID)
		g.refs = append(g.refs, h.RequestIDs...)
		g.before = g.before || h.BeforeConsent
	}
	var out []Finding
	for _, id := range order {
		g := groups[id]
		when := "after the visitor accepted"
		if g.before {
			when = "before any choice"
		}
		out = append(out, Finding{Subject: id, Evidence: append(g.refs, id), Summary: fmt.Sprintf(
			"%s: the page loads %s from %s, %s. The visitor's IP address and the pages seen go to %s.",
			what, strings.Join(g.hosts, ", "), orgText(g.org), when, g.org.Name)})
	}
	return out
}

var webThirdPartyAnalytics = &Check{
	ID:       "web.third-party-analytics",
	Title:    "Audience measurement by a third party",
	Severity: Medium,
	Rationale: "Third-party audience measurement (Google Analytics and the like) sends every visit to a " +
		"company that may reuse it and, outside the EU, is subject to foreign access laws: the CNIL and " +
		"its European counterparts found Google Analytics transfers unlawful in 2022. It always needs " +
		"consent, unlike properly configured first-party measurement.",
	Refs: []string{
		"CNIL, mise en demeure Google Analytics (February 2022) and Q&A on audience measurement",
		"CNIL délibération 2020-091 (lignes directrices cookies et autres traceurs), art. 5 (exemption)",
		"GDPR art. 44-46",
	},
	Remediation: "Replace it with self-hosted audience measurement configured for the CNIL exemption " +
		"(Matomo On-Premise: anonymised IPs, cookies ≤ 13 months, no cross-site tracking, no data shared), " +
		"which needs no consent.",
	Needs: []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		return p.orgFindings("analytics", "Third-party audience measurement"), nil
	},
}

var webThirdPartyFonts = &Check{
	ID:       "web.third-party-fonts",
	Title:    "Fonts loaded from a third party",
	Severity: Low,
	Rationale: "Loading fonts from a third party (Google Fonts …) sends each visitor's IP address to it on " +
		"every page; a German court held this unlawful without consent (LG München I, 20 January 2022).",
	Refs:        []string{"LG München I, 3 O 17493/20 (2022)", "GDPR art. 6(1) and 44"},
	Remediation: "Serve the font files from the site's own server (the licences of Google Fonts allow it).",
	Needs:       []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		return p.orgFindings("fonts", "Third-party fonts"), nil
	},
}

var webNoHTTPS = &Check{
	ID:       "web.no-https",
	Title:    "The site is reachable over plain HTTP or lacks HSTS",
	Severity: Medium,
	Rationale: "Over plain HTTP, anyone on the network path reads and alters the pages and the answers " +
		"citizens send. A site must redirect HTTP to HTTPS and tell browsers, with HSTS, never to use HTTP.",
	Refs: []string{
		"GDPR art. 32 (security of processing)",
		"ANSSI, Recommandations de sécurité relatives à TLS (2020)",
		"RGS (Référentiel général de sécurité) v2, annexe B2",
	},
	Remediation: "Serve the site over HTTPS only: redirect every plain-HTTP request to HTTPS (301) and send " +
		"Strict-Transport-Security: max-age=31536000; includeSubDomains.",
	Needs: []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		v := p.Evidence.Browser.Visit(evidence.StateInitial)
		if v == nil || v.Error != "" {
			return nil, NotEvaluated("the initial visit did not load")
		}
		final, _ := url.Parse(v.FinalURL)
		var problems []string
		switch {
		case final != nil && final.Scheme == "http":
			problems = append(problems, "the page is served over plain HTTP ("+v.FinalURL+")")
		case v.HTTPSRedirect != nil && !*v.HTTPSRedirect:
			problems = append(problems, "its plain-HTTP address answers without redirecting to HTTPS")
		}
		if final != nil && final.Scheme == "https" && !strings.Contains(strings.ToLower(v.HSTS), "max-age=") {
			problems = append(problems, "it sends no Strict-Transport-Security header")
		}
		if len(problems) == 0 {
			if v.HTTPSRedirect == nil && final != nil && final.Scheme == "https" && v.HSTS == "" {
				return nil, NotEvaluated("the plain-HTTP probe did not answer")
			}
			return nil, nil
		}
		return []Finding{{Subject: p.Evidence.Target.Host, Evidence: []string{v.ID},
			Summary: fmt.Sprintf("%s: %s.", p.Evidence.Target.Host, strings.Join(problems, "; "))}}, nil
	},
}

package checks

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var accessBlockedViaProxy = &Check{
	ID:       "access.blocked-via-proxy",
	Title:    "The site answers a block or challenge page through the proxy",
	Severity: Low,
	Rationale: "Loaded through the given proxy (for Tor, an exit relay), the site answers a block or " +
		"challenge page where a direct visit works. Citizens who protect their privacy with Tor or a VPN " +
		"are turned away or must solve a challenge run by a third party, which sees their visit; a public " +
		"consultation should be open to all of the public without forcing them to reveal their address.",
	Refs: []string{
		"Code des relations entre le public et l'administration, art. L131-1 (consultation open to the public)",
		"GDPR art. 5(1)(c) and art. 25 (data minimisation, data protection by default)",
		"CNIL, Cahier Innovation et prospective n° 7, « Civic tech, données et Demos » (2019)",
	},
	Remediation: "Let the consultation be reached anonymously: exempt its pages from bot-management and " +
		"country or reputation blocks (a Cloudflare WAF skip rule, an Akamai or DataDome allow rule for " +
		"the consultation's paths), or offer an onion service. Protect the form itself with per-participant " +
		"tokens rather than by refusing anonymous visitors.",
	Needs: []evidence.Kind{evidence.KindProxy},
	Run: func(p *Pass) ([]Finding, error) {
		a := p.Evidence.Access
		if a == nil {
			return nil, NotEvaluated("no load through the proxy was recorded")
		}
		d := a.Direct
		switch {
		case d.Error != "":
			return nil, NotEvaluated("the direct load failed (%s): there is nothing to compare with", d.Error)
		case d.Challenge != "":
			return nil, NotEvaluated("the direct load was itself a %s block or challenge page", d.Challenge)
		case d.Status >= 400:
			return nil, NotEvaluated("the direct load answered HTTP %d", d.Status)
		}
		px := a.Proxied
		if px.Challenge == "" {
			if px.Error != "" {
				return nil, NotEvaluated("the load through the proxy failed (%s); a network failure is not a block page", px.Error)
			}
			return nil, nil
		}
		summary := fmt.Sprintf("Through the proxy %s, the site answered a %s block or challenge page (HTTP %d", a.Proxy, px.Challenge, px.Status)
		if px.Title != "" {
			summary += fmt.Sprintf(", \"%s\"", px.Title)
		}
		summary += fmt.Sprintf("; %s), where the direct load answered HTTP %d", strings.Join(px.Signals, "; "), d.Status)
		if d.Title != "" {
			summary += fmt.Sprintf(" (\"%s\")", d.Title)
		}
		summary += ". Visitors using this route — Tor, a VPN — cannot reach the page without passing the challenge, if at all."
		return []Finding{{Subject: px.Challenge, Summary: summary, Evidence: []string{a.ID}}}, nil
	},
}

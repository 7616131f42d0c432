package checks

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

var legalNoticeMissing = &Check{
	ID:       "legal.notice-missing",
	Title:    "No legal notice was found",
	Severity: High,
	Rationale: "A site must say who publishes it and who hosts it, so that a citizen, a court or a " +
		"regulator can reach them: in France the mentions légales of LCEN art. 6-III, in Germany the " +
		"Impressum of § 5 DDG. Without one, nobody outside knows who answers for the site and its data.",
	Refs: []string{
		"LCEN (loi n° 2004-575 du 21 juin 2004) art. 6-III",
		"DDG § 5 (Germany, formerly TMG § 5)",
		"Directive 2000/31/EC (e-commerce) art. 5",
	},
	Remediation: "Publish a legal notice linked from every page: the publisher's name, address and " +
		"telephone number, the director of publication, and the hoster's name, address and telephone " +
		"number (LCEN art. 6-III); for German services the § 5 DDG fields.",
	Needs: []evidence.Kind{evidence.KindLegal},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		lg := legalOf(ev)
		read := legalRead(lg)
		for _, pg := range read {
			if pg.Kind == "notice" {
				return nil, nil
			}
		}
		if lg.Publisher != nil || lg.Hoster != nil {
			return nil, nil // a privacy page that carries the notice's identification
		}
		// A notice the site links to (or that was given) but that could
		// not be read — no answer, a server error, a rate limit — may
		// exist: nothing can be said of it.
		for _, pg := range lg.Pages {
			if pg.Kind == "notice" && pg.FoundBy != "path" && pg.Error != "" && (pg.Status == 0 || pg.Status == 429 || pg.Status >= 500) {
				return nil, NotEvaluated("the legal notice the site links to (%s %s) could not be read: %s", pg.ID, pg.URL, pg.Error)
			}
		}
		var summary string
		var refs []string
		switch {
		case len(lg.Pages) == 0:
			summary = fmt.Sprintf("No legal notice was found for %s: no link of the visited pages named one and no page was given.", ev.Target.Host)
		default:
			var tried []string
			for i, pg := range lg.Pages {
				refs = append(refs, pg.ID)
				if i < 6 {
					tried = append(tried, fmt.Sprintf("%s %s (%s)", pg.ID, pg.URL, legalPageOutcome(pg)))
				}
			}
			if len(lg.Pages) > 6 {
				tried = append(tried, fmt.Sprintf("and %d more", len(lg.Pages)-6))
			}
			summary = fmt.Sprintf("No legal notice was found for %s among the %d page(s) tried: %s.", ev.Target.Host, len(lg.Pages), strings.Join(tried, "; "))
			if len(read) > 0 {
				summary += " The pages read are policies that identify neither the publisher nor the hoster."
			}
		}
		if len(refs) == 0 {
			refs = legalSiteRefs(ev)
		}
		return []Finding{{Subject: "legal-notice", Summary: summary, Evidence: refs}}, nil
	},
}

var legalHosterMissing = &Check{
	ID:       "legal.hoster-missing",
	Title:    "The legal notice does not identify the hoster",
	Severity: Medium,
	Rationale: "LCEN art. 6-III requires a site to give the name, address and telephone number of its " +
		"hoster, so that anyone can have unlawful content removed and know who holds the data. A " +
		"notice without a hoster, or without its address or phone, does not meet it.",
	Refs: []string{
		"LCEN (loi n° 2004-575) art. 6-III-1 (name, address and telephone number of the hoster)",
	},
	Remediation: "Name the hoster in the legal notice with its company name, postal address and " +
		"telephone number: the company that actually stores and serves the site (for a platform run " +
		"by a vendor, the vendor and the infrastructure it uses).",
	Needs: []evidence.Kind{evidence.KindLegal},
	Run: func(p *Pass) ([]Finding, error) {
		lg := legalOf(p.Evidence)
		read := legalRead(lg)
		if len(read) == 0 {
			return nil, NotEvaluated("no legal page could be read (legal.notice-missing reports it)")
		}
		h := lg.Hoster
		if h == nil {
			var ids, list []string
			for _, pg := range read {
				ids = append(ids, pg.ID)
				list = append(list, fmt.Sprintf("%s %s", pg.ID, pg.URL))
			}
			return []Finding{{
				Subject: "hoster",
				Summary: fmt.Sprintf("The legal pages read (%s) name no hoster: LCEN art. 6-III requires the hoster's name, address and telephone number.",
					strings.Join(list, ", ")),
				Evidence: ids,
			}}, nil
		}
		var missing []string
		if h.Address == "" && h.Postcode == "" && h.City == "" {
			missing = append(missing, "address")
		}
		if h.Phone == "" {
			missing = append(missing, "telephone number")
		}
		if len(missing) == 0 {
			return nil, nil
		}
		return []Finding{{
			Subject: "hoster:" + legalOrgKey(h),
			Summary: fmt.Sprintf("The legal page %s names the hoster %s but gives no %s: %s.",
				h.Span.Source, legalQuote(h.Name), strings.Join(missing, " and no "), legalQuote(h.Span.Text)),
			Evidence: []string{h.Span.Source},
		}}, nil
	},
}

var legalHosterMismatch = &Check{
	ID:       "legal.hoster-mismatch",
	Title:    "The declared hoster is not among the observed operators",
	Severity: Medium,
	Rationale: "The legal notice tells citizens who holds the site and its data. When the organisation it " +
		"names is neither the operator of the site's addresses, nor the owner of a name in its CNAME " +
		"chain, nor the CDN in front of it, the notice misleads: another company — often in another " +
		"jurisdiction — receives every visitor's traffic and every answer.",
	Refs: []string{
		"LCEN (loi n° 2004-575) art. 6-III",
		"GDPR art. 5(1)(a) (transparency), art. 13 and art. 28",
	},
	Remediation: "Name the real hoster truthfully: the operator the traffic actually reaches (the CDN, the " +
		"platform vendor and, behind them, the origin's host), each as a processor; or move the site to " +
		"the hoster declared, preferably an EU-operated one, under the organisation's own domain.",
	Needs: []evidence.Kind{evidence.KindLegal, evidence.KindDNS, evidence.KindOwnership},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		h := legalOf(ev).Hoster
		if h == nil {
			return nil, NotEvaluated("the legal pages declare no hoster (legal.hoster-missing reports it)")
		}
		r := ev.DNS.Resolution(ev.Target.SiteHost())
		site := host(ev, ev.Target.SiteHost())
		if r == nil || site == nil {
			return nil, NotEvaluated("the site's name %s was not resolved", ev.Target.SiteHost())
		}
		ops := legalSiteOperators(p, r, site)
		if len(ops) == 0 {
			return nil, NotEvaluated("the operators of %s are unknown", ev.Target.SiteHost())
		}
		for _, o := range ops {
			if legalDeclares(h, o.org) {
				return nil, nil
			}
		}
		refs := []string{h.Span.Source, r.ID}
		var observed []string
		var cdn *evidence.Organisation
		for _, o := range ops {
			refs = append(refs, o.refs...)
			refs = append(refs, o.org.ID)
			if o.addresses && cdn == nil && slices.Contains(o.org.Categories, "cdn") {
				cdn = o.org
			}
		}
		addrs := strings.Join(r.Addrs(), ", ")
		var chainOwners []string
		for _, o := range ops {
			switch {
			case o.addresses && o.org == cdn:
				observed = append(observed, fmt.Sprintf("%s resolves to %s, operated by %s (%s): a CDN operated by %s terminates TLS; the origin behind it is not visible.",
					o.name, addrs, orgText(o.org), o.org.ID, legalCompany(o.org)))
			case o.addresses && o.name == site.Name:
				observed = append(observed, fmt.Sprintf("%s resolves to %s, operated by %s (%s).", o.name, addrs, orgText(o.org), o.org.ID))
			case o.addresses:
				observed = append(observed, fmt.Sprintf("%s, in its CNAME chain, is served by %s (%s).", o.name, orgText(o.org), o.org.ID))
			default:
				observed = append(observed, fmt.Sprintf("Its name is a CNAME to %s, a domain of %s (%s).", o.name, orgText(o.org), o.org.ID))
				chainOwners = append(chainOwners, legalCompany(o.org))
			}
		}
		declared := fmt.Sprintf("The legal page %s declares the hoster %s: %s.", h.Span.Source, legalQuote(h.Name), legalQuote(h.Span.Text))
		var verdict string
		switch {
		case cdn != nil && len(chainOwners) > 0:
			verdict = fmt.Sprintf("The declared hoster %s is neither the CDN nor the chain's operator (%s); it may run the origin server behind the CDN, which cannot be verified from outside.",
				h.Name, strings.Join(chainOwners, ", "))
		case cdn != nil:
			verdict = fmt.Sprintf("The declared hoster %s is not the CDN; it may run the origin server behind it, which cannot be verified from outside.", h.Name)
		case len(chainOwners) > 0:
			verdict = fmt.Sprintf("The declared hoster %s is neither the operator of these addresses nor the chain's operator (%s).", h.Name, strings.Join(chainOwners, ", "))
		default:
			verdict = fmt.Sprintf("The declared hoster %s is not the operator of these addresses.", h.Name)
		}
		return []Finding{{
			Subject:  "hoster:" + legalOrgKey(h),
			Summary:  declared + " " + strings.Join(observed, " ") + " " + verdict,
			Evidence: refs,
		}}, nil
	},
}

var legalProcessorUndeclared = &Check{
	ID:       "legal.processor-undeclared",
	Title:    "An observed processor is named nowhere in the legal or privacy pages",
	Severity: Medium,
	Rationale: "Visitors must be told who receives their data: every recipient and processor, and any " +
		"transfer outside the EU with its basis. An analytics company loaded by the page, a mail relay " +
		"sending the site's mail, a CDN terminating its TLS or the platform vendor behind its name, " +
		"named nowhere in the notice or the privacy policy, is a recipient citizens cannot know of.",
	Refs: []string{
		"GDPR art. 13(1)(e) and (f) (recipients, transfers) and art. 28 (processors)",
		"EDPB, Guidelines on transparency under Regulation 2016/679 (WP260 rev.01)",
	},
	Remediation: "List every processor in the privacy policy with its role, its country and the basis of " +
		"any transfer outside the EU; better, replace third-party services with self-hosted, open " +
		"alternatives (Matomo configured for the CNIL exemption instead of Google Analytics, the " +
		"organisation's own mail servers instead of a relay).",
	Needs: []evidence.Kind{evidence.KindLegal},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		if !ev.Has(evidence.KindOwnership) && !ev.Has(evidence.KindBrowser) && !ev.Has(evidence.KindMail) {
			return nil, NotEvaluated("no processor could be observed: ownership, browser and mail evidence were not collected")
		}
		lg := legalOf(ev)
		read := legalRead(lg)
		if len(read) == 0 {
			return nil, NotEvaluated("no legal or privacy page could be read (legal.notice-missing reports it)")
		}
		var pageIDs, pageList []string
		for _, pg := range read {
			pageIDs = append(pageIDs, pg.ID)
			pageList = append(pageList, pg.ID+" "+pg.Kind)
		}
		var out []Finding
		for _, pr := range p.Facts().Processors {
			if pr.Declared != DeclaredNotNamed {
				continue
			}
			o := organisation(ev, pr.Organisation)
			if o == nil {
				o = &evidence.Organisation{ID: pr.Organisation, Name: pr.Name}
			}
			what := pr.Observed
			if len(what) > 5 {
				what = append(what[:5:5], fmt.Sprintf("and %d more", len(pr.Observed)-5))
			}
			summary := fmt.Sprintf("%s is named nowhere in the legal and privacy pages read (%s), yet vigie observed it: %s.",
				orgText(o), strings.Join(pageList, ", "), strings.Join(what, "; "))
			if j, ok := p.Facts().Jurisdiction(o.ID); ok && !j.InEEA() {
				summary += fmt.Sprintf(" It is registered in %s, outside the EU/EEA: the transfer and its basis must be declared too.", j.Country)
			}
			refs := append([]string{o.ID}, pr.Evidence...)
			out = append(out, Finding{Subject: o.ID, Summary: summary, Evidence: append(refs, pageIDs...)})
		}
		return out, nil
	},
}

// legalOf returns the evidence's legal record, empty when absent.
func legalOf(ev *evidence.Evidence) *evidence.Legal {
	if ev.Legal == nil {
		return &evidence.Legal{}
	}
	return ev.Legal
}

// legalRead returns the pages that were loaded and kept.
func legalRead(lg *evidence.Legal) []evidence.LegalPage {
	var out []evidence.LegalPage
	for _, pg := range lg.Pages {
		if pg.Error == "" {
			out = append(out, pg)
		}
	}
	return out
}

func legalPageOutcome(pg evidence.LegalPage) string {
	if pg.Error != "" {
		return pg.Error
	}
	return "read as " + pg.Kind
}

// legalSiteRefs cites the site itself when no page was even tried.
func legalSiteRefs(ev *evidence.Evidence) []string {
	if v := ev.Browser.Visit(evidence.StateInitial); v != nil {
		return []string{v.ID}
	}
	if h := host(ev, ev.Target.Host); h != nil {
		return []string{h.ID}
	}
	if r := ev.DNS.Resolution(ev.Target.Host); r != nil {
		return []string{r.ID}
	}
	return nil
}

// legalOrgKey identifies a declared organisation in a subject.
func legalOrgKey(d *evidence.DeclaredOrg) string {
	if d.Catalogue != "" {
		return d.Catalogue
	}
	return names.NormaliseOrg(d.Name)
}

// legalQuote quotes text from a page for a summary: one line, bounded.
func legalQuote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:199]) + "…"
	}
	return "“" + s + "”"
}

// legalCompany names an organisation by its legal entity and country:
// "Cloudflare, Inc. (US)".
func legalCompany(o *evidence.Organisation) string {
	name := o.LegalEntity
	if name == "" {
		name = o.Name
	}
	if o.Country != "" {
		return fmt.Sprintf("%s (%s)", name, o.Country)
	}
	return name
}

// legalNorms returns the normalised, non-empty forms of the names ns.
func legalNorms(ns ...string) []string {
	var out []string
	for _, n := range ns {
		if k := names.NormaliseOrg(n); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func legalOverlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// legalDeclares reports whether a declared organisation is the observed one:
// the same catalogue entry, or the same name once normalised (declared name
// or its catalogue legal entity against the observed name or legal entity).
func legalDeclares(d *evidence.DeclaredOrg, o *evidence.Organisation) bool {
	if d == nil || o == nil {
		return false
	}
	if d.Catalogue != "" && d.Catalogue == o.Catalogue {
		return true
	}
	return legalOverlap(legalNorms(d.Name, d.LegalEntity), legalNorms(o.Name, o.LegalEntity))
}

// legalOperator is an organisation observed behind the site's name.
type legalOperator struct {
	org *evidence.Organisation
	// name is the host it was observed at; addresses is set when it
	// operates the addresses (else it owns the name's domain).
	name      string
	addresses bool
	refs      []string
}

// legalSiteOperators lists who operates the site as observed: the
// operator of its addresses, then for each name of its CNAME chain outside
// the organisation's domains, the domain's owner and, when different, the
// operator of its addresses. Each organisation once.
func legalSiteOperators(p *Pass, r *evidence.Resolution, site *evidence.Host) []legalOperator {
	ev := p.Evidence
	var out []legalOperator
	seen := map[string]bool{}
	add := func(id, name string, addresses bool, refs []string) {
		o := organisation(ev, id)
		if o == nil || seen[id] {
			return
		}
		seen[id] = true
		out = append(out, legalOperator{org: o, name: name, addresses: addresses, refs: refs})
	}
	if site.Operator != "" {
		refs, _ := operatorEvidence(ev, site)
		add(site.Operator, site.Name, true, refs)
	}
	for _, link := range r.Chain {
		h := host(ev, link.To)
		if h == nil || p.IsFirstParty(h.Name) {
			continue
		}
		add(h.DomainOwner, h.Name, false, []string{h.ID})
		if h.Operator != "" {
			refs, _ := operatorEvidence(ev, h)
			add(h.Operator, h.Name, true, refs)
		}
	}
	return out
}

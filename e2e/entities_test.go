package e2e

import (
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestProcessorDeclaredByCompany is issue 15's fourth class on the lab: a
// site loads the standard Google tag (gtag.js with a GA4 ID, no Tag Manager
// container) and its privacy page names only "Google Ireland Limited".
//
//   - the tag is attributed to Google Analytics by the catalogue's URL rule,
//     and Google Tag Manager is no processor;
//   - Google Analytics is declared, as its company's EU establishment, on
//     the privacy page, with the sentence quoted; legal.processor-undeclared
//     passes (every processor is declared: OVH SAS as the hoster).
func TestProcessorDeclaredByCompany(t *testing.T) {
	ev, _ := labScan(t, "https://"+scantest.HostCompanyDeclared+"/", scanner.Options{Consent: "none"})
	for _, k := range []evidence.Kind{evidence.KindBrowser, evidence.KindLegal, evidence.KindOwnership} {
		if !ev.Has(k) {
			t.Fatalf("%s not collected: %+v", k, ev.Errors)
		}
	}
	j := judge(ev)
	expect{
		pass:   []string{"legal.processor-undeclared", "legal.hoster-mismatch"},
		silent: []string{"legal.processor-undeclared"},
	}.assert(t, j)

	// The tag request is Google Analytics', by URL.
	var tag *evidence.Request
	for _, v := range ev.Browser.Visits {
		for i, r := range v.Requests {
			if strings.Contains(r.URL, "/gtag/js?id="+scantest.AnalyticsIDCompanyDeclared) {
				tag = &v.Requests[i]
			}
		}
	}
	if tag == nil {
		t.Fatal("the page did not load gtag.js")
	}
	var attributed bool
	for _, h := range ev.Hosts {
		for _, a := range h.ByURL {
			if a.Organisation == "org/google-analytics" && contains(a.Requests, tag.ID) {
				attributed = h.Name == scantest.HostTagManager
			}
		}
	}
	if !attributed {
		t.Errorf("%s (%s) not attributed to Google Analytics by URL: %+v", tag.ID, tag.URL, ev.Hosts)
	}

	facts := j.outcome.Facts
	if facts == nil {
		t.Fatal("no facts")
	}
	if pr := facts.Processor("org/google-tag-manager"); pr != nil {
		t.Errorf("Google Tag Manager is a processor, though no container was loaded: %+v", *pr)
	}
	for _, tp := range facts.ThirdParties {
		if tp.Host == scantest.HostTagManager && tp.Owner != "org/google-analytics" {
			t.Errorf("%s is owned by %s, want org/google-analytics", tp.Host, tp.Owner)
		}
	}
	ga := facts.Processor("org/google-analytics")
	if ga == nil {
		t.Fatalf("Google Analytics is no processor: %+v", facts.Processors)
	}
	n := ga.NamedBy
	if ga.Declared != checks.DeclaredNamed || n == nil {
		t.Fatalf("Google Analytics %s, want named: %+v", ga.Declared, *ga)
	}
	if n.How != checks.NamedCompany || n.As != scantest.CompanyDeclaredAs || n.Page != "privacy" ||
		!strings.Contains(n.Span.Text, "Mesure d'audience : Google Ireland Limited") {
		t.Errorf("declared %+v, want as the company %q on the privacy page, the sentence quoted", *n, scantest.CompanyDeclaredAs)
	}
	// "Les méta-données" on the same page names no company.
	for _, m := range ev.Legal.Mentions {
		if m.Entity == "meta" {
			t.Errorf("a false mention of Meta: %+v", m)
		}
	}
}

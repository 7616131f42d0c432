package reports

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// disagreeingEvidence is evidence on which the report's own rules and the
// checks' used to disagree:
//   - Mandrill relays the mail and the privacy page names Mailchimp, the
//     same company in the same line of business: the checks said named, the
//     report's table "named nowhere";
//   - the page loads from www.gstatic.com (Google) and the privacy page
//     names Google Analytics: the checks once said not named (another
//     service, another line of business); since issue 15 they compare
//     companies, and Google LLC is named, as another service of its company;
//   - the notice declares the hoster "SAS OVH" and OVH SAS operates the
//     addresses: named for the checks (normalised names), not for the report;
//   - cdn.jsdelivr.net is contacted only on a further page (--pages),
//     without any choice: "after a choice only" for the checks, "before any
//     choice" for the report.
func disagreeingEvidence() *evidence.Evidence {
	const site = "jeparticipe.ville-exemple.fr"
	r := evidence.Resolution{ID: "dns/" + site, Name: site, Canonical: site, Status: evidence.ResolvedOK, IPv4: []string{"192.0.2.10"}}
	return &evidence.Evidence{
		Target:    evidence.Target{URL: "https://" + site + "/", Host: site, RegistrableDomain: "ville-exemple.fr"},
		Collected: []evidence.Kind{evidence.KindBrowser, evidence.KindDNS, evidence.KindLegal, evidence.KindMail, evidence.KindOwnership},
		DNS:       evidence.DNS{Resolutions: []evidence.Resolution{r}},
		Hosts: []evidence.Host{
			{ID: "host/" + site, Name: site, RegistrableDomain: "ville-exemple.fr", Roles: []string{evidence.RoleSite}, Resolution: r.ID, Operator: "org/ovhcloud", DomainOwner: "org/commune"},
			{ID: "host/www.gstatic.com", Name: "www.gstatic.com", RegistrableDomain: "gstatic.com", Roles: []string{evidence.RoleThirdParty}, DomainOwner: "org/google"},
			{ID: "host/cdn.jsdelivr.net", Name: "cdn.jsdelivr.net", RegistrableDomain: "jsdelivr.net", Roles: []string{evidence.RoleThirdParty}, DomainOwner: "org/jsdelivr"},
			{ID: "host/mail1.mandrillapp.com", Name: "mail1.mandrillapp.com", RegistrableDomain: "mandrillapp.com", Roles: []string{evidence.RoleMailRelay}, DomainOwner: "org/mandrill", SeenIn: []string{"mail/1/hop/1"}},
		},
		Organisations: []evidence.Organisation{
			{ID: "org/commune", Name: "Commune de Ville-Exemple", Country: "FR"},
			{ID: "org/google", Name: "Google", LegalEntity: "Google LLC", Country: "US", Categories: []string{"platform"}, Catalogue: "google"},
			{ID: "org/jsdelivr", Name: "jsDelivr", Country: "PL", Categories: []string{"script-cdn"}, Catalogue: "jsdelivr"},
			{ID: "org/mandrill", Name: "Mandrill (Mailchimp Transactional)", LegalEntity: "The Rocket Science Group LLC", Country: "US", Categories: []string{"email"}, Catalogue: "mandrill"},
			{ID: "org/ovhcloud", Name: "OVHcloud", LegalEntity: "OVH SAS", Country: "FR", Categories: []string{"hosting"}},
		},
		Browser: &evidence.Browser{Visits: []evidence.Visit{
			{ID: "visit/initial", State: evidence.StateInitial, URL: "https://" + site + "/", Requests: []evidence.Request{
				{ID: "req/1", Visit: "visit/initial", Phase: evidence.PhaseBeforeAction, Host: site, Type: "Document"},
				{ID: "req/2", Visit: "visit/initial", Phase: evidence.PhaseBeforeAction, Host: "www.gstatic.com", Type: "Script"},
			}},
			{ID: "visit/crawl/1", State: evidence.StateCrawl, URL: "https://" + site + "/agenda", Requests: []evidence.Request{
				{ID: "req/3", Visit: "visit/crawl/1", Phase: evidence.PhaseBeforeAction, Host: "cdn.jsdelivr.net", Type: "Script"},
			}},
		}},
		Mails: []evidence.Mail{{ID: "mail/1", Providers: []evidence.ProviderMatch{{Entity: "mandrill", Organisation: "org/mandrill", Signals: []string{"header X-Mandrill-User"}}}}},
		Legal: &evidence.Legal{
			Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://" + site + "/mentions-legales", Text: "Hébergeur : SAS OVH, 2 rue Kellermann, 59100 Roubaix"},
				{ID: "legal/2", Kind: "privacy", URL: "https://" + site + "/confidentialite", Text: "Nos courriels sont envoyés par Mailchimp. Mesure d'audience : Google Analytics."},
			},
			Hoster: &evidence.DeclaredOrg{Name: "SAS OVH", Address: "2 rue Kellermann", Postcode: "59100", City: "Roubaix", Phone: "1007",
				Span: evidence.Span{Source: "legal/1", Text: "Hébergeur : SAS OVH, 2 rue Kellermann, 59100 Roubaix"}},
			Mentions: []evidence.Mention{
				{Entity: "mailchimp", Name: "Mailchimp", LegalEntity: "The Rocket Science Group LLC", Categories: []string{"email"},
					Span: evidence.Span{Source: "legal/2", Text: "Nos courriels sont envoyés par Mailchimp."}},
				{Entity: "google-analytics", Name: "Google Analytics", LegalEntity: "Google LLC", Categories: []string{"analytics"},
					Span: evidence.Span{Source: "legal/2", Text: "Mesure d'audience : Google Analytics."}},
			},
		},
	}
}

// TestReportAgreesWithFindings renders the evidence on which the old rules
// disagreed, and checks that the HTML and Markdown tables say what the
// findings say: an organisation is "named nowhere" exactly when
// legal.processor-undeclared reports it, and a third party is marked as
// contacted before any choice exactly when web.third-party-requests says so.
func TestReportAgreesWithFindings(t *testing.T) {
	ev := disagreeingEvidence()
	out := checks.Run(ev, nil, finished)
	r := New("test", ev, out, nil, started, finished)
	undeclared := map[string]bool{}
	before := map[string]bool{}
	for _, f := range r.Findings {
		switch f.ID {
		case "legal.processor-undeclared":
			undeclared[f.Subject] = true
		case "web.third-party-requests":
			before[f.Subject] = strings.Contains(f.Summary, "before any choice")
		}
	}
	// The cases above, as the checks decide them.
	for org, want := range map[string]bool{"org/mandrill": false, "org/google": false, "org/ovhcloud": false, "org/jsdelivr": true} {
		if undeclared[org] != want {
			t.Errorf("legal.processor-undeclared on %s: %v, want %v", org, undeclared[org], want)
		}
	}
	if !before["cdn.jsdelivr.net"] || !before["www.gstatic.com"] {
		t.Errorf("web.third-party-requests before any choice: %v", before)
	}

	names := map[string]string{} // organisation name → ID
	for _, o := range ev.Organisations {
		names[o.Name] = o.ID
	}
	for _, l := range Langs {
		named, notNamed := l.T("decl.named"), l.T("decl.not-named")

		// HTML: the Observed table of #declared and the rows of #third-parties.
		doc, err := html.Parse(strings.NewReader(string(render(t, "html", r, l, nil))))
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, tr := range rowsOf(findByID(doc, "declared")) {
			cells := cellsOf(tr)
			if len(cells) != 3 {
				t.Fatalf("%s: observed row with %d cells", l, len(cells))
			}
			id := names[strings.Fields(cells[0])[0]]
			for name, oid := range names {
				if strings.HasPrefix(cells[0], name) {
					id = oid
				}
			}
			rows++
			switch {
			case strings.HasPrefix(cells[2], notNamed) && !undeclared[id]:
				t.Errorf("%s HTML: %s named nowhere, yet no finding", l, id)
			case strings.HasPrefix(cells[2], named) && undeclared[id]:
				t.Errorf("%s HTML: %s named, yet a finding says it is not", l, id)
			case !strings.HasPrefix(cells[2], named) && !strings.HasPrefix(cells[2], notNamed):
				t.Errorf("%s HTML: %s: %q", l, id, cells[2])
			}
		}
		if rows != 4 {
			t.Errorf("%s HTML: %d observed rows, want the 4 processors", l, rows)
		}
		tps := 0
		for _, tr := range rowsOf(findByID(doc, "third-parties")) {
			host := strings.Fields(cellsOf(tr)[0])[0]
			marked := slices.ContainsFunc(tr.Attr, func(a html.Attribute) bool { return a.Key == "class" && strings.Contains(a.Val, "before") })
			if marked != before[host] {
				t.Errorf("%s HTML: %s marked before consent %v, the finding says %v", l, host, marked, before[host])
			}
			tps++
		}
		if tps != len(before) {
			t.Errorf("%s HTML: %d third parties, %d findings", l, tps, len(before))
		}

		// Markdown: one "- Name … — roles — named…" line per processor.
		md := strings.ReplaceAll(string(render(t, "md", r, l, nil)), `\`, "")
		lines := 0
		for _, line := range strings.Split(md, "\n") {
			for name, id := range names {
				if !strings.HasPrefix(line, "- "+name) || !strings.Contains(line, " — ") {
					continue
				}
				lines++
				if strings.Contains(line, notNamed) != undeclared[id] {
					t.Errorf("%s Markdown: %q, finding for %s: %v", l, line, id, undeclared[id])
				}
			}
		}
		if lines != 4 {
			t.Errorf("%s Markdown: %d observed lines, want 4", l, lines)
		}
	}
}

func findByID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				return n
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findByID(c, id); f != nil {
			return f
		}
	}
	return nil
}

// rowsOf returns the body rows of the last table under n.
func rowsOf(n *html.Node) []*html.Node {
	var tbody *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tbody" {
			tbody = n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	var rows []*html.Node
	if tbody != nil {
		for c := tbody.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "tr" {
				rows = append(rows, c)
			}
		}
	}
	return rows
}

// cellsOf returns the text of a row's cells.
func cellsOf(tr *html.Node) []string {
	var out []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "td" {
			out = append(out, strings.TrimSpace(textOf(c)))
		}
	}
	return out
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// legalFoundingNotice is the founding case's hoster block as the city printed it.
const legalFoundingNotice = "Mentions légales\nHébergement\nAssuré par OVH\nSAS OVH,\n2 rue Kellermann\n59100 Roubaix\nFrance"

// legalFounding builds the founding case's evidence by hand: the portal is
// a CNAME to the vendor's host on Cloudflare, the page loads Google
// Analytics, the mail went through Mandrill, and the notice declares OVH
// and names no processor.
func legalFounding() *evidence.Evidence {
	const site, chain = "jeparticipe.ville-exemple.fr", "proxy-fallback.participation-vendor.com"
	r := res(site, evidence.ResolvedOK, chain)
	r.IPv4 = []string{"198.51.100.17"}
	ev := &evidence.Evidence{
		Target:    evidence.Target{URL: "https://" + site + "/", Host: site, RegistrableDomain: "ville-exemple.fr"},
		Collected: []evidence.Kind{evidence.KindBrowser, evidence.KindDNS, evidence.KindLegal, evidence.KindMail, evidence.KindOwnership},
		DNS:       evidence.DNS{Resolutions: []evidence.Resolution{r}},
		Hosts: []evidence.Host{
			{ID: "host/" + site, Name: site, Roles: []string{evidence.RoleSite}, Resolution: r.ID, Operator: "org/cloudflare", DomainOwner: "org/commune-de-ville-exemple"},
			{ID: "host/" + chain, Name: chain, Roles: []string{evidence.RoleChain}, Operator: "org/cloudflare", DomainOwner: "org/participation-vendor"},
			{ID: "host/www.google-analytics.com", Name: "www.google-analytics.com", Roles: []string{evidence.RoleThirdParty}, Operator: "org/google", DomainOwner: "org/google-analytics"},
			{ID: "host/mail135-7.atl141.mandrillapp.com", Name: "mail135-7.atl141.mandrillapp.com", Roles: []string{evidence.RoleMailRelay}, DomainOwner: "org/mandrill", SeenIn: []string{"mail/1/hop/1"}},
		},
		Addresses: []evidence.Address{{ID: "ip/198.51.100.17", IP: "198.51.100.17", Network: "net/198.51.100.0-198.51.100.255"}},
		Organisations: []evidence.Organisation{
			{ID: "org/cloudflare", Name: "Cloudflare", LegalEntity: "Cloudflare, Inc.", Country: "US", Categories: []string{"cdn", "hosting", "registrar"}, Catalogue: "cloudflare"},
			{ID: "org/commune-de-ville-exemple", Name: "Commune de Ville-Exemple", LegalEntity: "Commune de Ville-Exemple", Country: "FR"},
			{ID: "org/google", Name: "Google", LegalEntity: "Google LLC", Country: "US", Categories: []string{"platform"}, Catalogue: "google"},
			{ID: "org/google-analytics", Name: "Google Analytics", LegalEntity: "Google LLC", Country: "US", Categories: []string{"analytics"}, Catalogue: "google-analytics"},
			{ID: "org/mandrill", Name: "Mandrill (Mailchimp Transactional)", LegalEntity: "The Rocket Science Group LLC", Country: "US", Categories: []string{"email"}, Catalogue: "mandrill"},
			{ID: "org/participation-vendor", Name: "Participation Vendor SAS", LegalEntity: "Participation Vendor SAS", Country: "FR"},
		},
		Browser: &evidence.Browser{Visits: []evidence.Visit{{ID: "visit/initial", State: evidence.StateInitial, Requests: []evidence.Request{
			{ID: "req/1", Host: site},
			{ID: "req/2", Host: "www.google-analytics.com"},
		}}}},
		Mails: []evidence.Mail{{ID: "mail/1", Providers: []evidence.ProviderMatch{{Entity: "mandrill", Organisation: "org/mandrill", Signals: []string{"header X-Mandrill-User"}}}}},
		Legal: &evidence.Legal{
			Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://" + site + "/legal", Text: legalFoundingNotice},
				{ID: "legal/2", Kind: "cookies", URL: "https://" + site + "/cookies", Text: "Des cookies de mesure d'audience sont déposés par un service tiers."},
			},
			Hoster: &evidence.DeclaredOrg{Name: "SAS OVH", Address: "2 rue Kellermann", Postcode: "59100", City: "Roubaix", Catalogue: "ovhcloud", LegalEntity: "OVH SAS",
				Span: evidence.Span{Source: "legal/1", Start: 17, End: len(legalFoundingNotice), Text: legalFoundingNotice[17:]}},
			Mentions: []evidence.Mention{{Entity: "ovhcloud", Name: "OVH", LegalEntity: "OVH SAS", Categories: []string{"cloud", "email", "hosting", "registrar"},
				Span: evidence.Span{Source: "legal/1", Text: "Assuré par OVH"}}},
		},
	}
	return ev
}

// legalClean builds the clean site's evidence: hosted in its own domain by
// OVH, which its notice declares with address and phone and its privacy
// page names.
func legalClean() *evidence.Evidence {
	const site, web = "participez.commune-propre.fr", "web.commune-propre.fr"
	r := res(site, evidence.ResolvedOK, web)
	r.IPv4 = []string{"203.0.113.10"}
	return &evidence.Evidence{
		Target:    evidence.Target{URL: "https://" + site + "/", Host: site, RegistrableDomain: "commune-propre.fr"},
		Collected: []evidence.Kind{evidence.KindBrowser, evidence.KindDNS, evidence.KindLegal, evidence.KindOwnership},
		DNS:       evidence.DNS{Resolutions: []evidence.Resolution{r}},
		Hosts: []evidence.Host{
			{ID: "host/" + site, Name: site, Roles: []string{evidence.RoleSite}, Operator: "org/ovhcloud", DomainOwner: "org/commune-de-commune-propre"},
			{ID: "host/" + web, Name: web, Roles: []string{evidence.RoleChain}, Operator: "org/ovhcloud", DomainOwner: "org/commune-de-commune-propre"},
		},
		Addresses: []evidence.Address{{ID: "ip/203.0.113.10", IP: "203.0.113.10", Network: "net/203.0.113.0-203.0.113.127"}},
		Organisations: []evidence.Organisation{
			{ID: "org/commune-de-commune-propre", Name: "Commune de Commune-Propre", Country: "FR"},
			{ID: "org/ovhcloud", Name: "OVHcloud", LegalEntity: "OVH SAS", Country: "FR", Categories: []string{"cloud", "email", "hosting", "registrar"}, Catalogue: "ovhcloud"},
		},
		Browser: &evidence.Browser{Visits: []evidence.Visit{{ID: "visit/initial", State: evidence.StateInitial, Requests: []evidence.Request{{ID: "req/1", Host: site}}}}},
		Legal: &evidence.Legal{
			Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://" + site + "/mentions-legales", Text: "…"},
				{ID: "legal/2", Kind: "privacy", URL: "https://" + site + "/politique-de-confidentialite", Text: "…"},
			},
			Hoster: &evidence.DeclaredOrg{Name: "OVH SAS", Address: "2 rue Kellermann", Postcode: "59100", City: "Roubaix", Phone: "+33 9 72 10 10 07",
				Catalogue: "ovhcloud", LegalEntity: "OVH SAS", Span: evidence.Span{Source: "legal/1", Text: "OVH SAS 2 rue Kellermann 59100 Roubaix"}},
			Mentions: []evidence.Mention{{Entity: "ovhcloud", Name: "OVH SAS", LegalEntity: "OVH SAS", Categories: []string{"hosting"}, Span: evidence.Span{Source: "legal/2"}}},
		},
	}
}

// legalRun runs one check and returns its status and findings.
func legalRun(t *testing.T, c *Check, ev *evidence.Evidence) (Status, []Finding) {
	t.Helper()
	out := RunChecks([]*Check{c}, ev, nil, testNow)
	for _, f := range out.Findings {
		if len(f.Evidence) == 0 {
			t.Errorf("%s finding %q cites no evidence", c.ID, f.Subject)
		}
	}
	return out.Results[0].Status, out.Findings
}

func legalSubjects(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Subject)
	}
	slices.Sort(out)
	return out
}

func TestLegalFoundingCase(t *testing.T) {
	ev := legalFounding()
	out := RunChecks(LegalChecks, ev, nil, testNow)
	status := map[string]Status{}
	for _, r := range out.Results {
		status[r.Check] = r.Status
	}
	want := map[string]Status{
		"legal.notice-missing": StatusPass, "legal.hoster-missing": StatusFail,
		"legal.hoster-mismatch": StatusFail, "legal.processor-undeclared": StatusFail,
	}
	for id, st := range want {
		if status[id] != st {
			t.Errorf("%s: %s, want %s", id, status[id], st)
		}
	}
	byCheck := map[string][]Finding{}
	for _, f := range out.Findings {
		byCheck[f.ID] = append(byCheck[f.ID], f)
	}

	// Both sides quoted, with what cannot be known.
	mm := byCheck["legal.hoster-mismatch"]
	if len(mm) != 1 {
		t.Fatalf("mismatch findings: %+v", mm)
	}
	for _, s := range []string{
		`declares the hoster “SAS OVH”`, "Assuré par OVH SAS OVH, 2 rue Kellermann 59100 Roubaix France",
		"jeparticipe.ville-exemple.fr resolves to 198.51.100.17, operated by Cloudflare (Cloudflare, Inc., US) (org/cloudflare)",
		"a CDN operated by Cloudflare, Inc. (US) terminates TLS; the origin behind it is not visible",
		"a CNAME to proxy-fallback.participation-vendor.com, a domain of Participation Vendor SAS (FR) (org/participation-vendor)",
		"The declared hoster SAS OVH is neither the CDN nor the chain's operator (Participation Vendor SAS (FR))",
		"which cannot be verified from outside",
	} {
		if !strings.Contains(mm[0].Summary, s) {
			t.Errorf("mismatch summary lacks %q:\n%s", s, mm[0].Summary)
		}
	}
	for _, id := range []string{"legal/1", "org/cloudflare", "org/participation-vendor", "dns/jeparticipe.ville-exemple.fr", "ip/198.51.100.17"} {
		if !slices.Contains(mm[0].Evidence, id) {
			t.Errorf("mismatch evidence lacks %s: %v", id, mm[0].Evidence)
		}
	}
	if mm[0].Subject != "hoster:ovhcloud" {
		t.Errorf("mismatch subject %q", mm[0].Subject)
	}

	if hm := byCheck["legal.hoster-missing"]; len(hm) != 1 || !strings.Contains(hm[0].Summary, "gives no telephone number") || strings.Contains(hm[0].Summary, "address") {
		t.Errorf("hoster-missing: %+v", hm)
	}

	got := legalSubjects(byCheck["legal.processor-undeclared"])
	wantUndeclared := []string{"org/cloudflare", "org/google-analytics", "org/mandrill", "org/participation-vendor"}
	if !slices.Equal(got, wantUndeclared) {
		t.Errorf("undeclared processors %v, want %v", got, wantUndeclared)
	}
	for _, f := range byCheck["legal.processor-undeclared"] {
		switch f.Subject {
		case "org/google-analytics":
			if !strings.Contains(f.Summary, "the page contacted www.google-analytics.com (1 request(s), first req/2)") || !slices.Contains(f.Evidence, "req/2") ||
				!strings.Contains(f.Summary, "registered in US, outside the EU/EEA") {
				t.Errorf("GA finding: %s %v", f.Summary, f.Evidence)
			}
		case "org/mandrill":
			if !strings.Contains(f.Summary, "it relayed mail/1 (header X-Mandrill-User)") || !strings.Contains(f.Summary, "the mail passed through mail135-7.atl141.mandrillapp.com") ||
				!slices.Contains(f.Evidence, "mail/1") {
				t.Errorf("Mandrill finding: %s %v", f.Summary, f.Evidence)
			}
		case "org/cloudflare":
			if !strings.Contains(f.Summary, "as a CDN that terminates TLS") {
				t.Errorf("Cloudflare finding: %s", f.Summary)
			}
		case "org/participation-vendor":
			if !strings.Contains(f.Summary, "it owns proxy-fallback.participation-vendor.com") {
				t.Errorf("vendor finding: %s", f.Summary)
			}
		}
		if !slices.Contains(f.Evidence, "legal/1") || !slices.Contains(f.Evidence, "legal/2") || !slices.Contains(f.Evidence, f.Subject) {
			t.Errorf("%s cites %v", f.Subject, f.Evidence)
		}
	}
}

func TestLegalCleanCase(t *testing.T) {
	out := RunChecks(LegalChecks, legalClean(), nil, testNow)
	for _, r := range out.Results {
		if r.Status != StatusPass {
			t.Errorf("%s: %s (%s)", r.Check, r.Status, r.Reason)
		}
	}
	if len(out.Findings) != 0 {
		t.Errorf("findings on the clean site: %+v", out.Findings)
	}
}

func TestLegalNoticeMissing(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(ev *evidence.Evidence)
		status  Status
		summary string
	}{
		{"a notice was read", func(ev *evidence.Evidence) {}, StatusPass, ""},
		{"a privacy page that identifies the publisher", func(ev *evidence.Evidence) {
			ev.Legal.Pages = []evidence.LegalPage{{ID: "legal/1", Kind: "privacy", URL: "https://v.fr/donnees"}}
			ev.Legal.Hoster = nil
			ev.Legal.Publisher = &evidence.DeclaredOrg{Name: "Ville d'Exemple", Span: evidence.Span{Source: "legal/1"}}
		}, StatusPass, ""},
		{"only error pages", func(ev *evidence.Evidence) {
			ev.Legal = &evidence.Legal{Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://v.fr/mentions-legales", FoundBy: "path", Status: 404, Error: "HTTP status 404"},
				{ID: "legal/2", Kind: "notice", URL: "https://v.fr/legal", FoundBy: "path", Status: 200, Error: "does not read as a notice page"},
			}}
		}, StatusFail, "among the 2 page(s) tried: legal/1 https://v.fr/mentions-legales (HTTP status 404); legal/2 https://v.fr/legal (does not read as a notice page)"},
		{"the linked notice could not be read", func(ev *evidence.Evidence) {
			ev.Legal = &evidence.Legal{Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://v.fr/mentions", FoundBy: "link: Mentions légales", Error: "load https://v.fr/mentions: net::ERR_CONNECTION_RESET"},
				{ID: "legal/2", Kind: "notice", URL: "https://v.fr/mentions-legales", FoundBy: "path", Status: 404, Error: "HTTP status 404"},
			}}
		}, StatusNotEvaluated, ""},
		{"the linked notice answered a server error", func(ev *evidence.Evidence) {
			ev.Legal = &evidence.Legal{Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://v.fr/mentions", FoundBy: "link: Mentions légales", Status: 503, Error: "HTTP status 503"},
			}}
		}, StatusNotEvaluated, ""},
		{"the linked notice is not there", func(ev *evidence.Evidence) {
			ev.Legal = &evidence.Legal{Pages: []evidence.LegalPage{
				{ID: "legal/1", Kind: "notice", URL: "https://v.fr/mentions", FoundBy: "link: Mentions légales", Status: 404, Error: "HTTP status 404"},
			}}
		}, StatusFail, "legal/1 https://v.fr/mentions (HTTP status 404)"},
		{"only a cookie policy", func(ev *evidence.Evidence) {
			ev.Legal = &evidence.Legal{Pages: []evidence.LegalPage{{ID: "legal/1", Kind: "cookies", URL: "https://v.fr/cookies"}}}
		}, StatusFail, "policies that identify neither the publisher nor the hoster"},
		{"nothing to try", func(ev *evidence.Evidence) { ev.Legal = &evidence.Legal{} }, StatusFail, "no link of the visited pages named one"},
		{"legal pages not searched", func(ev *evidence.Evidence) { ev.Collected = []evidence.Kind{evidence.KindDNS} }, StatusNotEvaluated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := legalFounding()
			tt.edit(ev)
			status, fs := legalRun(t, legalNoticeMissing, ev)
			if status != tt.status {
				t.Fatalf("status %s, want %s", status, tt.status)
			}
			if tt.summary != "" && (len(fs) != 1 || !strings.Contains(fs[0].Summary, tt.summary)) {
				t.Errorf("findings %+v, want a summary with %q", fs, tt.summary)
			}
		})
	}
}

func TestLegalHosterMissing(t *testing.T) {
	tests := []struct {
		name    string
		hoster  *evidence.DeclaredOrg
		pages   []evidence.LegalPage
		status  Status
		subject string
		summary string
	}{
		{"complete", &evidence.DeclaredOrg{Name: "OVH SAS", Address: "2 rue Kellermann", Phone: "1007", Span: evidence.Span{Source: "legal/1"}}, nil, StatusPass, "", ""},
		{"postcode and city count as an address", &evidence.DeclaredOrg{Name: "OVH SAS", Postcode: "59100", City: "Roubaix", Phone: "1007", Span: evidence.Span{Source: "legal/1"}}, nil, StatusPass, "", ""},
		{"no phone", &evidence.DeclaredOrg{Name: "SAS OVH", Address: "2 rue Kellermann", Catalogue: "ovhcloud", Span: evidence.Span{Source: "legal/1"}}, nil,
			StatusFail, "hoster:ovhcloud", "gives no telephone number"},
		{"name only", &evidence.DeclaredOrg{Name: "Hébergeur Local SARL", Span: evidence.Span{Source: "legal/1", Text: "Hébergeur : Hébergeur Local SARL"}}, nil,
			StatusFail, "hoster:hebergeur local", "gives no address and no telephone number: “Hébergeur : Hébergeur Local SARL”"},
		{"no hoster", nil, nil, StatusFail, "hoster", "name no hoster"},
		{"no page read", nil, []evidence.LegalPage{{ID: "legal/1", Error: "HTTP status 404"}}, StatusNotEvaluated, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := legalFounding()
			ev.Legal.Hoster = tt.hoster
			if tt.pages != nil {
				ev.Legal.Pages = tt.pages
			}
			status, fs := legalRun(t, legalHosterMissing, ev)
			if status != tt.status {
				t.Fatalf("status %s, want %s: %+v", status, tt.status, fs)
			}
			if tt.subject != "" && (len(fs) != 1 || fs[0].Subject != tt.subject || !strings.Contains(fs[0].Summary, tt.summary)) {
				t.Errorf("findings %+v, want %s with %q", fs, tt.subject, tt.summary)
			}
		})
	}
}

func TestLegalHosterMismatch(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(ev *evidence.Evidence)
		status  Status
		summary string
	}{
		{"declares the CDN", func(ev *evidence.Evidence) {
			ev.Legal.Hoster = &evidence.DeclaredOrg{Name: "Cloudflare, Inc.", Catalogue: "cloudflare", Span: evidence.Span{Source: "legal/1"}}
		}, StatusPass, ""},
		{"declares the platform vendor, by its name", func(ev *evidence.Evidence) {
			ev.Legal.Hoster = &evidence.DeclaredOrg{Name: "PARTICIPATION VENDOR S.A.S.", Span: evidence.Span{Source: "legal/1"}}
		}, StatusPass, ""},
		{"declares the CDN's company under another name", func(ev *evidence.Evidence) {
			ev.Organisations[0] = evidence.Organisation{ID: "org/cloudflare", Name: "Amazon CloudFront", LegalEntity: "Amazon Web Services, Inc.", Country: "US", Categories: []string{"cdn"}, Catalogue: "aws-cloudfront"}
			ev.Legal.Hoster = &evidence.DeclaredOrg{Name: "Amazon Web Services EMEA SARL", Catalogue: "aws", LegalEntity: "Amazon Web Services, Inc.", Span: evidence.Span{Source: "legal/1"}}
		}, StatusPass, ""},
		{"no CDN, another hoster", func(ev *evidence.Evidence) {
			ev.Hosts[0].Operator = "org/scaleway"
			ev.Hosts[1].Operator = "org/scaleway"
			ev.Organisations = append(ev.Organisations, evidence.Organisation{ID: "org/scaleway", Name: "Scaleway", LegalEntity: "Scaleway SAS", Country: "FR", Categories: []string{"cloud", "hosting"}, Catalogue: "scaleway"})
		}, StatusFail, "The declared hoster SAS OVH is neither the operator of these addresses nor the chain's operator (Participation Vendor SAS (FR))."},
		{"no CNAME, no CDN", func(ev *evidence.Evidence) {
			r := res(ev.Target.Host, evidence.ResolvedOK)
			r.IPv4 = []string{"198.51.100.17"}
			ev.DNS.Resolutions = []evidence.Resolution{r}
			ev.Hosts[0].Operator = "org/participation-vendor"
		}, StatusFail, "resolves to 198.51.100.17, operated by Participation Vendor SAS (FR) (org/participation-vendor). The declared hoster SAS OVH is not the operator of these addresses."},
		{"no hoster declared", func(ev *evidence.Evidence) { ev.Legal.Hoster = nil }, StatusNotEvaluated, ""},
		{"operators unknown", func(ev *evidence.Evidence) {
			for i := range ev.Hosts {
				ev.Hosts[i].Operator, ev.Hosts[i].DomainOwner = "", ""
			}
		}, StatusNotEvaluated, ""},
		{"ownership not collected", func(ev *evidence.Evidence) {
			ev.Collected = []evidence.Kind{evidence.KindDNS, evidence.KindLegal}
		}, StatusNotEvaluated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := legalFounding()
			tt.edit(ev)
			status, fs := legalRun(t, legalHosterMismatch, ev)
			if status != tt.status {
				t.Fatalf("status %s, want %s: %+v", status, tt.status, fs)
			}
			if tt.summary != "" && (len(fs) != 1 || !strings.Contains(fs[0].Summary, tt.summary)) {
				t.Errorf("findings %+v\nwant a summary with %q", fs, tt.summary)
			}
		})
	}
}

func TestLegalProcessorUndeclared(t *testing.T) {
	mention := func(entity, name, company string, cats ...string) evidence.Mention {
		return evidence.Mention{Entity: entity, Name: name, LegalEntity: company, Categories: cats, Span: evidence.Span{Source: "legal/2"}}
	}
	all := []string{"org/cloudflare", "org/google-analytics", "org/mandrill", "org/participation-vendor"}
	tests := []struct {
		name   string
		edit   func(ev *evidence.Evidence)
		status Status
		want   []string
	}{
		{"the founding case names none", func(ev *evidence.Evidence) {}, StatusFail, all},
		{"named by their catalogue entries", func(ev *evidence.Evidence) {
			ev.Legal.Mentions = append(ev.Legal.Mentions, mention("google-analytics", "Google Analytics", "Google LLC", "analytics"),
				mention("cloudflare", "Cloudflare", "Cloudflare, Inc.", "cdn"))
		}, StatusFail, []string{"org/mandrill", "org/participation-vendor"}},
		{"the relay's company, named by its other e-mail service", func(ev *evidence.Evidence) {
			ev.Legal.Mentions = append(ev.Legal.Mentions, mention("mailchimp", "Mailchimp", "The Rocket Science Group LLC", "email"))
		}, StatusFail, []string{"org/cloudflare", "org/google-analytics", "org/participation-vendor"}},
		{"a video service of the same company declares the company, and so its analytics", func(ev *evidence.Evidence) {
			ev.Legal.Mentions = append(ev.Legal.Mentions, mention("youtube", "YouTube", "Google LLC", "social", "video"))
		}, StatusFail, []string{"org/cloudflare", "org/mandrill", "org/participation-vendor"}},
		{"the company's EU establishment declares its services", func(ev *evidence.Evidence) {
			m := mention("google", "Google Ireland Limited", "Google LLC", "platform")
			m.As, m.EUEstablishment = evidence.MentionEUEstablishment, "Google Ireland Limited"
			ev.Legal.Mentions = append(ev.Legal.Mentions, m)
		}, StatusFail, []string{"org/cloudflare", "org/mandrill", "org/participation-vendor"}},
		{"the company's own name declares its services", func(ev *evidence.Evidence) {
			ev.Legal.Mentions = append(ev.Legal.Mentions, mention("google", "Google LLC", "Google LLC", "platform"))
		}, StatusFail, []string{"org/cloudflare", "org/mandrill", "org/participation-vendor"}},
		{"the vendor, declared as publisher", func(ev *evidence.Evidence) {
			ev.Legal.Publisher = &evidence.DeclaredOrg{Name: "Participation Vendor", Span: evidence.Span{Source: "legal/1"}}
		}, StatusFail, []string{"org/cloudflare", "org/google-analytics", "org/mandrill"}},
		{"without browser and mail, what DNS and ownership show", func(ev *evidence.Evidence) {
			ev.Collected = []evidence.Kind{evidence.KindDNS, evidence.KindLegal, evidence.KindOwnership}
			ev.Browser, ev.Mails = nil, nil
			ev.Hosts = ev.Hosts[:2]
		}, StatusFail, []string{"org/cloudflare", "org/participation-vendor"}},
		{"the organisation's own operator is not a processor", func(ev *evidence.Evidence) {
			ev.Hosts[0].Operator = "org/commune-de-ville-exemple"
			ev.Hosts = ev.Hosts[:1]
			ev.DNS.Resolutions = []evidence.Resolution{res(ev.Target.Host, evidence.ResolvedOK)}
			ev.Browser, ev.Mails = nil, nil
		}, StatusPass, nil},
		{"no page read", func(ev *evidence.Evidence) {
			ev.Legal = &evidence.Legal{Pages: []evidence.LegalPage{{ID: "legal/1", Error: "HTTP status 404"}}}
		}, StatusNotEvaluated, nil},
		{"nothing observed", func(ev *evidence.Evidence) {
			ev.Collected = []evidence.Kind{evidence.KindDNS, evidence.KindLegal}
		}, StatusNotEvaluated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := legalFounding()
			tt.edit(ev)
			status, fs := legalRun(t, legalProcessorUndeclared, ev)
			if status != tt.status || !slices.Equal(legalSubjects(fs), tt.want) {
				t.Errorf("got %s %v, want %s %v", status, legalSubjects(fs), tt.status, tt.want)
			}
		})
	}
}

func TestLegalChecksDocumented(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range LegalChecks {
		ids[c.ID] = true
		if !checkID.MatchString(c.ID) || c.Title == "" || c.Rationale == "" || c.Remediation == "" || len(c.Refs) == 0 || len(c.Needs) == 0 || c.Run == nil {
			t.Errorf("%s is not fully documented", c.ID)
		}
	}
	for _, id := range []string{"legal.notice-missing", "legal.hoster-missing", "legal.hoster-mismatch", "legal.processor-undeclared"} {
		if !ids[id] {
			t.Errorf("%s missing from LegalChecks", id)
		}
	}
}

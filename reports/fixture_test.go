package reports

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// The founding case with every kind of evidence, built by hand: the DNS and
// ownership evidence the lab gives today, plus the browser visits, the
// confirmation mail and the legal notice that the collectors being written
// will give. The report formats are tested against it, so that every
// section is exercised whatever the collectors produce yet.

var (
	visitStart = time.Date(2026, 11, 21, 8, 50, 28, 0, time.UTC)
	gaExpiry   = time.Date(2028, 12, 26, 8, 50, 29, 0, time.UTC)
)

// screenshotPNG draws a small page with a banner at the bottom: what a
// screenshot of the state looks like, in a few hundred bytes.
func screenshotPNG(t testing.TB, banner color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 160; x++ {
			c := color.RGBA{245, 246, 249, 255}
			switch {
			case y < 14:
				c = color.RGBA{20, 33, 61, 255} // header
			case y > 70:
				c = banner
			case y > 24 && y < 30 && x > 10 && x < 120:
				c = color.RGBA{120, 120, 130, 255} // a line of text
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fullArtifacts returns the screenshots the fixture's visits refer to.
func fullArtifacts(t testing.TB) []Artifact {
	return []Artifact{
		{Path: "screenshots/initial-load.png", Data: screenshotPNG(t, color.RGBA{30, 90, 200, 255})},
		{Path: "screenshots/reject-after.png", Data: screenshotPNG(t, color.RGBA{245, 246, 249, 255})},
		{Path: "screenshots/accept-after.png", Data: screenshotPNG(t, color.RGBA{245, 246, 249, 255})},
	}
}

func req(n int, visit, phase, url, host, domain, typ string) evidence.Request {
	return evidence.Request{ID: "req/" + itoa(n), Visit: visit, Phase: phase, URL: url, Host: host, RegistrableDomain: domain, Method: "GET", Type: typ, Status: 200}
}

func itoa(n int) string {
	return string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

// fullEvidence is the founding case, every kind collected.
func fullEvidence() *evidence.Evidence {
	ev := foundingEvidence()
	ev.Collected = []evidence.Kind{evidence.KindBrowser, evidence.KindConsent, evidence.KindDNS, evidence.KindLegal, evidence.KindMail, evidence.KindOwnership}
	ev.Target.MailFiles = []string{"testdata/confirmation.eml"}
	ev.Environment.RDAPServer = "http://127.0.0.1:8443"
	ev.Errors = []evidence.Error{{Stage: "whois", Target: "203.0.113.9", Error: "connection refused"}}
	ev.Hosts = []evidence.Host{
		{ID: "host/jeparticipe.ville-exemple.fr", Name: "jeparticipe.ville-exemple.fr", RegistrableDomain: "ville-exemple.fr", Roles: []string{evidence.RoleSite},
			Resolution: "dns/jeparticipe.ville-exemple.fr", Operator: "org/cloudflare", DomainOwner: "org/commune-de-ville-exemple"},
		{ID: "host/proxy-fallback.participation-vendor.com", Name: "proxy-fallback.participation-vendor.com", RegistrableDomain: "participation-vendor.com",
			Roles: []string{evidence.RoleChain}, Operator: "org/cloudflare", DomainOwner: "org/participation-vendor"},
		{ID: "host/www.google-analytics.com", Name: "www.google-analytics.com", RegistrableDomain: "google-analytics.com",
			Roles: []string{evidence.RoleThirdParty}, DomainOwner: "org/google", SeenIn: []string{"req/002"}},
		{ID: "host/fonts.googleapis.com", Name: "fonts.googleapis.com", RegistrableDomain: "googleapis.com",
			Roles: []string{evidence.RoleThirdParty}, DomainOwner: "org/google", SeenIn: []string{"req/003"}},
		{ID: "host/mandrillapp.com", Name: "mandrillapp.com", RegistrableDomain: "mandrillapp.com",
			Roles: []string{evidence.RoleMailLink, evidence.RoleMailRelay}, DomainOwner: "org/mailchimp"},
	}
	ev.Addresses = []evidence.Address{{ID: "ip/198.51.100.17", IP: "198.51.100.17", Network: "net/198.51.100.0-198.51.100.255", ASN: 13335},
		{ID: "ip/198.51.100.77", IP: "198.51.100.77", Network: "net/198.51.100.64-198.51.100.127", ASN: 14618}}
	ev.Networks = []evidence.Network{
		{ID: "net/198.51.100.0-198.51.100.255", Start: "198.51.100.0", End: "198.51.100.255", CIDRs: []string{"198.51.100.0/24"}, Name: "CLOUDFLARENET",
			Country: "US", OrgName: "Cloudflare, Inc.", ASNs: []uint32{13335}, Organisation: "org/cloudflare", Source: "rdap", Raw: "rdap/ip-198.51.100.0.json"},
		{ID: "net/198.51.100.64-198.51.100.127", Start: "198.51.100.64", End: "198.51.100.127", CIDRs: []string{"198.51.100.64/26"}, Name: "MANDRILL",
			Country: "US", OrgName: "The Rocket Science Group LLC", Organisation: "org/mailchimp", Source: "rdap"},
	}
	ev.Registrations = []evidence.Registration{{ID: "reg/participation-vendor.com", Domain: "participation-vendor.com", Registrar: "Gandi SAS",
		Registrant: "Participation Vendor SAS", Country: "FR", Organisation: "org/participation-vendor", Source: "rdap"}}
	ev.Organisations = []evidence.Organisation{
		{ID: "org/cloudflare", Name: "Cloudflare", LegalEntity: "Cloudflare, Inc.", Country: "US", Categories: []string{"cdn", "hosting"}, Catalogue: "cloudflare"},
		{ID: "org/commune-de-ville-exemple", Name: "Commune de Ville-Exemple", Country: "FR"},
		{ID: "org/google", Name: "Google", LegalEntity: "Google LLC", Country: "US", Categories: []string{"advertising", "analytics", "fonts"}, Catalogue: "google"},
		{ID: "org/mailchimp", Name: "Mailchimp", LegalEntity: "The Rocket Science Group LLC", Country: "US", Categories: []string{"email"}, Catalogue: "mailchimp"},
		{ID: "org/ovhcloud", Name: "OVHcloud", LegalEntity: "OVH SAS", Country: "FR", Categories: []string{"hosting"}, Catalogue: "ovhcloud"},
		{ID: "org/participation-vendor", Name: "Participation Vendor SAS", Country: "FR", Categories: []string{"survey"}},
	}
	const site, ga, fonts = "jeparticipe.ville-exemple.fr", "www.google-analytics.com", "fonts.googleapis.com"
	before, after := evidence.PhaseBeforeAction, evidence.PhaseAfterAction
	banner := &evidence.Banner{Engine: "generic", Rule: "#cookie-banner", Text: "Nous utilisons des cookies pour mesurer l'audience.",
		Buttons: []evidence.Button{
			{Role: "accept", Label: "Tout accepter", Tag: "button", Box: evidence.Box{X: 600, Y: 700, W: 220, H: 48}, Color: "rgb(255, 255, 255)", Background: "rgb(30, 90, 200)", FontSize: 18, Contrast: 6.1},
			{Role: "reject", Label: "Continuer sans accepter", Tag: "a", IsLink: true, Box: evidence.Box{X: 40, Y: 760, W: 150, H: 16}, Color: "rgb(150, 150, 150)", Background: "rgb(255, 255, 255)", FontSize: 11, Contrast: 2.9},
		}}
	ev.Browser = &evidence.Browser{Product: "Chromium", Version: "156.0.8078.79", Headless: "new", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36",
		Locale: "fr-FR", TimeZone: "Europe/Paris", Flags: []string{"--headless=new", "--proxy-server=127.0.0.1:40123", "--disable-quic"}, ThirdPartyCookies: "allowed",
		Visits: []evidence.Visit{
			{ID: "visit/initial", State: evidence.StateInitial, URL: "https://" + site + "/", Status: 200, Started: visitStart, Banner: banner,
				Requests: []evidence.Request{
					req(1, "visit/initial", before, "https://"+site+"/", site, "ville-exemple.fr", "Document"),
					req(2, "visit/initial", before, "https://"+ga+"/g/collect?v=2", ga, "google-analytics.com", "XHR"),
					req(3, "visit/initial", before, "https://"+fonts+"/css2?family=Marianne", fonts, "googleapis.com", "Stylesheet"),
				},
				Cookies: []evidence.Cookie{
					{ID: "cookie/initial/.ville-exemple.fr/_ga", Visit: "visit/initial", Phase: before, Name: "_ga", Domain: ".ville-exemple.fr", Path: "/", Expires: gaExpiry, Size: 26,
						SetBy: &evidence.SetBy{Kind: "script", Script: "https://www.googletagmanager.com/gtag/js"}},
				},
				Screenshots: []evidence.Screenshot{{Label: "load", Path: "screenshots/initial-load.png"}}},
			{ID: "visit/reject", State: evidence.StateReject, URL: "https://" + site + "/", Status: 200, Started: visitStart.Add(5 * time.Second), Banner: banner,
				Action: &evidence.ConsentAction{Role: "reject", Button: "Continuer sans accepter", Done: true},
				Requests: []evidence.Request{
					req(4, "visit/reject", before, "https://"+site+"/", site, "ville-exemple.fr", "Document"),
					req(5, "visit/reject", after, "https://"+ga+"/g/collect?v=2&en=page_view", ga, "google-analytics.com", "XHR"),
				},
				Cookies: []evidence.Cookie{
					{ID: "cookie/reject/.ville-exemple.fr/_ga", Visit: "visit/reject", Phase: after, Name: "_ga", Domain: ".ville-exemple.fr", Path: "/", Expires: gaExpiry, Size: 26},
				},
				Screenshots: []evidence.Screenshot{{Label: "after-reject", Path: "screenshots/reject-after.png"}}},
			{ID: "visit/accept", State: evidence.StateAccept, URL: "https://" + site + "/", Status: 200, Started: visitStart.Add(10 * time.Second), Banner: banner,
				Action: &evidence.ConsentAction{Role: "accept", Button: "Tout accepter", Done: true},
				Requests: []evidence.Request{
					req(6, "visit/accept", before, "https://"+site+"/", site, "ville-exemple.fr", "Document"),
					req(7, "visit/accept", after, "https://"+ga+"/g/collect?v=2", ga, "google-analytics.com", "XHR"),
				},
				Cookies: []evidence.Cookie{
					{ID: "cookie/accept/.ville-exemple.fr/_ga", Visit: "visit/accept", Phase: after, Name: "_ga", Domain: ".ville-exemple.fr", Path: "/", Expires: gaExpiry, Size: 26},
					{ID: "cookie/accept/.ville-exemple.fr/_ga_X1", Visit: "visit/accept", Phase: after, Name: "_ga_X1", Domain: ".ville-exemple.fr", Path: "/", Expires: gaExpiry, Size: 40},
				},
				Storage:     []evidence.StorageItem{{ID: "storage/accept/localStorage/https://" + site + "/consent", Visit: "visit/accept", Phase: after, Origin: "https://" + site, Kind: "localStorage", Key: "consent", Size: 12}},
				Screenshots: []evidence.Screenshot{{Label: "after-accept", Path: "screenshots/accept-after.png"}}},
		},
	}
	ev.Mails = []evidence.Mail{{
		ID: "mail/1", File: "testdata/confirmation.eml", Subject: "Confirmez votre participation", Date: time.Date(2026, 11, 2, 10, 4, 0, 0, time.UTC),
		From:      evidence.MailAddr{Name: "Ville d'Exemple", Address: "assistance@participation-vendor.com", Domain: "participation-vendor.com"},
		To:        []evidence.MailAddr{{Name: "[redacted]", Address: "[redacted]@example.org"}},
		MessageID: "<abc@participation-vendor.com>", MessageIDDomain: "participation-vendor.com",
		ReturnPath: "bounce-42@track.participation-vendor.com", BounceDomain: "track.participation-vendor.com",
		FirstExternalHop: 1,
		Hops: []evidence.Hop{
			{ID: "mail/1/hop/0", Side: "relay", From: "app.participation-vendor.com", By: "relay.mandrillapp.com", With: "ESMTPS", IP: "198.51.100.77", Time: time.Date(2026, 11, 2, 10, 4, 0, 0, time.UTC), Raw: "from app.participation-vendor.com by relay.mandrillapp.com"},
			{ID: "mail/1/hop/1", Side: "recipient", From: "relay.mandrillapp.com", By: "mx.example.org", With: "ESMTPS", IP: "198.51.100.77", Time: time.Date(2026, 11, 2, 10, 4, 2, 0, time.UTC), Delay: 2 * time.Second, Raw: "from relay.mandrillapp.com by mx.example.org"},
		},
		DKIM:        []evidence.DKIMSignature{{Domain: "mandrillapp.com", Selector: "mandrill", Result: "pass"}},
		AuthResults: []evidence.AuthResult{{Source: "authentication-results", Method: "dmarc", Result: "fail", Domain: "participation-vendor.com"}},
		Providers:   []evidence.ProviderMatch{{Entity: "mailchimp", Organisation: "org/mailchimp", Signals: []string{"header X-Mandrill-User", "hop relay.mandrillapp.com"}}},
		Links: []evidence.MailLink{{ID: "mail/1/link/0", URL: "https://mandrillapp.com/track/click/30/jeparticipe?p=eyJ", Host: "mandrillapp.com", Text: "Confirmer",
			Redirector: "mandrill", Destination: "https://jeparticipe.ville-exemple.fr/confirm?code=[redacted]"}},
		Images:         []evidence.MailImage{{ID: "mail/1/img/0", URL: "https://mandrillapp.com/track/open.php?u=1", Host: "mandrillapp.com", Pixel: true, Reason: "1×1 image"}},
		Codes:          []evidence.CodeMatch{{Kind: "url-parameter", Where: "mail/1/link/0", Value: "[redacted]"}},
		RecipientNamed: []evidence.Span{{Source: "mail/1", Text: "Bonjour [redacted],"}},
		Redacted:       true,
	}}
	ev.Legal = &evidence.Legal{
		Pages: []evidence.LegalPage{{ID: "legal/1", Kind: "notice", URL: "https://" + site + "/mentions-legales", FoundBy: "link: Mentions légales", Lang: "fr", Status: 200, Loader: "http",
			Text: "Hébergement assuré par OVH, 2 rue Kellermann, 59100 Roubaix."},
			{ID: "legal/2", Kind: "privacy", URL: "https://" + site + "/confidentialite", FoundBy: "link: Confidentialité", Lang: "fr", Status: 200, Loader: "browser",
				Text: "Mesure d'audience : Google Ireland Limited, Gordon House, Dublin 4."}},
		Hoster: &evidence.DeclaredOrg{Name: "OVH", Address: "2 rue Kellermann", Postcode: "59100", City: "Roubaix", Catalogue: "ovhcloud",
			Span: evidence.Span{Source: "legal/1", Start: 0, End: 60, Text: "Hébergement assuré par OVH, 2 rue Kellermann, 59100 Roubaix"}},
		Publisher: &evidence.DeclaredOrg{Name: "Commune de Ville-Exemple", Register: "SIREN 215000000", Span: evidence.Span{Source: "legal/1", Text: "Commune de Ville-Exemple"}},
		Mentions: []evidence.Mention{{Entity: "ovhcloud", Name: "OVH", Span: evidence.Span{Source: "legal/1", Text: "Hébergement assuré par OVH"}},
			{Entity: "google", Name: "Google Ireland Limited", As: evidence.MentionEUEstablishment, LegalEntity: "Google LLC",
				EUEstablishment: "Google Ireland Limited", Parent: "Alphabet Inc.", Categories: []string{"platform"},
				Span: evidence.Span{Source: "legal/2", Start: 0, End: 67, Text: "Mesure d'audience : Google Ireland Limited, Gordon House, Dublin 4."}}},
	}
	addObservation(ev)
	return ev
}

// addObservation gives the full case what the browser records of how it
// watched: the stages' timings, page views (the reject visit's reload
// still contacts Google Analytics and sets _ga again), a dialog, a WebRTC
// attempt and why the banner was found.
func addObservation(ev *evidence.Evidence) {
	start := ev.Browser.Visits[0].Started.Add(-time.Second)
	ev.Environment.Stages = []evidence.StageRun{
		{Stage: "dns", Started: start, Duration: 300 * time.Millisecond, Status: evidence.StageOK, Note: "12 lookups"},
		{Stage: "browser", Started: start.Add(300 * time.Millisecond), Duration: 2400 * time.Millisecond, Status: evidence.StageOK, Note: "3 visits"},
		{Stage: "ownership", Started: start.Add(2700 * time.Millisecond), Duration: 250 * time.Millisecond, Status: evidence.StagePartial, Note: "whois 203.0.113.9 refused"},
	}
	ev.Browser.WebRTC = "no UDP outside the proxy (webrtc.ip_handling_policy=disable_non_proxied_udp)"
	for i := range ev.Browser.Visits {
		v := &ev.Browser.Visits[i]
		watched := &evidence.Observation{Clock: evidence.ClockVirtual, PageTime: 5 * time.Second, WallTime: 420 * time.Millisecond, Scrolled: true}
		v.PageViews = []evidence.PageView{{ID: v.ID + "/view/1", Kind: evidence.PageViewLoad, URL: v.URL, Status: 200, Started: v.Started, Observation: watched}}
		for j := range v.Requests {
			v.Requests[j].PageView = v.ID + "/view/1"
		}
	}
	rej := &ev.Browser.Visits[1]
	rej.Banner = &evidence.Banner{Engine: "generic", Rule: "structure", Reason: "fixed at the bottom of the viewport; holds an accept-like and a refuse-like control",
		Text: rej.Banner.Text, Buttons: rej.Banner.Buttons}
	rej.PageViews = append(rej.PageViews, evidence.PageView{ID: "visit/reject/view/2", Kind: evidence.PageViewReload, URL: rej.URL, Status: 200,
		Started: rej.Started.Add(2 * time.Second), Observation: &evidence.Observation{Clock: evidence.ClockWall, ClockNote: "virtual time stalled the page", PageTime: 5 * time.Second, WallTime: 5 * time.Second}})
	r := req(8, "visit/reject", evidence.PhaseAfterAction, "https://www.google-analytics.com/g/collect?v=2&en=page_view&_r=1", "www.google-analytics.com", "google-analytics.com", "XHR")
	r.PageView = "visit/reject/view/2"
	rej.Requests = append(rej.Requests, r)
	rej.Cookies[0].Refreshed, rej.Cookies[0].PageView = true, "visit/reject/view/2"
	ini := &ev.Browser.Visits[0]
	ini.Dialogs = []evidence.Dialog{{Type: "alert", Message: "Bienvenue sur <b>la consultation</b>", URL: ini.URL, At: ini.Started.Add(time.Second), PageView: "visit/initial/view/1", Phase: evidence.PhaseBeforeAction, Answer: "accepted"}}
	acc := &ev.Browser.Visits[2]
	acc.WebRTC = []evidence.WebRTCAttempt{{ICEServers: []string{"stun:stun.l.google.com:19302"}, Origin: "https://" + acc.URL[len("https://"):len(acc.URL)-1], At: acc.Started.Add(time.Second), PageView: "visit/accept/view/1", Phase: evidence.PhaseAfterAction}}
}

// finding makes a finding as checks.Run would: title, references and
// remediation from the registered check when there is one.
func finding(id string, sev checks.Severity, subject, summary string, ev ...string) checks.Finding {
	f := checks.Finding{ID: id, Severity: sev, Subject: subject, Summary: summary, Evidence: ev,
		Fingerprint: checks.Fingerprint(id, "jeparticipe.ville-exemple.fr", subject)}
	if c := checks.Lookup(id); c != nil {
		f.Title, f.References, f.Remediation = c.Title, c.Refs, c.Remediation
	} else {
		f.Title, f.References, f.Remediation = fixtureChecks[id][0], []string{fixtureChecks[id][1]}, fixtureChecks[id][2]
	}
	return f
}

// fixtureChecks stands for checks of the catalogue not registered yet:
// title, reference, remediation.
var fixtureChecks = map[string][3]string{
	"consent.reject-not-respected": {"Trackers still run after the visitor rejected them", "ePrivacy directive art. 5(3); CNIL délibération 2020-091", "Load audience measurement only after consent, or use an exempt, self-hosted tool (Matomo configured for the CNIL exemption)."},
	"mail.third-party-relay":       {"The mail was relayed by an email service provider", "GDPR art. 28", "Send the organisation's mail through its own mail servers (its MX)."},
	"legal.hoster-mismatch":        {"The declared hoster is not the observed operator", "LCEN art. 6-III", "Name the real hoster, with its address and phone, in the legal notice."},
}

// fullReport is the founding case's report with every section filled:
// findings of registered checks and of checks still to come, a policy
// ignore, a not-evaluated check and a collection error.
func fullReport() *Report {
	ev := fullEvidence()
	fs := []checks.Finding{
		finding("hosting.operator-outside-eea", checks.High, "org/cloudflare", "Cloudflare (Cloudflare, Inc., US) operates the network serving jeparticipe.ville-exemple.fr (198.51.100.17), and is registered in US, outside the EU/EEA.",
			"dns/jeparticipe.ville-exemple.fr", "host/jeparticipe.ville-exemple.fr", "ip/198.51.100.17", "net/198.51.100.0-198.51.100.255", "org/cloudflare"),
		finding("consent.reject-not-respected", checks.High, "www.google-analytics.com", "After “Continuer sans accepter”, the page still sent a request to www.google-analytics.com and set the _ga cookie.",
			"visit/reject", "req/005", "cookie/reject/.ville-exemple.fr/_ga"),
		finding("legal.hoster-mismatch", checks.High, "ovhcloud", "The legal notice names OVH as the hoster; the site's addresses are operated by Cloudflare, Inc. (US).",
			"legal/1", "org/cloudflare", "org/ovhcloud"),
		finding("hosting.third-party-cname", checks.Medium, "proxy-fallback.participation-vendor.com", "jeparticipe.ville-exemple.fr is a CNAME to proxy-fallback.participation-vendor.com, outside the organisation's domains (ville-exemple.fr).",
			"dns/jeparticipe.ville-exemple.fr", "dns/q/jeparticipe.ville-exemple.fr/A"),
		finding("mail.third-party-relay", checks.Medium, "mailchimp", "The confirmation mail was relayed by Mailchimp (The Rocket Science Group LLC, US): relay.mandrillapp.com.",
			"mail/1", "mail/1/hop/0", "org/mailchimp", "ev/does-not-exist"),
	}
	checks.SortFindings(fs)
	ignored := finding("dns.no-dnssec", checks.Low, "ville-exemple.fr", "The zone ville-exemple.fr publishes no DNSKEY.", "dns/zone/ville-exemple.fr")
	ig := checks.Ignore{Check: "dns.no-dnssec", Reason: "registrar migration in 2027", Expires: "2027-03-01"}
	ignored.Ignore = &ig
	out := checks.Outcome{
		Results: []checks.Result{
			{Check: "hosting.third-party-cname", Status: checks.StatusFail, Severity: checks.Medium, Findings: 1},
			{Check: "hosting.cdn-proxy", Status: checks.StatusPass, Severity: checks.Medium},
			{Check: "hosting.operator-outside-eea", Status: checks.StatusFail, Severity: checks.High, Findings: 1},
			{Check: "dns.dangling-cname", Status: checks.StatusPass, Severity: checks.High},
			{Check: "dns.no-dnssec", Status: checks.StatusFail, Severity: checks.Low, Findings: 1, Ignored: 1},
			{Check: "consent.reject-not-respected", Status: checks.StatusFail, Severity: checks.High, Findings: 1},
			{Check: "mail.third-party-relay", Status: checks.StatusFail, Severity: checks.Medium, Findings: 1},
			{Check: "legal.hoster-mismatch", Status: checks.StatusFail, Severity: checks.High, Findings: 1},
			{Check: "survey.open-participation", Status: checks.StatusNotEvaluated, Severity: checks.Medium, Reason: "evidence not collected: survey"},
		},
		Findings: fs,
		Ignored:  []checks.Finding{ignored},
		Ignores:  []checks.IgnoreStatus{{Ignore: ig, Status: checks.IgnoreApplied, Matched: 1}},
	}
	p := &checks.Policy{Organisation: checks.Organisation{Name: "Ville d'Exemple", Domains: []string{"ville-exemple.fr"}},
		Allowed: checks.Allowed{Countries: []string{"EEA"}}, Ignore: []checks.Ignore{ig}}
	// The sections show the facts the checks derive, as checks.Run does.
	out.Facts = checks.DeriveFacts(ev, p, finished)
	return New("test", ev, out, p, started, finished)
}

// evidenceBrowserEmpty is a browser visit that saw nothing: no third
// party, no banner.
var evidenceBrowserEmpty = evidence.Browser{Visits: []evidence.Visit{{ID: "visit/initial", State: evidence.StateInitial, URL: "https://jeparticipe.ville-exemple.fr/", Status: 200}}}

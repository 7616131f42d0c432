package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/mail"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// mailEvidence builds the evidence of a scan of target (empty: vigie mail
// alone) with the given mails.
func mailEvidence(target string, ms ...evidence.Mail) *evidence.Evidence {
	ev := &evidence.Evidence{Collected: []evidence.Kind{evidence.KindMail}, Mails: ms}
	if target != "" {
		d := registrable(target)
		ev.Target = evidence.Target{URL: "https://" + target + "/", Host: target, RegistrableDomain: d}
	}
	return ev
}

// from returns a mail from name <addr>, whose ID is mail/<n>.
func from(n int, name, addr string) evidence.Mail {
	dom := addr[strings.LastIndexByte(addr, '@')+1:]
	return evidence.Mail{ID: fmt.Sprintf("mail/%d", n), From: evidence.MailAddr{Name: name, Address: addr, Domain: dom}, FirstExternalHop: -1}
}

// mailRun runs one check and returns its status and the findings' subjects.
func mailRun(t *testing.T, c *Check, ev *evidence.Evidence, p *Policy) (Status, []string, []Finding) {
	t.Helper()
	out := RunChecks([]*Check{c}, ev, p, testNow)
	var subs []string
	for _, f := range out.Findings {
		subs = append(subs, f.Subject)
		if len(f.Evidence) == 0 || !slices.ContainsFunc(f.Evidence, func(id string) bool { return strings.HasPrefix(id, "mail/") }) {
			t.Errorf("%s finding %q cites no mail: %v", c.ID, f.Subject, f.Evidence)
		}
	}
	return out.Results[0].Status, subs, out.Findings
}

func TestMailChecksDocumented(t *testing.T) {
	want := []string{"mail.sender-identity-mismatch", "mail.third-party-relay", "mail.bounce-domain-third-party",
		"mail.click-tracking", "mail.open-tracking", "mail.auth-misaligned", "mail.code-with-identity"}
	var ids []string
	for _, c := range MailChecks {
		ids = append(ids, c.ID)
		if !checkID.MatchString(c.ID) || c.Title == "" || c.Rationale == "" || c.Remediation == "" || len(c.Refs) == 0 || c.Run == nil {
			t.Errorf("%s is not fully documented", c.ID)
		}
		if !slices.Equal(c.Needs, []evidence.Kind{evidence.KindMail}) {
			t.Errorf("%s needs %v, want mail", c.ID, c.Needs)
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("mail checks %v, want the catalogue's %v", ids, want)
	}
	// Without a mail, every mail check is not-evaluated, never pass.
	out := RunChecks(MailChecks, &evidence.Evidence{Collected: []evidence.Kind{evidence.KindDNS}}, nil, testNow)
	for _, r := range out.Results {
		if r.Status != StatusNotEvaluated {
			t.Errorf("%s without mail: %s", r.Check, r.Status)
		}
	}
}

func TestMailSenderIdentityMismatch(t *testing.T) {
	withDomains := func(m evidence.Mail, ds ...string) evidence.Mail { m.DisplayNameDomains = ds; return m }
	tests := []struct {
		name   string
		target string
		m      evidence.Mail
		policy *Policy
		want   []string
	}{
		{"the city's name on the vendor's address", "jeparticipe.ville.fr", from(0, "Ville de Ville", "assistance@vendor.com"), nil, []string{"assistance@vendor.com"}},
		{"the city's name on its own address", "jeparticipe.ville.fr", from(0, "Ville de Ville", "participation@ville.fr"), nil, nil},
		{"the vendor's own name", "jeparticipe.ville.fr", from(0, "Support Vendor", "support@vendor.com"), nil, nil},
		{"the site's name on the vendor's address", "jeparticipe.ville.fr", from(0, "Jeparticipe", "noreply@vendor.com"), nil, []string{"noreply@vendor.com"}},
		{"an organisation domain of the policy", "jeparticipe.ville.fr", from(0, "Métropole de Ville", "info@metropole.fr"),
			&Policy{Organisation: Organisation{Domains: []string{"metropole.fr"}}}, nil},
		{"the policy's organisation name", "jeparticipe.ville.fr", from(0, "Exemplia Participation", "x@vendor.com"),
			&Policy{Organisation: Organisation{Name: "Exemplia"}}, []string{"x@vendor.com"}},
		{"mail alone: a domain the name names", "", withDomains(from(0, "Ville de Ville-Exemple", "a@vendor.com"), "ville-exemple.fr"), nil, []string{"a@vendor.com"}},
		{"mail alone: the name names the address's domain", "", from(0, "Mairie de Paris", "contact@paris.fr"), nil, nil},
		{"mail alone: a public body on an unrelated domain", "", from(0, "Mairie de Paris", "contact@vendor.com"), nil, []string{"contact@vendor.com"}},
		{"mail alone: a person", "", from(0, "Jeanne Lambda", "jeanne@proton.me"), nil, nil},
		{"no display name", "jeparticipe.ville.fr", from(0, "", "a@vendor.com"), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got, _ := mailRun(t, mailSenderIdentityMismatch, mailEvidence(tt.target, tt.m), tt.policy)
			if !slices.Equal(got, tt.want) || (len(tt.want) == 0) != (status == StatusPass) {
				t.Errorf("got %s %v, want %v", status, got, tt.want)
			}
		})
	}
	// A mail that could not be parsed is not judged.
	bad := from(0, "Ville de Ville", "a@vendor.com")
	bad.Error = "malformed"
	if status, got, _ := mailRun(t, mailSenderIdentityMismatch, mailEvidence("jeparticipe.ville.fr", bad), nil); status != StatusPass || len(got) != 0 {
		t.Errorf("unparsed mail judged: %s %v", status, got)
	}
}

func TestMailThirdPartyRelay(t *testing.T) {
	relayed := func(n int, signals ...string) evidence.Mail {
		m := from(n, "Ville de Ville", "a@vendor.com")
		m.Hops = []evidence.Hop{{ID: m.ID + "/hop/0", By: "mail1.relay.com", Side: evidence.HopRelay}, {ID: m.ID + "/hop/1", From: "mail1.relay.com", By: "mx.example.net", Side: evidence.HopRecipient}}
		m.Providers = []evidence.ProviderMatch{{Entity: "mandrill", Organisation: "org/mandrill", Signals: signals}}
		return m
	}
	tests := []struct {
		name string
		ms   []evidence.Mail
		want []string
	}{
		{"relayed by a provider", []evidence.Mail{relayed(0, "relay mail1.relay.com (mail/0/hop/1)", "dkim d=mandrillapp.com")}, []string{"mandrill"}},
		{"links tracked only", []evidence.Mail{relayed(0, "link mandrillapp.com")}, nil},
		{"no provider", []evidence.Mail{from(0, "Ville", "a@ville.fr")}, nil},
		{"two mails, one finding", []evidence.Mail{relayed(0, "header X-Mandrill-User"), relayed(1, "header X-Mandrill-User")}, []string{"mandrill"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := mailEvidence("jeparticipe.ville.fr", tt.ms...)
			status, got, fs := mailRun(t, mailThirdPartyRelay, ev, nil)
			if !slices.Equal(got, tt.want) || (len(tt.want) == 0) != (status == StatusPass) {
				t.Errorf("got %s %v, want %v", status, got, tt.want)
			}
			if len(tt.ms) == 2 && len(fs) == 1 && !(slices.Contains(fs[0].Evidence, "mail/0") && slices.Contains(fs[0].Evidence, "mail/1")) {
				t.Errorf("merged finding cites %v", fs[0].Evidence)
			}
		})
	}

	// Named with owner and country; the organisation's own mail servers said.
	ev := mailEvidence("jeparticipe.ville.fr", relayed(0, "relay mail1.relay.com (mail/0/hop/1)"))
	ev.Organisations = []evidence.Organisation{
		{ID: "org/mandrill", Name: "Mandrill", LegalEntity: "The Rocket Science Group LLC", Country: "US"},
		{ID: "org/mailchimp", Name: "Mailchimp", LegalEntity: "The Rocket Science Group LLC", Country: "US"},
	}
	ev.Hosts = []evidence.Host{{ID: "host/mail1.relay.com", Name: "mail1.relay.com", Roles: []string{evidence.RoleMailRelay}, Operator: "org/mailchimp"}}
	ev.DNS.Zones = []evidence.Zone{{ID: "dns/zone/ville.fr", Domain: "ville.fr", MX: []evidence.MX{{Preference: 10, Host: "mailgate.ville.fr"}}}}
	_, _, fs := mailRun(t, mailThirdPartyRelay, ev, nil)
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	for _, want := range []string{"Mandrill (The Rocket Science Group LLC, US)", "operated by Mailchimp", "ville.fr has its own mail servers (MX mailgate.ville.fr), which this mail did not go through"} {
		if !strings.Contains(fs[0].Summary, want) {
			t.Errorf("summary lacks %q: %s", want, fs[0].Summary)
		}
	}
	for _, id := range []string{"mail/0", "mail/0/hop/0", "mail/0/hop/1", "org/mandrill", "org/mailchimp", "dns/zone/ville.fr"} {
		if !slices.Contains(fs[0].Evidence, id) {
			t.Errorf("evidence lacks %s: %v", id, fs[0].Evidence)
		}
	}
}

func TestMailBounceDomainThirdParty(t *testing.T) {
	bounce := func(name, addr, b string, ds ...string) evidence.Mail {
		m := from(0, name, addr)
		m.BounceDomain, m.DisplayNameDomains = b, ds
		return m
	}
	tests := []struct {
		name, target string
		m            evidence.Mail
		want         []string
	}{
		{"the vendor's tracking subdomain", "jeparticipe.ville.fr", bounce("Ville", "a@vendor.com", "track.vendor.com"), []string{"track.vendor.com"}},
		{"the organisation's bounce subdomain", "jeparticipe.ville.fr", bounce("Ville", "a@ville.fr", "bounces.ville.fr"), nil},
		{"no Return-Path", "jeparticipe.ville.fr", bounce("Ville", "a@ville.fr", ""), nil},
		{"mail alone: the named organisation's", "", bounce("Ville de Ville", "a@vendor.com", "track.vendor.com", "ville.fr"), []string{"track.vendor.com"}},
		{"mail alone: the From domain's", "", bounce("Newsletter", "a@club.fr", "bounce.club.fr"), nil},
		{"mail alone: a provider's", "", bounce("Newsletter", "a@club.fr", "sendgrid.net"), []string{"sendgrid.net"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got, _ := mailRun(t, mailBounceDomainThirdParty, mailEvidence(tt.target, tt.m), nil)
			if !slices.Equal(got, tt.want) || (len(tt.want) == 0) != (status == StatusPass) {
				t.Errorf("got %s %v, want %v", status, got, tt.want)
			}
		})
	}
	// The CNAME behind the bounce domain and its owner are named.
	ev := mailEvidence("jeparticipe.ville.fr", bounce("Ville", "a@vendor.com", "track.vendor.com"))
	ev.DNS.Resolutions = []evidence.Resolution{res("track.vendor.com", evidence.ResolvedOK, "mandrillapp.com")}
	ev.Hosts = []evidence.Host{{ID: "host/mandrillapp.com", Name: "mandrillapp.com", DomainOwner: "org/mandrill"}}
	ev.Organisations = []evidence.Organisation{{ID: "org/mandrill", Name: "Mandrill", Country: "US"}}
	_, _, fs := mailRun(t, mailBounceDomainThirdParty, ev, nil)
	if len(fs) != 1 || !strings.Contains(fs[0].Summary, "CNAME to mandrillapp.com") || !strings.Contains(fs[0].Summary, "Mandrill (US)") ||
		!slices.Contains(fs[0].Evidence, "dns/track.vendor.com") || !slices.Contains(fs[0].Evidence, "org/mandrill") {
		t.Errorf("findings %+v", fs)
	}
}

func TestMailTracking(t *testing.T) {
	m := from(0, "Ville", "a@ville.fr")
	m.Links = []evidence.MailLink{
		{ID: "mail/0/link/0", URL: "https://mandrillapp.com/track/click/1/x?p=[redacted]", Host: "mandrillapp.com", Redirector: "mandrill", Destination: "https://jeparticipe.ville.fr/confirm"},
		{ID: "mail/0/link/1", URL: "https://jeparticipe.ville.fr/", Host: "jeparticipe.ville.fr"},
	}
	m.Images = []evidence.MailImage{
		{ID: "mail/0/img/0", URL: "https://mandrillapp.com/track/open.php?u=[redacted]", Host: "mandrillapp.com", Pixel: true, Reason: "known open-tracking path (mandrill)"},
		{ID: "mail/0/img/1", URL: "https://ville.fr/logo.png", Host: "ville.fr"},
	}
	clean := from(0, "Ville", "a@ville.fr")
	clean.Links, clean.Images = m.Links[1:], m.Images[1:]
	tests := []struct {
		c    *Check
		m    evidence.Mail
		want []string
	}{
		{mailClickTracking, m, []string{"mandrill"}},
		{mailClickTracking, clean, nil},
		{mailOpenTracking, m, []string{"mandrillapp.com"}},
		{mailOpenTracking, clean, nil},
	}
	for _, tt := range tests {
		status, got, fs := mailRun(t, tt.c, mailEvidence("jeparticipe.ville.fr", tt.m), nil)
		if !slices.Equal(got, tt.want) || (len(tt.want) == 0) != (status == StatusPass) {
			t.Errorf("%s: got %s %v, want %v", tt.c.ID, status, got, tt.want)
		}
		if tt.c == mailClickTracking && len(fs) == 1 && (!strings.Contains(fs[0].Summary, "https://jeparticipe.ville.fr/confirm") || !slices.Contains(fs[0].Evidence, "mail/0/link/0")) {
			t.Errorf("click finding %+v lacks the decoded destination or the link", fs[0])
		}
		if tt.c == mailOpenTracking && len(fs) == 1 && !slices.Contains(fs[0].Evidence, "mail/0/img/0") {
			t.Errorf("open finding %+v lacks the image", fs[0])
		}
	}
}

func TestMailAuthMisaligned(t *testing.T) {
	ar := func(server, method, result, domain string) evidence.AuthResult {
		return evidence.AuthResult{Source: "authentication-results", Server: server, Method: method, Result: result, Domain: domain}
	}
	auth := func(addr string, dkim []evidence.DKIMSignature, rs ...evidence.AuthResult) evidence.Mail {
		m := from(0, "Ville", addr)
		m.DKIM, m.AuthResults = dkim, rs
		return m
	}
	pass := func(d string) []evidence.DKIMSignature {
		return []evidence.DKIMSignature{{Domain: d, Selector: "s", Result: "pass"}}
	}
	tests := []struct {
		name   string
		m      evidence.Mail
		status Status
		want   []string
	}{
		{"the receiver's DMARC fails", auth("a@ville.fr", nil, ar("mx.e.net", "spf", "pass", "sendgrid.net"), ar("mx.e.net", "dmarc", "fail", "ville.fr")), StatusFail, []string{"ville.fr"}},
		{"SPF and DKIM pass for a provider only", auth("a@ville.fr", nil, ar("mx.e.net", "spf", "pass", "sendgrid.net"), ar("mx.e.net", "dkim", "pass", "sendgrid.net")), StatusFail, []string{"ville.fr"}},
		{"the receiver's DMARC verdict wins (strict alignment)", auth("a@ville.fr", nil, ar("mx.e.net", "spf", "pass", "bounce.ville.fr"), ar("mx.e.net", "dmarc", "fail", "ville.fr")), StatusFail, []string{"ville.fr"}},
		{"SPF aligned (relaxed)", auth("a@news.ville.fr", nil, ar("mx.e.net", "spf", "pass", "bounce.ville.fr")), StatusPass, nil},
		{"DKIM verified by vigie, aligned", auth("a@ville.fr", pass("ville.fr")), StatusPass, nil},
		{"DKIM verified by vigie for a provider, no receiver verdict", auth("a@ville.fr", pass("sendgrid.net")), StatusNotEvaluated, nil},
		{"nothing to judge", auth("a@ville.fr", []evidence.DKIMSignature{{Domain: "ville.fr", Result: "permerror"}}), StatusNotEvaluated, nil},
		{"an older, forgeable verdict is not the receiver's", auth("a@ville.fr", nil,
			ar("mx.e.net", "spf", "fail", "ville.fr"), ar("forged.example", "dkim", "pass", "ville.fr"), ar("forged.example", "dmarc", "pass", "ville.fr")), StatusFail, []string{"ville.fr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got, _ := mailRun(t, mailAuthMisaligned, mailEvidence("jeparticipe.ville.fr", tt.m), nil)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

func TestMailCodeWithIdentity(t *testing.T) {
	code := []evidence.CodeMatch{{Kind: "url-parameter", Where: "mail/0/link/0", Value: "[redacted]"}}
	named := []evidence.Span{{Source: "mail/0/header/to", Text: "[redacted]"}, {Source: "mail/0/text", Text: "Bonjour [redacted],"}}
	tests := []struct {
		name  string
		codes []evidence.CodeMatch
		named []evidence.Span
		want  []string
	}{
		{"code and name", code, named, []string{"a@vendor.com"}},
		{"code alone", code, nil, nil},
		{"name alone", nil, named, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := from(0, "Ville", "a@vendor.com")
			m.Codes, m.RecipientNamed = tt.codes, tt.named
			status, got, fs := mailRun(t, mailCodeWithIdentity, mailEvidence("jeparticipe.ville.fr", m), nil)
			if !slices.Equal(got, tt.want) || (len(tt.want) == 0) != (status == StatusPass) {
				t.Errorf("got %s %v, want %v", status, got, tt.want)
			}
			if len(fs) == 1 && (!slices.Contains(fs[0].Evidence, "mail/0/link/0") || !strings.Contains(fs[0].Summary, "Bonjour [redacted],")) {
				t.Errorf("finding %+v", fs[0])
			}
		})
	}
}

// analyseLab analyses a lab mail fixture, redacted, without DNS.
func analyseLab(t *testing.T, name string) evidence.Mail {
	t.Helper()
	raw, err := scantest.MailFixture(name)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := mail.Split(name, raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.Analyse(context.Background(), "mail/0", msgs[0], mail.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMailChecksOnFixtures runs the mail checks end to end on the lab's
// mails, alone and beside a scan of their site: the founding mail fires
// every check its facts call for, the clean one none.
func TestMailChecksOnFixtures(t *testing.T) {
	all := []string{"mail.sender-identity-mismatch", "mail.third-party-relay", "mail.bounce-domain-third-party",
		"mail.click-tracking", "mail.open-tracking", "mail.code-with-identity"}
	tests := []struct {
		fixture, target string
		fail            []string
	}{
		// The founding mail passes SPF and DMARC for its own From domain (the
		// vendor's): its fault is that domain, which sender-identity-mismatch
		// reports, not misalignment.
		{scantest.MailFounding, "", all},
		{scantest.MailFounding, "jeparticipe.ville-exemple.fr", all},
		{scantest.MailClean, "", nil},
		{scantest.MailClean, "participez.commune-propre.fr", nil},
		{"sendgrid.eml", "jeparticipe.ville-exemple.fr", []string{"mail.third-party-relay", "mail.bounce-domain-third-party",
			"mail.click-tracking", "mail.open-tracking", "mail.auth-misaligned"}},
		{"ses.eml", "", []string{"mail.sender-identity-mismatch", "mail.third-party-relay", "mail.bounce-domain-third-party",
			"mail.click-tracking", "mail.open-tracking", "mail.auth-misaligned", "mail.code-with-identity"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.target, func(t *testing.T) {
			ev := mailEvidence(tt.target, analyseLab(t, tt.fixture))
			out := RunChecks(MailChecks, ev, nil, testNow)
			var failed []string
			for _, r := range out.Results {
				switch r.Status {
				case StatusFail:
					failed = append(failed, r.Check)
				case StatusPass:
				default:
					t.Errorf("%s: %s (%s)", r.Check, r.Status, r.Reason)
				}
			}
			slices.Sort(failed)
			want := slices.Sorted(slices.Values(tt.fail))
			if !slices.Equal(failed, want) {
				t.Errorf("failed %v\nwant   %v", failed, want)
			}
			for _, f := range out.Findings {
				if !slices.Contains(f.Evidence, "mail/0") {
					t.Errorf("%s cites %v, not the mail", f.ID, f.Evidence)
				}
			}
			b, _ := json.Marshal(out)
			for _, secret := range []string{"Marie", "Dupont", "4821-3957", "9f4c2a7e81b34d6fa0c5e2b7d19a3f68", "7Q2M-X9KD", "Bernard"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("findings carry the personal value %q", secret)
				}
			}
		})
	}
}

package mail

import (
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Fingerprint is how an email service provider (or a mailbox provider)
// shows in a message. Entity is its key in the entity catalogue
// (scanner/entities), so that reports can name its owner and country.
// Host and domain lists match the name itself or any name below it.
type Fingerprint struct {
	Entity string
	// Headers are header fields the provider adds.
	Headers []HeaderSignal
	// Relays are the host names of its sending servers (Received hops).
	Relays []string
	// DKIM are the d= domains it signs with.
	DKIM []string
	// MessageIDs are the domains of the Message-IDs it writes.
	MessageIDs []string
	// Bounces are its Return-Path (bounce) domains; BounceLocal the
	// prefixes of the Return-Path local parts it writes (VERP); BounceHost
	// the first labels of the custom bounce hosts it has customers create.
	Bounces     []string
	BounceLocal []string
	BounceHost  []string
	// Links are the hosts of its click-tracking links and open pixels.
	Links []string
}

// HeaderSignal is a header field a provider adds: Name, and when Contains
// is set, a value containing it (case-insensitive). A Weak signal is
// ambiguous on its own (another service writes the same header, or the
// recipient's provider may add it): it is listed only beside a strong one.
type HeaderSignal struct {
	Name     string
	Contains string
	Weak     bool
}

// Fingerprints lists the providers vigie recognises. Written from each
// provider's documentation of its headers, sending domains, DKIM and
// tracking, and from observed messages; the mail/testdata fixtures and
// scantest's mails hold a message in each provider's shape.
var Fingerprints = []Fingerprint{
	{
		// Mandrill (Mailchimp Transactional): X-Mandrill-User, relays
		// mail*.mandrillapp.com, VERP bounces bounce-md_<user>.<id>@…, links
		// mandrillapp.com/track/click and /track/open.php.
		Entity: "mandrill",
		Headers: []HeaderSignal{
			{Name: "X-Mandrill-User"},
			{Name: "X-Report-Abuse", Contains: "mandrill"},
		},
		Relays:      []string{"mandrillapp.com", "mandrill.com", "rsglab.com"},
		DKIM:        []string{"mandrillapp.com", "mandrill.com"},
		MessageIDs:  []string{"mandrillapp.com"},
		Bounces:     []string{"mandrillapp.com"},
		BounceLocal: []string{"bounce-md_"},
		Links:       []string{"mandrillapp.com"},
	},
	{
		// Mailchimp (marketing): X-MC-User, relays *.mcsv.net / *.mcdlv.net /
		// *.rsgsv.net, bounces bounce-mc.<dc>_…@…, links *.list-manage.com.
		Entity: "mailchimp",
		Headers: []HeaderSignal{
			{Name: "X-Mc-User"},
			{Name: "X-Campaignid", Contains: "mailchimp"},
			{Name: "X-Report-Abuse", Contains: "mailchimp"},
		},
		Relays:      []string{"mcsv.net", "mcdlv.net", "rsgsv.net"},
		DKIM:        []string{"mcsv.net", "mcdlv.net", "mailchimpapp.net"},
		MessageIDs:  []string{"mcsv.net", "mcdlv.net", "rsgsv.net"},
		Bounces:     []string{"mcsv.net", "mcdlv.net", "rsgsv.net"},
		BounceLocal: []string{"bounce-mc."},
		Links:       []string{"list-manage.com", "mailchi.mp"},
	},
	{
		// Twilio SendGrid: X-SG-EID / X-SG-ID, relays *.sendgrid.net, DKIM
		// d=sendgrid.net, bounces bounces+<uid>-…@…, links *.ct.sendgrid.net.
		Entity:      "sendgrid",
		Headers:     []HeaderSignal{{Name: "X-Sg-Eid"}, {Name: "X-Sg-Id"}},
		Relays:      []string{"sendgrid.net"},
		DKIM:        []string{"sendgrid.net", "sendgrid.info"},
		MessageIDs:  []string{"sendgrid.net"},
		Bounces:     []string{"sendgrid.net"},
		BounceLocal: []string{"bounces+"},
		Links:       []string{"sendgrid.net"},
	},
	{
		// Mailgun: X-Mailgun-Sid, relays *.mailgun.net, DKIM d=mailgun.org,
		// bounces bounce+<id>-…@<sending domain>.
		Entity: "mailgun",
		Headers: []HeaderSignal{
			{Name: "X-Mailgun-Sid"},
			{Name: "X-Mailgun-Variables"},
			{Name: "X-Mailgun-Tag"},
		},
		Relays:      []string{"mailgun.net", "mailgun.org", "mailgun.info"},
		DKIM:        []string{"mailgun.org", "mailgun.net"},
		MessageIDs:  []string{"mailgun.org", "mailgun.net"},
		Bounces:     []string{"mailgun.org", "mailgun.net"},
		BounceLocal: []string{"bounce+"},
		Links:       []string{"mailgun.org", "mailgun.net"},
	},
	{
		// Amazon SES: Feedback-ID …:AmazonSES, X-SES-Outgoing, relays
		// *.smtp-out.<region>.amazonses.com, DKIM d=amazonses.com, Message-ID
		// …@<region>.amazonses.com, links *.awstrack.me.
		Entity: "amazon-ses",
		Headers: []HeaderSignal{
			{Name: "Feedback-Id", Contains: ":amazonses"},
			{Name: "X-Ses-Outgoing"},
		},
		Relays:     []string{"amazonses.com"},
		DKIM:       []string{"amazonses.com"},
		MessageIDs: []string{"amazonses.com"},
		Bounces:    []string{"amazonses.com"},
		Links:      []string{"awstrack.me"},
	},
	{
		// Brevo (Sendinblue): X-Mailin-EID, X-sib-id, relays
		// *.sendinblue.com / *.brevo.com / *.sendibt*.com, Message-ID
		// …@smtp-relay.mailin.fr, links *.sendibt3.com /tr/cl/, *.sp1-brevo.net.
		Entity: "brevo",
		Headers: []HeaderSignal{
			{Name: "X-Mailin-Eid"},
			{Name: "X-Sib-Id"},
			{Name: "X-Mailer", Contains: "sendinblue"},
			{Name: "X-Mailer", Contains: "brevo"},
		},
		Relays:     []string{"sendinblue.com", "brevo.com", "mailin.fr", "sendibt2.com", "sendibt3.com", "sendibm1.com", "sp1-brevo.net", "smtp-brevo.com"},
		DKIM:       []string{"sendinblue.com", "brevo.com", "mailin.fr"},
		MessageIDs: []string{"mailin.fr", "sendinblue.com", "brevo.com", "smtp-brevo.com"},
		Bounces:    []string{"sendinblue.com", "brevo.com", "mailin.fr"},
		Links:      []string{"sendibt2.com", "sendibt3.com", "sendibm1.com", "sp1-brevo.net", "sibautomation.com"},
	},
	{
		// Mailjet: X-MJ-Mid, Feedback-ID …:MJ, relays *.mailjet.com,
		// bounces …@bnc3.mailjet.com, links *.mjt.lu.
		Entity: "mailjet",
		Headers: []HeaderSignal{
			{Name: "X-Mj-Mid"},
			{Name: "X-Mailjet-Campaign"},
			{Name: "Feedback-Id", Contains: ":mj"},
			{Name: "X-Csa-Complaints", Weak: true},
		},
		Relays:     []string{"mailjet.com"},
		DKIM:       []string{"mailjet.com"},
		MessageIDs: []string{"mailjet.com"},
		Bounces:    []string{"mailjet.com"},
		Links:      []string{"mjt.lu"},
	},
	{
		// Postmark: relays *.mtasv.net, DKIM d=pm.mtasv.net, custom bounce
		// hosts pm-bounces.<domain>, links click.pstmrk.it. Its X-PM-*
		// headers are weak: ProtonMail writes X-Pm-Message-Id and other
		// X-Pm-* headers, and header names are case-insensitive.
		Entity: "postmark",
		Headers: []HeaderSignal{
			{Name: "X-Complaints-To", Contains: "postmarkapp.com"},
			{Name: "X-Pm-Message-Id", Weak: true},
			{Name: "X-Pm-Rcpt", Weak: true},
			{Name: "X-Pm-Tag", Weak: true},
		},
		Relays:     []string{"mtasv.net", "postmarkapp.com"},
		DKIM:       []string{"mtasv.net", "postmarkapp.com"},
		MessageIDs: []string{"mtasv.net"},
		Bounces:    []string{"mtasv.net", "postmarkapp.com"},
		BounceHost: []string{"pm-bounces"},
		Links:      []string{"pstmrk.it"},
	},
	{
		// SparkPost: X-MSFBL, relays *.sparkpostmail.com, DKIM
		// d=sparkpostmail.com, bounces msprvs1=…@…, links spgo.io.
		Entity:      "sparkpost",
		Headers:     []HeaderSignal{{Name: "X-Msfbl"}},
		Relays:      []string{"sparkpostmail.com"},
		DKIM:        []string{"sparkpostmail.com"},
		MessageIDs:  []string{"sparkpostmail.com"},
		Bounces:     []string{"sparkpostmail.com"},
		BounceLocal: []string{"msprvs1="},
		Links:       []string{"spgo.io"},
	},
	{
		// Microsoft 365 (Exchange Online): relays *.outbound.protection.outlook.com
		// and *.prod.outlook.com, DKIM d=<tenant>.onmicrosoft.com, Message-IDs
		// …@<server>.prod.outlook.com. Its X-MS-Exchange-* headers are weak: a
		// recipient on Microsoft 365 gets them too.
		Entity: "microsoft-365",
		Headers: []HeaderSignal{
			{Name: "X-Ms-Exchange-Crosstenant-Id", Weak: true},
			{Name: "X-Ms-Exchange-Transport-Crosstenantheadersstamped", Weak: true},
			{Name: "X-Ms-Has-Attach", Weak: true},
		},
		Relays:     []string{"outlook.com", "office365.com", "outbound.protection.outlook.com"},
		DKIM:       []string{"onmicrosoft.com"},
		MessageIDs: []string{"outlook.com", "office365.com"},
	},
	{
		// Google Workspace (Gmail): relays mail-*.google.com, DKIM
		// d=<domain>.<date>.gappssmtp.com, Message-IDs …@mail.gmail.com. Its
		// X-Google-* headers are weak: a Gmail recipient gets some too.
		Entity: "google-workspace",
		Headers: []HeaderSignal{
			{Name: "X-Gm-Message-State", Weak: true},
			{Name: "X-Google-Smtp-Source", Weak: true},
			{Name: "X-Google-Dkim-Signature", Weak: true},
		},
		Relays:     []string{"google.com", "gmail.com", "googlemail.com"},
		DKIM:       []string{"gappssmtp.com", "gmail.com", "googlemail.com"},
		MessageIDs: []string{"mail.gmail.com"},
	},
	{
		// Proton Mail, a mailbox provider, so that its messages (X-Pm-*
		// headers) are not taken for Postmark's.
		Entity: "proton",
		Headers: []HeaderSignal{
			{Name: "X-Pm-Origin"},
			{Name: "X-Pm-Content-Encryption"},
			{Name: "X-Pm-Spamscore", Weak: true},
			{Name: "X-Pm-Message-Id", Weak: true},
		},
		Relays:     []string{"protonmail.ch", "protonmail.com", "proton.me"},
		DKIM:       []string{"protonmail.com", "protonmail.ch", "proton.me", "pm.me"},
		MessageIDs: []string{"protonmail.com", "protonmail.ch", "proton.me", "pm.me"},
	},
}

// matchProviders records the providers whose fingerprint matches, each with
// the signals that matched; weak signals alone match nothing.
func (a *analysis) matchProviders() {
	for _, fp := range Fingerprints {
		var strong, weak []string
		add := func(w bool, s string) {
			list := &strong
			if w {
				list = &weak
			}
			if !slices.Contains(*list, s) {
				*list = append(*list, s)
			}
		}
		for _, hs := range fp.Headers {
			for _, f := range a.headers {
				if !strings.EqualFold(f.key, hs.Name) || (hs.Contains != "" && !strings.Contains(strings.ToLower(f.value), hs.Contains)) {
					continue
				}
				s := evidence.SignalHeader + " " + f.key
				if hs.Contains != "" {
					s += " (" + hs.Contains + ")"
				}
				add(hs.Weak, s)
			}
		}
		relays := map[string]bool{}
		for _, h := range a.relayHosts() {
			if inDomains(h.name, fp.Relays) && !relays[h.name] {
				relays[h.name] = true
				add(false, evidence.SignalRelay+" "+h.name+" ("+h.hop+")")
			}
		}
		for _, d := range a.mail.DKIM {
			if inDomains(d.Domain, fp.DKIM) {
				add(false, evidence.SignalDKIM+" d="+d.Domain)
			}
		}
		if inDomains(a.mail.MessageIDDomain, fp.MessageIDs) {
			add(false, evidence.SignalMessageID+" @"+a.mail.MessageIDDomain)
		}
		if b := a.mail.BounceDomain; b != "" {
			if inDomains(b, fp.Bounces) {
				add(false, evidence.SignalReturnPath+" @"+b)
			}
			for _, p := range fp.BounceHost {
				if strings.HasPrefix(b, p+".") {
					add(false, evidence.SignalReturnPath+" @"+b+" ("+p+".)")
				}
			}
			local := strings.ToLower(localPart(a.mail.ReturnPath))
			for _, p := range fp.BounceLocal {
				if strings.HasPrefix(local, p) {
					add(false, evidence.SignalReturnPath+" "+p+"… (local part)")
				}
			}
		}
		for _, l := range a.mail.Links {
			if inDomains(l.Host, fp.Links) {
				add(false, evidence.SignalLink+" "+l.Host)
			}
		}
		for _, i := range a.mail.Images {
			if inDomains(i.Host, fp.Links) {
				add(false, evidence.SignalLink+" "+i.Host)
			}
		}
		if len(strong) == 0 {
			continue
		}
		a.mail.Providers = append(a.mail.Providers, evidence.ProviderMatch{
			Entity:       fp.Entity,
			Organisation: "org/" + fp.Entity,
			Signals:      append(strong, weak...),
		})
	}
	slices.SortFunc(a.mail.Providers, func(x, y evidence.ProviderMatch) int { return strings.Compare(x.Entity, y.Entity) })
}

// hostUse is a host name seen in a message and the record it was seen in.
type hostUse struct{ name, hop string }

// relayHosts lists the hosts that handled the message for the sender: the
// sending and receiving hosts of the hops before the recipient's, and the
// host that handed the message to the recipient.
func (a *analysis) relayHosts() []hostUse {
	return relayHosts(a.mail.Hops)
}

func relayHosts(hops []evidence.Hop) []hostUse {
	var out []hostUse
	handover := true // the oldest recipient hop's sender is still the sender's relay
	for _, h := range hops {
		if h.Side == evidence.HopRecipient {
			if handover && validHost(h.From) {
				out = append(out, hostUse{h.From, h.ID})
			}
			handover = false
			continue
		}
		for _, n := range []string{h.From, h.By} {
			if validHost(n) {
				out = append(out, hostUse{n, h.ID})
			}
		}
	}
	return out
}

package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

var mailSenderIdentityMismatch = &Check{
	ID:       "mail.sender-identity-mismatch",
	Title:    "A mail speaks for the organisation from another organisation's address",
	Severity: Medium,
	Rationale: "The From display name is what citizens read: a mail signed with the city's name but " +
		"sent from a vendor's address tells them the city wrote it, while the vendor holds the " +
		"mailbox, the replies and the sending reputation. It hides a processor from the people " +
		"whose data it handles, and teaches them to trust the city's name on any domain — which " +
		"is how phishing works.",
	Refs: []string{
		"GDPR art. 5(1)(a) (fairness and transparency) and art. 13 (identity of the controller and recipients)",
		"RFC 5322 §3.6.2 (From: the author of the message)",
		"RFC 7489 (DMARC): the From domain is the identity receivers authenticate",
	},
	Remediation: "Send the organisation's mail from its own domain (participation@<city>.fr), through its own " +
		"mail servers or a subdomain it delegates to the vendor with SPF, DKIM and DMARC; never put the " +
		"organisation's name on another organisation's address.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		var out []Finding
		for _, m := range parsedMails(p.Evidence) {
			name, dom := strings.TrimSpace(m.From.Name), m.From.Domain
			if name == "" || dom == "" {
				continue
			}
			orgs := mailOrgDomains(p, m)
			if !speaksFor(p, name, orgs) || names.InDomains(dom, orgs) {
				continue
			}
			if len(orgs) == 0 {
				if label := domainLabel(dom); len(label) >= 4 && strings.Contains(names.FoldAlnum(name), label) {
					continue // the name names the address's own domain
				}
			}
			summary := fmt.Sprintf("%s says it is from %q, but its address %s is in %s, ", m.ID, name, m.From.Address, dom)
			if len(orgs) > 0 {
				summary += fmt.Sprintf("not in the organisation's domains (%s).", strings.Join(orgs, ", "))
			} else {
				summary += "a domain whose name does not appear in the name the mail speaks for."
			}
			refs := []string{m.ID}
			if h := host(p.Evidence, dom); h != nil {
				refs = append(refs, h.ID)
				if o := organisation(p.Evidence, h.DomainOwner); o != nil {
					summary += fmt.Sprintf(" %s belongs to %s.", dom, orgText(o))
					refs = append(refs, o.ID)
				}
			}
			out = mergeFinding(out, Finding{Subject: strings.ToLower(m.From.Address), Summary: summary, Evidence: refs})
		}
		return out, nil
	},
}

var mailThirdPartyRelay = &Check{
	ID:       "mail.third-party-relay",
	Title:    "The organisation's mail is relayed by an email service provider",
	Severity: Medium,
	Rationale: "An email service provider that relays the mail receives every recipient's address, the " +
		"message itself (names, codes, links) and, usually, the opens and clicks. It is a processor " +
		"that must be under contract and named to citizens; one registered outside the EU/EEA is " +
		"subject to its own country's access laws. When the organisation runs its own mail servers, " +
		"the relay is also a choice, not a necessity.",
	Refs: []string{
		"GDPR art. 28 (processors) and art. 13 (recipients of the data)",
		"GDPR art. 44-49 (transfers to third countries)",
		"CJEU C-311/18 Schrems II (2020)",
	},
	Remediation: "Send through the organisation's own mail servers (its MX) or an EU-operated relay under an " +
		"art. 28 contract, and name it in the privacy notice; open-source MTAs (Postfix, OpenSMTPD) on " +
		"the organisation's infrastructure do the job without a third party.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		type relay struct {
			mails, signals, refs []string
			orgs                 []string // the organisation domains of the mails
		}
		byEntity := map[string]*relay{}
		var order []string
		for _, m := range parsedMails(ev) {
			for _, pm := range m.Providers {
				sending := sendingSignals(pm)
				if len(sending) == 0 {
					continue // link tracking only: the tracking checks speak of it
				}
				r := byEntity[pm.Entity]
				if r == nil {
					r = &relay{}
					byEntity[pm.Entity] = r
					order = append(order, pm.Entity)
				}
				r.mails = appendNew(r.mails, m.ID)
				for _, s := range sending {
					r.signals = appendNew(r.signals, s)
				}
				r.refs = append(r.refs, m.ID)
				for _, h := range m.Hops {
					if h.Side == evidence.HopRelay {
						r.refs = append(r.refs, h.ID)
					}
				}
				if pm.Organisation != "" && organisation(ev, pm.Organisation) != nil {
					r.refs = append(r.refs, pm.Organisation)
				}
				for _, d := range mailOrgDomains(p, m) {
					r.orgs = appendNew(r.orgs, d)
				}
			}
		}
		var out []Finding
		for _, entity := range order {
			r := byEntity[entity]
			summary := fmt.Sprintf("%s relayed by %s.", mailList(r.mails), providerText(ev, entity))
			summary += ownMailServers(ev, r.orgs, &r.refs)
			if op := relayOperators(ev, r.signals, entity); len(op) > 0 {
				var names []string
				for _, o := range op {
					names = append(names, orgText(o))
					r.refs = append(r.refs, o.ID)
				}
				summary += fmt.Sprintf(" Its servers' networks are operated by %s.", strings.Join(names, ", "))
			}
			summary += " Recognised by: " + signalList(r.signals) + "."
			r.refs = append(r.refs, signalHops(r.signals)...)
			out = append(out, Finding{Subject: entity, Summary: summary, Evidence: r.refs})
		}
		return out, nil
	},
}

var mailBounceDomainThirdParty = &Check{
	ID:       "mail.bounce-domain-third-party",
	Title:    "Bounces of the organisation's mail go to another organisation's domain",
	Severity: Low,
	Rationale: "The Return-Path is where delivery failures go: each bounce carries the recipient's address " +
		"and often the message. When it is another organisation's domain, that organisation learns " +
		"who could not be reached, and the organisation that speaks in the mail never does.",
	Refs: []string{
		"RFC 5321 §4.4 (Return-Path: where delivery failure notices are sent)",
		"GDPR art. 28 (processors)",
	},
	Remediation: "Use a Return-Path in the organisation's own domain (bounces@<city>.fr, or a subdomain it " +
		"controls), handled by its own mail servers, so that delivery failures come back to it.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		var out []Finding
		for _, m := range parsedMails(ev) {
			b := m.BounceDomain
			if b == "" {
				continue
			}
			orgs := mailOrgDomains(p, m)
			if len(orgs) == 0 {
				if d := registrable(m.From.Domain); d != "" {
					orgs = []string{d}
				}
			}
			if len(orgs) == 0 || names.InDomains(b, orgs) {
				continue
			}
			summary := fmt.Sprintf("Bounces of %s go to %s, outside the organisation's domains (%s).", m.ID, b, strings.Join(orgs, ", "))
			refs := []string{m.ID}
			if r := ev.DNS.Resolution(b); r != nil && len(r.Chain) > 0 {
				summary += fmt.Sprintf(" %s is a CNAME to %s.", b, r.Canonical)
				refs = append(refs, r.ID)
				if h := host(ev, r.Canonical); h != nil {
					if o := organisation(ev, h.DomainOwner); o != nil {
						summary += fmt.Sprintf(" %s belongs to %s.", r.Canonical, orgText(o))
						refs = append(refs, h.ID, o.ID)
					}
				}
			}
			if h := host(ev, b); h != nil {
				refs = append(refs, h.ID)
				if o := organisation(ev, h.DomainOwner); o != nil {
					summary += fmt.Sprintf(" %s belongs to %s.", b, orgText(o))
					refs = append(refs, o.ID)
				}
			}
			out = mergeFinding(out, Finding{Subject: b, Summary: summary, Evidence: refs})
		}
		return out, nil
	},
}

var mailClickTracking = &Check{
	ID:       "mail.click-tracking",
	Title:    "Links in the organisation's mail go through a click tracker",
	Severity: Medium,
	Rationale: "A rewritten link sends every click to the tracking service first: it records who clicked " +
		"which link, when, from which address and browser, tied to the recipient, before forwarding to " +
		"the real page. Reading a confirmation or an invitation should not be reported to a third party; " +
		"this is access to information on the recipient's terminal and needs consent.",
	Refs: []string{
		"Directive 2002/58/EC (ePrivacy) art. 5(3)",
		"GDPR art. 6 and 7 (lawful basis, consent)",
		"CNIL, délibération n° 2020-091 (lignes directrices « cookies et autres traceurs »)",
	},
	Remediation: "Turn click tracking off in the sending service (Mandrill: track_clicks false; SendGrid: " +
		"click_tracking disabled) and link straight to the organisation's own pages.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		var out []Finding
		for _, m := range parsedMails(ev) {
			for _, l := range m.Links {
				if l.Redirector == "" {
					continue
				}
				summary := fmt.Sprintf("A link of %s goes through the click tracker of %s (%s)", m.ID, providerText(ev, l.Redirector), l.Host)
				if l.Destination != "" {
					summary += fmt.Sprintf(" before reaching %s", l.Destination)
				} else {
					summary += "; the real destination is not readable in the link"
				}
				summary += ": each click is recorded, tied to the recipient."
				refs := []string{m.ID, l.ID}
				if o := organisation(ev, "org/"+l.Redirector); o != nil {
					refs = append(refs, o.ID)
				}
				out = mergeFinding(out, Finding{Subject: l.Redirector, Summary: summary, Evidence: refs})
			}
		}
		return out, nil
	},
}

var mailOpenTracking = &Check{
	ID:       "mail.open-tracking",
	Title:    "The organisation's mail loads a remote tracking pixel",
	Severity: Medium,
	Rationale: "A remote image made for one recipient (a 1×1 pixel, or a known open-tracking address) tells " +
		"its host when, how often and from which IP address the mail was opened. This is access to the " +
		"recipient's terminal for tracking and needs consent; for a citizen's invitation it is reading " +
		"surveillance.",
	Refs: []string{
		"Directive 2002/58/EC (ePrivacy) art. 5(3)",
		"GDPR art. 6 and 7 (lawful basis, consent)",
		"CNIL, délibération n° 2020-091 (lignes directrices « cookies et autres traceurs »)",
	},
	Remediation: "Turn open tracking off in the sending service (Mandrill: track_opens false); send mails " +
		"without remote images, or with images carrying no per-recipient identifier, served by the " +
		"organisation.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		var out []Finding
		for _, m := range parsedMails(ev) {
			for _, img := range m.Images {
				if !img.Pixel {
					continue
				}
				summary := fmt.Sprintf("%s loads a tracking pixel from %s (%s): opening the mail tells its host that, when and from where the recipient read it.", m.ID, img.Host, img.Reason)
				refs := []string{m.ID, img.ID}
				if h := host(ev, img.Host); h != nil {
					refs = append(refs, h.ID)
					if o := organisation(ev, h.DomainOwner); o != nil {
						summary += fmt.Sprintf(" %s belongs to %s.", img.Host, orgText(o))
						refs = append(refs, o.ID)
					}
				}
				out = mergeFinding(out, Finding{Subject: img.Host, Summary: summary, Evidence: refs})
			}
		}
		return out, nil
	},
}

var mailAuthMisaligned = &Check{
	ID:       "mail.auth-misaligned",
	Title:    "The mail's SPF and DKIM do not align with its From domain",
	Severity: Medium,
	Rationale: "DMARC protects a domain only when the mail passes SPF or DKIM under that same domain. A mail " +
		"whose From says the organisation but which is authenticated only under a provider's domain " +
		"fails DMARC: it may land in spam, and it cannot be told apart from a forgery — so the " +
		"organisation cannot enforce a strict DMARC policy against phishing in its name.",
	Refs: []string{
		"RFC 7489 (DMARC) §3.1 (identifier alignment)",
		"RFC 7208 (SPF) and RFC 6376 (DKIM)",
	},
	Remediation: "Sign with DKIM under the From domain (or a subdomain of it) and use a Return-Path in it with " +
		"SPF, so that DMARC aligns; then publish DMARC p=quarantine or p=reject.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		ev := p.Evidence
		var out []Finding
		judged := 0
		for _, m := range parsedMails(ev) {
			from := registrable(m.From.Domain)
			if from == "" {
				continue
			}
			v := alignment(m, from)
			if !v.judged {
				continue
			}
			judged++
			if v.aligned {
				continue
			}
			summary := fmt.Sprintf("%s is From %s, but ", m.ID, m.From.Domain)
			switch {
			case len(v.spf) == 0 && len(v.dkim) == 0:
				summary += "it passes neither SPF nor DKIM"
			default:
				var parts []string
				if len(v.spf) > 0 {
					parts = append(parts, "SPF passes for "+strings.Join(v.spf, ", "))
				}
				if len(v.dkim) > 0 {
					parts = append(parts, "DKIM passes for "+strings.Join(v.dkim, ", "))
				}
				summary += strings.Join(parts, " and ") + ", not for " + from
			}
			summary += ": DMARC alignment fails"
			if v.dmarc != "" {
				summary += fmt.Sprintf(" (the receiving server's DMARC verdict: %s)", v.dmarc)
			}
			summary += "."
			refs := []string{m.ID}
			if z := ev.DNS.Zone(from); z != nil {
				refs = append(refs, z.ID)
				if z.DMARC != "" {
					summary += fmt.Sprintf(" %s publishes %q.", from, z.DMARC)
				} else {
					summary += fmt.Sprintf(" %s publishes no DMARC policy.", from)
				}
			}
			out = mergeFinding(out, Finding{Subject: from, Summary: summary, Evidence: refs})
		}
		if judged == 0 {
			return nil, NotEvaluated("no mail carries the receiving server's Authentication-Results or a verified aligned DKIM signature: SPF alignment cannot be judged")
		}
		return out, nil
	},
}

var mailCodeWithIdentity = &Check{
	ID:       "mail.code-with-identity",
	Title:    "One mail carries both the recipient's identity and a participation code",
	Severity: High,
	Rationale: "When the same message names the recipient and carries their participation code or token " +
		"link, whoever handles it — the sender, its mail relay, the recipient's mailbox provider — can tie " +
		"the code, and every answer given with it, to the person. A consultation presented as anonymous " +
		"is not, and a vote is not secret.",
	Refs: []string{
		"GDPR art. 5(1)(c) (data minimisation) and art. 25 (data protection by design and by default)",
		"GDPR art. 32 (security of processing)",
	},
	Remediation: "Keep identities and participation codes apart: print the codes and mail them without names " +
		"(or hand them out at random), or send a code without any name, greeting or name-bearing address " +
		"in the same message; better, issue anonymous participation tokens (LimeSurvey anonymised " +
		"responses, Decidim) so that answers cannot be tied to participants.",
	Needs: []evidence.Kind{evidence.KindMail},
	Run: func(p *Pass) ([]Finding, error) {
		var out []Finding
		for _, m := range parsedMails(p.Evidence) {
			if len(m.Codes) == 0 || len(m.RecipientNamed) == 0 {
				continue
			}
			var where, codes, sources []string
			for _, s := range m.RecipientNamed {
				if !slices.Contains(sources, s.Source) {
					sources = append(sources, s.Source)
					where = append(where, namedText(m.ID, s))
				}
			}
			refs := []string{m.ID}
			for _, c := range m.Codes {
				codes = appendNew(codes, codeText(c))
				if strings.Contains(c.Where, "/link/") {
					refs = append(refs, c.Where)
				}
			}
			summary := fmt.Sprintf("%s names its recipient (%s) and carries %s: the code and the answers given with it can be tied to the person.",
				m.ID, strings.Join(where, "; "), strings.Join(codes, "; "))
			out = mergeFinding(out, Finding{Subject: strings.ToLower(m.From.Address), Summary: summary, Evidence: refs})
		}
		return out, nil
	},
}

// parsedMails returns the mails that could be parsed.
func parsedMails(ev *evidence.Evidence) []*evidence.Mail {
	var out []*evidence.Mail
	for i := range ev.Mails {
		if ev.Mails[i].Error == "" {
			out = append(out, &ev.Mails[i])
		}
	}
	return out
}

// mailOrgDomains returns the domains of the organisation a mail speaks for:
// the site's and the policy's, else those its From display name names.
func mailOrgDomains(p *Pass, m *evidence.Mail) []string {
	var out []string
	for _, d := range p.firstPartyDomains() {
		if d != "" {
			out = appendNew(out, d)
		}
	}
	if len(out) == 0 {
		out = append(out, m.DisplayNameDomains...)
	}
	return out
}

// publicBodyWords are (folded) words by which a display name speaks for a
// public body.
var publicBodyWords = []string{
	"villede", "villed", "mairie", "commune", "metropole", "departement", "region", "conseil", "prefecture",
	"agglomeration", "communaute", "collectivite", "cityof", "townof", "council", "municipality",
	"gemeente", "stadt", "ayuntamiento", "comunedi",
}

// speaksFor reports whether a display name speaks for the organisation: it
// contains the policy's organisation name, the name of one of its domains,
// the site's first label, or a word naming a public body.
func speaksFor(p *Pass, name string, orgs []string) bool {
	f := names.FoldAlnum(name)
	if f == "" {
		return false
	}
	if p.Policy != nil {
		if o := names.FoldAlnum(p.Policy.Organisation.Name); len(o) >= 4 && strings.Contains(f, o) {
			return true
		}
	}
	for _, d := range orgs {
		if l := domainLabel(d); len(l) >= 4 && strings.Contains(f, l) {
			return true
		}
	}
	if first, _, ok := strings.Cut(p.Evidence.Target.Host, "."); ok && first != "www" {
		if l := names.FoldAlnum(first); len(l) >= 5 && strings.Contains(f, l) {
			return true
		}
	}
	for _, w := range publicBodyWords {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// sendingSignals returns a provider match's signals that show it sending
// (not link tracking only).
func sendingSignals(pm evidence.ProviderMatch) []string {
	var out []string
	for _, s := range pm.Signals {
		if !strings.HasPrefix(s, evidence.SignalLink+" ") {
			out = append(out, s)
		}
	}
	return out
}

// maxSignals bounds the signals a summary lists; the mail records keep them all.
const maxSignals = 5

// signalList renders signals, the first maxSignals of them.
func signalList(signals []string) string {
	if len(signals) <= maxSignals {
		return strings.Join(signals, "; ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(signals[:maxSignals], "; "), len(signals)-maxSignals)
}

// signalHops returns the hop records the signals cite ("… (mail/0/hop/2)").
func signalHops(signals []string) []string {
	var out []string
	for _, s := range signals {
		if i := strings.LastIndex(s, "("); i >= 0 && strings.HasSuffix(s, ")") && strings.Contains(s[i:], "/hop/") {
			out = append(out, s[i+1:len(s)-1])
		}
	}
	return out
}

// providerText names a provider by its organisation when known, else by its catalogue key.
func providerText(ev *evidence.Evidence, entity string) string {
	if o := organisation(ev, "org/"+entity); o != nil {
		return orgText(o)
	}
	return entity
}

// relayOperators returns the organisations operating the networks of the
// provider's relay hosts (its "relay <host> (<hop>)" signals), when they
// differ from the provider itself.
func relayOperators(ev *evidence.Evidence, signals []string, entity string) []*evidence.Organisation {
	var out []*evidence.Organisation
	for _, s := range signals {
		f := strings.Fields(s)
		if len(f) < 2 || f[0] != evidence.SignalRelay {
			continue
		}
		h := host(ev, f[1])
		if h == nil || h.Operator == "" || h.Operator == "org/"+entity {
			continue
		}
		if o := organisation(ev, h.Operator); o != nil && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// ownMailServers says, when the organisation's zone has mail exchangers,
// that it has its own mail servers (and whether the mail went through them).
func ownMailServers(ev *evidence.Evidence, orgs []string, refs *[]string) string {
	var out []string
	for _, d := range orgs {
		z := ev.DNS.Zone(d)
		if z == nil || len(z.MX) == 0 {
			continue
		}
		var hosts []string
		for _, mx := range z.MX {
			if mx.Host != "." {
				hosts = append(hosts, mx.Host)
			}
		}
		if len(hosts) == 0 {
			continue
		}
		*refs = append(*refs, z.ID)
		used := false
		for _, m := range ev.Mails {
			for _, h := range m.Hops {
				// A hop's from name is the client's claim (HELO): only a
				// receiving host of the domain, or an MX host by name, counts.
				if names.InDomains(h.By, []string{d}) || slices.Contains(hosts, h.From) {
					used = true
				}
			}
		}
		s := fmt.Sprintf(" %s has its own mail servers (MX %s)", d, strings.Join(hosts, ", "))
		if used {
			s += ", which also appear in the route."
		} else {
			s += ", which this mail did not go through."
		}
		out = append(out, s)
	}
	return strings.Join(out, "")
}

// alignmentVerdict is what a mail's authentication says about its From domain.
type alignmentVerdict struct {
	judged, aligned bool
	spf, dkim       []string // domains that passed, when not aligned
	dmarc           string   // the receiving server's DMARC verdict
}

// alignment judges DMARC alignment (relaxed: same registrable domain) from
// vigie's own DKIM verification and the receiving server's
// Authentication-Results: the topmost one, the others being written
// before the mail reached the recipient and so by anyone.
func alignment(m *evidence.Mail, from string) alignmentVerdict {
	var v alignmentVerdict
	for _, d := range m.DKIM {
		if d.Result == "pass" {
			if registrable(d.Domain) == from {
				v.judged, v.aligned = true, true
				return v
			}
			v.dkim = appendNew(v.dkim, d.Domain)
		}
	}
	server := ""
	for _, r := range m.AuthResults {
		if r.Source == "authentication-results" {
			server = r.Server
			break
		}
	}
	for _, r := range m.AuthResults {
		if r.Source != "authentication-results" || r.Server != server {
			continue
		}
		switch r.Method {
		case "spf", "dkim":
			v.judged = true
			if r.Result != "pass" {
				continue
			}
			if registrable(r.Domain) == from {
				v.aligned = true
			} else if r.Method == "spf" {
				v.spf = appendNew(v.spf, r.Domain)
			} else {
				v.dkim = appendNew(v.dkim, r.Domain)
			}
		case "dmarc":
			v.judged = true
			v.dmarc = r.Result
		}
	}
	switch v.dmarc {
	case "pass":
		v.aligned = true
	case "fail":
		v.aligned = false
	}
	return v
}

// namedText describes where a mail names its recipient.
func namedText(mailID string, s evidence.Span) string {
	switch strings.TrimPrefix(s.Source, mailID+"/") {
	case "header/to":
		return "the To header"
	case "text":
		return fmt.Sprintf("the text: %q", s.Text)
	case "html":
		return fmt.Sprintf("the HTML: %q", s.Text)
	}
	return s.Source
}

// codeText describes a code found in a mail.
func codeText(c evidence.CodeMatch) string {
	switch c.Kind {
	case "url-parameter":
		return "a code parameter in link " + c.Where
	case "path-segment":
		return "a token in the path of link " + c.Where
	case "text":
		return "a code printed in the message (" + c.Where + ")"
	}
	return c.Kind + " " + c.Where
}

// mergeFinding adds f to fs, or merges it into the finding with the same
// subject (its mail's summary and evidence added).
func mergeFinding(fs []Finding, f Finding) []Finding {
	for i := range fs {
		if fs[i].Subject == f.Subject {
			if !strings.Contains(fs[i].Summary, f.Summary) {
				fs[i].Summary += " " + f.Summary
			}
			fs[i].Evidence = append(fs[i].Evidence, f.Evidence...)
			return fs
		}
	}
	return append(fs, f)
}

// mailList renders mail IDs: "mail/0 was" or "mail/0, mail/1 were".
func mailList(ids []string) string {
	if len(ids) == 1 {
		return ids[0] + " was"
	}
	return strings.Join(ids, ", ") + " were"
}

// appendNew appends s unless it is already in list.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// domainLabel returns a domain's registrable part without its public
// suffix, folded: "jeparticipe.ville-exemple.fr" → "villeexemple". A
// registrable domain is one label above its public suffix.
func domainLabel(host string) string {
	label, _, _ := strings.Cut(registrable(host), ".")
	return names.FoldAlnum(label)
}

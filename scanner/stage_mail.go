package scanner

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/sync/errgroup"

	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/mail"
	"github.com/vigie-scan/vigie/scanner/names"
)

// mailWorkers bounds the messages analysed at once (DKIM key lookups wait
// on the resolver).
const mailWorkers = 4

// mailStage analyses the messages of the files in s.opts.Mails
// ("mail/<n>" in the order given), DKIM keys fetched through the scan's
// resolver. It gathers the zones of the From domains and of the
// organisation (MX, SPF, DMARC), so that a report can say the organisation
// has its own mail servers, and returns the mails' relays, sender domains,
// link hosts and the zones' mail exchangers as hosts for the ownership
// stage. An unreadable file or message is an error of stage "mail"; the
// others go on. KindMail is collected when at least one message parsed.
func (s *scan) mailStage(ctx context.Context) stageResult {
	r := s.newStage()
	if len(s.opts.Mails) == 0 {
		r.skipped = "no mail given (--mail)"
		return r
	}
	orgDomains := s.orgDomains()
	opts := mail.Options{LookupTXT: s.lookupTXT, OrgDomains: orgDomains, NoRedact: s.opts.NoRedact}

	var msgs []mail.Message
	for _, f := range s.opts.Mails {
		ms, err := mail.ReadFile(f)
		if err != nil {
			r.fail("mail", f, err)
		}
		if room := mail.MaxMessages - len(msgs); len(ms) > room {
			r.fail("mail", f, fmt.Errorf("more than %d messages in all: the rest were not read", mail.MaxMessages))
			ms = ms[:room]
		}
		msgs = append(msgs, ms...)
	}
	s.progress("mail", fmt.Sprintf("analysing %d message(s) from %d file(s)", len(msgs), len(s.opts.Mails)))

	mails := make([]evidence.Mail, len(msgs))
	errs := make([]error, len(msgs))
	var g errgroup.Group
	g.SetLimit(mailWorkers)
	for i, m := range msgs {
		g.Go(func() error {
			mails[i], errs[i] = mail.Analyse(ctx, fmt.Sprintf("mail/%d", i), m, opts)
			return nil
		})
	}
	_ = g.Wait() // the goroutines return no error
	parsed := 0
	for i, err := range errs {
		if err != nil {
			target := msgs[i].File
			if msgs[i].Index > 0 || len(msgs) > 1 && strings.HasSuffix(strings.ToLower(target), ".mbox") {
				target = fmt.Sprintf("%s#%d", target, msgs[i].Index+1)
			}
			r.fail("mail", target, err)
			continue
		}
		parsed++
	}
	r.mails = mails

	// The zones of the From domains and of the organisation.
	var zones []string
	for _, m := range mails {
		if m.Error != "" {
			continue
		}
		if d, err := names.RegistrableDomain(m.From.Domain); err == nil {
			zones = append(zones, d)
		}
		zones = append(zones, m.DisplayNameDomains...)
	}
	zones = append(zones, orgDomains...)
	if ctx.Err() == nil {
		s.progress("mail", "mail zones: "+strings.Join(zones, ", "))
		r.dns = dnsinfo.Collect(ctx, s.dns, nil, zones)
	}
	r.hosts = mergeHosts(r.hosts, mxHosts(r.dns.Zones))
	for i := range mails {
		for _, h := range mail.Hosts(&mails[i]) {
			r.addHost(h.Name, h.Role, h.SeenIn)
		}
	}
	if parsed > 0 {
		r.collected = append(r.collected, evidence.KindMail)
	}
	r.note = fmt.Sprintf("%d of %d message(s) analysed", parsed, len(msgs))
	return r
}

// orgDomains lists the organisation's domains: the scanned site's
// registrable domain and the policy's.
func (s *scan) orgDomains() []string {
	var out []string
	site := ""
	if t, err := ParseTarget(s.opts.URL); err == nil && s.opts.URL != "" {
		site = t.RegistrableDomain
	}
	for _, d := range append([]string{site}, s.opts.OrgDomains...) {
		if d = names.Normalise(d); d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// lookupTXT answers the mail analysis' DKIM key queries through the scan's
// resolver, so that each lookup is in the evidence. A name that does not
// exist or has no TXT record is a permanent failure (no key); a resolver
// failure is temporary.
func (s *scan) lookupTXT(ctx context.Context, name string) ([]string, error) {
	l := s.dns.Query(ctx, name, dns.TypeTXT)
	switch l.Rcode {
	case "NOERROR":
		var out []string
		for _, rr := range l.Answers {
			if rr.Type == "TXT" {
				out = append(out, rr.Data)
			}
		}
		if len(out) == 0 {
			return nil, &net.DNSError{Err: "no TXT record", Name: name, Server: l.Server, IsNotFound: true}
		}
		return out, nil
	case "NXDOMAIN":
		return nil, &net.DNSError{Err: "no such name", Name: name, Server: l.Server, IsNotFound: true}
	default:
		msg := l.Rcode
		if l.Error != "" {
			msg += ": " + l.Error
		}
		return nil, &net.DNSError{Err: msg, Name: name, Server: l.Server, IsTemporary: true}
	}
}

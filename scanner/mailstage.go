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

// collectMail analyses the messages of the files in s.opts.Mails into
// ev.Mails ("mail/<n>" in the order given), DKIM keys fetched through the
// scan's resolver. It gathers the zones of the From domains and of the
// organisation (MX, SPF, DMARC), so that a report can say the
// organisation has its own mail servers, and adds to ev.Hosts the mails'
// relays, sender domains and link hosts for the ownership stage.
// An unreadable file or message is an evidence.Error of stage "mail"; the
// others go on. KindMail is collected when at least one message parsed.
//
// It adds to ev.DNS and ev.Hosts: run it after collectDNS and the browser
// stage, not beside them, and before enrich.
func (s *scan) collectMail(ctx context.Context, ev *evidence.Evidence) {
	if len(s.opts.Mails) == 0 {
		return
	}
	if len(ev.Target.MailFiles) == 0 {
		ev.Target.MailFiles = slices.Clone(s.opts.Mails)
	}
	orgDomains := s.orgDomains(ev)
	opts := mail.Options{LookupTXT: s.lookupTXT, OrgDomains: orgDomains, NoRedact: s.opts.NoRedact}

	var msgs []mail.Message
	for _, f := range s.opts.Mails {
		ms, err := mail.ReadFile(f)
		if err != nil {
			s.fail(ev, "mail", f, err)
		}
		if room := mail.MaxMessages - len(msgs); len(ms) > room {
			s.fail(ev, "mail", f, fmt.Errorf("more than %d messages in all: the rest were not read", mail.MaxMessages))
			ms = ms[:room]
		}
		msgs = append(msgs, ms...)
	}
	s.progress("mail", fmt.Sprintf("analysing %d message(s) from %d file(s)", len(msgs), len(s.opts.Mails)))

	first := len(ev.Mails)
	mails := make([]evidence.Mail, len(msgs))
	errs := make([]error, len(msgs))
	var g errgroup.Group
	g.SetLimit(mailWorkers)
	for i, m := range msgs {
		g.Go(func() error {
			mails[i], errs[i] = mail.Analyse(ctx, fmt.Sprintf("mail/%d", first+i), m, opts)
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
			s.fail(ev, "mail", target, err)
			continue
		}
		parsed++
	}
	ev.Mails = append(ev.Mails, mails...)

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
	var missing []string
	for _, z := range zones {
		if z != "" && ev.DNS.Zone(z) == nil && !slices.Contains(missing, z) {
			missing = append(missing, z)
		}
	}
	if len(missing) > 0 && ctx.Err() == nil {
		s.progress("mail", "mail zones: "+strings.Join(missing, ", "))
		more := dnsinfo.Collect(ctx, s.dns, nil, missing)
		ev.DNS.Zones = append(ev.DNS.Zones, more.Zones...)
		slices.SortFunc(ev.DNS.Zones, func(a, b evidence.Zone) int { return strings.Compare(a.ID, b.ID) })
	}
	ev.DNS.Lookups = s.dns.Lookups()
	// Merged, not rebuilt: an earlier stage may have added hosts that
	// buildHosts does not derive (the browser's CNAME targets).
	ev.Hosts = mergeHosts(ev.Hosts, buildHosts(ev))
	if parsed > 0 {
		ev.Collected = append(ev.Collected, evidence.KindMail)
	}
	s.progress("mail", fmt.Sprintf("%d of %d message(s) analysed", parsed, len(msgs)))
}

// orgDomains lists the organisation's domains: the scanned site's
// registrable domain and the policy's.
func (s *scan) orgDomains(ev *evidence.Evidence) []string {
	var out []string
	for _, d := range append([]string{ev.Target.RegistrableDomain}, s.opts.OrgDomains...) {
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

// ScanMail analyses mails alone (vigie mail): the messages of opts.Mails,
// the zones of their senders and of the organisation, and the ownership of
// every relay, sender domain and link host. opts.URL is not used; the
// evidence's Target lists the mail files. Like Scan, it returns an error
// only for invalid options (a *ConfigError); failures are in the evidence,
// and KindMail is missing from Evidence.Collected when no message parsed.
func ScanMail(ctx context.Context, opts Options) (*Result, error) {
	if len(opts.Mails) == 0 {
		return nil, configErr("no mail file given")
	}
	opts.URL = ""
	s, err := newScan(opts)
	if err != nil {
		return nil, err
	}
	res, ev := s.start(evidence.Target{MailFiles: slices.Clone(opts.Mails)})
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	s.collectMail(ctx, ev)
	if ctx.Err() == nil && len(ev.Hosts) > 0 {
		res.Artifacts = append(res.Artifacts, s.enrich(ctx, ev)...)
	}
	s.finish(ctx, res, "mail")
	return res, nil
}

// Package scanner runs a scan: it validates the target, runs the stages
// that collect evidence under one deadline, and returns the evidence.
//
// The whole pipeline is Scan, on one screen. Each stage is a function that
// returns what it saw (a stageResult: its part of the evidence, the kinds
// it collected, its errors, the hosts it met, its bundle files); stages
// never write into shared state, and Scan merges each result once. Stages
// that do not depend on each other run at the same time:
//
//	dns ─┬─ browser (initial ‖ reject ‖ accept visits) ─┐
//	     │     └─ initial page ─┬─ legal                │
//	     │                      └─ survey               ├─ ownership
//	     ├─ access (--proxy)                            │
//	     └─ mail (--mail)  ─────────────────────────────┘
//
// A failing stage never loses the others: its failure is recorded in
// Evidence.Errors and the kinds of evidence it should have produced are
// left out of Evidence.Collected, so that the checks needing them are
// not-evaluated. A scan that could not see what it set out to see — the
// target page never loaded, the browser never started, the scan was
// interrupted — says so in Evidence.Incomplete.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/owner"
)

// Scan runs every stage against opts.URL and returns what was observed. It
// returns an error only when the options are invalid (a *ConfigError);
// failures during the scan are recorded in the evidence.
func Scan(ctx context.Context, opts Options) (*Result, error) {
	target, err := ParseTarget(opts.URL)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	s, err := newScan(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// Whois only stands in for RDAP: its share of the scan is bounded.
	ctx = owner.WithWhoisBudget(ctx, owner.NewWhoisBudget(0, 0))
	res := s.newResult(target)

	// 1. The site's name and zone: every other stage starts from them.
	// The browser starts meanwhile: it needs nothing of them.
	var b *browser.Browser
	var launched stageResult
	ready := make(chan struct{})
	go func() {
		defer close(ready)
		launched = s.stage(ctx, "browser-start", func(ctx context.Context) (r stageResult) { b, r = s.launchBrowser(ctx); return r })
	}()
	res.merge(s.stage(ctx, "dns", func(ctx context.Context) stageResult { return s.siteDNS(ctx, target) }))

	// 2. What the site does and says, and what its mails show, at the same
	// time. The legal and survey stages start from the initial visit's page
	// as rendered, while the reject and accept visits still run.
	var wg sync.WaitGroup
	run := wg.Go
	if opts.Sequential {
		run = func(f func()) { f() }
	}
	var visits, legal, survey, access, mail stageResult
	run(func() { mail = s.stage(ctx, "mail", s.mailStage) })
	<-ready
	res.merge(launched)
	var w *web
	if reachable(res.Evidence) && ctx.Err() == nil {
		// The target's own addresses, when private, and the ranges the
		// user allowed are the only private destinations any loader may
		// reach (an intranet's site).
		allow := append(targetPrivatePrefixes(res.Evidence), s.opts.allowedNetworks()...)
		if opts.Proxy != "" {
			run(func() {
				access = s.stage(ctx, "access", func(ctx context.Context) stageResult { return s.accessStage(ctx, target, allow) })
			})
		}
		var opened stageResult
		w, opened = s.openWeb(ctx, allow, b)
		res.merge(opened)
		if w != nil {
			initial := newPageOnce()
			run(func() {
				visits = s.stage(ctx, "browser", func(ctx context.Context) stageResult { return s.browserStage(ctx, w, target, initial.set) })
			})
			run(func() {
				legal = s.stage(ctx, "legal", func(ctx context.Context) stageResult { return s.legalStage(ctx, w, initial) })
			})
			run(func() {
				survey = s.stage(ctx, "survey", func(ctx context.Context) stageResult { return s.surveyStage(ctx, w, target, initial) })
			})
		}
	}
	wg.Wait()
	if w != nil {
		// Every page load is over: what the proxy saw completes the visits.
		s.closeWeb(ctx, w, &visits)
	} else if b != nil && s.shared == nil {
		_ = b.Close() // the site could not be visited
	}
	for _, r := range []stageResult{visits, legal, survey, access, mail} {
		res.merge(r)
	}

	// 3. Who operates every host seen anywhere, and where.
	res.merge(s.stage(ctx, "ownership", func(ctx context.Context) stageResult { return s.ownershipStage(ctx, res.Evidence) }))
	s.finish(ctx, res)
	return res, nil
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
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ctx = owner.WithWhoisBudget(ctx, owner.NewWhoisBudget(0, 0))
	res := s.newResult(evidence.Target{})

	res.merge(s.stage(ctx, "mail", s.mailStage))
	if len(res.Evidence.Hosts) > 0 {
		res.merge(s.stage(ctx, "ownership", func(ctx context.Context) stageResult { return s.ownershipStage(ctx, res.Evidence) }))
	}
	s.finish(ctx, res)
	return res, nil
}

// scan carries what one scan's stages share, read-only once set up: the
// options, the clock, the deadline, the resolver (with its cache and
// lookup log), the catalogue and the ownership client.
type scan struct {
	opts      Options
	now       func() time.Time
	timeout   time.Duration
	progress  func(stage, message string)
	dns       *dnsinfo.Client
	owners    *owner.Client
	catalogue *entities.Catalogue
	// shared is Options.Shared: the browser, caches and clients are its.
	shared *Shared
}

// newScan validates the options and sets up what every stage shares.
func newScan(opts Options) (*scan, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &scan{opts: opts, now: opts.Now, timeout: opts.Timeout, shared: opts.Shared}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	// Stages report progress from several goroutines: one line at a time.
	var mu sync.Mutex
	s.progress = func(stage, msg string) {
		if opts.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			opts.Progress(stage, msg)
		}
	}
	if sh := opts.Shared; sh != nil {
		s.dns, s.owners, s.catalogue = sh.dns.View(), sh.owners, sh.catalogue
		s.opts.TrustCerts = sh.trust
		return s, nil
	}
	var err error
	if s.dns, err = dnsinfo.New(dnsinfo.Config{Server: opts.Resolver}); err != nil {
		return nil, &ConfigError{Err: err}
	}
	s.catalogue = entities.Default()
	if opts.EntitiesFile != "" {
		extra, err := entities.LoadFile(opts.EntitiesFile)
		if err != nil {
			return nil, configErr("--entities: %w", err)
		}
		if s.catalogue, err = s.catalogue.With(extra); err != nil {
			return nil, configErr("--entities: %w", err)
		}
	}
	s.owners, err = owner.New(owner.Config{RDAPServer: opts.RDAPServer, WhoisServer: opts.WhoisServer, CacheDir: opts.CacheDir, Now: s.now})
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	return s, nil
}

// newResult makes the scan's result for target, its evidence describing
// how the scan is run.
func (s *scan) newResult(target evidence.Target) *Result {
	ev := &evidence.Evidence{
		Target: target,
		Environment: evidence.Environment{
			Resolver:    s.dns.Server(),
			RDAPServer:  s.opts.RDAPServer,
			WhoisServer: s.opts.WhoisServer,
			Proxy:       s.opts.Proxy,
			Timeout:     s.timeout.String(),
		},
	}
	for _, p := range s.opts.allowedNetworks() {
		ev.Environment.AllowedNetworks = append(ev.Environment.AllowedNetworks, p.String())
	}
	if len(s.opts.Mails) > 0 {
		ev.Target.MailFiles = slices.Clone(s.opts.Mails)
	}
	if len(s.opts.LegalURLs) > 0 {
		ev.Target.LegalURLs = slices.Clone(s.opts.LegalURLs)
	}
	return &Result{Evidence: ev, Started: s.now().UTC()}
}

// finish saves the ownership cache, records the DNS lookups made, a
// deadline that fired and why the scan is incomplete, and closes the
// result.
func (s *scan) finish(ctx context.Context, res *Result) {
	ev := res.Evidence
	if s.shared == nil {
		if err := s.owners.Close(); err != nil {
			res.addError("owner", "cache", err)
		}
	}
	ev.DNS.Lookups = s.dns.Lookups()
	linkResolutions(ev)
	if err := ctx.Err(); err != nil {
		target := ev.Target.Host
		if target == "" {
			target = "mail"
		}
		msg := timeoutError(err, s.timeout)
		res.addError("scan", target, msg)
		ev.Incomplete = append(ev.Incomplete, msg.Error())
	}
	ev.Incomplete = append(ev.Incomplete, incompleteReasons(ev, s.opts)...)
	slices.Sort(ev.Collected)
	ev.Collected = slices.Compact(ev.Collected)
	res.Finished = s.now().UTC()
}

func timeoutError(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("scan timed out after %s; what was gathered is reported (raise --timeout for slow sites)", timeout)
	}
	return fmt.Errorf("scan interrupted: %w", err)
}

// pageOnce hands the initial visit's page, as rendered, from the browser
// stage to the stages that read it: set once (nil when the page did not
// load), waited for by any number.
type pageOnce struct {
	once sync.Once
	done chan struct{}
	page *browser.Page
}

func newPageOnce() *pageOnce { return &pageOnce{done: make(chan struct{})} }

// set records the page (nil: none) and wakes the waiters; later calls do nothing.
func (p *pageOnce) set(page *browser.Page) {
	p.once.Do(func() {
		p.page = page
		close(p.done)
	})
}

// wait returns the page, or nil when there is none or ctx ends first.
func (p *pageOnce) wait(ctx context.Context) *browser.Page {
	select {
	case <-p.done:
		return p.page
	case <-ctx.Done():
		return nil
	}
}

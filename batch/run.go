// Package batch scans many sites in one run (`vigie batch`): a list of
// URLs, one report bundle per site, a results stream (results.jsonl)
// written as each site ends, one browser and one set of lookup caches
// for the whole batch (scanner.Shared), politeness per registrable
// domain on top of the shared per-registry limits, --shard to split a
// list across machines and --resume to finish an interrupted batch.
//
// One site never stops or slows the others beyond its own budget: each
// scan runs under its own deadline, a scan that does not return in time
// is abandoned, a panic is caught, and a failure is that site's record.
package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
)

// Config is one batch run.
type Config struct {
	// Sites is the whole list (List.Sites), before any --shard: the
	// bundles' folders are named over the whole list.
	Sites []Site
	// Shard is the part of the list this run scans (zero: all).
	Shard Shard
	// Out is the output folder: one bundle folder per site, results.jsonl,
	// the summary.
	Out string
	// Jobs is how many sites are scanned at once; 0 for DefaultJobs.
	Jobs int
	// Resume skips the sites results.jsonl already has a record of;
	// without it, a results.jsonl that is not empty is ErrResultsExist.
	Resume bool
	// Scan holds every site's scan options but URL: the network options
	// (which the shared browser and lookups use), OrgDomains, Consent,
	// Pages, NoRedact, DialOverride. Run sets URL, Shared, Timeout and
	// Progress.
	Scan scanner.Options
	// Timeout bounds each site's scan; 0 for scanner.DefaultTimeout.
	Timeout time.Duration
	// Bundle says how each site's bundle is written, as for `vigie scan`
	// (policy, formats, language, signing key); its Force and Baseline are
	// not used (each site writes into a fresh folder).
	Bundle audit.Settings
	// FailOn decides each site's verdict.
	FailOn FailOn
	// DomainGap is the least time between two sites of one registrable
	// domain; 0 for DefaultDomainGap, negative for none.
	DomainGap time.Duration
	// Progress, when set, shows the batch's progress and logs.
	Progress *Progress
	// Shared is what the scans share; nil to make one from Scan, closed
	// when Run returns.
	Shared *scanner.Shared

	// scan is scanner.Scan, replaced in tests; abandon is abandonAfter.
	scan    func(context.Context, scanner.Options) (*scanner.Result, error)
	abandon time.Duration
}

// Outcome is what a batch run did.
type Outcome struct {
	// Total is how many sites the run's part of the list has.
	Total int
	// Records holds the record of every site of the part that has one,
	// earlier runs' (--resume) included, in list order.
	Records []Record
	// Skipped counts the sites an earlier run had finished (--resume).
	Skipped int
	// Interrupted counts the sites the end of the batch (Ctrl-C) stopped
	// or kept from starting: they have no record, and --resume scans them.
	Interrupted int
	// BrowserStarts says how many times the shared browser started (more
	// than once: it crashed and was restarted).
	BrowserStarts int
}

// Count returns how many of the records have status.
func (o *Outcome) Count(status string) int {
	n := 0
	for _, r := range o.Records {
		if r.Status == status {
			n++
		}
	}
	return n
}

// After a site's deadline, how long Run waits for its scan to return
// before abandoning it; after the batch is stopped, how long it waits for
// the scans under way.
const (
	abandonAfter = 30 * time.Second
	stopGrace    = 15 * time.Second
)

// Run scans the sites of cfg.Shard, cfg.Jobs at a time, and returns what
// it did. Each finished site's record is appended to results.jsonl as it
// ends; when ctx ends (Ctrl-C), the scans under way are cancelled and get
// no record, and Run returns once they have stopped and the shared
// browser is closed. Run returns an error when the batch cannot start
// (the output folder, results.jsonl, the shared setup: a
// *scanner.ConfigError for invalid options) or results.jsonl cannot be
// written; the sites' own failures are in their records.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if cfg.Out == "" {
		return nil, errors.New("batch: no output folder")
	}
	r := &runner{cfg: cfg, results: map[string]Record{}}
	r.defaults()
	if r.shared == nil {
		// Made first, so that invalid options leave nothing behind; the
		// browser starts with the first scan that needs it. It must
		// outlive the scans it serves, so that they stop first and it is
		// closed after them: not bound to ctx.
		var err error
		if r.shared, err = scanner.NewShared(context.WithoutCancel(ctx), cfg.Scan); err != nil {
			return nil, err
		}
		defer r.shared.Close()
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("batch: output folder: %w", err)
	}
	journal, prior, err := OpenJournal(filepath.Join(cfg.Out, ResultsFile), cfg.Resume)
	if err != nil {
		return nil, err
	}
	defer journal.Close()
	done := map[string]Record{}
	recorded := map[string]string{}
	for _, r := range prior {
		done[r.URL] = r
		if r.Dir != "" {
			recorded[r.URL] = r.Dir
		}
	}
	sites := append([]Site(nil), cfg.Sites...)
	AssignDirs(sites, recorded)
	mine := cfg.Shard.Of(sites)
	var todo []Site
	out := &Outcome{Total: len(mine)}
	for _, s := range mine {
		if _, ok := done[s.URL]; ok {
			out.Skipped++
		} else {
			todo = append(todo, s)
		}
	}

	r.journal = journal
	r.progress.start(out.Total, out.Skipped, r.jobs)

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	sched := newScheduler(todo, r.gap, time.Now)
	var wg sync.WaitGroup
	for range min(r.jobs, max(len(todo), 1)) {
		wg.Go(func() {
			for {
				s, ok := sched.next(ctx)
				if !ok {
					return
				}
				rec, finished := r.site(ctx, s)
				sched.done(s.Domain)
				if !finished {
					r.progress.interrupted(s)
					continue
				}
				if err := r.record(rec); err != nil {
					stop(err)
				}
			}
		})
	}
	wg.Wait()
	out.BrowserStarts = r.shared.BrowserStarts()
	if cfg.Shared == nil {
		if err := r.shared.Close(); err != nil {
			r.progress.logf("closing the shared browser: %v", err)
		}
	}
	_ = os.Remove(filepath.Join(cfg.Out, partialDir)) // when empty
	for _, s := range mine {
		if rec, ok := r.results[s.URL]; ok {
			out.Records = append(out.Records, rec)
		} else if rec, ok := done[s.URL]; ok {
			out.Records = append(out.Records, rec)
		} else {
			out.Interrupted++
		}
	}
	r.progress.finish()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return out, err
	}
	return out, nil
}

// runner is one Run's state.
type runner struct {
	cfg      Config
	journal  *Journal
	shared   *scanner.Shared
	jobs     int
	timeout  time.Duration
	gap      time.Duration
	progress *Progress
	scan     func(context.Context, scanner.Options) (*scanner.Result, error)
	abandon  time.Duration

	mu      sync.Mutex
	results map[string]Record // this run's, by URL
}

func (r *runner) defaults() {
	r.shared, r.jobs, r.timeout, r.gap, r.progress, r.scan = r.cfg.Shared, r.cfg.Jobs, r.cfg.Timeout, r.cfg.DomainGap, r.cfg.Progress, r.cfg.scan
	if r.jobs <= 0 {
		r.jobs = DefaultJobs()
	}
	if r.timeout <= 0 {
		r.timeout = scanner.DefaultTimeout
	}
	if r.gap == 0 {
		r.gap = DefaultDomainGap
	} else if r.gap < 0 {
		r.gap = 0
	}
	if r.scan == nil {
		r.scan = scanner.Scan
	}
	if r.abandon = r.cfg.abandon; r.abandon <= 0 {
		r.abandon = abandonAfter
	}
}

// record appends rec to results.jsonl.
func (r *runner) record(rec Record) error {
	if err := r.journal.Append(rec); err != nil {
		return err
	}
	r.mu.Lock()
	r.results[rec.URL] = rec
	r.mu.Unlock()
	r.progress.end(rec)
	return nil
}

// scanned is what a site's scan returned.
type scanned struct {
	res *scanner.Result
	err error
}

// site scans one site and writes its bundle. It returns false when the
// end of the batch interrupted the scan: the site gets no record.
func (r *runner) site(ctx context.Context, s Site) (Record, bool) {
	start := time.Now()
	r.progress.begin(s)
	rec := Record{URL: s.URL, Host: s.Host, Started: start.UTC()}
	finish := func(status string, err error) (Record, bool) {
		rec.Status = status
		if err != nil {
			rec.Error = clean(err.Error())
		}
		rec.DurationMS = time.Since(start).Milliseconds()
		return rec, true
	}

	opts := r.cfg.Scan
	opts.URL, opts.Shared, opts.Timeout, opts.Progress = s.URL, r.shared, r.timeout, nil
	siteCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	ch := make(chan scanned, 1) // an abandoned scan still has somewhere to send
	go func() {
		defer func() {
			if p := recover(); p != nil {
				r.progress.logf("the scan of %s crashed: %v\n%s", s.URL, p, debug.Stack())
				ch <- scanned{err: fmt.Errorf("the scan crashed: %v", p)}
			}
		}()
		res, err := r.scan(siteCtx, opts)
		ch <- scanned{res, err}
	}()

	var got scanned
	abandon := time.NewTimer(r.timeout + r.abandon)
	defer abandon.Stop()
	select {
	case got = <-ch:
	case <-abandon.C:
		return finish(StatusTimeout, fmt.Errorf("the scan did not return %s after its deadline (%s): abandoned", r.abandon, r.timeout))
	case <-ctx.Done():
		grace := time.NewTimer(stopGrace)
		defer grace.Stop()
		select {
		case got = <-ch:
		case <-grace.C:
			return Record{}, false
		}
	}
	if ctx.Err() != nil && (got.res == nil || got.res.Incomplete()) {
		return Record{}, false
	}
	if got.err != nil {
		return finish(StatusFailed, got.err)
	}
	if got.res == nil || got.res.Evidence == nil {
		return finish(StatusFailed, errors.New("the scan returned no evidence"))
	}
	timedOut := errors.Is(siteCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil

	rep, err := r.writeBundle(s, got.res)
	if err != nil {
		return finish(StatusFailed, err)
	}
	rec.Dir, rec.Report = s.Dir, path.Join(s.Dir, mainReport(r.cfg.Bundle.Formats))
	rec.fill(rep, r.cfg.FailOn, r.cfg.Scan.OrgDomains)
	switch {
	case timedOut:
		return finish(StatusTimeout, nil)
	case len(rep.Evidence.Incomplete) > 0:
		return finish(StatusIncomplete, nil)
	}
	return finish(StatusDone, nil)
}

// writeBundle writes the site's bundle in the partial folder, then moves
// it into place: a folder named for a site always holds a whole bundle.
func (r *runner) writeBundle(s Site, res *scanner.Result) (rep *reports.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("writing the bundle crashed: %v", p)
		}
	}()
	tmp := filepath.Join(r.cfg.Out, partialDir, s.Dir)
	final := filepath.Join(r.cfg.Out, s.Dir)
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("report bundle: %w", err)
	}
	if rep, err = r.cfg.Bundle.Bundle(tmp, res); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.RemoveAll(final); err != nil {
		return nil, fmt.Errorf("report bundle: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return nil, fmt.Errorf("report bundle: %w", err)
	}
	return rep, nil
}

// mainReport is the file of a bundle written in formats that a person
// opens first.
func mainReport(formats []string) string {
	if slices.Contains(formats, "html") {
		return reports.FileName("html")
	}
	return reports.FileName("json")
}

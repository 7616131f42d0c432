// Package scanner runs a scan: it validates the target, runs the collectors
// under one deadline — DNS, then the enrichment stage that resolves and
// attributes every host seen anywhere (RDAP, whois, known-entity
// catalogue) — and returns the evidence. A failing stage
// never loses the others: its failure is recorded in Evidence.Errors and the
// kinds of evidence it should have produced are left out of
// Evidence.Collected, so that the checks needing them are not-evaluated.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/owner"
)

// Options configures a scan. The zero value of every field but URL is usable.
type Options struct {
	// URL is the page to scan (https://… or http://…).
	URL string
	// Resolver is the DNS server for every lookup (host:port); empty for the system's.
	Resolver string
	// RDAPServer sends every RDAP query to this base URL instead of the IANA bootstrap.
	RDAPServer string
	// WhoisServer sends every whois query to this host:port.
	WhoisServer string
	// TrustCerts lists PEM files trusted in addition to the system's roots.
	TrustCerts []string
	// Browser is the Chrome/Chromium binary; empty to search PATH.
	Browser string
	// Proxy is an upstream proxy URL for all web traffic (socks5://, http://).
	Proxy string
	// OrgDomains are the organisation's own domains (from the policy).
	OrgDomains []string
	// CacheDir keeps RDAP answers across runs; "" disables the disk cache.
	CacheDir string
	// EntitiesFile adds or overrides known-entity catalogue entries (YAML).
	EntitiesFile string
	// Mails lists .eml or mbox files whose messages are analysed (--mail).
	Mails []string
	// LegalURLs lists legal-notice and policy pages to read instead of
	// discovering them (--legal).
	LegalURLs []string
	// Pages is how many first-party links to visit besides the target, in
	// the no-interaction state (--pages).
	Pages int
	// Consent is "all" (visit before consent, after reject, after accept)
	// or "none" (only the first visit).
	Consent string
	// NoRedact keeps personal values (recipient names, tokens) in the evidence.
	NoRedact bool
	// DialOverride maps "host:port" to the loopback address that serves it.
	// It exists for the lab (tests and `vigie demo`) only: the CLI never sets it.
	DialOverride map[string]string
	// Timeout bounds the whole scan; zero means DefaultTimeout.
	Timeout time.Duration
	// Progress, when set, receives one line per step.
	Progress func(stage, message string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultTimeout bounds a scan when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Artifact is a raw file the scan kept for the bundle (an RDAP answer, a
// screenshot), with a bundle-relative path.
type Artifact struct {
	Path string
	Data []byte
}

// Result is a scan's outcome.
type Result struct {
	Evidence  *evidence.Evidence
	Artifacts []Artifact
	Started   time.Time
	Finished  time.Time
}

// TargetUnreachable reports whether the scan could not reach the target at
// all (its name does not resolve), which the CLI reports with exit code 3.
func (r *Result) TargetUnreachable() bool {
	ev := r.Evidence
	res := ev.DNS.Resolution(ev.Target.Host)
	if net.ParseIP(ev.Target.Host) != nil {
		return false
	}
	return res == nil || res.Status != evidence.ResolvedOK
}

// ConfigError is an error in the options: the scan did not start.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErr(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// ParseTarget validates a URL given on the command line and describes it.
func ParseTarget(raw string) (evidence.Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return evidence.Target{}, errors.New("no URL given")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: scheme %q is not http or https", raw, u.Scheme)
	}
	host := names.Normalise(u.Hostname())
	if host == "" {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: no host", raw)
	}
	if u.User != nil {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: credentials in URLs are not accepted", raw)
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	t := evidence.Target{URL: u.String(), Host: host, RegistrableDomain: host}
	if net.ParseIP(host) == nil {
		d, err := names.RegistrableDomain(host)
		if err != nil {
			return evidence.Target{}, fmt.Errorf("invalid URL %q: %w", raw, err)
		}
		t.RegistrableDomain = d
	}
	return t, nil
}

// validate checks the options that later stages use, so that a typo is a
// configuration error before any network traffic.
func (o *Options) validate() error {
	if o.RDAPServer != "" {
		u, err := url.Parse(o.RDAPServer)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return configErr("--rdap-server %q: want an http(s) base URL", o.RDAPServer)
		}
	}
	for _, hp := range []struct{ flag, v string }{{"--resolver", o.Resolver}, {"--whois-server", o.WhoisServer}} {
		if hp.v == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(hp.v); err != nil {
			return configErr("%s %q: want HOST:PORT", hp.flag, hp.v)
		}
	}
	if o.Proxy != "" {
		u, err := url.Parse(o.Proxy)
		if err != nil || u.Host == "" || !slices.Contains([]string{"socks5", "socks5h", "http", "https"}, u.Scheme) {
			return configErr("--proxy %q: want socks5://HOST:PORT or http://HOST:PORT", o.Proxy)
		}
	}
	for _, f := range o.TrustCerts {
		if _, err := os.Stat(f); err != nil {
			return configErr("--trust-cert: %v", err)
		}
	}
	if o.Browser != "" {
		if _, err := os.Stat(o.Browser); err != nil {
			return configErr("--browser: %v", err)
		}
	}
	if o.Timeout < 0 {
		return configErr("--timeout must be positive")
	}
	if o.Consent != "" && o.Consent != "all" && o.Consent != "none" {
		return configErr("--consent %q: want all or none", o.Consent)
	}
	if o.Pages < 0 || o.Pages > 50 {
		return configErr("--pages %d: want 0 to 50", o.Pages)
	}
	for _, f := range o.Mails {
		if _, err := os.Stat(f); err != nil {
			return configErr("--mail: %v", err)
		}
	}
	for _, l := range o.LegalURLs {
		if _, err := ParseTarget(l); err != nil {
			return configErr("--legal: %v", err)
		}
	}
	return nil
}

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
	res, ev := s.start(target)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	s.collectDNS(ctx, ev)
	ev.Hosts = buildHosts(ev)
	if ctx.Err() == nil && !res.TargetUnreachable() {
		res.Artifacts = append(res.Artifacts, s.collectBrowser(ctx, ev)...)
	}
	if ctx.Err() == nil {
		s.collectMail(ctx, ev)
	}
	if ctx.Err() == nil {
		res.Artifacts = append(res.Artifacts, s.enrich(ctx, ev)...)
	}
	s.finish(ctx, res, target.Host)
	return res, nil
}

// newScan validates the options and sets up what every stage shares: the
// clock, the deadline, the resolver, the catalogue and the ownership client.
func newScan(opts Options) (*scan, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &scan{opts: opts, progress: opts.Progress, now: opts.Now, timeout: opts.Timeout}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.progress == nil {
		s.progress = func(string, string) {}
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

// start makes the scan's evidence and result for target.
func (s *scan) start(target evidence.Target) (*Result, *evidence.Evidence) {
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
	return &Result{Evidence: ev, Started: s.now().UTC()}, ev
}

// finish saves the ownership cache, records a deadline that fired, and
// closes the result.
func (s *scan) finish(ctx context.Context, res *Result, target string) {
	ev := res.Evidence
	if err := s.owners.Close(); err != nil {
		s.fail(ev, "owner", "cache", err)
	}
	if err := ctx.Err(); err != nil {
		s.fail(ev, "scan", target, timeoutError(err, s.timeout))
	}
	slices.Sort(ev.Collected)
	ev.Collected = slices.Compact(ev.Collected)
	res.Finished = s.now().UTC()
}

// scan carries one scan's shared state between stages.
type scan struct {
	opts      Options
	now       func() time.Time
	timeout   time.Duration
	progress  func(stage, message string)
	dns       *dnsinfo.Client
	owners    *owner.Client
	catalogue *entities.Catalogue
	mu        sync.Mutex
}

// fail records a stage failure.
func (s *scan) fail(ev *evidence.Evidence, stage, target string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev.Errors = append(ev.Errors, evidence.Error{Stage: stage, Target: target, Error: err.Error()})
	s.progress(stage, "error: "+err.Error())
}

func timeoutError(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("scan timed out after %s; what was gathered is reported (raise --timeout for slow sites)", timeout)
	}
	return fmt.Errorf("scan interrupted: %w", err)
}

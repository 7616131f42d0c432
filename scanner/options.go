package scanner

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/proxy"
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
	// Shared, when set, is what the scans of a batch share (NewShared):
	// the browser, the DNS and ownership answers, the catalogue. Its
	// network options (resolver, RDAP and whois servers, cache,
	// catalogue, trusted certificates, browser) are used instead of this
	// scan's.
	Shared *Shared
	// Proxy is an upstream proxy URL for all web traffic (socks5://, http://).
	Proxy string
	// AllowNetworks lists non-public ranges (CIDR, --allow-network) that
	// every loader may reach besides the target's own addresses: the other
	// hosts of an intranet or staging site. Each must lie in a private,
	// loopback, link-local or shared range (proxy.ParseAllowNetwork);
	// without any, only the target's own non-public addresses are reachable.
	AllowNetworks []string
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
	// Dwell is how much of its own time each page view is observed after
	// its load event (--dwell); zero means browser.DefaultDwell.
	Dwell time.Duration
	// NoRedact keeps personal values (recipient names, tokens) in the evidence.
	NoRedact bool
	// DialOverride maps "host:port" to the loopback address that serves it.
	// It exists for the lab (tests and `vigie demo`) only: the CLI never sets it.
	DialOverride map[string]string
	// Sequential runs every stage and page load one after another, as
	// vigie did before it ran them at the same time: for comparing the
	// two (the evidence must not depend on it) and for very weak machines.
	Sequential bool
	// Timeout bounds the whole scan; zero means DefaultTimeout.
	Timeout time.Duration
	// Progress, when set, receives one line per step.
	Progress func(stage, message string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultTimeout bounds a scan when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

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
	if u.Hostname() == "" {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: no host", raw)
	}
	// An internationalised name is looked up, loaded and recorded in
	// A-labels; people are shown its U-labels (DisplayHost).
	host, err := names.ASCII(u.Hostname())
	if err != nil {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if host == "" {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: no host", raw)
	}
	if u.User != nil {
		return evidence.Target{}, fmt.Errorf("invalid URL %q: credentials in URLs are not accepted", raw)
	}
	port := u.Port()
	u.Host = host
	if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	}
	if port != "" {
		u.Host += ":" + port
	}
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	t := evidence.Target{URL: u.String(), Host: host, RegistrableDomain: host}
	if d := names.Display(host); d != host {
		t.DisplayHost = d
	}
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
	for _, n := range o.AllowNetworks {
		if _, err := proxy.ParseAllowNetwork(n); err != nil {
			return configErr("--allow-network %w", err)
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
	if o.Dwell < 0 || o.Dwell > time.Minute {
		return configErr("--dwell %s: want 0 to 1m", o.Dwell)
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

// allowedNetworks returns the ranges of o.AllowNetworks, validated.
func (o *Options) allowedNetworks() []netip.Prefix {
	var out []netip.Prefix
	for _, n := range o.AllowNetworks {
		if p, err := proxy.ParseAllowNetwork(n); err == nil && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

package owner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openrdap/rdap"
	"github.com/openrdap/rdap/bootstrap"
)

// Defaults of RDAPConfig.
const (
	defaultRDAPTimeout          = 15 * time.Second
	defaultRDAPMaxBody          = 2 << 20
	defaultRDAPPerSecond        = 2
	defaultRDAPBurst            = 2
	defaultRDAPMaxEntityFetches = 4
)

// Bounds on what an RDAP server, which vigie does not control, can make the
// client do or keep.
const (
	maxRDAPRetryAfter  = 30 * time.Second // longest Retry-After waited for
	maxRDAPRedirects   = 5
	maxRDAPEntityDepth = 4    // levels of nested entities searched
	maxRDAPEntities    = 1024 // entities searched in one answer
	maxRDAPASNs        = 64
	maxRDAPCIDRs       = 256
	maxRDAPFieldLen    = 512     // bytes kept of a name, an address, an e-mail
	maxRDAPHandleLen   = 255     // longer entity handles are not fetched
	maxBootstrapBody   = 8 << 20 // an IANA bootstrap file
	rdapUserAgent      = "vigie/rdap (hosting-compliance scanner; +https://github.com/vigie-scan/vigie)"
)

// errRDAPTooLarge is wrapped by the error for an answer over MaxBody.
var errRDAPTooLarge = errors.New("RDAP answer too large")

// RDAPConfig configures an RDAPClient. The zero value asks the registries
// found by IANA bootstrap, with the defaults below.
type RDAPConfig struct {
	// Server, when set (--rdap-server), is the base URL every query (ip,
	// domain, entity) is sent to: bootstrap is skipped and redirects to
	// other hosts are refused. "" means IANA bootstrap.
	Server string
	// HTTP is the client requests go through; nil means one with sane
	// dial, TLS and header timeouts and no proxy.
	HTTP *http.Client
	// Timeout bounds each HTTP request; default 15s.
	Timeout time.Duration
	// MaxBody bounds each answer, in bytes; default 2 MiB. A bigger answer
	// is an error, not a truncation.
	MaxBody int64
	// PerSecond is the request rate allowed per server host; default 2, in
	// bursts of one second's worth (at least 2).
	PerSecond float64
	// MaxEntityFetches bounds the entity links followed per lookup;
	// default 4, negative for none.
	MaxEntityFetches int
}

// RDAPClient asks RDAP registries who holds an IP network or a domain. It
// follows the entity links registries use instead of inline contacts
// (ARIN's organisations, for one), within bounds, and never to a host
// other than the one that answered. It is safe for concurrent use.
type RDAPClient struct {
	server     *url.URL // nil: bootstrap
	http       *http.Client
	boot       *bootstrap.Client // nil with a server
	bootLock   chan struct{}     // bootstrap.Client is not safe for concurrent use
	timeout    time.Duration
	maxBody    int64
	maxFetches int
	limiter    *hostLimiter
	requests   atomic.Int64
}

// NewRDAPClient returns a client configured by cfg. It fails when
// cfg.Server is not an absolute http(s) URL.
func NewRDAPClient(cfg RDAPConfig) (*RDAPClient, error) {
	c := &RDAPClient{
		timeout:    defaultRDAPTimeout,
		maxBody:    defaultRDAPMaxBody,
		maxFetches: defaultRDAPMaxEntityFetches,
	}
	if cfg.Timeout > 0 {
		c.timeout = cfg.Timeout
	}
	if cfg.MaxBody > 0 {
		c.maxBody = cfg.MaxBody
	}
	switch {
	case cfg.MaxEntityFetches > 0:
		c.maxFetches = cfg.MaxEntityFetches
	case cfg.MaxEntityFetches < 0:
		c.maxFetches = 0
	}
	burst := defaultRDAPBurst
	if cfg.PerSecond > defaultRDAPBurst {
		burst = int(math.Min(math.Ceil(cfg.PerSecond), 1<<20))
	}
	c.limiter = newHostLimiter(cfg.PerSecond, burst)

	if cfg.Server != "" {
		u, err := parseRDAPServer(cfg.Server)
		if err != nil {
			return nil, fmt.Errorf("rdap server %q: %w", cfg.Server, err)
		}
		c.server = u
	}

	base := cfg.HTTP
	if base == nil {
		base = defaultRDAPHTTPClient()
	}
	hc := *base
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = &rdapCountingTransport{next: next, n: &c.requests}
	userCheck := base.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := c.checkRedirect(req, via); err != nil {
			return err
		}
		if userCheck != nil {
			return userCheck(req, via)
		}
		return nil
	}
	c.http = &hc

	if c.server == nil {
		bc := hc
		bc.Transport = &rdapBootstrapTransport{next: hc.Transport, limiter: c.limiter, max: maxBootstrapBody}
		c.boot = &bootstrap.Client{HTTP: &bc}
		c.bootLock = make(chan struct{}, 1)
	}
	return c, nil
}

// parseRDAPServer checks an --rdap-server base URL.
func parseRDAPServer(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("want an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("credentials in the URL are not supported")
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// defaultRDAPHTTPClient is the HTTP client used when RDAPConfig.HTTP is
// nil. It uses no proxy: RDAP queries go to the registry, or to the
// configured server, and nowhere else.
func defaultRDAPHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   2,
			ForceAttemptHTTP2:     true,
		},
	}
}

// IP returns the registry's network that contains ip. An address no
// registry knows is an error wrapping ErrNotFound.
func (c *RDAPClient) IP(ctx context.Context, ip netip.Addr) (*NetworkRecord, error) {
	if !ip.IsValid() {
		return nil, errors.New("rdap ip: invalid address")
	}
	ip = ip.Unmap().WithZone("")
	rec, err := c.ip(ctx, ip)
	if err != nil {
		return nil, fmt.Errorf("rdap ip %s: %w", ip, err)
	}
	return rec, nil
}

func (c *RDAPClient) ip(ctx context.Context, ip netip.Addr) (*NetworkRecord, error) {
	a, err := c.query(ctx, rdap.IPRequest, ip.String())
	if err != nil {
		return nil, err
	}
	n, ok := a.obj.(*rdap.IPNetwork)
	if !ok {
		return nil, fmt.Errorf("%s answered %s, not an ip network", a.raw[0].URL, rdapObjectKind(a.obj))
	}
	if err := c.followEntities(ctx, a, n.Entities, rdapNetworkNeeds); err != nil {
		return nil, err
	}
	rec := rdapNetworkRecord(n)
	rec.Source, rec.Server, rec.Raw = "rdap", a.base.String(), a.raw
	if rec.Start.IsValid() && !rec.Contains(ip) {
		return nil, fmt.Errorf("%s answered the network %s - %s, which does not contain the address",
			a.raw[0].URL, rec.Start, rec.End)
	}
	return rec, nil
}

// Domain returns the registration of domain (a registrable name such as
// "example.fr"; the client does not reduce names). A domain the registry
// does not know is an error wrapping ErrNotFound.
func (c *RDAPClient) Domain(ctx context.Context, domain string) (*DomainRecord, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if name == "" || len(name) > 253 || strings.ContainsAny(name, "/?#%\\ \t\r\n") {
		return nil, fmt.Errorf("rdap domain %q: invalid domain name", domain)
	}
	rec, err := c.domain(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("rdap domain %s: %w", name, err)
	}
	return rec, nil
}

func (c *RDAPClient) domain(ctx context.Context, name string) (*DomainRecord, error) {
	a, err := c.query(ctx, rdap.DomainRequest, name)
	if err != nil {
		return nil, err
	}
	d, ok := a.obj.(*rdap.Domain)
	if !ok {
		return nil, fmt.Errorf("%s answered %s, not a domain", a.raw[0].URL, rdapObjectKind(a.obj))
	}
	if err := c.followEntities(ctx, a, d.Entities, rdapDomainNeeds); err != nil {
		return nil, err
	}
	rec := rdapDomainRecord(d, name)
	rec.Source, rec.Server, rec.Raw = "rdap", a.base.String(), a.raw
	return rec, nil
}

// rdapAnswer is a decoded answer and what came with it.
type rdapAnswer struct {
	obj  any
	base *url.URL    // base URL of the server that answered
	raw  []RawAnswer // the answer first, then followed entities
}

// query asks the configured server, or each server bootstrap names in
// turn until one answers, for the object q of type typ.
func (c *RDAPClient) query(ctx context.Context, typ rdap.RequestType, q string) (*rdapAnswer, error) {
	bases, err := c.servers(ctx, typ, q)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, base := range bases {
		a, err := c.queryServer(ctx, base, typ, q)
		if err == nil {
			return a, nil
		}
		if errors.Is(err, ErrNotFound) || ctx.Err() != nil {
			return nil, err
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func (c *RDAPClient) queryServer(ctx context.Context, base *url.URL, typ rdap.RequestType, q string) (*rdapAnswer, error) {
	u, err := rdapRequestURL(base, typ, q)
	if err != nil {
		return nil, err
	}
	body, final, err := c.fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	obj, err := decodeRDAP(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", final, err)
	}
	return &rdapAnswer{
		obj:  obj,
		base: rdapAnsweringBase(base, u, final),
		raw:  []RawAnswer{{URL: final.String(), Body: body}},
	}, nil
}

// servers returns the base URLs to ask about q: the configured server, or
// those IANA's bootstrap registry names (https first).
func (c *RDAPClient) servers(ctx context.Context, typ rdap.RequestType, q string) ([]*url.URL, error) {
	if c.server != nil {
		return []*url.URL{c.server}, nil
	}
	var reg bootstrap.RegistryType
	switch typ {
	case rdap.IPRequest:
		reg = bootstrap.IPv4
		if strings.Contains(q, ":") {
			reg = bootstrap.IPv6
		}
	case rdap.DomainRequest:
		reg = bootstrap.DNS
	default:
		return nil, fmt.Errorf("no bootstrap for %s queries", typ)
	}
	select {
	case c.bootLock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.bootLock }()
	bctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ans, err := c.boot.Lookup((&bootstrap.Question{RegistryType: reg, Query: q}).WithContext(bctx))
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	var secure, plain []*url.URL
	for _, u := range ans.URLs {
		switch {
		case u == nil || u.Host == "":
		case u.Scheme == "https":
			secure = append(secure, u)
		case u.Scheme == "http":
			plain = append(plain, u)
		}
	}
	if out := append(secure, plain...); len(out) > 0 {
		return out, nil
	}
	return nil, fmt.Errorf("bootstrap: no RDAP service for %q", q)
}

// rdapRequestURL is the URL of the query q of type typ on the server base.
func rdapRequestURL(base *url.URL, typ rdap.RequestType, q string) (*url.URL, error) {
	server := *base // Request.URL clears its server's query in place
	u := (&rdap.Request{Type: typ, Query: q, Server: &server}).URL()
	if u == nil {
		return nil, fmt.Errorf("cannot build the URL of %s %q on %s", typ, q, base)
	}
	return u, nil
}

// rdapAnsweringBase returns the base URL of the server that answered asked
// with final: base itself, unless a redirect moved the query elsewhere.
func rdapAnsweringBase(base, asked, final *url.URL) *url.URL {
	if final == nil || final.String() == asked.String() {
		return base
	}
	b := &url.URL{Scheme: final.Scheme, Host: final.Host, Path: "/"}
	rel := strings.TrimPrefix(asked.Path, strings.TrimSuffix(base.Path, "/"))
	if rel != "" && strings.HasSuffix(final.Path, rel) {
		b.Path = strings.TrimSuffix(final.Path, rel) + "/"
	}
	return b
}

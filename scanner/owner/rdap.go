package owner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

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

// fetch GETs u, waiting for the host's rate limit, and retries once after a
// 429 or 503 whose Retry-After is at most maxRDAPRetryAfter. It returns the
// body of a 2xx answer and the URL that gave it (after redirects).
func (c *RDAPClient) fetch(ctx context.Context, u *url.URL) ([]byte, *url.URL, error) {
	for attempt := 0; ; attempt++ {
		if err := c.limiter.Wait(ctx, u.Host); err != nil {
			return nil, nil, err
		}
		a, err := c.get(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		st := a.status
		switch {
		case st >= 200 && st <= 299:
			return a.body, a.url, nil
		case st == http.StatusNotFound:
			return nil, nil, fmt.Errorf("%s: %w", u, ErrNotFound)
		case st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable:
			ra := a.header.Get("Retry-After")
			wait, ok := rdapParseRetryAfter(ra, time.Now())
			if attempt == 0 && ok && wait <= maxRDAPRetryAfter {
				if err := rdapSleep(ctx, wait); err != nil {
					return nil, nil, err
				}
				continue
			}
			if ra != "" {
				return nil, nil, fmt.Errorf("%s: server answered %s (Retry-After: %.40q)", u, rdapStatusLine(st), ra)
			}
		}
		return nil, nil, fmt.Errorf("%s: server answered %s", u, rdapStatusLine(st))
	}
}

// rdapHTTPAnswer is one HTTP exchange's outcome.
type rdapHTTPAnswer struct {
	status int
	header http.Header
	body   []byte   // 2xx answers only
	url    *url.URL // the URL that answered, after redirects
}

// get sends one GET (redirects followed) within the per-request timeout.
func (c *RDAPClient) get(ctx context.Context, u *url.URL) (*rdapHTTPAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), http.NoBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/rdap+json, application/json;q=0.9")
	req.Header.Set("User-Agent", rdapUserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	a := &rdapHTTPAnswer{status: resp.StatusCode, header: resp.Header, url: u}
	if resp.Request != nil && resp.Request.URL != nil {
		a.url = resp.Request.URL
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Read a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return a, nil
	}
	if a.body, err = rdapReadBounded(resp.Body, c.maxBody); err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return a, nil
}

// checkRedirect vets a redirect: bounded, http(s), no downgrade from
// https, never away from the configured server, and rate-limited like any
// request.
func (c *RDAPClient) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRDAPRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRDAPRedirects)
	}
	to := req.URL
	if to.Scheme != "http" && to.Scheme != "https" {
		return fmt.Errorf("redirect to a %q URL refused", to.Scheme)
	}
	if via[0].URL.Scheme == "https" && to.Scheme != "https" {
		return errors.New("redirect from https to http refused")
	}
	if c.server != nil && rdapHostPort(to) != rdapHostPort(c.server) {
		return fmt.Errorf("redirect to %s refused: every query goes to %s", to.Host, c.server.Host)
	}
	return c.limiter.Wait(req.Context(), to.Host)
}

// rdapReadBounded reads r to the end, failing when it holds more than limit
// bytes.
func rdapReadBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", errRDAPTooLarge, limit)
	}
	return b, nil
}

// rdapParseRetryAfter reads a Retry-After value, in seconds or an HTTP date.
func rdapParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// rdapSleep waits for d or until ctx is done.
func rdapSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func rdapStatusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// decodeRDAP decodes an answer with openrdap's decoder. An RDAP error
// object is returned as an error, wrapping ErrNotFound for a 404.
func decodeRDAP(body []byte) (obj any, err error) {
	// openrdap's decoder is not ours and its input is hostile: a panic in
	// it must not take the scan down.
	defer func() {
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("undecodable RDAP answer (%v)", r)
		}
	}()
	obj, err = rdap.NewDecoder(body).Decode()
	if err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 {
			return nil, fmt.Errorf("malformed RDAP JSON: %w", err)
		}
		return nil, fmt.Errorf("malformed RDAP answer: %w", err)
	}
	switch o := obj.(type) {
	case *rdap.Error:
		return nil, rdapErrorObject(o)
	case *rdap.IPNetwork:
		rdapNormaliseVCards(o.Entities)
	case *rdap.Domain:
		rdapNormaliseVCards(o.Entities)
	case *rdap.Autnum:
		rdapNormaliseVCards(o.Entities)
	case *rdap.Entity:
		rdapNormaliseVCard(o)
		rdapNormaliseVCards(o.Entities)
	}
	return obj, nil
}

// rdapErrorObject turns an RDAP error answer into an error.
func rdapErrorObject(e *rdap.Error) error {
	code := 0
	if e.ErrorCode != nil {
		code = int(*e.ErrorCode)
	}
	msg := rdapClean(e.Title + " " + strings.Join(e.Description, " "))
	if code == http.StatusNotFound {
		if msg == "" {
			return ErrNotFound
		}
		return fmt.Errorf("%w (%s)", ErrNotFound, msg)
	}
	return fmt.Errorf("RDAP error %d: %s", code, msg)
}

// rdapObjectKind names a decoded answer's type for error messages.
func rdapObjectKind(obj any) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", obj), "*rdap.")
}

// rdapNeeds says which contacts a lookup wants, for following entity
// links.
type rdapNeeds struct {
	orgRoles []string // roles whose name is the holder, in order of preference
	abuse    bool     // the abuse e-mail is wanted
}

var (
	rdapNetworkNeeds = rdapNeeds{orgRoles: []string{"registrant", "administrative"}, abuse: true}
	rdapDomainNeeds  = rdapNeeds{orgRoles: []string{"registrant"}}
)

// followEntities fetches the entities of the answer a that the answer only
// names (a handle and a link) while the holder or the abuse contact is
// still unknown, at most c.maxFetches of them, and merges them in place.
// A failed fetch only leaves the entity as it was; only ctx ending is an
// error.
func (c *RDAPClient) followEntities(ctx context.Context, a *rdapAnswer, ents []rdap.Entity, needs rdapNeeds) error {
	tried := make(map[*rdap.Entity]bool)
	fetched := make(map[string]bool) // URLs
	room := maxRDAPEntities          // nested entities that merges may add
	for len(fetched) < c.maxFetches {
		e := rdapNextEntity(ents, needs, tried)
		if e == nil {
			return nil
		}
		tried[e] = true
		u := c.entityURL(e, a)
		if u == nil || fetched[u.String()] {
			continue
		}
		fetched[u.String()] = true
		got, err := c.fetchEntity(ctx, u, a)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		room = rdapMergeEntity(e, got, room)
	}
	return nil
}

// fetchEntity fetches and decodes the entity at u, adding the raw answer
// to a's.
func (c *RDAPClient) fetchEntity(ctx context.Context, u *url.URL, a *rdapAnswer) (*rdap.Entity, error) {
	body, final, err := c.fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	a.raw = append(a.raw, RawAnswer{URL: final.String(), Body: body})
	obj, err := decodeRDAP(body)
	if err != nil {
		return nil, err
	}
	e, ok := obj.(*rdap.Entity)
	if !ok {
		return nil, fmt.Errorf("%s answered %s, not an entity", final, rdapObjectKind(obj))
	}
	return e, nil
}

// entityURL is where to fetch e: its self or related link when that is on
// the host that answered, else /entity/<handle> on that server; nil when e
// has neither. Links to any other host are never followed.
func (c *RDAPClient) entityURL(e *rdap.Entity, a *rdapAnswer) *url.URL {
	ref, err := url.Parse(a.raw[0].URL)
	if err != nil {
		ref = a.base
	}
	for _, l := range e.Links {
		if l.Rel != "self" && l.Rel != "related" {
			continue
		}
		if l.Type != "" && !strings.Contains(strings.ToLower(l.Type), "json") {
			continue
		}
		u, err := ref.Parse(strings.TrimSpace(l.Href))
		if err != nil || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		if a.base.Scheme == "https" && u.Scheme != "https" {
			continue
		}
		if rdapHostPort(u) == rdapHostPort(a.base) {
			u.Fragment = ""
			return u
		}
	}
	h := strings.TrimSpace(e.Handle)
	if h == "" || len(h) > maxRDAPHandleLen {
		return nil
	}
	u, err := rdapRequestURL(a.base, rdap.EntityRequest, h)
	if err != nil {
		return nil
	}
	return u
}

// rdapHostPort is u's host and port, the port defaulted from the scheme, in
// lower case: two URLs with the same rdapHostPort reach the same server.
func rdapHostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// rdapNextEntity returns the first entity not yet tried whose fetch
// could give what is still unknown: a holder's name, or the abuse e-mail.
func rdapNextEntity(ents []rdap.Entity, needs rdapNeeds, tried map[*rdap.Entity]bool) *rdap.Entity {
	untried := func(role string, lacks func(*rdap.Entity) bool) *rdap.Entity {
		var found *rdap.Entity
		rdapWalkEntities(ents, func(e *rdap.Entity, _ int) bool {
			if rdapHasRole(e, role) && lacks(e) && !tried[e] {
				found = e
				return false
			}
			return true
		})
		return found
	}
	if _, ok := rdapHolder(ents, needs.orgRoles); !ok {
		for _, role := range needs.orgRoles {
			if e := untried(role, func(e *rdap.Entity) bool { return rdapContactOf(e).name == "" }); e != nil {
				return e
			}
		}
	}
	if needs.abuse && rdapAbuseEmail(ents) == "" {
		if e := untried("abuse", func(e *rdap.Entity) bool { return rdapVCardEmail(e.VCard) == "" }); e != nil {
			return e
		}
	}
	return nil
}

// rdapMergeEntity completes e with what its fetch returned, adding at
// most room nested entities; it returns the room left.
func rdapMergeEntity(e, fetched *rdap.Entity, room int) int {
	if fetched.VCard != nil {
		e.VCard = fetched.VCard
	}
	if len(e.Roles) == 0 {
		e.Roles = fetched.Roles
	}
	n := max(0, min(room, len(fetched.Entities)))
	e.Entities = append(e.Entities, fetched.Entities[:n]...)
	return room - n
}

// rdapWalkEntities calls fn on the entities and their nested entities,
// breadth first, down to maxRDAPEntityDepth levels and maxRDAPEntities
// entities, until fn returns false. depth is 0 for ents themselves.
func rdapWalkEntities(ents []rdap.Entity, fn func(e *rdap.Entity, depth int) bool) {
	level := make([]*rdap.Entity, 0, min(len(ents), maxRDAPEntities))
	for i := range ents {
		if len(level) < maxRDAPEntities {
			level = append(level, &ents[i])
		}
	}
	visited := 0
	for depth := 0; depth < maxRDAPEntityDepth && len(level) > 0; depth++ {
		var next []*rdap.Entity
		for _, e := range level {
			if visited++; visited > maxRDAPEntities {
				return
			}
			if !fn(e, depth) {
				return
			}
			for i := range e.Entities {
				if len(next) < maxRDAPEntities {
					next = append(next, &e.Entities[i])
				}
			}
		}
		level = next
	}
}

// rdapNormaliseVCards gives every entity whose vCard openrdap rejected (one
// bad property spoils the whole card) what its valid properties say.
func rdapNormaliseVCards(ents []rdap.Entity) {
	rdapWalkEntities(ents, func(e *rdap.Entity, _ int) bool {
		rdapNormaliseVCard(e)
		return true
	})
}

func rdapNormaliseVCard(e *rdap.Entity) {
	if e.VCard != nil || e.DecodeData == nil {
		return
	}
	raw := e.DecodeData.Value("vcardArray")
	if raw == nil {
		return
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return
	}
	if v, err := rdap.NewVCardWithOptions(b, rdap.VCardOptions{IgnoreInvalidProperties: true}); err == nil {
		e.VCard = v
	}
}

func rdapHasRole(e *rdap.Entity, role string) bool {
	return slices.ContainsFunc(e.Roles, func(r string) bool {
		return strings.EqualFold(strings.TrimSpace(r), role)
	})
}

// rdapContact is what an entity's vCard says of its holder.
type rdapContact struct {
	name, kind, address, country string
}

// rdapContactOf reads e's vCard: the organisation, else the formatted name.
func rdapContactOf(e *rdap.Entity) rdapContact {
	v := e.VCard
	if v == nil {
		return rdapContact{}
	}
	c := rdapContact{name: rdapVCardOrg(v), kind: strings.ToLower(rdapVCardText(v, "kind"))}
	if c.name == "" {
		c.name = rdapVCardText(v, "fn")
	}
	c.address, c.country = rdapVCardAddress(v)
	return c
}

// rdapHolder returns the holder of an object: the first entity with a name
// among those of the first role in roles that has one, organisations
// before individuals. Roles after the first are only looked for at the top
// level: nested entities are the first role's contacts (ARIN nests an
// organisation's administrative, technical and abuse teams in it).
func rdapHolder(ents []rdap.Entity, roles []string) (rdapContact, bool) {
	for i, role := range roles {
		var best, first rdapContact
		rdapWalkEntities(ents, func(e *rdap.Entity, depth int) bool {
			if i > 0 && depth > 0 {
				return false
			}
			if !rdapHasRole(e, role) {
				return true
			}
			c := rdapContactOf(e)
			if c.name == "" {
				return true
			}
			if c.kind == "org" {
				best = c
				return false
			}
			if first.name == "" {
				first = c
			}
			return true
		})
		if best.name != "" {
			return best, true
		}
		if first.name != "" {
			return first, true
		}
	}
	return rdapContact{}, false
}

// rdapAbuseEmail returns the e-mail of the first abuse contact, at any depth.
func rdapAbuseEmail(ents []rdap.Entity) string {
	var email string
	rdapWalkEntities(ents, func(e *rdap.Entity, _ int) bool {
		if rdapHasRole(e, "abuse") {
			email = rdapVCardEmail(e.VCard)
		}
		return email == ""
	})
	return email
}

// rdapNetworkRecord extracts a NetworkRecord from a decoded ip network.
func rdapNetworkRecord(n *rdap.IPNetwork) *NetworkRecord {
	rec := &NetworkRecord{Name: rdapClean(n.Name), Handle: rdapClean(n.Handle)}
	start, err1 := netip.ParseAddr(strings.TrimSpace(n.StartAddress))
	end, err2 := netip.ParseAddr(strings.TrimSpace(n.EndAddress))
	if err1 == nil && err2 == nil {
		start, end = start.Unmap().WithZone(""), end.Unmap().WithZone("")
		if start.Is4() == end.Is4() && start.Compare(end) <= 0 {
			rec.Start, rec.End = start, end
		}
	}
	rec.CIDRs = rdapCIDR0(n.DecodeData, rec.Start, rec.End)
	if len(rec.CIDRs) == 0 && rec.Start.IsValid() {
		rec.CIDRs = rdapRangeToCIDRs(rec.Start, rec.End)
	}
	if cc := rdapClean(n.Country); rdapIsCountryCode(cc) {
		rec.Country = strings.ToUpper(cc)
	}
	if c, ok := rdapHolder(n.Entities, rdapNetworkNeeds.orgRoles); ok {
		rec.OrgName, rec.OrgAddress, rec.OrgCountry = c.name, c.address, c.country
	}
	if rec.Country == "" && rdapIsCountryCode(rec.OrgCountry) {
		rec.Country = rec.OrgCountry
	}
	rec.Abuse = rdapAbuseEmail(n.Entities)
	rec.ASNs = rdapOriginASNs(n.DecodeData)
	return rec
}

// rdapDomainRecord extracts a DomainRecord for name from a decoded domain.
func rdapDomainRecord(d *rdap.Domain, name string) *DomainRecord {
	rec := &DomainRecord{Domain: name}
	rdapWalkEntities(d.Entities, func(e *rdap.Entity, _ int) bool {
		if !rdapHasRole(e, "registrar") || e.VCard == nil {
			return true
		}
		rec.Registrar = rdapVCardText(e.VCard, "fn")
		if rec.Registrar == "" {
			rec.Registrar = rdapVCardOrg(e.VCard)
		}
		return rec.Registrar == ""
	})
	var registrant, country string
	masked := false
	rdapWalkEntities(d.Entities, func(e *rdap.Entity, _ int) bool {
		if !rdapHasRole(e, "registrant") || e.VCard == nil {
			return true
		}
		for _, s := range []string{rdapVCardOrg(e.VCard), rdapVCardText(e.VCard, "fn")} {
			switch {
			case s == "":
			case rdapIsRedacted(s):
				masked = true
			case registrant == "":
				registrant = s
			}
		}
		if _, cc := rdapVCardAddress(e.VCard); country == "" && cc != "" && !rdapIsRedacted(cc) {
			country = cc
		}
		return registrant == ""
	})
	switch {
	case registrant != "":
		rec.Registrant = registrant
	case masked || rdapRedactedMentions(d.DecodeData, "registrant"):
		rec.Redacted = true
	}
	rec.RegistrantCountry = country
	return rec
}

// rdapRedactedMentions reports whether the RFC 9537 "redacted" member lists a
// field whose name or path mentions word (such as "registrant").
func rdapRedactedMentions(dd *rdap.DecodeData, word string) bool {
	if dd == nil {
		return false
	}
	list, _ := dd.Value("redacted").([]any)
	for i, item := range list {
		if i >= maxRDAPEntities {
			break
		}
		m, _ := item.(map[string]any)
		name, _ := m["name"].(map[string]any)
		for _, s := range []any{name["type"], name["description"], m["prePath"], m["path"], m["postPath"]} {
			if str, ok := s.(string); ok && strings.Contains(strings.ToLower(str), word) {
				return true
			}
		}
	}
	return false
}

// rdapRedactionMarkers are what registrars put in place of a withheld
// registrant (lower case).
var rdapRedactionMarkers = []string{
	"redacted", "data protected", "not disclosed", "non-public", "withheld",
	"gdpr masked", "statutory masking", "whois privacy", "privacy service",
	"contact privacy", "domains by proxy", "whoisguard", "privacyguardian",
	"identity protect", "private registrant",
}

func rdapIsRedacted(s string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc(rdapRedactionMarkers, func(m string) bool { return strings.Contains(s, m) })
}

// rdapCIDR0 reads the cidr0 extension's prefixes that lie within start-end
// (when the range is known).
func rdapCIDR0(dd *rdap.DecodeData, start, end netip.Addr) []string {
	if dd == nil {
		return nil
	}
	list, _ := dd.Value("cidr0_cidrs").([]any)
	var out []string
	for _, item := range list {
		if len(out) >= maxRDAPCIDRs {
			break
		}
		m, _ := item.(map[string]any)
		s, _ := m["v4prefix"].(string)
		if s == "" {
			s, _ = m["v6prefix"].(string)
		}
		length, ok := m["length"].(float64)
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if !ok || err != nil {
			continue
		}
		a = a.Unmap().WithZone("")
		if length != math.Trunc(length) || length < 0 || length > float64(a.BitLen()) {
			continue
		}
		p := netip.PrefixFrom(a, int(length)).Masked()
		if start.IsValid() && (p.Addr().Is4() != start.Is4() || p.Addr().Compare(start) < 0 || rdapLastAddr(p).Compare(end) > 0) {
			continue
		}
		if ps := p.String(); !slices.Contains(out, ps) {
			out = append(out, ps)
		}
	}
	return out
}

// rdapRangeToCIDRs returns the fewest prefixes covering start-end exactly
// (start <= end, same family).
func rdapRangeToCIDRs(start, end netip.Addr) []string {
	var out []string
	for len(out) < maxRDAPCIDRs {
		bits := start.BitLen()
		for bits > 0 {
			wider := netip.PrefixFrom(start, bits-1).Masked()
			if wider.Addr() != start || rdapLastAddr(wider).Compare(end) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(start, bits)
		out = append(out, p.String())
		last := rdapLastAddr(p)
		if last.Compare(end) >= 0 {
			break
		}
		if start = last.Next(); !start.IsValid() {
			break
		}
	}
	return out
}

// rdapLastAddr returns the last address of p.
func rdapLastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr()
	b := a.As16()
	first := p.Bits()
	if a.Is4() {
		first += 96
	}
	for i := first; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	if a.Is4() {
		return netip.AddrFrom16(b).Unmap()
	}
	return netip.AddrFrom16(b)
}

// rdapOriginASNs reads ARIN's arin_originas0 extension: the networks' origin
// autonomous systems.
func rdapOriginASNs(dd *rdap.DecodeData) []uint32 {
	if dd == nil {
		return nil
	}
	list, _ := dd.Value("arin_originas0_originautnums").([]any)
	var out []uint32
	for _, v := range list {
		if len(out) >= maxRDAPASNs {
			break
		}
		var asn uint32
		switch x := v.(type) {
		case float64:
			if x < 0 || x > math.MaxUint32 || x != math.Trunc(x) {
				continue
			}
			asn = uint32(x)
		case string:
			s := strings.TrimSpace(x)
			if len(s) > 2 && strings.EqualFold(s[:2], "AS") {
				s = s[2:]
			}
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				continue
			}
			asn = uint32(n)
		default:
			continue
		}
		if !slices.Contains(out, asn) {
			out = append(out, asn)
		}
	}
	return out
}

// rdapVCardText returns the first non-empty value of the property name.
func rdapVCardText(v *rdap.VCard, name string) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Get(name) {
		if s := rdapClean(rdapFlatten(p.Value, " ")); s != "" {
			return s
		}
	}
	return ""
}

// rdapVCardOrg returns the organisation name: the first component of the org
// property (the others are units).
func rdapVCardOrg(v *rdap.VCard) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Get("org") {
		val := p.Value
		if list, ok := val.([]any); ok && len(list) > 0 {
			val = list[0]
		}
		if s := rdapClean(rdapFlatten(val, " ")); s != "" {
			return s
		}
	}
	return ""
}

// rdapVCardEmail returns the first e-mail address of the vCard.
func rdapVCardEmail(v *rdap.VCard) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Get("email") {
		s := rdapClean(rdapFlatten(p.Value, " "))
		if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
			s = s[7:]
		}
		if strings.Contains(s, "@") && !strings.ContainsAny(s, " <>") {
			return s
		}
	}
	return ""
}

// rdapVCardAddress returns the vCard's postal address on one line (its label
// when given, else its components) and its country: the cc parameter, the
// country component, or the label's last line when it names a country.
func rdapVCardAddress(v *rdap.VCard) (address, country string) {
	if v == nil {
		return "", ""
	}
	p := v.GetFirst("adr")
	if p == nil {
		return "", ""
	}
	var comps [7]string
	if list, ok := p.Value.([]any); ok {
		for i := 0; i < len(list) && i < len(comps); i++ {
			comps[i] = rdapClean(rdapFlatten(list[i], ", "))
		}
	}
	var lines []string
	if labels := p.Parameters["label"]; len(labels) > 0 {
		for line := range strings.Lines(labels[0]) {
			if l := rdapClean(line); l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		lines = slices.DeleteFunc(slices.Clone(comps[:]), func(s string) bool { return s == "" })
	}
	address = rdapClean(strings.Join(lines, ", "))
	if cc := p.Parameters["cc"]; len(cc) > 0 && rdapIsCountryCode(rdapClean(cc[0])) {
		country = strings.ToUpper(rdapClean(cc[0]))
	} else if comps[6] != "" {
		country = comps[6]
		if code, ok := rdapCountryByName[strings.ToLower(country)]; ok {
			country = code
		} else if rdapIsCountryCode(country) {
			country = strings.ToUpper(country)
		}
	} else if n := len(lines); n > 0 {
		// Only a full name: a two-letter last line is as likely a region
		// (ARIN's "CA" is California).
		country = rdapCountryByName[strings.ToLower(lines[n-1])]
	}
	return address, country
}

// rdapFlatten joins the strings of a jCard value, structured or not.
func rdapFlatten(v any, sep string) string {
	var parts []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			if s := strings.TrimSpace(x); s != "" {
				parts = append(parts, s)
			}
		case []any:
			if depth > 4 {
				return
			}
			for _, y := range x {
				walk(y, depth+1)
			}
		}
	}
	walk(v, 0)
	return strings.Join(parts, sep)
}

// rdapClean makes a registry string fit for a record: control characters
// dropped, white space collapsed, bounded to maxRDAPFieldLen bytes.
func rdapClean(s string) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)), " ")
	if len(s) > maxRDAPFieldLen {
		i := maxRDAPFieldLen
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

func rdapIsCountryCode(s string) bool {
	return len(s) == 2 && rdapIsLetter(s[0]) && rdapIsLetter(s[1])
}

func rdapIsLetter(b byte) bool {
	return ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// rdapCountryByName maps the country names registries write in addresses (lower
// case) to ISO 3166 codes; the countries that most often operate networks
// and those of the EEA, whose operators policies allow.
var rdapCountryByName = map[string]string{
	"united states": "US", "united states of america": "US", "usa": "US",
	"canada": "CA", "mexico": "MX", "brazil": "BR", "argentina": "AR",
	"united kingdom": "GB", "great britain": "GB", "switzerland": "CH",
	"russia": "RU", "russian federation": "RU", "ukraine": "UA", "turkey": "TR", "türkiye": "TR",
	"china": "CN", "hong kong": "HK", "taiwan": "TW", "japan": "JP",
	"korea, republic of": "KR", "republic of korea": "KR", "south korea": "KR",
	"singapore": "SG", "india": "IN", "israel": "IL", "australia": "AU",
	"new zealand": "NZ", "south africa": "ZA", "united arab emirates": "AE",
	"austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR",
	"cyprus": "CY", "czech republic": "CZ", "czechia": "CZ", "denmark": "DK",
	"estonia": "EE", "finland": "FI", "france": "FR", "germany": "DE",
	"greece": "GR", "hungary": "HU", "ireland": "IE", "italy": "IT",
	"latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "malta": "MT",
	"netherlands": "NL", "the netherlands": "NL", "netherlands (kingdom of the)": "NL",
	"poland": "PL", "portugal": "PT", "romania": "RO", "slovakia": "SK",
	"slovenia": "SI", "spain": "ES", "sweden": "SE", "iceland": "IS",
	"liechtenstein": "LI", "norway": "NO",
}

// rdapCountingTransport counts the requests sent through it.
type rdapCountingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t *rdapCountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(req)
}

// rdapBootstrapTransport rate-limits IANA bootstrap downloads and bounds their
// size, which openrdap reads whole.
type rdapBootstrapTransport struct {
	next    http.RoundTripper
	limiter *hostLimiter
	max     int64
}

func (t *rdapBootstrapTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context(), req.URL.Host); err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &rdapBoundedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// rdapBoundedBody fails a read past its size limit.
type rdapBoundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *rdapBoundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), 0
		return n, errRDAPTooLarge
	}
	b.left -= int64(n)
	return n, err
}

func (b *rdapBoundedBody) Close() error { return b.rc.Close() }

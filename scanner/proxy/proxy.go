// Package proxy is vigie's recording proxy: the loopback HTTP proxy the
// headless browser is started with (--proxy-server), so that every
// connection a page makes goes through vigie's own resolver, its upstream
// proxy (--proxy) and its refusal rules, and is recorded as an
// evidence.Connection.
//
// It tunnels CONNECT requests without decrypting them (counting the bytes
// each way and timing the tunnel) and forwards plain-HTTP requests
// (absolute-form URIs) with the hop-by-hop headers removed, one upstream
// connection per request. Every host is resolved with Config.Resolve, never
// with Go's or the system's resolver; destinations in private, loopback,
// link-local and other non-public ranges are refused unless Config.AllowPrivate
// lets them through, so that a page cannot turn the scanner against the
// network it runs in. Everything the browser and the network send is
// treated as hostile: header sizes, connection counts and idle times are
// bounded, and garbage is answered with an error status, never a panic.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Defaults for the zero values of Config's bounds.
const (
	DefaultMaxConns       = 256
	DefaultIdleTimeout    = 60 * time.Second
	DefaultDialTimeout    = 10 * time.Second
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxResponseHeaderBytes is Chromium's own bound on a
	// response's headers: a site padding its headers up to it must not
	// make the proxy drop its answer (and the cookies it sets).
	DefaultMaxResponseHeaderBytes = 256 << 10
	DefaultSilentTimeout          = 10 * time.Second
)

// AnswerHeader marks the answers the proxy makes up itself — a refusal
// (403), a destination that could not be reached (502), an overload
// (503), a malformed request (400, 431) — with the proxy's message as its
// value. Such an answer is never the site's: a loader that receives one
// for an http:// URL has failed to load it. The header is removed from
// the answers the proxy forwards, so that a site cannot pass its own
// answers off as the proxy's.
const AnswerHeader = "X-Vigie-Proxy"

// maxRecords bounds how many connections are recorded; later ones are still
// served but counted only in the last record's Error. A page load makes a few
// hundred at most.
const maxRecords = 20000

// maxDialAddrs bounds how many of a host's addresses are tried in turn.
const maxDialAddrs = 4

// Config configures a Proxy. Resolve is required; the zero value of every
// other field is usable.
type Config struct {
	// Resolve returns the addresses of a host name. It is vigie's resolver
	// (scanner/dnsinfo), so that --resolver governs the browser too; the
	// proxy never uses Go's or the system's resolver. IP literals are not
	// passed to it.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Upstream is the --proxy URL every connection goes through:
	// socks5://host:port (or socks5h://), http://host:port or
	// https://host:port, with optional user:password. Empty dials directly.
	// The upstream is asked for the host name, not the address: the proxy
	// still resolves it, to record the addresses and apply the refusal rules.
	Upstream string
	// DialOverride maps "host:port" to the address that serves it
	// ("127.0.0.1:port"). It is for the lab (tests and `vigie demo`) only;
	// the CLI never sets it. An overridden destination is still resolved and
	// recorded, but dialled at the override, which is never refused.
	DialOverride map[string]string
	// AllowPrivate lists the non-public ranges that may be dialled anyway:
	// the scanner passes the target's own ranges when the target itself
	// resolves into one. Other private, loopback, link-local, unspecified,
	// multicast and shared (100.64.0.0/10) addresses are refused.
	AllowPrivate []netip.Prefix
	// MaxConns bounds the browser's concurrent connections to the proxy;
	// further ones are answered 503. Zero means DefaultMaxConns.
	MaxConns int
	// IdleTimeout closes a tunnel or a browser connection with no traffic
	// for that long; it also bounds the reading of a request's headers and
	// the wait for an upstream's response headers. Zero means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// DialTimeout bounds the resolution of a host and each dial attempt.
	// Zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers (and an upstream
	// proxy's answer to CONNECT). Zero means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxResponseHeaderBytes bounds a forwarded response's headers. Zero
	// means DefaultMaxResponseHeaderBytes, Chromium's own bound.
	MaxResponseHeaderBytes int
	// SilentTimeout is how long a destination may stay silent once the
	// browser has spoken in a tunnel: a TLS server answers a ClientHello
	// at once. A plain-HTTP server gets three times as long for its
	// response headers (it may be computing the page). A destination
	// silent that long (a tarpit: it accepts and never answers) has its
	// connection closed and is marked Silent, so that a load costs its
	// own budget and the next load of that host can be skipped. Zero
	// means DefaultSilentTimeout.
	SilentTimeout time.Duration
}

// Proxy is a running recording proxy. Its methods are safe for concurrent use.
type Proxy struct {
	// Addr is the proxy's "127.0.0.1:port", for --proxy-server=http://Addr.
	Addr string

	cfg      Config
	dialer   *Dialer
	upstream *url.URL // the dialer's
	ln       net.Listener
	ctx      context.Context // cancelled by Close
	cancel   context.CancelFunc
	stopCtx  func() bool // stops the context.AfterFunc of Start's ctx
	slots    chan struct{}
	wg       sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	visit     string
	listeners []net.Listener // the labelled endpoints (Listen)
	records   []*record
	dropped   int
	silent    map[string]bool       // "host:port" of the destinations found silent
	open      map[net.Conn]struct{} // every live connection, both sides
	closeErr  error
	closeOnce sync.Once
}

// Start listens on 127.0.0.1 (a random port) and serves until Close is
// called or ctx is done, whichever comes first: when ctx ends, the proxy
// closes as by Close. It fails on an invalid configuration.
func Start(ctx context.Context, cfg Config) (*Proxy, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	if cfg.Resolve == nil {
		return nil, errors.New("proxy: no resolver (Config.Resolve is required)")
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.MaxResponseHeaderBytes <= 0 {
		cfg.MaxResponseHeaderBytes = DefaultMaxResponseHeaderBytes
	}
	if cfg.SilentTimeout <= 0 {
		cfg.SilentTimeout = DefaultSilentTimeout
	}
	d, err := NewDialer(DialConfig{Resolve: cfg.Resolve, Upstream: cfg.Upstream, DialOverride: cfg.DialOverride,
		AllowPrivate: cfg.AllowPrivate, Timeout: cfg.DialTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes})
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, dialer: d, upstream: d.upstream, slots: make(chan struct{}, cfg.MaxConns), open: make(map[net.Conn]struct{})}
	d.self = p.isSelf
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	p.ln, p.Addr = ln, ln.Addr().String()
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.stopCtx = context.AfterFunc(ctx, func() { _ = p.Close() })
	p.wg.Go(func() { p.acceptLoop(ln, "") })
	return p, nil
}

// Listen opens another endpoint of the proxy, on 127.0.0.1 (a random
// port), whose connections are all labelled with label: a visit's ID
// ("visit/initial", "visit/legal/3" …). Visits that run at the same time
// in one browser each get their own endpoint (a browser context has its
// own proxy), so that every connection is told apart by where it came
// in, not by when. The endpoint closes with the proxy, or earlier by the
// returned function; connections already open keep being served.
func (p *Proxy) Listen(label string) (addr string, closeEndpoint func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("proxy: listen for %s: %w", label, err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		ln.Close()
		return "", nil, fmt.Errorf("proxy: listen for %s: proxy closed", label)
	}
	p.listeners = append(p.listeners, ln)
	p.mu.Unlock()
	p.wg.Go(func() { p.acceptLoop(ln, label) })
	return ln.Addr().String(), func() { _ = ln.Close() }, nil
}

// parseUpstream validates an upstream proxy URL.
func parseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("proxy: upstream %q: %w", raw, err)
	}
	switch u.Scheme {
	case "socks5", "socks5h", "http", "https":
	default:
		return nil, fmt.Errorf("proxy: upstream %q: scheme %q is not socks5, http or https", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("proxy: upstream %q: no host", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("proxy: upstream %q: invalid port", raw)
		}
	}
	return u, nil
}

// SetVisit labels the connections that follow on the main endpoint (Addr)
// with a visit ID ("visit/initial" …); connections already open keep their
// label. Endpoints opened with Listen have their own label.
func (p *Proxy) SetVisit(id string) {
	p.mu.Lock()
	p.visit = id
	p.mu.Unlock()
}

// Connections returns every connection so far, in the order the browser
// asked for them, with IDs "conn/<n>". A connection still open is reported
// with its bytes and duration so far.
func (p *Proxy) Connections() []evidence.Connection {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]evidence.Connection, 0, len(p.records))
	for _, r := range p.records {
		out = append(out, r.evidence(now))
	}
	if p.dropped > 0 && len(out) > 0 {
		last := &out[len(out)-1]
		last.Error = joinNote(last.Error, fmt.Sprintf("%d later connections not recorded (limit %d)", p.dropped, maxRecords))
	}
	return out
}

// Close stops the proxy: it closes the listener and every connection and
// tunnel, cancels resolutions and dials under way, and waits for them to
// end. It may be called more than once.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.stopCtx()
		p.mu.Lock()
		p.closed = true
		conns := make([]net.Conn, 0, len(p.open))
		for c := range p.open {
			conns = append(conns, c)
		}
		listeners := p.listeners
		p.mu.Unlock()
		p.cancel()
		if err := p.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			p.closeErr = fmt.Errorf("proxy close: %w", err)
		}
		for _, ln := range listeners {
			_ = ln.Close()
		}
		for _, c := range conns {
			_ = c.Close()
		}
		p.wg.Wait()
	})
	return p.closeErr
}

// acceptLoop accepts the browser's connections on ln until it closes;
// label is the endpoint's label ("" for the main endpoint, whose label is
// SetVisit's).
func (p *Proxy) acceptLoop(ln net.Listener, label string) {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || p.ctx.Err() != nil {
				return
			}
			// A temporary error (too many open files …): back off, bounded.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
			case <-p.ctx.Done():
				return
			}
			continue
		}
		delay = 0
		if !p.track(c) {
			_ = c.Close()
			return
		}
		select {
		case p.slots <- struct{}{}:
			p.wg.Go(func() {
				defer func() { <-p.slots }()
				defer p.untrack(c)
				p.serveConn(c, label)
			})
		default:
			p.wg.Go(func() {
				defer p.untrack(c)
				p.overloaded(c)
			})
		}
	}
}

// track registers a live connection so that Close can close it; it reports
// false (and registers nothing) once the proxy is closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.open[c] = struct{}{}
	return true
}

// untrack closes c and forgets it.
func (p *Proxy) untrack(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
}

// overloaded answers a connection beyond MaxConns with 503 and closes it.
func (p *Proxy) overloaded(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n" + AnswerHeader + ": too many connections\r\n\r\n"))
}

// Silent reports whether host:port was found silent by an earlier
// connection: it accepted, the browser spoke, and nothing came back within
// Config.SilentTimeout. Loaders skip such a destination instead of
// spending another load's budget on it.
func (p *Proxy) Silent(host string, port int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.silent[net.JoinHostPort(normaliseHost(host), strconv.Itoa(port))]
}

// Answered reports whether host:port has sent bytes on a connection of
// this proxy: it is not silent, whatever its other connections do.
func (p *Proxy) Answered(host string, port int) bool {
	host = normaliseHost(host)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.records {
		if r.port == port && r.host == host && r.received.Load() > 0 {
			return true
		}
	}
	return false
}

// markSilent records that r's destination was silent.
func (p *Proxy) markSilent(r *record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.silent == nil {
		p.silent = map[string]bool{}
	}
	if len(p.silent) < maxRecords {
		p.silent[net.JoinHostPort(r.host, strconv.Itoa(r.port))] = true
	}
}

// record is one recorded connection.
type record struct {
	id         string
	visit      string
	host       string
	port       int
	background bool
	started    time.Time

	// The fields below are guarded by Proxy.mu, but for the byte counters.
	addrs    []netip.Addr
	dialed   string
	refused  string
	err      string
	duration time.Duration
	done     bool

	sent, received atomic.Int64
}

// newRecord records a new connection to host:port, labelled with the
// endpoint's label, or for the main endpoint with the current visit
// (SetVisit). Past maxRecords, the record returned is not kept.
func (p *Proxy) newRecord(host string, port int, label string) *record {
	p.mu.Lock()
	defer p.mu.Unlock()
	if label == "" {
		label = p.visit
	}
	r := &record{
		id:         "conn/" + strconv.Itoa(len(p.records)+1),
		visit:      label,
		host:       host,
		port:       port,
		background: IsBackground(host),
		started:    time.Now(),
	}
	if len(p.records) >= maxRecords {
		p.dropped++
		return r
	}
	p.records = append(p.records, r)
	return r
}

// update changes a record under the proxy's lock.
func (p *Proxy) update(r *record, f func(r *record)) {
	p.mu.Lock()
	f(r)
	p.mu.Unlock()
}

// finish ends a record's timing.
func (p *Proxy) finish(r *record) {
	p.update(r, func(r *record) {
		if !r.done {
			r.done = true
			r.duration = time.Since(r.started)
		}
	})
}

// evidence converts r; the caller holds the proxy's lock.
func (r *record) evidence(now time.Time) evidence.Connection {
	c := evidence.Connection{
		ID:            r.id,
		Visit:         r.visit,
		Host:          r.host,
		Port:          r.port,
		Dialed:        r.dialed,
		BytesSent:     r.sent.Load(),
		BytesReceived: r.received.Load(),
		Started:       r.started.UTC(),
		Duration:      r.duration,
		Refused:       r.refused,
		Error:         r.err,
		Background:    r.background,
	}
	if !r.done {
		c.Duration = now.Sub(r.started)
	}
	for _, a := range r.addrs {
		c.Addresses = append(c.Addresses, a.String())
	}
	return c
}

// joinNote appends a note to an error text.
func joinNote(s, note string) string {
	if s == "" {
		return note
	}
	return s + "; " + note
}

package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	xproxy "golang.org/x/net/proxy"
)

// upstreamRootCAs verifies an https upstream proxy; nil means the system's
// roots. Tests set it.
var upstreamRootCAs *x509.CertPool

// maxAddrs bounds how many resolved addresses are kept per connection.
const maxAddrs = 32

// normaliseHost lower-cases a host and strips IPv6 brackets and a trailing dot.
func normaliseHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// parseIP parses an IP literal without a zone.
func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, err
	}
	if a.Zone() != "" {
		return netip.Addr{}, errors.New("zoned address")
	}
	return a, nil
}

// DialConfig configures a Dialer. Resolve is required; the zero value of
// every other field is usable.
type DialConfig struct {
	// Resolve returns the addresses of a host name: vigie's resolver, never
	// Go's or the system's. IP literals are not passed to it.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Upstream is the --proxy URL every connection goes through (see
	// Config.Upstream); empty dials directly.
	Upstream string
	// DialOverride maps "host:port" to the address that serves it, for the
	// lab only (see Config.DialOverride): never refused.
	DialOverride map[string]string
	// AllowPrivate lists the non-public ranges that may be dialled anyway
	// (the target's own addresses, --allow-network).
	AllowPrivate []netip.Prefix
	// Timeout bounds each resolution and each dial attempt; zero means
	// DefaultDialTimeout.
	Timeout time.Duration
	// MaxHeaderBytes bounds an HTTP upstream's answer to CONNECT; zero
	// means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
}

// Dialer connects to web destinations under vigie's one refusal rule, for
// every loader — the recording proxy the browser and the plain-HTTP loads
// go through, and the access comparison's direct and proxied loads — on
// every hop, redirects included. The host is resolved with
// DialConfig.Resolve, and every address is judged by Refusal: without an
// upstream, only the allowed addresses are dialled (a name with a public
// and a loopback address is dialled at the public one only); with one,
// the upstream picks the address, so every address must be allowed before
// the upstream is asked for the name. A Dialer is safe for concurrent use.
type Dialer struct {
	cfg      DialConfig
	upstream *url.URL
	override map[string]string
	// self reports the recording proxy's own endpoints, refused as "the
	// proxy itself"; nil for a Dialer of its own.
	self func(netip.AddrPort) bool
	// tcp dials a literal address (tests observe what is dialled).
	tcp func(ctx context.Context, addr string) (net.Conn, error)
}

// NewDialer returns a Dialer for cfg. It fails on an invalid
// configuration: no resolver, a malformed upstream or dial override.
func NewDialer(cfg DialConfig) (*Dialer, error) {
	if cfg.Resolve == nil {
		return nil, errors.New("proxy: no resolver (Resolve is required)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultDialTimeout
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	cfg.AllowPrivate = append([]netip.Prefix(nil), cfg.AllowPrivate...)
	d := &Dialer{cfg: cfg, override: make(map[string]string, len(cfg.DialOverride)), tcp: dialTCP}
	for k, v := range cfg.DialOverride {
		host, port, err := net.SplitHostPort(k)
		if err != nil {
			return nil, fmt.Errorf("proxy: dial override %q: want host:port", k)
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return nil, fmt.Errorf("proxy: dial override %q → %q: want host:port", k, v)
		}
		d.override[net.JoinHostPort(normaliseHost(host), port)] = v
	}
	if cfg.Upstream != "" {
		u, err := parseUpstream(cfg.Upstream)
		if err != nil {
			return nil, err
		}
		d.upstream = u
	}
	return d, nil
}

// dialTCP connects to a literal host:port.
func dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// Route is how a destination was reached, or why it was not.
type Route struct {
	// Addrs are the destination's addresses as resolved (IPv4-mapped
	// ones unmapped), at most 32.
	Addrs []netip.Addr
	// Dialed is the address connected to: one of Addrs, the dial
	// override's, or the upstream proxy's host:port.
	Dialed string
	// Refused says why the destination was refused ("" when it was not):
	// "<host> resolves to <addr> (<range>)".
	Refused string
}

// RefusedError is the error of a destination refused by the rules.
type RefusedError struct {
	// Host is the destination asked for; Reason is Route.Refused.
	Host, Reason string
}

func (e *RefusedError) Error() string { return "refused: " + e.Reason }

// Check resolves host and applies the refusal rules without connecting:
// what may be dialled at port, and with an upstream whether the upstream
// may be asked for host at all. A refusal is a *RefusedError.
func (d *Dialer) Check(ctx context.Context, host string, port int) (Route, error) {
	r, _, _, err := d.plan(ctx, normaliseHost(host), port)
	return r, err
}

// plan resolves host and returns the addresses that may be dialled
// (directly), or the dial override that serves host:port.
func (d *Dialer) plan(ctx context.Context, host string, port int) (r Route, allowed []netip.Addr, override string, err error) {
	rctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	r.Addrs, err = d.resolve(rctx, host)
	if err != nil {
		return r, nil, "", fmt.Errorf("resolve %s: %w", host, err)
	}
	if o, ok := d.override[net.JoinHostPort(host, strconv.Itoa(port))]; ok {
		return r, nil, o, nil
	}
	for _, a := range r.Addrs {
		why := d.refusal(a, port)
		if why == "" {
			allowed = append(allowed, a)
			continue
		}
		if r.Refused == "" {
			r.Refused = fmt.Sprintf("%s resolves to %s (%s)", host, a, why)
		}
	}
	// With an upstream, the upstream picks the address: all must pass.
	if len(allowed) == 0 || (d.upstream != nil && r.Refused != "") {
		return r, nil, "", &RefusedError{Host: host, Reason: r.Refused}
	}
	r.Refused = ""
	return r, allowed, "", nil
}

// refusal says why a is not to be dialled at port ("" when it may be).
func (d *Dialer) refusal(a netip.Addr, port int) string {
	if d.self != nil && port > 0 && port < 1<<16 && d.self(netip.AddrPortFrom(a, uint16(port))) {
		return "the proxy itself"
	}
	return Refusal(a, d.cfg.AllowPrivate)
}

// Dial connects to host:port under the rules: through the dial override,
// the upstream (given the name) or directly, trying at most 4 of the
// allowed addresses in turn. forward is for plain-HTTP forwarding: with an
// HTTP upstream, the connection returned is then to the upstream itself,
// which is to be sent the request in absolute form, instead of a CONNECT
// tunnel. The Route says what was resolved and dialled, or why host was
// refused (the error is then a *RefusedError).
func (d *Dialer) Dial(ctx context.Context, host string, port int, forward bool) (net.Conn, Route, error) {
	host = normaliseHost(host)
	r, allowed, override, err := d.plan(ctx, host, port)
	if err != nil {
		return nil, r, err
	}
	fail := func(err error) (net.Conn, Route, error) {
		return nil, r, fmt.Errorf("dial %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	if override != "" {
		c, err := d.dialTimeout(ctx, override)
		if err != nil {
			return fail(err)
		}
		r.Dialed = override
		return c, r, nil
	}
	if d.upstream != nil {
		c, err := d.dialUpstream(ctx, net.JoinHostPort(host, strconv.Itoa(port)), forward)
		if err != nil {
			return fail(err)
		}
		r.Dialed = d.upstream.Host
		return c, r, nil
	}
	var errs []error
	for _, a := range allowed[:min(len(allowed), maxDialAddrs)] {
		addr := netip.AddrPortFrom(a, uint16(port)).String()
		c, err := d.dialTimeout(ctx, addr)
		if err == nil {
			r.Dialed = addr
			return c, r, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return fail(errors.Join(errs...))
}

// DialContext is Dial for an http.Transport: addr is "host:port".
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil, fmt.Errorf("dial %s: network %q not supported", addr, network)
	}
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("dial %s: invalid port", addr)
	}
	c, _, err := d.Dial(ctx, host, port, false)
	return c, err
}

// Transport returns a copy of base (nil: a new transport) whose every
// request, every redirect hop included, goes through d: dialled under the
// rules, or with an upstream, checked under them (the name resolved here
// first) before the upstream — reached with d's resolver, never refused —
// is asked for it. No proxy from the environment is used.
func (d *Dialer) Transport(base *http.Transport) *http.Transport {
	t := &http.Transport{}
	if base != nil {
		t = base.Clone()
	}
	if d.upstream == nil {
		t.Proxy, t.DialContext = nil, d.DialContext
		return t
	}
	up := d.upstream
	t.Proxy = func(req *http.Request) (*url.URL, error) {
		host, port := req.URL.Hostname(), req.URL.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[req.URL.Scheme]
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid port", req.URL.Host)
		}
		if _, err := d.Check(req.Context(), host, n); err != nil {
			return nil, err
		}
		return up, nil
	}
	t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
		// Every connection of this transport is to the upstream.
		ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		defer cancel()
		return d.dialUpstreamRaw(ctx)
	}
	return t
}

// resolve returns host's addresses: the literal for an IP, Resolve's
// answer otherwise, bounded and with IPv4-mapped addresses unmapped.
func (d *Dialer) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := parseIP(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	addrs, err := d.cfg.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, min(len(addrs), maxAddrs))
	for _, a := range addrs {
		if a.IsValid() && len(out) < maxAddrs {
			out = append(out, a.WithZone("").Unmap())
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no address")
	}
	return out, nil
}

// dialTimeout connects to a literal host:port, bounded by Timeout.
func (d *Dialer) dialTimeout(ctx context.Context, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	return d.tcp(ctx, addr)
}

// dialUpstreamRaw connects to the upstream proxy itself, resolving its name
// with Resolve (it is the user's own proxy: never refused).
func (d *Dialer) dialUpstreamRaw(ctx context.Context) (net.Conn, error) {
	host, port := d.upstream.Hostname(), d.upstream.Port()
	if port == "" {
		port = map[string]string{"socks5": "1080", "socks5h": "1080", "http": "80", "https": "443"}[d.upstream.Scheme]
	}
	addrs, err := d.resolve(ctx, normaliseHost(host))
	if err != nil {
		return nil, fmt.Errorf("upstream proxy %s: %w", host, err)
	}
	var errs []error
	for _, a := range addrs[:min(len(addrs), maxDialAddrs)] {
		c, err := d.tcp(ctx, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("upstream proxy %s: %w", d.upstream.Host, errors.Join(errs...))
}

// dialUpstream connects to hostport through the upstream proxy, which is
// given the host name. For plain-HTTP forwarding through an HTTP upstream
// it returns the connection to the upstream itself.
func (d *Dialer) dialUpstream(ctx context.Context, hostport string, forward bool) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	switch d.upstream.Scheme {
	case "socks5", "socks5h":
		sd, err := xproxy.FromURL(d.upstream, upstreamDialer(d.dialUpstreamRaw))
		if err != nil {
			return nil, fmt.Errorf("upstream: %w", err)
		}
		cd, ok := sd.(xproxy.ContextDialer)
		if !ok {
			return nil, errors.New("upstream: socks5 dialer without context")
		}
		return cd.DialContext(ctx, "tcp", hostport)
	}
	c, err := d.dialUpstreamRaw(ctx)
	if err != nil {
		return nil, err
	}
	if forward {
		// The transport speaks to the upstream in absolute form (and does
		// TLS itself for an https upstream).
		return c, nil
	}
	if d.upstream.Scheme == "https" {
		tc := tls.Client(c, &tls.Config{ServerName: d.upstream.Hostname(), MinVersion: tls.VersionTLS12, RootCAs: upstreamRootCAs})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("upstream tls: %w", err)
		}
		c = tc
	}
	conn, err := d.httpConnect(ctx, c, hostport)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return conn, nil
}

// httpConnect asks an HTTP upstream proxy for a tunnel to hostport over c.
func (d *Dialer) httpConnect(ctx context.Context, c net.Conn, hostport string) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var b strings.Builder
	fmt.Fprintf(&b, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hostport, hostport)
	if u := d.upstream.User; u != nil {
		pw, _ := u.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(u.Username() + ":" + pw))
		fmt.Fprintf(&b, "Proxy-Authorization: Basic %s\r\n", cred)
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, fmt.Errorf("upstream CONNECT: %w", err)
	}
	lr := &limitedReader{r: c, n: int64(d.cfg.MaxHeaderBytes)}
	br := bufio.NewReaderSize(lr, readBufSize)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return nil, fmt.Errorf("upstream CONNECT: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("upstream CONNECT %s: %s", hostport, resp.Status)
	}
	_ = c.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		pre := make([]byte, br.Buffered())
		_, _ = io.ReadFull(br, pre)
		return &prefixConn{Conn: c, pre: pre}, nil
	}
	return c, nil
}

// connect dials host:port for the browser through the proxy's Dialer,
// recording each step in r. On failure it returns the HTTP status to
// answer the browser with: 403 for a refusal, 502 otherwise.
func (p *Proxy) connect(r *record, host string, port int, forward bool) (net.Conn, int, error) {
	conn, route, err := p.dialer.Dial(p.ctx, host, port, forward)
	p.update(r, func(r *record) {
		r.addrs, r.dialed, r.refused = route.Addrs, route.Dialed, route.Refused
		if err != nil && route.Refused == "" {
			r.err = err.Error()
		}
	})
	if err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) {
			return nil, http.StatusForbidden, err
		}
		return nil, http.StatusBadGateway, err
	}
	return conn, 0, nil
}

// isSelf reports whether ap is one of the proxy's own endpoints.
func (p *Proxy) isSelf(ap netip.AddrPort) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, err := netip.ParseAddrPort(p.Addr); err == nil && a == ap {
		return true
	}
	for _, ln := range p.listeners {
		if a, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && a == ap {
			return true
		}
	}
	return false
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(b, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// CloseWrite half-closes the underlying connection when it can.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// upstreamDialer adapts dialUpstreamRaw to x/net/proxy's dialer
// interfaces: the SOCKS client reaches its server through it, so that the
// server's name is resolved with Resolve too.
type upstreamDialer func(ctx context.Context) (net.Conn, error)

func (d upstreamDialer) Dial(network, addr string) (net.Conn, error) {
	return d(context.Background())
}

func (d upstreamDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d(ctx)
}

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
	"slices"
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

// connect resolves host, applies the refusal rules and dials the
// destination (through the dial override, the upstream or directly),
// recording each step in r. forward is set for plain-HTTP forwarding: with
// an HTTP upstream, the connection is then to the upstream itself, which is
// sent the request in absolute form, instead of a CONNECT tunnel. On
// failure it returns the HTTP status to answer the browser with.
func (p *Proxy) connect(r *record, host string, port int, forward bool) (net.Conn, int, error) {
	hostport := net.JoinHostPort(host, strconv.Itoa(port))
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
	defer cancel()
	addrs, err := p.resolve(ctx, host)
	if err != nil {
		err = fmt.Errorf("resolve %s: %w", host, err)
		p.update(r, func(r *record) { r.err = err.Error() })
		return nil, http.StatusBadGateway, err
	}
	p.update(r, func(r *record) { r.addrs = addrs })

	if o, ok := p.cfg.DialOverride[hostport]; ok {
		conn, err := p.dialTCP(o)
		return p.dialled(r, conn, o, err)
	}
	allowed := make([]netip.Addr, 0, len(addrs))
	var reason string
	for _, a := range addrs {
		why := p.refusal(a, port)
		if why == "" {
			allowed = append(allowed, a)
		} else if reason == "" {
			reason = fmt.Sprintf("%s resolves to %s (%s)", host, a, why)
		}
	}
	if len(allowed) == 0 {
		p.update(r, func(r *record) { r.refused = reason })
		return nil, http.StatusForbidden, errors.New("refused: " + reason)
	}

	if p.upstream != nil {
		conn, err := p.dialUpstream(hostport, forward)
		return p.dialled(r, conn, p.upstream.Host, err)
	}
	var errs []error
	for _, a := range allowed[:min(len(allowed), maxDialAddrs)] {
		addr := netip.AddrPortFrom(a, uint16(port)).String()
		conn, err := p.dialTCP(addr)
		if err == nil {
			return p.dialled(r, conn, addr, nil)
		}
		errs = append(errs, err)
		if p.ctx.Err() != nil {
			break
		}
	}
	return p.dialled(r, nil, "", errors.Join(errs...))
}

// dialled records the outcome of a dial.
func (p *Proxy) dialled(r *record, conn net.Conn, addr string, err error) (net.Conn, int, error) {
	if err != nil {
		err = fmt.Errorf("dial %s:%d: %w", r.host, r.port, err)
		p.update(r, func(r *record) { r.err = err.Error() })
		return nil, http.StatusBadGateway, err
	}
	p.update(r, func(r *record) { r.dialed = addr })
	return conn, 0, nil
}

// resolve returns host's addresses: the literal for an IP, Config.Resolve's
// answer otherwise, bounded and with IPv4-mapped addresses unmapped.
func (p *Proxy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := parseIP(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	addrs, err := p.cfg.Resolve(ctx, host)
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

// nonPublicRanges lists the ranges a page may not make the scanner
// connect to, with what they are (RFC 6890 and its IPv6 counterparts).
// Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32) are not listed: they route nowhere, and the lab uses them.
var nonPublicRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast or broadcast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "multicast or broadcast"},
	{netip.MustParsePrefix("ff00::/8"), "multicast or broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space"},
}

// nonPublic names the non-public range a is in, or "".
func nonPublic(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	for _, r := range nonPublicRanges {
		if r.prefix.Contains(a) {
			return r.kind
		}
	}
	return ""
}

// PrivateRanges returns the non-public ranges (loopback, private,
// link-local …) that addrs fall in, without duplicates: the Config.AllowPrivate
// of a scan whose target itself resolves there, so that the page's own
// network is reachable and every other non-public one still refused.
// Public addresses contribute nothing.
func PrivateRanges(addrs []netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		for _, r := range nonPublicRanges {
			if r.prefix.Contains(a) {
				if !slices.Contains(out, r.prefix) {
					out = append(out, r.prefix)
				}
				break
			}
		}
	}
	return out
}

// refusal says why a is not to be dialled ("" when it may be): a
// non-public range outside AllowPrivate, or the proxy itself.
func (p *Proxy) refusal(a netip.Addr, port int) string {
	if ap, err := netip.ParseAddrPort(p.Addr); err == nil && ap.Addr() == a && int(ap.Port()) == port {
		return "the proxy itself"
	}
	why := nonPublic(a)
	if why == "" {
		return ""
	}
	for _, pr := range p.cfg.AllowPrivate {
		if pr.Contains(a) {
			return ""
		}
	}
	return why
}

// dialTCP connects to a literal host:port, bounded by DialTimeout.
func (p *Proxy) dialTCP(addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// dialUpstreamRaw connects to the upstream proxy itself, resolving its name
// with Config.Resolve (it is the user's own proxy: never refused).
func (p *Proxy) dialUpstreamRaw(ctx context.Context) (net.Conn, error) {
	host, port := p.upstream.Hostname(), p.upstream.Port()
	if port == "" {
		port = map[string]string{"socks5": "1080", "socks5h": "1080", "http": "80", "https": "443"}[p.upstream.Scheme]
	}
	addrs, err := p.resolve(ctx, normaliseHost(host))
	if err != nil {
		return nil, fmt.Errorf("upstream proxy %s: %w", host, err)
	}
	var errs []error
	for _, a := range addrs[:min(len(addrs), maxDialAddrs)] {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("upstream proxy %s: %w", p.upstream.Host, errors.Join(errs...))
}

// dialUpstream connects to hostport through the upstream proxy, which is
// given the host name. For plain-HTTP forwarding through an HTTP upstream
// it returns the connection to the upstream itself.
func (p *Proxy) dialUpstream(hostport string, forward bool) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
	defer cancel()
	switch p.upstream.Scheme {
	case "socks5", "socks5h":
		d, err := xproxy.FromURL(p.upstream, upstreamDialer(p.dialUpstreamRaw))
		if err != nil {
			return nil, fmt.Errorf("upstream: %w", err)
		}
		cd, ok := d.(xproxy.ContextDialer)
		if !ok {
			return nil, errors.New("upstream: socks5 dialer without context")
		}
		return cd.DialContext(ctx, "tcp", hostport)
	}
	c, err := p.dialUpstreamRaw(ctx)
	if err != nil {
		return nil, err
	}
	if forward {
		// The transport speaks to the upstream in absolute form (and does
		// TLS itself for an https upstream).
		return c, nil
	}
	if p.upstream.Scheme == "https" {
		tc := tls.Client(c, &tls.Config{ServerName: p.upstream.Hostname(), MinVersion: tls.VersionTLS12, RootCAs: upstreamRootCAs})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("upstream tls: %w", err)
		}
		c = tc
	}
	conn, err := p.httpConnect(ctx, c, hostport)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return conn, nil
}

// httpConnect asks an HTTP upstream proxy for a tunnel to hostport over c.
func (p *Proxy) httpConnect(ctx context.Context, c net.Conn, hostport string) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var b strings.Builder
	fmt.Fprintf(&b, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hostport, hostport)
	if u := p.upstream.User; u != nil {
		pw, _ := u.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(u.Username() + ":" + pw))
		fmt.Fprintf(&b, "Proxy-Authorization: Basic %s\r\n", cred)
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, fmt.Errorf("upstream CONNECT: %w", err)
	}
	lr := &limitedReader{r: c, n: int64(p.cfg.MaxHeaderBytes)}
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
// server's name is resolved with Config.Resolve too.
type upstreamDialer func(ctx context.Context) (net.Conn, error)

func (d upstreamDialer) Dial(network, addr string) (net.Conn, error) {
	return d(context.Background())
}

func (d upstreamDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d(ctx)
}

package webapp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/proxy"
)

// Limits are the per-client limits of a public server. A client is an
// IPv4 address or an IPv6 /64; behind a reverse proxy every visitor is the
// proxy (set the limits there too).
type Limits struct {
	// Requests per second and their burst, every request counted.
	Requests float64
	Burst    int
	// ScanEvery is the pace of a client's new scans once ScanBurst is spent.
	ScanEvery time.Duration
	ScanBurst int
	// Waiting bounds a client's scans queued or running at once.
	Waiting int
	// Streams bounds a client's open progress streams.
	Streams int
}

// DefaultLimits are a public server's limits: 20 requests a second (burst
// 60); 3 scans at once, then one every 2 minutes; 2 scans waiting; 6
// progress streams.
var DefaultLimits = Limits{Requests: 20, Burst: 60, ScanEvery: 2 * time.Minute, ScanBurst: 3, Waiting: 2, Streams: 6}

// maxClients bounds the clients remembered; the idle ones are forgotten
// first.
const maxClients = 10000

// limiter holds each client's rate limiters and open streams.
type limiter struct {
	l   Limits
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*client
}

type client struct {
	requests, scans *rate.Limiter
	streams         int
	seen            time.Time
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	return &limiter{l: l, now: now, clients: map[string]*client{}}
}

// get returns key's client, forgetting idle ones when too many are known.
func (lm *limiter) get(key string) *client {
	now := lm.now()
	c := lm.clients[key]
	if c == nil {
		if len(lm.clients) >= maxClients {
			for k, old := range lm.clients {
				if old.streams == 0 && now.Sub(old.seen) > 10*time.Minute {
					delete(lm.clients, k)
				}
			}
		}
		c = &client{requests: rate.NewLimiter(rate.Limit(lm.l.Requests), lm.l.Burst),
			scans: rate.NewLimiter(rate.Every(lm.l.ScanEvery), lm.l.ScanBurst)}
		if len(lm.clients) < maxClients {
			lm.clients[key] = c
		}
	}
	c.seen = now
	return c
}

// request reports whether key may make one more request now.
func (lm *limiter) request(key string) bool {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	return lm.get(key).requests.AllowN(lm.now(), 1)
}

// scan reports whether key may start one more scan now.
func (lm *limiter) scan(key string) bool {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	return lm.get(key).scans.AllowN(lm.now(), 1)
}

// stream opens a progress stream for key; done closes it. ok is false when
// key has too many open.
func (lm *limiter) stream(key string) (done func(), ok bool) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	c := lm.get(key)
	if c.streams >= lm.l.Streams {
		return nil, false
	}
	c.streams++
	return func() {
		lm.mu.Lock()
		c.streams--
		lm.mu.Unlock()
	}, true
}

// clientKey is who a request comes from: its IPv4 address or IPv6 /64.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// nonPublic names the non-public range one of addrs is in (by the
// scanner's own rules: loopback, private, link-local …), or "".
func nonPublic(addrs []string) string {
	var ips []netip.Addr
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err == nil {
			ips = append(ips, ip)
		}
	}
	if r := proxy.PrivateRanges(ips); len(r) > 0 {
		return r[0].String()
	}
	return ""
}

// checkTarget validates the address typed in the form and, on a public
// server, refuses what would make the server scan a network that is not
// public: a name resolving (with the scan's resolver) or an address in a
// non-public range, or a port other than the web's.
func (s *Server) checkTarget(ctx context.Context, raw string) (string, string, error) {
	t, err := scanner.ParseTarget(raw)
	if err != nil {
		return "", "", err
	}
	if !s.cfg.Public {
		return t.URL, t.Host, nil
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return "", "", err
	}
	if p := u.Port(); p != "" && p != "80" && p != "443" {
		return "", "", fmt.Errorf("port %s: this public server scans web sites on ports 80 and 443 only", p)
	}
	addrs := []string{t.Host}
	if _, err := netip.ParseAddr(t.Host); err != nil {
		ips, err := s.resolve(ctx, t.Host)
		if err != nil {
			return "", "", err
		}
		addrs = addrs[:0]
		for _, ip := range ips {
			addrs = append(addrs, ip.String())
		}
	}
	if r := nonPublic(addrs); r != "" {
		return "", "", fmt.Errorf("%s is in a non-public network (%s): this server scans public sites only", t.Host, r)
	}
	return t.URL, t.Host, nil
}

// resolve returns host's addresses as the scan will first see them. A name
// that does not resolve is let through: the scan will say so, and there is
// nothing to reach.
func (s *Server) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if s.lookup != nil {
		return s.lookup(ctx, host)
	}
	c, err := dnsinfo.New(dnsinfo.Config{Server: s.cfg.Options.Resolver, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("resolver: %w", err)
	}
	res := c.Resolve(ctx, host)
	var out []netip.Addr
	for _, a := range res.Addrs() {
		if ip, err := netip.ParseAddr(a); err == nil {
			out = append(out, ip)
		}
	}
	return out, nil
}

// Content-Security-Policies: the application's pages load only their own
// script and style sheet and talk only to the server; a report (or any
// bundle file) runs no script at all, in a sandbox, and may only be framed
// by the application.
const (
	appCSP    = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)

// secure sets the headers every response carries.
func secure(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if csp == appCSP {
		h.Set("X-Frame-Options", "DENY")
	} else {
		h.Set("X-Frame-Options", "SAMEORIGIN")
	}
}

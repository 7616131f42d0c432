package scanner

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/proxy"
	"github.com/vigie-scan/vigie/scanner/survey"
)

// Loaders, as recorded in evidence.LegalPage.Loader.
const (
	loaderBrowser = "browser"
	loaderHTTP    = "http"
)

// web is the scan's way to the site: vigie's recording proxy, and the
// headless browser behind it when one started. Every page load — a
// consent visit, a legal page, a survey page, a plain-HTTP probe — goes
// through the proxy, on an endpoint of its own labelled with the load's
// ID, so that loads can run at the same time and each connection is still
// told apart. Without a browser, pages are read with plain HTTP (scripts
// not run) through the same proxy.
type web struct {
	proxy   *proxy.Proxy
	browser *browser.Browser // nil when none started
	shared  bool             // the browser is Options.Shared's: not ours to close
	probe   *http.Client     // plain GETs through the proxy (the endpoint is per request)
	ua      string

	// scouts holds, per origin ("host:port"), the end of its first load:
	// the loads that follow wait for it, so that a silent server found by
	// the first costs one load's budget, not one per page loaded with it.
	mu     sync.Mutex
	scouts map[string]chan struct{}
}

// launchBrowser starts the scan's browser, or takes the batch's running
// one (Options.Shared). A browser that cannot start is an error of the
// scan, which is then incomplete (the site's pages will not be visited).
func (s *scan) launchBrowser(ctx context.Context) (*browser.Browser, stageResult) {
	r := s.newStage()
	var b *browser.Browser
	var err error
	exe := "chromium"
	if s.shared != nil {
		b, err = s.shared.Browser()
	} else if exe, err = browser.Find(s.opts.Browser); err == nil {
		s.progress("browser", "starting "+exe)
		b, err = browser.Start(ctx, browser.Config{Exec: exe, TrustCerts: s.opts.TrustCerts})
	}
	if err != nil {
		r.fail("browser", orElse(exe, "chromium"), err)
		r.incomplete = append(r.incomplete, "the browser did not start ("+err.Error()+"): the site's pages were not visited")
		return nil, r
	}
	info := b.Info()
	r.note = info.Product + " " + info.Version
	if s.shared != nil {
		r.note += " (shared)"
	}
	return b, r
}

// openWeb starts the recording proxy in front of b (nil: no browser,
// pages are then read with plain HTTP). allow lists the non-public ranges
// the proxy may reach (the target's own). The returned web is nil only
// when the proxy itself could not start.
func (s *scan) openWeb(ctx context.Context, allow []netip.Prefix, b *browser.Browser) (*web, stageResult) {
	r := s.newStage()
	w, err := s.startProxy(ctx, allow)
	if err != nil {
		r.fail("browser", "proxy", err)
		r.incomplete = append(r.incomplete, "vigie's recording proxy did not start: no page could be loaded")
		return nil, r
	}
	w.browser, w.shared = b, s.shared != nil
	if b != nil {
		w.ua = b.Info().UserAgent
	}
	return w, r
}

// startProxy starts the recording proxy and the plain-HTTP client that
// goes through it: the web without a browser.
func (s *scan) startProxy(ctx context.Context, allow []netip.Prefix) (*web, error) {
	p, err := proxy.Start(ctx, proxy.Config{
		Resolve:      s.resolveAddrs,
		Upstream:     s.opts.Proxy,
		DialOverride: s.opts.DialOverride,
		AllowPrivate: allow,
	})
	if err != nil {
		return nil, err
	}
	// A --trust-cert file without a certificate was refused by validate.
	roots, _ := trustRoots(s.opts.TrustCerts)
	probe := &http.Client{
		Transport: &http.Transport{
			// The proxy endpoint is chosen per request (see get).
			Proxy:           func(req *http.Request) (*url.URL, error) { return proxyOf(req.Context()), nil },
			TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			// Longer than the proxy's SilentTimeout: a silent server is
			// found by the proxy, which marks it for the loads that follow.
			TLSHandshakeTimeout:    proxy.DefaultSilentTimeout + 5*time.Second,
			ResponseHeaderTimeout:  probeTimeout,
			MaxResponseHeaderBytes: proxy.DefaultMaxResponseHeaderBytes,
			DisableKeepAlives:      true,
		},
		Timeout: probeTimeout,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}
	return &web{proxy: p, probe: probe, ua: survey.DefaultUserAgent}, nil
}

// closeWeb stops the browser and the proxy once every load is over, and
// completes the visits' evidence with what the proxy saw: each visit's
// connections, the requests its event stream missed (cross-check), the
// browser's own refused traffic, and the hosts contacted with their
// CNAME chains.
func (s *scan) closeWeb(ctx context.Context, w *web, visits *stageResult) {
	conns := w.proxy.Connections()
	var background []evidence.Connection
	if w.browser != nil && !w.shared {
		// A shared browser's own traffic is not this scan's to report.
		background = w.browser.Background()
		if err := w.browser.Close(); err != nil {
			visits.fail("browser", "cleanup", err)
		}
	}
	if err := w.proxy.Close(); err != nil {
		visits.fail("browser", "proxy", err)
	}
	if w.probe != nil {
		w.probe.CloseIdleConnections()
	}
	if b := visits.browser; b != nil {
		browser.CrossCheck(b.Visits, conns)
		b.Connections = append(conns, background...)
		visits.merge(s.contactedHosts(ctx, b))
	}
}

// pageLoader loads pages for the legal and survey stages; label names
// each load in the recording proxy's log.
type pageLoader interface {
	// loadPage loads one page in a fresh context: as the browser renders
	// it, or with plain HTTP when there is no browser.
	loadPage(ctx context.Context, label, url string) (*browser.Page, error)
	// servedPage reads one page with plain HTTP, by the same route as
	// the browser, scripts not run: the page as served, a cheap read that
	// spares the browser the pages that do not exist and those that read
	// whole without scripts.
	servedPage(ctx context.Context, label, url string) (*browser.Page, error)
	// loader says how pages are read: loaderBrowser or loaderHTTP.
	loader() string
}

func (w *web) loader() string {
	if w.browser != nil {
		return loaderBrowser
	}
	return loaderHTTP
}

// endpoint opens a proxy endpoint labelled label.
func (w *web) endpoint(label string) (string, func(), error) { return w.proxy.Listen(label) }

func (w *web) loadPage(ctx context.Context, label, u string) (*browser.Page, error) {
	return w.load(ctx, label, u, w.browser != nil)
}

func (w *web) servedPage(ctx context.Context, label, u string) (*browser.Page, error) {
	return w.load(ctx, label, u, false)
}

// load loads u through a proxy endpoint labelled label, with the browser
// when rendered is set, else with plain HTTP.
func (w *web) load(ctx context.Context, label, u string, rendered bool) (*browser.Page, error) {
	done, err := w.admit(ctx, u)
	if err != nil {
		return nil, err
	}
	defer done()
	addr, release, err := w.endpoint(label)
	if err != nil {
		return nil, err
	}
	defer release()
	if rendered {
		return w.browser.Load(ctx, u, addr)
	}
	return w.httpPage(ctx, addr, u)
}

// admit lets a load of raw start: the first load of its origin at once
// (it is the origin's scout: call done when it ends), the others once the
// origin has answered, was found silent or the scout's load has ended, and
// none on an origin found silent.
func (w *web) admit(ctx context.Context, raw string) (done func(), err error) {
	done = func() {}
	o, ok := originOf(raw)
	if !ok {
		return done, nil // the loader says what is wrong with the URL
	}
	key := net.JoinHostPort(o.host, strconv.Itoa(o.port))
	w.mu.Lock()
	scout, seen := w.scouts[key]
	if !seen {
		if w.scouts == nil {
			w.scouts = map[string]chan struct{}{}
		}
		ch := make(chan struct{})
		w.scouts[key] = ch
		w.mu.Unlock()
		return sync.OnceFunc(func() { close(ch) }), w.skipSilent(o)
	}
	w.mu.Unlock()
	tick := time.NewTicker(scoutPoll)
	defer tick.Stop()
	for !w.proxy.Answered(o.host, o.port) && !w.proxy.Silent(o.host, o.port) {
		select {
		case <-scout:
			return done, w.skipSilent(o)
		case <-ctx.Done():
			return done, fmt.Errorf("not loaded: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return done, w.skipSilent(o)
}

// scoutPoll is how often a load waiting for its origin's scout asks the
// proxy whether the origin answered or was found silent.
const scoutPoll = 50 * time.Millisecond

// origin is where a URL is loaded from: its host in normal form and its
// port; shown is the host as the URL gives it, for messages.
type origin struct {
	host, shown string
	port        int
}

// originOf returns the origin of raw; false when it has no host.
func originOf(raw string) (origin, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return origin{}, false
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		port = map[string]int{"http": 80, "https": 443}[u.Scheme]
	}
	return origin{host: names.Normalise(u.Hostname()), shown: u.Host, port: port}, true
}

// skipSilent fails a load whose origin was found silent by an earlier one
// (it accepted connections and never answered, proxy.Proxy.Silent): each
// load has its own budget, and a tarpit costs one of them, not one per
// page it hosts.
func (w *web) skipSilent(o origin) error {
	if w.proxy.Silent(o.host, o.port) {
		return fmt.Errorf("not loaded: %s accepted connections but never answered an earlier load (a silent server)", o.shown)
	}
	return nil
}

// probeTimeout bounds one plain-HTTP load, redirects included: longer
// than the proxy's SilentTimeout (a silent server is then marked by the
// proxy, and its next pages skipped), shorter than a browser load.
const probeTimeout = 20 * time.Second

// proxyKey carries the proxy endpoint of a plain-HTTP request.
type proxyKey struct{}

func proxyOf(ctx context.Context) *url.URL {
	if addr, ok := ctx.Value(proxyKey{}).(string); ok {
		return &url.URL{Scheme: "http", Host: addr}
	}
	return nil
}

// get sends a GET through the proxy endpoint addr, presenting itself as
// the browser does.
func (w *web) get(ctx context.Context, addr, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.WithValue(ctx, proxyKey{}, addr), http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", w.ua)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.7,de;q=0.5")
	resp, err := w.probe.Do(req)
	if err != nil {
		return nil, err
	}
	if msg := ownAnswer(resp); msg != "" {
		resp.Body.Close()
		return nil, fmt.Errorf("%s not loaded, vigie's proxy answered: %s", resp.Request.URL, msg)
	}
	return resp, nil
}

// ownAnswer returns the message of an answer vigie's recording proxy made
// up itself (proxy.AnswerHeader: a refusal, an unreachable destination),
// "" for the site's answers. Such an answer is never evidence of the
// site: the load failed. Only http:// answers can be the proxy's; an
// https:// one comes through a tunnel, from the site.
func ownAnswer(resp *http.Response) string {
	if resp.Request == nil || resp.Request.URL.Scheme != "http" {
		return ""
	}
	return resp.Header.Get(proxy.AnswerHeader)
}

// httpPage reads a page with plain HTTP through the proxy endpoint addr:
// the document as served, its text rendered without running scripts.
func (w *web) httpPage(ctx context.Context, addr, u string) (*browser.Page, error) {
	resp, err := w.get(ctx, addr, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, browser.MaxPageHTML))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", u, err)
	}
	p := &browser.Page{URL: u, FinalURL: resp.Request.URL.String(), Status: resp.StatusCode, Headers: resp.Header,
		ContentType: resp.Header.Get("Content-Type"), HTML: body}
	switch mt, _, _ := mime.ParseMediaType(p.ContentType); mt {
	case "text/plain":
		p.Text, p.HTML = string(body), nil
	case "", "text/html", "application/xhtml+xml":
		p.Text = legal.RenderText(body)
	}
	return p, nil
}

// resolveAddrs resolves a host with vigie's resolver, for the proxy.
func (s *scan) resolveAddrs(ctx context.Context, host string) ([]netip.Addr, error) {
	r := s.dns.Resolve(ctx, host)
	if r.Status != evidence.ResolvedOK {
		msg := r.Error
		if msg == "" {
			msg = r.Status
		}
		return nil, fmt.Errorf("resolving %s: %s", host, msg)
	}
	var out []netip.Addr
	for _, a := range r.Addrs() {
		if ip, err := netip.ParseAddr(a); err == nil {
			out = append(out, ip)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolving %s: no address", host)
	}
	return out, nil
}

// targetPrivatePrefixes returns the target's own addresses when they are
// not public (proxy.Refusal would refuse them): the scanned site may be an
// intranet's, but no other private destination may be reached by any
// loader unless the user allowed its range (--allow-network). IPv4-mapped
// addresses are unmapped, as the proxy compares them.
func targetPrivatePrefixes(ev *evidence.Evidence) []netip.Prefix {
	var addrs []string
	if ip, err := netip.ParseAddr(ev.Target.Host); err == nil {
		addrs = append(addrs, ip.String())
	} else if r := ev.DNS.Resolution(ev.Target.Host); r != nil {
		addrs = r.Addrs()
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		// The proxy compares unmapped addresses: ::ffff:127.0.0.1 is 127.0.0.1.
		ip = ip.Unmap().WithZone("")
		if proxy.Refusal(ip, nil) != "" {
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

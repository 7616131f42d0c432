package scanner

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/proxy"
)

// collectBrowser visits the target in headless Chromium through vigie's
// recording proxy: before any consent, after reject and after accept (each
// in a fresh browser context; only the first with --consent none), then
// --pages further first-party pages. It sets ev.Browser, adds every
// contacted host to ev.Hosts with the role "requested", marks KindBrowser
// (the initial visit loaded) and KindConsent (the reject and accept visits
// loaded) collected, records failures under the stage "browser", and
// returns the screenshots and HAR files.
//
// While the browser and the proxy run, it also reads the legal pages
// (collectLegal) and observes the consultation (collectSurvey), each page
// in a fresh browser context of the same browser, through the same proxy.
// Those loads are not visits: they are not in ev.Browser.Visits (so the
// web and consent checks never count their requests as the page's), and
// the proxy's log labels their connections "visit/legal/<n>" and
// "visit/survey/<n>". With --proxy, the target is also loaded directly and
// through the proxy without the browser (collectAccess), even when the
// browser cannot start.
func (s *scan) collectBrowser(ctx context.Context, ev *evidence.Evidence) []Artifact {
	target := ev.Target
	if s.opts.Proxy != "" {
		s.collectAccess(ctx, ev)
	}
	exe, err := browser.Find(s.opts.Browser)
	if err != nil {
		s.fail(ev, "browser", target.URL, err)
		return nil
	}
	p, err := proxy.Start(ctx, proxy.Config{
		Resolve:      s.resolveAddrs,
		Upstream:     s.opts.Proxy,
		DialOverride: s.opts.DialOverride,
		AllowPrivate: targetPrivatePrefixes(ev),
	})
	if err != nil {
		s.fail(ev, "browser", "proxy", err)
		return nil
	}
	defer func() {
		if err := p.Close(); err != nil {
			s.fail(ev, "browser", "proxy", err)
		}
	}()
	s.progress("browser", "starting "+exe)
	b, err := browser.Start(ctx, browser.Config{Exec: exe, Proxy: p.Addr, TrustCerts: s.opts.TrustCerts})
	if err != nil {
		s.fail(ev, "browser", exe, err)
		return nil
	}
	defer func() {
		if err := b.Close(); err != nil {
			s.fail(ev, "browser", "cleanup", err)
		}
	}()

	consent := s.opts.Consent
	if consent == "" {
		consent = "all"
	}
	res := b.Scan(ctx, browser.ScanConfig{
		URL: target.URL, Consent: consent, Pages: s.opts.Pages,
		FirstParty: s.firstParty(target),
		OnVisit:    p.SetVisit,
		Progress:   func(m string) { s.progress("browser", m) },
	})
	ev.Browser = res.Browser

	ok := func(state string) bool {
		v := res.Browser.Visit(state)
		return v != nil && v.Error == ""
	}
	for _, v := range res.Browser.Visits {
		if v.Error != "" {
			s.fail(ev, "browser", v.ID, errors.New(v.Error))
		}
	}
	if ok(evidence.StateInitial) {
		ev.Collected = append(ev.Collected, evidence.KindBrowser)
	}
	if consent == "all" && ok(evidence.StateReject) && ok(evidence.StateAccept) {
		ev.Collected = append(ev.Collected, evidence.KindConsent)
	}
	if err := ctx.Err(); err != nil {
		s.fail(ev, "browser", target.URL, fmt.Errorf("browser visits interrupted: %w", err))
	}

	// The initial visit's page as rendered: where the legal pages are
	// linked from, and what the survey analysis reads.
	var initial *browser.Page
	if r := res.Visit(evidence.StateInitial); r != nil && r.Visit.Error == "" {
		initial = r.Page
	}
	pages := browserPages{b: b, p: p, probe: s.probeClient(p.Addr, b.Info().UserAgent)}
	defer pages.probe.CloseIdleConnections()
	arts := make([]Artifact, 0, len(res.Files))
	for _, f := range res.Files {
		arts = append(arts, Artifact{Path: f.Path, Data: f.Data})
	}
	if ctx.Err() == nil {
		arts = append(arts, s.collectLegal(ctx, ev, pages, initial)...)
	}
	if ctx.Err() == nil {
		s.collectSurvey(ctx, ev, pages, initial)
	}

	conns := p.Connections()
	b.CrossCheck(res.Browser.Visits, conns)
	res.Browser.Connections = append(conns, b.Background()...)

	// Resolve the contacted hosts now (the proxy's lookups are cached) so
	// that their CNAME chains' names join the hosts to attribute.
	ev.Hosts = mergeHosts(ev.Hosts, buildHosts(ev))
	s.resolveHosts(ctx, ev)
	ev.Hosts = mergeHosts(ev.Hosts, buildHosts(ev))
	return arts
}

// pageLoader loads pages for the legal and survey stages; label names
// each load in the recording proxy's log.
type pageLoader interface {
	// loadPage loads one page as the browser renders it, in a fresh
	// browser context.
	loadPage(ctx context.Context, label, url string) (*browser.Page, error)
	// status returns the HTTP status a plain GET of url ends with
	// (redirects followed), by the same route as the browser: a cheap
	// probe that spares the browser the pages that do not exist.
	status(ctx context.Context, label, url string) (int, error)
}

// browserPages loads pages with the scan's browser, and probes them with
// plain HTTP, both through its recording proxy (so through --proxy too),
// labelling the proxy's connections for the load.
type browserPages struct {
	b     *browser.Browser
	p     *proxy.Proxy
	probe *probeClient
}

func (bp browserPages) loadPage(ctx context.Context, label, url string) (*browser.Page, error) {
	bp.p.SetVisit(label)
	defer bp.p.SetVisit("")
	return bp.b.Load(ctx, url)
}

func (bp browserPages) status(ctx context.Context, label, url string) (int, error) {
	bp.p.SetVisit(label)
	defer bp.p.SetVisit("")
	return bp.probe.status(ctx, url)
}

// probeTimeout bounds one probe, redirects included.
const probeTimeout = 15 * time.Second

// probeClient sends plain GETs through the recording proxy, presenting
// itself as the browser does, one connection per request (so that the
// proxy's labels stay exact).
type probeClient struct {
	client    *http.Client
	userAgent string
}

// probeClient returns a probe client through the proxy at addr.
func (s *scan) probeClient(addr, userAgent string) *probeClient {
	// A --trust-cert file without a certificate already stopped the
	// browser (SPKIHashes); nil roots are the system's.
	roots, _ := trustRoots(s.opts.TrustCerts)
	tr := &http.Transport{
		Proxy:                  http.ProxyURL(&url.URL{Scheme: "http", Host: addr}),
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  probeTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
	return &probeClient{userAgent: userAgent, client: &http.Client{Transport: tr, Timeout: probeTimeout,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}}}
}

// status GETs u and returns the final status; the body is not read.
func (c *probeClient) status(ctx context.Context, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// CloseIdleConnections closes the client's idle connections.
func (c *probeClient) CloseIdleConnections() { c.client.CloseIdleConnections() }

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
// private, loopback or link-local: the scanned site may be an intranet's,
// but no other private destination may be reached through the browser.
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
		if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

// firstParty tells the organisation's hosts: the target's registrable
// domain and the policy's organisation domains.
func (s *scan) firstParty(t evidence.Target) func(string) bool {
	domains := append([]string{t.RegistrableDomain}, s.opts.OrgDomains...)
	return func(host string) bool { return names.InDomains(host, domains) }
}

// mergeHosts adds the hosts of more to hosts, uniting the roles and
// sightings of a host listed in both, sorted by ID.
func mergeHosts(hosts, more []evidence.Host) []evidence.Host {
	idx := map[string]int{}
	out := slices.Clone(hosts)
	for i, h := range out {
		idx[h.Name] = i
	}
	for _, h := range more {
		i, ok := idx[h.Name]
		if !ok {
			idx[h.Name] = len(out)
			out = append(out, h)
			continue
		}
		o := &out[i]
		for _, r := range h.Roles {
			if !slices.Contains(o.Roles, r) {
				o.Roles = append(o.Roles, r)
			}
		}
		for _, s := range h.SeenIn {
			if !slices.Contains(o.SeenIn, s) {
				o.SeenIn = append(o.SeenIn, s)
			}
		}
		if o.Resolution == "" {
			o.Resolution = h.Resolution
		}
		slices.Sort(o.Roles)
		slices.Sort(o.SeenIn)
	}
	slices.SortFunc(out, func(a, b evidence.Host) int { return strings.Compare(a.ID, b.ID) })
	return out
}

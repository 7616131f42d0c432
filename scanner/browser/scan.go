package browser

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/trustcert"
)

// ScanConfig says which visits a scan makes.
type ScanConfig struct {
	// URL is the page to scan.
	URL string
	// Consent is "all" (initial, reject, accept) or "none" (initial only).
	Consent string
	// Pages is how many first-party links of the page to visit afterwards,
	// without interaction.
	Pages int
	// FirstParty tells the organisation's hosts (for the crawl); nil means
	// the URL's registrable domain only.
	FirstParty func(host string) bool
	// OnVisit is called with a visit's ID before it starts and with "" after
	// it ends (the recording proxy labels its connections with it).
	OnVisit func(id string)
	// Progress receives one line per step.
	Progress func(msg string)
}

// ScanResult is what a whole browser scan observed.
type ScanResult struct {
	// Browser is the evidence: the browser's description and the visits.
	Browser *evidence.Browser
	// Results are the visits with their files and action times.
	Results []*VisitResult
	// Files are the screenshots and HAR files, bundle-relative.
	Files []File
}

// Visit returns the result of the visit in the given state, or nil.
func (r *ScanResult) Visit(state string) *VisitResult {
	for _, v := range r.Results {
		if v.Visit.State == state {
			return v
		}
	}
	return nil
}

// Scan makes the visits of one scan, in order: initial, reject, accept (each
// in a fresh browser context), then the crawl of further pages. It probes
// whether the plain-HTTP URL redirects to HTTPS. The initial visit keeps
// the page as rendered once loaded (VisitResult.Page), for the analyses
// that read it (legal-page links, survey platform and controls).
func (b *Browser) Scan(ctx context.Context, cfg ScanConfig) *ScanResult {
	progress := cfg.Progress
	if progress == nil {
		progress = func(string) {}
	}
	onVisit := cfg.OnVisit
	if onVisit == nil {
		onVisit = func(string) {}
	}
	info := b.Info()
	out := &ScanResult{Browser: &info}
	run := func(spec VisitSpec) *VisitResult {
		progress(fmt.Sprintf("%s: loading %s", spec.ID, spec.URL))
		onVisit(spec.ID)
		r := b.Visit(ctx, spec)
		onVisit("")
		out.Results = append(out.Results, r)
		out.Files = append(out.Files, r.Files...)
		out.Browser.Visits = append(out.Browser.Visits, r.Visit)
		msg := fmt.Sprintf("%s: %d request(s), %d cookie(s)", spec.ID, len(r.Visit.Requests), len(r.Visit.Cookies))
		if r.Visit.Banner != nil {
			msg += ", banner " + r.Visit.Banner.Engine
		}
		if r.Visit.Error != "" {
			msg += ", error: " + r.Visit.Error
		}
		progress(msg)
		return r
	}

	initial := run(VisitSpec{ID: "visit/" + evidence.StateInitial, State: evidence.StateInitial, URL: cfg.URL, Name: evidence.StateInitial, Links: cfg.Pages, Capture: true})
	out.Browser.TCF = initial.TCF
	if v := &out.Browser.Visits[0]; v.Error == "" {
		redirect, err := b.probeHTTPS(ctx, cfg.URL, v)
		if err != nil {
			progress("http probe: " + err.Error())
		}
		v.HTTPSRedirect = redirect
		initial.Visit.HTTPSRedirect = redirect
	}
	if cfg.Consent != "none" && ctx.Err() == nil {
		for _, action := range []string{ActionReject, ActionAccept} {
			if ctx.Err() != nil {
				break
			}
			run(VisitSpec{ID: "visit/" + action, State: action, URL: cfg.URL, Action: action, Name: action})
		}
	}
	if cfg.Pages > 0 && ctx.Err() == nil {
		firstParty := cfg.FirstParty
		if firstParty == nil {
			_, rd := hostOf(cfg.URL)
			firstParty = func(h string) bool { _, d := hostOf("https://" + h + "/"); return d == rd }
		}
		cands := crawlCandidates(initial.Links, []string{cfg.URL, initial.Visit.FinalURL}, firstParty)
		chosen := cands
		if len(chosen) > cfg.Pages {
			chosen = chosen[:cfg.Pages]
		}
		out.Browser.Crawl = &evidence.Crawl{
			Rule:       "the first distinct first-party http(s) links of the initial page, in document order (fragments removed; the page itself and non-HTML files skipped)",
			Candidates: len(cands), Chosen: chosen,
		}
		for i, u := range chosen {
			if ctx.Err() != nil {
				break
			}
			n := strconv.Itoa(i + 1)
			run(VisitSpec{ID: "visit/crawl/" + n, State: evidence.StateCrawl, URL: u, Name: "crawl-" + n})
		}
	}
	return out
}

// skipExt are link targets that are not pages.
var skipExt = []string{".pdf", ".zip", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".ppt", ".pptx", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".mp4", ".mp3", ".csv", ".xml", ".json", ".ics", ".gz"}

// crawlCandidates returns the distinct first-party page links, in order.
func crawlCandidates(links, exclude []string, firstParty func(string) bool) []string {
	seen := map[string]bool{}
	for _, e := range exclude {
		if u, err := url.Parse(e); err == nil {
			u.Fragment = ""
			seen[u.String()] = true
		}
	}
	var out []string
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			continue
		}
		u.Fragment = ""
		s := u.String()
		host, _ := hostOf(s)
		if seen[s] || host == "" || !firstParty(host) || slices.Contains(skipExt, strings.ToLower(path.Ext(u.Path))) {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// probeHTTPS loads the plain-HTTP form of the URL (through the recording
// proxy) without following redirects to HTTPS, and reports whether it
// redirects there. A plain-HTTP target's own visit already tells.
func (b *Browser) probeHTTPS(ctx context.Context, target string, v *evidence.Visit) (*bool, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" {
		final, err := url.Parse(v.FinalURL)
		if err != nil || v.FinalURL == "" {
			return nil, fmt.Errorf("no final URL")
		}
		r := final.Scheme == "https"
		return &r, nil
	}
	u.Scheme = "http"
	tr := &http.Transport{ResponseHeaderTimeout: b.timing.Navigate, TLSHandshakeTimeout: 10 * time.Second}
	if b.cfg.Proxy != "" {
		tr.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: b.cfg.Proxy})
	}
	pool, err := trustcert.Pool(b.cfg.TrustCerts)
	if err != nil {
		return nil, err
	}
	if pool != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: b.timing.Navigate,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := u.String()
	for range 10 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", b.ua)
		req.Header.Set("Accept-Language", acceptLanguage(b.cfg.Locale))
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", next, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			no := false
			return &no, nil
		}
		loc, err := resp.Location()
		if err != nil {
			no := false
			return &no, nil
		}
		if loc.Scheme == "https" {
			yes := true
			return &yes, nil
		}
		next = loc.String()
	}
	no := false
	return &no, nil
}

// CrossCheck adds to each visit, as requests marked FromProxyOnly, the
// hosts the recording proxy connected to for it that the browser's event
// stream did not report (a worker's request, an event chromedp lost).
// Connections are matched to visits by their Visit label.
func (b *Browser) CrossCheck(visits []evidence.Visit, conns []evidence.Connection) {
	for i := range visits {
		v := &visits[i]
		hosts := map[string]bool{}
		for _, r := range v.Requests {
			hosts[r.Host] = true
		}
		for _, c := range conns {
			if c.Visit != v.ID || c.Background || hosts[c.Host] || c.Host == "" {
				continue
			}
			hosts[c.Host] = true
			scheme, method := "https", "CONNECT"
			if c.Port == 80 {
				scheme, method = "http", "GET"
			}
			u := scheme + "://" + c.Host + "/"
			if c.Port != 443 && c.Port != 80 && c.Port != 0 {
				u = fmt.Sprintf("%s://%s:%d/", scheme, c.Host, c.Port)
			}
			host, rd := hostOf(u)
			phase := evidence.PhaseBeforeAction
			if v.Action != nil && v.Action.Done && !v.Action.At.IsZero() && !c.Started.Before(v.Action.At) {
				phase = evidence.PhaseAfterAction
			}
			req := evidence.Request{
				ID: b.nextRequestID(), Visit: v.ID, Phase: phase, URL: u, Host: host, RegistrableDomain: rd,
				Method: method, FromProxyOnly: true, Failed: c.Refused,
			}
			if req.Failed == "" {
				req.Failed = c.Error
			}
			v.Requests = append(v.Requests, req)
		}
	}
}

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
	"sync"
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
	// FirstParty tells the organisation's hosts (for the crawl and the
	// link followed after a consent action); nil means the URL's
	// registrable domain only.
	FirstParty func(host string) bool
	// Dwell is how much of its own time each page view is observed after
	// its load event (virtual time when the browser grants it); zero for
	// DefaultDwell.
	Dwell time.Duration
	// Endpoint, when set, gives each visit its own recording-proxy endpoint
	// (proxy.Proxy.Listen with the visit's ID as label): the visits then
	// run at the same time, each in its own browser context, and their
	// connections are still told apart. release is called when the visit
	// ends. Without Endpoint, the visits run one after another through
	// Config.Proxy and OnVisit labels them.
	Endpoint func(visitID string) (addr string, release func(), err error)
	// Sequential runs the visits one after another even with Endpoint.
	Sequential bool
	// OnVisit is called with a visit's ID before it starts and with "" after
	// it ends, when Endpoint is nil (a proxy labelling connections by time).
	OnVisit func(id string)
	// OnInitial is called once the initial visit has ended, with its
	// result, while the other visits may still run: the analyses that read
	// the page as rendered (legal pages, survey) start from it.
	OnInitial func(*VisitResult)
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

// maxConcurrentCrawl bounds the further pages visited at once.
const maxConcurrentCrawl = 3

// Scan makes the visits of one scan: initial, reject, accept (each in a
// fresh browser context, at the same time when cfg.Endpoint is set), then
// the crawl of further pages found on the initial page. It probes whether
// the plain-HTTP URL redirects to HTTPS. The initial visit keeps the page
// as rendered once loaded (VisitResult.Page), for the analyses that read it
// (legal-page links, survey platform and controls). Results are in that
// order whatever the order the visits ended in, and request IDs are
// numbered in it (req/1 … across the visits), so that evidence does not
// depend on timing.
func (b *Browser) Scan(ctx context.Context, cfg ScanConfig) *ScanResult {
	progress := cfg.Progress
	if progress == nil {
		progress = func(string) {}
	}
	onVisit := cfg.OnVisit
	if onVisit == nil || cfg.Endpoint != nil {
		onVisit = func(string) {}
	}
	run := func(spec VisitSpec) *VisitResult {
		if cfg.Endpoint != nil {
			addr, release, err := cfg.Endpoint(spec.ID)
			if err != nil {
				return &VisitResult{Visit: evidence.Visit{ID: spec.ID, State: spec.State, URL: spec.URL, Started: time.Now().UTC(),
					Error: fmt.Sprintf("no recording proxy for the visit: %v", err)}}
			}
			defer release()
			spec.Proxy = addr
		}
		spec.Dwell, spec.FirstParty = cfg.Dwell, cfg.FirstParty
		progress(fmt.Sprintf("%s: loading %s", spec.ID, spec.URL))
		onVisit(spec.ID)
		r := b.Visit(ctx, spec)
		onVisit("")
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

	specs := []VisitSpec{{ID: "visit/" + evidence.StateInitial, State: evidence.StateInitial, URL: cfg.URL, Name: evidence.StateInitial, Links: cfg.Pages, Capture: true}}
	if cfg.Consent != "none" {
		for _, action := range []string{ActionReject, ActionAccept} {
			specs = append(specs, VisitSpec{ID: "visit/" + action, State: action, URL: cfg.URL, Action: action, Name: action})
		}
	}
	results := make([]*VisitResult, len(specs))
	afterInitial := func(r *VisitResult) {
		if r.Visit.Error == "" {
			redirect, err := b.probeHTTPS(ctx, cfg, r.Visit.FinalURL)
			if err != nil {
				progress("http probe: " + err.Error())
			}
			r.Visit.HTTPSRedirect = redirect
		}
		if cfg.OnInitial != nil {
			cfg.OnInitial(r)
		}
	}
	if cfg.Endpoint != nil && !cfg.Sequential {
		var wg sync.WaitGroup
		for i, spec := range specs {
			wg.Go(func() {
				results[i] = run(spec)
				if i == 0 {
					afterInitial(results[0])
				}
			})
		}
		wg.Wait()
	} else {
		for i, spec := range specs {
			if i > 0 && ctx.Err() != nil {
				break
			}
			results[i] = run(spec)
			if i == 0 {
				afterInitial(results[0])
			}
		}
		results = slices.DeleteFunc(results, func(r *VisitResult) bool { return r == nil })
	}
	initial := results[0]

	var crawl *evidence.Crawl
	if cfg.Pages > 0 && ctx.Err() == nil {
		firstParty := siteHosts(cfg.FirstParty, cfg.URL, initial.Visit.FinalURL)
		cands := crawlCandidates(initial.Links, []string{cfg.URL, initial.Visit.FinalURL}, firstParty)
		chosen := cands
		if len(chosen) > cfg.Pages {
			chosen = chosen[:cfg.Pages]
		}
		crawl = &evidence.Crawl{
			Rule:       "the first distinct first-party http(s) links of the initial page (the target's organisation's, or on the domain of the page it landed on), in document order (fragments removed; the page itself and non-HTML files skipped)",
			Candidates: len(cands), Chosen: chosen,
		}
		pages := make([]*VisitResult, len(chosen))
		limit := 1
		if cfg.Endpoint != nil && !cfg.Sequential {
			limit = maxConcurrentCrawl
		}
		sem := make(chan struct{}, limit)
		var wg sync.WaitGroup
		for i, u := range chosen {
			n := strconv.Itoa(i + 1)
			sem <- struct{}{}
			if ctx.Err() != nil {
				<-sem
				break
			}
			wg.Go(func() {
				defer func() { <-sem }()
				pages[i] = run(VisitSpec{ID: "visit/crawl/" + n, State: evidence.StateCrawl, URL: u, Name: "crawl-" + n})
			})
		}
		wg.Wait()
		for _, p := range pages {
			if p != nil {
				results = append(results, p)
			}
		}
	}

	info := b.Info()
	info.WebRTC = webRTCText(b.cfg.Exec)
	out := &ScanResult{Browser: &info, Results: results}
	out.Browser.TCF = initial.TCF
	out.Browser.Crawl = crawl
	for _, r := range results {
		out.Browser.Visits = append(out.Browser.Visits, r.Visit)
		out.Files = append(out.Files, r.Files...)
	}
	renumberRequests(out.Browser.Visits)
	for i := range out.Results {
		out.Results[i].Visit = out.Browser.Visits[i]
	}
	return out
}

// renumberRequests gives the requests of visits the IDs req/1, req/2 …
// in visit order, then in the order each visit recorded them, and
// rewrites the references to them (redirect parents, cookie setters).
// Each visit numbered its own requests from req/1.
func renumberRequests(visits []evidence.Visit) {
	n := 0
	for i := range visits {
		v := &visits[i]
		ids := make(map[string]string, len(v.Requests))
		for j := range v.Requests {
			n++
			id := "req/" + strconv.Itoa(n)
			ids[v.Requests[j].ID] = id
			v.Requests[j].ID = id
		}
		for j := range v.Requests {
			if in := v.Requests[j].Initiator; in != nil && in.Parent != "" {
				in.Parent = ids[in.Parent]
			}
		}
		for j := range v.Cookies {
			if sb := v.Cookies[j].SetBy; sb != nil && sb.Request != "" {
				sb.Request = ids[sb.Request]
			}
		}
	}
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

// siteHosts tells the hosts whose links a reader of the site follows: the
// organisation's (firstParty; nil: the target URL's registrable domain),
// and those on the registrable domain of the page the visitor landed on —
// a consultation the city's address redirects to on its vendor's platform
// is the site its visitors read, and its links are their next pages.
func siteHosts(firstParty func(string) bool, target, landed string) func(string) bool {
	if firstParty == nil {
		_, rd := hostOf(target)
		firstParty = func(h string) bool { _, d := hostOf("https://" + h + "/"); return d == rd }
	}
	_, here := hostOf(landed)
	return func(h string) bool {
		if firstParty(h) {
			return true
		}
		_, d := hostOf("https://" + h + "/")
		return here != "" && d == here
	}
}

// probeHTTPS loads the plain-HTTP form of the URL (through the recording
// proxy) without following redirects to HTTPS, and reports whether it
// redirects there. A plain-HTTP target's own visit already tells.
//
// With cfg.Endpoint, the probe goes through an endpoint of its own,
// labelled "probe/https" (no visit's).
func (b *Browser) probeHTTPS(ctx context.Context, cfg ScanConfig, finalURL string) (*bool, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" {
		final, err := url.Parse(finalURL)
		if err != nil || finalURL == "" {
			return nil, fmt.Errorf("no final URL")
		}
		r := final.Scheme == "https"
		return &r, nil
	}
	u.Scheme = "http"
	tr := &http.Transport{ResponseHeaderTimeout: b.timing.Navigate, TLSHandshakeTimeout: 10 * time.Second}
	via := b.cfg.Proxy
	if cfg.Endpoint != nil {
		addr, release, err := cfg.Endpoint("probe/https")
		if err != nil {
			return nil, err
		}
		defer release()
		via = addr
	}
	if via != "" {
		tr.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: via})
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
// Connections are matched to visits by their Visit label; the added
// requests are numbered after the visits' last request ID.
func CrossCheck(visits []evidence.Visit, conns []evidence.Connection) {
	n := 0
	for _, v := range visits {
		for _, r := range v.Requests {
			if k, err := strconv.Atoi(strings.TrimPrefix(r.ID, "req/")); err == nil && k > n {
				n = k
			}
		}
	}
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
				ID: "req/" + strconv.Itoa(n+1), Visit: v.ID, Phase: phase, URL: u, Host: host, RegistrableDomain: rd,
				Method: method, FromProxyOnly: true, Failed: c.Refused,
			}
			if req.Failed == "" {
				req.Failed = c.Error
			}
			n++
			v.Requests = append(v.Requests, req)
		}
	}
}

package scanner

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// httpPages is a pageLoader without a browser, for the stages' fast
// tests: plain GETs to the lab (through its dial override, trusting its
// CA only), text rendered without scripts. It logs the labels it is given.
type httpPages struct {
	client *http.Client
	mu     sync.Mutex
	labels []string // of the page loads
	served []string // of the reads as served
	fail   error    // when set, every load fails with it
}

func newHTTPPages(lab *scantest.Lab) *httpPages {
	override := lab.DialOverride()
	var d net.Dialer
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			o, ok := override[addr]
			if !ok {
				return nil, fmt.Errorf("%s is not a lab host", addr)
			}
			return d.DialContext(ctx, network, o)
		},
		TLSClientConfig: &tls.Config{RootCAs: lab.CA.Pool()},
	}
	return &httpPages{client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (h *httpPages) loadPage(ctx context.Context, label, url string) (*browser.Page, error) {
	return h.read(ctx, &h.labels, label, url)
}

func (h *httpPages) servedPage(ctx context.Context, label, url string) (*browser.Page, error) {
	return h.read(ctx, &h.served, label, url)
}

// read reads url, noting label in log.
func (h *httpPages) read(ctx context.Context, log *[]string, label, url string) (*browser.Page, error) {
	h.mu.Lock()
	*log = append(*log, label)
	h.mu.Unlock()
	if h.fail != nil {
		return nil, h.fail
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	var chain []string
	client := *h.client
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		chain = append(chain, r.URL.String())
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, browser.MaxPageHTML))
	if err != nil {
		return nil, err
	}
	p := &browser.Page{URL: url, FinalURL: resp.Request.URL.String(), Status: resp.StatusCode, Headers: resp.Header,
		ContentType: resp.Header.Get("Content-Type"), HTML: body, Requests: append([]string{url}, chain...)}
	if strings.HasPrefix(p.ContentType, "text/html") {
		p.Text = legal.RenderText(body)
	}
	for _, c := range resp.Cookies() {
		p.Cookies = append(p.Cookies, evidence.Cookie{Name: c.Name, Domain: resp.Request.URL.Hostname(), Path: c.Path})
	}
	return p, nil
}

func (h *httpPages) loader() string { return loaderHTTP }

// stageScan prepares a scan of url against the lab as Scan does before the
// concurrent stages: DNS collected and merged.
func stageScan(t *testing.T, lab *scantest.Lab, url string, opts Options) (*scan, *Result) {
	t.Helper()
	opts.URL = url
	opts.Resolver, opts.RDAPServer, opts.WhoisServer = lab.DNSAddr, lab.RDAP.URL, lab.Whois.Addr
	opts.TrustCerts = []string{lab.CACertFile}
	opts.DialOverride = lab.DialOverride()
	opts.Progress = func(stage, msg string) { t.Logf("%s: %s", stage, msg) }
	target, err := ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newScan(opts)
	if err != nil {
		t.Fatal(err)
	}
	res := s.newResult(target)
	res.merge(s.siteDNS(t.Context(), target))
	return s, res
}

// pageReady returns the initial page as the browser stage hands it over.
func pageReady(p *browser.Page) *pageOnce {
	o := newPageOnce()
	o.set(p)
	return o
}

// TestCollectLegalLab runs DNS and the legal stage on the lab's sites,
// without a browser (every page read as served) and with one (the
// browser's loads made by plain HTTP here, so that only the choice of
// loader is tested): which pages are kept and as what, how each was read,
// the hosts and files returned. What the legal checks make of them is
// tested end to end (package e2e).
func TestCollectLegalLab(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	tests := []struct {
		name     string
		url      string
		given    []string
		kept     map[string]string // page path → kind
		rendered []string          // the kept pages the browser must render
	}{
		{name: "founding", url: "https://" + scantest.HostFounding + "/",
			// Read without scripts, the English notice shows its menus only.
			kept:     map[string]string{"/legal": legal.KindNotice, "/cookies": legal.KindCookies, "/en/legal": legal.KindNotice},
			rendered: []string{"/en/legal"}},
		{name: "clean", url: "https://" + scantest.HostClean + "/",
			kept: map[string]string{"/mentions-legales": legal.KindNotice, "/politique-de-confidentialite": legal.KindPrivacy,
				"/cookies-page": legal.KindCookies, "/en/legal-notice": legal.KindNotice, "/de/impressum": legal.KindNotice, "/de/datenschutz": legal.KindPrivacy}},
		{name: "no hoster", url: "https://" + scantest.HostCity + "/",
			kept: map[string]string{"/mentions-legales": legal.KindNotice, "/de/impressum": legal.KindNotice}},
		{name: "given", url: "https://" + scantest.HostCity + "/", given: []string{"https://" + scantest.HostCity + "/de/impressum"},
			kept: map[string]string{"/de/impressum": legal.KindNotice}},
	}
	for _, tt := range tests {
		for _, withBrowser := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/browser=%v", tt.name, withBrowser), func(t *testing.T) {
				s, res := stageScan(t, lab, tt.url, Options{LegalURLs: tt.given})
				http := newHTTPPages(lab)
				var pages pageLoader = http
				if withBrowser {
					pages = &loaderAs{httpPages: http, as: loaderBrowser}
				}
				home, err := http.loadPage(t.Context(), "initial", tt.url)
				if err != nil {
					t.Fatal(err)
				}
				http.labels = nil
				r := s.legalStage(t.Context(), pages, pageReady(home))
				arts := r.artifacts
				res.merge(r)
				ev := res.Evidence
				if !ev.Has(evidence.KindLegal) || ev.Legal == nil {
					t.Fatalf("legal not collected: %+v", ev.Errors)
				}
				got := map[string]string{}
				for i, p := range ev.Legal.Pages {
					path := strings.TrimPrefix(p.URL, "https://"+ev.Target.Host)
					if p.Error == "" {
						got[path] = p.Kind
					}
					// Each page was read under the label of its number:
					// without a browser, loaded; with one, read as
					// served first, and loaded by the browser only when it
					// is there and does not read whole as served.
					label := fmt.Sprintf("visit/legal/%d", i+1)
					loaded, served := slices.Contains(http.labels, label), slices.Contains(http.served, label)
					wantLoader := loaderHTTP
					if withBrowser && p.Status != 404 && (p.Error != "" || slices.Contains(tt.rendered, path)) {
						wantLoader = loaderBrowser
					}
					if p.ID != fmt.Sprintf("legal/%d", i+1) || served != withBrowser || loaded != (wantLoader == loaderBrowser || !withBrowser) {
						t.Errorf("page %s (%s, status %d, %s): loaded %v, read as served %v", p.ID, p.URL, p.Status, p.Error, loaded, served)
					}
					if p.Status != 0 && p.Loader != wantLoader {
						t.Errorf("page %s (%s) answered; its loader is %q, want %q", p.ID, p.URL, p.Loader, wantLoader)
					}
				}
				for path, kind := range tt.kept {
					if got[path] != kind {
						t.Errorf("page %s: kind %q, want %q (kept %v)", path, got[path], kind, got)
					}
				}
				if len(got) != len(tt.kept) {
					t.Errorf("kept %v, want %v", got, tt.kept)
				}
				if h := labHost(ev, ev.Target.Host); h == nil || !slices.Contains(h.Roles, evidence.RoleLegalPage) || !slices.Contains(h.SeenIn, "legal/1") {
					t.Errorf("the site's host %+v lacks the legal-page role", h)
				}
				var files []string
				for _, a := range arts {
					files = append(files, a.Path)
				}
				if !slices.Contains(files, "legal/1.txt") || !slices.Contains(files, "legal/1.html") {
					t.Errorf("artefacts %v", files)
				}
				if tt.given != nil && (!slices.Equal(ev.Target.LegalURLs, tt.given) || ev.Legal.Pages[0].FoundBy != legal.FoundByGiven) {
					t.Errorf("given pages: target %v, page %+v", ev.Target.LegalURLs, ev.Legal.Pages[0])
				}
			})
		}
	}
}

// The legal stage does not claim a search it could not make.
func TestCollectLegalNotCollected(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	url := "https://" + scantest.HostFounding + "/"

	// The initial page did not load and no page was given: nothing searched.
	s, _ := stageScan(t, lab, url, Options{})
	browserPages := &loaderAs{httpPages: newHTTPPages(lab), as: loaderBrowser}
	if r := s.legalStage(t.Context(), browserPages, pageReady(nil)); r.artifacts != nil || r.legal != nil || slices.Contains(r.collected, evidence.KindLegal) || r.skipped == "" {
		t.Errorf("searched without a page: %+v", r)
	}
	// No browser started and no page given: not searched, and said so.
	if r := s.legalStage(t.Context(), newHTTPPages(lab), pageReady(nil)); r.legal != nil || len(r.errors) == 0 || !strings.Contains(r.errors[0].Error, "--legal") {
		t.Errorf("no browser, no --legal: %+v", r)
	}

	// Every load failed (the browser, not the site): not collected, an error.
	pages := newHTTPPages(lab)
	home, err := pages.loadPage(t.Context(), "initial", url)
	if err != nil {
		t.Fatal(err)
	}
	pages.fail = errors.New("browser tab crashed")
	r := s.legalStage(t.Context(), pages, pageReady(home))
	if slices.Contains(r.collected, evidence.KindLegal) || len(r.errors) == 0 || r.errors[len(r.errors)-1].Stage != "legal" {
		t.Errorf("failed loads: collected %v, errors %+v", r.collected, r.errors)
	}

	// The deadline cut the search: not collected.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if r := s.legalStage(ctx, newHTTPPages(lab), pageReady(home)); slices.Contains(r.collected, evidence.KindLegal) {
		t.Error("an interrupted search is collected")
	}
}

// TestLegalGivenWithoutBrowser: pages given with --legal are read with
// plain HTTP when there is no browser, and say so.
func TestLegalGivenWithoutBrowser(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	given := "https://" + scantest.HostClean + "/mentions-legales"
	s, _ := stageScan(t, lab, "https://"+scantest.HostClean+"/", Options{LegalURLs: []string{given}})
	r := s.legalStage(t.Context(), newHTTPPages(lab), pageReady(nil))
	if r.legal == nil || len(r.legal.Pages) != 1 || r.legal.Pages[0].Error != "" || r.legal.Pages[0].Loader != loaderHTTP ||
		!slices.Contains(r.collected, evidence.KindLegal) {
		t.Fatalf("given page without a browser: %+v, errors %+v", r.legal, r.errors)
	}
}

// loaderAs is a pageLoader that says its pages come from another loader.
type loaderAs struct {
	*httpPages
	as string
}

func (l *loaderAs) loader() string { return l.as }

func labHost(ev *evidence.Evidence, name string) *evidence.Host {
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

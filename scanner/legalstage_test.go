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

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/owner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// httpPages is a pageLoader without a browser, for the stages' fast
// tests: plain GETs to the lab (through its dial override, trusting its
// CA only), text rendered without scripts. It logs the labels it is given.
type httpPages struct {
	client *http.Client
	mu     sync.Mutex
	labels []string // of the page loads
	probes []string // of the status probes
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
	h.mu.Lock()
	h.labels = append(h.labels, label)
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

func (h *httpPages) status(ctx context.Context, label, url string) (int, error) {
	h.mu.Lock()
	h.probes = append(h.probes, label)
	h.mu.Unlock()
	if h.fail != nil {
		return 0, h.fail
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// stageScan prepares a scan of url against the lab as Scan does before the
// browser stage: DNS collected and hosts listed.
func stageScan(t *testing.T, lab *scantest.Lab, url string, opts Options) (*scan, *evidence.Evidence) {
	t.Helper()
	opts.URL = url
	opts.Resolver, opts.RDAPServer, opts.WhoisServer = lab.DNSAddr, lab.RDAP.URL, lab.Whois.Addr
	opts.TrustCerts = []string{lab.CACertFile}
	opts.DialOverride = lab.DialOverride()
	target, err := ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	resolver, err := dnsinfo.New(dnsinfo.Config{Server: opts.Resolver})
	if err != nil {
		t.Fatal(err)
	}
	owners, err := owner.New(owner.Config{RDAPServer: opts.RDAPServer, WhoisServer: opts.WhoisServer})
	if err != nil {
		t.Fatal(err)
	}
	s := &scan{opts: opts, progress: func(stage, msg string) { t.Logf("%s: %s", stage, msg) }, dns: resolver, owners: owners, catalogue: entities.Default()}
	ev := &evidence.Evidence{Target: target}
	s.collectDNS(t.Context(), ev)
	ev.Hosts = buildHosts(ev)
	return s, ev
}

// findingsOf runs the checks and returns the findings' subjects and
// summaries by check, and the statuses by check.
func findingsOf(list []*checks.Check, ev *evidence.Evidence) (map[string][]string, map[string]string, map[string]checks.Status) {
	out := checks.RunChecks(list, ev, nil, time.Now())
	subjects, summaries, status := map[string][]string{}, map[string]string{}, map[string]checks.Status{}
	for _, f := range out.Findings {
		subjects[f.ID] = append(subjects[f.ID], f.Subject)
		summaries[f.ID] += f.Summary + "\n"
	}
	for _, r := range out.Results {
		status[r.Check] = r.Status
	}
	return subjects, summaries, status
}

// TestCollectLegalLab runs DNS, the legal stage (without a browser: pages
// are read as served) and ownership on the lab's sites, then the legal
// checks: the founding portal declares OVH while a US CDN serves it; the
// clean town declares its real hoster; the city's site declares none.
func TestCollectLegalLab(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	tests := []struct {
		name    string
		url     string
		given   []string
		kept    map[string]string // page path → kind
		fire    map[string][]string
		quote   map[string][]string // check → texts its summaries hold
		silent  []string
		notEval []string
	}{
		{name: "founding", url: "https://" + scantest.HostFounding + "/",
			// Read without scripts, the English notice shows its menus only.
			kept: map[string]string{"/legal": legal.KindNotice, "/cookies": legal.KindCookies, "/en/legal": legal.KindNotice},
			fire: map[string][]string{
				"legal.hoster-mismatch":      {"hoster:ovhcloud"},
				"legal.hoster-missing":       {"hoster:ovhcloud"},
				"legal.processor-undeclared": {"org/cloudflare"},
			},
			quote:  map[string][]string{"legal.hoster-mismatch": {"declares the hoster “SAS OVH”: “Hébergement Assuré par OVH SAS OVH, 2 rue Kellermann 59100 Roubaix France”", "a CDN operated by Cloudflare, Inc. (US) terminates TLS"}},
			silent: []string{"legal.notice-missing"}},
		{name: "clean", url: "https://" + scantest.HostClean + "/",
			kept: map[string]string{"/mentions-legales": legal.KindNotice, "/politique-de-confidentialite": legal.KindPrivacy,
				"/cookies-page": legal.KindCookies, "/en/legal-notice": legal.KindNotice, "/de/impressum": legal.KindNotice, "/de/datenschutz": legal.KindPrivacy},
			silent: []string{"legal."}},
		{name: "no hoster", url: "https://" + scantest.HostCity + "/",
			kept: map[string]string{"/mentions-legales": legal.KindNotice, "/de/impressum": legal.KindNotice},
			// The site is served by the département's network, named nowhere.
			fire: map[string][]string{"legal.hoster-missing": {"hoster"},
				"legal.processor-undeclared": {"org/conseil-departemental-de-la-manche"}},
			silent:  []string{"legal.notice-missing", "legal.hoster-mismatch"},
			notEval: []string{"legal.hoster-mismatch"}},
		{name: "given", url: "https://" + scantest.HostCity + "/", given: []string{"https://" + scantest.HostCity + "/de/impressum"},
			kept: map[string]string{"/de/impressum": legal.KindNotice}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ev := stageScan(t, lab, tt.url, Options{LegalURLs: tt.given})
			pages := newHTTPPages(lab)
			home, err := pages.loadPage(t.Context(), "initial", tt.url)
			if err != nil {
				t.Fatal(err)
			}
			arts := s.collectLegal(t.Context(), ev, pages, home)
			s.enrich(t.Context(), ev)
			if !ev.Has(evidence.KindLegal) || ev.Legal == nil {
				t.Fatalf("legal not collected: %+v", ev.Errors)
			}
			got := map[string]string{}
			for _, p := range ev.Legal.Pages {
				if p.Error == "" {
					got[strings.TrimPrefix(p.URL, "https://"+ev.Target.Host)] = p.Kind
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
			// Each page was loaded, or probed and found missing, under
			// the label of its number; a page at a usual path that is not
			// there never reached the browser.
			for i, p := range ev.Legal.Pages {
				label := fmt.Sprintf("visit/legal/%d", i+1)
				loaded, probed := slices.Contains(pages.labels, label), slices.Contains(pages.probes, label)
				if p.ID != fmt.Sprintf("legal/%d", i+1) || (!loaded && !probed) {
					t.Errorf("page %s (%s): loaded %v, probed %v", p.ID, p.URL, loaded, probed)
				}
				if probed != (p.FoundBy == legal.FoundByPath) || (p.Status == http.StatusNotFound && loaded) {
					t.Errorf("page %s (%s, %s, %d): loaded %v, probed %v", p.ID, p.URL, p.FoundBy, p.Status, loaded, probed)
				}
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
			if tt.given != nil {
				if !slices.Equal(ev.Target.LegalURLs, tt.given) || ev.Legal.Pages[0].FoundBy != legal.FoundByGiven {
					t.Errorf("given pages: target %v, page %+v", ev.Target.LegalURLs, ev.Legal.Pages[0])
				}
				return
			}
			subjects, summaries, status := findingsOf(checks.LegalChecks, ev)
			for id, want := range tt.fire {
				for _, w := range want {
					if !slices.Contains(subjects[id], w) {
						t.Errorf("%s: %v lacks %s", id, subjects[id], w)
					}
				}
			}
			for id, texts := range tt.quote {
				for _, text := range texts {
					if !strings.Contains(summaries[id], text) {
						t.Errorf("%s summaries lack %q:\n%s", id, text, summaries[id])
					}
				}
			}
			for _, prefix := range tt.silent {
				for id, subj := range subjects {
					if strings.HasPrefix(id, prefix) {
						t.Errorf("%s fired: %v\n%s", id, subj, summaries[id])
					}
				}
			}
			for _, id := range tt.notEval {
				if status[id] != checks.StatusNotEvaluated {
					t.Errorf("%s: %s, want not evaluated", id, status[id])
				}
			}
			if tt.name == "clean" {
				for _, id := range []string{"legal.notice-missing", "legal.hoster-missing", "legal.hoster-mismatch", "legal.processor-undeclared"} {
					if status[id] != checks.StatusPass {
						t.Errorf("clean site: %s is %s, want pass", id, status[id])
					}
				}
			}
		})
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
	s, ev := stageScan(t, lab, url, Options{})
	if arts := s.collectLegal(t.Context(), ev, newHTTPPages(lab), nil); arts != nil || ev.Legal != nil || ev.Has(evidence.KindLegal) {
		t.Errorf("searched without a page: %+v", ev.Legal)
	}

	// Every load failed (the browser, not the site): not collected, an error.
	s, ev = stageScan(t, lab, url, Options{})
	pages := newHTTPPages(lab)
	home, err := pages.loadPage(t.Context(), "initial", url)
	if err != nil {
		t.Fatal(err)
	}
	pages.fail = errors.New("browser tab crashed")
	s.collectLegal(t.Context(), ev, pages, home)
	if ev.Has(evidence.KindLegal) || len(ev.Errors) == 0 || ev.Errors[len(ev.Errors)-1].Stage != "legal" {
		t.Errorf("failed loads: collected %v, errors %+v", ev.Collected, ev.Errors)
	}
	if _, _, status := findingsOf(checks.LegalChecks, ev); status["legal.notice-missing"] != checks.StatusNotEvaluated {
		t.Errorf("legal.notice-missing %s after failed loads, want not evaluated", status["legal.notice-missing"])
	}

	// The deadline cut the search: not collected.
	s, ev = stageScan(t, lab, url, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s.collectLegal(ctx, ev, newHTTPPages(lab), home)
	if ev.Has(evidence.KindLegal) {
		t.Error("an interrupted search is collected")
	}
}

func labHost(ev *evidence.Evidence, name string) *evidence.Host {
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

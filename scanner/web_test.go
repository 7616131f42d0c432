package scanner

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// plainWeb starts the recording proxy for a scan prepared with stageScan,
// without a browser: pages are read with plain HTTP through it.
func plainWeb(t *testing.T, s *scan, res *Result) *web {
	t.Helper()
	allow := append(targetPrivatePrefixes(res.Evidence), s.opts.allowedNetworks()...)
	w, err := s.startProxy(t.Context(), allow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.proxy.Close() })
	return w
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestOwnAnswersAreNotTheSite: what vigie's proxy answers itself (the
// target's port closed, a refused destination) is a failed load, never a
// status of the site; the legal pages that only got such answers are
// errors, and KindLegal is not collected (it was: "16 pages tried … HTTP
// status 502" raised legal.notice-missing).
func TestOwnAnswersAreNotTheSite(t *testing.T) {
	lab := startLabInternal(t)
	dead := "http://" + freePort(t) + "/"
	given := []string{dead + "mentions-legales", dead + "confidentialite", "http://10.0.0.1/mentions-legales"}
	s, res := stageScan(t, lab, dead, Options{LegalURLs: given})
	w := plainWeb(t, s, res)
	for _, u := range []string{dead, "http://10.0.0.1/"} {
		p, err := w.loadPage(t.Context(), "visit/test", u)
		if err == nil || !strings.Contains(err.Error(), "vigie's proxy answered") {
			t.Errorf("load %s: page %+v, error %v; want a failed load", u, p, err)
		}
		if p, err := w.servedPage(t.Context(), "visit/test", u); err == nil {
			t.Errorf("read %s as served: page %+v, want a failed load", u, p)
		}
	}
	r := s.legalStage(t.Context(), w, pageReady(nil))
	if slices.Contains(r.collected, evidence.KindLegal) || r.legal == nil {
		t.Fatalf("legal collected from the proxy's answers: %+v", r.legal)
	}
	for _, p := range r.legal.Pages {
		if p.Status != 0 || !strings.Contains(p.Error, "vigie's proxy answered") {
			t.Errorf("page %s: status %d, error %q; want an error of the page", p.URL, p.Status, p.Error)
		}
	}
}

// TestMappedLoopbackTarget: a target given as an IPv4-mapped address is
// its own address to vigie's guard, end to end.
func TestMappedLoopbackTarget(t *testing.T) {
	lab := startLabInternal(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>intranet</title><p>bonjour"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	url := "http://[::ffff:127.0.0.1]:" + port + "/"
	s, res := stageScan(t, lab, url, Options{})
	if !reachable(res.Evidence) {
		t.Fatalf("target %+v not reachable", res.Evidence.Target)
	}
	w := plainWeb(t, s, res)
	p, err := w.loadPage(t.Context(), "visit/test", res.Evidence.Target.URL)
	if err != nil || p.Status != 200 || !strings.Contains(p.Text, "bonjour") {
		t.Fatalf("mapped target: %+v, %v", p, err)
	}
	// Its neighbours on loopback stay refused.
	other := "http://127.0.0.1:" + strings.Split(freePort(t), ":")[1] + "/"
	if _, err := w.loadPage(t.Context(), "visit/test", other); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("another loopback port: %v, want refused", err)
	}
}

// TestPaddedHeaders: a page padding its headers past 64 KiB (Chromium
// accepts 256 KiB) is loaded with the cookie it sets, not turned into the
// proxy's 502.
func TestPaddedHeaders(t *testing.T) {
	lab := startLabInternal(t)
	url := "http://" + scantest.HostPadded + "/"
	s, res := stageScan(t, lab, url, Options{})
	w := plainWeb(t, s, res)
	p, err := w.loadPage(t.Context(), "visit/test", url)
	if err != nil || p.Status != 200 {
		t.Fatalf("padded page: %+v, %v", p, err)
	}
	if c := p.Headers.Get("Set-Cookie"); !strings.HasPrefix(c, "_ga=") {
		t.Errorf("the _ga cookie disappeared: Set-Cookie %q", c)
	}
}

// TestTarpitLegalPages: legal pages on a silent server cost one load's
// budget (the proxy finds the server silent), not one per page nor the
// scan's; the stage ends with the pages recorded as errors.
func TestTarpitLegalPages(t *testing.T) {
	lab := startLabInternal(t)
	pit := "https://" + scantest.HostTarpit
	given := []string{pit + "/mentions-legales", pit + "/donnees-personnelles", pit + "/cookies", "https://" + scantest.HostCity + "/mentions-legales"}
	s, res := stageScan(t, lab, "https://"+scantest.HostSlowAssets+"/", Options{LegalURLs: given})
	w := plainWeb(t, s, res)
	start := time.Now()
	r := s.legalStage(t.Context(), w, pageReady(nil))
	if r.legal == nil || len(r.legal.Pages) != 4 {
		t.Fatalf("legal %+v, errors %+v", r.legal, r.errors)
	}
	// The pages are loaded concurrently: whichever went first waited
	// for the server, the two others were skipped.
	waited, skipped := 0, 0
	for _, p := range r.legal.Pages[:3] {
		switch {
		case strings.Contains(p.Error, "silent server") && strings.Contains(p.Error, "not loaded"):
			skipped++
		case p.Error != "" && p.Status == 0:
			waited++
		default:
			t.Errorf("tarpit page %s: %+v", p.URL, p)
		}
	}
	if waited != 1 || skipped != 2 {
		t.Errorf("%d tarpit page(s) loaded and %d skipped, want 1 and 2: %+v", waited, skipped, r.legal.Pages[:3])
	}
	if last := r.legal.Pages[3]; last.Error != "" || last.Kind != legal.KindNotice {
		t.Errorf("the page off the tarpit: %+v", last)
	}
	if !slices.Contains(r.collected, evidence.KindLegal) {
		t.Errorf("legal not collected: %+v", r.errors)
	}
	t.Logf("legal stage with three pages on a tarpit: %s", time.Since(start).Round(time.Millisecond))
}

func startLabInternal(t *testing.T) *scantest.Lab {
	t.Helper()
	lab, err := scantest.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	return lab
}

// TestAllowNetwork: a range the user allowed (--allow-network) is
// reachable by the loaders; without it, refused.
func TestAllowNetwork(t *testing.T) {
	lab := startLabInternal(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><p>staging"))
	}))
	defer srv.Close()
	staging := "http://" + srv.Listener.Addr().String() + "/"
	for _, tt := range []struct {
		allow   []string
		refused bool
	}{
		{nil, true},
		{[]string{"127.0.0.0/8"}, false},
		{[]string{"10.0.0.0/8"}, true},
	} {
		s, res := stageScan(t, lab, "https://"+scantest.HostCity+"/", Options{AllowNetworks: tt.allow})
		w := plainWeb(t, s, res)
		p, err := w.loadPage(t.Context(), "visit/test", staging)
		if tt.refused != (err != nil) || (tt.refused && !strings.Contains(err.Error(), "refused")) {
			t.Errorf("allow %v: page %+v, error %v; want refused %v", tt.allow, p, err, tt.refused)
		}
		if got := res.Evidence.Environment.AllowedNetworks; !slices.Equal(got, tt.allow) {
			t.Errorf("allowed networks recorded %v, want %v", got, tt.allow)
		}
	}
}

package scanner_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// needBrowser skips a test without Chromium (fails when
// VIGIE_REQUIRE_BROWSER=1).
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
}

// initialVisit returns the scan's initial visit.
func initialVisit(t *testing.T, ev *evidence.Evidence) *evidence.Visit {
	t.Helper()
	if ev.Browser == nil || ev.Browser.Visit(evidence.StateInitial) == nil {
		t.Fatalf("no initial visit: errors %+v", ev.Errors)
	}
	return ev.Browser.Visit(evidence.StateInitial)
}

// TestScanTargetPortClosed: with nothing listening on the target's port,
// the proxy's 502 is the visit's error, not the site's status: no browser
// evidence, no legal search judged (it raised legal.notice-missing, high,
// "16 pages tried … HTTP status 502").
func TestScanTargetPortClosed(t *testing.T) {
	needBrowser(t)
	lab := startLab(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	ev := scan(t, lab, url).Evidence
	v := initialVisit(t, ev)
	if v.Status != 0 || !strings.Contains(v.Error, "vigie's proxy answered") {
		t.Errorf("initial visit: status %d, error %q; want the proxy's answer as an error", v.Status, v.Error)
	}
	for _, k := range []evidence.Kind{evidence.KindBrowser, evidence.KindLegal} {
		if ev.Has(k) {
			t.Errorf("%s collected from the proxy's answers", k)
		}
	}
	if ev.Legal != nil {
		for _, p := range ev.Legal.Pages {
			if p.Status == http.StatusBadGateway {
				t.Errorf("legal page %s recorded with the proxy's 502", p.URL)
			}
		}
	}
	if len(ev.Incomplete) == 0 {
		t.Error("a scan that never saw its target is not incomplete")
	}
}

// TestScanMappedLoopback: a target given as http://[::ffff:127.0.0.1]:PORT/
// is not refused by vigie's own guard, in the browser either.
func TestScanMappedLoopback(t *testing.T) {
	needBrowser(t)
	lab := startLab(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r) // the usual legal paths: probed, not loaded
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><html lang=fr><title>Intranet</title><p>Bonjour"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	ev := scan(t, lab, "http://[::ffff:127.0.0.1]:"+port+"/").Evidence
	v := initialVisit(t, ev)
	if v.Status != 200 || v.Error != "" || !ev.Has(evidence.KindBrowser) {
		t.Errorf("initial visit: status %d, error %q; collected %v", v.Status, v.Error, ev.Collected)
	}
	for _, c := range ev.Browser.Connections {
		if c.Refused != "" && c.Port == mustAtoi(t, port) {
			t.Errorf("the target refused: %+v", c)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := net.LookupPort("tcp", s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestScanPaddedHeaders: a page padding its headers past 64 KiB keeps its
// _ga cookie in the evidence (it disappeared behind the proxy's 502).
func TestScanPaddedHeaders(t *testing.T) {
	needBrowser(t)
	lab := startLab(t)
	ev := scan(t, lab, "http://"+scantest.HostPadded+"/").Evidence
	v := initialVisit(t, ev)
	if v.Status != 200 || v.Error != "" {
		t.Fatalf("initial visit: status %d, error %q", v.Status, v.Error)
	}
	if !slices.ContainsFunc(v.Cookies, func(c evidence.Cookie) bool { return c.Name == "_ga" && !c.Session }) {
		t.Errorf("the _ga cookie is missing: %+v", v.Cookies)
	}
}

// TestScanTarpit: a site whose assets and legal pages sit on a silent
// server ends inside its deadline with the rest of the evidence: the
// visit loaded, the legal search ran to its end, each page on the tarpit
// an error, at the cost of one load.
func TestScanTarpit(t *testing.T) {
	needBrowser(t)
	lab := startLab(t)
	opts := labOptions(lab, "https://"+scantest.HostSlowAssets+"/")
	opts.Timeout = 100 * time.Second
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ev := res.Evidence
	for _, e := range ev.Errors {
		if e.Stage == "scan" {
			t.Errorf("the scan was cut by its deadline: %s", e.Error)
		}
	}
	if !ev.Has(evidence.KindBrowser) || !ev.Has(evidence.KindLegal) || !ev.Has(evidence.KindDNS) {
		t.Errorf("collected %v; errors %+v", ev.Collected, ev.Errors)
	}
	if ev.Legal == nil {
		t.Fatal("no legal evidence")
	}
	onPit := 0
	for _, p := range ev.Legal.Pages {
		if !strings.Contains(p.URL, scantest.HostTarpit) {
			continue
		}
		onPit++
		if p.Error == "" || p.Status != 0 {
			t.Errorf("legal page %s on the tarpit: %+v", p.URL, p)
		}
		if !strings.Contains(p.Error, "silent server") {
			t.Errorf("legal page %s: %q, want it skipped as on a silent server", p.URL, p.Error)
		}
	}
	if onPit != 3 {
		t.Errorf("%d legal pages on the tarpit tried, want 3", onPit)
	}
	silent := false
	for _, c := range ev.Browser.Connections {
		silent = silent || (c.Host == scantest.HostTarpit && strings.Contains(c.Error, "silent server"))
	}
	if !silent {
		t.Error("no connection to the tarpit recorded as silent")
	}
}

// TestScanIDN: an internationalised name is looked up and loaded in
// A-labels, and shown in U-labels.
func TestScanIDN(t *testing.T) {
	lab := startLab(t)
	res := scan(t, lab, "https://"+scantest.IDNDomainUnicode+"/")
	ev := res.Evidence
	if ev.Target.Host != scantest.IDNDomain || ev.Target.DisplayHost != scantest.IDNDomainUnicode {
		t.Errorf("target %+v", ev.Target)
	}
	if r := ev.DNS.Resolution(scantest.IDNDomain); r == nil || r.Status != evidence.ResolvedOK {
		t.Fatalf("resolution %+v; errors %+v", r, ev.Errors)
	}
	if lab.DNSQueries(scantest.IDNDomain, dns.TypeA) == 0 {
		t.Error("the A-label was never asked for")
	}
	for _, h := range ev.Hosts {
		if strings.ContainsFunc(h.Name, func(r rune) bool { return r > 0x7f }) {
			t.Errorf("host recorded in U-labels: %q", h.Name)
		}
	}
	if _, err := browser.Find(""); err != nil {
		return // what follows needs the browser
	}
	v := initialVisit(t, ev)
	if v.Status != 200 || !strings.HasPrefix(v.FinalURL, "https://"+scantest.IDNDomain+"/") {
		t.Errorf("initial visit: %d %s, error %q", v.Status, v.FinalURL, v.Error)
	}
}

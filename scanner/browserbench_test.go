package scanner

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/proxy"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// BenchmarkBrowserFounding measures, on the lab's founding portal and in
// one run, vigie's browser stage (proxy, browser start, the three visits
// with banner detection, clicks, the page views after the choice,
// screenshots and HAR files) against a bare headless load of the same page
// through the same proxy by the same binary (and by the full browser's
// --headless mode too, when vigie runs the headless shell and a full
// browser is installed), and reports the ratios, the initial and
// the longest visit, the real time the page views' observation took (5 s
// of page time each, on virtual time) and the peak memory (PSS: scantest.SampleMemory) of
// vigie plus its browser processes, sampled from /proc.
func BenchmarkBrowserFounding(b *testing.B) {
	requireBrowser(b)
	lab, err := scantest.Start(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer lab.Close()
	url := "https://" + scantest.HostFounding + "/"
	dns, err := dnsinfo.New(dnsinfo.Config{Server: lab.DNSAddr})
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{URL: url, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr, CacheDir: "",
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride()}
	exe, _ := browser.Find("")
	spki, err := browser.SPKIHashes([]string{lab.CACertFile})
	if err != nil {
		b.Fatal(err)
	}

	// The baseline was the full browser's --headless mode: when
	// vigie runs the headless shell and a full browser is installed too,
	// a bare load by the full browser is measured as well.
	full := ""
	if browser.IsHeadlessShell(exe) {
		for _, name := range browser.Candidates {
			if p, err := exec.LookPath(name); err == nil && !browser.IsHeadlessShell(p) {
				full = p
				break
			}
		}
	}

	var vigie, bare, bareFull, initial, longest, observed time.Duration
	var peak int64
	for b.Loop() {
		// vigie's three-state browser stage.
		s := &scan{opts: opts, progress: func(string, string) {}, dns: dns}
		stop := scantest.SampleMemory(&peak)
		start := time.Now()
		res, err := Scan(context.Background(), opts)
		vigie += time.Since(start)
		stop()
		if err != nil || !res.Evidence.Has(evidence.KindConsent) {
			b.Fatalf("the scan failed: %v %+v", err, res.Evidence.Errors)
		}
		// The visits, and the time their page views' observation (dwell
		// on virtual time, gestures, idle) took in real time.
		var most time.Duration
		for _, v := range res.Evidence.Browser.Visits {
			most = max(most, v.Duration)
			if v.State == evidence.StateInitial {
				initial += v.Duration
			}
			for _, pv := range v.PageViews {
				if pv.Observation != nil {
					observed += pv.Observation.WallTime
				}
			}
		}
		longest += most

		// A bare headless Chromium loading the page once.
		start = time.Now()
		if err := bareLoad(s, exe, spki[0], url); err != nil {
			b.Fatal(err)
		}
		bare += time.Since(start)
		if full != "" {
			start = time.Now()
			if err := bareLoad(s, full, spki[0], url); err != nil {
				b.Fatal(err)
			}
			bareFull += time.Since(start)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(vigie.Milliseconds())/n, "vigie-ms/op")
	b.ReportMetric(float64(bare.Milliseconds())/n, "bare-chromium-ms/op")
	b.ReportMetric(float64(initial.Milliseconds())/n, "initial-visit-ms/op")
	b.ReportMetric(float64(longest.Milliseconds())/n, "longest-visit-ms/op")
	b.ReportMetric(float64(observed.Milliseconds())/n, "observation-ms/op")
	if bare > 0 {
		b.ReportMetric(float64(vigie)/float64(bare), "ratio")
	}
	if bareFull > 0 {
		b.ReportMetric(float64(bareFull.Milliseconds())/n, "bare-full-chromium-ms/op")
		b.ReportMetric(float64(vigie)/float64(bareFull), "ratio-vs-full-chromium")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-pss-MB")
}

// bareLoad starts exe with chromedp's defaults (--headless for the full
// browser), loads url through a recording proxy (the lab is only reachable
// that way) and stops.
func bareLoad(s *scan, exe, spki, url string) error {
	ctx := context.Background()
	p, err := proxy.Start(ctx, proxy.Config{Resolve: s.resolveAddrs, DialOverride: s.opts.DialOverride})
	if err != nil {
		return err
	}
	defer p.Close()
	o := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.ProxyServer("http://"+p.Addr),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki))
	actx, acancel := chromedp.NewExecAllocator(ctx, o...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	return chromedp.Do(bctx, chromedp.Navigate(url))
}

// requireBrowser skips a test without Chromium (fails when
// VIGIE_REQUIRE_BROWSER=1).
func requireBrowser(t testing.TB) {
	t.Helper()
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
}

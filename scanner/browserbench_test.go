package scanner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"golang.org/x/sync/errgroup"

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
//
// It also measures the scan's floor (floorLoads): the same page loads in
// the same binary with nothing else done. Its real time is what no amount
// of overlap can go below; its CPU time (scantest.MachineCPU, as the
// scan's) bounds the sites a minute a batch can reach on this machine.
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
	var vigieCPU, floor, floorCPU time.Duration
	var peak int64
	cpuKnown := true
	for b.Loop() {
		// vigie's three-state browser stage.
		s := &scan{opts: opts, progress: func(string, string) {}, dns: dns}
		stop := scantest.SampleMemory(&peak)
		cpu0, ok0 := scantest.MachineCPU()
		start := time.Now()
		res, err := Scan(context.Background(), opts)
		vigie += time.Since(start)
		cpu1, ok1 := scantest.MachineCPU()
		vigieCPU += cpu1 - cpu0
		cpuKnown = cpuKnown && ok0 && ok1
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

		// The page loads the scan could not do without, bare.
		wall, cpu, err := floorLoads(s, exe, spki[0], floorViews(res.Evidence))
		if err != nil {
			b.Fatal(err)
		}
		floor += wall
		floorCPU += cpu

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
	b.ReportMetric(float64(floor.Milliseconds())/n, "floor-ms/op")
	b.ReportMetric(float64(vigie)/float64(floor), "ratio-vs-floor")
	if cpuKnown {
		b.ReportMetric(vigieCPU.Seconds()/n, "vigie-cpu-s/op")
		b.ReportMetric(floorCPU.Seconds()/n, "floor-cpu-s/op")
		// The most three-state sites a minute this machine could scan if
		// a scan cost only its page loads (the browser already running).
		b.ReportMetric(float64(goruntime.NumCPU())*60/(floorCPU.Seconds()/n), "floor-sites/min")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-pss-MB")
}

// floorViews returns, from a scan's evidence, the page loads it made in
// the browser: each visit's page views in order (its first load, then the
// reload and the link after a choice), and each legal page the browser
// rendered, alone.
func floorViews(ev *evidence.Evidence) [][]floorView {
	var out [][]floorView
	for _, v := range ev.Browser.Visits {
		var chain []floorView
		for _, pv := range v.PageViews {
			chain = append(chain, floorView{url: pv.URL, reload: pv.Kind == evidence.PageViewReload})
		}
		out = append(out, chain)
	}
	for _, p := range ev.Legal.Pages {
		if p.Loader == "browser" {
			out = append(out, []floorView{{url: p.URL}})
		}
	}
	return out
}

// floorView is one page load of floorLoads: a URL, or a reload.
type floorView struct {
	url    string
	reload bool
}

// floorLoads is the floor of a three-state scan: in one headless browser
// (exe, chromedp's defaults, through a recording proxy) it makes the scan's
// page loads and nothing else — each chain in a fresh browser context, all
// chains at once, each load waiting only for its load event: no banner,
// no click, no dwell, no snapshot, no screenshot, no evidence. It returns
// the real time from the browser's start to the last load, and the
// machine's CPU time for the loads alone (the browser already started, as
// in a batch).
func floorLoads(s *scan, exe, spki string, chains [][]floorView) (time.Duration, time.Duration, error) {
	bctx, stop, err := bareBrowser(s, exe, spki)
	if err != nil {
		return 0, 0, err
	}
	defer stop()
	start := time.Now()
	if err := chromedp.Do(bctx); err != nil {
		return 0, 0, err
	}
	cpu0, _ := scantest.MachineCPU()
	var g errgroup.Group
	for _, chain := range chains {
		g.Go(func() error {
			tctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext(func(*target.CreateBrowserContextParams) {}))
			defer cancel()
			for _, v := range chain {
				a := chromedp.Navigate(v.url)
				if v.reload {
					a = chromedp.Reload()
				}
				if err := chromedp.Do(tctx, a); err != nil {
					return fmt.Errorf("floor load of %s: %w", v.url, err)
				}
			}
			return nil
		})
	}
	err = g.Wait()
	wall := time.Since(start)
	cpu1, _ := scantest.MachineCPU()
	return wall, cpu1 - cpu0, err
}

// bareLoad starts exe with chromedp's defaults (--headless for the full
// browser), loads url through a recording proxy (the lab is only reachable
// that way) and stops.
func bareLoad(s *scan, exe, spki, url string) error {
	bctx, stop, err := bareBrowser(s, exe, spki)
	if err != nil {
		return err
	}
	defer stop()
	return chromedp.Do(bctx, chromedp.Navigate(url))
}

// bareBrowser prepares exe with chromedp's defaults (--headless for the
// full browser) behind a recording proxy (the lab is only reachable that
// way); the browser starts on the context's first use, and stop ends it
// and the proxy.
func bareBrowser(s *scan, exe, spki string) (context.Context, func(), error) {
	ctx := context.Background()
	p, err := proxy.Start(ctx, proxy.Config{Resolve: s.resolveAddrs, DialOverride: s.opts.DialOverride})
	if err != nil {
		return nil, nil, err
	}
	o := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.ProxyServer("http://"+p.Addr),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki))
	actx, acancel := chromedp.NewExecAllocator(ctx, o...)
	bctx, bcancel := chromedp.NewContext(actx)
	return bctx, func() { bcancel(); acancel(); p.Close() }, nil
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

package scanner

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
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
// screenshots and HAR files) against a bare headless Chromium loading the
// same page through the same proxy, and reports the ratio, the initial and
// the longest visit, the real time the page views' observation took (5 s
// of page time each, on virtual time) and the peak memory (RSS) of vigie
// plus its browser processes, sampled from /proc.
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

	var vigie, bare, initial, longest, observed time.Duration
	var peak int64
	for b.Loop() {
		// vigie's three-state browser stage.
		s := &scan{opts: opts, progress: func(string, string) {}, dns: dns}
		stop := sampleRSS(&peak)
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
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
}

// bareLoad starts Chromium with chromedp's defaults, loads url through a
// recording proxy (the lab is only reachable that way) and stops.
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

// sampleRSS samples the summed RSS of this process and its descendants
// every 20ms into peak until the returned func is called.
func sampleRSS(peak *int64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v := treeRSS(os.Getpid()); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// treeRSS sums the resident memory of pid and its descendants, in bytes.
func treeRSS(root int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	var total int64
	page := int64(os.Getpagesize())
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, children[pid]...)
		statm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
		if err != nil {
			continue
		}
		f := strings.Fields(string(statm))
		if len(f) > 1 {
			rss, _ := strconv.ParseInt(f[1], 10, 64)
			total += rss * page
		}
	}
	return total
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

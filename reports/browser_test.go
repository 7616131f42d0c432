package reports

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// chromiumForTest finds a Chromium for the HTML rendering test. It looks on
// PATH only (the scanner's own browser lookup is another package's). The
// test skips with a clear message when there is none, unless
// VIGIE_REQUIRE_BROWSER=1 (CI), where it fails.
func chromiumForTest(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium on PATH (chromium, chromium-browser, google-chrome, headless_shell): the HTML report is not rendered; install it (Debian: apt-get install chromium, or `make browser`)"
	if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " — VIGIE_REQUIRE_BROWSER=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// pageState is what the test reads from the rendered page.
type pageState struct {
	Lang            string   `json:"lang"`
	Title           string   `json:"title"`
	MissingSections []string `json:"missingSections"`
	EmptySections   []string `json:"emptySections"`
	Images          int      `json:"images"`
	BrokenImages    []string `json:"brokenImages"`
	Scripts         int      `json:"scripts"`
	DiagramWidth    float64  `json:"diagramWidth"`
	Pwned           bool     `json:"pwned"`
	Text            string   `json:"text"`
}

const pageProbe = `(() => {
  const ids = %s;
  const imgs = [...document.images];
  const svg = document.querySelector('#operators svg');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    missingSections: ids.filter(id => !document.getElementById(id)),
    emptySections: ids.filter(id => { const e = document.getElementById(id); return e && (e.getBoundingClientRect().height < 20 || e.innerText.trim() === ''); }),
    images: imgs.length,
    brokenImages: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt + ' ' + i.src.slice(0, 40)),
    scripts: document.scripts.length,
    diagramWidth: svg ? svg.getBBox().width : 0,
    pwned: window.__pwned !== undefined,
    text: document.body.innerText,
  };
})()`

// labFounding scans the lab's founding case as `vigie demo` does (the
// options below mirror cmd/vigie's labOptions) and writes its bundle, in
// French, into dir.
func labFounding(t *testing.T, dir string) *Report {
	t.Helper()
	ctx := context.Background()
	lab, err := scantest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	res, err := scanner.Scan(ctx, scanner.Options{URL: scantest.Sites()[0].URL, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL,
		WhoisServer: lab.Whois.Addr, TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride(), Dwell: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := New("test", res.Evidence, checks.Run(res.Evidence, nil, res.Finished), nil, res.Started, res.Finished)
	var arts []Artifact
	for _, a := range res.Artifacts {
		arts = append(arts, Artifact{Path: a.Path, Data: a.Data})
	}
	if err := Write(dir, r, Options{Formats: []string{"html"}, Lang: French}, arts); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHTMLInChromium renders, in headless Chromium as a reader would open
// them — a file, offline — the French report of the lab's founding case
// (as the collectors gather it today), the founding case with every kind
// of evidence (the fixture: mail and legal pages too), and a report full
// of hostile strings. It checks that the console has no error, every
// section is there and shows something, the screenshots load, the diagram
// is drawn and nothing hostile runs. It keeps full-page screenshots and a
// PDF print as artefacts in testdata/out/.
func TestHTMLInChromium(t *testing.T) {
	exe := chromiumForTest(t)
	if testing.Short() {
		t.Skip("-short: the Chromium rendering test is skipped")
	}
	dir := t.TempDir()
	lab := filepath.Join(dir, "lab")
	labReport := labFounding(t, lab)
	founding := filepath.Join(dir, "founding")
	if err := Write(founding, fullReport(), Options{Formats: []string{"html"}, Lang: French}, fullArtifacts(t)); err != nil {
		t.Fatal(err)
	}
	injected := filepath.Join(dir, "injected")
	if err := Write(injected, injectedReport(), Options{Formats: []string{"html"}, Lang: English}, fullArtifacts(t)); err != nil {
		t.Fatal(err)
	}

	// A deadline against a hang, not a speed test: a loaded machine is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("%s %s: %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		}
	}); err != nil {
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}

	probe := fmt.Sprintf(pageProbe, "['"+strings.Join(htmlSections, "','")+"']")
	load := func(bundle string) pageState {
		t.Helper()
		if err := chromedp.Do(bctx, chromedp.Navigate("file://"+filepath.Join(bundle, "report.html"))); err != nil {
			t.Fatalf("open the report: %v", err)
		}
		st, err := chromedp.Run(bctx, chromedp.Evaluate[pageState](probe))
		if err != nil {
			t.Fatalf("read the page: %v", err)
		}
		return st
	}

	// The lab's founding case, as scanned now.
	st := load(lab)
	shots := 0
	if b := labReport.Evidence.Browser; b != nil {
		for _, v := range b.Visits {
			if v.State != evidence.StateCrawl {
				shots += len(v.Screenshots)
			}
		}
	}
	if st.Lang != "fr" || len(st.MissingSections) > 0 || len(st.EmptySections) > 0 || st.Scripts != 0 || st.DiagramWidth < 100 {
		t.Errorf("lab report: lang %q, sections missing %v, empty %v, %d scripts, diagram width %.0f", st.Lang, st.MissingSections, st.EmptySections, st.Scripts, st.DiagramWidth)
	}
	if st.Images != shots || len(st.BrokenImages) > 0 {
		t.Errorf("lab report: %d images for %d screenshots, broken %v", st.Images, shots, st.BrokenImages)
	}
	for _, want := range []string{"proxy-fallback.participation-vendor.com", "Cloudflare"} {
		if !strings.Contains(st.Text, want) {
			t.Errorf("the lab report does not show %q", want)
		}
	}
	if labReport.Evidence.Has(evidence.KindBrowser) && !strings.Contains(st.Text, "après refus") {
		t.Error("the lab report does not show the consent comparison")
	}
	if shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)); err != nil {
		t.Errorf("screenshot: %v", err)
	} else {
		keepArtefact(t, "report-lab-founding-fr.png", shot)
	}

	// The founding case with every kind of evidence.
	st = load(founding)
	if st.Lang != "fr" || !strings.Contains(st.Title, "Rapport vigie") {
		t.Errorf("page language %q, title %q: want the French report", st.Lang, st.Title)
	}
	if len(st.MissingSections) > 0 || len(st.EmptySections) > 0 {
		t.Errorf("sections missing %v, empty %v", st.MissingSections, st.EmptySections)
	}
	if st.Images != 3 || len(st.BrokenImages) > 0 {
		t.Errorf("%d images, broken %v: want the 3 screenshots loaded", st.Images, st.BrokenImages)
	}
	if st.Scripts != 0 || st.DiagramWidth < 100 {
		t.Errorf("%d scripts (want none), diagram width %.0f", st.Scripts, st.DiagramWidth)
	}
	for _, want := range []string{"Qui exploite ce site", "proxy-fallback.participation-vendor.com", "Cloudflare", "après refus", "www.google-analytics.com", "Tout accepter", "relay.mandrillapp.com", "OVH"} {
		if !strings.Contains(st.Text, want) {
			t.Errorf("the rendered page does not show %q", want)
		}
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF") || len(shot) < 1000 {
		t.Errorf("print gave %d bytes (%q…), screenshot %d bytes", len(pdf), pdf[:min(len(pdf), 8)], len(shot))
	}
	keepArtefact(t, "report-founding-fr.png", shot)
	keepArtefact(t, "report-founding-fr.pdf", pdf)

	st = load(injected)
	if st.Pwned || st.Scripts != 0 {
		t.Error("a hostile string ran as script in the HTML report")
	}
	if !strings.Contains(st.Text, scriptTag) {
		t.Error("the hostile string is not shown as text")
	}
	// Make sure every event of the loads has been delivered, then judge.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}

// keepArtefact writes a test artefact under testdata/out (ignored by git)
// for a person to look at.
func keepArtefact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("cannot keep %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Logf("cannot keep %s: %v", name, err)
		return
	}
	t.Logf("kept %s", p)
}

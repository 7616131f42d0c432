package webapp

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// The lab, shared by this package's tests and closed by TestMain.
var (
	labOnce sync.Once
	lab     *scantest.Lab
	labErr  error
)

func sharedLab(t *testing.T) *scantest.Lab {
	t.Helper()
	labOnce.Do(func() { lab, labErr = scantest.Start(context.Background()) })
	if labErr != nil {
		t.Fatal(labErr)
	}
	return lab
}

func TestMain(m *testing.M) {
	code := m.Run()
	if lab != nil {
		lab.Close()
	}
	os.Exit(code)
}

// requireChromium returns the browser, skipping the test when there is
// none (failing when VIGIE_REQUIRE_BROWSER=1).
func requireChromium(t *testing.T) string {
	t.Helper()
	exe, err := browser.Find("")
	if err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("real-browser test of vigie serve skipped: %v", err)
	}
	return exe
}

// TestServeInChromium is a citizen's visit, in a real browser: the form
// filled in (the founding case's address, first visit only, its
// confirmation mail uploaded, French), the progress watched as it streams,
// the report opened under its Content-Security-Policy (styled, no
// violation, nothing run), the bundle downloaded as a zip whose files
// match its manifest.
func TestServeInChromium(t *testing.T) {
	exe := requireChromium(t)
	lab := sharedLab(t)
	tmp := t.TempDir()
	mail, err := scantest.WriteMailFixture(tmp, scantest.MailFounding)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Data: filepath.Join(tmp, "data"), Settings: audit.Settings{Version: "test"},
		Options: scanner.Options{Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
			TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride(), Timeout: 2 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.Run(runCtx); close(ran) }()
	defer func() { stopRun(); <-ran }()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.WindowSize(1280, 1000), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var problems []string
	downloaded := make(chan string, 1)
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
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
	if err := chromedp.ListenBrowser(bctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case downloaded <- e.GUID:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("%s: %s", what, p)
		}
		problems = nil
	}

	// The form.
	founding := scantest.Sites()[0].URL
	if err := chromedp.Do(bctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.SetValue(chromedp.CSS("#url"), founding),
		chromedp.Click(chromedp.CSS(`input[name=consent][value=none]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#mail"), []string{mail}),
		chromedp.SetValue(chromedp.CSS("#lang"), "fr"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#status")),
	); err != nil {
		t.Fatalf("fill in and submit the form: %v", err)
	}
	check("the form")

	// The progress, as it streams: lines appear that the server had not
	// rendered, stage by stage, until the page reloads with the report.
	type progress struct {
		Lines  int      `json:"lines"`
		Stages []string `json:"stages"`
		Report bool     `json:"report"`
		Status string   `json:"status"`
	}
	const probe = `(() => {
  const li = [...document.querySelectorAll('#progress li')];
  return {lines: li.length, stages: li.map(l => l.querySelector('.stage').textContent),
    report: !!document.getElementById('report'), status: (document.getElementById('status') || {}).textContent || ''};
})()`
	first, err := chromedp.Run(bctx, chromedp.Evaluate[progress](probe))
	if err != nil {
		t.Fatal(err)
	}
	var seen progress
	stages := map[string]bool{}
	for deadline := time.Now().Add(3 * time.Minute); ; {
		p, err := chromedp.Run(bctx, chromedp.Evaluate[progress](probe))
		if err == nil {
			if p.Report {
				break
			}
			if p.Lines > seen.Lines {
				seen = p
			}
			for _, st := range p.Stages {
				stages[st] = true
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report after 3 minutes; last progress %+v", seen)
		}
		time.Sleep(150 * time.Millisecond)
	}
	if first.Report {
		t.Fatal("the scan finished before its page showed: the progress was not watched")
	}
	if seen.Lines <= first.Lines {
		t.Errorf("no progress line streamed: %d at load, %d at most", first.Lines, seen.Lines)
	}
	for _, want := range []string{"dns", "browser"} {
		if !stages[want] {
			t.Errorf("the streamed progress lacks the %s stage (saw %v)", want, seen.Stages)
		}
	}
	// The finished page keeps the whole progress, the mail stage's too.
	all, err := chromedp.Run(bctx, chromedp.TextContent(chromedp.CSS("details ol.progress")))
	if err != nil || !strings.Contains(all, "mail") || !strings.Contains(all, "owner") {
		t.Errorf("the finished page's progress lacks stages: %v\n%s", err, all)
	}
	check("the progress page")

	// The report, shown in place and opened on its own, under its CSP.
	jobURL, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	href, err := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS("#open-report"), "href"))
	if err != nil || href.Value == "" {
		t.Fatalf("no link to the report: %v", err)
	}
	type reportState struct {
		Lang, Text, Font string
		Scripts, Rules   int
	}
	st, err := func() (reportState, error) {
		if err := chromedp.Do(bctx, chromedp.Navigate(ts.URL+href.Value)); err != nil {
			return reportState{}, err
		}
		return chromedp.Run(bctx, chromedp.Evaluate[reportState](`({Lang: document.documentElement.lang, Text: document.body.innerText,
  Font: getComputedStyle(document.body).fontFamily, Scripts: document.scripts.length,
  Rules: [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)})`))
	}()
	if err != nil {
		t.Fatalf("open the report: %v", err)
	}
	if st.Lang != "fr" || !strings.Contains(st.Text, "Qui exploite ce site") || !strings.Contains(st.Text, "mandrillapp.com") || !strings.Contains(st.Text, "comme demandé") {
		t.Errorf("the report is not the founding case's, in French, with its mail: lang %q", st.Lang)
	}
	if st.Rules < 20 || !strings.Contains(st.Font, "system-ui") || st.Scripts != 0 {
		t.Errorf("the report's style is not applied under its CSP: %d rules, font %q, %d scripts", st.Rules, st.Font, st.Scripts)
	}
	check("the report")

	// The bundle, downloaded by the browser.
	dl := filepath.Join(tmp, "downloads")
	os.MkdirAll(dl, 0o755)
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(jobURL), chromedp.Click(chromedp.CSS("#download-zip"))); err != nil {
		t.Fatalf("click the download: %v", err)
	}
	select {
	case guid := <-downloaded:
		data, err := os.ReadFile(filepath.Join(dl, guid))
		if err != nil {
			t.Fatal(err)
		}
		checkZip(t, data, []string{"report.json", "report.html", "report.md", "report.sarif", "screenshots/"})
	case <-time.After(30 * time.Second):
		t.Fatal("the zip did not download")
	}
	check("the download")
}

func ptr[T any](v T) *T { return &v }

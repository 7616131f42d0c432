package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/scanner/survey/surveytest"
)

// The package's one lab, and what its scans share (one browser, the DNS
// and ownership answers), started on first use.
var (
	labOnce    sync.Once
	sharedLab  *scantest.Lab
	shared     *scanner.Shared
	hasBrowser bool
	sharedErrs []error
)

// lab returns the shared lab and what scans share. With needBrowser, the
// test is skipped (failed with VIGIE_REQUIRE_BROWSER=1) without Chromium.
func lab(t *testing.T, needBrowser bool) (*scantest.Lab, *scanner.Shared) {
	t.Helper()
	labOnce.Do(func() {
		var err error
		if sharedLab, err = scantest.Start(context.Background()); err != nil {
			sharedErrs = append(sharedErrs, err)
			return
		}
		shared, err = scanner.NewShared(context.Background(), scanner.Options{
			Resolver: sharedLab.DNSAddr, RDAPServer: sharedLab.RDAP.URL, WhoisServer: sharedLab.Whois.Addr,
			TrustCerts: []string{sharedLab.CACertFile}, Browser: os.Getenv("VIGIE_BROWSER")})
		if err != nil {
			sharedErrs = append(sharedErrs, err)
		}
		_, err = browser.Find(os.Getenv("VIGIE_BROWSER"))
		hasBrowser = err == nil
	})
	if len(sharedErrs) > 0 {
		t.Fatal(sharedErrs)
	}
	if needBrowser && !hasBrowser {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatal("VIGIE_REQUIRE_BROWSER=1 but no Chromium was found")
		}
		t.Skip("end-to-end browser tests skipped: no Chromium found (install chromium or set VIGIE_BROWSER)")
	}
	return sharedLab, shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing what the scans shared:", err)
			code = 1
		}
	}
	if sharedLab != nil {
		sharedLab.Close()
	}
	os.Exit(code)
}

// labDwell is the page time the lab scans watch each page view for: the
// lab's latest tag fires 2.8 s after navigation, so 3 s sees it, and a
// busy test machine that falls back to the wall clock waits less than
// the default 5 s per page view (the default is tested in
// scanner/browser).
const labDwell = 3 * time.Second

// labScan scans a lab site with the lab's servers, its dial override and
// the shared browser, watching each page view for labDwell unless opts
// says otherwise.
func labScan(t *testing.T, url string, opts scanner.Options) (*evidence.Evidence, []scanner.Artifact) {
	t.Helper()
	l, sh := lab(t, true)
	opts.URL = url
	opts.DialOverride = l.DialOverride()
	opts.Shared = sh
	if opts.Dwell == 0 {
		opts.Dwell = labDwell
	}
	opts.Progress = func(stage, msg string) { t.Logf("%s: %s", stage, msg) }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := scanner.Scan(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.Evidence, res.Artifacts
}

// judged is what the checks made of a scan's evidence: the findings'
// subjects and summaries by check, and every check's status.
type judged struct {
	subjects  map[string][]string
	summaries map[string]string
	status    map[string]checks.Status
	outcome   checks.Outcome
}

// judge runs every check on ev.
func judge(ev *evidence.Evidence) judged {
	out := checks.Run(ev, nil, time.Now())
	j := judged{subjects: map[string][]string{}, summaries: map[string]string{}, status: map[string]checks.Status{}, outcome: out}
	for _, f := range out.Findings {
		j.subjects[f.ID] = append(j.subjects[f.ID], f.Subject)
		j.summaries[f.ID] += f.Summary + "\n"
	}
	for _, r := range out.Results {
		j.status[r.Check] = r.Status
	}
	return j
}

// expect is what a scenario's checks must conclude.
type expect struct {
	fire    map[string][]string // check → subjects that must be among its findings
	any     []string            // checks that must fire, whatever the subject
	quote   map[string][]string // check → texts its summaries hold
	pass    []string            // checks that must pass
	silent  []string            // checks (or ID prefixes) that must not fire
	notEval []string            // checks that must be not-evaluated
}

// assert fails t for every expectation j does not meet, and for any check
// that errored.
func (e expect) assert(t *testing.T, j judged) {
	t.Helper()
	for id, want := range e.fire {
		for _, w := range want {
			if !contains(j.subjects[id], w) {
				t.Errorf("%s: %v lacks %s\n%s", id, j.subjects[id], w, j.summaries[id])
			}
		}
	}
	for _, id := range e.any {
		if len(j.subjects[id]) == 0 {
			t.Errorf("%s did not fire (%s)", id, j.status[id])
		}
	}
	for id, texts := range e.quote {
		for _, text := range texts {
			if !strings.Contains(j.summaries[id], text) {
				t.Errorf("%s summaries lack %q:\n%s", id, text, j.summaries[id])
			}
		}
	}
	for _, id := range e.pass {
		if j.status[id] != checks.StatusPass {
			t.Errorf("%s: %s, want pass", id, j.status[id])
		}
	}
	for _, prefix := range e.silent {
		for id, subj := range j.subjects {
			if strings.HasPrefix(id, prefix) {
				t.Errorf("%s fired: %v\n%s", id, subj, j.summaries[id])
			}
		}
	}
	for _, id := range e.notEval {
		if j.status[id] != checks.StatusNotEvaluated {
			t.Errorf("%s: %s, want not-evaluated", id, j.status[id])
		}
	}
	for _, r := range j.outcome.Results {
		if r.Status == checks.StatusError {
			t.Errorf("%s: error %s", r.Check, r.Reason)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// labDial sends the lab's names to its servers, for a pass-through proxy.
func labDial(l *scantest.Lab) surveytest.DialFunc {
	override := l.DialOverride()
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		o, ok := override[addr]
		if !ok {
			return nil, errors.New(addr + " is not a lab host")
		}
		var d net.Dialer
		return d.DialContext(ctx, network, o)
	}
}

// assertReadOnly fails when a request other than GET or HEAD reached one of
// the lab's consultation hosts.
func assertReadOnly(t *testing.T, lab *scantest.Lab) {
	t.Helper()
	seen, writes := lab.ConsultationWrites()
	for _, r := range writes {
		t.Errorf("vigie sent %s %s%s to a consultation", r.Method, r.Host, r.Path)
	}
	if seen == 0 {
		t.Error("the consultation hosts saw no request: the assertion could not fail")
	}
}

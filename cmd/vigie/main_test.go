package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// vigie runs the command line and returns its exit code, stdout and stderr.
func vigie(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestMain routes the scans of the package's tests into the lab whose DNS
// server they use (labHook: set before any test, read-only while they
// run) and removes the shared fixtures at the end.
func TestMain(m *testing.M) {
	// A C locale, whatever the developer's: the reports' language then
	// follows the sites' pages (TestScanHumanDefaults checks it).
	for v, val := range map[string]string{"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"} {
		os.Setenv(v, val)
	}
	labHook = func(o *scanner.Options) {
		if lab := labs.serving(o.Resolver); lab != nil {
			o.DialOverride = lab.DialOverride()
		}
	}
	code := m.Run()
	atEnd.run()
	os.Exit(code)
}

// atEnd holds what the package's shared fixtures leave to remove once
// every test is done.
var atEnd cleanups

type cleanups struct {
	mu  sync.Mutex
	fns []func()
}

func (c *cleanups) add(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, fn)
}

func (c *cleanups) run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
}

// labs are the labs the tests started, by DNS server address: a scan
// given a lab's --resolver has its web traffic sent into that lab.
var labs = labRegistry{byDNS: map[string]*scantest.Lab{}}

type labRegistry struct {
	mu    sync.Mutex
	byDNS map[string]*scantest.Lab
}

func (r *labRegistry) add(lab *scantest.Lab) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byDNS[lab.DNSAddr] = lab
}

func (r *labRegistry) serving(resolver string) *scantest.Lab {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byDNS[resolver]
}

// sharedLab is the lab most tests scan, started once for the package:
// tests only read its sites and never depend on what it recorded.
var sharedLab = sync.OnceValues(func() (*scantest.Lab, error) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		return nil, err
	}
	labs.add(lab)
	atEnd.add(func() { lab.Close() })
	return lab, nil
})

// startLab returns the package's shared lab.
func startLab(t testing.TB) *scantest.Lab {
	t.Helper()
	lab, err := sharedLab()
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

// scanRun is what one `vigie scan` did: its bundle folder, exit code,
// stdout and stderr.
type scanRun struct {
	dir            string
	code           int
	stdout, stderr string
}

// foundingRun is `vigie scan` of the founding case with the lab's
// arguments only (labArgs: --consent none, default formats and --fail-on),
// run once for the tests that need such a bundle and only read it. Its
// lab is closed once the scan is done: what re-reads the bundle needs no
// network.
var foundingRun = sync.OnceValues(func() (scanRun, error) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		return scanRun{}, err
	}
	defer lab.Close()
	labs.add(lab)
	tmp, err := os.MkdirTemp("", "vigie-test-founding-")
	if err != nil {
		return scanRun{}, err
	}
	atEnd.add(func() { os.RemoveAll(tmp) })
	r := scanRun{dir: filepath.Join(tmp, "bundle")}
	var out, errb bytes.Buffer
	args := append([]string{"scan", "https://jeparticipe.ville-exemple.fr/", "--out", r.dir}, labArgs(lab)...)
	r.code = run(context.Background(), args, &out, &errb)
	r.stdout, r.stderr = out.String(), errb.String()
	return r, nil
})

// sharedFoundingRun returns foundingRun's scan, failing the test when it
// did not find what the founding case has (exit 1: high findings).
func sharedFoundingRun(t testing.TB) scanRun {
	t.Helper()
	r, err := foundingRun()
	if err != nil {
		t.Fatal(err)
	}
	if r.code != exitFindings {
		t.Fatalf("the founding case's scan: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFindings, r.stdout, r.stderr)
	}
	return r
}

// labArgs points a scan at the lab's servers, without the user's cache,
// watching each page view for 3 s of page time (the lab's latest tag
// fires at 2.8 s; the default 5 s is tested in scanner/browser).
func labArgs(lab *scantest.Lab) []string {
	return []string{"--resolver", lab.DNSAddr, "--rdap-server", lab.RDAP.URL, "--whois-server", lab.Whois.Addr, "--cache-dir=",
		"--trust-cert", lab.CACertFile, "--consent", "none", "--dwell", "3s"}
}

func readReport(t *testing.T, dir string) *reports.Report {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func findingIDs(r *reports.Report) string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	return strings.Join(ids, ",")
}

// has reports whether the report has a finding of check id (and subject, when given).
func has(r *reports.Report, id, subject string) bool {
	for _, f := range r.Findings {
		if f.ID == id && (subject == "" || f.Subject == subject) {
			return true
		}
	}
	return false
}

// hostingFindings are the founding case's hosting and DNS findings.
var hostingFindings = []string{"hosting.operator-outside-eea", "hosting.cdn-proxy", "hosting.third-party-cname", "dns.no-dnssec"}

// TestScanExitCodes runs `vigie scan` on lab scenarios and checks each
// exit code, report and output. The cases that differ from an earlier one
// only by how the findings are judged (--fail-on, --policy's allowed
// countries, --allow-incomplete) re-judge its saved evidence with `vigie
// check` (the same gate) instead of scanning again.
func TestScanExitCodes(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	allowUS := filepath.Join(t.TempDir(), "us.yaml")
	os.WriteFile(allowUS, []byte("allowed:\n  countries: [EEA, US]\n"), 0o644)
	const (
		founding = "founding case, default fail-on high"
		blind    = "browser does not start"
	)
	type exitCase struct {
		name      string
		url       string
		args      []string
		code      int
		want, not []string
		maxSev    string // no finding above this severity, when set
		from      string // re-judge this earlier case's bundle with vigie check, when set
	}
	tests := []exitCase{
		// The package's shared scan (foundingRun) has this command line.
		{founding, "https://jeparticipe.ville-exemple.fr/", nil, exitFindings, hostingFindings, nil, "", ""},
		{"founding case, fail-on none", "", []string{"--fail-on", "none"}, exitOK, hostingFindings, nil, "", founding},
		{"founding case, US allowed", "", []string{"--policy", allowUS, "--fail-on", "none"}, exitOK,
			[]string{"hosting.cdn-proxy", "hosting.third-party-cname"}, []string{"hosting.operator-outside-eea"}, "", founding},
		{"clean site", "https://participez.commune-propre.fr/", []string{"--fail-on", "low"}, exitOK, nil, hostingFindings, "info", ""},
		{"dangling CNAME", "https://sondage.ville-exemple.fr/", nil, exitIncomplete, []string{"dns.dangling-cname"}, nil, "", ""},
		{"CNAME loop", "https://boucle.ville-exemple.fr/", nil, exitIncomplete, []string{"dns.no-dnssec"}, []string{"dns.dangling-cname"}, "", ""},
		// A browser that does not start is a blind scan: never green,
		// whatever --fail-on says, unless asked.
		{blind, "https://participez.commune-propre.fr/", []string{"--browser", "/bin/false", "--fail-on", "none"}, exitIncomplete, nil, nil, "", ""},
		{"browser does not start, --allow-incomplete", "", []string{"--fail-on", "none", "--allow-incomplete"}, exitOK, nil, nil, "", blind},
	}
	root := t.TempDir()
	dirs := map[string]string{}
	for i, tt := range tests {
		dirs[tt.name] = filepath.Join(root, strconv.Itoa(i), "bundle")
	}
	check := func(t *testing.T, code int, stdout, stderr, dir, progress string, args []string, tt int) {
		t.Helper()
		want := tests[tt]
		if code != want.code {
			t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want.code, stdout, stderr)
		}
		r := readReport(t, dir)
		if incomplete := len(r.Evidence.Incomplete) > 0; incomplete != (want.code == exitIncomplete || slices.Contains(args, "--allow-incomplete")) {
			t.Errorf("evidence.incomplete %q with exit %d", r.Evidence.Incomplete, code)
		} else if incomplete && !strings.Contains(stdout, "INCOMPLETE: ") {
			t.Errorf("the summary does not say the scan was incomplete:\n%s", stdout)
		}
		for _, id := range want.want {
			if !has(r, id, "") {
				t.Errorf("no %s finding in %s", id, findingIDs(r))
			}
		}
		for _, id := range want.not {
			if has(r, id, "") {
				t.Errorf("unexpected %s finding in %s", id, findingIDs(r))
			}
		}
		if want.maxSev != "" {
			for _, f := range r.Findings {
				if f.Severity.String() != want.maxSev {
					t.Errorf("finding above %s: %s %s (%s)", want.maxSev, f.ID, f.Severity, f.Subject)
				}
			}
		}
		if !strings.Contains(stdout, dir) || strings.Contains(stdout, progress) {
			t.Errorf("stdout should carry the summary only:\n%s", stdout)
		}
		if !strings.Contains(stderr, progress) {
			t.Errorf("no progress (%q) on stderr:\n%s", progress, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, reports.ManifestName)); err != nil {
			t.Error(err)
		}
	}
	// Every scan starts now, at the same time (the founding case's is the
	// package's shared one); each case then waits for its own, or for the
	// one whose bundle it re-judges.
	scans := make([]chan scanRun, len(tests))
	for i, tt := range tests {
		if tt.from != "" {
			continue
		}
		scans[i] = make(chan scanRun, 1)
		go func() {
			if tt.name == founding {
				r, _ := foundingRun() // its error is the case's (sharedFoundingRun)
				scans[i] <- r
				return
			}
			r := scanRun{dir: dirs[tt.name]}
			args := append(append([]string{"scan", tt.url, "--out", r.dir}, labArgs(lab)...), tt.args...)
			r.code, r.stdout, r.stderr = vigie(t, args...)
			scans[i] <- r
		}()
	}
	scanned := make([]scanRun, len(tests))
	for i, tt := range tests {
		if tt.from == "" {
			scanned[i] = <-scans[i]
		}
		t.Run(tt.name, func(t *testing.T) {
			if tt.from == "" {
				if tt.name == founding {
					sharedFoundingRun(t)
				}
				r := scanned[i]
				check(t, r.code, r.stdout, r.stderr, r.dir, "vigie: dns", tt.args, i)
				return
			}
			from := slices.IndexFunc(tests[:i], func(c exitCase) bool { return c.name == tt.from })
			dir := dirs[tt.name]
			args := append([]string{"check", filepath.Join(scanned[from].dir, "report.json"), "--out", dir}, tt.args...)
			code, stdout, stderr := vigie(t, args...)
			check(t, code, stdout, stderr, dir, "vigie: check", tt.args, i)
		})
	}
}

// TestScanInterrupted: a scan cancelled (Ctrl-C, SIGTERM) still writes its
// report, which says so, and exits 3 whatever --fail-on says.
func TestScanInterrupted(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	args := append([]string{"scan", "https://participez.commune-propre.fr/", "--out", dir, "--fail-on", "none"}, labArgs(lab)...)
	if code := run(ctx, args, &out, &errb); code != exitIncomplete {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitIncomplete, out.String(), errb.String())
	}
	r := readReport(t, dir)
	if len(r.Evidence.Incomplete) == 0 || !strings.Contains(strings.Join(r.Evidence.Incomplete, " "), "interrupted") {
		t.Errorf("evidence.incomplete %q", r.Evidence.Incomplete)
	}
}

func TestScanPolicy(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	policy := filepath.Join(t.TempDir(), "vigie.yaml")
	os.WriteFile(policy, []byte("organisation:\n  domains: [participation-vendor.com]\nseverity:\n  dns.no-dnssec: critical\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "b")
	code, stdout, _ := vigie(t, append([]string{"scan", "https://jeparticipe.ville-exemple.fr/", "--out", dir, "--policy", policy, "--fail-on", "critical"}, labArgs(lab)...)...)
	if code != exitFindings {
		t.Fatalf("exit %d: the critical override should fail a critical gate\n%s", code, stdout)
	}
	r := readReport(t, dir)
	if has(r, "hosting.third-party-cname", "") || r.Findings[0].ID != "dns.no-dnssec" || r.Findings[0].Severity.String() != "critical" {
		t.Errorf("findings %q: the vendor domain is first party and no-dnssec critical under this policy", findingIDs(r))
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(policy, []byte("organisation:\n  nom: x\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad URL", []string{"scan", "ftp://x.fr/"}, "scheme"},
		{"no URL", []string{"scan"}, "one URL"},
		{"unknown flag", []string{"scan", "https://x.fr/", "--nope"}, "nope"},
		{"unreadable policy", []string{"scan", "https://x.fr/", "--policy", "/nonexistent.yaml"}, "nonexistent.yaml"},
		{"unknown policy key", []string{"scan", "https://x.fr/", "--policy", policy}, "nom"},
		{"bad fail-on", []string{"scan", "https://x.fr/", "--fail-on", "severe"}, "severe"},
		{"bad format", []string{"scan", "https://x.fr/", "--format", "pdf"}, "pdf"},
		{"unknown check", []string{"explain", "no.such-check"}, "no.such-check"},
		{"unknown command", []string{"scna"}, "scna"},
		{"check without report", []string{"check", "/nonexistent/report.json"}, "report.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := vigie(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("want one line naming %q, got:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestChecksAndExplain(t *testing.T) {
	t.Parallel()
	code, out, _ := vigie(t, "checks")
	if code != 0 || !strings.Contains(out, "hosting.third-party-cname") || !strings.Contains(out, "dns.no-dnssec") {
		t.Errorf("checks: %d\n%s", code, out)
	}
	code, out, _ = vigie(t, "explain", "dns.dangling-cname")
	for _, want := range []string{"dns.dangling-cname", "Default severity: high", "Why it matters", "References", "How to fix"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = vigie(t, "version")
	if code != 0 || !strings.HasPrefix(out, "vigie ") {
		t.Errorf("version: %d %q", code, out)
	}
}

// TestCheckReRunsSavedEvidence re-judges a saved report under a new
// policy, offline: the lab that served the scan is closed by then.
func TestCheckReRunsSavedEvidence(t *testing.T) {
	t.Parallel()
	dir := sharedFoundingRun(t).dir // its lab is closed: re-checking must not need the network
	policy := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(policy, []byte("ignore:\n  - check: hosting.third-party-cname\n    reason: accepted\n"), 0o644)
	out2 := filepath.Join(t.TempDir(), "c")
	code, stdout, stderr := vigie(t, "check", filepath.Join(dir, "report.json"), "--policy", policy, "--fail-on", "low", "--out", out2)
	if code != exitFindings {
		t.Fatalf("check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	r := readReport(t, out2)
	if has(r, "hosting.third-party-cname", "") || !has(r, "dns.no-dnssec", "") || len(r.Ignored) != 1 || r.Ignored[0].Ignore.Reason != "accepted" {
		b, _ := json.MarshalIndent(r.Ignored, "", " ")
		t.Errorf("findings %q ignored %s", findingIDs(r), b)
	}
}

func TestDemo(t *testing.T) {
	// The demo is the package's longest test: it starts now, before
	// t.Parallel, rather than when a turn comes (last, it would end last).
	dir := t.TempDir()
	type demoRun struct {
		code           int
		stdout, stderr string
	}
	ran := make(chan demoRun, 1)
	go func() {
		code, stdout, stderr := vigie(t, "demo", "--out", dir)
		ran <- demoRun{code, stdout, stderr}
	}()
	t.Parallel()
	run := <-ran
	code, stdout, stderr := run.code, run.stdout, run.stderr
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	r := readReport(t, filepath.Join(dir, scantest.Sites()[0].Name))
	res := r.Evidence.DNS.Resolution(r.Target.Host)
	if res == nil || len(res.Chain) == 0 || !strings.Contains(findingIDs(r), "hosting.third-party-cname") {
		t.Errorf("demo founding case lacks its chain or finding: %+v %s", res, findingIDs(r))
	}
	demoFoundingLine(t, stdout, dir)
	// The sites are scanned a few at a time, their summaries still in the
	// sites' order; each progress line names its site.
	at := -1
	for _, site := range scantest.Sites() {
		i := strings.Index(stdout, "\n== "+site.Name+" — ")
		if i <= at {
			t.Errorf("site %s's summary is missing or out of order", site.Name)
		}
		at = i
		if !strings.Contains(stderr, "vigie: ["+site.Name+"] ") {
			t.Errorf("no progress line names %s", site.Name)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasPrefix(line, "vigie: [") && !strings.HasPrefix(line, "vigie: demo ") {
			t.Errorf("a progress line names no site: %q", line)
		}
	}
}

func TestScanBundleKeepsRawAnswers(t *testing.T) {
	t.Parallel()
	dir := sharedFoundingRun(t).dir
	f, err := os.Open(filepath.Join(dir, reports.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed, err := reports.ReadManifest(f)
	if err != nil {
		t.Fatal(err)
	}
	r := readReport(t, dir)
	if len(r.Evidence.Networks) == 0 {
		t.Fatal("no networks in the report")
	}
	for _, n := range r.Evidence.Networks {
		if n.Raw == "" || listed[n.Raw] == "" {
			t.Errorf("raw answer of %s (%q) is not in the bundle's manifest", n.ID, n.Raw)
		}
	}
}

func TestScanEntitiesOverride(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	// The user's catalogue says the CDN is a German company: the operator is
	// then inside the EU and only the CDN and CNAME findings remain.
	ents := filepath.Join(t.TempDir(), "entities.yaml")
	os.WriteFile(ents, []byte(`entities:
  - key: cloudflare
    name: Edge GmbH
    legal_entity: Edge GmbH
    country: DE
    categories: [cdn]
    domains: [cloudflare.com]
    org_names: ["Cloudflare, Inc."]
    sources: ["test"]
`), 0o644)
	dir := filepath.Join(t.TempDir(), "b")
	code, stdout, stderr := vigie(t, append([]string{"scan", "https://jeparticipe.ville-exemple.fr/", "--out", dir, "--entities", ents, "--fail-on", "none"}, labArgs(lab)...)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	r := readReport(t, dir)
	if has(r, "hosting.operator-outside-eea", "org/cloudflare") || !has(r, "hosting.cdn-proxy", "org/cloudflare") {
		t.Errorf("findings %q: the user's entry makes the CDN German", findingIDs(r))
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("entities:\n  - key: x\n    colour: red\n"), 0o644)
	if code, _, stderr := vigie(t, "scan", "https://x.fr/", "--entities", bad); code != exitUsage || !strings.Contains(stderr, "colour") {
		t.Errorf("bad entities file: exit %d %s", code, stderr)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/batch"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/summary"
)

// writeList writes a batch list and returns its path.
func writeList(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sites.txt")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// batchResults reads a batch folder's results.jsonl, by URL; a URL
// recorded twice fails the test.
func batchResults(t *testing.T, dir string) map[string]batch.Record {
	t.Helper()
	recs, err := batch.ReadResults(filepath.Join(dir, batch.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]batch.Record{}
	for _, r := range recs {
		if _, dup := out[r.URL]; dup {
			t.Errorf("%s recorded twice", r.URL)
		}
		out[r.URL] = r
	}
	return out
}

// labList is the lab batch of the tests: the hanging site (first, so that
// its deadline runs while the others are scanned), the founding case, the
// clean town, two towns (one of them twice, as two pages), the garbage
// site and a dangling name, with a comment, a blank line and a repeated
// URL.
func labList() []string {
	return []string{
		"# the lab's sites",
		"https://" + scantest.HostHanging + "/",
		"https://" + scantest.HostFounding + "/",
		"https://" + scantest.HostClean + "/",
		"",
		"https://" + scantest.TownHost(1) + "/",
		"https://" + scantest.TownHost(2) + "/",
		"https://" + scantest.TownHost(2) + "/legal",
		"https://" + scantest.HostGarbage + "/",
		"https://sondage." + scantest.CityDomain + "/",
		scantest.HostFounding, // the first line again
	}
}

// labBatchTimeout is each site's deadline in the lab batches: the hanging
// site takes all of it, the others must finish within it on a busy
// machine.
const labBatchTimeout = "45s"

// normalisedSummary is summary.json without what differs between runs
// and folders: times, sources, links (reduced to the bundle's folder).
func normalisedSummary(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, summary.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	s.GeneratedAt, s.Sources = time.Time{}, nil
	for i := range s.Sites {
		r := &s.Sites[i]
		r.DurationMS = 0
		if parts := strings.Split(r.Report, "/"); len(parts) >= 2 {
			r.Report = strings.Join(parts[len(parts)-2:], "/")
		}
	}
	out, _ := json.MarshalIndent(s, "", "  ")
	return string(out)
}

// TestBatchLab runs the lab batch: every site has its bundle and one
// record (the hanging one gave up, the others went on), the summary is
// written, stdout has the summary only.
func TestBatchLab(t *testing.T) {
	requireBrowser(t)
	lab := startLab(t)
	list := writeList(t, labList()...)
	args := append(labArgs(lab), "--timeout", labBatchTimeout, "--format", "json,html", "--fail-on", "high")
	whole := filepath.Join(t.TempDir(), "whole")

	code, stdout, stderr := vigie(t, append([]string{"batch", list, "--out", whole, "--jobs", "4"}, args...)...)
	if code != exitUnreachable {
		t.Errorf("exit %d, want %d (a site timed out, one is incomplete)\nstdout:\n%s\nstderr:\n%s", code, exitUnreachable, stdout, stderr)
	}
	recs := batchResults(t, whole)
	want := map[string]string{
		"https://" + scantest.HostFounding + "/":       batch.StatusDone,
		"https://" + scantest.HostClean + "/":          batch.StatusDone,
		"https://" + scantest.TownHost(1) + "/":        batch.StatusDone,
		"https://" + scantest.TownHost(2) + "/":        batch.StatusDone,
		"https://" + scantest.TownHost(2) + "/legal":   batch.StatusDone,
		"https://" + scantest.HostHanging + "/":        batch.StatusTimeout,
		"https://" + scantest.HostGarbage + "/":        batch.StatusDone,
		"https://sondage." + scantest.CityDomain + "/": batch.StatusIncomplete,
	}
	if len(recs) != len(want) {
		t.Errorf("%d records, want %d", len(recs), len(want))
	}
	for url, status := range want {
		r, ok := recs[url]
		if !ok {
			t.Errorf("%s: no record", url)
			continue
		}
		if r.Status != status && !(url == "https://"+scantest.HostHanging+"/" && r.Status == batch.StatusIncomplete) {
			// The hanging site times out, or its page load gives up first.
			t.Errorf("%s: %s (%s %q), want %s", url, r.Status, r.Error, r.Incomplete, status)
		}
		if _, err := os.Stat(filepath.Join(whole, filepath.FromSlash(r.Report))); err != nil || !strings.HasSuffix(r.Report, "report.html") {
			t.Errorf("%s: report %q: %v", url, r.Report, err)
		}
	}
	if r := recs["https://"+scantest.TownHost(2)+"/legal"]; r.Dir != scantest.TownHost(2)+"-2" {
		t.Errorf("second page of a host in %q", r.Dir)
	}
	founding := recs["https://"+scantest.HostFounding+"/"]
	if founding.Verdict != batch.VerdictFail || founding.Operator == "" || founding.Country != "US" || !slices.Contains(founding.FindingIDs, "hosting.operator-outside-eea") {
		t.Errorf("founding case's record: %+v", founding)
	}
	for _, f := range []string{summary.CSVFile, summary.JSONFile, summary.HTMLFile} {
		if _, err := os.Stat(filepath.Join(whole, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout, "8 site(s)") || strings.Contains(stdout, "vigie: ") {
		t.Errorf("stdout should carry the summary only:\n%s", stdout)
	}
	if !strings.Contains(stderr, "[8/8]") || !strings.Contains(stderr, "1 line(s) repeat") {
		t.Errorf("stderr lacks the progress lines:\n%s", stderr)
	}

}

// TestBatchShards runs a lab list whole and in three shards (one after
// the other: four browsers starting at once on two busy cores is a test
// of the machine): the shards cover the list exactly once, and `vigie
// summary` over their folders equals the whole run's summary up to
// timings. (The hanging site is left out: whether its page load or its
// deadline gives up first is a matter of timing.)
func TestBatchShards(t *testing.T) {
	requireBrowser(t)
	lab := startLab(t)
	sites := []string{"https://" + scantest.TownHost(1) + "/", "https://" + scantest.TownHost(2) + "/",
		"https://" + scantest.TownHost(2) + "/legal", "https://" + scantest.TownHost(4) + "/", "https://" + scantest.TownHost(6) + "/",
		"https://" + scantest.HostGarbage + "/", "https://sondage." + scantest.CityDomain + "/"}
	list := writeList(t, sites...)
	args := append(labArgs(lab), "--timeout", labBatchTimeout, "--format", "json,html", "--jobs", "2")
	root := t.TempDir()
	dirs := []string{filepath.Join(root, "whole"), filepath.Join(root, "shard-1"), filepath.Join(root, "shard-2"), filepath.Join(root, "shard-3")}
	seen := map[string]int{}
	for i, dir := range dirs {
		a := append([]string{"batch", list, "--out", dir}, args...)
		if i > 0 {
			a = append(a, "--shard", fmt.Sprintf("%d/3", i))
		}
		code, stdout, stderr := vigie(t, a...)
		if code != exitOK && code != exitFindings && code != exitUnreachable {
			t.Fatalf("%s: exit %d\n%s\n%s", dir, code, stdout, stderr)
		}
		if i == 0 {
			continue
		}
		for url := range batchResults(t, dir) {
			seen[url]++
		}
	}
	for _, url := range sites {
		if seen[url] != 1 {
			t.Errorf("%s in %d shards", url, seen[url])
		}
	}
	merged := filepath.Join(root, "merged")
	code, stdout, stderr := vigie(t, append([]string{"summary", "--out", merged}, dirs[1:]...)...)
	if code != exitOK || !strings.Contains(stdout, fmt.Sprintf("%d site(s)", len(sites))) {
		t.Fatalf("summary: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if a, b := normalisedSummary(t, dirs[0]), normalisedSummary(t, merged); a != b {
		t.Errorf("the shards' summary differs from the whole run's:\nwhole:\n%s\nshards:\n%s", a, b)
	}
	html, _ := os.ReadFile(filepath.Join(merged, summary.HTMLFile))
	if !bytes.Contains(html, []byte(`href="../shard-`)) {
		t.Errorf("summary.html does not link the shards' reports")
	}
}

// TestBatchInterruptResume stops a batch in the middle (Ctrl-C is the
// context's end), then finishes it with --resume: every site ends with
// one record and its bundle, and no browser process or profile is left.
func TestBatchInterruptResume(t *testing.T) {
	requireBrowser(t)
	// Where the shared browser's profile goes: short, for Chromium's
	// socket paths (at most 107 bytes).
	tmp, err := os.MkdirTemp("/tmp", "vb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	lab := startLab(t)
	sites := []string{"https://" + scantest.HostFounding + "/", "https://" + scantest.HostClean + "/",
		"https://" + scantest.TownHost(3) + "/", "https://" + scantest.TownHost(4) + "/", "https://" + scantest.HostGarbage + "/"}
	list := writeList(t, sites...)
	out := filepath.Join(t.TempDir(), "batch")
	args := append([]string{"batch", list, "--out", out, "--jobs", "2", "--timeout", "60s", "--fail-on", "none"}, labArgs(lab)...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	profiles := map[string]bool{}
	var mu sync.Mutex
	watch := make(chan struct{})
	go func() {
		defer close(watch)
		for ctx.Err() == nil {
			if m, _ := filepath.Glob(filepath.Join(tmp, "vigie-browser-*")); len(m) > 0 {
				mu.Lock()
				for _, d := range m {
					profiles[filepath.Join(d, "profile")] = true
				}
				mu.Unlock()
			}
			if recs, _ := batch.ReadResults(filepath.Join(out, batch.ResultsFile)); len(recs) >= 1 {
				cancel() // Ctrl-C, with scans under way
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	cancel()
	<-watch
	if code != exitUnreachable || !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("interrupted batch: exit %d, want %d\n%s", code, exitUnreachable, stderr.String())
	}
	first := batchResults(t, out)
	if len(first) == 0 || len(first) == len(sites) {
		t.Errorf("%d records after the interruption: want some, not all", len(first))
	}
	for url, r := range first {
		if r.Status != batch.StatusDone {
			t.Errorf("interrupted run recorded %s as %s (%s %q)", url, r.Status, r.Error, r.Incomplete)
		}
	}
	noBrowserLeft(t, tmp, profiles)

	code, stdoutR, stderrR := vigie(t, append(args, "--resume")...)
	if code != exitOK {
		t.Errorf("resumed batch: exit %d\n%s\n%s", code, stdoutR, stderrR)
	}
	recs := batchResults(t, out)
	for _, url := range sites {
		r, ok := recs[url]
		if !ok || r.Status != batch.StatusDone {
			t.Errorf("%s after --resume: %+v", url, r)
			continue
		}
		if _, err := os.Stat(filepath.Join(out, r.Dir, "report.json")); err != nil {
			t.Errorf("%s: %v", url, err)
		}
		if first[url].URL != "" && first[url].Started != r.Started {
			t.Errorf("%s scanned again on --resume", url)
		}
	}
	if !strings.Contains(stderrR, "already done") {
		t.Errorf("the resumed run does not say what it skipped:\n%s", stderrR)
	}
	if _, err := os.Stat(filepath.Join(out, ".partial")); err == nil {
		t.Error("partial bundles left")
	}
	noBrowserLeft(t, tmp, profiles)
}

// noBrowserLeft fails when a browser profile is left in tmp or a process
// still runs with one of profiles.
func noBrowserLeft(t *testing.T, tmp string, profiles map[string]bool) {
	t.Helper()
	if len(profiles) == 0 {
		t.Error("no browser profile was seen: the test saw nothing")
	}
	for p := range profiles {
		if pids := browser.ProfileProcesses(p); len(pids) > 0 {
			t.Errorf("browser processes left for %s: %v", p, pids)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(tmp, "vigie-browser-*")); len(m) > 0 {
		t.Errorf("browser profiles left: %v", m)
	}
}

func TestBatchUsageErrors(t *testing.T) {
	good := writeList(t, "https://a.fr/")
	bad := writeList(t, "https://a.fr/", "ftp://b.fr/")
	empty := writeList(t, "# nothing")
	used := t.TempDir()
	os.WriteFile(filepath.Join(used, batch.ResultsFile), []byte(`{"url":"https://a.fr/","status":"done"}`+"\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad line", []string{"batch", bad}, ":2:"},
		{"no list", []string{"batch"}, "list FILE"},
		{"missing list", []string{"batch", "/nonexistent/sites.txt"}, "sites.txt"},
		{"empty list", []string{"batch", empty}, "no URL"},
		{"bad shard", []string{"batch", good, "--shard", "4/3"}, "--shard"},
		{"bad jobs", []string{"batch", good, "--jobs", "-1"}, "--jobs"},
		{"bad fail-on", []string{"batch", good, "--fail-on", "severe"}, "severe"},
		{"mail is scan's", []string{"batch", good, "--mail", "x.eml"}, "mail"},
		{"results exist", []string{"batch", good, "--out", used, "--cache-dir="}, "--resume"},
		{"bad resolver", []string{"batch", good, "--out", t.TempDir(), "--resolver", "nope"}, "--resolver"},
		{"summary of nothing", []string{"summary"}, "folders"},
		{"summary of a non-batch", []string{"summary", t.TempDir()}, "not a batch"},
		{"summary of several without --out", []string{"summary", used, used}, "--out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := vigie(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q should name %q", code, exitUsage, stderr, tt.want)
			}
		})
	}
}

func TestBatchVerdict(t *testing.T) {
	high := batch.FailOn{Severity: 3}
	rec := func(status string, sev ...string) batch.Record {
		r := batch.Record{Status: status, Findings: map[string]int{}}
		for _, s := range sev {
			r.Findings[s]++
		}
		return r
	}
	tests := []struct {
		name  string
		out   batch.Outcome
		fail  batch.FailOn
		allow bool
		code  int
	}{
		{"all done, low findings", batch.Outcome{Records: []batch.Record{rec("done", "low"), rec("done")}}, high, false, exitOK},
		{"a high finding", batch.Outcome{Records: []batch.Record{rec("done", "low"), rec("done", "high")}}, high, false, exitFindings},
		{"fail-on none", batch.Outcome{Records: []batch.Record{rec("done", "critical")}}, batch.FailOn{Never: true}, false, exitOK},
		{"a timeout", batch.Outcome{Records: []batch.Record{rec("done", "high"), rec("timeout")}}, high, false, exitUnreachable},
		{"a timeout, allowed", batch.Outcome{Records: []batch.Record{rec("done"), rec("timeout")}}, high, true, exitOK},
		{"incomplete with a high finding, allowed", batch.Outcome{Records: []batch.Record{rec("incomplete", "high")}}, high, true, exitFindings},
		{"a failure, even allowed", batch.Outcome{Records: []batch.Record{rec("done"), rec("failed")}}, high, true, exitUnreachable},
		{"interrupted", batch.Outcome{Records: []batch.Record{rec("done")}, Interrupted: 2}, high, true, exitUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := batchVerdict(&tt.out, tt.fail, tt.allow)
			code := exitOK
			if ee, ok := err.(*exitError); ok {
				code = ee.code
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d (%v)", code, tt.code, err)
			}
		})
	}
}

// requireBrowser skips a test without Chromium (fails when
// VIGIE_REQUIRE_BROWSER=1).
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
}

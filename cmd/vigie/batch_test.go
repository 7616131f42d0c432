package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/batch"
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
// its deadline runs while the others are scanned), two towns (one of them
// twice, as two pages; one with the founding portal's pages, trackers
// before consent), the garbage site and a dangling name, with a comment,
// a blank line and a repeated URL.
func labList() []string {
	return []string{
		"# the lab's sites",
		"https://" + scantest.HostHanging + "/",
		"https://" + scantest.TownHost(1) + "/",
		"",
		"https://" + scantest.TownHost(2) + "/",
		"https://" + scantest.TownHost(2) + "/legal",
		"https://" + scantest.HostGarbage + "/",
		"https://sondage." + scantest.CityDomain + "/",
		scantest.TownHost(1), // the second line again
	}
}

// labBatchTimeout is each site's deadline in the lab batch: the others
// must finish within it on a busy machine (the package's other tests run
// at the same time), the hanging site's page load gives up before it
// (the browser's navigation timeout) or, on a very busy one, it fires.
const labBatchTimeout = "90s"

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
// written, stdout has the summary only; `vigie summary` of the folder
// makes the same summary. (Interruption, --resume and shards are tested
// in package batch.)
func TestBatchLab(t *testing.T) {
	requireBrowser(t)
	lab := startLab(t)
	list := writeList(t, labList()...)
	args := append(labArgs(lab), "--timeout", labBatchTimeout, "--format", "json,html", "--fail-on", "high")
	whole := filepath.Join(t.TempDir(), "whole")

	// The batch mostly waits (on its hanging site): it starts now, before
	// t.Parallel, rather than when a turn comes (last, it would end last).
	type batchRun struct {
		code           int
		stdout, stderr string
	}
	ran := make(chan batchRun, 1)
	go func() {
		code, stdout, stderr := vigie(t, append([]string{"batch", list, "--out", whole, "--jobs", "4"}, args...)...)
		ran <- batchRun{code, stdout, stderr}
	}()
	t.Parallel()
	run := <-ran
	code, stdout, stderr := run.code, run.stdout, run.stderr
	if code != exitIncomplete {
		t.Errorf("exit %d, want %d (the hanging site and the dangling name are incomplete or timed out)\nstdout:\n%s\nstderr:\n%s", code, exitIncomplete, stdout, stderr)
	}
	recs := batchResults(t, whole)
	want := map[string]string{
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
	town := recs["https://"+scantest.TownHost(1)+"/"]
	if town.Verdict != batch.VerdictFail || town.Operator == "" || town.Country != "FR" || town.TrackersBeforeConsent != batch.Yes ||
		!slices.Contains(town.ThirdParties, "Google Analytics") || !slices.Contains(town.FindingIDs, "web.third-party-analytics") {
		t.Errorf("the founding-like town's record: %+v", town)
	}
	for _, f := range []string{summary.CSVFile, summary.JSONFile, summary.HTMLFile} {
		if _, err := os.Stat(filepath.Join(whole, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout, "6 site(s)") || strings.Contains(stdout, "vigie: ") {
		t.Errorf("stdout should carry the summary only:\n%s", stdout)
	}
	if !strings.Contains(stderr, "[6/6]") || !strings.Contains(stderr, "1 line(s) repeat") {
		t.Errorf("stderr lacks the progress lines:\n%s", stderr)
	}

	again := filepath.Join(filepath.Dir(whole), "again")
	code, stdout, stderr = vigie(t, "summary", whole, "--out", again)
	if code != exitOK || !strings.Contains(stdout, "6 site(s)") {
		t.Fatalf("summary: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if a, b := normalisedSummary(t, whole), normalisedSummary(t, again); a != b {
		t.Errorf("vigie summary differs from the batch's own:\n%s\n%s", a, b)
	}
	html, _ := os.ReadFile(filepath.Join(again, summary.HTMLFile))
	if !bytes.Contains(html, []byte(`href="../whole/`)) {
		t.Errorf("summary.html does not link the reports:\n%.2000s", html)
	}

}

func TestBatchUsageErrors(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
		{"a timeout", batch.Outcome{Records: []batch.Record{rec("done", "high"), rec("timeout")}}, high, false, exitIncomplete},
		{"a timeout, allowed", batch.Outcome{Records: []batch.Record{rec("done"), rec("timeout")}}, high, true, exitOK},
		{"incomplete with a high finding, allowed", batch.Outcome{Records: []batch.Record{rec("incomplete", "high")}}, high, true, exitFindings},
		{"a failure, even allowed", batch.Outcome{Records: []batch.Record{rec("done"), rec("failed")}}, high, true, exitIncomplete},
		{"interrupted", batch.Outcome{Records: []batch.Record{rec("done")}, Interrupted: 2}, high, true, exitIncomplete},
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

package batch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/batch"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/summary"
)

// labConfig is a batch of urls over the lab, one page load per site
// (--consent none: the point is the batch, not consent), without the
// user's cache.
func labConfig(t *testing.T, lab *scantest.Lab, out string, urls ...string) batch.Config {
	t.Helper()
	l, err := batch.ReadList(strings.NewReader(strings.Join(urls, "\n")), "lab")
	if err != nil {
		t.Fatal(err)
	}
	return batch.Config{Sites: l.Sites, Out: out, Jobs: 2, Timeout: time.Minute, Bundle: audit.Settings{Formats: []string{"html"}, Version: "test"},
		Scan: scanner.Options{Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
			TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride(), Consent: "none", Dwell: 3 * time.Second}}
}

func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
}

func startLab(t *testing.T) *scantest.Lab {
	t.Helper()
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	return lab
}

// recordsByURL reads a batch folder's results, by URL; a URL recorded
// twice fails the test.
func recordsByURL(t *testing.T, dir string) map[string]batch.Record {
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

// summaryOf merges dirs into out and returns summary.json without what
// differs between runs and folders: times, sources, links (reduced to the
// bundle's folder).
func summaryOf(t *testing.T, out string, dirs ...string) string {
	t.Helper()
	s, err := summary.Load(dirs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(out); err != nil {
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
	b, _ := json.MarshalIndent(s, "", "  ")
	return string(b)
}

// TestLabShards runs a lab list whole and in three shards (one after the
// other: four browsers starting at once on two busy cores test the
// machine): the shards cover the list exactly once, and their merged
// summary equals the whole run's up to timings.
func TestLabShards(t *testing.T) {
	requireBrowser(t)
	lab := startLab(t)
	// One site with trackers (the summary must say something), and cheap
	// ones: a garbage server, a dangling CNAME and a CNAME loop.
	urls := []string{"https://" + scantest.TownHost(1) + "/", "https://" + scantest.HostGarbage + "/",
		"https://sondage." + scantest.CityDomain + "/", "https://boucle." + scantest.CityDomain + "/"}
	root := t.TempDir()
	whole := filepath.Join(root, "whole")
	if _, err := batch.Run(context.Background(), labConfig(t, lab, whole, urls...)); err != nil {
		t.Fatal(err)
	}
	var shards []string
	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		dir := filepath.Join(root, fmt.Sprintf("shard-%d", i))
		shards = append(shards, dir)
		cfg := labConfig(t, lab, dir, urls...)
		cfg.Shard = batch.Shard{Index: i, Count: 3}
		o, err := batch.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if o.Total != len(o.Records) {
			t.Errorf("shard %d: %d sites, %d records", i, o.Total, len(o.Records))
		}
		for url := range recordsByURL(t, dir) {
			seen[url]++
		}
	}
	for _, u := range urls {
		if seen[u] != 1 {
			t.Errorf("%s in %d shards", u, seen[u])
		}
	}
	a := summaryOf(t, whole, whole)
	b := summaryOf(t, filepath.Join(root, "merged"), shards...)
	if a != b {
		t.Errorf("the shards' summary differs from the whole run's:\nwhole:\n%s\nshards:\n%s", a, b)
	}
	if !strings.Contains(a, `"status": "done"`) || !strings.Contains(a, `"trackers_before_consent": "yes"`) {
		t.Errorf("the summary compared says little:\n%s", a)
	}
}

// TestLabInterruptResume stops a batch in the middle (Ctrl-C is the end
// of the context), then finishes it with Resume: the sites under way got
// no record, every site ends with one record and its bundle, and no
// browser process or profile is left behind.
func TestLabInterruptResume(t *testing.T) {
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
	urls := []string{"https://" + scantest.TownHost(2) + "/", "https://" + scantest.TownHost(4) + "/",
		"https://" + scantest.TownHost(6) + "/", "https://" + scantest.HostGarbage + "/"}
	out := filepath.Join(t.TempDir(), "batch")
	cfg := labConfig(t, lab, out, urls...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	profiles := map[string]bool{}
	watch := make(chan struct{})
	go func() {
		defer close(watch)
		for ctx.Err() == nil {
			m, _ := filepath.Glob(filepath.Join(tmp, "vigie-browser-*"))
			for _, d := range m {
				profiles[filepath.Join(d, "profile")] = true
			}
			if recs, _ := batch.ReadResults(filepath.Join(out, batch.ResultsFile)); len(recs) >= 1 {
				cancel() // Ctrl-C, with a scan under way
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	o, err := batch.Run(ctx, cfg)
	cancel()
	<-watch
	if err != nil {
		t.Fatal(err)
	}
	first := recordsByURL(t, out)
	if len(first) == 0 || o.Interrupted == 0 || len(first)+o.Interrupted != len(urls) {
		t.Errorf("interrupted run: %d records, %d interrupted, of %d sites", len(first), o.Interrupted, len(urls))
	}
	for u, r := range first {
		if r.Status != batch.StatusDone {
			t.Errorf("the interrupted run recorded %s as %s (%s %q)", u, r.Status, r.Error, r.Incomplete)
		}
	}
	noBrowserLeft(t, tmp, profiles)

	cfg.Resume = true
	o, err = batch.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Skipped != len(first) || o.Interrupted != 0 || len(o.Records) != len(urls) {
		t.Errorf("resumed: %d skipped, %d interrupted, %d records", o.Skipped, o.Interrupted, len(o.Records))
	}
	recs := recordsByURL(t, out)
	for _, u := range urls {
		r, ok := recs[u]
		if !ok || r.Status != batch.StatusDone {
			t.Errorf("%s after resuming: %+v", u, r)
			continue
		}
		if _, err := os.Stat(filepath.Join(out, r.Dir, "report.html")); err != nil {
			t.Errorf("%s: %v", u, err)
		}
		if f, ok := first[u]; ok && !f.Started.Equal(r.Started) {
			t.Errorf("%s scanned again on resume", u)
		}
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

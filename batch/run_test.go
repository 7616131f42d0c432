package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// fakeScan is a scanner.Scan stand-in whose behaviour depends on the
// site's host: "panic…" panics, "error…" fails to start, "hang…" ignores
// its context until release is closed, "slow…" waits for its deadline,
// "incomplete…" returns an incomplete scan, "block…" waits for its
// context; any other returns a complete, empty scan at once.
type fakeScan struct {
	release chan struct{}
	mu      sync.Mutex
	spans   map[string][][2]time.Time // by registrable domain
}

func newFakeScan(t *testing.T) *fakeScan {
	f := &fakeScan{release: make(chan struct{}), spans: map[string][][2]time.Time{}}
	t.Cleanup(func() { close(f.release) })
	return f
}

func (f *fakeScan) scan(ctx context.Context, o scanner.Options) (*scanner.Result, error) {
	start := time.Now()
	t, err := scanner.ParseTarget(o.URL)
	if err != nil {
		return nil, &scanner.ConfigError{Err: err}
	}
	defer func() {
		f.mu.Lock()
		f.spans[t.RegistrableDomain] = append(f.spans[t.RegistrableDomain], [2]time.Time{start, time.Now()})
		f.mu.Unlock()
	}()
	ev := &evidence.Evidence{Target: evidence.Target{URL: t.URL, Host: t.Host, RegistrableDomain: t.RegistrableDomain}}
	res := &scanner.Result{Evidence: ev, Started: start}
	switch {
	case strings.HasPrefix(t.Host, "panic"):
		panic("fake scan panics")
	case strings.HasPrefix(t.Host, "error"):
		return nil, &scanner.ConfigError{Err: errors.New("fake configuration error")}
	case strings.HasPrefix(t.Host, "hang"):
		<-f.release
	case strings.HasPrefix(t.Host, "slow"), strings.HasPrefix(t.Host, "block"):
		<-ctx.Done()
		ev.Incomplete = append(ev.Incomplete, "scan interrupted: "+ctx.Err().Error())
	case strings.HasPrefix(t.Host, "incomplete"):
		ev.Incomplete = append(ev.Incomplete, "the initial visit of the target page did not complete")
	default:
		time.Sleep(5 * time.Millisecond)
	}
	res.Finished = time.Now()
	return res, nil
}

func listOf(t *testing.T, lines ...string) []Site {
	t.Helper()
	l, err := ReadList(strings.NewReader(strings.Join(lines, "\n")), "test")
	if err != nil {
		t.Fatal(err)
	}
	return l.Sites
}

func readResults(t *testing.T, dir string) []Record {
	t.Helper()
	recs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestRunIsolation: a site that panics, fails to start, hangs past its
// deadline, times out or is incomplete is that site's record; the others
// are done, and the hanging one does not hold them up.
func TestRunIsolation(t *testing.T) {
	f := newFakeScan(t)
	out := t.TempDir()
	sites := listOf(t, "https://hang.fr/", "https://ok1.fr/", "https://panic.fr/", "https://error.fr/",
		"https://slow.fr/", "https://incomplete.fr/", "https://ok2.fr/", "https://ok2.fr/other")
	cfg := Config{Sites: sites, Out: out, Jobs: 2, Timeout: 200 * time.Millisecond, DomainGap: -1,
		Bundle: audit.Settings{Version: "test"}, scan: f.scan, abandon: 3 * time.Second}
	o, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"https://hang.fr/": StatusTimeout, "https://ok1.fr/": StatusDone, "https://panic.fr/": StatusFailed,
		"https://error.fr/": StatusFailed, "https://slow.fr/": StatusTimeout, "https://incomplete.fr/": StatusIncomplete,
		"https://ok2.fr/": StatusDone, "https://ok2.fr/other": StatusDone,
	}
	recs := readResults(t, out)
	if len(recs) != len(want) || len(o.Records) != len(want) || o.Interrupted != 0 {
		t.Fatalf("%d records in results.jsonl, %d in the outcome, %d interrupted; want %d", len(recs), len(o.Records), o.Interrupted, len(want))
	}
	for _, r := range recs {
		if r.Status != want[r.URL] {
			t.Errorf("%s: %s (%s), want %s", r.URL, r.Status, r.Error, want[r.URL])
		}
		hasBundle := r.Status != StatusFailed && !strings.HasPrefix(r.URL, "https://hang")
		if _, err := os.Stat(filepath.Join(out, r.Dir, "report.json")); hasBundle && (r.Dir == "" || err != nil) {
			t.Errorf("%s: no bundle in %q: %v", r.URL, r.Dir, err)
		}
		if !hasBundle && r.Error == "" {
			t.Errorf("%s: %s without an error", r.URL, r.Status)
		}
	}
	// The hanging site, first in the list, finished last: the others went on.
	if last := recs[len(recs)-1]; last.URL != "https://hang.fr/" {
		t.Errorf("last record %s, want the hanging site's", last.URL)
	}
	if got := recs[len(recs)-1].Error; !strings.Contains(got, "abandoned") {
		t.Errorf("hanging site's error %q", got)
	}
	if dirs := []string{o.Records[6].Dir, o.Records[7].Dir}; !slices.Equal(dirs, []string{"ok2.fr", "ok2.fr-2"}) {
		t.Errorf("dirs %v", dirs)
	}
	if _, err := os.Stat(filepath.Join(out, partialDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial folder left: %v", err)
	}
}

// TestRunPoliteness: never two sites of one registrable domain at once,
// and the gap between them.
func TestRunPoliteness(t *testing.T) {
	f := newFakeScan(t)
	var lines []string
	for i := range 4 {
		lines = append(lines, fmt.Sprintf("https://www.a.fr/%d", i), fmt.Sprintf("https://x%d.b.fr/", i), fmt.Sprintf("https://c%d.fr/", i))
	}
	const gap = 30 * time.Millisecond
	cfg := Config{Sites: listOf(t, lines...), Out: t.TempDir(), Jobs: 4, DomainGap: gap, Bundle: audit.Settings{Version: "test"}, scan: f.scan}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a.fr", "b.fr"} {
		spans := f.spans[d]
		if len(spans) != 4 {
			t.Fatalf("%s: %d scans", d, len(spans))
		}
		slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
		for i := 1; i < len(spans); i++ {
			if d := spans[i][0].Sub(spans[i-1][1]); d < gap-5*time.Millisecond {
				// The scan's own span is inside the runner's: allow the
				// bundle writing that follows it.
				t.Errorf("%s: scan %d started %s after the previous ended", "a.fr", i, d)
			}
		}
	}
}

// TestRunInterruptResume: a batch stopped in the middle records only the
// sites that finished; a rerun with Resume scans the rest, each site once.
func TestRunInterruptResume(t *testing.T) {
	f := newFakeScan(t)
	out := t.TempDir()
	sites := listOf(t, "https://ok1.fr/", "https://ok2.fr/", "https://block1.fr/", "https://block2.fr/", "https://ok3.fr/", "https://ok4.fr/")
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Sites: sites, Out: out, Jobs: 2, Timeout: time.Minute, DomainGap: -1, Bundle: audit.Settings{Version: "test"}, scan: f.scan}
	go func() {
		// Stop once both workers are blocked.
		for {
			if len(readResults(t, out)) >= 2 {
				time.Sleep(50 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	o, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := readResults(t, out)
	if len(first) != 2 || o.Interrupted != 4 {
		t.Fatalf("interrupted run: %d records, %d interrupted; want 2 and 4: %+v", len(first), o.Interrupted, first)
	}
	for _, r := range first {
		if r.Status != StatusDone {
			t.Errorf("interrupted run recorded %s as %s", r.URL, r.Status)
		}
	}
	if _, err := Run(context.Background(), cfg); !errors.Is(err, ErrResultsExist) {
		t.Errorf("a rerun without --resume: %v, want ErrResultsExist", err)
	}

	// The blocking sites now time out quickly.
	cfg.Resume, cfg.Timeout = true, 50*time.Millisecond
	o, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Skipped != 2 || len(o.Records) != len(sites) || o.Interrupted != 0 {
		t.Errorf("resumed: %d skipped, %d records, %d interrupted", o.Skipped, len(o.Records), o.Interrupted)
	}
	seen := map[string]int{}
	for _, r := range readResults(t, out) {
		seen[r.URL]++
	}
	for _, s := range sites {
		if seen[s.URL] != 1 {
			t.Errorf("%s recorded %d times", s.URL, seen[s.URL])
		}
	}
}

// TestJournal: records are lines; a last line cut short by a crash is cut
// off on resume, and a line that is not a record is an error naming it.
func TestJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), ResultsFile)
	j, recs, err := OpenJournal(path, false)
	if err != nil || len(recs) != 0 {
		t.Fatal(err, recs)
	}
	for _, u := range []string{"https://a.fr/", "https://b.fr/"} {
		if err := j.Append(Record{URL: u, Status: StatusDone}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"url":"https://c.fr/","sta`)
	f.Close()
	if _, _, err := OpenJournal(path, false); !errors.Is(err, ErrResultsExist) {
		t.Errorf("reopened without resume: %v", err)
	}
	if recs, err := ReadResults(path); err != nil || len(recs) != 2 {
		t.Errorf("ReadResults: %d records, %v", len(recs), err)
	}
	j, recs, err = OpenJournal(path, true)
	if err != nil || len(recs) != 2 {
		t.Fatalf("resume: %d records, %v", len(recs), err)
	}
	j.Append(Record{URL: "https://c.fr/", Status: StatusFailed})
	j.Close()
	if recs, err := ReadResults(path); err != nil || len(recs) != 3 || recs[2].URL != "https://c.fr/" {
		t.Errorf("after the cut: %+v, %v", recs, err)
	}

	bad := filepath.Join(t.TempDir(), ResultsFile)
	os.WriteFile(bad, []byte("{\"url\":\"https://a.fr/\",\"status\":\"done\"}\nnot json\n"), 0o644)
	if _, err := ReadResults(bad); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("bad line: %v", err)
	}
	if recs, err := ReadResults(filepath.Join(t.TempDir(), "none.jsonl")); err != nil || recs != nil {
		t.Errorf("missing file: %v %v", recs, err)
	}
}

func TestDefaultJobs(t *testing.T) {
	tests := []struct {
		cpus  int
		avail int64
		want  int
	}{
		{2, 24 << 30, 2},
		{2, 0, 2},                  // memory unknown: CPUs only
		{2, -1, 2},                 // unknown: CPUs only
		{2, 900 << 20, 1},          // (900-512)/256 = 1
		{2, 100 << 20, 1},          // at least one
		{2, 512 << 20, 1},          // exactly the base
		{64, 64 << 30, maxJobs},    // at most maxJobs
		{8, 2<<30 + 512<<20, 8},    // 2 GiB past the base: 8
		{16, 1<<30 + 512<<20, 4},   // memory bound
		{4, 512<<20 + 3<<28, 3},    // 768 MiB past the base: 3
		{0, 3<<30 + 512<<20, 1},    // no CPU reported: 1
		{12, 4<<30 + 512<<20, 12},  // 16 by memory, 12 by CPU
		{20, 10<<30 + 512<<20, 16}, // capped
	}
	for _, tt := range tests {
		if got := defaultJobs(tt.cpus, tt.avail); got != tt.want {
			t.Errorf("defaultJobs(%d, %d MiB) = %d, want %d", tt.cpus, tt.avail>>20, got, tt.want)
		}
	}
	if n := DefaultJobs(); n < 1 || n > maxJobs {
		t.Errorf("DefaultJobs() = %d", n)
	}
}

// FuzzReadRecords: whatever a results.jsonl holds, reading it returns
// records with a URL and a status, or an error; never a panic.
func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(`{"url":"https://a.fr/","status":"done"}` + "\n"))
	f.Add([]byte(`{"url":"https://a.fr/","status":"done","findings":{"high":1}}` + "\n" + `{"url":"x","sta`))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, off, err := readRecords(strings.NewReader(string(data)), "fuzz")
		if err != nil {
			return
		}
		if off > int64(len(data)) {
			t.Fatalf("offset %d past %d bytes", off, len(data))
		}
		for _, r := range recs {
			if r.URL == "" || r.Status == "" {
				t.Fatalf("record without url or status: %+v", r)
			}
		}
	})
}

package webapp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
)

// A scan's status.
const (
	statusQueued      = "queued"
	statusRunning     = "running"
	statusDone        = "done"
	statusFailed      = "failed"
	statusInterrupted = "interrupted"
)

// Bounds of what a scan keeps of its progress.
const (
	maxEvents  = 2000
	maxMessage = 500
)

// event is one progress line of a scan, as the terminal prints it.
type event struct {
	Seq     int       `json:"seq"`
	Time    time.Time `json:"time"`
	Stage   string    `json:"stage"`
	Message string    `json:"message"`
}

// record is what is kept of a scan in its job.json.
type record struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Host    string `json:"host"`
	Consent string `json:"consent"`
	// Lang is the language asked for in the form: "" (the rule), fr, en.
	Lang string `json:"lang,omitempty"`
	// Mail is set when a mail was uploaded with the scan (it is deleted
	// once analysed; the bundle keeps its redacted evidence).
	Mail     bool      `json:"mail,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	Status   string    `json:"status"`
	Error    string    `json:"error,omitempty"`
	// Client is the key of the client that asked for it (rate limits).
	Client string `json:"-"`
	// The report's verdict, once done.
	Findings     int     `json:"findings"`
	MaxSeverity  string  `json:"max_severity,omitempty"`
	NotEvaluated int     `json:"not_evaluated,omitempty"`
	Events       []event `json:"events,omitempty"`
}

// job is a scan, queued, running or finished.
type job struct {
	dir string // Data/scans/<id>

	mu      sync.Mutex
	rec     record
	changed chan struct{} // closed and replaced at every change
}

func (j *job) snapshot() record {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.rec
	r.Events = slices.Clone(j.rec.Events)
	return r
}

// wait returns a channel closed at the job's next change.
func (j *job) wait() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed
}

// notify wakes the watchers; j.mu is held.
func (j *job) notify() {
	close(j.changed)
	j.changed = make(chan struct{})
}

// progress is the scan's Progress: the one place the scanner's progress
// lines become the page's events.
func (j *job) progress(now func() time.Time) func(stage, message string) {
	return func(stage, message string) {
		j.mu.Lock()
		defer j.mu.Unlock()
		if len(j.rec.Events) >= maxEvents {
			return
		}
		j.rec.Events = append(j.rec.Events, event{Seq: len(j.rec.Events) + 1, Time: now().UTC(),
			Stage: clean(stage, 20), Message: clean(message, maxMessage)})
		j.notify()
	}
}

func (j *job) setRunning(now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rec.Status, j.rec.Started = statusRunning, now.UTC()
	j.notify()
}

// finish records the outcome, saves job.json and then wakes the watchers:
// whoever sees the scan finished finds it finished on disk too (a server
// started on the same directory at that moment must not mark it interrupted).
func (j *job) finish(s *Server, status, msg string, r *reports.Report) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rec.Status, j.rec.Error, j.rec.Finished = status, clean(msg, 2*maxMessage), s.now().UTC()
	if r != nil {
		j.rec.Findings = len(r.Findings)
		if max, ok := checks.MaxSeverity(r.Findings); ok {
			j.rec.MaxSeverity = max.String()
		}
		for _, res := range r.Results {
			if res.Status == checks.StatusNotEvaluated || res.Status == checks.StatusError {
				j.rec.NotEvaluated++
			}
		}
	}
	if err := j.write(j.rec); err != nil {
		s.log.Error("save scan", "id", j.rec.ID, "err", err)
	}
	j.notify()
	s.log.Info("scan finished", "id", j.rec.ID, "url", j.rec.URL, "status", status, "error", msg)
}

func (j *job) finished() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.rec.Status != statusQueued && j.rec.Status != statusRunning
}

// save writes job.json atomically.
func (j *job) save() error { return j.write(j.snapshot()) }

// write writes r as job.json atomically.
func (j *job) write(r record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(j.dir, "job.json.tmp")
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(j.dir, "job.json"))
}

func (j *job) bundleDir() string { return filepath.Join(j.dir, "bundle") }
func (j *job) mailPath() string  { return filepath.Join(j.dir, "input", "mail.eml") }

// idPattern is a scan ID: 128 random bits in hex, unguessable, so that a
// scan's page is reachable only by who has its address.
var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// load reads the past scans from disk. Unreadable directories are skipped
// (and logged): one damaged scan must not stop the server.
func (s *Server) load() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !idPattern.MatchString(e.Name()) {
			continue
		}
		dir := filepath.Join(s.dir, e.Name())
		data, err := os.ReadFile(filepath.Join(dir, "job.json"))
		if err != nil {
			s.log.Warn("skip scan directory", "dir", dir, "err", err)
			continue
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil || r.ID != e.Name() {
			s.log.Warn("skip scan directory", "dir", dir, "err", fmt.Errorf("job.json: %v", err))
			continue
		}
		j := &job{dir: dir, rec: r, changed: make(chan struct{})}
		if r.Status == statusQueued || r.Status == statusRunning {
			j.rec.Status, j.rec.Error = statusInterrupted, "the server stopped during this scan"
			_ = os.Remove(j.mailPath())
			if err := j.save(); err != nil {
				s.log.Warn("save scan", "dir", dir, "err", err)
			}
		}
		s.jobs[r.ID] = j
	}
	return nil
}

// job returns the scan with id, or nil.
func (s *Server) job(id string) *job {
	if !idPattern.MatchString(id) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

// past lists the scans, newest first; a public server leaves out the scans
// that came with a mail (reachable only by their address).
func (s *Server) past(limit int) []record {
	s.mu.Lock()
	list := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		list = append(list, j)
	}
	s.mu.Unlock()
	var out []record
	for _, j := range list {
		r := j.snapshot()
		r.Events = nil
		if s.cfg.Public && r.Mail {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b record) int { return b.Created.Compare(a.Created) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// errQueueFull is returned by enqueue when the queue is full.
var errQueueFull = errors.New("too many scans are waiting; try again in a few minutes")

// enqueue saves a new scan and queues it.
func (s *Server) enqueue(j *job) error {
	if err := j.save(); err != nil {
		return fmt.Errorf("save scan: %w", err)
	}
	s.mu.Lock()
	s.jobs[j.rec.ID] = j
	s.mu.Unlock()
	select {
	case s.queue <- j:
		s.log.Info("scan queued", "id", j.rec.ID, "url", j.rec.URL, "client", j.rec.Client)
		return nil
	default:
		s.mu.Lock()
		delete(s.jobs, j.rec.ID)
		s.mu.Unlock()
		_ = os.RemoveAll(j.dir)
		return errQueueFull
	}
}

// run runs one scan into its bundle.
func (s *Server) run(ctx context.Context, j *job) {
	r := j.snapshot()
	j.setRunning(s.now())
	opts := s.cfg.Options
	opts.URL, opts.Consent = r.URL, r.Consent
	opts.Mails, opts.LegalURLs = nil, nil
	if r.Mail {
		opts.Mails = []string{j.mailPath()}
	}
	opts.Progress = j.progress(s.now)
	set := s.cfg.Settings
	set.Formats = formats
	set.Getenv = nil // the server's locale is not the visitor's: the form says, else the site
	set.Lang, set.LangFrom = "", ""
	if l, err := reports.ParseLang(r.Lang); err == nil && r.Lang != "" {
		set.Lang, set.LangFrom = l, "vigie serve"
	}
	out, err := s.scan(ctx, opts, set, j.bundleDir())
	if r.Mail {
		_ = os.RemoveAll(filepath.Dir(j.mailPath()))
	}
	switch {
	case ctx.Err() != nil:
		j.finish(s, statusInterrupted, "the server stopped during this scan", nil)
	case err != nil:
		j.finish(s, statusFailed, err.Error(), nil)
	case s.cfg.Public && out.Result != nil && wentPrivate(out.Result):
		// Resolved to a public address when asked, to a private one during
		// the scan (DNS rebinding): what the scan saw is not shown.
		_ = os.RemoveAll(j.bundleDir())
		j.finish(s, statusFailed, "the address resolved to a non-public network during the scan: its report is withheld", nil)
	default:
		j.finish(s, statusDone, "", out.Report)
	}
}

// wentPrivate reports whether the scanned name resolved to a non-public
// address during the scan.
func wentPrivate(res *scanner.Result) bool {
	ev := res.Evidence
	if ev == nil {
		return false
	}
	addrs := []string{ev.Target.Host}
	if r := ev.DNS.Resolution(ev.Target.Host); r != nil {
		addrs = r.Addrs()
	}
	return nonPublic(addrs) != ""
}

// clean bounds a string from the scanner or the site for display: valid
// UTF-8, no control characters, at most n runes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

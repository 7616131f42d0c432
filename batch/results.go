package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Site statuses (Record.Status).
const (
	// StatusDone: the site was scanned and its bundle written, the scan
	// complete.
	StatusDone = "done"
	// StatusIncomplete: the bundle was written, but the scan did not see
	// what it set out to see (the page never loaded, the browser was
	// down); Record.Incomplete says why.
	StatusIncomplete = "incomplete"
	// StatusTimeout: the site's --timeout fired; the bundle holds what was
	// gathered.
	StatusTimeout = "timeout"
	// StatusFailed: no bundle could be made (the scan did not start, or
	// did not return, or the bundle could not be written); Record.Error
	// says why.
	StatusFailed = "failed"
)

// Verdicts (Record.Verdict).
const (
	// VerdictPass: no finding at or above --fail-on.
	VerdictPass = "pass"
	// VerdictFail: a finding at or above --fail-on.
	VerdictFail = "fail"
)

// Tri-state answers (Record.TrackersBeforeConsent, Record.RejectRespected).
const (
	Yes     = "yes"
	No      = "no"
	Unknown = "unknown" // the check could not be evaluated
)

// Record is one finished site, one line of results.jsonl. Sites
// interrupted by the end of the batch (Ctrl-C) have none: --resume scans
// them again.
type Record struct {
	// URL is the site's normalised URL (the key of --resume and --shard).
	URL string `json:"url"`
	// FinalURL is where the first visit ended, after redirects.
	FinalURL string `json:"final_url,omitempty"`
	Host     string `json:"host"`
	// Dir is the bundle's folder, and Report its most readable report
	// (report.html when written, else report.json), relative to the
	// batch's output folder; empty when no bundle was written.
	Dir    string `json:"dir,omitempty"`
	Report string `json:"report,omitempty"`
	// Status is done, incomplete, timeout or failed.
	Status string `json:"status"`
	// Verdict is pass or fail against --fail-on; empty without a report.
	Verdict string `json:"verdict,omitempty"`
	// Worst is the highest severity among the findings, empty for none.
	Worst string `json:"worst_severity,omitempty"`
	// Findings counts the findings by severity name; FindingIDs lists
	// their check IDs, sorted, each once.
	Findings   map[string]int `json:"findings"`
	FindingIDs []string       `json:"finding_ids"`
	// Operator is the organisation operating the site's addresses (the
	// end of its CNAME chain), Country its country code.
	Operator string `json:"operator,omitempty"`
	Country  string `json:"country,omitempty"`
	// TrackersBeforeConsent: yes when trackers were contacted before any
	// consent (consent.tracker-before-consent failed), no when it passed,
	// unknown when it could not be evaluated (--consent none, no page).
	TrackersBeforeConsent string `json:"trackers_before_consent"`
	// RejectRespected: yes when nothing more was tracked after "reject"
	// (consent.reject-not-respected passed), no when it failed, unknown.
	RejectRespected string `json:"reject_respected"`
	// ThirdParties lists the third parties the pages contacted: the owning
	// organisation's name, or the registrable domain when unknown; sorted.
	ThirdParties []string `json:"third_parties,omitempty"`
	// Incomplete says why an incomplete or timed-out scan is so.
	Incomplete []string `json:"incomplete,omitempty"`
	// Error says why a site failed.
	Error string `json:"error,omitempty"`
	// Started and Duration time the site, bundle included.
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
}

// maxRecordBytes bounds one line of results.jsonl when reading it back.
const maxRecordBytes = 4 << 20

// Journal is results.jsonl opened for appending: each record is one line,
// written whole and synced to disk before Append returns, so that a crash
// loses at most the line being written. It is safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// ErrResultsExist is returned by OpenJournal when the results stream is
// not empty and resume is false: a finished or interrupted batch is never
// overwritten by accident.
var ErrResultsExist = errors.New("results exist")

// OpenJournal opens results.jsonl at path for appending. With resume, it
// returns the records already there; a last line cut short (a crash while
// writing it) is cut off. Without resume, a non-empty file is
// ErrResultsExist.
func OpenJournal(path string, resume bool) (*Journal, []Record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	if st.Size() > 0 && !resume {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, ErrResultsExist)
	}
	recs, good, err := readRecords(f, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if good < st.Size() {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("results: cutting the unfinished last line: %w", err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	return &Journal{f: f, path: path}, recs, nil
}

// Append writes r as one line and syncs it to disk.
func (j *Journal) Append(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("results %s: closed", j.path)
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("results %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("results %s: %w", j.path, err)
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// ReadResults reads the records of a results.jsonl file (a batch's, or
// one shard's), ignoring a last line cut short. A missing file has none.
func ReadResults(path string) ([]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	recs, _, err := readRecords(f, path)
	return recs, err
}

// readRecords reads whole lines from r and returns their records and the
// offset just past the last whole line. A line that is not a record is an
// error naming it; a last line without its newline is not counted.
func readRecords(r io.Reader, name string) ([]Record, int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var recs []Record
	var off int64
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) {
			return recs, off, nil // nothing, or a line cut short
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		off += int64(len(line))
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(t, &rec); err != nil {
			return nil, 0, fmt.Errorf("%s:%d: not a result line: %w", name, n, err)
		}
		if rec.URL == "" || rec.Status == "" {
			return nil, 0, fmt.Errorf("%s:%d: a result line without url or status", name, n)
		}
		recs = append(recs, rec)
	}
}

// readLine returns one line with its newline, io.EOF at the end or for a
// last line without one, and an error for a line over maxRecordBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxRecordBytes {
			return nil, fmt.Errorf("a line longer than %d bytes", maxRecordBytes)
		}
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

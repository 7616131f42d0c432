package webapp

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// fakeScan stands for audit.Scan without network: it reports three
// progress lines, checks the uploaded mail is readable, and writes a real
// bundle through audit from a minimal evidence (addrs: the target's).
type fakeScan struct {
	mu      sync.Mutex
	addrs   []string
	release chan struct{} // when set, the scan waits for it
	mails   []string      // the mails' contents seen
}

func (f *fakeScan) scan(ctx context.Context, opts scanner.Options, set audit.Settings, dir string) (*audit.Outcome, error) {
	t, err := scanner.ParseTarget(opts.URL)
	if err != nil {
		return nil, err
	}
	opts.Progress("dns", "resolving "+t.Host)
	f.mu.Lock()
	for _, m := range opts.Mails {
		data, _ := os.ReadFile(m)
		f.mails = append(f.mails, string(data))
	}
	release, addrs := f.release, f.addrs
	f.mu.Unlock()
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	opts.Progress("browser", "loading "+opts.URL+" <b>not markup</b>")
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	ev := &evidence.Evidence{Target: t, Collected: []evidence.Kind{evidence.KindDNS},
		DNS: evidence.DNS{Resolutions: []evidence.Resolution{{ID: "dns/" + t.Host, Name: t.Host, Canonical: t.Host, Status: evidence.ResolvedOK, IPv4: addrs}}}}
	res := &scanner.Result{Evidence: ev, Started: now, Finished: now}
	r, err := set.Bundle(dir, res)
	opts.Progress("report", "written")
	return &audit.Outcome{Result: res, Report: r, Dir: dir}, err
}

// newTestServer starts a server with a fake scan; run starts its queue.
func newTestServer(t *testing.T, cfg Config, run bool) (*Server, *httptest.Server, *fakeScan) {
	t.Helper()
	if cfg.Data == "" {
		cfg.Data = t.TempDir()
	}
	cfg.Settings.Version = "test"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeScan{addrs: []string{"203.0.113.7"}}
	s.scan = fs.scan
	s.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "intranet.example":
			return []netip.Addr{netip.MustParseAddr("203.0.113.8"), netip.MustParseAddr("10.0.0.5")}, nil
		case "metadata.example":
			return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("203.0.113.7")}, nil
	}
	ts := httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	if run {
		go func() { s.Run(ctx); close(done) }()
	} else {
		close(done)
	}
	t.Cleanup(func() { cancel(); <-done; ts.Close() })
	return s, ts, fs
}

// form builds a multipart form; mail, when not nil, is uploaded.
func form(t *testing.T, fields map[string]string, mail []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if mail != nil {
		w, _ := mw.CreateFormFile("mail", "confirmation.eml")
		w.Write(mail)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func submit(t *testing.T, ts *httptest.Server, fields map[string]string, mail []byte, header map[string]string) *http.Response {
	t.Helper()
	body, ctype := form(t, fields, mail)
	req, _ := http.NewRequest("POST", ts.URL+"/scans", body)
	req.Header.Set("Content-Type", ctype)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := noRedirect.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

var scanPath = regexp.MustCompile(`^/scans/([0-9a-f]{32})$`)

// TestSubmitFollowDownload is a citizen's path without a browser: the form
// with a mail, the progress stream to its end, the page with the report in
// place, the report under its CSP, and the zip whose files match the
// manifest.
func TestSubmitFollowDownload(t *testing.T) {
	s, ts, fs := newTestServer(t, Config{}, true)
	resp, home := get(t, ts.URL+"/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != appCSP || !bytes.Contains(home, []byte(`name="url"`)) {
		t.Fatalf("GET /: %d %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	resp = submit(t, ts, map[string]string{"url": "jeparticipe.ville-exemple.fr", "consent": "none", "lang": "fr"}, []byte("From: a@b.fr\r\n\r\nhello"), nil)
	m := scanPath.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	id := m[1]

	// The progress stream: every line, then done.
	stream, err := http.Get(ts.URL + "/scans/" + id + "/events")
	if err != nil {
		t.Fatal(err)
	}
	if ct := stream.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("events content type %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(stream.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "event: ") || strings.HasPrefix(line, "data: {") {
			events = append(events, line)
		}
	}
	stream.Body.Close()
	all := strings.Join(events, "\n")
	for _, want := range []string{`"stage":"dns","message":"resolving jeparticipe.ville-exemple.fr"`, `"stage":"report"`, "event: done"} {
		if !strings.Contains(all, want) {
			t.Errorf("progress stream lacks %s:\n%s", want, all)
		}
	}
	if !strings.HasSuffix(all, "event: done") {
		t.Errorf("the stream does not end with done:\n%s", all)
	}
	if len(fs.mails) != 1 || !strings.Contains(fs.mails[0], "hello") {
		t.Errorf("the scan did not get the uploaded mail: %q", fs.mails)
	}
	if _, err := os.Stat(s.job(id).mailPath()); !os.IsNotExist(err) {
		t.Errorf("the uploaded mail is kept after the scan: %v", err)
	}

	// A reconnecting client resumes after the last line it had.
	req, _ := http.NewRequest("GET", ts.URL+"/scans/"+id+"/events", nil)
	req.Header.Set("Last-Event-ID", "2")
	resp2, _ := http.DefaultClient.Do(req)
	rest, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if bytes.Contains(rest, []byte(`"seq":1`)) || bytes.Contains(rest, []byte(`"seq":2`)) || !bytes.Contains(rest, []byte(`"seq":3`)) {
		t.Errorf("resume after 2:\n%s", rest)
	}

	// The page shows the report in place; progress text is escaped.
	_, pageHTML := get(t, ts.URL+"/scans/"+id)
	for _, want := range []string{`<iframe id="report"`, `sandbox`, "/scans/" + id + "/bundle.zip", "&lt;b&gt;not markup&lt;/b&gt;"} {
		if !bytes.Contains(pageHTML, []byte(want)) {
			t.Errorf("scan page lacks %s", want)
		}
	}
	resp, report := get(t, ts.URL+"/scans/"+id+"/files/report.html")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != reportCSP || !bytes.Contains(report, []byte(`<html lang="fr">`)) {
		t.Errorf("report.html: %d CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	if !bytes.Contains(report, []byte("comme demandé (vigie serve)")) {
		t.Error("the report does not say its language was asked in the form")
	}

	// The zip: one folder, the manifest, every file matching it.
	resp, data := get(t, ts.URL+"/scans/"+id+"/bundle.zip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkZip(t, data, []string{"report.json", "report.html", "report.md", "report.sarif"})
}

// checkZip checks a bundle zip: one folder, MANIFEST.sha256, want files
// (a name ending in / wants a file in that folder), and every file listed
// with its right hash.
func checkZip(t *testing.T, data []byte, want []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	folder := ""
	for _, f := range zr.File {
		dir, name, _ := strings.Cut(f.Name, "/")
		if folder == "" {
			folder = dir
		}
		if dir != folder || strings.Contains(f.Name, "..") {
			t.Errorf("zip entry %q outside the folder %q", f.Name, folder)
		}
		rc, _ := f.Open()
		files[name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if !strings.HasPrefix(folder, "vigie-") {
		t.Errorf("zip folder %q", folder)
	}
	sums, err := reports.ReadManifest(bytes.NewReader(files[reports.ManifestName]))
	if err != nil || len(sums) == 0 {
		t.Fatalf("zip manifest: %v", err)
	}
	for _, w := range want {
		found := false
		for name := range sums {
			found = found || name == w || strings.HasSuffix(w, "/") && strings.HasPrefix(name, w)
		}
		if !found {
			t.Errorf("manifest lacks %s", w)
		}
	}
	for name, sum := range sums {
		h := sha256.Sum256(files[name])
		if hex.EncodeToString(h[:]) != sum {
			t.Errorf("zip file %s does not match the manifest", name)
		}
	}
}

// TestBundleFilesStayInTheBundle tries to leave the bundle through the
// file route and a symbolic link, and bad scan IDs.
func TestBundleFilesStayInTheBundle(t *testing.T) {
	s, ts, _ := newTestServer(t, Config{}, true)
	resp := submit(t, ts, map[string]string{"url": "https://site.example/"}, nil, nil)
	id := scanPath.FindStringSubmatch(resp.Header.Get("Location"))[1]
	waitDone(t, s, id)
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("server secret"), 0o600)
	if err := os.Symlink(secret, filepath.Join(s.job(id).bundleDir(), "link.txt")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/scans/" + id + "/files/..%2fjob.json",
		"/scans/" + id + "/files/%2e%2e/job.json",
		"/scans/" + id + "/files/link.txt",
		"/scans/" + id + "/files/screenshots",
		"/scans/" + id + "/files/" + strings.Repeat("..%2f", 8) + "etc/passwd",
		"/scans/" + strings.ToUpper(id) + "/files/report.json",
		"/scans/..%2f..%2fetc/files/passwd",
		"/scans/0123/bundle.zip",
	} {
		resp, body := get(t, ts.URL+p)
		if resp.StatusCode == 200 || bytes.Contains(body, []byte("server secret")) || bytes.Contains(body, []byte(`"client"`)) {
			t.Errorf("GET %s: %d, it must not be served", p, resp.StatusCode)
		}
	}
	_, data := get(t, ts.URL+"/scans/"+id+"/bundle.zip")
	if bytes.Contains(data, []byte("link.txt")) {
		t.Error("the zip holds the symbolic link")
	}
	checkZip(t, data, []string{"report.json"})
}

func waitDone(t *testing.T, s *Server, id string) record {
	t.Helper()
	j := s.job(id)
	deadline := time.After(10 * time.Second)
	for !j.finished() {
		select {
		case <-j.wait():
		case <-deadline:
			t.Fatalf("scan %s did not finish", id)
		}
	}
	return j.snapshot()
}

// TestFormGuards covers cross-origin posts, upload and field limits, bad
// options: each refused with no scan left behind.
func TestFormGuards(t *testing.T) {
	s, ts, _ := newTestServer(t, Config{MaxUpload: 1024}, false)
	tests := []struct {
		name   string
		fields map[string]string
		mail   []byte
		header map[string]string
		status int
		want   string
	}{
		{"cross-site post", map[string]string{"url": "site.example"}, nil, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-origin"},
		{"foreign origin", map[string]string{"url": "site.example"}, nil, map[string]string{"Origin": "https://evil.example"}, 403, "cross-origin"},
		{"mail too large", map[string]string{"url": "site.example"}, bytes.Repeat([]byte("x"), 2048), nil, 413, "at most 1 KiB"},
		{"no address", map[string]string{"consent": "all"}, nil, nil, 400, "no address"},
		{"bad scheme", map[string]string{"url": "ftp://site.example/"}, nil, nil, 400, "scheme"},
		{"bad consent", map[string]string{"url": "site.example", "consent": "some"}, nil, nil, 400, "consent"},
		{"bad language", map[string]string{"url": "site.example", "lang": "de"}, nil, nil, 400, "language"},
		{"long field", map[string]string{"url": strings.Repeat("a", 5000)}, nil, nil, 400, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := submit(t, ts, tt.fields, tt.mail, tt.header)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !bytes.Contains(body, []byte(tt.want)) {
				t.Errorf("%d (want %d), body lacks %q:\n%s", resp.StatusCode, tt.status, tt.want, body)
			}
		})
	}
	if entries, _ := os.ReadDir(s.dir); len(entries) != 0 || len(s.past(10)) != 0 {
		t.Errorf("refused forms left %d scan directories", len(entries))
	}
	// The same form from the same origin is accepted.
	resp := submit(t, ts, map[string]string{"url": "site.example"}, nil, map[string]string{"Origin": ts.URL, "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin form: %d", resp.StatusCode)
	}
}

// TestPublicRefusesNonPublicTargets: on a public server, no target may
// lead the scan into a private, loopback or link-local network.
func TestPublicRefusesNonPublicTargets(t *testing.T) {
	_, ts, _ := newTestServer(t, Config{Public: true, Limits: Limits{Requests: 1000, Burst: 1000, ScanEvery: time.Millisecond, ScanBurst: 100, Waiting: 100, Streams: 10}}, false)
	for _, tt := range []struct {
		url    string
		status int
	}{
		{"http://127.0.0.1/", 400},
		{"http://[::1]/", 400},
		{"http://10.1.2.3/", 400},
		{"http://192.168.1.1/admin", 400},
		{"http://169.254.169.254/latest/meta-data/", 400},
		{"https://intranet.example/", 400}, // one of its addresses is private
		{"https://metadata.example/", 400},
		{"https://site.example:22/", 400},
		{"https://site.example/", http.StatusSeeOther},
		{"https://site.example:443/", http.StatusSeeOther},
	} {
		resp := submit(t, ts, map[string]string{"url": tt.url}, nil, nil)
		if resp.StatusCode != tt.status {
			body, _ := io.ReadAll(resp.Body)
			t.Errorf("%s: %d, want %d\n%s", tt.url, resp.StatusCode, tt.status, body)
		}
	}
}

// TestLoopbackAllowsPrivateTargets: on one's own machine, an intranet site
// may be audited (the scanner's own rules still apply).
func TestLoopbackAllowsPrivateTargets(t *testing.T) {
	_, ts, _ := newTestServer(t, Config{}, false)
	if resp := submit(t, ts, map[string]string{"url": "http://10.1.2.3/"}, nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("private target on a loopback server: %d", resp.StatusCode)
	}
}

func TestPublicRateLimits(t *testing.T) {
	t.Run("scans", func(t *testing.T) {
		_, ts, _ := newTestServer(t, Config{Public: true, Limits: Limits{Requests: 1000, Burst: 1000, ScanEvery: time.Hour, ScanBurst: 2, Waiting: 10, Streams: 10}}, false)
		for i, want := range []int{303, 303, 429} {
			if resp := submit(t, ts, map[string]string{"url": "site.example"}, nil, nil); resp.StatusCode != want {
				t.Errorf("scan %d: %d, want %d", i+1, resp.StatusCode, want)
			}
		}
	})
	t.Run("waiting", func(t *testing.T) {
		_, ts, _ := newTestServer(t, Config{Public: true, Limits: Limits{Requests: 1000, Burst: 1000, ScanEvery: time.Millisecond, ScanBurst: 10, Waiting: 1, Streams: 10}}, false)
		for i, want := range []int{303, 429} {
			if resp := submit(t, ts, map[string]string{"url": "site.example"}, nil, nil); resp.StatusCode != want {
				t.Errorf("scan %d: %d, want %d", i+1, resp.StatusCode, want)
			}
		}
	})
	t.Run("requests", func(t *testing.T) {
		_, ts, _ := newTestServer(t, Config{Public: true, Limits: Limits{Requests: 0.001, Burst: 3, ScanEvery: time.Hour, ScanBurst: 1, Waiting: 1, Streams: 1}}, false)
		codes := ""
		for range 5 {
			resp, _ := get(t, ts.URL+"/")
			codes += fmt.Sprint(resp.StatusCode, " ")
		}
		if codes != "200 200 200 429 429 " {
			t.Errorf("statuses %s", codes)
		}
	})
	t.Run("streams", func(t *testing.T) {
		s, ts, _ := newTestServer(t, Config{Public: true, Limits: Limits{Requests: 1000, Burst: 1000, ScanEvery: time.Millisecond, ScanBurst: 10, Waiting: 10, Streams: 1}}, false)
		resp := submit(t, ts, map[string]string{"url": "site.example"}, nil, nil)
		id := scanPath.FindStringSubmatch(resp.Header.Get("Location"))[1]
		first, err := http.Get(ts.URL + "/scans/" + id + "/events") // stays open: the scan is queued
		if err != nil {
			t.Fatal(err)
		}
		defer first.Body.Close()
		second, _ := get(t, ts.URL+"/scans/"+id+"/events")
		if first.StatusCode != 200 || second.StatusCode != 429 {
			t.Errorf("streams: %d then %d, want 200 then 429", first.StatusCode, second.StatusCode)
		}
		_ = s
	})
}

// TestRebindingWithheld: a name public when asked but private during the
// scan has its report withheld on a public server.
func TestRebindingWithheld(t *testing.T) {
	s, ts, fs := newTestServer(t, Config{Public: true}, true)
	fs.addrs = []string{"10.9.8.7"}
	resp := submit(t, ts, map[string]string{"url": "site.example"}, nil, nil)
	id := scanPath.FindStringSubmatch(resp.Header.Get("Location"))[1]
	rec := waitDone(t, s, id)
	if rec.Status != statusFailed || !strings.Contains(rec.Error, "non-public") {
		t.Errorf("status %s %q", rec.Status, rec.Error)
	}
	if _, err := os.Stat(s.job(id).bundleDir()); !os.IsNotExist(err) {
		t.Error("the bundle of a rebinding scan is kept")
	}
	if resp, _ := get(t, ts.URL+"/scans/"+id+"/files/report.html"); resp.StatusCode != 404 {
		t.Errorf("withheld report served: %d", resp.StatusCode)
	}
}

// TestPastScansSurviveRestart: scans are kept on disk; one cut by a stop
// is marked interrupted; a public server does not list scans with a mail.
func TestPastScansSurviveRestart(t *testing.T) {
	data := t.TempDir()
	s, ts, fs := newTestServer(t, Config{Data: data}, true)
	done := submit(t, ts, map[string]string{"url": "https://done.example/"}, []byte("From: x@y.fr\r\n\r\nhi"), nil)
	waitDone(t, s, scanPath.FindStringSubmatch(done.Header.Get("Location"))[1])
	fs.mu.Lock()
	fs.release = make(chan struct{}) // the next scan hangs
	fs.mu.Unlock()
	submit(t, ts, map[string]string{"url": "https://cut.example/"}, nil, nil)

	s2, err := New(Config{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	past := s2.past(10)
	if len(past) != 2 || past[0].URL != "https://cut.example/" || past[0].Status != statusInterrupted || past[1].Status != statusDone {
		t.Errorf("past scans after a restart: %+v", past)
	}
	s3, _ := New(Config{Data: data, Public: true})
	if p := s3.past(10); len(p) != 1 || p[0].Mail {
		t.Errorf("a public server lists scans with a mail: %+v", p)
	}
}

// TestFinishedOnDiskWhenSeen: whoever is woken by a scan's end finds it
// ended in its job.json too (a server started on the same directory at
// that moment reads it from there).
func TestFinishedOnDiskWhenSeen(t *testing.T) {
	s, ts, _ := newTestServer(t, Config{}, true)
	for range 5 {
		resp := submit(t, ts, map[string]string{"url": "https://done.example/"}, nil, nil)
		j := s.job(scanPath.FindStringSubmatch(resp.Header.Get("Location"))[1])
		waitDone(t, s, j.rec.ID)
		data, err := os.ReadFile(filepath.Join(j.dir, "job.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil || r.Status != statusDone {
			t.Fatalf("job.json when the scan was seen finished: status %q (%v)", r.Status, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for listen, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:80": true, "127.1.2.3:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.10:8080": false, "example.org:80": false, "nonsense": false,
	} {
		if got := IsLoopback(listen); got != want {
			t.Errorf("IsLoopback(%q) = %v", listen, got)
		}
	}
}

// TestUIText checks that every text has both languages and that the
// templates use no key without a text.
func TestUIText(t *testing.T) {
	for k, m := range uiText {
		if m[0] == "" || m[1] == "" || strings.Count(m[0], "%") != strings.Count(m[1], "%") {
			t.Errorf("text %q: %q / %q", k, m[0], m[1])
		}
	}
	src, _ := templateFS.ReadFile("templates/pages.html")
	for _, m := range regexp.MustCompile(`\bt[f]? "([a-z.]+)"`).FindAllStringSubmatch(string(src), -1) {
		if _, ok := uiText[m[1]]; !ok {
			t.Errorf("the templates use %q, which has no text", m[1])
		}
	}
	for _, st := range []string{statusQueued, statusRunning, statusDone, statusFailed, statusInterrupted} {
		if _, ok := uiText["status."+st]; !ok {
			t.Errorf("no text for status %s", st)
		}
	}
}

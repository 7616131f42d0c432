package webapp

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/reports"
)

//go:embed templates/pages.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// parsePages parses the pages' templates; t and tf are bound to the
// request's language at each render.
func parsePages() (*template.Template, error) {
	t, err := template.New("pages").Funcs(template.FuncMap{
		"t":       func(string) string { return "" },
		"tf":      func(string, ...any) string { return "" },
		"verdict": func(record) string { return "" },
	}).ParseFS(templateFS, "templates/pages.html")
	if err != nil {
		return nil, fmt.Errorf("serve: templates: %w", err)
	}
	return t, nil
}

// routes builds the handler: the pages, with cross-origin protection on
// the form, the per-client limits of a public server and the security
// headers on every response.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("POST /scans", s.submit)
	mux.HandleFunc("GET /scans/{id}", s.jobPage)
	mux.HandleFunc("GET /scans/{id}/events", s.events)
	mux.HandleFunc("GET /scans/{id}/bundle.zip", s.zip)
	mux.HandleFunc("GET /scans/{id}/files/{path...}", s.file)
	static, _ := fs.Sub(staticFS, "static")
	// No icon, and no error in the browser's console for want of one. The
	// browser may ask for it with no initiator (during a download): no
	// Cross-Origin-Resource-Policy, which would block that empty answer.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Del("Cross-Origin-Resource-Policy")
		w.Header().Set("Cache-Control", "max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin form refused", "client", clientKey(r), "origin", r.Header.Get("Origin"))
		s.fail(w, r, http.StatusForbidden, "cross-origin request refused")
	}))
	h := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w.Header(), appCSP)
		if s.cfg.Public && !s.limits.request(clientKey(r)) {
			w.Header().Set("Retry-After", "60")
			s.fail(w, r, http.StatusTooManyRequests, uiLangOf(r).t("error.rate"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// page is what the templates see.
type page struct {
	Lang    uiLang
	Title   string
	Version string
	Public  bool
	Error   string
	URL     string
	Past    []record
	Job     record
	Running bool
	Report  bool
}

func (s *Server) page(r *http.Request) page {
	l := uiLangOf(r)
	return page{Lang: l, Title: l.t("title"), Version: s.cfg.Settings.Version, Public: s.cfg.Public}
}

// render writes a page in the request's language.
func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	t, err := s.pages.Clone()
	if err == nil {
		l := p.Lang
		t.Funcs(template.FuncMap{
			"t":  l.t,
			"tf": func(k string, a ...any) string { return fmt.Sprintf(l.t(k), a...) },
			"verdict": func(r record) string {
				if r.Findings == 0 {
					return l.t("findings.none")
				}
				return fmt.Sprintf(l.t("findings"), r.Findings, reports.Lang(l).T("sev."+r.MaxSeverity))
			},
		})
	}
	var b bytes.Buffer
	if err == nil {
		err = t.ExecuteTemplate(&b, name, p)
	}
	if err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail answers with the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := s.page(r)
	p.Error = msg
	s.render(w, status, "error", p)
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	p := s.page(r)
	p.Past = s.past(100)
	s.render(w, http.StatusOK, "index", p)
}

// maxField bounds a form field other than the mail.
const maxField = 4096

// submit reads the form, checks the target and queues the scan.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	l := uiLangOf(r)
	key := clientKey(r)
	again := func(status int, msg, url string) {
		p := s.page(r)
		p.Error, p.URL, p.Past = msg, url, s.past(100)
		s.render(w, status, "index", p)
	}
	if s.cfg.Public && s.waiting(key) >= s.cfg.Limits.Waiting {
		again(http.StatusTooManyRequests, l.t("error.waiting"), "")
		return
	}
	id := newID()
	j := &job{dir: filepath.Join(s.dir, id), changed: make(chan struct{}),
		rec: record{ID: id, Status: statusQueued, Created: s.now().UTC(), Client: key, Consent: "all"}}
	if err := os.MkdirAll(j.dir, 0o750); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	keep := false
	defer func() {
		if !keep {
			_ = os.RemoveAll(j.dir)
		}
	}()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+64<<10)
	raw, err := s.readForm(r, j)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || errors.Is(err, errMailTooBig):
		again(http.StatusRequestEntityTooLarge, fmt.Sprintf(l.t("error.upload"), s.cfg.MaxUpload>>10), raw)
		return
	case err != nil:
		again(http.StatusBadRequest, fmt.Sprintf(l.t("error.form"), err), raw)
		return
	}
	url, host, err := s.checkTarget(r.Context(), raw)
	if err != nil {
		s.log.Warn("target refused", "client", key, "url", clean(raw, 200), "err", err)
		again(http.StatusBadRequest, fmt.Sprintf(l.t("error.target"), clean(err.Error(), maxMessage)), raw)
		return
	}
	j.rec.URL, j.rec.Host = url, host
	if s.cfg.Public && !s.limits.scan(key) {
		w.Header().Set("Retry-After", "120")
		again(http.StatusTooManyRequests, l.t("error.scans"), raw)
		return
	}
	if err := s.enqueue(j); err != nil {
		status := http.StatusInternalServerError
		msg := err.Error()
		if errors.Is(err, errQueueFull) {
			status, msg = http.StatusServiceUnavailable, l.t("error.busy")
		}
		again(status, msg, raw)
		return
	}
	keep = true
	http.Redirect(w, r, "/scans/"+id, http.StatusSeeOther)
}

var errMailTooBig = errors.New("mail too large")

// readForm reads the multipart form as a stream: the fields, bounded, and
// the mail, written into the scan's input directory. It returns the
// address typed.
func (s *Server) readForm(r *http.Request, j *job) (string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", err
	}
	var url string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return url, err
		}
		name := part.FormName()
		if name == "mail" {
			if part.FileName() == "" {
				continue
			}
			if err := s.saveMail(part, j); err != nil {
				return url, err
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxField+1))
		if err != nil {
			return url, err
		}
		if len(data) > maxField {
			return url, fmt.Errorf("field %q is too long", clean(name, 40))
		}
		v := strings.TrimSpace(string(data))
		switch name {
		case "url":
			url = clean(v, 2048)
		case "consent":
			if !supported(v, "all", "none") {
				return url, fmt.Errorf("consent %q: want all or none", clean(v, 20))
			}
			j.rec.Consent = v
		case "lang":
			if !supported(v, "", "fr", "en") {
				return url, fmt.Errorf("language %q: want fr or en", clean(v, 20))
			}
			j.rec.Lang = v
		}
	}
	if url == "" {
		return "", errors.New("no address given")
	}
	return url, nil
}

// saveMail writes an uploaded mail, at most MaxUpload bytes.
func (s *Server) saveMail(part io.Reader, j *job) error {
	p := j.mailPath()
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(part, s.cfg.MaxUpload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n > s.cfg.MaxUpload {
		return errMailTooBig
	}
	if n == 0 {
		return os.Remove(p)
	}
	j.rec.Mail = true
	return nil
}

// waiting counts key's scans queued or running.
func (s *Server) waiting(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, j := range s.jobs {
		j.mu.Lock()
		if j.rec.Client == key && (j.rec.Status == statusQueued || j.rec.Status == statusRunning) {
			n++
		}
		j.mu.Unlock()
	}
	return n
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("id"))
	if j == nil {
		s.fail(w, r, http.StatusNotFound, uiLangOf(r).t("error.notfound"))
		return
	}
	p := s.page(r)
	p.Job = j.snapshot()
	p.Title = p.Job.URL + " — vigie"
	p.Running = !j.finished()
	p.Report = p.Job.Status == statusDone
	s.render(w, http.StatusOK, "job", p)
}

// heartbeat keeps an idle progress stream open through proxies.
const heartbeat = 15 * time.Second

// events streams a scan's progress as Server-Sent Events: "progress" events
// (id: the line's number, data: JSON), "status" when it starts, and "done"
// when it is over, after which the stream ends. A reconnecting client
// resumes after Last-Event-ID (or ?after=N).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("id"))
	if j == nil {
		http.NotFound(w, r)
		return
	}
	if s.cfg.Public {
		done, ok := s.limits.stream(clientKey(r))
		if !ok {
			http.Error(w, "too many open progress streams", http.StatusTooManyRequests)
			return
		}
		defer done()
	}
	after := 0
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			after = n
			break
		}
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	status := ""
	for {
		changed := j.wait()
		rec := j.snapshot()
		var b bytes.Buffer
		if rec.Status != status {
			status = rec.Status
			fmt.Fprintf(&b, "event: status\ndata: %s\n\n", status)
		}
		for _, e := range rec.Events {
			if e.Seq <= after {
				continue
			}
			data, _ := json.Marshal(e)
			fmt.Fprintf(&b, "id: %d\nevent: progress\ndata: %s\n\n", e.Seq, data)
			after = e.Seq
		}
		over := rec.Status != statusQueued && rec.Status != statusRunning
		if over {
			fmt.Fprintf(&b, "event: done\ndata: %s\n\n", rec.Status)
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil || over {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-tick.C:
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return
			}
			_ = rc.Flush()
		}
	}
}

// contentType is the type a bundle file is served with.
func contentType(name string) string {
	switch filepath.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".json", ".sarif", ".har":
		return "application/json"
	case ".md", ".sha256", ".sig", ".xml", ".txt", "":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// finishedReport returns the scan with id when its bundle is there.
func (s *Server) finishedReport(w http.ResponseWriter, r *http.Request) *job {
	j := s.job(r.PathValue("id"))
	if j == nil || j.snapshot().Status != statusDone {
		http.NotFound(w, r)
		return nil
	}
	return j
}

// file serves one file of a finished scan's bundle, read through an
// os.Root: no path can leave the bundle, symbolic links included.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	j := s.finishedReport(w, r)
	if j == nil {
		return
	}
	name := r.PathValue("path")
	root, err := os.OpenRoot(j.bundleDir())
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	secure(w.Header(), reportCSP)
	w.Header().Set("Content-Type", contentType(name))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

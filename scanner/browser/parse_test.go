package browser

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func TestParseSetCookie(t *testing.T) {
	tests := []struct{ line, name, domain string }{
		{"_ga=GA1.1.1; Max-Age=63072000; Domain=.ville.fr; Path=/", "_ga", "ville.fr"},
		{"sid=x; HttpOnly", "sid", ""},
		{"novalue", "", ""},
		{"  a = b ; domain = Example.COM ", "a", "example.com"},
		{"=empty-name", "", ""},
	}
	for _, tt := range tests {
		if n, d := parseSetCookie(tt.line); n != tt.name || d != tt.domain {
			t.Errorf("parseSetCookie(%q) = %q, %q", tt.line, n, d)
		}
	}
}

func TestScriptFromStack(t *testing.T) {
	tests := []struct{ stack, want string }{
		{"Error\n    at HTMLDocument.set [as cookie] (<anonymous>:1:311)\n    at https://t.example/t.js:1:16", "https://t.example/t.js"},
		{"Error\n    at set (<anonymous>:9:2)\n    at gtag (https://www.googletagmanager.com/gtag/js?id=G-1:200:33)\n    at https://site.fr/:3:1", "https://www.googletagmanager.com/gtag/js?id=G-1"},
		{"Error\n    at <anonymous>:1:1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := scriptFromStack(tt.stack); got != tt.want {
			t.Errorf("scriptFromStack(%q) = %q, want %q", tt.stack, got, tt.want)
		}
	}
}

func TestCrawlCandidates(t *testing.T) {
	links := []string{
		"https://www.ville.fr/a", "https://www.ville.fr/a#top", "mailto:x@ville.fr", "https://www.ville.fr/",
		"https://autre.com/x", "https://agenda.ville.fr/b", "https://www.ville.fr/doc.PDF", "javascript:void(0)",
		"https://user:pw@www.ville.fr/c", "http://www.ville.fr/d",
	}
	fp := func(h string) bool { return h == "ville.fr" || strings.HasSuffix(h, ".ville.fr") }
	got := crawlCandidates(links, []string{"https://www.ville.fr/"}, fp)
	want := []string{"https://www.ville.fr/a", "https://agenda.ville.fr/b", "http://www.ville.fr/d"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCrossCheck(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 5, 0, time.UTC)
	visits := []evidence.Visit{
		{ID: "visit/initial", Requests: []evidence.Request{{ID: "req/1", Host: "www.v.fr"}}},
		{ID: "visit/reject", Action: &evidence.ConsentAction{Done: true, At: at}, Requests: []evidence.Request{{ID: "req/2", Host: "www.v.fr"}}},
	}
	conns := []evidence.Connection{
		{Visit: "visit/initial", Host: "www.v.fr", Port: 443},
		{Visit: "visit/initial", Host: "worker.tracker.com", Port: 443, Started: at},
		{Visit: "visit/initial", Host: "worker.tracker.com", Port: 443},
		{Visit: "visit/reject", Host: "cdn.tracker.com", Port: 8443, Started: at.Add(time.Second)},
		{Visit: "visit/reject", Host: "early.tracker.com", Port: 80, Started: at.Add(-time.Second), Refused: "private address"},
		{Visit: "", Host: "between.example", Port: 443},
		{Visit: "visit/initial", Host: "update.example", Port: 443, Background: true},
	}
	CrossCheck(visits, conns)
	var got []string
	for _, v := range visits {
		for _, r := range v.Requests {
			if r.FromProxyOnly {
				got = append(got, r.ID+" "+v.ID+" "+r.Method+" "+r.URL+" "+r.Phase+" "+r.RegistrableDomain+" "+r.Failed)
			}
		}
	}
	want := []string{
		"req/3 visit/initial CONNECT https://worker.tracker.com/ before-action tracker.com ",
		"req/4 visit/reject CONNECT https://cdn.tracker.com:8443/ after-action tracker.com ",
		"req/5 visit/reject GET http://early.tracker.com/ before-action tracker.com private address",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRenumberRequests shows that visits numbered on their own get one
// numbering in visit order, references included.
func TestRenumberRequests(t *testing.T) {
	visits := []evidence.Visit{
		{ID: "visit/initial", Requests: []evidence.Request{{ID: "req/1"}, {ID: "req/2", Initiator: &evidence.Initiator{Parent: "req/1"}}},
			Cookies: []evidence.Cookie{{SetBy: &evidence.SetBy{Kind: "response", Request: "req/2"}}}},
		{ID: "visit/reject", Requests: []evidence.Request{{ID: "req/1"}, {ID: "req/2", Initiator: &evidence.Initiator{Parent: "req/1"}}},
			Cookies: []evidence.Cookie{{SetBy: &evidence.SetBy{Kind: "response", Request: "req/1"}}, {SetBy: &evidence.SetBy{Kind: "script"}}}},
	}
	renumberRequests(visits)
	got := []string{visits[0].Requests[0].ID, visits[0].Requests[1].ID, visits[0].Requests[1].Initiator.Parent, visits[0].Cookies[0].SetBy.Request,
		visits[1].Requests[0].ID, visits[1].Requests[1].ID, visits[1].Requests[1].Initiator.Parent, visits[1].Cookies[0].SetBy.Request, visits[1].Cookies[1].SetBy.Request}
	want := []string{"req/1", "req/2", "req/1", "req/2", "req/3", "req/4", "req/3", "req/3", ""}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSPKIHashes(t *testing.T) {
	w, err := newWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	hs, err := SPKIHashes([]string{w.caFile, w.caFile})
	if err != nil || len(hs) != 1 || len(hs[0]) != 44 {
		t.Errorf("hashes %v, %v", hs, err)
	}
	bad := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	for _, f := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := SPKIHashes([]string{f}); err == nil {
			t.Errorf("%s: no error", f)
		}
	}
}

func TestSinkTarget(t *testing.T) {
	tests := []struct {
		method, target, host string
		port                 int
	}{
		{"CONNECT", "update.googleapis.com:443", "update.googleapis.com", 443},
		{"GET", "http://clients2.google.com/time/1/current?x=1", "clients2.google.com", 80},
		{"GET", "/relative", "", 0},
		{"CONNECT", "nonsense", "", 0},
	}
	for _, tt := range tests {
		if h, p := sinkTarget(tt.method, tt.target); h != tt.host || p != tt.port {
			t.Errorf("sinkTarget(%s %s) = %s %d", tt.method, tt.target, h, p)
		}
	}
}

package browser

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// jsSite serves a page whose text exists only once its script ran, with a
// comment before the root element, and a 404 for every other path.
func jsSite(w *world) {
	w.handle("legal.load.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.Redirect(rw, r, "/mentions", http.StatusFound)
		case "/mentions":
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			rw.Header().Set("X-Lab", "one")
			http.SetCookie(rw, &http.Cookie{Name: "sid", Value: "1", Path: "/", Secure: true})
			io.WriteString(rw, `<!DOCTYPE html>
<!-- Platform 1.2.3 -->
<html lang="fr"><head><title>Mentions</title><link rel="stylesheet" href="/site.css"></head>
<body><div id="app"></div><script>
document.getElementById("app").textContent = ["Héber", "gement : O", "VH"].join("");
</script></body></html>`)
		case "/site.css":
			rw.Header().Set("Content-Type", "text/css")
			io.WriteString(rw, "body{}")
		default:
			http.NotFound(rw, r)
		}
	}))
}

func TestLoad(t *testing.T) {
	b, w := shared(t)
	jsSite(w)

	p, err := b.Load(t.Context(), "https://legal.load.test/", "")
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != "https://legal.load.test/" || p.FinalURL != "https://legal.load.test/mentions" || p.Status != 200 {
		t.Errorf("URL %q final %q status %d", p.URL, p.FinalURL, p.Status)
	}
	if p.Headers.Get("X-Lab") != "one" || !strings.HasPrefix(p.ContentType, "text/html") {
		t.Errorf("headers %v, content type %q", p.Headers, p.ContentType)
	}
	// The DOM after the script, with the comment before the root element.
	html := string(p.HTML)
	if !strings.HasPrefix(html, "<!DOCTYPE html>\n<!-- Platform 1.2.3 -->\n<html") || !strings.Contains(html, `<div id="app">Hébergement : OVH</div>`) {
		t.Errorf("HTML %q", html)
	}
	if p.Text != "Hébergement : OVH" {
		t.Errorf("text %q", p.Text)
	}
	if !slices.ContainsFunc(p.Cookies, func(c evidence.Cookie) bool { return c.Name == "sid" }) {
		t.Errorf("cookies %+v", p.Cookies)
	}
	for _, want := range []string{"https://legal.load.test/", "https://legal.load.test/mentions", "https://legal.load.test/site.css"} {
		if !slices.Contains(p.Requests, want) {
			t.Errorf("requests %q lack %s", p.Requests, want)
		}
	}

	// An error status is a page, not an error.
	p, err = b.Load(t.Context(), "https://legal.load.test/nowhere", "")
	if err != nil || p.Status != http.StatusNotFound {
		t.Errorf("404 page: %+v, %v", p, err)
	}
	// Only web pages: never a local file or a script.
	for _, u := range []string{"file:///etc/passwd", "javascript:alert(1)", "data:text/html,<p>x", "https:///nohost"} {
		if p, err := b.Load(t.Context(), u, ""); err == nil {
			t.Errorf("%s loaded: %+v", u, p)
		}
	}
	// No document at all is an error.
	if _, err := b.Load(t.Context(), "https://nowhere.invalid/", ""); err == nil {
		t.Error("no error for an unreachable page")
	}
}

func TestScanCapturesInitialPage(t *testing.T) {
	b, w := shared(t)
	jsSite(w)
	res := b.Scan(t.Context(), ScanConfig{URL: "https://legal.load.test/", Consent: "none"})
	r := res.Visit("initial")
	if r == nil || r.Page == nil {
		t.Fatalf("initial visit without its page: %+v", r)
	}
	if !strings.Contains(r.Page.Text, "Hébergement : OVH") || r.Page.FinalURL != "https://legal.load.test/mentions" {
		t.Errorf("page %q at %q", r.Page.Text, r.Page.FinalURL)
	}
}

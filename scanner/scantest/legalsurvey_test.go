package scantest

import (
	"net/http"
	"strings"
	"testing"
)

// Page gives the pages that scanner/legal and scanner/survey's tests read
// as the lab serves them at their URLs (the READMEs of those packages'
// testdata/lab give them).
func TestPage(t *testing.T) {
	tests := []struct{ host, path, name string }{
		{HostFounding, "/legal", "legal.html"},
		{HostFounding, "/cookies", "cookies.html"},
		{HostFounding, "/en/legal", "en/legal.html"},
		{HostClean, "/mentions-legales", "mentions-legales.html"},
		{HostClean, "/politique-de-confidentialite", "politique-de-confidentialite.html"},
		{HostClean, "/en/legal-notice", "en/legal-notice.html"},
		{HostClean, "/de/impressum", "de/impressum.html"},
		{HostClean, "/de/datenschutz", "de/datenschutz.html"},
		{HostCity, "/mentions-legales", "mentions-legales.html"},
		{HostCity, "/de/impressum", "de/impressum.html"},
		{HostSurveys, "/index.php/123456", "limesurvey-open.html"},
		{HostSurveys, "/index.php/234567", "limesurvey-token.html"},
		{HostSurveys, "/index.php/345678", "limesurvey-captcha.html"},
		{HostDecidim, DecidimPath, "decidim.html"},
		{HostDecidim, "/users/sign_in", "users/sign_in.html"},
	}
	s := &webServer{hosts: vhosts()}
	for _, tt := range tests {
		want, err := Page(tt.host, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		w := pageRequest(s, http.MethodGet, tt.host, tt.path)
		if w.Code != http.StatusOK || w.Body.String() != string(want) {
			t.Errorf("%s%s: %d, body differs from Page(%q, %q)", tt.host, tt.path, w.Code, tt.host, tt.name)
		}
	}
	for _, name := range []string{"missing.html", "../" + HostClean + "/index.html", "/legal.html"} {
		if _, err := Page(HostFounding, name); err == nil {
			t.Errorf("Page(%q, %q): no error", HostFounding, name)
		}
	}
}

// The legal pages' sites answer 404 elsewhere, so that the common paths
// find nothing more; the founding portal's old cookie page redirects.
func TestLegalPagesElsewhere(t *testing.T) {
	s := &webServer{hosts: vhosts()}
	for _, tt := range []struct {
		host, path string
		status     int
		location   string
	}{
		{HostFounding, "/mentions-legales", 404, ""},
		{HostFounding, "/politique-de-confidentialite", 404, ""},
		{HostFounding, "/cookies-page", 301, "/cookies"},
		{HostClean, "/legal", 404, ""},
		{HostClean, "/cookies", 404, ""},
		{HostCity, "/privacy", 404, ""},
		{HostCity, "/legal", 404, ""},
	} {
		w := pageRequest(s, http.MethodGet, tt.host, tt.path)
		if w.Code != tt.status || w.Header().Get("Location") != tt.location {
			t.Errorf("%s%s: %d %q, want %d %q", tt.host, tt.path, w.Code, w.Header().Get("Location"), tt.status, tt.location)
		}
	}
	// The founding portal links its legal pages, the English one included.
	body := pageRequest(s, http.MethodGet, HostFounding, "/").Body.String()
	for _, link := range []string{`href="/legal"`, `href="/cookies"`, `href="/en/legal"`} {
		if !strings.Contains(body, link) {
			t.Errorf("founding page lacks %s", link)
		}
	}
}

// The consultation hosts only read: any other method is 405; the surveys
// set LimeSurvey's cookies; the captcha image and the theme assets load.
func TestSurveyHosts(t *testing.T) {
	s := &webServer{hosts: vhosts()}
	for _, host := range []string{HostSurveys, HostDecidim} {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			if w := pageRequest(s, m, host, "/index.php/123456"); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d", m, host, w.Code)
			}
		}
	}
	w := pageRequest(s, http.MethodGet, HostSurveys, "/index.php/123456")
	names := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		names[c.Name] = true
	}
	if !names["LS-ZNIDJBOXUNKXWTIP"] || !names["YII_CSRF_TOKEN"] {
		t.Errorf("survey cookies %v", w.Result().Cookies())
	}
	if w := pageRequest(s, http.MethodHead, HostSurveys, "/index.php/123456"); w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d, %d bytes", w.Code, w.Body.Len())
	}
	for _, tt := range []struct {
		host, path, ctype string
		status            int
	}{
		{HostSurveys, "/index.php/verification/image/sid/345678?v=1", "image/png", 200},
		{HostSurveys, "/tmp/assets/2d8a1e54/survey.css", "text/css; charset=utf-8", 200},
		{HostSurveys, "/tmp/assets/9a7b3c2d/jquery-3.5.1.min.js", "text/javascript; charset=utf-8", 200},
		{HostSurveys, "/index.php/999999", "", 404},
		{HostSurveys, "/limesurvey-open.html", "", 404},
		{HostDecidim, "/decidim-packs/js/runtime-2c1d0e.js", "text/javascript; charset=utf-8", 200},
		{HostDecidim, "/", "", 302},
		{HostDecidim, "/decidim.html", "", 404},
	} {
		w := pageRequest(s, http.MethodGet, tt.host, tt.path)
		if w.Code != tt.status || (tt.ctype != "" && w.Header().Get("Content-Type") != tt.ctype) {
			t.Errorf("%s%s: %d %q, want %d %q", tt.host, tt.path, w.Code, w.Header().Get("Content-Type"), tt.status, tt.ctype)
		}
	}
}

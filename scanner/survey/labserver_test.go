package survey

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// labServer is a loopback HTTPS server standing in for the lab's survey
// hosts: it serves the lab's survey pages (labFixtures) and a few other
// fixtures by host and path, and logs every request's method, so that tests
// can assert that vigie only read.
type labServer struct {
	*httptest.Server
	mu  sync.Mutex
	log []string // "METHOD host/path?query", then " +cookie" when the request carried cookies
}

// Hosts the lab server answers for (all *.example.com, which its test
// certificate covers) besides the embedded platform hosts.
const (
	labSurveyHost  = "enquetes.example.com"
	labDecidimHost = "concertation.example.com"
	labPortalHost  = "www.example.com"
)

func startLab(t *testing.T) *labServer {
	t.Helper()
	l := &labServer{}
	pages := map[string]string{
		labSurveyHost + "/index.php/123456":                          labLimeSurveyOpen,
		labSurveyHost + "/index.php/234567":                          labLimeSurveyToken,
		labSurveyHost + "/index.php/345678":                          labLimeSurveyCaptcha,
		labDecidimHost + "/processes/budget-2026":                    labDecidim,
		labPortalHost + "/piscine":                                   "googleforms-embed.html",
		"docs.google.com/forms/d/e/1FAIpQLSdLabExampleForm/viewform": "googleforms.html",
	}
	l.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		l.mu.Lock()
		entry := r.Method + " " + host + r.URL.RequestURI()
		if r.Header.Get("Cookie") != "" {
			entry += " +cookie"
		}
		l.log = append(l.log, entry)
		l.mu.Unlock()
		key := host + r.URL.Path
		switch {
		case key == labSurveyHost+"/closed" && r.URL.Query().Get("token") == "":
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		case key == labSurveyHost+"/closed":
			key = labSurveyHost + "/index.php/123456"
		case key == labSurveyHost+"/cfclosed" && r.URL.Query().Get("token") != "":
			key = labSurveyHost + "/index.php/123456"
		case key == labSurveyHost+"/blocked" || key == labSurveyHost+"/cfclosed":
			w.Header().Set("Cf-Mitigated", "challenge")
			w.Header().Set("Server", "cloudflare")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(fixture(t, "lab/challenge-cloudflare.html"))
			return
		case key == labSurveyHost+"/redirect":
			http.Redirect(w, r, "/index.php/123456?lang=fr", http.StatusFound)
			return
		case key == labSurveyHost+"/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		case key == labSurveyHost+"/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 3<<20)))
			return
		}
		file, ok := pages[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if host == labSurveyHost {
			http.SetCookie(w, &http.Cookie{Name: "LS-ZNIDJBOXUNKXWTIP", Value: "lab-session", Path: "/", HttpOnly: true})
			http.SetCookie(w, &http.Cookie{Name: "YII_CSRF_TOKEN", Value: "lab-csrf", Path: "/"})
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write(fixture(t, file))
	}))
	t.Cleanup(l.Close)
	return l
}

// transport returns a transport that sends every connection to the lab
// server, whatever the host (the test certificate is checked as
// example.com's): nothing can reach the internet.
func (l *labServer) transport() *http.Transport {
	return &http.Transport{
		DialContext: l.dial,
		TLSClientConfig: &tls.Config{
			RootCAs:    l.rootCAs(),
			ServerName: "example.com",
		},
	}
}

func (l *labServer) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, l.Listener.Addr().String())
}

func (l *labServer) rootCAs() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(l.Certificate())
	return pool
}

// requests returns the requests logged so far.
func (l *labServer) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.log...)
}

// assertReadOnly fails the test if any request was not GET or HEAD.
func (l *labServer) assertReadOnly(t *testing.T) {
	t.Helper()
	reqs := l.requests()
	if len(reqs) == 0 {
		t.Error("the lab server saw no request")
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "HEAD ") {
			t.Errorf("a request other than GET or HEAD reached the survey: %s", r)
		}
	}
}

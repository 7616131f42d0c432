package access

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/vigie-scan/vigie/scanner/survey"
	"github.com/vigie-scan/vigie/scanner/survey/surveytest"
)

// TestCompare loads a survey page directly and through each of
// surveytest's proxies: the challenging proxy's answer is recognised as a
// challenge, the pass-through proxy's as the page.
func TestCompare(t *testing.T) {
	const host = "enquetes.example.test"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>Enquête</title><form method=post><input name=q></form>"))
	}))
	t.Cleanup(srv.Close)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tlsConf := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "example.com"}
	target := "https://" + host + "/index.php/123456?lang=fr"
	direct := &survey.HTTPLoader{Transport: &http.Transport{DialContext: dial, TLSClientConfig: tlsConf}}

	pass, err := surveytest.StartPassProxy(dial)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pass.Close() })
	challenge, err := surveytest.StartChallengeProxy(surveytest.ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = challenge.Close() })
	viaPass, err := ProxiedTransport(&http.Transport{TLSClientConfig: tlsConf}, pass.URL)
	if err != nil {
		t.Fatal(err)
	}
	viaChallenge, err := ProxiedTransport(&http.Transport{}, challenge.URL)
	if err != nil {
		t.Fatal(err)
	}
	viaChallenge.TLSClientConfig = &tls.Config{RootCAs: challenge.RootCAs()}

	tests := []struct {
		name      string
		proxy     string
		transport http.RoundTripper
		challenge string
	}{
		{"pass-through proxy", pass.URL, viaPass, ""},
		{"challenging proxy", challenge.URL, viaChallenge, "cloudflare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Compare(t.Context(), direct, &survey.HTTPLoader{Transport: tt.transport}, target, tt.proxy)
			if a.ID != "access/proxy" || a.Proxy != tt.proxy {
				t.Errorf("record %+v", a)
			}
			if a.Direct.Status != 200 || a.Direct.Challenge != "" || a.Direct.Error != "" || a.Direct.Title != "Enquête" {
				t.Errorf("direct load %+v", a.Direct)
			}
			if a.Proxied.Challenge != tt.challenge || a.Proxied.Error != "" {
				t.Errorf("proxied load %+v, want challenge %q", a.Proxied, tt.challenge)
			}
		})
	}
	if reqs := challenge.Requests(); !slices.Contains(reqs, surveytest.Request{Method: "GET", Host: host, Path: "/index.php/123456?lang=fr"}) {
		t.Errorf("the challenging proxy saw %+v", reqs)
	}
	if reqs := pass.Requests(); !slices.Contains(reqs, surveytest.Request{Method: "CONNECT", Host: host + ":443"}) {
		t.Errorf("the pass-through proxy saw %+v", reqs)
	}
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network down")
}

func TestLoadNetworkError(t *testing.T) {
	a := Load(t.Context(), &survey.HTTPLoader{Transport: failingTransport{}}, "https://unreachable.example/")
	if a.Error == "" || a.Challenge != "" {
		t.Errorf("load through a failing transport: %+v", a)
	}
}

func TestRedactProxy(t *testing.T) {
	tests := []struct{ in, want string }{
		{"socks5://isolate:secret@127.0.0.1:9050", "socks5://127.0.0.1:9050"},
		{"http://127.0.0.1:8118", "http://127.0.0.1:8118"},
		{"://bad", "(invalid proxy URL)"},
	}
	for _, tt := range tests {
		if got := RedactProxy(tt.in); got != tt.want {
			t.Errorf("RedactProxy(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestProxiedTransport(t *testing.T) {
	for _, p := range []string{"http://127.0.0.1:8118", "socks5://127.0.0.1:9050", "socks5h://u:p@127.0.0.1:9050", "https://proxy.example:443"} {
		tr, err := ProxiedTransport(nil, p)
		if err != nil || tr.Proxy == nil {
			t.Errorf("ProxiedTransport(%q): %v", p, err)
		}
	}
	for _, p := range []string{"ftp://127.0.0.1:21", "127.0.0.1:9050", ""} {
		if _, err := ProxiedTransport(nil, p); err == nil {
			t.Errorf("ProxiedTransport(%q) accepted", p)
		}
	}
}

package surveytest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestChallengePageIsTheLabPage(t *testing.T) {
	b, err := os.ReadFile("../testdata/lab/challenge-cloudflare.html")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != ChallengePage {
		t.Error("ChallengePage differs from testdata/lab/challenge-cloudflare.html: regenerate one from the other")
	}
}

func clientVia(proxy string, tlsConf *tls.Config) *http.Client {
	u, _ := url.Parse(proxy)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: tlsConf}}
}

func TestChallengeProxy(t *testing.T) {
	p, err := StartChallengeProxy(ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := clientVia(p.URL, &tls.Config{RootCAs: p.RootCAs()})
	for _, target := range []string{"https://enquetes.ville-exemple.fr/index.php/123456?lang=fr", "https://127.0.0.1:8443/x", "http://plain.example/"} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, target, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, target, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != ChallengeStatus || resp.Header.Get("Cf-Mitigated") != "challenge" {
				t.Errorf("%s %s: %d %v", method, target, resp.StatusCode, resp.Header)
			}
			if method == http.MethodGet && string(body) != ChallengePage {
				t.Errorf("%s %s: body %.60q", method, target, body)
			}
			if method == http.MethodHead && len(body) != 0 {
				t.Errorf("HEAD %s: a body", target)
			}
		}
	}
	var sawPost bool
	for _, r := range p.Requests() {
		sawPost = sawPost || r.Method == http.MethodPost
	}
	if sawPost || len(p.Requests()) < 6 {
		t.Errorf("requests seen: %+v", p.Requests())
	}
	if !strings.Contains(string(p.CACertPEM()), "BEGIN CERTIFICATE") {
		t.Error("no CA certificate in PEM")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPassProxy(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "survey page "+r.Method)
	}))
	defer srv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "plain page")
	}))
	defer plain.Close()

	p, err := StartPassProxy(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c := clientVia(p.URL, &tls.Config{RootCAs: pool})
	for _, target := range []string{srv.URL + "/index.php/123456", plain.URL + "/"} {
		resp, err := c.Get(target)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || (string(body) != "survey page GET" && string(body) != "plain page") {
			t.Errorf("GET %s: %d %q", target, resp.StatusCode, body)
		}
	}
	if reqs := p.Requests(); len(reqs) != 2 || reqs[0].Method != http.MethodConnect || reqs[1].Method != http.MethodGet {
		t.Errorf("requests seen: %+v", reqs)
	}
}

func TestPassProxyDialsOnlyLoopbackByDefault(t *testing.T) {
	p, err := StartPassProxy(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, target := range []string{"192.0.2.1:443", "example.com:443", "[2001:db8::1]:443"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(conn, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("CONNECT %s: %d, want 502 (refused)", target, resp.StatusCode)
		}
	}
}

func TestSOCKS5(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "survey page")
	}))
	defer srv.Close()
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	chal, err := StartChallengeProxy(ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer chal.Close()
	pass, err := StartPassProxy(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pass.Close()

	tests := []struct {
		name, proxy string
		roots       *x509.CertPool
		status      int
	}{
		{"challenging SOCKS5 proxy", chal.SOCKSURL, chal.RootCAs(), ChallengeStatus},
		{"challenging SOCKS5 proxy, Tor-style credentials", strings.Replace(chal.SOCKSURL, "socks5://", "socks5h://isolate:1@", 1), chal.RootCAs(), ChallengeStatus},
		{"pass-through SOCKS5 proxy", pass.SOCKSURL, pool, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientVia(tt.proxy, &tls.Config{RootCAs: tt.roots})
			resp, err := c.Get(srv.URL + "/index.php/123456")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	if reqs := chal.Requests(); len(reqs) < 4 || reqs[0].Method != "SOCKS5 CONNECT" || reqs[1].Method != http.MethodGet {
		t.Errorf("challenge proxy saw %+v", reqs)
	}
	if reqs := pass.Requests(); len(reqs) != 1 || reqs[0].Method != "SOCKS5 CONNECT" {
		t.Errorf("pass proxy saw %+v", reqs)
	}
}

func TestChallengeProxyWithGivenCertificates(t *testing.T) {
	// Another proxy's CA stands in for the lab's: the challenging proxy
	// presents the certificates it is given.
	issuer, err := StartChallengeProxy(ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer issuer.Close()
	var asked []string
	p, err := StartChallengeProxy(ChallengeOptions{Certificate: func(host string) (*tls.Certificate, error) {
		asked = append(asked, host)
		return issuer.certFor(host)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := clientVia(p.URL, &tls.Config{RootCAs: issuer.RootCAs()}).Get("https://enquetes.ville-exemple.fr/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != ChallengeStatus || len(asked) != 1 || asked[0] != "enquetes.ville-exemple.fr" {
		t.Errorf("status %d, certificates asked for %v", resp.StatusCode, asked)
	}
}

package browser

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// world is the browser tests' network: one HTTPS and one HTTP server
// answering for any host name by the handlers tests register, certificates
// made on the fly by a throwaway CA (sent in the chain, as the lab does),
// and a CONNECT proxy that sends every name there and logs connections.
// Nothing leaves the machine.
type world struct {
	caFile  string
	https   net.Listener
	http    net.Listener
	proxy   net.Listener
	mu      sync.Mutex
	hosts   map[string]http.Handler
	conns   []evidence.Connection
	visit   string
	servers []*http.Server
}

func newWorld() (*world, error) {
	w := &world{hosts: map[string]http.Handler{}}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigie browser-test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	dir, err := os.MkdirTemp("", "vigie-browser-test-ca")
	if err != nil {
		return nil, err
	}
	w.caFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(w.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		return nil, err
	}
	var certMu sync.Mutex
	certs := map[string]*tls.Certificate{}
	tlsCfg := &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		certMu.Lock()
		defer certMu.Unlock()
		name := h.ServerName
		if c := certs[name]; c != nil {
			return c, nil
		}
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		c := &tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
		certs[name] = c
		return c, nil
	}}
	handler := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		w.mu.Lock()
		h := w.hosts[host]
		w.mu.Unlock()
		if h == nil {
			http.Error(rw, "no such host in the test world", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(rw, r)
	})
	if w.https, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	if w.http, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	if w.proxy, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	s1 := &http.Server{Handler: handler, TLSConfig: tlsCfg, ErrorLog: quietLog()}
	s2 := &http.Server{Handler: handler, ErrorLog: quietLog()}
	w.servers = []*http.Server{s1, s2}
	go s1.ServeTLS(w.https, "", "")
	go s2.Serve(w.http)
	go w.serveProxy()
	return w, nil
}

// handle registers the handler for a host name.
func (w *world) handle(host string, h http.Handler) {
	w.mu.Lock()
	w.hosts[host] = h
	w.mu.Unlock()
}

// page registers a host serving fixed pages by path.
func (w *world) pages(host string, pages map[string]string) {
	w.handle(host, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(rw, body)
	}))
}

func (w *world) setVisit(id string) {
	w.mu.Lock()
	w.visit = id
	w.mu.Unlock()
}

func (w *world) connections() []evidence.Connection {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]evidence.Connection(nil), w.conns...)
}

// serveProxy is a minimal recording CONNECT (and plain HTTP) proxy.
func (w *world) serveProxy() {
	for {
		c, err := w.proxy.Accept()
		if err != nil {
			return
		}
		go w.proxyConn(c)
	}
}

func (w *world) proxyConn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	host, port, err := net.SplitHostPort(req.Host)
	if err != nil {
		host, port = req.Host, "80"
	}
	p, _ := strconv.Atoi(port)
	w.mu.Lock()
	w.conns = append(w.conns, evidence.Connection{ID: fmt.Sprintf("conn/%d", len(w.conns)+1), Visit: w.visit, Host: host, Port: p, Started: time.Now().UTC()})
	w.mu.Unlock()
	if strings.HasSuffix(host, ".invalid") {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	dst := w.http.Addr().String()
	if req.Method == http.MethodConnect {
		dst = w.https.Addr().String()
	}
	up, err := net.Dial("tcp", dst)
	if err != nil {
		return
	}
	defer up.Close()
	if req.Method == http.MethodConnect {
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	} else {
		req.RequestURI = ""
		if err := req.Write(up); err != nil {
			return
		}
	}
	go func() { io.Copy(up, br); up.Close() }()
	io.Copy(c, up)
}

func (w *world) close() {
	for _, s := range w.servers {
		s.Close()
	}
	w.proxy.Close()
	os.RemoveAll(filepath.Dir(w.caFile))
}

// requireBrowser returns the browser binary, skipping the test when there
// is none (failing when VIGIE_REQUIRE_BROWSER=1).
func requireBrowser(t testing.TB) string {
	t.Helper()
	exe, err := Find(os.Getenv("VIGIE_BROWSER"))
	if err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
	return exe
}

// testTiming keeps test visits short.
var testTiming = Timing{Navigate: 20 * time.Second, Quiet: 300 * time.Millisecond, IdleCap: 5 * time.Second, Action: 10 * time.Second}

var (
	sharedOnce  sync.Once
	sharedWorld *world
	sharedB     *Browser
	sharedErr   error
)

// shared returns the test binary's one browser and world, started on first use.
func shared(t *testing.T) (*Browser, *world) {
	t.Helper()
	exe := requireBrowser(t)
	sharedOnce.Do(func() {
		sharedWorld, sharedErr = newWorld()
		if sharedErr != nil {
			return
		}
		sharedB, sharedErr = Start(context.Background(), Config{Exec: exe, Proxy: sharedWorld.proxy.Addr().String(),
			TrustCerts: []string{sharedWorld.caFile}, Timing: testTiming})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedB, sharedWorld
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedB != nil {
		profile, dir := sharedB.Profile(), sharedB.Dir()
		if err := sharedB.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared browser:", err)
			code = 1
		}
		if pids := ProfileProcesses(profile); len(pids) > 0 {
			fmt.Fprintln(os.Stderr, "Chromium processes left after Close:", pids)
			code = 1
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			fmt.Fprintln(os.Stderr, "browser directory left after Close:", dir)
			code = 1
		}
	}
	if sharedWorld != nil {
		sharedWorld.close()
	}
	for _, err := range closeLab() {
		if err != nil {
			fmt.Fprintln(os.Stderr, "closing the lab:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

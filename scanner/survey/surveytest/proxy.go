// Package surveytest provides loopback proxies for tests of vigie's
// direct-versus-proxy comparison (--proxy): ChallengeProxy answers every
// request with a Cloudflare-like challenge page, as a site behind a bot
// defence answers a Tor exit; PassProxy passes traffic through. Each speaks
// both HTTP (CONNECT and plain requests, at URL) and SOCKS5 (CONNECT, at
// SOCKSURL, as Tor's SOCKS port does). Both listen on 127.0.0.1 only, and
// PassProxy dials only loopback addresses unless the test gives it a dial
// function: a test can never reach the internet through them.
package surveytest

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
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one request a proxy saw: for a CONNECT tunnel, the CONNECT
// itself (Method CONNECT, Host the target); inside the challenge proxy's
// TLS, the request the client sent.
type Request struct {
	Method string
	Host   string
	Path   string
}

// ChallengeHeaders are the headers ChallengeProxy answers with.
func ChallengeHeaders() http.Header {
	return http.Header{
		"Content-Type":  {"text/html; charset=UTF-8"},
		"Cf-Mitigated":  {"challenge"},
		"Server":        {"cloudflare"},
		"Cf-Ray":        {"0000000000000000-CDG"},
		"Cache-Control": {"private, max-age=0, no-store, no-cache, must-revalidate"},
	}
}

// ChallengeStatus is the status ChallengeProxy answers with.
const ChallengeStatus = http.StatusForbidden

// server is what both proxies share: two loopback listeners (HTTP proxy
// and SOCKS5), their connections and the log of requests.
type server struct {
	ln, socks net.Listener
	mu        sync.Mutex
	conns     map[net.Conn]bool
	log       []Request
	closed    bool
	wg        sync.WaitGroup
}

func listen() (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("surveytest: listen: %w", err)
	}
	socks, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("surveytest: listen: %w", err)
	}
	return &server{ln: ln, socks: socks, conns: map[net.Conn]bool{}}, nil
}

func (s *server) url() string      { return "http://" + s.ln.Addr().String() }
func (s *server) socksURL() string { return "socks5://" + s.socks.Addr().String() }

// start serves the HTTP proxy listener with httpProxy and the SOCKS5 one
// with tunnel, after the SOCKS5 handshake.
func (s *server) start(httpProxy func(net.Conn), tunnel func(c net.Conn, br *bufio.Reader, host string)) {
	s.serve(s.ln, httpProxy)
	s.serve(s.socks, func(c net.Conn) {
		br := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(idle))
		host, err := socksHandshake(br, c)
		if err != nil {
			return
		}
		s.record(Request{Method: "SOCKS5 CONNECT", Host: host})
		tunnel(c, br, host)
	})
}

// serve accepts connections on ln until Close and handles each with handle.
func (s *server) serve(ln net.Listener, handle func(net.Conn)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(c, true) {
				c.Close()
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer s.track(c, false)
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// track adds or removes a connection; it reports false once closed.
func (s *server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed {
			return false
		}
		s.conns[c] = true
		return true
	}
	delete(s.conns, c)
	return true
}

func (s *server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) < 10_000 {
		s.log = append(s.log, r)
	}
}

func (s *server) requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// close stops the listener and every connection, and waits for them.
func (s *server) close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	err := errors.Join(s.ln.Close(), s.socks.Close())
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// idle bounds how long a proxy waits for a client's next request.
const idle = 30 * time.Second

// ChallengeProxy is a proxy that answers every request with a
// Cloudflare-like challenge page (ChallengeStatus, ChallengeHeaders,
// ChallengePage). For a tunnel (HTTP CONNECT or SOCKS5) it accepts it,
// terminates TLS itself with a certificate for the requested name issued by
// its own throwaway CA, and answers inside: trust RootCAs (or CACertPEM
// with --trust-cert) to accept it, as a browser trusts a CDN's certificate
// for the site.
type ChallengeProxy struct {
	// URL is the HTTP proxy's URL, http://127.0.0.1:port; SOCKSURL the
	// same proxy's SOCKS5 face, socks5://127.0.0.1:port (as Tor offers).
	URL      string
	SOCKSURL string

	srv   *server
	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
	caPEM []byte
	mu    sync.Mutex
	certs map[string]*tls.Certificate
	issue func(host string) (*tls.Certificate, error)
}

// ChallengeOptions configures a ChallengeProxy.
type ChallengeOptions struct {
	// Certificate returns the certificate to present for a host name; nil
	// means one issued by the proxy's own throwaway CA (RootCAs). The lab
	// gives its own CA's (scantest's CA.Certificate), which the browser
	// already trusts.
	Certificate func(host string) (*tls.Certificate, error)
}

// StartChallengeProxy starts a challenging proxy on loopback.
func StartChallengeProxy(opts ChallengeOptions) (*ChallengeProxy, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("surveytest: CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "vigie surveytest challenge proxy CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("surveytest: CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("surveytest: CA certificate: %w", err)
	}
	srv, err := listen()
	if err != nil {
		return nil, err
	}
	p := &ChallengeProxy{
		URL: srv.url(), SOCKSURL: srv.socksURL(), srv: srv, ca: ca, caKey: key,
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		certs: map[string]*tls.Certificate{},
	}
	if opts.Certificate != nil {
		p.issue = opts.Certificate
	} else {
		p.issue = p.certFor
	}
	srv.start(p.handle, p.tunnel)
	return p, nil
}

// RootCAs returns a pool holding the proxy's own CA (which issues the
// certificates unless ChallengeOptions.Certificate is set).
func (p *ChallengeProxy) RootCAs() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	return pool
}

// CACertPEM returns the proxy's CA certificate in PEM form.
func (p *ChallengeProxy) CACertPEM() []byte { return append([]byte(nil), p.caPEM...) }

// Requests returns the requests the proxy saw, CONNECTs and the requests
// inside the tunnels, in order.
func (p *ChallengeProxy) Requests() []Request { return p.srv.requests() }

// Close stops the proxy.
func (p *ChallengeProxy) Close() error { return p.srv.close() }

func (p *ChallengeProxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(idle))
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		// A plain http:// request through the proxy.
		p.srv.record(Request{Method: req.Method, Host: req.URL.Host, Path: req.URL.RequestURI()})
		_ = writeChallenge(c, req)
		serveChallenges(p.srv, br, c, req.URL.Host)
		return
	}
	host := req.Host
	p.srv.record(Request{Method: http.MethodConnect, Host: host})
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	p.tunnel(c, br, host)
}

// tunnel terminates TLS on an accepted tunnel to host (or answers plain
// HTTP when the client does not start TLS) and answers the challenge page.
func (p *ChallengeProxy) tunnel(c net.Conn, br *bufio.Reader, host string) {
	if b, err := br.Peek(1); err != nil {
		return
	} else if b[0] != 0x16 { // not a TLS handshake record: plain HTTP
		serveChallenges(p.srv, br, c, host)
		return
	}
	name, _, err := net.SplitHostPort(host)
	if err != nil {
		name = host
	}
	tc := tls.Server(&bufferedConn{Conn: c, r: br}, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			n := hello.ServerName
			if n == "" {
				n = name
			}
			return p.issue(n)
		},
	})
	if err := tc.Handshake(); err != nil {
		return
	}
	serveChallenges(p.srv, bufio.NewReader(tc), tc, host)
}

// serveChallenges answers every further request on a connection with the
// challenge page.
func serveChallenges(srv *server, br *bufio.Reader, c net.Conn, host string) {
	for {
		_ = c.SetReadDeadline(time.Now().Add(idle))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		srv.record(Request{Method: req.Method, Host: firstNonEmpty(req.Host, host), Path: req.URL.RequestURI()})
		if err := writeChallenge(c, req); err != nil || req.Close {
			return
		}
	}
}

// writeChallenge writes the challenge answer to req.
func writeChallenge(w io.Writer, req *http.Request) error {
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
	body := ChallengePage
	if req.Method == http.MethodHead {
		body = ""
	}
	h := ChallengeHeaders()
	h.Set("Content-Length", strconv.Itoa(len(ChallengePage)))
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", ChallengeStatus, http.StatusText(ChallengeStatus))
	if err := h.Write(&b); err != nil {
		return err
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	_, err := io.WriteString(w, b.String())
	return err
}

// certFor returns a certificate for name issued by the proxy's CA.
func (p *ChallengeProxy) certFor(name string) (*tls.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.certs[name]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{name}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	p.certs[name] = c
	return c, nil
}

// bufferedConn reads first what a bufio.Reader already buffered.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// DialFunc dials a network address, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// PassProxy is a proxy that passes traffic through: it tunnels HTTP
// CONNECT and SOCKS5 CONNECT to the target and forwards plain http://
// requests.
type PassProxy struct {
	// URL is the HTTP proxy's URL, http://127.0.0.1:port; SOCKSURL its
	// SOCKS5 face, socks5://127.0.0.1:port.
	URL      string
	SOCKSURL string

	srv  *server
	dial DialFunc
}

// StartPassProxy starts a pass-through proxy on loopback. dial connects to
// the targets (a test maps lab names to loopback ports with it); nil dials
// loopback addresses only and refuses any other.
func StartPassProxy(dial DialFunc) (*PassProxy, error) {
	if dial == nil {
		dial = loopbackOnly
	}
	srv, err := listen()
	if err != nil {
		return nil, err
	}
	p := &PassProxy{URL: srv.url(), SOCKSURL: srv.socksURL(), srv: srv, dial: dial}
	srv.start(p.handle, p.tunnel)
	return p, nil
}

// Requests returns the CONNECTs and plain requests the proxy passed.
func (p *PassProxy) Requests() []Request { return p.srv.requests() }

// Close stops the proxy and its tunnels.
func (p *PassProxy) Close() error { return p.srv.close() }

func (p *PassProxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(idle))
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), idle)
	defer cancel()
	if req.Method != http.MethodConnect {
		p.srv.record(Request{Method: req.Method, Host: req.URL.Host, Path: req.URL.RequestURI()})
		p.forward(ctx, c, req)
		return
	}
	p.srv.record(Request{Method: http.MethodConnect, Host: req.Host})
	up, err := p.dial(ctx, "tcp", req.Host)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		up.Close()
		return
	}
	pipe(c, br, up)
}

// tunnel connects an accepted SOCKS5 tunnel to host.
func (p *PassProxy) tunnel(c net.Conn, br *bufio.Reader, host string) {
	ctx, cancel := context.WithTimeout(context.Background(), idle)
	defer cancel()
	up, err := p.dial(ctx, "tcp", host)
	if err != nil {
		return
	}
	pipe(c, br, up)
}

// pipe copies both ways between a client connection and upstream, then
// closes upstream.
func pipe(c net.Conn, br *bufio.Reader, up net.Conn) {
	defer up.Close()
	_ = c.SetReadDeadline(time.Time{})
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); closeWrite(up); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

// forward sends a plain http:// request on and copies the answer back.
func (p *PassProxy) forward(ctx context.Context, c net.Conn, req *http.Request) {
	tr := &http.Transport{DialContext: p.dial, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	out := req.Clone(ctx)
	out.RequestURI = ""
	out.Header.Del("Proxy-Connection")
	resp, err := tr.RoundTrip(out)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer resp.Body.Close()
	resp.Close = true
	_ = resp.Write(c)
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// loopbackOnly dials loopback addresses and refuses any other.
func loopbackOnly(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("surveytest: refusing to dial %s: not a loopback address (give StartPassProxy a dial function)", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

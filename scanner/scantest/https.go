package scantest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// LabRequest is one request the lab's web servers received, for tests
// ("no POST was sent", "the tracker was called after reject").
type LabRequest struct {
	// Time is when it arrived.
	Time time.Time
	// Scheme is https or http.
	Scheme string
	// Host is the Host header's name, lower case, without the port.
	Host   string
	Method string
	// Path and Query are the URL's path and raw query.
	Path  string
	Query string
	// Referer is the Referer header, if any.
	Referer string
}

// maxLabRequests bounds the request log.
const maxLabRequests = 100000

// webServer serves every lab web host over HTTPS (by SNI and Host) and
// plain HTTP, and logs the requests.
type webServer struct {
	ca      *CA
	hosts   map[string]vhost
	libsDir string // node_modules with the consent libraries, "" for the fallback banners
	canary  string // the UDP canary's address, for the WebRTC page

	https, http *http.Server
	httpsAddr   string
	httpAddr    string

	mu   sync.Mutex
	reqs []LabRequest
}

// startWeb starts the lab's HTTPS and HTTP servers with a fresh CA, and
// writes the CA's certificate to a temporary file. The consent libraries
// are installed on first use (ConsentLibsDir); without them the pages use
// the lab's fallback banner and l.ConsentLibsError says why.
func (l *Lab) startWeb() error {
	hosts := vhosts()
	names := make([]string, 0, len(hosts))
	for h, v := range hosts {
		if v.https {
			names = append(names, h)
		}
	}
	slices.Sort(names)
	ca, err := NewCA(names)
	if err != nil {
		return err
	}
	s := &webServer{ca: ca, hosts: hosts}
	if l.UDPCanary != nil {
		s.canary = l.UDPCanary.Addr
	}
	if dir, err := ConsentLibsDir(); err == nil {
		s.libsDir = dir
	} else {
		l.ConsentLibsError = err.Error()
	}
	l.ConsentLibs = s.libsDir

	f, err := os.CreateTemp("", "vigie-lab-ca-*.pem")
	if err != nil {
		return fmt.Errorf("ca file: %w", err)
	}
	l.closers = append(l.closers, func() error {
		if err := os.Remove(f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
	_, werr := f.Write(ca.CertPEM)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("ca file: %w", err)
	}
	l.CA, l.CACertPEM, l.CACertFile = ca, ca.CertPEM, filepath.Clean(f.Name())

	quiet := log.New(io.Discard, "", 0) // browsers abort handshakes: not worth a log line
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("https listen: %w", err)
	}
	s.httpsAddr = tlsLn.Addr().String()
	s.https = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTPS),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quiet,
		TLSConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(hi *tls.ClientHelloInfo) (*tls.Certificate, error) {
				return ca.Certificate(hi.ServerName)
			},
		},
	}
	go func() { _ = s.https.ServeTLS(tlsLn, "", "") }()
	l.closers = append(l.closers, func() error { return closeServer(s.https) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("http listen: %w", err)
	}
	s.httpAddr = ln.Addr().String()
	s.http = &http.Server{Handler: http.HandlerFunc(s.servePlain), ReadHeaderTimeout: 10 * time.Second, ErrorLog: quiet}
	go func() { _ = s.http.Serve(ln) }()
	l.closers = append(l.closers, func() error { return closeServer(s.http) })

	l.web, l.HTTPSAddr, l.HTTPAddr = s, s.httpsAddr, s.httpAddr
	return nil
}

// closeServer stops srv, giving requests under way a moment.
func closeServer(srv *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return srv.Close()
	}
	return nil
}

// DialOverride maps every lab web host's ":443" to HTTPSAddr and ":80" to
// HTTPAddr, and so do the other names of the lab's zone that have an
// address (but HostTarpit, mapped to TarpitAddr), so that a browser or scanner using it never dials the
// documentation addresses the lab's DNS gives. Give it to the scanner
// (scanner.Options.DialOverride) and its proxy.
func (l *Lab) DialOverride() map[string]string {
	if l.web == nil {
		return nil
	}
	names := map[string]bool{}
	for h := range l.web.hosts {
		names[h] = true
	}
	for _, r := range defaultRecords() {
		if r.Type == dns.TypeA || r.Type == dns.TypeAAAA || r.Type == dns.TypeCNAME {
			names[strings.ToLower(strings.TrimSuffix(r.Name, "."))] = true
		}
	}
	m := make(map[string]string, 2*len(names))
	for n := range names {
		m[n+":443"] = l.HTTPSAddr
		m[n+":80"] = l.HTTPAddr
	}
	if l.TarpitAddr != "" {
		m[HostTarpit+":443"] = l.TarpitAddr
		m[HostTarpit+":80"] = l.TarpitAddr
	}
	return m
}

// Requests returns the requests the lab's web servers received so far, in
// order of arrival.
func (l *Lab) Requests() []LabRequest {
	if l.web == nil {
		return nil
	}
	l.web.mu.Lock()
	defer l.web.mu.Unlock()
	return slices.Clone(l.web.reqs)
}

// ConsultationWrites returns how many requests the lab's consultation
// hosts (LimeSurvey, Decidim) received, and those among them that were not
// GET or HEAD: vigie must never submit anything to a consultation.
func (l *Lab) ConsultationWrites() (seen int, writes []LabRequest) {
	for _, r := range l.Requests() {
		if r.Host != HostSurveys && r.Host != HostDecidim {
			continue
		}
		seen++
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writes = append(writes, r)
		}
	}
	return seen, writes
}

// log records a request.
func (s *webServer) log(r *http.Request, scheme string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) >= maxLabRequests {
		return
	}
	s.reqs = append(s.reqs, LabRequest{
		Time: time.Now(), Scheme: scheme, Host: requestHost(r), Method: r.Method,
		Path: r.URL.Path, Query: r.URL.RawQuery, Referer: r.Referer(),
	})
}

// requestHost is the request's host name, lower case, without the port.
func requestHost(r *http.Request) string {
	h := r.Host
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// serveHTTPS answers a request received over TLS.
func (s *webServer) serveHTTPS(w http.ResponseWriter, r *http.Request) {
	s.log(r, "https")
	host := requestHost(r)
	v, ok := s.hosts[host]
	if !ok || !v.https || (r.TLS != nil && !strings.EqualFold(r.TLS.ServerName, host)) {
		http.Error(w, "lab: this server does not serve "+host+" over HTTPS", http.StatusMisdirectedRequest)
		return
	}
	if v.hsts {
		w.Header().Set("Strict-Transport-Security", hstsValue)
	}
	s.serveHost(w, r, host, v)
}

// servePlain answers a request received over plain HTTP: the no-HTTPS site
// is served, every other lab host redirects to HTTPS.
func (s *webServer) servePlain(w http.ResponseWriter, r *http.Request) {
	s.log(r, "http")
	host := requestHost(r)
	v, ok := s.hosts[host]
	if !ok {
		http.Error(w, "lab: unknown host "+host, http.StatusNotFound)
		return
	}
	if !v.plain {
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	s.serveHost(w, r, host, v)
}

// serveHost answers a request for host: dynamic paths, consent libraries,
// then static pages.
func (s *webServer) serveHost(w http.ResponseWriter, r *http.Request, host string, v vhost) {
	if v.dynamic != nil && v.dynamic(s, w, r) {
		return
	}
	if s.serveLib(w, r, v.libs) {
		return
	}
	if s.serveStatic(w, r, host) {
		return
	}
	http.NotFound(w, r)
}

package proxy

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var loopback4 = netip.MustParsePrefix("127.0.0.0/8")

// resolver answers from a fixed table; names not in it fail, as NXDOMAIN would.
type resolver struct {
	mu    sync.Mutex
	table map[string][]string
	asked []string
}

func newResolver(kv ...string) *resolver {
	r := &resolver{table: map[string][]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.table[kv[i]] = append(r.table[kv[i]], kv[i+1])
	}
	return r
}

func (r *resolver) Resolve(_ context.Context, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	ss, ok := r.table[host]
	if !ok {
		return nil, fmt.Errorf("%s does not exist (NXDOMAIN)", host)
	}
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func (r *resolver) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.asked...)
}

// start starts a proxy closed at the end of the test.
func start(t *testing.T, cfg Config) *Proxy {
	t.Helper()
	p, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// client returns an HTTP client using the proxy, trusting srv's certificate
// when srv is a TLS server.
func client(p *Proxy, srv *httptest.Server) *http.Client {
	tr := &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: p.Addr}), DisableKeepAlives: true}
	if srv != nil && srv.TLS != nil {
		tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		tr.TLSClientConfig.ServerName = "example.com" // in httptest's certificate
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", u, err)
	}
	return resp.StatusCode, string(b)
}

// only returns the single recorded connection.
func only(t *testing.T, p *Proxy) evidence.Connection {
	t.Helper()
	cs := p.Connections()
	if len(cs) != 1 {
		t.Fatalf("want 1 connection, got %d: %+v", len(cs), cs)
	}
	return cs[0]
}

func TestConnectTunnel(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello over tls")
	}))
	defer srv.Close()
	res := newResolver("site.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	p.SetVisit("visit/initial")

	status, body := get(t, client(p, srv), "https://site.test:"+port(t, srv.Listener.Addr().String())+"/")
	if status != 200 || body != "hello over tls" {
		t.Fatalf("got %d %q", status, body)
	}
	c := only(t, p)
	want := evidence.Connection{ID: "conn/1", Visit: "visit/initial", Host: "site.test", Addresses: []string{"127.0.0.1"}, Dialed: srv.Listener.Addr().String()}
	if c.ID != want.ID || c.Visit != want.Visit || c.Host != want.Host || c.Dialed != want.Dialed ||
		strings.Join(c.Addresses, ",") != "127.0.0.1" || strconv.Itoa(c.Port) != port(t, srv.Listener.Addr().String()) {
		t.Errorf("connection = %+v, want like %+v", c, want)
	}
	// A TLS handshake and an answer went through, undecrypted, both ways.
	if c.BytesSent < 100 || c.BytesReceived < 100 {
		t.Errorf("bytes sent %d, received %d: want the TLS exchange counted", c.BytesSent, c.BytesReceived)
	}
	if c.Started.IsZero() || c.Refused != "" || c.Error != "" || c.Background {
		t.Errorf("connection = %+v", c)
	}
	if got := res.names(); len(got) != 1 || got[0] != "site.test" {
		t.Errorf("resolver asked %v, want [site.test]", got)
	}
}

// rawConnect opens a tunnel through the proxy with a raw CONNECT and returns
// the connection and the status line.
func rawConnect(t *testing.T, p *Proxy, authority string) (net.Conn, *bufio.Reader, int) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", authority, authority)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		c.Close()
		t.Fatalf("CONNECT %s: %v", authority, err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
	}
	return c, br, resp.StatusCode
}

// sink is a TCP server that reads exactly in bytes, answers out bytes and
// closes; it reports what it read on got.
func sink(t *testing.T, in, out int) (addr string, got <-chan int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan int, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- -1
			return
		}
		defer c.Close()
		n, _ := io.CopyN(io.Discard, c, int64(in))
		c.Write(make([]byte, out))
		ch <- int(n)
	}()
	return ln.Addr().String(), ch
}

func TestByteCounts(t *testing.T) {
	const in, out = 12345, 54321
	addr, got := sink(t, in, out)
	res := newResolver("bytes.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	c, br, status := rawConnect(t, p, "bytes.test:"+port(t, addr))
	if status != 200 {
		t.Fatalf("CONNECT: %d", status)
	}
	if _, err := c.Write(make([]byte, in)); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, br)
	c.Close()
	if err != nil || n != out {
		t.Fatalf("read %d bytes (%v), want %d", n, err, out)
	}
	if r := <-got; r != in {
		t.Fatalf("server read %d, want %d", r, in)
	}
	// The record is final once the tunnel's goroutines are done; wait for it
	// without a timed assertion.
	var cn evidence.Connection
	for range 500 {
		cn = only(t, p)
		if cn.BytesSent == in && cn.BytesReceived == out {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if cn.BytesSent != in || cn.BytesReceived != out {
		t.Errorf("bytes sent %d received %d, want %d %d", cn.BytesSent, cn.BytesReceived, in, out)
	}
}

func TestPlainHTTP(t *testing.T) {
	type seen struct {
		method, uri, host, body string
		header                  http.Header
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Host, string(b), r.Header.Clone()}
		w.Header().Set("X-End", "kept")
		fmt.Fprint(w, "plain answer")
	}))
	defer srv.Close()
	res := newResolver("vieux.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	p.SetVisit("visit/crawl/1")

	u := "http://vieux.test:" + port(t, srv.Listener.Addr().String()) + "/form?x=1"
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader("a=b"))
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "secret")
	req.Header.Set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
	req.Header.Set("X-End", "kept")
	resp, err := client(p, nil).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "plain answer" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	s := <-got
	if s.method != "POST" || s.uri != "/form?x=1" || s.body != "a=b" || !strings.HasPrefix(s.host, "vieux.test:") {
		t.Errorf("server saw %+v", s)
	}
	for _, h := range []string{"X-Hop", "Proxy-Authorization", "Proxy-Connection"} {
		if v := s.header.Get(h); v != "" {
			t.Errorf("hop-by-hop request header %s forwarded: %q", h, v)
		}
	}
	if s.header.Get("X-End") != "kept" {
		t.Errorf("end-to-end request header lost: %v", s.header)
	}
	if resp.Header.Get("X-End") != "kept" {
		t.Errorf("end-to-end response header lost: %v", resp.Header)
	}
	c := only(t, p)
	if c.Host != "vieux.test" || c.Visit != "visit/crawl/1" || c.Dialed != srv.Listener.Addr().String() ||
		c.BytesSent == 0 || c.BytesReceived == 0 || c.Error != "" {
		t.Errorf("connection = %+v", c)
	}
}

func TestPlainHTTPResponseHopByHop(t *testing.T) {
	// A raw server, since Go's own rewrites the Connection header.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: X-Server-Hop, close\r\nX-Server-Hop: 1\r\n"+
			"Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nX-End: kept\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"5\r\nplain\r\n7\r\n answer\r\n0\r\n\r\n")
	}()
	res := newResolver("vieux.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	resp, err := client(p, nil).Get("http://vieux.test:" + port(t, ln.Addr().String()) + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "plain answer" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	for _, h := range []string{"X-Server-Hop", "Keep-Alive", "Proxy-Authenticate"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("hop-by-hop response header %s forwarded: %q", h, v)
		}
	}
	if resp.Header.Get("X-End") != "kept" {
		t.Errorf("end-to-end response header lost: %v", resp.Header)
	}
}

func TestPlainHTTPDefaultPort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "port 80") }))
	defer srv.Close()
	res := newResolver("vieux.test", "198.51.100.20")
	p := start(t, Config{Resolve: res.Resolve, DialOverride: map[string]string{"VIEUX.test:80": srv.Listener.Addr().String()}})
	if status, body := get(t, client(p, nil), "http://vieux.test/"); status != 200 || body != "port 80" {
		t.Fatalf("got %d %q", status, body)
	}
	if c := only(t, p); c.Port != 80 || c.Dialed != srv.Listener.Addr().String() || strings.Join(c.Addresses, ",") != "198.51.100.20" {
		t.Errorf("connection = %+v", c)
	}
}

func TestDialOverride(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "lab") }))
	defer srv.Close()
	// A documentation address: never dialled, the override is.
	res := newResolver("jeparticipe.ville-exemple.fr", "198.51.100.17", "jeparticipe.ville-exemple.fr", "2001:db8:cf::11")
	p := start(t, Config{Resolve: res.Resolve, DialOverride: map[string]string{
		"jeparticipe.ville-exemple.fr:443": srv.Listener.Addr().String(),
	}})
	tr := client(p, srv).Transport.(*http.Transport)
	status, body := get(t, &http.Client{Transport: tr}, "https://jeparticipe.ville-exemple.fr/")
	if status != 200 || body != "lab" {
		t.Fatalf("got %d %q", status, body)
	}
	c := only(t, p)
	if c.Port != 443 || c.Dialed != srv.Listener.Addr().String() || strings.Join(c.Addresses, ",") != "198.51.100.17,2001:db8:cf::11" || c.Refused != "" {
		t.Errorf("connection = %+v", c)
	}
}

func TestRefusal(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "reached") }))
	defer echo.Close()
	lport := port(t, echo.Listener.Addr().String())
	res := newResolver(
		"loop.test", "127.0.0.1",
		"ten.test", "10.1.2.3",
		"meta.test", "169.254.169.254",
		"six.test", "::1",
		"mapped.test", "::ffff:127.0.0.1",
		"rfc1918.test", "192.168.1.1",
		"cgnat.test", "100.64.0.1",
		"mixed.test", "10.0.0.9",
		"mixed.test", "127.0.0.1",
	)
	tests := []struct {
		name      string
		allow     []netip.Prefix
		authority string
		refused   bool
		why       string
	}{
		{"loopback", nil, "loop.test:" + lport, true, "loopback"},
		{"loopback allowed", []netip.Prefix{loopback4}, "loop.test:" + lport, false, ""},
		{"private 10/8", nil, "ten.test:443", true, "private"},
		{"private 10/8 with loopback allowed", []netip.Prefix{loopback4}, "ten.test:443", true, "private"},
		{"link-local metadata", nil, "meta.test:80", true, "link-local"},
		{"ipv6 loopback", []netip.Prefix{loopback4}, "six.test:443", true, "loopback"},
		{"ipv4-mapped loopback", nil, "mapped.test:443", true, "loopback"},
		{"192.168/16", nil, "rfc1918.test:443", true, "private"},
		{"shared space", nil, "cgnat.test:443", true, "shared"},
		{"IP literal", nil, "10.0.0.1:443", true, "private"},
		{"IPv6 literal", nil, "[fe80::1]:443", true, "link-local"},
		{"the proxy itself", []netip.Prefix{loopback4}, "", true, "the proxy itself"},
		// A name with a refused and an allowed address: only the allowed one is dialled.
		{"mixed, allowed part dialled", []netip.Prefix{loopback4}, "mixed.test:" + lport, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, Config{Resolve: res.Resolve, AllowPrivate: tt.allow})
			authority := tt.authority
			if authority == "" {
				authority = p.Addr
			}
			c, _, status := rawConnect(t, p, authority)
			c.Close()
			rec := only(t, p)
			if tt.refused {
				if status != http.StatusForbidden {
					t.Errorf("status %d, want 403", status)
				}
				if !strings.Contains(rec.Refused, tt.why) || rec.Dialed != "" {
					t.Errorf("record = %+v, want refused (%s), not dialled", rec, tt.why)
				}
				return
			}
			if status != 200 || rec.Refused != "" || rec.Dialed != "127.0.0.1:"+lport {
				t.Errorf("status %d, record %+v: want a tunnel to 127.0.0.1:%s", status, rec, lport)
			}
		})
	}
}

func TestNonPublic(t *testing.T) {
	for _, tt := range []struct {
		addr, want string
	}{
		{"127.0.0.1", "loopback"}, {"127.255.0.9", "loopback"}, {"::1", "loopback"},
		{"10.0.0.1", "private"}, {"172.16.5.4", "private"}, {"192.168.0.1", "private"}, {"fd00::1", "private"},
		{"169.254.169.254", "link-local"}, {"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"}, {"0.1.2.3", "unspecified"}, {"::", "unspecified"},
		{"224.0.0.1", "multicast or broadcast"}, {"255.255.255.255", "multicast or broadcast"}, {"ff02::1", "multicast or broadcast"},
		{"240.0.0.1", "reserved"},
		{"100.64.0.1", "shared address space"}, {"::ffff:10.0.0.1", "private"},
		// Public and documentation addresses pass (the lab uses the latter).
		{"192.0.2.10", ""}, {"198.51.100.17", ""}, {"203.0.113.10", ""}, {"2001:db8::1", ""},
		{"8.8.8.8", ""}, {"172.32.0.1", ""}, {"100.128.0.1", ""},
	} {
		if got := nonPublic(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("nonPublic(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestPrivateRanges(t *testing.T) {
	for _, tt := range []struct {
		addrs []string
		want  string
	}{
		{[]string{"198.51.100.17", "2001:db8:cf::11"}, ""},
		{[]string{"10.1.2.3"}, "10.0.0.0/8"},
		{[]string{"10.1.2.3", "10.9.9.9", "198.51.100.1", "fd12::1"}, "10.0.0.0/8 fc00::/7"},
		{[]string{"127.0.0.1", "::1"}, "127.0.0.0/8 ::1/128"},
		{[]string{"::ffff:192.168.1.10"}, "192.168.0.0/16"},
		{nil, ""},
	} {
		var addrs []netip.Addr
		for _, a := range tt.addrs {
			addrs = append(addrs, netip.MustParseAddr(a))
		}
		var got []string
		for _, p := range PrivateRanges(addrs) {
			got = append(got, p.String())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("PrivateRanges(%v) = %v, want %s", tt.addrs, got, tt.want)
		}
	}
	// Allowing the target's range lets its neighbours through, no other range.
	allow := PrivateRanges([]netip.Addr{netip.MustParseAddr("10.1.2.3")})
	if why := Refusal(netip.MustParseAddr("10.200.0.1"), allow); why != "" {
		t.Errorf("neighbour in the target's range refused: %s", why)
	}
	if why := Refusal(netip.MustParseAddr("192.168.0.1"), allow); why == "" {
		t.Error("another private range allowed")
	}
}

func TestResolverFailure(t *testing.T) {
	res := newResolver()
	p := start(t, Config{Resolve: res.Resolve})
	for _, u := range []string{"https://gone.test/", "http://gone.test/page"} {
		resp, err := client(p, nil).Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("GET %s: status %d, want 502", u, resp.StatusCode)
			}
		} else if !strings.Contains(err.Error(), "Bad Gateway") {
			t.Errorf("GET %s: %v, want a 502", u, err)
		}
	}
	cs := p.Connections()
	if len(cs) != 2 {
		t.Fatalf("want 2 records, got %+v", cs)
	}
	for i, c := range cs {
		if c.ID != "conn/"+strconv.Itoa(i+1) || c.Host != "gone.test" || !strings.Contains(c.Error, "NXDOMAIN") || c.Dialed != "" || len(c.Addresses) != 0 {
			t.Errorf("record %d = %+v", i, c)
		}
	}
	if cs[0].Port != 443 || cs[1].Port != 80 {
		t.Errorf("ports %d %d, want 443 80", cs[0].Port, cs[1].Port)
	}
}

func TestDialFailure(t *testing.T) {
	// A port nothing listens on (taken, then freed).
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	res := newResolver("down.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	c, _, status := rawConnect(t, p, "down.test:"+port(t, addr))
	c.Close()
	if status != http.StatusBadGateway {
		t.Errorf("status %d, want 502", status)
	}
	if r := only(t, p); !strings.Contains(r.Error, "dial") || r.Dialed != "" || len(r.Addresses) != 1 {
		t.Errorf("record = %+v", r)
	}
}

func TestVisitLabels(t *testing.T) {
	res := newResolver()
	p := start(t, Config{Resolve: res.Resolve})
	for _, v := range []string{"visit/initial", "visit/reject", "visit/accept"} {
		p.SetVisit(v)
		c, _, _ := rawConnect(t, p, "nowhere.test:443")
		c.Close()
	}
	cs := p.Connections()
	want := []string{"visit/initial", "visit/reject", "visit/accept"}
	if len(cs) != len(want) {
		t.Fatalf("got %d records", len(cs))
	}
	for i, c := range cs {
		if c.ID != fmt.Sprintf("conn/%d", i+1) || c.Visit != want[i] {
			t.Errorf("record %d = %s %s, want conn/%d %s", i, c.ID, c.Visit, i+1, want[i])
		}
	}
}

// TestListenLabels shows that connections arriving at the same time on
// the endpoints opened by Listen keep their endpoint's label, whatever
// SetVisit says, and that a closed endpoint refuses new connections.
func TestListenLabels(t *testing.T) {
	res := newResolver()
	p := start(t, Config{Resolve: res.Resolve})
	p.SetVisit("visit/initial")
	labels := []string{"visit/reject", "visit/accept", "visit/legal/1"}
	addrs := make([]string, len(labels))
	closers := make([]func(), len(labels))
	for i, l := range labels {
		a, closeEndpoint, err := p.Listen(l)
		if err != nil {
			t.Fatal(err)
		}
		addrs[i], closers[i] = a, closeEndpoint
	}
	var wg sync.WaitGroup
	for _, a := range addrs {
		for range 3 {
			wg.Go(func() {
				c, err := net.Dial("tcp", a)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				fmt.Fprintf(c, "CONNECT nowhere.test:443 HTTP/1.1\r\nHost: nowhere.test:443\r\n\r\n")
				_, _ = bufio.NewReader(c).ReadString('\n')
			})
		}
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range p.Connections() {
		count[c.Visit]++
	}
	for _, l := range labels {
		if count[l] != 3 {
			t.Errorf("label %s: %d connections, want 3 (all: %v)", l, count[l], count)
		}
	}
	if count["visit/initial"] != 0 {
		t.Errorf("connections on labelled endpoints took SetVisit's label: %v", count)
	}
	closers[0]()
	if c, err := net.DialTimeout("tcp", addrs[0], time.Second); err == nil {
		c.Close()
		t.Errorf("closed endpoint %s still accepts connections", addrs[0])
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Listen("late"); err == nil {
		t.Error("Listen on a closed proxy succeeded")
	}
}

func TestBackgroundMarked(t *testing.T) {
	res := newResolver()
	p := start(t, Config{Resolve: res.Resolve})
	for _, a := range []string{"update.googleapis.com:443", "fonts.googleapis.com:443"} {
		c, _, _ := rawConnect(t, p, a)
		c.Close()
	}
	cs := p.Connections()
	if len(cs) != 2 || !cs[0].Background || cs[1].Background {
		t.Errorf("records = %+v, want the first only marked Background", cs)
	}
}

func TestIsBackground(t *testing.T) {
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"update.googleapis.com", true}, {"safebrowsing.googleapis.com", true},
		{"optimizationguide-pa.googleapis.com", true}, {"clients2.google.com", true},
		{"clients.google.com", true}, {"accounts.google.com", true}, {"edgedl.me.gvt1.com", true},
		{"r3---sn-abc.gvt1.com", true}, {"CLIENTS1.Google.com.", true},
		{"fonts.googleapis.com", false}, {"www.google-analytics.com", false},
		{"www.googletagmanager.com", false}, {"a.clients.google.com.evil.test", false},
		{"clients2.google.com.evil.test", false}, {"google.com", false}, {"", false},
	} {
		if got := IsBackground(tt.host); got != tt.want {
			t.Errorf("IsBackground(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

// socks5Server is a minimal SOCKS5 server (no authentication, CONNECT only)
// that connects every request to dest and records the requested targets.
type socks5Server struct {
	ln     net.Listener
	dest   string
	mu     sync.Mutex
	target []string
}

func startSOCKS5(t *testing.T, dest string) *socks5Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socks5Server{ln: ln, dest: dest}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *socks5Server) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil || hdr[0] != 5 {
		return
	}
	if _, err := io.ReadFull(br, make([]byte, hdr[1])); err != nil {
		return
	}
	c.Write([]byte{5, 0})
	req := make([]byte, 4)
	if _, err := io.ReadFull(br, req); err != nil || req[1] != 1 {
		return
	}
	var host string
	switch req[3] {
	case 1:
		b := make([]byte, 4)
		io.ReadFull(br, b)
		host = net.IP(b).String()
	case 3:
		l, _ := br.ReadByte()
		b := make([]byte, l)
		io.ReadFull(br, b)
		host = string(b)
	default:
		return
	}
	pb := make([]byte, 2)
	io.ReadFull(br, pb)
	s.mu.Lock()
	s.target = append(s.target, net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb)))))
	s.mu.Unlock()
	up, err := net.Dial("tcp", s.dest)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	go func() { io.Copy(up, br); up.(*net.TCPConn).CloseWrite() }()
	io.Copy(c, up)
}

func (s *socks5Server) targets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.target...)
}

func TestUpstreamSOCKS5(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "via socks") }))
	defer srv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "plain via socks "+r.RequestURI) }))
	defer plain.Close()
	for _, scheme := range []string{"socks5", "socks5h"} {
		t.Run(scheme, func(t *testing.T) {
			socksTLS := startSOCKS5(t, srv.Listener.Addr().String())
			socksPlain := startSOCKS5(t, plain.Listener.Addr().String())
			// Public documentation addresses: the upstream is asked for the
			// name, nothing dials these.
			res := newResolver("onion-like.test", "192.0.2.44", "socks.lab", "127.0.0.1")
			p := start(t, Config{Resolve: res.Resolve, Upstream: scheme + "://" + socksTLS.ln.Addr().String()})
			status, body := get(t, client(p, srv), "https://onion-like.test/")
			if status != 200 || body != "via socks" {
				t.Fatalf("got %d %q", status, body)
			}
			if got := socksTLS.targets(); len(got) != 1 || got[0] != "onion-like.test:443" {
				t.Errorf("socks server asked for %v, want [onion-like.test:443]", got)
			}
			c := only(t, p)
			if c.Dialed != socksTLS.ln.Addr().String() || strings.Join(c.Addresses, ",") != "192.0.2.44" || c.BytesReceived == 0 {
				t.Errorf("record = %+v", c)
			}

			// Plain HTTP through the same kind of upstream, whose name is
			// resolved with Config.Resolve too.
			p2 := start(t, Config{Resolve: res.Resolve, Upstream: scheme + "://socks.lab:" + port(t, socksPlain.ln.Addr().String())})
			status, body = get(t, client(p2, nil), "http://onion-like.test/p?q")
			if status != 200 || body != "plain via socks /p?q" {
				t.Fatalf("plain: got %d %q", status, body)
			}
			if got := socksPlain.targets(); len(got) != 1 || got[0] != "onion-like.test:80" {
				t.Errorf("socks server asked for %v", got)
			}
			if n := res.names(); !contains(n, "socks.lab") {
				t.Errorf("upstream name not resolved with Config.Resolve: %v", n)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// httpUpstream is a minimal HTTP proxy: CONNECT tunnels to dest, absolute-
// form requests answered directly; it records what it was asked and the
// Proxy-Authorization it got.
type httpUpstream struct {
	srv  *httptest.Server
	dest string
	mu   sync.Mutex
	seen []string
}

func startHTTPUpstream(t *testing.T, dest string, useTLS bool) *httpUpstream {
	u := &httpUpstream{dest: dest}
	u.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen = append(u.seen, r.Method+" "+r.RequestURI+" auth="+r.Header.Get("Proxy-Authorization"))
		u.mu.Unlock()
		if r.Method != http.MethodConnect {
			fmt.Fprint(w, "upstream answered "+r.URL.String())
			return
		}
		up, err := net.Dial("tcp", u.dest)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer up.Close()
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, brw); up.(*net.TCPConn).CloseWrite() }()
		io.Copy(c, up)
	}))
	if useTLS {
		u.srv.StartTLS()
	} else {
		u.srv.Start()
	}
	t.Cleanup(u.srv.Close)
	return u
}

func (u *httpUpstream) asked() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

func TestUpstreamHTTP(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "via http proxy") }))
	defer srv.Close()
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			up := startHTTPUpstream(t, srv.Listener.Addr().String(), scheme == "https")
			if scheme == "https" {
				upstreamRootCAs = x509.NewCertPool()
				upstreamRootCAs.AddCert(up.srv.Certificate())
				defer func() { upstreamRootCAs = nil }()
			}
			res := newResolver("site.test", "192.0.2.45")
			p := start(t, Config{Resolve: res.Resolve, Upstream: scheme + "://user:pw@" + up.srv.Listener.Addr().String()})
			status, body := get(t, client(p, srv), "https://site.test/")
			if status != 200 || body != "via http proxy" {
				t.Fatalf("got %d %q", status, body)
			}
			status, body = get(t, client(p, nil), "http://site.test/x")
			if status != 200 || body != "upstream answered http://site.test/x" {
				t.Fatalf("plain: got %d %q", status, body)
			}
			auth := "auth=Basic dXNlcjpwdw=="
			want := []string{"CONNECT site.test:443 " + auth, "GET http://site.test/x " + auth}
			if got := up.asked(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("upstream asked %q, want %q", got, want)
			}
			for _, c := range p.Connections() {
				if c.Dialed != up.srv.Listener.Addr().String() || c.Error != "" {
					t.Errorf("record = %+v", c)
				}
			}
		})
	}
}

func TestUpstreamRefusesTunnel(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied", http.StatusForbidden)
	}))
	defer up.Close()
	res := newResolver("site.test", "192.0.2.45")
	p := start(t, Config{Resolve: res.Resolve, Upstream: "http://" + up.Listener.Addr().String()})
	c, _, status := rawConnect(t, p, "site.test:443")
	c.Close()
	if status != http.StatusBadGateway {
		t.Errorf("status %d, want 502", status)
	}
	if r := only(t, p); !strings.Contains(r.Error, "403") {
		t.Errorf("record = %+v", r)
	}
}

func TestMalformed(t *testing.T) {
	res := newResolver()
	p := start(t, Config{Resolve: res.Resolve, MaxHeaderBytes: 1024})
	for _, tt := range []struct {
		name, req string
		status    int
	}{
		{"garbage", "\x16\x03\x01\x02\x00garbage\r\n\r\n", 400},
		{"origin form", "GET / HTTP/1.1\r\nHost: x.test\r\n\r\n", 400},
		{"ftp scheme", "GET ftp://x.test/ HTTP/1.1\r\nHost: x.test\r\n\r\n", 400},
		{"connect no port", "CONNECT x.test HTTP/1.1\r\nHost: x.test\r\n\r\n", 400},
		{"connect bad port", "CONNECT x.test:99999 HTTP/1.1\r\n\r\n", 400},
		{"connect bad host", "CONNECT a/b:443 HTTP/1.1\r\n\r\n", 400},
		{"headers too large", "GET http://x.test/ HTTP/1.1\r\nX-Big: " + strings.Repeat("a", 8000) + "\r\n\r\n", 431},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", p.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tt.req)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	if cs := p.Connections(); len(cs) != 0 {
		t.Errorf("malformed requests recorded as connections: %+v", cs)
	}
}

func TestMaxConns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	res := newResolver("hold.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}, MaxConns: 1})
	c1, _, status := rawConnect(t, p, "hold.test:"+port(t, ln.Addr().String()))
	defer c1.Close()
	if status != 200 {
		t.Fatalf("first CONNECT: %d", status)
	}
	c2, _, status := rawConnect(t, p, "hold.test:"+port(t, ln.Addr().String()))
	c2.Close()
	if status != http.StatusServiceUnavailable {
		t.Errorf("second CONNECT beyond MaxConns: %d, want 503", status)
	}
}

func TestIdleTunnelClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c) // silent: never writes
			c.Close()
		}
	}()
	res := newResolver("idle.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}, IdleTimeout: 50 * time.Millisecond})
	c, br, status := rawConnect(t, p, "idle.test:"+port(t, ln.Addr().String()))
	defer c.Close()
	if status != 200 {
		t.Fatalf("CONNECT: %d", status)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle tunnel not closed by the proxy: %v", err)
	}
	var r evidence.Connection
	for range 500 {
		if r = only(t, p); strings.Contains(r.Error, "idle") {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !strings.Contains(r.Error, "idle") {
		t.Errorf("record = %+v, want an idle timeout", r)
	}
}

// waitGoroutines waits, bounded, for the goroutine count to fall to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	var got int
	for range 1000 {
		if got = runtime.NumGoroutine(); got <= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Errorf("%d goroutines, want at most %d:\n%s", got, n, buf[:runtime.Stack(buf, true)])
}

func TestCloseWithOpenTunnels(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serverDone := make(chan struct{})
	var wg sync.WaitGroup
	go func() {
		defer close(serverDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { io.Copy(c, c); c.Close() }) // echo
		}
	}()
	before := runtime.NumGoroutine()

	res := newResolver("echo.test", "127.0.0.1")
	p, err := Start(t.Context(), Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var readers []*bufio.Reader
	for range 3 {
		c, br, status := rawConnect(t, p, "echo.test:"+port(t, ln.Addr().String()))
		if status != 200 {
			t.Fatalf("CONNECT: %d", status)
		}
		io.WriteString(c, "ping")
		b := make([]byte, 4)
		if _, err := io.ReadFull(br, b); err != nil || string(b) != "ping" {
			t.Fatalf("echo: %q %v", b, err)
		}
		conns, readers = append(conns, c), append(readers, br)
	}
	// One connection idle before any request, one in the middle of one.
	idle, _ := net.Dial("tcp", p.Addr)
	half, _ := net.Dial("tcp", p.Addr)
	io.WriteString(half, "CONNECT echo.test:1 HTTP/1.1\r\n")

	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, br := range readers {
		conns[i].SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := br.ReadByte(); err == nil {
			t.Errorf("tunnel %d still open after Close", i)
		}
		conns[i].Close()
	}
	idle.Close()
	half.Close()
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ln.Close()
	<-serverDone
	wg.Wait()
	waitGoroutines(t, before)
	if _, err := net.Dial("tcp", p.Addr); err == nil {
		t.Error("proxy still accepts after Close")
	}
	for _, c := range p.Connections() {
		if c.Duration <= 0 {
			t.Errorf("record %s not finished: %+v", c.ID, c)
		}
	}
}

func TestContextEndCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	res := newResolver()
	p, err := Start(ctx, Config{Resolve: res.Resolve})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	var dialErr error
	for range 1000 {
		var c net.Conn
		if c, dialErr = net.Dial("tcp", p.Addr); dialErr != nil {
			break
		}
		c.Close()
		time.Sleep(2 * time.Millisecond)
	}
	if dialErr == nil {
		t.Error("proxy still accepts after its context ended")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	res := newResolver()
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"no resolver", Config{}},
		{"bad upstream scheme", Config{Resolve: res.Resolve, Upstream: "ftp://127.0.0.1:21"}},
		{"upstream without host", Config{Resolve: res.Resolve, Upstream: "socks5://"}},
		{"upstream bad port", Config{Resolve: res.Resolve, Upstream: "http://127.0.0.1:99999"}},
		{"override without port", Config{Resolve: res.Resolve, DialOverride: map[string]string{"a.test": "127.0.0.1:1"}}},
		{"override target without port", Config{Resolve: res.Resolve, DialOverride: map[string]string{"a.test:443": "127.0.0.1"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := Start(t.Context(), tt.cfg); err == nil {
				p.Close()
				t.Error("Start succeeded")
			}
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if p, err := Start(ctx, Config{Resolve: res.Resolve}); err == nil {
		p.Close()
		t.Error("Start with a cancelled context succeeded")
	}
}

func TestTarget(t *testing.T) {
	for _, tt := range []struct {
		in   string
		def  int
		host string
		port int
		ok   bool
	}{
		{"a.test:443", 0, "a.test", 443, true},
		{"A.Test.:8443", 0, "a.test", 8443, true},
		{"a.test", 80, "a.test", 80, true},
		{"a.test", 0, "", 0, false},
		{"[2001:db8::1]:443", 0, "2001:db8::1", 443, true},
		{"[2001:db8::1]", 80, "2001:db8::1", 80, true},
		{"2001:db8::1", 80, "", 0, false},
		{"a.test:0", 0, "", 0, false},
		{"a.test:-1", 0, "", 0, false},
		{"a.test:http", 0, "", 0, false},
		{"a b.test:443", 0, "", 0, false},
		{"a..test:443", 0, "", 0, false},
		{"[fe80::1%eth0]:443", 0, "", 0, false},
		{":443", 0, "", 0, false},
		{strings.Repeat("a", 64) + ".test:443", 0, "", 0, false},
		{"xn--bcher-kva.test:443", 0, "xn--bcher-kva.test", 443, true},
	} {
		h, p, ok := target(tt.in, tt.def)
		if h != tt.host || p != tt.port || ok != tt.ok {
			t.Errorf("target(%q, %d) = %q %d %v, want %q %d %v", tt.in, tt.def, h, p, ok, tt.host, tt.port, tt.ok)
		}
	}
}

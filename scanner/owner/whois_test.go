package owner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testWhoisServer is a loopback TCP server whose connections are handled by
// a test's function; it records the query lines it read.
type testWhoisServer struct {
	addr    string
	accepts atomic.Int32
	mu      sync.Mutex
	queries []string
}

func (s *testWhoisServer) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

// startTestWhois serves each connection with handle, after reading the
// query line when readQuery is set. Everything stops at the test's end.
func startTestWhois(t *testing.T, readQuery bool, handle func(net.Conn)) *testWhoisServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testWhoisServer{addr: ln.Addr().String()}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepts.Add(1)
			connsMu.Lock()
			conns = append(conns, conn)
			connsMu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				if readQuery {
					line, _ := bufio.NewReader(conn).ReadString('\n')
					s.mu.Lock()
					s.queries = append(s.queries, line)
					s.mu.Unlock()
				}
				select {
				case <-done:
				default:
					handle(conn)
				}
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	return s
}

// answer returns a handler writing text and closing.
func answer(text string) func(net.Conn) {
	return func(c net.Conn) { _, _ = io.WriteString(c, text) }
}

// hold returns a handler that keeps the connection open, silent, until the
// connection is closed by either side.
func hold(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

func TestWhoisClientOverride(t *testing.T) {
	fixture := string(readWhoisFixture(t, "arin_cloudflare_ipv4.txt"))
	srv := startTestWhois(t, true, answer(fixture))
	c := NewWhoisClient(srv.addr, 5*time.Second)

	// Whatever the query, it goes to the override only, as one line,
	// without the library's IANA detour or registry prefix.
	queries := []struct{ in, sent, query string }{
		{"104.17.3.91", "104.17.3.91\r\n", "104.17.3.91"},
		{" 2606:4700::6811:45b ", "2606:4700::6811:45b\r\n", "2606:4700::6811:45b"},
		{"AS13335", "AS13335\r\n", "AS13335"},
		{"13335", "AS13335\r\n", "13335"},
		{"CLOUD14", "CLOUD14\r\n", "CLOUD14"}, // no dot: the library would ask IANA
		{"cloudflare.com.", "cloudflare.com\r\n", "cloudflare.com"},
	}
	for i, q := range queries {
		ans, err := c.Query(context.Background(), q.in)
		if err != nil {
			t.Fatalf("Query(%q): %v", q.in, err)
		}
		if !bytes.Equal(ans.Raw, []byte(fixture)) {
			t.Errorf("Query(%q): Raw differs from the server's answer (%d bytes, want %d)", q.in, len(ans.Raw), len(fixture))
		}
		if ans.Server != srv.addr || ans.Query != q.query || ans.Truncated {
			t.Errorf("Query(%q) = {Server %q, Query %q, Truncated %v}, want {%q, %q, false}",
				q.in, ans.Server, ans.Query, ans.Truncated, srv.addr, q.query)
		}
		if got := srv.Queries(); len(got) != i+1 || got[i] != q.sent {
			t.Errorf("Query(%q): server read %q, want %q", q.in, got[len(got)-1], q.sent)
		}
	}
}

func TestWhoisClientOverrideForms(t *testing.T) {
	srv := startTestWhois(t, true, answer("x: y\n"))
	_, port, _ := net.SplitHostPort(srv.addr)
	for _, server := range []string{srv.addr, "localhost:" + port} {
		ans, err := NewWhoisClient(server, 5*time.Second).Query(context.Background(), "192.0.2.1")
		if err != nil || string(ans.Raw) != "x: y\n" {
			t.Errorf("server %q: %q, %v", server, ans.Raw, err)
		}
	}
	if got := NewWhoisClient("whois.example.net", 0); got.server != "whois.example.net:43" || got.timeout != DefaultWhoisTimeout {
		t.Errorf("defaults: server %q, timeout %v", got.server, got.timeout)
	}
	if got := NewWhoisClient("::1", 0).server; got != "[::1]:43" {
		t.Errorf("IPv6 server without port = %q", got)
	}
	if got := NewWhoisClient("[::1]", 0).server; got != "[::1]:43" {
		t.Errorf("bracketed IPv6 server without port = %q", got)
	}
}

func TestWhoisClientOverrideIPv6Server(t *testing.T) {
	addr := startTestWhoisOn(t, "[::1]:0", answer("x: y\n"))
	ans, err := NewWhoisClient(addr, 5*time.Second).Query(context.Background(), "192.0.2.1")
	if err != nil || string(ans.Raw) != "x: y\n" || ans.Server != addr {
		t.Fatalf("IPv6 override %s: %q from %q, %v", addr, ans.Raw, ans.Server, err)
	}
}

// startTestWhoisOn serves handle on addr (for IPv6), skipping the test
// when addr cannot be listened on.
func startTestWhoisOn(t *testing.T, addr string, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listen %s: %v", addr, err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = bufio.NewReader(c).ReadString('\n')
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestWhoisClientOverrideNoReferral(t *testing.T) {
	referred := startTestWhois(t, true, answer("referred: yes\n"))
	body := "NetRange: 192.0.2.0 - 192.0.2.255\n" +
		"ReferralServer: whois://127.0.0.1:1\n" +
		"ReferralServer: rwhois://" + referred.addr + "\n" +
		"refer: " + referred.addr + "\n" +
		"whois: " + referred.addr + "\n"
	srv := startTestWhois(t, true, answer(body))
	ans, err := NewWhoisClient(srv.addr, 5*time.Second).Query(context.Background(), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Raw) != body {
		t.Errorf("Raw = %q, want the override's answer only", ans.Raw)
	}
	if n := referred.accepts.Load(); n != 0 {
		t.Errorf("referral server got %d connections", n)
	}
}

func TestWhoisClientTimeout(t *testing.T) {
	srv := startTestWhois(t, false, hold) // accepts, never reads nor answers
	c := NewWhoisClient(srv.addr, 200*time.Millisecond)
	ans, err := c.Query(context.Background(), "192.0.2.1")
	if err == nil {
		t.Fatalf("no error; answer %q", ans.Raw)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if want := "whois 192.0.2.1 at " + srv.addr + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}

func TestWhoisClientContextDeadline(t *testing.T) {
	srv := startTestWhois(t, true, hold)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := NewWhoisClient(srv.addr, time.Hour).Query(ctx, "192.0.2.1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestWhoisClientCancel(t *testing.T) {
	srv := startTestWhois(t, true, hold)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := NewWhoisClient(srv.addr, time.Hour).Query(ctx, "192.0.2.1")
		errc <- err
	}()
	// Cancel once the server holds the connection.
	for srv.accepts.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}

	// Already cancelled: no connection at all.
	before := srv.accepts.Load()
	if _, err := NewWhoisClient(srv.addr, time.Hour).Query(ctx, "192.0.2.1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if srv.accepts.Load() != before {
		t.Error("a cancelled query connected")
	}
}

func TestWhoisClientSizeCap(t *testing.T) {
	chunk := []byte(strings.Repeat("% filler filler filler filler filler filler filler\n", 1024))
	const total = 5 << 20
	srv := startTestWhois(t, true, func(c net.Conn) {
		for sent := 0; sent < total; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return // the client stopped reading
			}
		}
	})
	ans, err := NewWhoisClient(srv.addr, 30*time.Second).Query(context.Background(), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Raw) != MaxWhoisAnswer || !ans.Truncated {
		t.Fatalf("got %d bytes, truncated %v; want %d, true", len(ans.Raw), ans.Truncated, MaxWhoisAnswer)
	}
	if !bytes.Equal(ans.Raw[:len(chunk)], chunk) {
		t.Error("the kept part is not the start of the answer")
	}

	// Exactly the limit is not truncated.
	exact := bytes.Repeat([]byte("x"), MaxWhoisAnswer)
	srv2 := startTestWhois(t, true, func(c net.Conn) { _, _ = c.Write(exact) })
	ans, err = NewWhoisClient(srv2.addr, 30*time.Second).Query(context.Background(), "192.0.2.1")
	if err != nil || len(ans.Raw) != MaxWhoisAnswer || ans.Truncated {
		t.Fatalf("exact limit: %d bytes, truncated %v, %v", len(ans.Raw), ans.Truncated, err)
	}
}

func TestWhoisClientBadQueries(t *testing.T) {
	srv := startTestWhois(t, true, answer("x: y\n"))
	c := NewWhoisClient(srv.addr, time.Second)
	for _, q := range []string{"", "   ", "...", "192.0.2.1\r\n-i origin AS1", "a\x00b", strings.Repeat("a", 300)} {
		if _, err := c.Query(context.Background(), q); err == nil {
			t.Errorf("Query(%q) succeeded", q)
		}
	}
	if n := srv.accepts.Load(); n != 0 {
		t.Errorf("%d connections for refused queries", n)
	}
}

func TestWhoisClientEmptyAnswer(t *testing.T) {
	srv := startTestWhois(t, true, answer(""))
	if _, err := NewWhoisClient(srv.addr, time.Second).Query(context.Background(), "192.0.2.1"); err == nil {
		t.Fatal("empty answer accepted")
	}
}

func TestWhoisClientConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = NewWhoisClient(addr, time.Second).Query(context.Background(), "192.0.2.1")
	if err == nil || !strings.HasPrefix(err.Error(), "whois 192.0.2.1 at "+addr+": ") {
		t.Fatalf("err = %v", err)
	}
}

// TestWhoisClientRegistryPath follows the library's own path (no
// override): IANA, then the registry it names (with ARIN's "n + " prefix),
// then the registry's referral, each host name routed to a loopback server.
func TestWhoisClientRegistryPath(t *testing.T) {
	iana := startTestWhois(t, true, answer("% IANA WHOIS server\n\nrefer:        whois.arin.net\n\ninetnum:      104.0.0.0 - 104.255.255.255\n"))
	arinBody := "NetRange: 104.16.0.0 - 104.31.255.255\nReferralServer:  rwhois://rwhois.example.net:4321\n"
	arin := startTestWhois(t, true, answer(arinBody))
	rwhoisBody := "%rwhois V-1.5\nnetwork:Network-Name:EXAMPLE\n"
	rwhois := startTestWhois(t, true, answer(rwhoisBody))

	var mu sync.Mutex
	var dialed []string
	c := NewWhoisClient("", 5*time.Second)
	c.route = func(_ context.Context, addr string) ([]string, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		switch addr {
		case "whois.iana.org:43":
			return []string{iana.addr}, nil
		case "whois.arin.net:43":
			return []string{arin.addr}, nil
		case "rwhois.example.net:4321":
			return []string{rwhois.addr}, nil
		}
		return nil, fmt.Errorf("unexpected dial to %s", addr)
	}
	ans, err := c.Query(context.Background(), "104.17.3.91")
	if err != nil {
		t.Fatal(err)
	}
	if want := "whois.arin.net:43, rwhois.example.net:4321"; ans.Server != want {
		t.Errorf("Server = %q, want %q (dialed %v)", ans.Server, want, dialed)
	}
	if want := arinBody + rwhoisBody; string(ans.Raw) != want {
		t.Errorf("Raw = %q, want %q", ans.Raw, want)
	}
	if q := arin.Queries(); len(q) != 1 || q[0] != "n + 104.17.3.91\r\n" {
		t.Errorf("ARIN was asked %q", q)
	}
	if q := iana.Queries(); len(q) != 1 || q[0] != "104.17.3.91\r\n" {
		t.Errorf("IANA was asked %q", q)
	}

	// A referral that cannot be reached leaves the registry's answer.
	c.route = func(_ context.Context, addr string) ([]string, error) {
		switch addr {
		case "whois.iana.org:43":
			return []string{iana.addr}, nil
		case "whois.arin.net:43":
			return []string{arin.addr}, nil
		}
		return nil, errors.New("not public")
	}
	ans, err = c.Query(context.Background(), "104.17.3.91")
	if err != nil || string(ans.Raw) != arinBody || ans.Server != "whois.arin.net:43" {
		t.Errorf("unreachable referral: %q from %q, %v", ans.Raw, ans.Server, err)
	}

	// So does a referral that never answers within the timeout.
	silent := startTestWhois(t, true, hold)
	c = NewWhoisClient("", 300*time.Millisecond)
	c.route = func(_ context.Context, addr string) ([]string, error) {
		switch addr {
		case "whois.iana.org:43":
			return []string{iana.addr}, nil
		case "whois.arin.net:43":
			return []string{arin.addr}, nil
		}
		return []string{silent.addr}, nil
	}
	ans, err = c.Query(context.Background(), "104.17.3.91")
	if err != nil || string(ans.Raw) != arinBody || ans.Server != "whois.arin.net:43" {
		t.Errorf("silent referral: %q from %q, %v", ans.Raw, ans.Server, err)
	}

	// A registry that fails is an error naming it.
	c.route = func(_ context.Context, addr string) ([]string, error) {
		if addr == "whois.iana.org:43" {
			return []string{iana.addr}, nil
		}
		return []string{silent.addr}, nil
	}
	_, err = c.Query(context.Background(), "104.17.3.91")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), " at whois.arin.net:43: ") {
		t.Errorf("silent registry: err = %v", err)
	}
}

func TestPublicRoute(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:43", "localhost:43", "[::1]:43", "10.0.0.1:43", "192.168.1.1:4321", "169.254.169.254:80", "[fe80::1]:43", "0.0.0.0:43", "[::ffff:127.0.0.1]:43"} {
		if got, err := publicRoute(context.Background(), addr); err == nil {
			t.Errorf("publicRoute(%s) = %v, want an error", addr, got)
		}
	}
	got, err := publicRoute(context.Background(), "192.0.2.1:43")
	if err != nil || len(got) != 1 || got[0] != "192.0.2.1:43" {
		t.Errorf("publicRoute(192.0.2.1:43) = %v, %v", got, err)
	}
}

func TestWhoisClientRefusesLoopbackReferral(t *testing.T) {
	// The default route (no override) never dials loopback, so a hostile
	// referral to 127.0.0.1 fails at the dialer.
	s := &whoisSession{ctx: context.Background(), deadline: time.Now().Add(time.Second), route: publicRoute, budget: 10}
	if conn, err := s.Dial("tcp", "127.0.0.1:43"); err == nil {
		conn.Close()
		t.Fatal("dialed loopback")
	}
}

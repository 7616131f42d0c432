package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// TestOwnAnswersMarked: every answer the proxy makes up carries
// AnswerHeader; a site's own use of the header does not pass through.
func TestOwnAnswersMarked(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(AnswerHeader, "forged by the site")
		fmt.Fprint(w, "the site's page")
	}))
	defer site.Close()
	down, _ := net.Listen("tcp", "127.0.0.1:0")
	downPort := port(t, down.Addr().String())
	down.Close()
	res := newResolver("site.test", "127.0.0.1", "private.test", "10.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	for _, tt := range []struct {
		url    string
		status int
		marked bool
	}{
		{"http://site.test:" + port(t, site.Listener.Addr().String()) + "/", 200, false},
		{"http://site.test:" + downPort + "/", http.StatusBadGateway, true},
		{"http://private.test/", http.StatusForbidden, true},
		{"http://gone.test/", http.StatusBadGateway, true},
	} {
		resp, err := client(p, nil).Get(tt.url)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.url, err)
		}
		resp.Body.Close()
		mark := resp.Header.Get(AnswerHeader)
		if resp.StatusCode != tt.status || (mark != "") != tt.marked {
			t.Errorf("GET %s: %d, %s %q; want %d, marked %v", tt.url, resp.StatusCode, AnswerHeader, mark, tt.status, tt.marked)
		}
	}
}

// TestLargeResponseHeaders: a response whose headers Chromium accepts
// (up to 256 KiB) is forwarded whole, with the cookie it sets.
func TestLargeResponseHeaders(t *testing.T) {
	pad := strings.Repeat("x", 8000)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 20 { // 160 KB of headers
			w.Header().Set(fmt.Sprintf("X-Pad-%d", i), pad)
		}
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1.1", MaxAge: 400 * 24 * 3600})
		fmt.Fprint(w, "padded")
	}))
	defer site.Close()
	res := newResolver("pad.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4}})
	resp, err := client(p, nil).Get("http://pad.test:" + port(t, site.Listener.Addr().String()) + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || resp.Cookies()[0].Name != "_ga" || resp.Header.Get(AnswerHeader) != "" {
		t.Errorf("padded response: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	n, _ := net.LookupPort("tcp", port(t, site.Listener.Addr().String()))
	if !p.Answered("pad.test", n) || p.Answered("pad.test", n+1) {
		t.Errorf("answered: %v on its port, %v on another", p.Answered("pad.test", n), p.Answered("pad.test", n+1))
	}
}

// tarpit accepts connections and never answers; it returns its address.
func tarpit(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// TestSilentDestination: a destination that accepts and never answers is
// dropped SilentTimeout after the browser spoke, well before the idle
// timeout, and marked Silent; tunnel and plain HTTP alike.
func TestSilentDestination(t *testing.T) {
	pit := tarpit(t)
	res := newResolver("pit.test", "127.0.0.1")
	p := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4},
		IdleTimeout: time.Hour, SilentTimeout: 100 * time.Millisecond})
	pitPort := port(t, pit)
	n, _ := net.LookupPort("tcp", pitPort)
	if p.Silent("pit.test", n) {
		t.Fatal("silent before any connection")
	}

	// A tunnel: the browser's ClientHello is never answered.
	c, br, status := rawConnect(t, p, "pit.test:"+pitPort)
	defer c.Close()
	if status != 200 {
		t.Fatalf("CONNECT: %d", status)
	}
	// A tunnel where the browser has not spoken yet is not silent.
	time.Sleep(300 * time.Millisecond)
	if p.Silent("pit.test", n) {
		t.Error("silent before the browser spoke")
	}
	c.Write([]byte("\x16\x03\x01 client hello"))
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("silent tunnel not closed: %v", err)
	}
	// Marked before the tunnel is closed: the load it ends finds it so.
	if !p.Silent("PIT.test.", n) || p.Answered("pit.test", n) {
		t.Errorf("destination silent %v, answered %v; want marked silent when its tunnel closes", p.Silent("pit.test", n), p.Answered("pit.test", n))
	}
	// The record is completed as the tunnel's goroutines end.
	var r evidence.Connection
	for range 500 {
		if r = p.Connections()[0]; strings.Contains(r.Error, "silent server") {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !strings.Contains(r.Error, "silent server") {
		t.Errorf("record = %+v", r)
	}

	// Plain HTTP: no response headers.
	p2 := start(t, Config{Resolve: res.Resolve, AllowPrivate: []netip.Prefix{loopback4},
		IdleTimeout: time.Hour, SilentTimeout: 100 * time.Millisecond})
	resp, err := client(p2, nil).Get("http://pit.test:" + pitPort + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || resp.Header.Get(AnswerHeader) == "" || !p2.Silent("pit.test", n) {
		t.Errorf("plain HTTP to a tarpit: %d %q, silent %v", resp.StatusCode, resp.Header.Get(AnswerHeader), p2.Silent("pit.test", n))
	}
}

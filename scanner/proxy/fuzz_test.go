package proxy

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeConn is a browser connection that sends fixed bytes and swallows the
// answers, so that the fuzz target never touches the network.
type fakeConn struct {
	in      *bytes.Reader
	written int
}

func (c *fakeConn) Read(b []byte) (int, error)  { return c.in.Read(b) }
func (c *fakeConn) Write(b []byte) (int, error) { c.written += len(b); return len(b), nil }
func (c *fakeConn) Close() error                { return nil }
func (c *fakeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (c *fakeConn) RemoteAddr() net.Addr        { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (c *fakeConn) SetDeadline(time.Time) error { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error {
	return nil
}
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzServeConn feeds arbitrary bytes from the "browser" to the proxy. Every
// name resolves to a refused address or not at all, so no name is dialled;
// a public IP literal is allowed, and its dial fails in the harness (the
// fuzz never touches the network). The proxy must not panic, must return,
// must never attempt a non-public address and must keep its records sane.
func FuzzServeConn(f *testing.F) {
	for _, s := range []string{
		"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n",
		"GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nConnection: X, close\r\nX: 1\r\n\r\n",
		"POST http://b.test:8080/ HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET http://a.test/ HTTP/1.1\r\n\r\n",
		"POST http://a.test/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"CONNECT [::1]:443 HTTP/1.1\r\n\r\n",
		"CONNECT 10.0.0.1:22 HTTP/1.0\r\n\r\n",
		"GET http://[fe80::1%25eth0]/ HTTP/1.1\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
		"GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", 50) + "\r\n",
		"CONNECT a.test:443 HTTP/1.1\r\nHost: x\r\n\r\n\x16\x03\x01 hello",
		"GET http://a.test/ HTTP/9.9\r\n\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	res := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch {
		case strings.HasPrefix(host, "a."):
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case strings.HasPrefix(host, "b."):
			return []netip.Addr{netip.MustParseAddr("10.9.8.7"), netip.MustParseAddr("::ffff:192.168.0.1")}, nil
		}
		return nil, errors.New("NXDOMAIN")
	}
	p, err := Start(context.Background(), Config{Resolve: res, MaxHeaderBytes: 2048})
	if err != nil {
		f.Fatal(err)
	}
	defer p.Close()
	var mu sync.Mutex
	var attempted []string
	p.dialer.tcp = func(_ context.Context, addr string) (net.Conn, error) {
		mu.Lock()
		attempted = append(attempted, addr)
		mu.Unlock()
		return nil, errors.New("fuzz harness: no network")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := len(p.Connections())
		mu.Lock()
		attempted = attempted[:0]
		mu.Unlock()
		c := &fakeConn{in: bytes.NewReader(data)}
		p.serveConn(c, "")
		mu.Lock()
		for _, a := range attempted {
			ap, err := netip.ParseAddrPort(a)
			if err != nil || !ap.Addr().IsGlobalUnicast() || ap.Addr().IsPrivate() {
				t.Fatalf("a non-public address was attempted: %s", a)
			}
		}
		mu.Unlock()
		for _, r := range p.Connections()[before:] {
			if r.Dialed != "" || r.BytesSent != 0 || r.BytesReceived != 0 {
				t.Fatalf("something was dialled: %+v", r)
			}
			if r.Refused == "" && r.Error == "" {
				t.Fatalf("record neither refused nor failed: %+v", r)
			}
			if !validHost(r.Host) || r.Port < 1 || r.Port > 65535 {
				t.Fatalf("invalid destination recorded: %+v", r)
			}
		}
	})
}

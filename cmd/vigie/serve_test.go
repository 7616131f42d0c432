package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeStartsAndStops runs `vigie serve` on a free loopback port, reads
// the address it prints, loads its page and stops it as Ctrl-C would.
func TestServeStartsAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--cache-dir="}, &stdout, &stderr)
	}()
	addr := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/) in a browser`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no address:\n%s", stderr.String())
		}
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `name="url"`) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET %s: %d, CSP %q", url, resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	if strings.Contains(stderr.String(), "public-service") {
		t.Error("a loopback server says it is public")
	}
	cancel()
	select {
	case c := <-code:
		if c != exitOK || !strings.Contains(stderr.String(), "stopped") {
			t.Errorf("serve stopped with exit %d:\n%s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if stdout.String() != "" {
		t.Errorf("serve wrote on stdout: %q", stdout.String())
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0") // holds a port: "address in use"
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--listen", "8080"}, "HOST:PORT"},
		{[]string{"serve", "--jobs", "0"}, "--jobs"},
		{[]string{"serve", "--listen", busy.Addr().String(), "--data", t.TempDir()}, "--listen"},
		{[]string{"serve", "--policy", "/nonexistent.yaml"}, "nonexistent.yaml"},
		{[]string{"serve", "extra"}, "extra"},
	} {
		code, _, errs := vigie(t, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %q, want %d naming %q", tc.args, code, errs, exitUsage, tc.want)
		}
	}
}

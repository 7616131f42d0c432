package browser

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// sink is the browser-wide proxy: it refuses every connection and notes
// its destination. Visits have their own proxy (the recording one), so only
// Chromium's own traffic reaches it.
type sink struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []evidence.Connection
	wg    sync.WaitGroup
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: background sink: %w", err)
	}
	s := &sink{ln: ln}
	s.wg.Go(s.serve)
	return s, nil
}

func (s *sink) addr() string { return s.ln.Addr().String() }

func (s *sink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.refuse(c) })
	}
}

// refuse reads the request line, notes the host and answers 403.
func (s *sink) refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
	started := time.Now().UTC()
	if err == nil {
		method, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		target, _, _ := strings.Cut(rest, " ")
		host, port := sinkTarget(method, target)
		if host != "" {
			s.mu.Lock()
			if len(s.conns) < 200 {
				s.conns = append(s.conns, evidence.Connection{
					ID: fmt.Sprintf("bg/%d", len(s.conns)+1), Host: host, Port: port, Started: started,
					Refused: "the browser's own traffic, not the page's: refused", Background: true,
				})
			}
			s.mu.Unlock()
		}
	}
	_, _ = c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
}

// sinkTarget extracts host and port from a proxy request line's target.
func sinkTarget(method, target string) (string, int) {
	hostport := target
	if method != "CONNECT" {
		rest, ok := strings.CutPrefix(target, "http://")
		if !ok {
			return "", 0
		}
		hostport, _, _ = strings.Cut(rest, "/")
		if !strings.Contains(hostport, ":") {
			hostport += ":80"
		}
	}
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0
	}
	port, _ := strconv.Atoi(p)
	return strings.ToLower(h), port
}

func (s *sink) connections() []evidence.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.conns)
}

func (s *sink) close() {
	s.ln.Close()
	s.wg.Wait()
}

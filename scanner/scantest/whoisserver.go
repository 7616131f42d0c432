package scantest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	whoisConnTimeout = 5 * time.Second // to read the query, and to write the answer
	maxWhoisQueryLen = 1024
)

// WhoisServer is a loopback whois (TCP, RFC 3912) server answering from fixtures.
//
// A query line is trimmed and lower-cased, and a leading "n + " or "a + "
// (ARIN's network and AS prefixes, which github.com/likexian/whois adds for
// whois.arin.net) is stripped. It is answered by the fixture of the same
// key, else, for an IP address, by the most specific CIDR key containing
// it ("198.51.100.0/24"), else by a "No match found" answer. Each
// connection carries one query and is closed after the answer.
type WhoisServer struct {
	// Addr is the server's host:port on 127.0.0.1.
	Addr string

	ln       net.Listener
	exact    map[string]string
	prefixes []whoisPrefix // most specific first

	mu     sync.Mutex
	hits   map[string]int
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

type whoisPrefix struct {
	prefix netip.Prefix
	key    string
}

// StartWhoisServer starts a WhoisServer on 127.0.0.1 (a free port) that
// answers from answers, keyed by query (an IP, a CIDR, "as13335", a handle
// or a domain; case does not matter).
func StartWhoisServer(answers map[string]string) (*WhoisServer, error) {
	s := &WhoisServer{
		exact: make(map[string]string, len(answers)),
		hits:  map[string]int{},
		conns: map[net.Conn]struct{}{},
	}
	for k, v := range answers {
		key := normalizeWhoisQuery(k)
		s.exact[key] = v
		if p, err := netip.ParsePrefix(key); err == nil {
			s.prefixes = append(s.prefixes, whoisPrefix{prefix: p.Masked(), key: key})
		}
	}
	slices.SortFunc(s.prefixes, func(a, b whoisPrefix) int {
		if a.prefix.Bits() != b.prefix.Bits() {
			return b.prefix.Bits() - a.prefix.Bits()
		}
		return strings.Compare(a.key, b.key)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.Addr = ln.Addr().String()
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Hits returns how many queries were asked as query (normalised like the
// server does), plus, for a fixture key, how many it answered (an IP
// answered by a CIDR key counts for both the IP and the key).
func (s *WhoisServer) Hits(query string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[normalizeWhoisQuery(query)]
}

// Close stops the server, ends open connections and waits for them.
func (s *WhoisServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *WhoisServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			time.Sleep(10 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.handle(conn)
	}
}

func (s *WhoisServer) handle(conn net.Conn) {
	defer s.wg.Done()
	defer func() {
		_ = conn.Close()
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
	}()
	_ = conn.SetDeadline(time.Now().Add(whoisConnTimeout))
	line, err := bufio.NewReader(io.LimitReader(conn, maxWhoisQueryLen)).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return
	}
	q := normalizeWhoisQuery(line)
	answer, key := s.lookup(q)
	s.mu.Lock()
	s.hits[q]++
	if key != "" && key != q {
		s.hits[key]++
	}
	s.mu.Unlock()
	_, _ = io.WriteString(conn, answer)
}

// lookup returns the answer to q and the fixture key that gave it ("" for
// no match).
func (s *WhoisServer) lookup(q string) (answer, key string) {
	if a, ok := s.exact[q]; ok {
		return a, q
	}
	if ip, err := netip.ParseAddr(q); err == nil {
		for _, p := range s.prefixes {
			if p.prefix.Contains(ip) {
				return s.exact[p.key], p.key
			}
		}
	}
	return "%\n% No match found for \"" + q + "\".\n%\n", ""
}

// normalizeWhoisQuery trims and lower-cases a query, strips ARIN's "n + "
// and "a + " prefixes and control characters, and writes IP addresses and
// prefixes canonically.
func normalizeWhoisQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(q))
	q = strings.TrimSpace(q)
	for _, p := range []string{"n + ", "a + "} {
		q = strings.TrimSpace(strings.TrimPrefix(q, p))
	}
	if ip, err := netip.ParseAddr(q); err == nil {
		return ip.String()
	}
	if p, err := netip.ParsePrefix(q); err == nil {
		return p.Masked().String()
	}
	return q
}

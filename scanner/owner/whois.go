package owner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/likexian/whois"
)

const (
	// DefaultWhoisTimeout bounds a whois query, referrals included, when
	// NewWhoisClient is given no timeout.
	DefaultWhoisTimeout = 10 * time.Second
	// MaxWhoisAnswer is the most bytes of whois answer a query keeps; the
	// rest is not read.
	MaxWhoisAnswer = 1 << 20

	maxWhoisQueryLen = 255
)

// WhoisClient queries whois servers with explicit deadlines and bounded answers.
//
// It relies on github.com/likexian/whois for the choice of server (IANA,
// then the registry it names, then one referral) and for the registries'
// query conventions (ARIN's "n + " prefix), and supplies its own dialer:
// every connection carries the query's deadline, is closed when the
// context is done, and stops reading at MaxWhoisAnswer bytes. With a
// server override every connection goes to the override, whatever the
// query and whatever the library would have asked for, and referrals are
// not followed. Without one, only public addresses are dialed, since
// referrals name hosts chosen by whoever answered. A WhoisClient is safe
// for concurrent use.
type WhoisClient struct {
	server  string // "host:port", or "" for the registries' servers
	timeout time.Duration
	// route gives the addresses to dial for the host:port the library
	// asks for, in order of preference.
	route func(ctx context.Context, addr string) ([]string, error)
}

// ErrWhoisUnreachable is wrapped by the error of a query for which no
// connection could be made at all (the server's name does not resolve,
// nothing listens, no route): the server is down, not slow.
var ErrWhoisUnreachable = errors.New("whois server unreachable")

// WhoisAnswer is a whois server's answer to one query.
type WhoisAnswer struct {
	// Server is the host:port that answered; when a referral was followed,
	// the servers whose answers make up Raw, comma-separated, in order.
	Server string
	// Query is the query asked, trimmed. The library may send it with a
	// registry's prefix (ARIN: "n + " for networks, "a + " for AS numbers)
	// and adds "AS" before a bare AS number.
	Query string
	// Raw is the answer exactly as received (the referral's answer
	// appended when one was followed), at most MaxWhoisAnswer bytes.
	Raw []byte
	// Truncated reports that the answer was cut at the byte limit: the
	// servers sent more than MaxWhoisAnswer bytes in all.
	Truncated bool
}

// NewWhoisClient returns a client. server is a "host:port" (the port
// defaults to 43) that receives every query; "" lets the library find the
// registry's server through IANA and follow referrals. timeout bounds each
// Query as a whole; 0 or less means DefaultWhoisTimeout.
func NewWhoisClient(server string, timeout time.Duration) *WhoisClient {
	if timeout <= 0 {
		timeout = DefaultWhoisTimeout
	}
	c := &WhoisClient{timeout: timeout, route: publicRoute}
	if server = strings.TrimSpace(server); server != "" {
		c.server = withWhoisPort(server)
		c.route = func(context.Context, string) ([]string, error) {
			return []string{c.server}, nil
		}
	}
	return c
}

// withWhoisPort adds port 43 to a server given without one.
func withWhoisPort(server string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	return net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(server, "["), "]"), "43")
}

// Query sends query (an IP address, an AS number, a handle or a domain)
// and returns the answer. The context and the client's timeout both bound
// the whole exchange. Errors read "whois <query> at <server>: …"; a
// timeout or cancellation wraps context.DeadlineExceeded or
// context.Canceled, a server no connection could be made to
// ErrWhoisUnreachable.
func (c *WhoisClient) Query(ctx context.Context, query string) (WhoisAnswer, error) {
	// The library trims the same way; doing it here keeps Query exact.
	q := strings.Trim(strings.TrimSpace(query), ".")
	ans := WhoisAnswer{Server: c.server, Query: q}
	label := c.server
	if label == "" {
		label = "registry"
	}
	if err := checkWhoisQuery(q); err != nil {
		return ans, fmt.Errorf("whois %q at %s: %w", query, label, err)
	}

	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	s := &whoisSession{ctx: ctx, deadline: deadline, route: c.route, budget: MaxWhoisAnswer + 1}

	cl := whois.NewClient().
		SetDialer(s).
		SetTimeout(time.Until(deadline)).
		SetDisableStats(true)
	var servers []string
	if c.server != "" {
		// The dialer sends every connection to the override anyway; naming
		// it keeps the library's per-server conventions (whois.arin.net).
		cl.SetDisableReferral(true)
		servers = []string{c.server}
	}
	_, err := cl.Whois(q, servers...)

	// Without an override and for a query the library routes through IANA
	// first (anything with a dot or a colon, and AS numbers), the first
	// connection only found the registry; it is not part of the answer.
	attempts := s.attempts()
	connected := false
	for _, a := range attempts {
		connected = connected || a.conn != nil
	}
	if c.server == "" && (strings.ContainsAny(q, ".:") || whois.IsASN(q)) && len(attempts) > 1 {
		attempts = attempts[1:]
	}
	if len(attempts) > 0 && c.server == "" {
		label = attempts[len(attempts)-1].name
	}
	// The library fails the whole query when a referral fails; the
	// registry's own answer is kept then (unless the caller gave up).
	referralFailed := c.server == "" && len(attempts) > 1 && attempts[0].complete() && parent.Err() == nil
	if err != nil && !referralFailed {
		switch {
		case !connected && len(attempts) > 0 && parent.Err() == nil:
			// Not a slow answer: no connection could be made at all.
			return ans, fmt.Errorf("whois %s at %s: %w: %v", q, label, ErrWhoisUnreachable, err)
		case ctx.Err() != nil:
			err = context.Cause(ctx)
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = context.DeadlineExceeded
		}
		return ans, fmt.Errorf("whois %s at %s: %w", q, label, err)
	}

	// The library's result is not used: it trims the text.
	var raw bytes.Buffer
	var names []string
	for _, a := range attempts {
		if a.complete() {
			raw.Write(a.conn.buf.Bytes())
			names = append(names, a.name)
		}
	}
	if c.server == "" {
		ans.Server = strings.Join(names, ", ")
	}
	ans.Truncated = s.truncated()
	ans.Raw = raw.Bytes()
	if len(ans.Raw) > MaxWhoisAnswer {
		ans.Raw = ans.Raw[:MaxWhoisAnswer]
	}
	if len(ans.Raw) == 0 {
		return ans, fmt.Errorf("whois %s at %s: empty answer", q, label)
	}
	return ans, nil
}

// checkWhoisQuery refuses empty or oversized queries, and queries that
// would send the server more than one line.
func checkWhoisQuery(q string) error {
	if q == "" {
		return errors.New("empty query")
	}
	if len(q) > maxWhoisQueryLen {
		return errors.New("query too long")
	}
	if strings.ContainsFunc(q, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errors.New("control character in query")
	}
	return nil
}

// publicRoute resolves the host the library asks for and keeps its public
// addresses: a referral must not make vigie connect to loopback, private
// or link-local services.
func publicRoute(ctx context.Context, addr string) ([]string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ip := range ips {
		if isPublicAddr(ip) {
			out = append(out, net.JoinHostPort(ip.Unmap().String(), port))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no public address", host)
	}
	return out, nil
}

func isPublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && ip.Zone() == ""
}

// whoisSession is the dialer of one Query: it knows the deadline, the
// context and the byte budget shared by every connection the library opens.
type whoisSession struct {
	ctx      context.Context
	deadline time.Time
	route    func(ctx context.Context, addr string) ([]string, error)

	mu      sync.Mutex
	budget  int // bytes still allowed, one more than MaxWhoisAnswer at start
	dialLog []whoisAttempt
}

// whoisAttempt is one connection the library asked for: the host:port it
// named, and the connection when one was made.
type whoisAttempt struct {
	name string
	conn *whoisConn
}

// complete reports that the connection was read to its end.
func (a whoisAttempt) complete() bool { return a.conn != nil && a.conn.complete }

// Dial implements golang.org/x/net/proxy.Dialer for the library.
func (s *whoisSession) Dial(network, addr string) (net.Conn, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.dialLog = append(s.dialLog, whoisAttempt{name: addr})
	i := len(s.dialLog) - 1
	s.mu.Unlock()
	targets, err := s.route(s.ctx, addr)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Deadline: s.deadline}
	var conn net.Conn
	for _, t := range targets {
		if conn, err = d.DialContext(s.ctx, network, t); err == nil {
			break
		}
	}
	if conn == nil {
		if err == nil {
			err = errors.New("nowhere to dial")
		}
		return nil, err
	}
	_ = conn.SetDeadline(s.deadline)
	wc := &whoisConn{Conn: conn, s: s, name: addr}
	wc.stop = context.AfterFunc(s.ctx, func() { _ = conn.Close() })
	s.mu.Lock()
	s.dialLog[i].conn = wc
	s.mu.Unlock()
	return wc, nil
}

// take reserves up to n bytes of the budget.
func (s *whoisSession) take(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(n, s.budget)
	s.budget -= n
	return n
}

// give returns reserved bytes that were not read.
func (s *whoisSession) give(unused int) {
	s.mu.Lock()
	s.budget += unused
	s.mu.Unlock()
}

func (s *whoisSession) attempts() []whoisAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]whoisAttempt(nil), s.dialLog...)
}

func (s *whoisSession) truncated() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.budget == 0
}

// whoisConn is one connection of a session: it keeps a copy of what it
// read, clamps deadlines to the session's, and ends at the byte budget.
type whoisConn struct {
	net.Conn
	s        *whoisSession
	name     string // host:port as the library asked for it
	buf      bytes.Buffer
	complete bool // read to the end (EOF or budget)
	stop     func() bool
	once     sync.Once
}

func (c *whoisConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	allowed := c.s.take(len(p))
	if allowed == 0 {
		c.complete = true
		return 0, io.EOF
	}
	n, err := c.Conn.Read(p[:allowed])
	c.s.give(allowed - n)
	c.buf.Write(p[:n])
	if err == io.EOF {
		c.complete = true
	}
	return n, err
}

func (c *whoisConn) SetDeadline(t time.Time) error {
	return c.Conn.SetDeadline(c.clamp(t))
}

func (c *whoisConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t))
}

func (c *whoisConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

func (c *whoisConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.s.deadline) {
		return c.s.deadline
	}
	return t
}

func (c *whoisConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.stop() })
	return err
}

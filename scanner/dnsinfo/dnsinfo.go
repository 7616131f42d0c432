// Package dnsinfo is vigie's DNS collector: it asks one configurable
// resolver (github.com/miekg/dns) about the names a scan meets, follows
// their CNAME chains to addresses, gathers the records of the zones of
// interest (NS, MX, SPF, DMARC, CAA, DNSSEC) and keeps every question and
// raw answer as evidence.
//
// A Client belongs to one scan: it asks each question (name and type) once,
// however many stages and goroutines ask it, and remembers every lookup so
// that the report can show what each conclusion rests on. Scans of a batch
// share one cache of answers through views (Client.View): each view asks
// the resolver only what no scan asked before, and reports the lookups its
// own scan relied on. Resolver failures
// (NXDOMAIN, SERVFAIL, timeouts) are observations, recorded in the evidence,
// never errors that stop a scan.
package dnsinfo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/singleflight"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// Defaults and bounds of a Client.
const (
	defaultTimeout = 2 * time.Second
	defaultRetries = 2
	maxRetries     = 10

	// udpSize is the EDNS0 buffer size advertised (the DNS flag day 2020 value).
	udpSize = 1232
	// maxAnswers bounds the answer records kept per lookup.
	maxAnswers = 100
	// maxData bounds the length of one record's Data, in bytes.
	maxData = 4096
	// maxLookups bounds the lookups one Client (one scan) makes and
	// remembers; past it, new questions are answered with an ERROR lookup
	// without a query. It bounds the lookups cut short by a context the
	// same way.
	maxLookups = 50000
	// maxShared bounds the answers the views of one Client share; past it,
	// the shared cache starts afresh (a long batch asks again).
	maxShared = 4 * maxLookups
)

// resolvConf is the system resolver configuration read when Config.Server
// is empty; a variable so that tests can point it elsewhere.
var resolvConf = "/etc/resolv.conf"

// Config configures a Client.
type Config struct {
	// Server is the resolver as "host:port". Empty means the system's: the
	// first server of /etc/resolv.conf. A bare host gets port 53.
	Server string
	// Timeout bounds each query attempt; zero means 2s.
	Timeout time.Duration
	// Retries is the number of extra attempts after a timeout; zero means
	// 2, a negative value means none, and more than 10 means 10.
	Retries int
}

// Client asks one resolver DNS questions on behalf of one scan, asking each
// question once and recording every lookup. It is safe for concurrent use.
type Client struct {
	*store
	// asked holds the IDs of the questions this client (this scan) asked:
	// the lookups it reports.
	askedMu sync.Mutex
	asked   map[string]bool
}

// store is what the views of a Client share: the resolver and the answers.
type store struct {
	server  string
	timeout time.Duration
	retries int
	udp     *dns.Client
	tcp     *dns.Client

	flight singleflight.Group

	mu sync.Mutex
	// done holds the completed lookups by ID; they answer later questions.
	done map[string]*answer
	// cut holds lookups cut short by a caller's context. They are reported
	// (a resolution may cite them) but never reused: another caller asks again.
	cut map[string]*answer
}

// View returns a client for another scan that shares this one's resolver
// and answers: a question any view already asked is answered from the
// shared cache, and each view's Lookups lists what its own scan asked.
func (c *Client) View() *Client {
	return &Client{store: c.store, asked: map[string]bool{}}
}

// answer is one lookup with the records it was built from.
type answer struct {
	lookup evidence.Lookup
	rrs    []dns.RR // the answer section, at most maxAnswers records; read-only
	// interrupted is set when a context, not the resolver, ended the lookup,
	// or when it was not asked at all (lookup limit): such an answer is not
	// reused.
	interrupted bool
}

// New returns a Client for cfg. It fails when the server is not a usable
// "host:port" or, with no server given, when the system resolver
// configuration cannot be read.
func New(cfg Config) (*Client, error) {
	server, err := serverAddr(cfg.Server)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		return nil, fmt.Errorf("dns timeout %v: must not be negative", timeout)
	case timeout == 0:
		timeout = defaultTimeout
	}
	retries := cfg.Retries
	switch {
	case retries < 0:
		retries = 0
	case retries == 0:
		retries = defaultRetries
	case retries > maxRetries:
		retries = maxRetries
	}
	return &Client{store: &store{
		server:  server,
		timeout: timeout,
		retries: retries,
		udp:     &dns.Client{Net: "udp", UDPSize: udpSize, Timeout: timeout},
		tcp:     &dns.Client{Net: "tcp", Timeout: timeout},
		done:    make(map[string]*answer),
		cut:     make(map[string]*answer),
	}, asked: map[string]bool{}}, nil
}

// serverAddr turns a Config.Server value into "host:port".
func serverAddr(s string) (string, error) {
	if s == "" {
		conf, err := dns.ClientConfigFromFile(resolvConf)
		if err != nil {
			return "", fmt.Errorf("system resolver: reading %s: %w", resolvConf, err)
		}
		if len(conf.Servers) == 0 {
			return "", fmt.Errorf("system resolver: no nameserver in %s", resolvConf)
		}
		return net.JoinHostPort(conf.Servers[0], conf.Port), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// A bare host: a name, an IPv4 address or an IPv6 address, bracketed or not.
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), "53"
		if strings.HasPrefix(s, "[") != strings.HasSuffix(s, "]") ||
			(strings.Contains(host, ":") && !isIP(host)) {
			return "", fmt.Errorf("dns server %q: not host:port or host", s)
		}
	}
	if host == "" {
		return "", fmt.Errorf("dns server %q: no host", s)
	}
	if !isIP(host) {
		if _, ok := dns.IsDomainName(host); !ok || names.CheckName(names.Normalise(host)) != nil ||
			strings.ContainsAny(host, "/?#@\\%") {
			return "", fmt.Errorf("dns server %q: %q is neither an IP address nor a host name", s, host)
		}
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return "", fmt.Errorf("dns server %q: bad port %q", s, port)
	}
	return net.JoinHostPort(host, port), nil
}

func isIP(s string) bool { return net.ParseIP(s) != nil }

// Server returns the resolver the client asks, as "host:port".
func (c *Client) Server() string { return c.server }

// Query asks the resolver for name's records of type qtype, once per client:
// later and concurrent calls for the same question share the first answer.
// The outcome, failure included, is in the returned Lookup (Rcode TIMEOUT or
// ERROR for transport failures). A lookup cut short by ctx is returned but
// not reused.
func (c *Client) Query(ctx context.Context, name string, qtype uint16) evidence.Lookup {
	return cloneLookup(c.query(ctx, names.Normalise(name), qtype).lookup)
}

// lookupID is the evidence ID of a question.
func lookupID(name string, qtype uint16) string {
	return "dns/q/" + name + "/" + dns.Type(qtype).String()
}

// query answers a question about the normalised name n, from the cache when
// it can. The returned answer is shared and must not be modified.
func (c *Client) query(ctx context.Context, n string, qtype uint16) *answer {
	id := lookupID(n, qtype)
	c.askedMu.Lock()
	full := len(c.asked) >= maxLookups && !c.asked[id]
	if !full {
		c.asked[id] = true
	}
	c.askedMu.Unlock()
	if full {
		return &answer{interrupted: true, lookup: evidence.Lookup{
			ID: id, Name: n, Type: dns.Type(qtype).String(), Rcode: evidence.RcodeError,
			Server: c.server, Error: fmt.Sprintf("lookup limit (%d) reached; not asked", maxLookups),
		}}
	}
	// A flight cut short by its leader's context is retried for callers whose
	// own context is still alive; bounded, since it takes a cancelled leader
	// each time.
	for try := 0; ; try++ {
		if a := c.cached(id); a != nil {
			return a
		}
		ch := c.flight.DoChan(id, func() (any, error) {
			if a := c.cached(id); a != nil {
				return a, nil
			}
			return c.lookup(ctx, id, n, qtype), nil
		})
		select {
		case <-ctx.Done():
			return c.cutShort(ctx, id, n, qtype)
		case r := <-ch:
			a := r.Val.(*answer)
			if a.interrupted && ctx.Err() == nil && try < 4 {
				continue
			}
			return a
		}
	}
}

// cached returns the completed lookup id, or nil.
func (c *Client) cached(id string) *answer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done[id]
}

// lookup makes the query for id and records it in the shared cache, which
// starts afresh past maxShared answers.
func (c *Client) lookup(ctx context.Context, id, n string, qtype uint16) *answer {
	a := c.exchangeLookup(ctx, id, n, qtype)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.done) >= maxShared || len(c.cut) >= maxShared {
		clear(c.done)
		clear(c.cut)
	}
	if a.interrupted {
		c.cut[id] = a
	} else {
		c.done[id] = a
		delete(c.cut, id)
	}
	return a
}

// cutShort records and returns the lookup of a caller that stopped waiting.
func (c *Client) cutShort(ctx context.Context, id, n string, qtype uint16) *answer {
	a := &answer{interrupted: true, lookup: evidence.Lookup{
		ID: id, Name: n, Type: dns.Type(qtype).String(), Rcode: ctxRcode(ctx.Err()),
		Server: c.server, Error: ctx.Err().Error(),
	}}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.done[id]; d != nil {
		return d
	}
	if _, ok := c.cut[id]; !ok && len(c.cut) < maxShared {
		c.cut[id] = a
	}
	return a
}

// ctxRcode is the Rcode recorded for a lookup stopped by a context error.
func ctxRcode(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return evidence.RcodeTimeout
	}
	return evidence.RcodeError
}

// exchangeLookup asks the question over UDP, then over TCP when the answer
// was truncated, and turns the outcome into a lookup.
func (c *Client) exchangeLookup(ctx context.Context, id, n string, qtype uint16) *answer {
	l := evidence.Lookup{ID: id, Name: n, Type: dns.Type(qtype).String(), Server: c.server}
	fail := func(rcode string, err error) *answer {
		l.Rcode, l.Error = rcode, err.Error()
		return &answer{lookup: l}
	}
	if err := names.CheckName(n); err != nil {
		return fail(evidence.RcodeError, fmt.Errorf("%q: %w; not asked", n, err))
	}
	if _, ok := dns.IsDomainName(dns.Fqdn(n)); !ok {
		return fail(evidence.RcodeError, fmt.Errorf("%q: not a domain name; not asked", n))
	}
	switch qtype {
	case dns.TypeNone, dns.TypeOPT, dns.TypeAXFR, dns.TypeIXFR:
		return fail(evidence.RcodeError, fmt.Errorf("type %s: not a question vigie asks", dns.Type(qtype)))
	}

	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(n), qtype)
	m.RecursionDesired = true
	m.SetEdns0(udpSize, true)

	r, err := c.exchange(ctx, c.udp, m)
	if err == nil && r.Truncated {
		l.Truncated = true
		r, err = c.exchange(ctx, c.tcp, m)
		if err != nil {
			err = fmt.Errorf("retry over tcp after a truncated udp answer: %w", err)
		}
	}
	if err != nil {
		switch {
		case ctx.Err() != nil:
			a := fail(ctxRcode(ctx.Err()), err)
			a.interrupted = true
			return a
		case isTimeout(err):
			return fail(evidence.RcodeTimeout, err)
		default:
			return fail(evidence.RcodeError, err)
		}
	}

	l.Rcode = rcodeString(r.Rcode)
	l.Authenticated = r.AuthenticatedData
	rrs := r.Answer
	if len(rrs) > maxAnswers {
		rrs = rrs[:maxAnswers]
	}
	rrs = slices.Clip(rrs)
	for _, rr := range rrs {
		l.Answers = append(l.Answers, toRR(rr))
	}
	return &answer{lookup: l, rrs: rrs}
}

// exchange sends m with dc, retrying on timeouts, and checks the answer
// belongs to the question.
func (c *Client) exchange(ctx context.Context, dc *dns.Client, m *dns.Msg) (*dns.Msg, error) {
	var err error
	attempts := 0
	for attempts <= c.retries {
		if ctx.Err() != nil {
			break
		}
		attempts++
		var r *dns.Msg
		r, err = c.exchangeOnce(ctx, dc, m)
		if err == nil {
			return r, nil
		}
		if !isTimeout(err) || ctx.Err() != nil {
			break
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, fmt.Errorf("%s %s: %w", dc.Net, c.server, cerr)
	}
	return nil, fmt.Errorf("%s %s (%d attempts): %w", dc.Net, c.server, attempts, err)
}

// exchangeOnce is one attempt. It is dns.Client.ExchangeContext in its two
// halves, so that the connection can be closed when ctx is cancelled:
// ExchangeContext honours a context's deadline but not its cancellation.
func (c *Client) exchangeOnce(ctx context.Context, dc *dns.Client, m *dns.Msg) (*dns.Msg, error) {
	m.Id = dns.Id()
	co, err := dc.DialContext(ctx, c.server)
	if err != nil {
		return nil, err
	}
	defer co.Close()
	stop := context.AfterFunc(ctx, func() { co.Close() })
	defer stop()
	r, _, err := dc.ExchangeWithConnContext(ctx, m, co)
	if err != nil {
		return nil, err
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, m.Question[0].Name) ||
		r.Question[0].Qtype != m.Question[0].Qtype {
		return nil, errors.New("the answer's question is not the one asked")
	}
	return r, nil
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rcodeString names a response code (NOERROR, NXDOMAIN, SERVFAIL …).
func rcodeString(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(rcode)
}

// toRR records one resource record in presentation form, its Data bounded.
func toRR(rr dns.RR) evidence.RR {
	h := rr.Header()
	var data string
	if t, ok := rr.(*dns.TXT); ok {
		data = strings.Join(t.Txt, "")
	} else {
		data = strings.TrimPrefix(rr.String(), h.String())
	}
	if len(data) > maxData {
		data = strings.ToValidUTF8(data[:maxData], "")
	}
	return evidence.RR{Name: names.Normalise(h.Name), Type: dns.Type(h.Rrtype).String(), TTL: h.Ttl, Data: data}
}

// cloneLookup returns l with its own copy of the answers.
func cloneLookup(l evidence.Lookup) evidence.Lookup {
	l.Answers = slices.Clone(l.Answers)
	return l
}

// Lookups returns every lookup this client (this scan) asked for so far,
// sorted by ID, one per question, whichever view made the query. Lookups
// cut short by a context are included unless the question was answered
// since.
func (c *Client) Lookups() []evidence.Lookup {
	c.askedMu.Lock()
	ids := make([]string, 0, len(c.asked))
	for id := range c.asked {
		ids = append(ids, id)
	}
	c.askedMu.Unlock()
	c.mu.Lock()
	out := make([]evidence.Lookup, 0, len(ids))
	for _, id := range ids {
		if a := c.done[id]; a != nil {
			out = append(out, cloneLookup(a.lookup))
		} else if a := c.cut[id]; a != nil {
			out = append(out, cloneLookup(a.lookup))
		}
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b evidence.Lookup) int { return strings.Compare(a.ID, b.ID) })
	return out
}

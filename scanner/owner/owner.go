// Package owner names who operates a network or owns a domain: RDAP first
// (github.com/openrdap/rdap, IANA bootstrap or one --rdap-server), whois as
// the fallback when RDAP fails or has no answer (github.com/likexian/whois,
// with an IP-network parser for the five regional registries' formats).
//
// Lookups are polite: an address inside a range already answered is served
// from that answer, concurrent lookups for the same /24 (IPv4) or /48 (IPv6)
// are coalesced, answers can be kept on disk across runs with a TTL, and
// each server is rate-limited. Raw answers are returned with every record so
// that the report bundle can keep them as evidence.
package owner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	whoisparser "github.com/likexian/whois-parser"
	"golang.org/x/sync/singleflight"
)

// Config configures a Client.
type Config struct {
	// RDAPServer sends every RDAP query to this base URL; "" uses the IANA bootstrap.
	RDAPServer string
	// WhoisServer sends every whois query to this host:port; "" lets the
	// registries' servers answer.
	WhoisServer string
	// NoWhois disables the whois fallback.
	NoWhois bool
	// CacheDir keeps answers on disk across runs; "" disables the disk cache.
	CacheDir string
	// CacheTTL is how long disk-cached answers are used; default 24h.
	CacheTTL time.Duration
	// HTTP is the client for RDAP; nil for a default one.
	HTTP *http.Client
	// Timeout bounds each RDAP request and whois exchange.
	Timeout time.Duration
	// Now is the clock for the disk cache; nil for time.Now.
	Now func() time.Time
}

// Client looks up networks, domains and autonomous systems.
type Client struct {
	rdap        *RDAPClient
	whois       *WhoisClient
	whoisServer string
	whoisLimit  *hostLimiter
	whoisState  whoisState
	now         func() time.Time
	disk        *diskCache

	flights singleflight.Group
	mu      sync.Mutex
	nets    []*NetworkRecord // every network answered in this run
	// domains holds the domains answered in this run, and those found
	// not registered (nil), so that the scans of a batch ask once.
	domains map[string]*DomainRecord
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	rcfg := RDAPConfig{Server: cfg.RDAPServer, HTTP: cfg.HTTP, Timeout: cfg.Timeout}
	whoisRate := float64(whoisPerSecond)
	if u, err := url.Parse(cfg.RDAPServer); err == nil && cfg.RDAPServer != "" && isLoopback(u.Hostname()) {
		// Politeness is owed to registries, not to a server on this
		// machine (the lab, a local mirror).
		rcfg.PerSecond = unthrottled
	}
	if host, _, err := net.SplitHostPort(cfg.WhoisServer); err == nil && isLoopback(host) {
		whoisRate = unthrottled
	}
	rc, err := NewRDAPClient(rcfg)
	if err != nil {
		return nil, err
	}
	c := &Client{rdap: rc, now: cfg.Now}
	if c.now == nil {
		c.now = time.Now
	}
	if !cfg.NoWhois {
		c.whois = NewWhoisClient(cfg.WhoisServer, cfg.Timeout)
		// Registries throttle, and ban, clients that query too fast.
		c.whoisServer, c.whoisLimit = cfg.WhoisServer, newHostLimiter(whoisRate, 2)
	}
	if cfg.CacheDir != "" {
		// The cache is keyed by the servers asked, so that a lab's or a
		// staging network's answers never stand in for the registries'.
		scope := "rdap=" + cfg.RDAPServer + ";whois=" + cfg.WhoisServer
		c.disk, err = openDiskCache(cfg.CacheDir, scope, cfg.CacheTTL, cfg.Now)
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Network returns the network containing ip, with its registrant.
func (c *Client) Network(ctx context.Context, ip netip.Addr) (*NetworkRecord, error) {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return nil, errors.New("invalid IP address")
	}
	if n := c.cachedNetwork(ip); n != nil {
		return n, nil
	}
	v, err, _ := c.flights.Do("ip:"+coalesceKey(ip), func() (any, error) {
		if n := c.cachedNetwork(ip); n != nil {
			return n, nil
		}
		return c.lookupAndKeep(ctx, ip)
	})
	if err != nil {
		return nil, err
	}
	n := v.(*NetworkRecord)
	if !n.Contains(ip) {
		// Another address of the same /24 was answered with a smaller
		// network: look this one up on its own.
		return c.lookupAndKeep(ctx, ip)
	}
	return n, nil
}

// lookupAndKeep looks a network up and keeps it for the addresses that follow.
func (c *Client) lookupAndKeep(ctx context.Context, ip netip.Addr) (*NetworkRecord, error) {
	n, err := c.lookupNetwork(ctx, ip)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.nets = append(c.nets, n)
	c.mu.Unlock()
	c.disk.putNetwork(n)
	return n, nil
}

// cachedNetwork returns the most specific network already answered that
// contains ip, from this run or the disk cache.
func (c *Client) cachedNetwork(ip netip.Addr) *NetworkRecord {
	c.mu.Lock()
	best := mostSpecific(c.nets, ip)
	c.mu.Unlock()
	if best != nil {
		return best
	}
	if n := c.disk.network(ip); n != nil {
		c.mu.Lock()
		c.nets = append(c.nets, n)
		c.mu.Unlock()
		return n
	}
	return nil
}

func mostSpecific(nets []*NetworkRecord, ip netip.Addr) *NetworkRecord {
	var best *NetworkRecord
	for _, n := range nets {
		if n.Contains(ip) && (best == nil || narrower(n, best)) {
			best = n
		}
	}
	return best
}

// narrower reports whether a's range is inside b's and smaller.
func narrower(a, b *NetworkRecord) bool {
	return a.Start.Compare(b.Start) >= 0 && a.End.Compare(b.End) <= 0 && (a.Start != b.Start || a.End != b.End)
}

// coalesceKey groups addresses that almost always share a network: the
// /24 of an IPv4 address, the /48 of an IPv6 one.
func coalesceKey(ip netip.Addr) string {
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.Prefix(bits)
	return p.String()
}

// lookupNetwork asks RDAP, then whois.
func (c *Client) lookupNetwork(ctx context.Context, ip netip.Addr) (*NetworkRecord, error) {
	n, rerr := c.rdap.IP(ctx, ip)
	if rerr == nil {
		return n, nil
	}
	if ctx.Err() != nil || c.whois == nil {
		return nil, rerr
	}
	ans, werr := c.queryWhois(ctx, ip.String())
	if werr == nil {
		var wn *WhoisNetwork
		if wn, werr = ParseIPWhois(ans.Raw); werr == nil {
			if n, werr = networkFromWhois(wn, ans); werr == nil {
				if !n.Contains(ip) {
					werr = fmt.Errorf("whois answered %s-%s, which does not contain %s", n.Start, n.End, ip)
				} else {
					return n, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%w; whois fallback: %v", rerr, werr)
}

func networkFromWhois(w *WhoisNetwork, ans WhoisAnswer) (*NetworkRecord, error) {
	start, err := netip.ParseAddr(w.Start)
	if err != nil {
		return nil, fmt.Errorf("whois range start %q: %w", w.Start, err)
	}
	end, err := netip.ParseAddr(w.End)
	if err != nil {
		return nil, fmt.Errorf("whois range end %q: %w", w.End, err)
	}
	return &NetworkRecord{
		Start: start, End: end, CIDRs: w.CIDRs,
		Name: w.Name, Handle: w.Handle, Country: w.Country,
		OrgName: w.OrgName, OrgAddress: w.Address, OrgCountry: w.Country,
		ASNs: w.ASNs, Abuse: w.Abuse,
		Source: "whois", Server: ans.Server,
		Raw: []RawAnswer{{URL: "whois://" + ans.Server + "/" + ans.Query, Body: ans.Raw}},
	}, nil
}

// whoisPerSecond is the whois query rate allowed per server.
const whoisPerSecond = 1

// unthrottled is the request rate used for servers on this machine.
const unthrottled = 1e6

// isLoopback reports whether host is a loopback address or localhost.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// queryWhois asks whois at the allowed rate, within the scan's budget
// (WithWhoisBudget), and fails at once while the server is known to be
// unreachable: while that is not known, one query at a time finds out.
func (c *Client) queryWhois(ctx context.Context, q string) (WhoisAnswer, error) {
	probe, err := c.whoisState.enter(ctx, c.now())
	if err != nil {
		return WhoisAnswer{}, err
	}
	ans, err := c.queryWhoisBudgeted(ctx, q)
	c.whoisState.leave(probe, err, c.now())
	return ans, err
}

func (c *Client) queryWhoisBudgeted(ctx context.Context, q string) (WhoisAnswer, error) {
	b := whoisBudgetOf(ctx)
	if b != nil {
		var cancel context.CancelFunc
		var err error
		if ctx, cancel, err = b.window(ctx); err != nil {
			return WhoisAnswer{}, err
		}
		defer cancel()
	}
	if err := c.whoisLimit.Wait(ctx, "whois:"+c.whoisServer); err != nil {
		return WhoisAnswer{}, err
	}
	if b != nil {
		if err := b.take(); err != nil {
			return WhoisAnswer{}, err
		}
	}
	return c.whois.Query(ctx, q)
}

// whoisDownFor is how long a whois server found unreachable is not asked
// again: every fallback fails at once meanwhile.
const whoisDownFor = 5 * time.Minute

// whoisState is what a Client knows of its whois server's reachability.
type whoisState struct {
	mu      sync.Mutex
	reached bool          // a query got through to the server
	probing chan struct{} // while the first query runs; closed when it ends
	down    error         // why the server was found unreachable
	downAt  time.Time
}

// enter lets a query through: at once when the server was reached, as the
// one probe when nothing is known yet (the others wait for its outcome),
// not at all while it is known to be down. probe reports the probe.
func (w *whoisState) enter(ctx context.Context, now time.Time) (probe bool, err error) {
	for {
		w.mu.Lock()
		switch {
		case w.down != nil && now.Sub(w.downAt) < whoisDownFor:
			err := w.down
			w.mu.Unlock()
			return false, fmt.Errorf("whois not asked: the server was unreachable %s ago: %w", now.Sub(w.downAt).Round(time.Second), err)
		case w.reached:
			w.mu.Unlock()
			return false, nil
		case w.probing == nil:
			w.probing = make(chan struct{})
			w.mu.Unlock()
			return true, nil
		}
		ch := w.probing
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// leave records a query's outcome: the server down when no connection
// could be made, reached when one was.
func (w *whoisState) leave(probe bool, err error, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case errors.Is(err, ErrWhoisUnreachable):
		w.down, w.downAt, w.reached = err, now, false
	case err == nil || !(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrWhoisBudget)):
		w.reached, w.down = true, nil
	}
	if probe {
		close(w.probing)
		w.probing = nil
	}
}

// Defaults of a scan's whois budget (NewWhoisBudget).
const (
	// DefaultWhoisQueries is the most whois queries one scan makes.
	DefaultWhoisQueries = 20
	// DefaultWhoisWindow is how long after its first whois query a scan
	// may still make one.
	DefaultWhoisWindow = 30 * time.Second
)

// ErrWhoisBudget is wrapped by the error of a whois fallback the scan's
// budget did not allow.
var ErrWhoisBudget = errors.New("whois budget spent")

// WhoisBudget bounds the whois fallback's share of one scan: at most a
// number of queries, all made within a window that opens with the first.
// Whois is slow (registries allow about one query a second) and only
// stands in for RDAP: a mail with a hundred relays must not spend the
// scan's time on it. Give it to a scan's lookups with WithWhoisBudget; it
// is safe for concurrent use.
type WhoisBudget struct {
	queries int
	span    time.Duration
	now     func() time.Time

	mu    sync.Mutex
	used  int
	start time.Time
}

// NewWhoisBudget returns a budget of queries within window; zero or less
// means DefaultWhoisQueries and DefaultWhoisWindow.
func NewWhoisBudget(queries int, window time.Duration) *WhoisBudget {
	if queries <= 0 {
		queries = DefaultWhoisQueries
	}
	if window <= 0 {
		window = DefaultWhoisWindow
	}
	return &WhoisBudget{queries: queries, span: window, now: time.Now}
}

// Used returns how many whois queries the budget let through.
func (b *WhoisBudget) Used() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// window returns ctx bounded by the end of the budget's window (opened
// now if it is not yet), or an error once it is closed or the queries
// are spent.
func (b *WhoisBudget) window(ctx context.Context) (context.Context, context.CancelFunc, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.start.IsZero() {
		b.start = now
	}
	end := b.start.Add(b.span)
	switch {
	case b.used >= b.queries:
		return nil, nil, fmt.Errorf("whois not asked: %w (%d queries)", ErrWhoisBudget, b.queries)
	case !now.Before(end):
		return nil, nil, fmt.Errorf("whois not asked: %w (%s since the first query)", ErrWhoisBudget, b.span)
	}
	ctx, cancel := context.WithDeadline(ctx, end)
	return ctx, cancel, nil
}

// take counts one query, or fails when they are spent.
func (b *WhoisBudget) take() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used >= b.queries {
		return fmt.Errorf("whois not asked: %w (%d queries)", ErrWhoisBudget, b.queries)
	}
	b.used++
	return nil
}

type whoisBudgetKey struct{}

// WithWhoisBudget returns ctx carrying b: the whois fallbacks of every
// lookup made with it draw on b, whichever Client makes them (a Client
// can serve the scans of a batch, each with its own budget).
func WithWhoisBudget(ctx context.Context, b *WhoisBudget) context.Context {
	return context.WithValue(ctx, whoisBudgetKey{}, b)
}

func whoisBudgetOf(ctx context.Context) *WhoisBudget {
	b, _ := ctx.Value(whoisBudgetKey{}).(*WhoisBudget)
	return b
}

// Domain returns the registration of a registrable domain: RDAP, then
// whois (parsed with github.com/likexian/whois-parser) when RDAP fails or
// has no answer.
func (c *Client) Domain(ctx context.Context, domain string) (*DomainRecord, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if d, ok := c.keptDomain(domain); ok {
		if d == nil {
			return nil, fmt.Errorf("domain %s: %w", domain, ErrNotFound)
		}
		return d, nil
	}
	if d := c.disk.domain(domain); d != nil {
		c.keepDomain(domain, d)
		return d, nil
	}
	v, err, _ := c.flights.Do("domain:"+domain, func() (any, error) {
		d, err := c.lookupDomain(ctx, domain)
		if errors.Is(err, ErrNotFound) {
			c.keepDomain(domain, nil)
		}
		if err != nil {
			return nil, err
		}
		c.keepDomain(domain, d)
		c.disk.putDomain(d)
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*DomainRecord), nil
}

// keptDomain returns the answer of this run for domain (nil: not
// registered), and whether there is one.
func (c *Client) keptDomain(domain string) (*DomainRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.domains[domain]
	return d, ok
}

// keepDomain keeps the answer for domain (nil: not registered) for the
// scans that follow, up to maxKeptDomains.
func (c *Client) keepDomain(domain string, d *DomainRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.domains == nil {
		c.domains = map[string]*DomainRecord{}
	}
	if len(c.domains) < maxKeptDomains {
		c.domains[domain] = d
	}
}

// maxKeptDomains bounds the domains kept in memory (a national survey
// meets tens of thousands).
const maxKeptDomains = 100000

func (c *Client) lookupDomain(ctx context.Context, domain string) (*DomainRecord, error) {
	d, rerr := c.rdap.Domain(ctx, domain)
	if rerr == nil {
		return d, nil
	}
	if ctx.Err() != nil || c.whois == nil {
		return nil, rerr
	}
	ans, werr := c.queryWhois(ctx, domain)
	if werr == nil {
		if d, werr = domainFromWhois(domain, ans); werr == nil {
			return d, nil
		}
	}
	if errors.Is(rerr, ErrNotFound) && errors.Is(werr, ErrNotFound) {
		return nil, fmt.Errorf("domain %s: %w", domain, ErrNotFound)
	}
	return nil, fmt.Errorf("%w; whois fallback: %v", rerr, werr)
}

// redactedMarkers are how registries write a withheld registrant.
var redactedMarkers = []string{"redacted", "privacy", "data protected", "not disclosed", "withheld"}

func domainFromWhois(domain string, ans WhoisAnswer) (*DomainRecord, error) {
	info, err := whoisparser.Parse(string(ans.Raw))
	if err != nil {
		if errors.Is(err, whoisparser.ErrNotFoundDomain) {
			return nil, fmt.Errorf("whois %s: %w", domain, ErrNotFound)
		}
		return nil, fmt.Errorf("whois %s: %w", domain, err)
	}
	d := &DomainRecord{Domain: domain, Source: "whois", Server: ans.Server,
		Raw: []RawAnswer{{URL: "whois://" + ans.Server + "/" + ans.Query, Body: ans.Raw}}}
	if info.Registrar != nil {
		d.Registrar = info.Registrar.Name
	}
	if r := info.Registrant; r != nil {
		d.Registrant = r.Organization
		if d.Registrant == "" {
			d.Registrant = r.Name
		}
		d.RegistrantCountry = strings.ToUpper(r.Country)
		low := strings.ToLower(d.Registrant)
		for _, m := range redactedMarkers {
			if strings.Contains(low, m) {
				d.Registrant, d.Redacted = "", true
			}
		}
	}
	if len(d.RegistrantCountry) != 2 {
		d.RegistrantCountry = ""
	}
	return d, nil
}

// Close writes the disk cache, if any.
func (c *Client) Close() error { return c.disk.save() }

package owner

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// rdapDown is an RDAP server that answers 503 to everything: every lookup
// falls back to whois.
func rdapDown(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// countingWhois is a whois server that counts the queries it is sent and
// answers each with a registry's "no match".
func countingWhois(t *testing.T) (addr string, queries *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	queries = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
					queries.Add(1)
					c.Write([]byte("% No match for this query\r\n"))
				}
			}()
		}
	}()
	return ln.Addr().String(), queries
}

// lookupMany looks up n addresses in distinct /24s (no coalescing), 8 at
// a time as the ownership stage does, and returns their errors.
func lookupMany(ctx context.Context, c *Client, n int) []error {
	errs := make([]error, n)
	var g errgroup.Group
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			ip := netip.AddrFrom4([4]byte{100, 1, byte(i), 7})
			_, errs[i] = c.Network(ctx, ip)
			return nil
		})
	}
	_ = g.Wait()
	return errs
}

// TestWhoisUnreachableFailsFast: a whois server no connection can be made
// to is tried once, not once per address (a mail with 100 relays took
// 108 s: one attempt a second at the rate limit).
func TestWhoisUnreachableFailsFast(t *testing.T) {
	c, err := New(Config{RDAPServer: rdapDown(t), WhoisServer: "whois.lab.invalid:43"})
	if err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int64
	c.whois.route = func(context.Context, string) ([]string, error) {
		attempts.Add(1)
		return nil, errors.New("lookup whois.lab.invalid: no such host")
	}
	errs := lookupMany(t.Context(), c, 100)
	if n := attempts.Load(); n != 1 {
		t.Errorf("%d connection attempts to an unreachable whois server for 100 addresses, want 1", n)
	}
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("address %d: %v, want the whois server unreachable", i, err)
		}
	}
	// The server stays marked down, without another attempt.
	if _, err := c.Network(t.Context(), netip.MustParseAddr("100.2.0.1")); err == nil || attempts.Load() != 1 {
		t.Errorf("after the failure: %v, %d attempts", err, attempts.Load())
	}
}

// TestWhoisBudget: a scan's whois fallback makes at most its budget's
// queries, whatever the number of addresses; without a budget every
// address is asked (the assertion can fail).
func TestWhoisBudget(t *testing.T) {
	for _, tt := range []struct {
		name   string
		budget *WhoisBudget
		want   int64
	}{
		{"no budget", nil, 100},
		{"budget of 5", NewWhoisBudget(5, time.Minute), 5},
		{"default budget", NewWhoisBudget(0, 0), DefaultWhoisQueries},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr, queries := countingWhois(t)
			c, err := New(Config{RDAPServer: rdapDown(t), WhoisServer: addr})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if tt.budget != nil {
				ctx = WithWhoisBudget(ctx, tt.budget)
			}
			errs := lookupMany(ctx, c, 100)
			if n := queries.Load(); n != tt.want {
				t.Errorf("%d whois queries for 100 addresses, want %d", n, tt.want)
			}
			if tt.budget != nil {
				if tt.budget.Used() != int(tt.want) {
					t.Errorf("budget used %d, want %d", tt.budget.Used(), tt.want)
				}
				spent := 0
				for _, err := range errs {
					if errors.Is(err, ErrWhoisBudget) || (err != nil && strings.Contains(err.Error(), ErrWhoisBudget.Error())) {
						spent++
					}
				}
				if spent != 100-int(tt.want) {
					t.Errorf("%d lookups refused by the budget, want %d", spent, 100-tt.want)
				}
			}
		})
	}
}

// TestWhoisBudgetWindow: the budget's window opens with the first query
// and bounds every later one, however many queries are left.
func TestWhoisBudgetWindow(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	b := NewWhoisBudget(100, 20*time.Second)
	b.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	ctx, cancel, err := b.window(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if dl, ok := ctx.Deadline(); !ok || !dl.Equal(now.Add(20*time.Second)) {
		t.Errorf("deadline %v, want the window's end", dl)
	}
	cancel()
	if err := b.take(); err != nil {
		t.Fatal(err)
	}
	advance(19 * time.Second)
	if _, cancel, err := b.window(t.Context()); err != nil {
		t.Errorf("inside the window: %v", err)
	} else {
		cancel()
	}
	advance(time.Second)
	if _, _, err := b.window(t.Context()); !errors.Is(err, ErrWhoisBudget) {
		t.Errorf("past the window: %v, want ErrWhoisBudget", err)
	}
}

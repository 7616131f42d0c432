package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// dialLog is a Dialer's tcp function that records what it is asked to
// dial and connects nothing.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (l *dialLog) dial(_ context.Context, addr string) (net.Conn, error) {
	l.mu.Lock()
	l.addrs = append(l.addrs, addr)
	l.mu.Unlock()
	c, s := net.Pipe()
	go s.Close()
	return c, nil
}

// TestDialerRules: one table for what every loader may dial, directly and
// through an upstream.
func TestDialerRules(t *testing.T) {
	res := newResolver(
		"public.test", "192.0.2.10",
		"mixed.test", "192.0.2.11",
		"mixed.test", "127.0.0.1",
		"mixed6.test", "::1",
		"mixed6.test", "2001:db8::11",
		"nat64.test", "64:ff9b::10.0.0.1",
		"sixtofour.test", "2002:0a00:0001::1",
		"teredo.test", "2001:0:4136:e378:8000:63bf:80ff:fffe",
		"bench.test", "198.18.0.7",
		"compat.test", "::10.0.0.1",
		"intranet.test", "10.20.0.5",
	)
	intranet := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}
	tests := []struct {
		name     string
		upstream bool
		allow    []netip.Prefix
		dest     string
		dialled  string // "" when refused
		why      string
	}{
		{"public", false, nil, "public.test:443", "192.0.2.10:443", ""},
		{"public and loopback: the public one only", false, nil, "mixed.test:443", "192.0.2.11:443", ""},
		{"loopback and public v6: the public one only", false, nil, "mixed6.test:80", "[2001:db8::11]:80", ""},
		{"NAT64 of a private address", false, nil, "nat64.test:443", "", "inside NAT64"},
		{"6to4 of a private address", false, nil, "sixtofour.test:443", "", "inside 6to4"},
		{"Teredo of loopback", false, nil, "teredo.test:443", "", "inside Teredo"},
		{"benchmarking", false, nil, "bench.test:443", "", "benchmarking"},
		{"IPv4-compatible", false, nil, "compat.test:443", "", "IPv4-compatible"},
		{"literal NAT64", false, nil, "[64:ff9b::7f00:1]:80", "", "loopback"},
		{"literal mapped loopback", false, nil, "[::ffff:127.0.0.1]:80", "", "loopback"},
		{"intranet refused", false, nil, "intranet.test:443", "", "private"},
		{"intranet allowed", false, intranet, "intranet.test:443", "10.20.0.5:443", ""},
		{"mapped literal allowed", false, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "[::ffff:127.0.0.1]:80", "127.0.0.1:80", ""},
		// Through an upstream, the upstream picks the address: all must pass.
		{"upstream: public", true, nil, "public.test:443", "upstream", ""},
		{"upstream: public and loopback", true, nil, "mixed.test:443", "", "loopback"},
		{"upstream: private literal", true, nil, "10.0.0.1:80", "", "private"},
		{"upstream: intranet allowed", true, intranet, "intranet.test:443", "upstream", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DialConfig{Resolve: res.Resolve, AllowPrivate: tt.allow}
			if tt.upstream {
				cfg.Upstream = "socks5://upstream.invalid:1080"
			}
			d, err := NewDialer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var log dialLog
			d.tcp = log.dial
			host, _, err := net.SplitHostPort(tt.dest)
			if err != nil {
				t.Fatal(err)
			}
			// Check, the rule alone, agrees with the dial.
			if _, err := d.Check(t.Context(), host, 443); (err != nil) != (tt.dialled == "") {
				t.Errorf("Check(%s) = %v, want refused %v", host, err, tt.dialled == "")
			}
			c, err := d.DialContext(t.Context(), "tcp", tt.dest)
			if tt.dialled == "" {
				var refused *RefusedError
				if !errors.As(err, &refused) || !strings.Contains(refused.Reason, tt.why) {
					t.Errorf("dial %s: %v, want refused (%s)", tt.dest, err, tt.why)
				}
				if len(log.addrs) != 0 {
					t.Errorf("dialled %v although refused", log.addrs)
				}
				return
			}
			if tt.upstream {
				// The upstream (a name nothing resolves) is not reached,
				// but it was the one asked for.
				if err == nil || !strings.Contains(err.Error(), "upstream proxy upstream.invalid") {
					t.Errorf("dial %s: %v, want an attempt at the upstream", tt.dest, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial %s: %v", tt.dest, err)
			}
			c.Close()
			if strings.Join(log.addrs, ",") != tt.dialled {
				t.Errorf("dialled %v, want %s", log.addrs, tt.dialled)
			}
		})
	}
}

// TestTransportUpstreamRedirect: a redirect to a private address is
// refused before the upstream is asked for it, as the browser's path
// refuses it.
func TestTransportUpstreamRedirect(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/admin", http.StatusFound)
	}))
	defer site.Close()
	up := startHTTPUpstream(t, site.Listener.Addr().String(), false)
	// The upstream answers absolute-form requests itself: the first one
	// is forwarded to the site by hand.
	up.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.mu.Lock()
		up.seen = append(up.seen, r.Method+" "+r.RequestURI)
		up.mu.Unlock()
		if r.URL.Host == "site.test" {
			http.Redirect(w, r, "http://10.0.0.1/admin", http.StatusFound)
			return
		}
		fmt.Fprint(w, "upstream reached "+r.URL.String())
	})
	res := newResolver("site.test", "192.0.2.45", "upstream.lab", "127.0.0.1")
	d, err := NewDialer(DialConfig{Resolve: res.Resolve, Upstream: "http://upstream.lab:" + port(t, up.srv.Listener.Addr().String())})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: d.Transport(nil)}
	resp, err := c.Get("http://site.test/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("redirect to a private address followed: %s", resp.Status)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want a refusal", err)
	}
	if got := up.asked(); len(got) != 1 || got[0] != "GET http://site.test/" {
		t.Errorf("upstream asked %v, want only the site", got)
	}
}

package scanner

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/scanner/survey/surveytest"
)

// The access comparison's loads apply the rule of every loader, directly
// and through the upstream: non-public destinations refused but the
// target's own and the ranges allowed; the upstream itself never refused.
func TestWebTransportRules(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	s := &scan{}
	own := targetPrivatePrefixes(&evidence.Evidence{Target: evidence.Target{Host: "::ffff:127.0.0.1"}})
	if len(own) != 1 || own[0] != netip.MustParsePrefix("127.0.0.1/32") {
		t.Fatalf("the target's own prefixes %v, want 127.0.0.1/32 (unmapped)", own)
	}
	upstream := "http://" + ln.Addr().String()
	for _, tt := range []struct {
		name     string
		allow    []netip.Prefix
		upstream string
		dest     string
		refused  bool
	}{
		{"loopback refused", nil, "", ln.Addr().String(), true},
		{"the target's own address", own, "", ln.Addr().String(), false},
		{"an allowed range", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "", ln.Addr().String(), false},
		{"NAT64 of loopback", nil, "", "[64:ff9b::7f00:1]:80", true},
		{"through the upstream (never refused itself)", nil, upstream, "192.0.2.1:80", false},
		{"a private destination through the upstream", nil, upstream, "10.0.0.1:80", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := s.webTransport(nil, tt.allow, tt.upstream)
			if err != nil {
				t.Fatal(err)
			}
			if tt.upstream != "" {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+tt.dest+"/", nil)
				_, err := tr.Proxy(req)
				if (err != nil) != tt.refused || (err != nil && !strings.Contains(err.Error(), "refused")) {
					t.Errorf("upstream check for %s: %v, want refused %v", tt.dest, err, tt.refused)
				}
				if !tt.refused {
					c, err := tr.DialContext(t.Context(), "tcp", ln.Addr().String())
					if err != nil {
						t.Errorf("the upstream (loopback) refused: %v", err)
					} else {
						c.Close()
					}
				}
				return
			}
			c, err := tr.DialContext(t.Context(), "tcp", tt.dest)
			if tt.refused {
				if err == nil || !strings.Contains(err.Error(), "refused") {
					t.Errorf("dial %s: %v, want refused", tt.dest, err)
				}
				if c != nil {
					c.Close()
				}
				return
			}
			if err != nil {
				t.Errorf("dial %s: %v", tt.dest, err)
				return
			}
			c.Close()
		})
	}
}

// TestAccessRedirectToPrivate: the access comparison follows no redirect
// into a private network, directly or through the upstream, which is
// never asked for the private address (it was before: the upstream got
// GET http://10.0.0.1/…).
func TestAccessRedirectToPrivate(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	var mu sync.Mutex
	var asked []string
	dial := labDial(lab)
	pass, err := surveytest.StartPassProxy(func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		asked = append(asked, addr)
		mu.Unlock()
		return dial(ctx, network, addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pass.Close() })
	for _, up := range []string{pass.URL, pass.SOCKSURL} {
		t.Run(up, func(t *testing.T) {
			url := "http://" + scantest.HostPadded + scantest.PathPrivateRedirect
			s, res := stageScan(t, lab, url, Options{Proxy: up})
			r := s.accessStage(t.Context(), res.Evidence.Target, targetPrivatePrefixes(res.Evidence))
			a := r.access
			if a == nil {
				t.Fatalf("no comparison: %+v", r.errors)
			}
			for _, l := range []evidence.AccessLoad{a.Direct, a.Proxied} {
				if !strings.Contains(l.Error, "refused") || !strings.Contains(l.Error, "10.0.0.1") {
					t.Errorf("load %+v: want the redirect to 10.0.0.1 refused", l)
				}
			}
			for _, q := range pass.Requests() {
				if strings.Contains(q.Host, "10.0.0.1") {
					t.Errorf("the upstream was asked for %+v", q)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, addr := range asked {
				if strings.HasPrefix(addr, "10.0.0.1") {
					t.Errorf("the upstream dialled %s", addr)
				}
			}
		})
	}
}

package scantest_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/owner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

const (
	cloudflareWhois = "NetRange:       104.16.0.0 - 104.31.255.255\nCIDR:           104.16.0.0/12\nOrgName:        Cloudflare, Inc.\nCountry:        US\n"
	customerWhois   = "NetRange:       198.51.100.0 - 198.51.100.255\nCustName:       Example Customer Corp\n"
	backboneWhois   = "NetRange:       198.51.96.0 - 198.51.103.255\nOrgName:        Example Backbone, LLC\n"
	asWhois         = "ASNumber:       13335\nASName:         CLOUDFLARENET\n"
)

func startWhois(t *testing.T, answers map[string]string) *scantest.WhoisServer {
	t.Helper()
	s, err := scantest.StartWhoisServer(answers)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawWhois sends line as is and reads the answer to EOF.
func rawWhois(t *testing.T, addr, line string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, line); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite() // a query without CRLF ends here
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWhoisServerAnswers(t *testing.T) {
	s := startWhois(t, map[string]string{
		"104.16.0.0/12":   cloudflareWhois,
		"198.51.96.0/21":  backboneWhois,
		"198.51.100.0/24": customerWhois,
		"AS13335":         asWhois,
		"2001:DB8::/32":   "inet6num: 2001:db8::/32\n",
		"Example.NET":     "domain: example.net\n",
	})
	tests := []struct {
		line, want string
	}{
		{"104.17.3.91\r\n", cloudflareWhois},
		{"n + 104.17.3.91\r\n", cloudflareWhois},               // ARIN prefix stripped
		{"  N + 104.16.0.0  \n", cloudflareWhois},              // trimmed, case-folded, bare LF
		{"198.51.100.7\r\n", customerWhois},                    // most specific CIDR wins
		{"198.51.101.7\r\n", backboneWhois},                    // only the /21 contains it
		{"198.51.100.0/24\r\n", customerWhois},                 // a CIDR key asked as such
		{"as13335\r\n", asWhois},                               // keys are case-insensitive
		{"a + AS13335\r\n", asWhois},                           // ARIN's AS prefix stripped
		{"2001:0db8:0000::1\r\n", "inet6num: 2001:db8::/32\n"}, // IPv6 written canonically
		{"example.net\r\n", "domain: example.net\n"},
		{"192.0.2.1", ""}, // no line end: the query still counts
	}
	for _, tt := range tests {
		got := rawWhois(t, s.Addr, tt.line)
		if tt.want == "" {
			if !strings.Contains(got, "No match found") {
				t.Errorf("%q: got %q, want a no-match answer", tt.line, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.line, got, tt.want)
		}
	}
	for q, want := range map[string]int{
		"104.17.3.91":     2,
		"104.16.0.0/12":   3,
		"198.51.100.7":    1,
		"198.51.100.0/24": 2,
		"198.51.96.0/21":  1,
		"AS13335":         2,
		"n + as13335":     2,
		"192.0.2.1":       1,
		"2001:db8::1":     1,
		"203.0.113.1":     0,
	} {
		if got := s.Hits(q); got != want {
			t.Errorf("Hits(%q) = %d, want %d", q, got, want)
		}
	}
}

func TestWhoisServerUnknownAndHostileQueries(t *testing.T) {
	s := startWhois(t, map[string]string{"192.0.2.0/24": "x: y\n"})
	for _, line := range []string{
		"unknown-handle\r\n",
		"\r\n",
		"\x00\x01\x02\r\n",
		"-i origin AS1\r\n",
	} {
		if got := rawWhois(t, s.Addr, line); !strings.Contains(got, "No match found") {
			t.Errorf("%.30q: got %q", line, got)
		}
	}
	// A query longer than the server reads: the server answers and closes
	// with input unread, so the client may see a reset instead of the
	// answer; the server itself carries on.
	if conn, err := net.Dial("tcp", s.Addr); err == nil {
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(conn, strings.Repeat("a", 100000)+"\r\n")
		_, _ = io.ReadAll(conn)
		conn.Close()
	}
	// A client that connects and says nothing does not stop the server.
	idle, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if got := rawWhois(t, s.Addr, "192.0.2.1\r\n"); got != "x: y\n" {
		t.Errorf("with an idle client open: got %q", got)
	}
}

func TestWhoisServerClose(t *testing.T) {
	s, err := scantest.StartWhoisServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	idle, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for an idle connection")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// The idle connection was ended.
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(idle).ReadByte(); err == nil {
		t.Error("idle connection still open after Close")
	}
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.Close()
		t.Error("server still accepting after Close")
	}
}

// The vigie whois client against the lab server: the override gets every
// query, the fixture comes back byte for byte, referrals are not followed.
func TestWhoisServerWithWhoisClient(t *testing.T) {
	referred := startWhois(t, map[string]string{"104.16.0.0/12": "referred: yes\n"})
	withReferral := cloudflareWhois +
		"ReferralServer: whois://127.0.0.1:1\n" +
		"ReferralServer: rwhois://" + referred.Addr + "\n"
	s := startWhois(t, map[string]string{
		"104.16.0.0/12": withReferral,
		"AS13335":       asWhois,
		"CLOUD14":       "OrgName: Cloudflare, Inc.\n",
	})
	c := owner.NewWhoisClient(s.Addr, 5*time.Second)
	ctx := context.Background()

	ans, err := c.Query(ctx, "104.17.3.91")
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Raw) != withReferral || ans.Server != s.Addr || ans.Truncated {
		t.Errorf("IP query: %q from %q (truncated %v)", ans.Raw, ans.Server, ans.Truncated)
	}
	if referred.Hits("104.17.3.91") != 0 {
		t.Error("the referral was followed")
	}
	if n, err := owner.ParseIPWhois(ans.Raw); err != nil || n.OrgName != "Cloudflare, Inc." || n.Country != "US" {
		t.Errorf("ParseIPWhois = %+v, %v", n, err)
	}

	for _, q := range []string{"AS13335", "13335"} {
		ans, err = c.Query(ctx, q)
		if err != nil || string(ans.Raw) != asWhois {
			t.Errorf("Query(%q) = %q, %v", q, ans.Raw, err)
		}
	}

	// A handle has no dot: the library alone would ask IANA.
	if ans, err = c.Query(ctx, "CLOUD14"); err != nil || string(ans.Raw) != "OrgName: Cloudflare, Inc.\n" {
		t.Errorf("handle query: %q, %v", ans.Raw, err)
	}

	if ans, err = c.Query(ctx, "203.0.113.9"); err != nil || !strings.Contains(string(ans.Raw), "No match found") {
		t.Errorf("unknown address: %q, %v", ans.Raw, err)
	}
	if _, err := owner.ParseIPWhois(ans.Raw); err == nil {
		t.Error("a no-match answer parsed as a network")
	}

	if got := s.Hits("104.16.0.0/12"); got != 1 {
		t.Errorf("Hits(104.16.0.0/12) = %d, want 1", got)
	}
	if got := s.Hits("AS13335"); got != 2 {
		t.Errorf("Hits(AS13335) = %d, want 2", got)
	}
}

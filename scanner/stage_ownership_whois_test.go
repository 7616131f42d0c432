package scanner

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigie-scan/vigie/scanner/owner"
)

// countingWhoisServer counts the whois queries it is sent and answers each
// with "no match".
func countingWhoisServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
					n.Add(1)
					c.Write([]byte("% No match\r\n"))
				}
			}()
		}
	}()
	return ln.Addr().String(), &n
}

// TestMailHundredHopsWhoisBudget: a mail with 100 Received hops, RDAP
// down, costs at most the scan's whois budget in whois queries, not one
// per relay (it took 108 s at one query a second).
func TestMailHundredHopsWhoisBudget(t *testing.T) {
	lab := startMailLab(t)
	lab.RDAP.SetDown(true)
	whois, queries := countingWhoisServer(t)
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "Received: from relay%d.example.net (relay%d.example.net [100.1.%d.7])\r\n\tby mx.hop%d.net with ESMTP id q%d; Tue, 1 Dec 2026 10:%02d:00 +0000\r\n", i, i, i, i, i, 59-i%60)
	}
	b.WriteString("From: Mairie <info@ville-exemple.fr>\r\nTo: habitant@example.org\r\nSubject: Consultation\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <hops@ville-exemple.fr>\r\n\r\nBonjour.\r\n")
	file := filepath.Join(t.TempDir(), "hops.eml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := mailLabOptions(lab, file)
	opts.WhoisServer = whois
	res, err := ScanMail(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ev := res.Evidence
	relays := 0
	for _, a := range ev.Addresses {
		if strings.HasPrefix(a.IP, "100.1.") {
			relays++
		}
	}
	if relays < 90 {
		t.Fatalf("%d relay addresses attributed or tried, want the mail's 100; errors %+v", relays, ev.Errors)
	}
	if n := queries.Load(); n == 0 || n > owner.DefaultWhoisQueries {
		t.Errorf("%d whois queries for %d relays, want between 1 and the budget's %d", n, relays, owner.DefaultWhoisQueries)
	}
	budget := false
	for _, e := range ev.Errors {
		budget = budget || strings.Contains(e.Error, "whois budget spent")
	}
	if !budget {
		t.Errorf("no lookup says the whois budget was spent: %+v", ev.Errors)
	}
}

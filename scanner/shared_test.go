package scanner

import (
	"context"
	"testing"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestSharedBrowserRestart: a shared browser that stopped (a crash) is
// started again on the next scan; after Close, none is left running.
func TestSharedBrowserRestart(t *testing.T) {
	requireBrowser(t)
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	sh, err := NewShared(t.Context(), Options{Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr, TrustCerts: []string{lab.CACertFile}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := sh.Browser()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := sh.Browser(); again != first {
		t.Error("a running shared browser was replaced")
	}
	profile := first.Profile()
	_ = first.Close() // as if it crashed
	second, err := sh.Browser()
	if err != nil || second == first || sh.BrowserStarts() != 2 {
		t.Fatalf("after a crash: %v, same %v, starts %d", err, second == first, sh.BrowserStarts())
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{profile, second.Profile()} {
		if pids := browser.ProfileProcesses(p); len(pids) > 0 {
			t.Errorf("Chromium processes left: %v", pids)
		}
	}
	if _, err := sh.Browser(); err == nil {
		t.Error("a closed Shared started a browser")
	}
}

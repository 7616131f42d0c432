package browser

import (
	"context"
	"net/netip"
	"sync"
	"testing"

	"github.com/vigie-scan/vigie/scanner/proxy"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// The test binary's lab (scanner/scantest: the lab's sites, consent
// libraries from npm and UDP canary), its recording proxy and a browser
// trusting its CA, started on first use.
var (
	labOnce  sync.Once
	theLab   *scantest.Lab
	labProxy *proxy.Proxy
	labB     *Browser
	labErr   error
)

// labBrowser returns the lab, a browser for it and the proxy its visits go
// through (the lab's hosts are reached through the proxy's dial override).
func labBrowser(t *testing.T) (*scantest.Lab, *Browser, *proxy.Proxy) {
	t.Helper()
	exe := requireBrowser(t)
	labOnce.Do(func() {
		ctx := context.Background()
		if theLab, labErr = scantest.Start(ctx); labErr != nil {
			return
		}
		// Every lab name is dialled at its override; the address recorded
		// is a documentation one.
		resolve := func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("198.51.100.1")}, nil
		}
		if labProxy, labErr = proxy.Start(ctx, proxy.Config{Resolve: resolve, DialOverride: theLab.DialOverride()}); labErr != nil {
			return
		}
		labB, labErr = Start(ctx, Config{Exec: exe, Proxy: labProxy.Addr, TrustCerts: []string{theLab.CACertFile}, Timing: testTiming})
	})
	if labErr != nil {
		t.Fatal(labErr)
	}
	return theLab, labB, labProxy
}

// closeLab stops what labBrowser started (from TestMain).
func closeLab() []error {
	var errs []error
	if labB != nil {
		errs = append(errs, labB.Close())
	}
	if labProxy != nil {
		errs = append(errs, labProxy.Close())
	}
	if theLab != nil {
		errs = append(errs, theLab.Close())
	}
	return errs
}

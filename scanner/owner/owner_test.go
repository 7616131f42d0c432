package owner_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/owner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func labServers(t *testing.T) (*scantest.RDAPServer, *scantest.WhoisServer) {
	t.Helper()
	nets, doms, asns := scantest.LabRDAP()
	r, err := scantest.StartRDAPServer(nets, doms, asns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	w, err := scantest.StartWhoisServer(scantest.LabWhois())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return r, w
}

func TestOneQueryPerNetwork(t *testing.T) {
	r, w := labServers(t)
	c, err := owner.New(owner.Config{RDAPServer: r.URL, WhoisServer: w.Addr})
	if err != nil {
		t.Fatal(err)
	}
	// 50 hosts in one network, looked up concurrently, then again.
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
			n, err := c.Network(context.Background(), ip)
			if err == nil && n.OrgName != "Cloudflare, Inc." {
				err = errors.New("wrong organisation " + n.OrgName)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Network(context.Background(), netip.MustParseAddr("198.51.100.200")); err != nil {
		t.Fatal(err)
	}
	if got := r.Hits("/ip/"); got != 1 {
		t.Errorf("%d RDAP ip queries for 51 addresses of one network, want 1", got)
	}
}

func TestWhoisFallbackAndBothDown(t *testing.T) {
	r, w := labServers(t)
	r.SetDown(true)
	c, _ := owner.New(owner.Config{RDAPServer: r.URL, WhoisServer: w.Addr})
	n, err := c.Network(context.Background(), netip.MustParseAddr("203.0.113.10"))
	if err != nil {
		t.Fatal(err)
	}
	if n.Source != "whois" || n.OrgName != "OVH SAS" || n.Country != "FR" || len(n.Raw) != 1 {
		t.Errorf("whois fallback: %+v", n)
	}

	down, _ := owner.New(owner.Config{RDAPServer: r.URL, WhoisServer: "127.0.0.1:9", Timeout: 2 * time.Second})
	if _, err := down.Network(context.Background(), netip.MustParseAddr("203.0.113.10")); err == nil {
		t.Error("no error with both RDAP and whois down")
	}
}

func TestNotFound(t *testing.T) {
	r, w := labServers(t)
	c, _ := owner.New(owner.Config{RDAPServer: r.URL, WhoisServer: w.Addr})
	if _, err := c.Domain(context.Background(), "not-registered-lab.com"); !errors.Is(err, owner.ErrNotFound) {
		t.Errorf("unknown domain: %v", err)
	}
}

// TestDomainsAskedOnce: the scans of a batch share one client, and a
// domain (registered or not) is asked once however many sites name it,
// without a disk cache.
func TestDomainsAskedOnce(t *testing.T) {
	r, w := labServers(t)
	c, err := owner.New(owner.Config{RDAPServer: r.URL, WhoisServer: w.Addr})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := c.Domain(ctx, "participation-vendor.com")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Domain(ctx, "not-registered-lab.com")
	asked := r.Requests()
	for range 5 {
		d, err := c.Domain(ctx, "Participation-Vendor.com.")
		if err != nil || d.Registrant != first.Registrant || len(d.Raw) == 0 {
			t.Fatalf("again: %+v, %v", d, err)
		}
		if _, err := c.Domain(ctx, "not-registered-lab.com"); !errors.Is(err, owner.ErrNotFound) {
			t.Fatalf("unknown domain again: %v", err)
		}
	}
	if more := r.Requests() - asked; more != 0 {
		t.Errorf("%d more RDAP requests for domains already answered, want 0", more)
	}
}

func TestDiskCache(t *testing.T) {
	r, w := labServers(t)
	dir := t.TempDir()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ip := netip.MustParseAddr("198.51.100.17")

	run := func(server string) *owner.NetworkRecord {
		t.Helper()
		c, err := owner.New(owner.Config{RDAPServer: server, WhoisServer: w.Addr, CacheDir: dir, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		n, err := c.Network(context.Background(), ip)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Domain(context.Background(), "participation-vendor.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	run(r.URL)
	first := r.Requests()
	n := run(r.URL)
	if r.Requests() != first {
		t.Errorf("second run made %d more requests, want none (disk cache)", r.Requests()-first)
	}
	if n.OrgName != "Cloudflare, Inc." || n.Source != "rdap" || len(n.Raw) == 0 {
		t.Errorf("cached record lost data: %+v", n)
	}

	// A cache written against one server never answers for another.
	other, _ := labServers(t)
	run(other.URL)
	if other.Requests() == 0 {
		t.Error("the cache of one RDAP server answered for another")
	}

	// Expired entries are asked again.
	now = now.Add(25 * time.Hour)
	run(r.URL)
	if r.Requests() == first {
		t.Error("an expired cache entry was used")
	}
}

func TestDomainWhoisFallback(t *testing.T) {
	r, w := labServers(t)
	r.SetDown(true)
	c, _ := owner.New(owner.Config{RDAPServer: r.URL, WhoisServer: w.Addr})
	tests := []struct {
		domain, registrar, registrant, country string
		redacted                               bool
	}{
		{scantest.VendorDomain, "Gandi SAS", "Participation Vendor SAS", "FR", false},
		{scantest.RelayDomain, "MarkMonitor Inc.", "", "US", true},
	}
	for _, tt := range tests {
		d, err := c.Domain(context.Background(), tt.domain)
		if err != nil {
			t.Fatalf("%s: %v", tt.domain, err)
		}
		if d.Source != "whois" || d.Registrar != tt.registrar || d.Registrant != tt.registrant || d.RegistrantCountry != tt.country || d.Redacted != tt.redacted {
			t.Errorf("%s: %+v", tt.domain, d)
		}
	}
	if _, err := c.Domain(context.Background(), "not-registered-lab.com"); err == nil {
		t.Error("unknown domain answered")
	}
}

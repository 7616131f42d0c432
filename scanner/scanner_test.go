package scanner_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func startLab(t *testing.T) *scantest.Lab {
	t.Helper()
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	return lab
}

// labOptions points every external name of a scan at the lab.
func labOptions(lab *scantest.Lab, url string) scanner.Options {
	return scanner.Options{URL: url, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride(), Consent: "none", Dwell: 3 * time.Second, Timeout: time.Minute}
}

func scan(t *testing.T, lab *scantest.Lab, url string) *scanner.Result {
	t.Helper()
	res, err := scanner.Scan(context.Background(), labOptions(lab, url))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestScanLab(t *testing.T) {
	lab := startLab(t)
	tests := []struct {
		url         string
		status      string
		chain       int
		unreachable bool
		hostRoles   map[string]string
	}{
		{"https://jeparticipe.ville-exemple.fr/", evidence.ResolvedOK, 1, false, map[string]string{
			"jeparticipe.ville-exemple.fr":            evidence.RoleSite,
			"proxy-fallback.participation-vendor.com": evidence.RoleChain,
			"mailgate.ville-exemple.fr":               evidence.RoleMailServers,
		}},
		{"https://participez.commune-propre.fr/", evidence.ResolvedOK, 1, false, nil},
		{"https://sondage.ville-exemple.fr/", evidence.ResolvedNXDomain, 1, true, nil},
		{"https://boucle.ville-exemple.fr/", evidence.ResolvedLoop, 2, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			res := scan(t, lab, tt.url)
			ev := res.Evidence
			r := ev.DNS.Resolution(ev.Target.Host)
			if r == nil || r.Status != tt.status || len(r.Chain) != tt.chain {
				t.Fatalf("resolution %+v, want status %s with %d CNAME(s)", r, tt.status, tt.chain)
			}
			if !ev.Has(evidence.KindDNS) {
				t.Error("DNS evidence not marked collected")
			}
			if res.TargetUnreachable() != tt.unreachable {
				t.Errorf("TargetUnreachable = %v", res.TargetUnreachable())
			}
			if tt.unreachable && (len(ev.Errors) == 0 || ev.Errors[0].Stage != "dns") {
				t.Errorf("an unreachable target is not reported under errors: %+v", ev.Errors)
			}
			for name, role := range tt.hostRoles {
				found := false
				for _, h := range ev.Hosts {
					found = found || (h.Name == name && strings.Contains(strings.Join(h.Roles, ","), role))
				}
				if !found {
					t.Errorf("host %s with role %s missing from %+v", name, role, ev.Hosts)
				}
			}
		})
	}
}

func TestScanResolverDown(t *testing.T) {
	// Nothing listens on port 9 of loopback: every lookup fails, the scan
	// still returns evidence with an error, and DNS is not marked collected.
	res, err := scanner.Scan(context.Background(), scanner.Options{URL: "https://jeparticipe.ville-exemple.fr/",
		Resolver: "127.0.0.1:9", RDAPServer: "http://127.0.0.1:9", WhoisServer: "127.0.0.1:9", Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Evidence.Has(evidence.KindDNS) || len(res.Evidence.Errors) == 0 {
		t.Errorf("resolver down: collected %v, errors %v", res.Evidence.Collected, res.Evidence.Errors)
	}
}

func TestScanConfigErrors(t *testing.T) {
	tests := []struct {
		name, want string
		opts       scanner.Options
	}{
		{"no URL", "no URL", scanner.Options{}},
		{"ftp", "scheme", scanner.Options{URL: "ftp://x.fr/"}},
		{"no host", "no host", scanner.Options{URL: "https:///path"}},
		{"bare TLD", "invalid URL", scanner.Options{URL: "https://fr/"}},
		{"credentials", "credentials", scanner.Options{URL: "https://u:p@x.fr/"}},
		{"resolver without port", "--resolver", scanner.Options{URL: "https://x.fr/", Resolver: "127.0.0.1"}},
		{"rdap not a URL", "--rdap-server", scanner.Options{URL: "https://x.fr/", RDAPServer: "rdap.example"}},
		{"proxy scheme", "--proxy", scanner.Options{URL: "https://x.fr/", Proxy: "ftp://127.0.0.1:21"}},
		{"missing cert", "--trust-cert", scanner.Options{URL: "https://x.fr/", TrustCerts: []string{"/nonexistent.pem"}}},
		{"allow-network not a CIDR", `--allow-network "intranet" is not a CIDR`, scanner.Options{URL: "https://x.fr/", AllowNetworks: []string{"intranet"}}},
		{"allow-network everything", `--allow-network "0.0.0.0/0" is not inside a private`, scanner.Options{URL: "https://x.fr/", AllowNetworks: []string{"10.0.0.0/8", "0.0.0.0/0"}}},
		{"allow-network host bits", "did you mean 10.0.0.0/8", scanner.Options{URL: "https://x.fr/", AllowNetworks: []string{"10.1.2.3/8"}}},
		{"invalid IDN", "internationalised name", scanner.Options{URL: "https://bad\u00a0name.fr/"}},
		{"negative dwell", "--dwell", scanner.Options{URL: "https://x.fr/", Dwell: -time.Second}},
		{"dwell too long", "--dwell", scanner.Options{URL: "https://x.fr/", Dwell: 2 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanner.Scan(context.Background(), tt.opts)
			var ce *scanner.ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want a ConfigError naming %q", err, tt.want)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		in                            string
		url, host, display, regDomain string
	}{
		{"JeParticipe.Ville-Exemple.FR", "https://jeparticipe.ville-exemple.fr/", "jeparticipe.ville-exemple.fr", "", "ville-exemple.fr"},
		// Internationalised names: A-labels for every lookup and load,
		// U-labels for people.
		{"https://mairie-évry.fr/", "https://xn--mairie-vry-h7a.fr/", "xn--mairie-vry-h7a.fr", "mairie-évry.fr", "xn--mairie-vry-h7a.fr"},
		{"https://WWW.Mairie-Évry.fr:8443/contact#x", "https://www.xn--mairie-vry-h7a.fr:8443/contact", "www.xn--mairie-vry-h7a.fr", "www.mairie-évry.fr", "xn--mairie-vry-h7a.fr"},
		{"https://mairie-%C3%A9vry.fr/", "https://xn--mairie-vry-h7a.fr/", "xn--mairie-vry-h7a.fr", "mairie-évry.fr", "xn--mairie-vry-h7a.fr"},
		{"xn--mairie-vry-h7a.fr", "https://xn--mairie-vry-h7a.fr/", "xn--mairie-vry-h7a.fr", "mairie-évry.fr", "xn--mairie-vry-h7a.fr"},
		// IP literals keep their port.
		{"http://[::ffff:127.0.0.1]:8080/", "http://[::ffff:127.0.0.1]:8080/", "::ffff:127.0.0.1", "", "::ffff:127.0.0.1"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", "127.0.0.1", "", "127.0.0.1"},
	} {
		tg, err := scanner.ParseTarget(tt.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tt.in, err)
			continue
		}
		if tg.URL != tt.url || tg.Host != tt.host || tg.DisplayHost != tt.display || tg.RegistrableDomain != tt.regDomain {
			t.Errorf("ParseTarget(%q) = %+v", tt.in, tg)
		}
	}
}

// operatorOf returns the organisation operating the site's addresses.
func operatorOf(ev *evidence.Evidence) *evidence.Organisation {
	for _, h := range ev.Hosts {
		if h.Name != ev.Target.Host {
			continue
		}
		for i := range ev.Organisations {
			if ev.Organisations[i].ID == h.Operator {
				return &ev.Organisations[i]
			}
		}
	}
	return nil
}

func TestOwnershipLab(t *testing.T) {
	lab := startLab(t)
	tests := []struct {
		url, operator, country, source string
	}{
		{"https://jeparticipe.ville-exemple.fr/", "org/cloudflare", "US", "rdap"},
		{"https://participez.commune-propre.fr/", "org/ovhcloud", "FR", "rdap"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			res := scan(t, lab, tt.url)
			ev := res.Evidence
			if !ev.Has(evidence.KindOwnership) {
				t.Fatalf("ownership not collected: %+v", ev.Errors)
			}
			o := operatorOf(ev)
			if o == nil || o.ID != tt.operator || o.Country != tt.country {
				t.Fatalf("operator %+v, want %s (%s)", o, tt.operator, tt.country)
			}
			for _, n := range ev.Networks {
				if n.Source != tt.source || n.Raw == "" {
					t.Errorf("network %s: source %q raw %q", n.ID, n.Source, n.Raw)
				}
				found := false
				for _, a := range res.Artifacts {
					found = found || a.Path == n.Raw
				}
				if !found {
					t.Errorf("raw answer %s not kept as an artefact", n.Raw)
				}
			}
		})
	}
}

func TestOwnershipVendorDomainOwner(t *testing.T) {
	lab := startLab(t)
	ev := scan(t, lab, "https://jeparticipe.ville-exemple.fr/").Evidence
	for _, h := range ev.Hosts {
		if h.Name == "proxy-fallback.participation-vendor.com" {
			if h.DomainOwner != "org/participation-vendor" {
				t.Errorf("vendor domain owner %q", h.DomainOwner)
			}
			return
		}
	}
	t.Error("vendor host missing")
}

func TestOwnershipWhoisFallback(t *testing.T) {
	lab := startLab(t)
	lab.RDAP.SetDown(true)
	res := scan(t, lab, "https://jeparticipe.ville-exemple.fr/")
	ev := res.Evidence
	if !ev.Has(evidence.KindOwnership) {
		t.Fatalf("whois did not stand in for RDAP: %+v", ev.Errors)
	}
	if o := operatorOf(ev); o == nil || o.ID != "org/cloudflare" {
		t.Fatalf("operator via whois: %+v", o)
	}
	for _, n := range ev.Networks {
		if n.Source != "whois" || !strings.HasPrefix(n.Raw, "whois/") {
			t.Errorf("network %s from %s (%s), want whois", n.ID, n.Source, n.Raw)
		}
	}
	if lab.Whois.Hits("198.51.100.0/24") == 0 {
		t.Error("the lab whois server was not asked")
	}
}

func TestOwnershipBothDown(t *testing.T) {
	lab := startLab(t)
	lab.RDAP.SetDown(true)
	opts := labOptions(lab, "https://jeparticipe.ville-exemple.fr/")
	opts.WhoisServer = "127.0.0.1:9"
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ev := res.Evidence
	if ev.Has(evidence.KindOwnership) {
		t.Error("ownership marked collected with RDAP and whois down")
	}
	stages := map[string]int{}
	for _, e := range ev.Errors {
		stages[e.Stage]++
		first, _, _ := strings.Cut(e.Target, ", ")
		if _, err := netip.ParseAddr(first); err == nil && e.Stage == "owner" && (!strings.Contains(e.Error, "rdap") || !strings.Contains(e.Error, "whois")) {
			t.Errorf("error does not say both failed: %s", e.Error)
		}
	}
	if stages["owner"] == 0 {
		t.Errorf("no ownership errors reported: %+v", ev.Errors)
	}
	// The two addresses of the CDN's /24 failed together: one entry names both.
	shared := false
	for _, e := range ev.Errors {
		shared = shared || (e.Stage == "owner" && strings.Contains(e.Target, "198.51.100.17, 198.51.100.18"))
	}
	if !shared {
		t.Errorf("addresses of one failed network are not reported together: %+v", ev.Errors)
	}
	if !ev.Has(evidence.KindDNS) {
		t.Error("DNS evidence lost because ownership failed")
	}
}

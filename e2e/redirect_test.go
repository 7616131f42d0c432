package e2e

import (
	"testing"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestRedirectedSiteJudged: the site is the host the visitor lands on.
// The city's short address (on its own hoster) redirects to the founding
// portal, whose name is a CNAME to the vendor's proxy on a US CDN: vigie
// judged the shortcut's hosting — no CNAME handed to a third party, no
// CDN, the declared hoster OVH confirmed — and the founding lie passed.
// A city address redirecting to the vendor's own domain said nothing of
// the vendor. Now the landed host is recorded (Target.Landed), resolved,
// in the site's role, and the hosting checks judge it.
func TestRedirectedSiteJudged(t *testing.T) {
	tests := []struct {
		name, url, landed string
		want              expect
	}{
		{"shortcut to the founding portal", "https://" + scantest.HostShortcut + "/", scantest.HostFounding, expect{
			fire: map[string][]string{
				"hosting.third-party-cname":    {"proxy-fallback." + scantest.VendorDomain},
				"hosting.cdn-proxy":            {"org/cloudflare"},
				"hosting.operator-outside-eea": {"org/cloudflare"},
				"legal.hoster-mismatch":        {"hoster:ovhcloud"},
			},
			quote: map[string][]string{"legal.hoster-mismatch": {"operated by Cloudflare (Cloudflare, Inc., US)"}},
		}},
		{"city address to the vendor's platform", "https://" + scantest.HostVendorRedirect + "/", scantest.HostVendorPortal, expect{
			fire: map[string][]string{"hosting.third-party-cname": {scantest.HostVendorPortal}},
			quote: map[string][]string{
				"hosting.third-party-cname": {
					scantest.HostVendorRedirect + " redirects its visitors to " + scantest.HostVendorPortal,
					"That domain belongs to Participation Vendor SAS (FR)",
				},
				"web.third-party-requests": {"The site is served from " + scantest.HostVendorPortal + " (owned by Participation Vendor SAS (FR)"},
			},
		}},
		{"founding portal, no redirect", "https://" + scantest.HostFounding + "/", "", expect{
			fire: map[string][]string{"hosting.third-party-cname": {"proxy-fallback." + scantest.VendorDomain}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, _ := labScan(t, tt.url, scanner.Options{Consent: "none"})
			if ev.Target.Landed != tt.landed {
				t.Errorf("landed on %q, want %q", ev.Target.Landed, tt.landed)
			}
			if tt.landed != "" {
				h := hostRecord(ev, tt.landed)
				if h == nil || !contains(h.Roles, evidence.RoleSite) || h.Operator == "" {
					t.Errorf("the landed host's record %+v: want the site's role and its operator", h)
				}
				if len(ev.Incomplete) > 0 {
					t.Errorf("incomplete: %q", ev.Incomplete)
				}
			}
			j := judge(ev)
			tt.want.assert(t, j)
			if tt.landed == scantest.HostVendorPortal {
				found := false
				for _, p := range j.outcome.Facts.Processors {
					found = found || (p.Organisation == "org/participation-vendor" && contains(p.Roles, checks.RoleDomainOwner))
				}
				if !found {
					t.Errorf("the vendor is not a processor as the owner of the domain the site lands on: %+v", j.outcome.Facts.Processors)
				}
			}
		})
	}
}

// hostRecord returns ev's record of host name, or nil.
func hostRecord(ev *evidence.Evidence, name string) *evidence.Host {
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

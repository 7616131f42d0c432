package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// owned builds evidence for a site whose addresses are operated by org.
func owned(org evidence.Organisation, extra ...evidence.Host) *evidence.Evidence {
	const name = "www.v.fr"
	ev := site(name, "v.fr", []evidence.Resolution{{ID: "dns/" + name, Name: name, Canonical: name, Status: evidence.ResolvedOK, IPv4: []string{"198.51.100.17"}}}, nil)
	ev.Collected = append(ev.Collected, evidence.KindOwnership)
	ev.Hosts = append([]evidence.Host{{ID: "host/" + name, Name: name, Roles: []string{evidence.RoleSite}, Resolution: "dns/" + name, Operator: org.ID}}, extra...)
	ev.Addresses = []evidence.Address{{ID: "ip/198.51.100.17", IP: "198.51.100.17", Network: "net/198.51.100.0-198.51.100.255"}}
	ev.Networks = []evidence.Network{{ID: "net/198.51.100.0-198.51.100.255", Organisation: org.ID, Source: "rdap"}}
	ev.Organisations = []evidence.Organisation{org}
	return ev
}

var (
	cloudflare      = evidence.Organisation{ID: "org/cloudflare", Name: "Cloudflare", LegalEntity: "Cloudflare, Inc.", Country: "US", Categories: []string{"cdn", "hosting"}}
	ovh             = evidence.Organisation{ID: "org/ovhcloud", Name: "OVHcloud", LegalEntity: "OVH SAS", Country: "FR", Categories: []string{"hosting"}}
	infomaniak      = evidence.Organisation{ID: "org/infomaniak", Name: "Infomaniak", Country: "CH", Categories: []string{"hosting"}}
	unknownCC       = evidence.Organisation{ID: "org/x", Name: "X"}
	googleAnalytics = evidence.Organisation{ID: "org/google-analytics", Name: "Google Analytics", LegalEntity: "Google LLC", Country: "US", Categories: []string{"analytics"}}
	bunny           = evidence.Organisation{ID: "org/bunny", Name: "BunnyWay", Country: "SI", Categories: []string{"cdn"}}
)

func TestCDNProxy(t *testing.T) {
	tests := []struct {
		name   string
		ev     *evidence.Evidence
		status Status
		want   []string
	}{
		{"US CDN", owned(cloudflare), StatusFail, []string{"org/cloudflare"}},
		{"EU CDN is still a CDN", owned(bunny), StatusFail, []string{"org/bunny"}},
		{"plain hoster", owned(ovh), StatusPass, nil},
		{"operator unknown", owned(evidence.Organisation{}), StatusNotEvaluated, nil},
		{"ownership not collected", func() *evidence.Evidence { e := owned(cloudflare); e.Collected = e.Collected[:1]; return e }(), StatusNotEvaluated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := subjects(t, hostingCDNProxy, tt.ev, nil)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

func TestOperatorOutsideEEA(t *testing.T) {
	chainHost := evidence.Host{ID: "host/edge.vendor.com", Name: "edge.vendor.com", Roles: []string{evidence.RoleChain}, Operator: "org/cloudflare"}
	mx := evidence.Host{ID: "host/mx.v.fr", Name: "mx.v.fr", Roles: []string{evidence.RoleMailServers}, Operator: "org/cloudflare"}
	tests := []struct {
		name   string
		ev     *evidence.Evidence
		policy *Policy
		status Status
		want   []string
	}{
		{"US operator", owned(cloudflare), nil, StatusFail, []string{"org/cloudflare"}},
		{"US operator allowed by policy", owned(cloudflare), &Policy{Allowed: Allowed{Countries: []string{"US"}}}, StatusPass, nil},
		{"US operator, policy allows EEA only", owned(cloudflare), &Policy{Allowed: Allowed{Countries: []string{"EEA"}}}, StatusFail, []string{"org/cloudflare"}},
		{"French hoster", owned(ovh), nil, StatusPass, nil},
		{"adequacy country still reported", owned(infomaniak), nil, StatusFail, []string{"org/infomaniak"}},
		{"adequacy allowed by bloc", owned(infomaniak), &Policy{Allowed: Allowed{Countries: []string{"adequate"}}}, StatusPass, nil},
		{"unknown country is not judged", owned(unknownCC), nil, StatusPass, nil},
		{"chain host's operator counts once", func() *evidence.Evidence {
			e := owned(cloudflare, chainHost)
			return e
		}(), nil, StatusFail, []string{"org/cloudflare"}},
		{"contacted third party counts by its domain owner", func() *evidence.Evidence {
			e := owned(ovh, evidence.Host{ID: "host/www.google-analytics.com", Name: "www.google-analytics.com",
				Roles: []string{evidence.RoleThirdParty}, Operator: "org/cloudflare", DomainOwner: "org/google-analytics"})
			e.Organisations = append(e.Organisations, cloudflare, googleAnalytics)
			return e
		}(), nil, StatusFail, []string{"org/google-analytics"}},
		{"contacted EU third party", func() *evidence.Evidence {
			e := owned(ovh, evidence.Host{ID: "host/cdn.bunny.net", Name: "cdn.bunny.net", Roles: []string{evidence.RoleThirdParty}, Operator: "org/bunny"})
			e.Organisations = append(e.Organisations, bunny)
			return e
		}(), nil, StatusPass, nil},
		{"contacted first-party host is not a third party", func() *evidence.Evidence {
			e := owned(ovh, evidence.Host{ID: "host/static.v.fr", Name: "static.v.fr", Roles: []string{evidence.RoleThirdParty}, Operator: "org/cloudflare"})
			e.Organisations = append(e.Organisations, cloudflare)
			return e
		}(), nil, StatusPass, nil},
		{"contacted US third party allowed by policy", func() *evidence.Evidence {
			e := owned(ovh, evidence.Host{ID: "host/www.google-analytics.com", Name: "www.google-analytics.com",
				Roles: []string{evidence.RoleThirdParty}, DomainOwner: "org/google-analytics"})
			e.Organisations = append(e.Organisations, googleAnalytics)
			return e
		}(), &Policy{Allowed: Allowed{Countries: []string{"US"}}}, StatusPass, nil},
		{"site handed to a US vendor's domain on an EU network counts the vendor", func() *evidence.Evidence {
			usVendor := evidence.Organisation{ID: "org/us-vendor", Name: "US Vendor", LegalEntity: "US Vendor, Inc.", Country: "US"}
			e := owned(ovh, evidence.Host{ID: "host/ville.usvendor.com", Name: "ville.usvendor.com",
				Roles: []string{evidence.RoleSite, evidence.RoleThirdParty}, Operator: "org/ovhcloud", DomainOwner: "org/us-vendor"})
			e.Target.Landed = "ville.usvendor.com"
			e.Organisations = append(e.Organisations, usVendor)
			return e
		}(), nil, StatusFail, []string{"org/us-vendor"}},
		{"site name in the organisation's domains counts by its network only", func() *evidence.Evidence {
			usRegistrant := evidence.Organisation{ID: "org/us-registrant", Name: "Registrant", Country: "US"}
			e := owned(ovh)
			e.Hosts[0].DomainOwner = "org/us-registrant"
			e.Organisations = append(e.Organisations, usRegistrant)
			return e
		}(), nil, StatusPass, nil},
		{"mail servers do not serve the site", func() *evidence.Evidence {
			e := owned(ovh, mx)
			e.Organisations = append(e.Organisations, cloudflare)
			return e
		}(), nil, StatusPass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if p != nil {
				if err := p.validate(); err != nil {
					t.Fatal(err)
				}
			}
			status, got := subjects(t, hostingOperatorOutsideEEA, tt.ev, p)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

// TestOperatorOutsideEEANote checks that the transfer note comes from the
// checks' table, and is said once for evidence saved when the collector
// still wrote it into the organisation's note.
func TestOperatorOutsideEEANote(t *testing.T) {
	const anycast = "anycast CDN: an address says nothing about server location"
	for name, note := range map[string]string{
		"evidence keeps facts only":        anycast,
		"evidence saved with the old note": anycast + "; " + BlocNote(BlocUS),
	} {
		t.Run(name, func(t *testing.T) {
			cf := cloudflare
			cf.Note = note
			out := RunChecks([]*Check{hostingOperatorOutsideEEA}, owned(cf), nil, testNow)
			if len(out.Findings) != 1 {
				t.Fatalf("findings %+v", out.Findings)
			}
			s := out.Findings[0].Summary
			if !strings.Contains(s, "Note: "+anycast+"; "+BlocNote(BlocUS)+".") || strings.Count(s, BlocNote(BlocUS)) != 1 {
				t.Errorf("summary %q", s)
			}
		})
	}
}

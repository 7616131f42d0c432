package checks

import (
	"slices"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// site builds evidence for a target host with the given resolutions and zones.
func site(host, domain string, rs []evidence.Resolution, zs []evidence.Zone) *evidence.Evidence {
	return &evidence.Evidence{
		Target:    evidence.Target{URL: "https://" + host + "/", Host: host, RegistrableDomain: domain},
		Collected: []evidence.Kind{evidence.KindDNS},
		DNS:       evidence.DNS{Resolutions: rs, Zones: zs},
	}
}

func res(name, status string, chain ...string) evidence.Resolution {
	r := evidence.Resolution{ID: "dns/" + name, Name: name, Status: status, Canonical: name}
	from := name
	for _, to := range chain {
		r.Chain = append(r.Chain, evidence.CNAME{From: from, To: to, TTL: 300})
		from = to
	}
	r.Canonical = from
	return r
}

// subjects runs one check and returns its status and finding subjects.
func subjects(t *testing.T, c *Check, ev *evidence.Evidence, p *Policy) (Status, []string) {
	t.Helper()
	out := RunChecks([]*Check{c}, ev, p, testNow)
	var subs []string
	for _, f := range out.Findings {
		subs = append(subs, f.Subject)
		if len(f.Evidence) == 0 {
			t.Errorf("%s finding %q cites no evidence", c.ID, f.Subject)
		}
	}
	return out.Results[0].Status, subs
}

func TestDanglingCNAME(t *testing.T) {
	tests := []struct {
		name   string
		rs     []evidence.Resolution
		status Status
		want   []string
	}{
		{"chain to nxdomain", []evidence.Resolution{res("sondage.v.fr", evidence.ResolvedNXDomain, "x.gone.com")}, StatusFail, []string{"sondage.v.fr"}},
		{"chain to a name without address", []evidence.Resolution{res("a.v.fr", evidence.ResolvedNoAddress, "empty.vendor.com")}, StatusFail, []string{"a.v.fr"}},
		{"chain that resolves", []evidence.Resolution{res("a.v.fr", evidence.ResolvedOK, "b.vendor.com")}, StatusPass, nil},
		{"nxdomain without CNAME is not dangling", []evidence.Resolution{res("nope.v.fr", evidence.ResolvedNXDomain)}, StatusPass, nil},
		{"loop is not dangling", []evidence.Resolution{res("a.v.fr", evidence.ResolvedLoop, "b.v.fr", "a.v.fr")}, StatusPass, nil},
		{"one of two chains", []evidence.Resolution{
			res("a.v.fr", evidence.ResolvedOK, "b.vendor.com"),
			res("c.v.fr", evidence.ResolvedNXDomain, "d.old.com"),
		}, StatusFail, []string{"c.v.fr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := subjects(t, dnsDanglingCNAME, site("a.v.fr", "v.fr", tt.rs, nil), nil)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

func TestNoDNSSEC(t *testing.T) {
	zone := func(status string) []evidence.Zone {
		return []evidence.Zone{{ID: "dns/zone/v.fr", Domain: "v.fr", DNSSEC: status}}
	}
	tests := []struct {
		name   string
		zs     []evidence.Zone
		status Status
	}{
		{"unsigned", zone(evidence.DNSSECUnsigned), StatusFail},
		{"signed and validated", zone(evidence.DNSSECValidated), StatusPass},
		{"signed, resolver not validating", zone(evidence.DNSSECSigned), StatusPass},
		{"unknown", zone(evidence.DNSSECUnknown), StatusNotEvaluated},
		{"zone not looked up", nil, StatusNotEvaluated},
		{"another zone's status does not count", []evidence.Zone{{ID: "dns/zone/x.fr", Domain: "x.fr", DNSSEC: evidence.DNSSECUnsigned}}, StatusNotEvaluated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _ := subjects(t, dnsNoDNSSEC, site("www.v.fr", "v.fr", nil, tt.zs), nil)
			if status != tt.status {
				t.Errorf("status %s, want %s", status, tt.status)
			}
		})
	}
}

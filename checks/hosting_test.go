package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func TestThirdPartyCNAME(t *testing.T) {
	const host = "jeparticipe.ville.fr"
	tests := []struct {
		name   string
		r      *evidence.Resolution
		policy *Policy
		status Status
		want   []string
	}{
		{"CNAME to a vendor", ptr(res(host, evidence.ResolvedOK, "proxy.vendor.com")), nil, StatusFail, []string{"proxy.vendor.com"}},
		{"CNAME within the site's domain", ptr(res(host, evidence.ResolvedOK, "web.ville.fr")), nil, StatusPass, nil},
		{"third party further down the chain", ptr(res(host, evidence.ResolvedOK, "web.ville.fr", "edge.cdn.net")), nil, StatusFail, []string{"edge.cdn.net"}},
		{"CNAME to an organisation domain of the policy", ptr(res(host, evidence.ResolvedOK, "srv.metropole.fr")),
			&Policy{Organisation: Organisation{Domains: []string{"metropole.fr"}}}, StatusPass, nil},
		{"look-alike of the organisation's domain", ptr(res(host, evidence.ResolvedOK, "srv.notville.fr")), nil, StatusFail, []string{"srv.notville.fr"}},
		{"no CNAME", ptr(res(host, evidence.ResolvedOK)), nil, StatusPass, nil},
		{"site not resolved", nil, nil, StatusNotEvaluated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []evidence.Resolution
			if tt.r != nil {
				rs = append(rs, *tt.r)
			}
			status, got := subjects(t, hostingThirdPartyCNAME, site(host, "ville.fr", rs, nil), tt.policy)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

func TestThirdPartyCNAMENamesTheOrganisation(t *testing.T) {
	ev := site("jeparticipe.ville.fr", "ville.fr", []evidence.Resolution{res("jeparticipe.ville.fr", evidence.ResolvedOK, "proxy.vendor.com")}, nil)
	ev.Hosts = []evidence.Host{{ID: "host/proxy.vendor.com", Name: "proxy.vendor.com", DomainOwner: "org/vendor", Operator: "org/cdn"}}
	ev.Organisations = []evidence.Organisation{
		{ID: "org/vendor", Name: "Vendor", LegalEntity: "Vendor SAS", Country: "FR"},
		{ID: "org/cdn", Name: "Edge", LegalEntity: "Edge, Inc.", Country: "US"},
	}
	out := RunChecks([]*Check{hostingThirdPartyCNAME}, ev, nil, testNow)
	if len(out.Findings) != 1 {
		t.Fatalf("findings: %+v", out.Findings)
	}
	f := out.Findings[0]
	if !strings.Contains(f.Summary, "belongs to Vendor (Vendor SAS, FR)") || !strings.Contains(f.Summary, "operated by Edge (Edge, Inc., US)") ||
		!slices.Contains(f.Evidence, "org/vendor") || !slices.Contains(f.Evidence, "org/cdn") {
		t.Errorf("finding does not name the organisation: %q %v", f.Summary, f.Evidence)
	}
}

func ptr[T any](v T) *T { return &v }

// The site is the host the target redirected to (Target.Landed): its
// chain is judged as the target's, and landing on another organisation's
// domain is itself a handover.
func TestThirdPartyCNAMELanded(t *testing.T) {
	const short = "participer.ville.fr"
	tests := []struct {
		name   string
		landed string
		rs     []evidence.Resolution
		policy *Policy
		want   []string
	}{
		{"to the organisation's portal, a CNAME to a vendor", "jeparticipe.ville.fr",
			[]evidence.Resolution{res(short, evidence.ResolvedOK), res("jeparticipe.ville.fr", evidence.ResolvedOK, "proxy.vendor.com")}, nil, []string{"proxy.vendor.com"}},
		{"to the vendor's own domain", "ville.vendor.com",
			[]evidence.Resolution{res(short, evidence.ResolvedOK), res("ville.vendor.com", evidence.ResolvedOK)}, nil, []string{"ville.vendor.com"}},
		{"to another domain of the organisation", "www.metropole.fr",
			[]evidence.Resolution{res(short, evidence.ResolvedOK), res("www.metropole.fr", evidence.ResolvedOK)},
			&Policy{Organisation: Organisation{Domains: []string{"metropole.fr"}}}, nil},
		{"both names handed to the same third party, said once", "www.ville.fr",
			[]evidence.Resolution{res(short, evidence.ResolvedOK, "proxy.vendor.com"), res("www.ville.fr", evidence.ResolvedOK, "proxy.vendor.com")}, nil,
			[]string{"proxy.vendor.com"}},
		{"both names handed over", "ville.vendor.com",
			[]evidence.Resolution{res(short, evidence.ResolvedOK, "redirect.shortener.net"), res("ville.vendor.com", evidence.ResolvedOK)}, nil,
			[]string{"redirect.shortener.net", "ville.vendor.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := site(short, "ville.fr", tt.rs, nil)
			ev.Target.Landed = tt.landed
			status, got := subjects(t, hostingThirdPartyCNAME, ev, tt.policy)
			want := StatusFail
			if tt.want == nil {
				want = StatusPass
			}
			if status != want || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, want, tt.want)
			}
		})
	}
}

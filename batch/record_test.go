package batch

import (
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// The main operator of a site whose address redirected to another host is
// that host's, not the redirector's.
func TestOperatorOfTheSiteHost(t *testing.T) {
	ev := &evidence.Evidence{
		Target: evidence.Target{Host: "participer.ville.fr"},
		DNS: evidence.DNS{Resolutions: []evidence.Resolution{
			{ID: "dns/participer.ville.fr", Name: "participer.ville.fr", Canonical: "participer.ville.fr"},
			{ID: "dns/portail.ville.fr", Name: "portail.ville.fr", Canonical: "edge.cdn.example"},
		}},
		Hosts: []evidence.Host{
			{Name: "participer.ville.fr", Operator: "org/ovh"},
			{Name: "edge.cdn.example", Operator: "org/cdn"},
		},
		Organisations: []evidence.Organisation{{ID: "org/ovh", Name: "OVHcloud", Country: "FR"}, {ID: "org/cdn", Name: "Edge CDN", Country: "US"}},
	}
	if name, country := operator(ev); name != "OVHcloud" || country != "FR" {
		t.Errorf("no redirect: %s %s, want OVHcloud FR", name, country)
	}
	ev.Target.Landed = "portail.ville.fr"
	if name, country := operator(ev); name != "Edge CDN" || country != "US" {
		t.Errorf("redirected: %s %s, want the landed host's operator, Edge CDN US", name, country)
	}
}

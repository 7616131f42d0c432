package scanner

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// siteDNS resolves the target's name (its CNAME chain and addresses) and
// gathers its zone's records (NS, MX, SPF, DMARC, CAA, DNSSEC). It returns
// the site, its chain and its zone's mail exchangers as hosts. KindDNS is
// collected when the resolver answered, even when the name does not
// resolve (that is evidence too); the scan is incomplete when the name
// does not resolve, since nothing of the site can then be seen.
func (s *scan) siteDNS(ctx context.Context, target evidence.Target) stageResult {
	r := s.newStage()
	host := target.Host
	if net.ParseIP(host) != nil {
		r.skipped = "the target is an IP address: no name to resolve"
		r.collected = append(r.collected, evidence.KindDNS)
		r.addHost(host, evidence.RoleSite, "")
		return r
	}
	s.progress("dns", fmt.Sprintf("resolving %s and the zone %s with %s", host, target.RegistrableDomain, s.dns.Server()))
	r.dns = dnsinfo.Collect(ctx, s.dns, []string{host}, []string{target.RegistrableDomain})
	res := r.dns.Resolution(host)
	switch {
	case res == nil:
		r.fail("dns", host, errors.New("the name was not resolved"))
		r.incomplete = append(r.incomplete, "the site's name was not resolved: nothing of the site could be seen")
		r.addHost(host, evidence.RoleSite, "")
		return r
	case res.Status == evidence.ResolvedError:
		// The resolver did not answer: nothing reliable was learnt.
		r.fail("dns", host, fmt.Errorf("resolution failed: %s", res.Error))
		r.incomplete = append(r.incomplete, "the site's name could not be resolved ("+res.Error+"): nothing of the site could be seen")
		r.addHost(host, evidence.RoleSite, res.ID)
		return r
	case res.Status != evidence.ResolvedOK:
		r.fail("dns", host, fmt.Errorf("the site's name does not resolve (%s): %s", res.Status, res.Error))
		r.incomplete = append(r.incomplete, fmt.Sprintf("the site's name does not resolve (%s): nothing of the site could be seen", res.Status))
	}
	r.collected = append(r.collected, evidence.KindDNS)
	r.addHost(host, evidence.RoleSite, res.ID)
	for _, c := range res.Chain {
		r.addHost(c.To, evidence.RoleChain, res.ID)
	}
	r.hosts = mergeHosts(r.hosts, mxHosts(r.dns.Zones))
	r.note = fmt.Sprintf("%s: %s, %d CNAME(s), %d address(es)", host, res.Status, len(res.Chain), len(res.IPv4)+len(res.IPv6))
	return r
}

// mxHosts lists the mail exchangers of zones, with the role mx.
func mxHosts(zones []evidence.Zone) []evidence.Host {
	var r stageResult
	for _, z := range zones {
		for _, mx := range z.MX {
			r.addHost(mx.Host, evidence.RoleMailServers, z.ID)
		}
	}
	return r.hosts
}

package scanner

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// collectDNS resolves the target's name and its zone's records.
func (s *scan) collectDNS(ctx context.Context, ev *evidence.Evidence) {
	host := ev.Target.Host
	if net.ParseIP(host) != nil {
		s.progress("dns", "target is an IP address: no name to resolve")
		ev.Collected = append(ev.Collected, evidence.KindDNS)
		return
	}
	s.progress("dns", fmt.Sprintf("resolving %s and the zone %s with %s", host, ev.Target.RegistrableDomain, s.dns.Server()))
	ev.DNS = dnsinfo.Collect(ctx, s.dns, []string{host}, []string{ev.Target.RegistrableDomain})
	r := ev.DNS.Resolution(host)
	switch {
	case r == nil:
		s.fail(ev, "dns", host, errors.New("the name was not resolved"))
		return
	case r.Status == evidence.ResolvedError:
		// The resolver did not answer: nothing reliable was learnt.
		s.fail(ev, "dns", host, fmt.Errorf("resolution failed: %s", r.Error))
		return
	case r.Status != evidence.ResolvedOK:
		s.fail(ev, "dns", host, fmt.Errorf("the site's name does not resolve (%s): %s", r.Status, r.Error))
	}
	ev.Collected = append(ev.Collected, evidence.KindDNS)
	s.progress("dns", fmt.Sprintf("%s: %s, %d CNAME(s), %d address(es)", host, r.Status, len(r.Chain), len(r.IPv4)+len(r.IPv6)))
}

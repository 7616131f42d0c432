package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/proxy"
)

// collectBrowser visits the target in headless Chromium through vigie's
// recording proxy: before any consent, after reject and after accept (each
// in a fresh browser context; only the first with --consent none), then
// --pages further first-party pages. It sets ev.Browser, adds every
// contacted host to ev.Hosts with the role "requested", marks KindBrowser
// (the initial visit loaded) and KindConsent (the reject and accept visits
// loaded) collected, records failures under the stage "browser", and
// returns the screenshots and HAR files.
func (s *scan) collectBrowser(ctx context.Context, ev *evidence.Evidence) []Artifact {
	target := ev.Target
	exe, err := browser.Find(s.opts.Browser)
	if err != nil {
		s.fail(ev, "browser", target.URL, err)
		return nil
	}
	p, err := proxy.Start(ctx, proxy.Config{
		Resolve:      s.resolveAddrs,
		Upstream:     s.opts.Proxy,
		DialOverride: s.opts.DialOverride,
		AllowPrivate: targetPrivatePrefixes(ev),
	})
	if err != nil {
		s.fail(ev, "browser", "proxy", err)
		return nil
	}
	defer func() {
		if err := p.Close(); err != nil {
			s.fail(ev, "browser", "proxy", err)
		}
	}()
	s.progress("browser", "starting "+exe)
	b, err := browser.Start(ctx, browser.Config{Exec: exe, Proxy: p.Addr, TrustCerts: s.opts.TrustCerts})
	if err != nil {
		s.fail(ev, "browser", exe, err)
		return nil
	}
	defer func() {
		if err := b.Close(); err != nil {
			s.fail(ev, "browser", "cleanup", err)
		}
	}()

	consent := s.opts.Consent
	if consent == "" {
		consent = "all"
	}
	res := b.Scan(ctx, browser.ScanConfig{
		URL: target.URL, Consent: consent, Pages: s.opts.Pages,
		FirstParty: s.firstParty(target),
		OnVisit:    p.SetVisit,
		Progress:   func(m string) { s.progress("browser", m) },
	})
	conns := p.Connections()
	b.CrossCheck(res.Browser.Visits, conns)
	res.Browser.Connections = append(conns, b.Background()...)
	ev.Browser = res.Browser

	ok := func(state string) bool {
		v := res.Browser.Visit(state)
		return v != nil && v.Error == ""
	}
	for _, v := range res.Browser.Visits {
		if v.Error != "" {
			s.fail(ev, "browser", v.ID, errors.New(v.Error))
		}
	}
	if ok(evidence.StateInitial) {
		ev.Collected = append(ev.Collected, evidence.KindBrowser)
	}
	if consent == "all" && ok(evidence.StateReject) && ok(evidence.StateAccept) {
		ev.Collected = append(ev.Collected, evidence.KindConsent)
	}
	if err := ctx.Err(); err != nil {
		s.fail(ev, "browser", target.URL, fmt.Errorf("browser visits interrupted: %w", err))
	}
	// Resolve the contacted hosts now (the proxy's lookups are cached) so
	// that their CNAME chains' names join the hosts to attribute.
	ev.Hosts = mergeHosts(ev.Hosts, buildHosts(ev))
	s.resolveHosts(ctx, ev)
	ev.Hosts = mergeHosts(ev.Hosts, buildHosts(ev))

	arts := make([]Artifact, 0, len(res.Files))
	for _, f := range res.Files {
		arts = append(arts, Artifact{Path: f.Path, Data: f.Data})
	}
	return arts
}

// resolveAddrs resolves a host with vigie's resolver, for the proxy.
func (s *scan) resolveAddrs(ctx context.Context, host string) ([]netip.Addr, error) {
	r := s.dns.Resolve(ctx, host)
	if r.Status != evidence.ResolvedOK {
		msg := r.Error
		if msg == "" {
			msg = r.Status
		}
		return nil, fmt.Errorf("resolving %s: %s", host, msg)
	}
	var out []netip.Addr
	for _, a := range r.Addrs() {
		if ip, err := netip.ParseAddr(a); err == nil {
			out = append(out, ip)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolving %s: no address", host)
	}
	return out, nil
}

// targetPrivatePrefixes returns the target's own addresses when they are
// private, loopback or link-local: the scanned site may be an intranet's,
// but no other private destination may be reached through the browser.
func targetPrivatePrefixes(ev *evidence.Evidence) []netip.Prefix {
	var addrs []string
	if ip, err := netip.ParseAddr(ev.Target.Host); err == nil {
		addrs = append(addrs, ip.String())
	} else if r := ev.DNS.Resolution(ev.Target.Host); r != nil {
		addrs = r.Addrs()
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

// firstParty tells the organisation's hosts: the target's registrable
// domain and the policy's organisation domains.
func (s *scan) firstParty(t evidence.Target) func(string) bool {
	domains := append([]string{t.RegistrableDomain}, s.opts.OrgDomains...)
	return func(host string) bool {
		for _, d := range domains {
			d = strings.ToLower(strings.TrimSuffix(d, "."))
			if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
				return true
			}
		}
		return false
	}
}

// mergeHosts adds the hosts of more to hosts, uniting the roles and
// sightings of a host listed in both, sorted by ID.
func mergeHosts(hosts, more []evidence.Host) []evidence.Host {
	idx := map[string]int{}
	out := slices.Clone(hosts)
	for i, h := range out {
		idx[h.Name] = i
	}
	for _, h := range more {
		i, ok := idx[h.Name]
		if !ok {
			idx[h.Name] = len(out)
			out = append(out, h)
			continue
		}
		o := &out[i]
		for _, r := range h.Roles {
			if !slices.Contains(o.Roles, r) {
				o.Roles = append(o.Roles, r)
			}
		}
		for _, s := range h.SeenIn {
			if !slices.Contains(o.SeenIn, s) {
				o.SeenIn = append(o.SeenIn, s)
			}
		}
		if o.Resolution == "" {
			o.Resolution = h.Resolution
		}
		slices.Sort(o.Roles)
		slices.Sort(o.SeenIn)
	}
	slices.SortFunc(out, func(a, b evidence.Host) int { return strings.Compare(a.ID, b.ID) })
	return out
}

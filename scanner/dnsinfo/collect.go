package dnsinfo

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// collectLimit bounds the resolutions and zones gathered at once.
const collectLimit = 8

// Collect resolves hosts and gathers zones (registrable domains)
// concurrently and returns the DNS evidence: the resolutions and zones
// sorted by ID, and every lookup c has made so far. Each zone's CAA walk
// starts at the first of hosts that lies within it (put the scanned host
// first), else at the zone's apex. Failures are recorded in the evidence;
// Collect itself does not fail.
func Collect(ctx context.Context, c *Client, hosts, zones []string) evidence.DNS {
	if c == nil {
		return evidence.DNS{}
	}
	hosts, zones = distinct(hosts), distinct(zones)
	resolutions := make([]evidence.Resolution, len(hosts))
	zs := make([]evidence.Zone, len(zones))

	var g errgroup.Group
	g.SetLimit(collectLimit)
	for i, name := range hosts {
		g.Go(func() error {
			resolutions[i] = c.Resolve(ctx, name)
			return nil
		})
	}
	for i, domain := range zones {
		host := domain
		if j := slices.IndexFunc(hosts, func(n string) bool { return names.Within(n, domain) }); j >= 0 {
			host = hosts[j]
		}
		g.Go(func() error {
			zs[i] = c.Zone(ctx, domain, host)
			return nil
		})
	}
	_ = g.Wait() // the goroutines return no error

	slices.SortFunc(resolutions, func(a, b evidence.Resolution) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(zs, func(a, b evidence.Zone) int { return strings.Compare(a.ID, b.ID) })
	out := evidence.DNS{Lookups: c.Lookups()}
	if len(resolutions) > 0 {
		out.Resolutions = resolutions
	}
	if len(zs) > 0 {
		out.Zones = zs
	}
	return out
}

// distinct returns the normalised, non-empty names of ns, each once, in
// their first order.
func distinct(ns []string) []string {
	var out []string
	seen := make(map[string]bool, len(ns))
	for _, n := range ns {
		n = names.Normalise(n)
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

package dnsinfo

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/miekg/dns"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// maxChain is the longest CNAME chain followed (DESIGN: CNAME chains ≤ 16).
const maxChain = 16

// Resolve follows name's CNAME chain to its end and returns the addresses
// found there. It works with resolvers that answer with the whole chain
// (recursive) and with those that give one link at a time (authoritative
// style). How the chain ended is in Status: ok, nxdomain (Error names the
// name that does not exist), no-address, loop, too-long (more than 16
// links) or error (SERVFAIL, timeout). An IP literal resolves to itself
// without a lookup.
func (c *Client) Resolve(ctx context.Context, name string) evidence.Resolution {
	n := names.Normalise(name)
	res := evidence.Resolution{ID: "dns/" + n, Name: n, Canonical: n}
	if addr, ok := names.IPLiteral(n); ok {
		res.Status = evidence.ResolvedOK
		if addr.Is4() {
			res.IPv4 = []string{addr.String()}
		} else {
			res.IPv6 = []string{addr.String()}
		}
		return res
	}

	seen := map[string]bool{n: true}
	cur := n
	for {
		a4, a6 := c.queryAddrs(ctx, cur)
		for _, id := range []string{a4.lookup.ID, a6.lookup.ID} {
			if !slices.Contains(res.Lookups, id) {
				res.Lookups = append(res.Lookups, id)
			}
		}
		if !conclusive(a4.lookup.Rcode) {
			return failed(res, a4.lookup)
		}

		// Follow the CNAMEs the answer holds, from cur.
		end := cur
		links := cnames(a4.rrs)
		for {
			l, ok := links[end]
			if !ok {
				break
			}
			if len(res.Chain) == maxChain {
				res.Status = evidence.ResolvedTooLong
				res.Error = fmt.Sprintf("more than %d CNAME links; stopped at %s", maxChain, end)
				return res
			}
			res.Chain = append(res.Chain, l)
			res.Canonical = l.To
			if seen[l.To] {
				res.Status = evidence.ResolvedLoop
				res.Error = fmt.Sprintf("CNAME loop: %s points back to %s", l.From, l.To)
				return res
			}
			seen[l.To] = true
			end = l.To
		}

		if a4.lookup.Rcode == dns.RcodeToString[dns.RcodeNameError] {
			res.Status = evidence.ResolvedNXDomain
			res.Error = end + " does not exist (NXDOMAIN)"
			return res
		}
		res.IPv4 = addrs(a4.rrs, end)
		if conclusive(a6.lookup.Rcode) {
			res.IPv6 = addrs(a6.rrs, end)
		}
		if len(res.IPv4)+len(res.IPv6) > 0 {
			res.Status = evidence.ResolvedOK
			return res
		}
		if end != cur {
			// The answer stopped at a CNAME target without its addresses
			// (authoritative style): ask again from there.
			cur = end
			continue
		}
		if !conclusive(a6.lookup.Rcode) {
			return failed(res, a6.lookup)
		}
		res.Status = evidence.ResolvedNoAddress
		res.Error = end + " has no A or AAAA record"
		return res
	}
}

// queryAddrs asks for name's A and AAAA records concurrently.
func (c *Client) queryAddrs(ctx context.Context, name string) (a4, a6 *answer) {
	var wg sync.WaitGroup
	wg.Go(func() { a4 = c.query(ctx, name, dns.TypeA) })
	wg.Go(func() { a6 = c.query(ctx, name, dns.TypeAAAA) })
	wg.Wait()
	return a4, a6
}

// conclusive reports whether rcode is an answer about the name (NOERROR or
// NXDOMAIN) rather than a failure to get one.
func conclusive(rcode string) bool {
	return rcode == dns.RcodeToString[dns.RcodeSuccess] || rcode == dns.RcodeToString[dns.RcodeNameError]
}

// failed marks res as failed because of lookup l.
func failed(res evidence.Resolution, l evidence.Lookup) evidence.Resolution {
	res.Status = evidence.ResolvedError
	res.Error = fmt.Sprintf("%s %s: %s", l.Name, l.Type, l.Rcode)
	if l.Error != "" {
		res.Error += ": " + l.Error
	}
	res.IPv4, res.IPv6 = nil, nil
	return res
}

// cnames indexes the CNAME records of an answer by owner (the first one
// when a name has several, which is invalid anyway).
func cnames(rrs []dns.RR) map[string]evidence.CNAME {
	out := make(map[string]evidence.CNAME)
	for _, rr := range rrs {
		if c, ok := rr.(*dns.CNAME); ok {
			from := names.Normalise(c.Hdr.Name)
			if _, dup := out[from]; !dup {
				out[from] = evidence.CNAME{From: from, To: names.Normalise(c.Target), TTL: c.Hdr.Ttl}
			}
		}
	}
	return out
}

// addrs returns the A and AAAA addresses owned by name in rrs, sorted and
// deduplicated.
func addrs(rrs []dns.RR, name string) []string {
	var as []netip.Addr
	for _, rr := range rrs {
		if names.Normalise(rr.Header().Name) != name {
			continue
		}
		var ip []byte
		switch v := rr.(type) {
		case *dns.A:
			ip = v.A.To4()
		case *dns.AAAA:
			ip = v.AAAA.To16()
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		return nil
	}
	slices.SortFunc(as, netip.Addr.Compare)
	as = slices.Compact(as)
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

// chainNames returns qname and the names its CNAME chain in rrs leads to:
// the owners whose records answer a question about qname.
func chainNames(rrs []dns.RR, qname string) map[string]bool {
	names := map[string]bool{qname: true}
	links := cnames(rrs)
	for cur := qname; ; {
		l, ok := links[cur]
		if !ok || names[l.To] {
			return names
		}
		names[l.To] = true
		cur = l.To
	}
}

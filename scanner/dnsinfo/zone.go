package dnsinfo

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// Zone gathers the records of domain, a registrable domain: its name
// servers, mail exchangers, SPF and other TXT records, DMARC policy, the CAA
// records that apply to host (the first name having CAA records, walking up
// from host to domain) and whether the zone is DNSSEC-signed and validated.
// An empty host, or one outside domain, starts the CAA walk at domain.
func (c *Client) Zone(ctx context.Context, domain, host string) evidence.Zone {
	d, h := names.Normalise(domain), names.Normalise(host)
	z := evidence.Zone{ID: "dns/zone/" + d, Domain: d, DNSSEC: evidence.DNSSECUnknown}

	var ns, mx, txt, dmarc, dnskey *answer
	var caa caaResult
	var wg sync.WaitGroup
	wg.Go(func() { ns = c.query(ctx, d, dns.TypeNS) })
	wg.Go(func() { mx = c.query(ctx, d, dns.TypeMX) })
	wg.Go(func() { txt = c.query(ctx, d, dns.TypeTXT) })
	wg.Go(func() { dmarc = c.query(ctx, "_dmarc."+d, dns.TypeTXT) })
	wg.Go(func() { dnskey = c.query(ctx, d, dns.TypeDNSKEY) })
	wg.Go(func() { caa = c.caaWalk(ctx, h, d) })
	wg.Wait()

	z.Lookups = append(z.Lookups, ns.lookup.ID, mx.lookup.ID, txt.lookup.ID, dmarc.lookup.ID)
	z.Lookups = append(z.Lookups, caa.lookups...)
	z.Lookups = append(z.Lookups, dnskey.lookup.ID)

	for _, rr := range owned(ns, d) {
		if v, ok := rr.(*dns.NS); ok {
			z.NS = append(z.NS, names.Normalise(v.Ns))
		}
	}
	slices.Sort(z.NS)
	z.NS = slices.Compact(z.NS)

	for _, rr := range owned(mx, d) {
		if v, ok := rr.(*dns.MX); ok {
			host := names.Normalise(v.Mx)
			if host == "" {
				host = "." // a null MX (RFC 7505): the domain accepts no mail
			}
			z.MX = append(z.MX, evidence.MX{Preference: v.Preference, Host: host})
		}
	}
	slices.SortFunc(z.MX, func(a, b evidence.MX) int {
		return cmp.Or(cmp.Compare(a.Preference, b.Preference), strings.Compare(a.Host, b.Host))
	})
	z.MX = slices.Compact(z.MX)

	for _, t := range texts(owned(txt, d)) {
		if z.SPF == "" && hasTag(t, "v=spf1") {
			z.SPF = t
		} else {
			// A second v=spf1 record (an SPF permerror) is kept here.
			z.TXT = append(z.TXT, t)
		}
	}
	slices.Sort(z.TXT)

	for _, t := range texts(owned(dmarc, "_dmarc."+d)) {
		if hasTag(t, "v=DMARC1") {
			z.DMARC = t
			break
		}
	}

	z.CAA, z.CAAOwner = caa.records, caa.owner
	z.DNSSEC = dnssec(dnskey, d)
	return z
}

// owned returns the records of a answering its question: those owned by
// the question name or by a name its CNAME chain leads to.
func owned(a *answer, qname string) []dns.RR {
	chain := chainNames(a.rrs, qname)
	var out []dns.RR
	for _, rr := range a.rrs {
		if chain[names.Normalise(rr.Header().Name)] {
			out = append(out, rr)
		}
	}
	return out
}

// texts returns the TXT records of rrs, each one's strings joined, sorted.
func texts(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, toRR(t).Data)
		}
	}
	slices.Sort(out)
	return out
}

// hasTag reports whether a TXT record starts with the version tag (such as
// v=spf1), as a whole word, ignoring case.
func hasTag(txt, tag string) bool {
	if len(txt) < len(tag) || !strings.EqualFold(txt[:len(tag)], tag) {
		return false
	}
	rest := txt[len(tag):]
	return rest == "" || rest[0] == ' ' || rest[0] == ';' || rest[0] == '\t'
}

// caaResult is the outcome of a CAA walk.
type caaResult struct {
	records []evidence.CAA
	owner   string
	lookups []string
}

// caaWalk asks for CAA records at host, then at each parent up to domain,
// and stops at the first name that has some.
func (c *Client) caaWalk(ctx context.Context, host, domain string) caaResult {
	var r caaResult
	for _, name := range walkUp(host, domain) {
		a := c.query(ctx, name, dns.TypeCAA)
		r.lookups = append(r.lookups, a.lookup.ID)
		for _, rr := range owned(a, name) {
			if v, ok := rr.(*dns.CAA); ok {
				r.records = append(r.records, evidence.CAA{Flag: v.Flag, Tag: v.Tag, Value: v.Value})
			}
		}
		if len(r.records) > 0 {
			r.owner = name
			slices.SortFunc(r.records, func(a, b evidence.CAA) int {
				return cmp.Or(strings.Compare(a.Tag, b.Tag), strings.Compare(a.Value, b.Value), cmp.Compare(a.Flag, b.Flag))
			})
			r.records = slices.Compact(r.records)
			return r
		}
		if ctx.Err() != nil {
			return r
		}
	}
	return r
}

// walkUp lists host and its parents down to domain, host first; just domain
// when host is empty or outside it.
func walkUp(host, domain string) []string {
	if host == "" || !names.Within(host, domain) {
		return []string{domain}
	}
	var names []string
	for name := host; ; {
		names = append(names, name)
		if name == domain {
			return names
		}
		_, parent, _ := strings.Cut(name, ".")
		name = parent
	}
}

// dnssec tells the DNSSEC status of domain from its DNSKEY lookup.
func dnssec(a *answer, domain string) string {
	if a.lookup.Rcode != dns.RcodeToString[dns.RcodeSuccess] {
		return evidence.DNSSECUnknown
	}
	for _, rr := range owned(a, domain) {
		if _, ok := rr.(*dns.DNSKEY); ok {
			if a.lookup.Authenticated {
				return evidence.DNSSECValidated
			}
			return evidence.DNSSECSigned
		}
	}
	return evidence.DNSSECUnsigned
}

package reports

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// This file builds the "who operates this site" section of the view: the
// CNAME chain, the addresses, networks and operators, and the zones.

// ---- organisations and hosts ----

func (v *view) org(id string) *evidence.Organisation {
	ev := v.R.Evidence
	if ev == nil || id == "" {
		return nil
	}
	for i := range ev.Organisations {
		if ev.Organisations[i].ID == id {
			return &ev.Organisations[i]
		}
	}
	return nil
}

func (v *view) host(name string) *evidence.Host {
	ev := v.R.Evidence
	if ev == nil {
		return nil
	}
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

// orgView is an organisation as the report names it.
type orgView struct {
	Ref      ref
	Name     string
	Legal    string
	Country  string
	Bloc     string
	Category string
}

func (v *view) orgView(o *evidence.Organisation) orgView {
	if o == nil {
		return orgView{}
	}
	ov := orgView{Ref: v.ref(o.ID), Name: text(o.Name), Country: o.Country, Category: strings.Join(o.Categories, ", ")}
	if j, ok := v.facts.Jurisdiction(o.ID); ok {
		ov.Bloc = j.Bloc
	}
	if o.LegalEntity != "" && o.LegalEntity != o.Name {
		ov.Legal = text(o.LegalEntity)
	}
	return ov
}

// Label is "Name (Legal entity, CC)".
func (o orgView) Label() string {
	if o.Name == "" {
		return ""
	}
	var parts []string
	if o.Legal != "" {
		parts = append(parts, o.Legal)
	}
	if o.Country != "" {
		parts = append(parts, o.Country)
	}
	if len(parts) == 0 {
		return o.Name
	}
	return o.Name + " (" + strings.Join(parts, ", ") + ")"
}

// firstParty reports whether host belongs to the organisation, as the
// checks decided it.
func (v *view) firstParty(host string) bool { return v.facts.IsFirstParty(host) }

// ---- operators ----

type operatorsView struct {
	section
	// NoSite is set for a mail-only analysis: no site was scanned.
	NoSite   bool
	Resolved bool
	Status   string
	Chain    []hostRow
	Addrs    []addrRow
	Diagram  *diagram
	Zones    []zoneView
	// Redirect is set when the target's address redirected the browser to
	// another host, which Chain and Addrs then describe.
	Redirect *redirectRow
	// Ownership is false when RDAP/whois evidence was not collected: the
	// operator columns are then empty for that reason.
	Ownership bool
}

// redirectRow is the target's address and the host it redirected to.
type redirectRow struct {
	From, To string
	// Ref is the initial visit, where the redirect was seen.
	Ref ref
}

type hostRow struct {
	Ref      ref
	Name     string
	Roles    string
	Operator orgView
	Owner    orgView
}

type addrRow struct {
	Ref      ref
	IP       string
	ASN      string
	NetRef   ref
	Network  string
	Country  string
	Operator orgView
}

type zoneView struct {
	Ref                        ref
	Domain, NS, MX, SPF, DMARC string
	CAA, DNSSEC                string
}

func (v *view) buildOperators(ev *evidence.Evidence) {
	op := &v.Operators
	op.Collected = ev.Has(evidence.KindDNS)
	op.Missing = v.L.Kind(evidence.KindDNS)
	op.Ownership = ev.Has(evidence.KindOwnership)
	op.NoSite = ev.Target.Host == ""
	for _, z := range ev.DNS.Zones {
		zv := zoneView{Ref: v.ref(z.ID), Domain: text(z.Domain), NS: text(strings.Join(z.NS, ", ")), SPF: text(z.SPF), DMARC: text(z.DMARC), DNSSEC: z.DNSSEC}
		var mx, caa []string
		for _, m := range z.MX {
			mx = append(mx, fmt.Sprintf("%d %s", m.Preference, m.Host))
		}
		for _, c := range z.CAA {
			caa = append(caa, fmt.Sprintf("%d %s %q", c.Flag, c.Tag, c.Value))
		}
		zv.MX, zv.CAA = text(strings.Join(mx, ", ")), text(strings.Join(caa, ", "))
		op.Zones = append(op.Zones, zv)
	}
	res := ev.DNS.Resolution(ev.Target.Host)
	if l := ev.Target.Landed; l != "" && !op.NoSite {
		// The pages are served from the host the target redirected to:
		// its chain, addresses and operators are the site's.
		op.Redirect = &redirectRow{From: text(ev.Target.Host), To: text(l)}
		if iv := ev.Browser.Visit(evidence.StateInitial); iv != nil {
			op.Redirect.Ref = v.ref(iv.ID)
		}
		if lr := ev.DNS.Resolution(l); lr != nil {
			res = lr
		}
	}
	if res == nil || op.NoSite {
		return
	}
	op.Resolved, op.Status = true, res.Status
	names := []string{res.Name}
	for _, c := range res.Chain {
		names = append(names, c.To)
	}
	for _, n := range names {
		row := hostRow{Name: text(n)}
		if h := v.host(n); h != nil {
			row.Ref, row.Roles = v.ref(h.ID), strings.Join(h.Roles, ", ")
			row.Operator, row.Owner = v.orgView(v.org(h.Operator)), v.orgView(v.org(h.DomainOwner))
		} else if r := ev.DNS.Resolution(n); r != nil {
			row.Ref = v.ref(r.ID)
		}
		op.Chain = append(op.Chain, row)
	}
	nets := map[string]*evidence.Network{}
	for i := range ev.Networks {
		nets[ev.Networks[i].ID] = &ev.Networks[i]
	}
	addrs := map[string]*evidence.Address{}
	for i := range ev.Addresses {
		addrs[ev.Addresses[i].IP] = &ev.Addresses[i]
	}
	for _, ip := range res.Addrs() {
		row := addrRow{IP: ip}
		if a := addrs[ip]; a != nil {
			row.Ref = v.ref(a.ID)
			if a.ASN != 0 {
				row.ASN = fmt.Sprintf("AS%d", a.ASN)
			}
			if n := nets[a.Network]; n != nil {
				row.NetRef = v.ref(n.ID)
				row.Network = text(netLabel(n))
				row.Country = n.Country
				row.Operator = v.orgView(v.org(n.Organisation))
			}
		}
		op.Addrs = append(op.Addrs, row)
	}
	op.Diagram = v.buildDiagram(ev, res, names, nets, addrs)
}

func netLabel(n *evidence.Network) string {
	s := n.Name
	if len(n.CIDRs) > 0 {
		if s != "" {
			s += " "
		}
		s += n.CIDRs[0]
	} else if s == "" {
		s = n.Start + "–" + n.End
	}
	return s
}

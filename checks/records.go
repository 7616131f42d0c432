package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// This file finds records in the evidence by ID or name and renders them
// for findings' summaries: lookups every check shares, no judgment.

// firstPartyDomains lists the domains counted as the organisation's.
func (p *Pass) firstPartyDomains() []string { return p.Facts().FirstPartyDomains }

// chainOperator returns the ID of the organisation operating the
// addresses a resolution ends at, from the host records of its names.
func chainOperator(ev *evidence.Evidence, r *evidence.Resolution) string {
	names := []string{r.Canonical, r.Name}
	for _, n := range names {
		if h := host(ev, n); h != nil && h.Operator != "" {
			return h.Operator
		}
	}
	return ""
}

// organisation returns the organisation with the given ID, or nil.
func organisation(ev *evidence.Evidence, id string) *evidence.Organisation {
	if id == "" {
		return nil
	}
	for i := range ev.Organisations {
		if ev.Organisations[i].ID == id {
			return &ev.Organisations[i]
		}
	}
	return nil
}

// orgText renders an organisation as "Name (Legal entity, CC)".
func orgText(o *evidence.Organisation) string {
	var parts []string
	if o.LegalEntity != "" && o.LegalEntity != o.Name {
		parts = append(parts, o.LegalEntity)
	}
	if o.Country != "" {
		parts = append(parts, o.Country)
	}
	if len(parts) == 0 {
		return o.Name
	}
	return fmt.Sprintf("%s (%s)", o.Name, strings.Join(parts, ", "))
}

// contactedThirdParty reports whether the page contacted the host (browser
// visits) and it is outside the organisation's domains.
func (p *Pass) contactedThirdParty(h *evidence.Host) bool {
	return slices.Contains(h.Roles, evidence.RoleThirdParty) && !p.IsFirstParty(h.Name)
}

// servesSite reports whether a host is the site or a name of its chain.
func servesSite(h *evidence.Host) bool {
	return slices.Contains(h.Roles, evidence.RoleSite) || slices.Contains(h.Roles, evidence.RoleChain)
}

// host returns the host record for name, or nil.
func host(ev *evidence.Evidence, name string) *evidence.Host {
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

// operatorEvidence lists the records that tie a host to its operator (host,
// resolution, addresses, networks) and the addresses themselves.
func operatorEvidence(ev *evidence.Evidence, h *evidence.Host) ([]string, []string) {
	refs := []string{h.ID}
	if h.Resolution != "" {
		refs = append(refs, h.Resolution)
	}
	var addrs []string
	if r := ev.DNS.Resolution(h.Name); r != nil {
		addrs = r.Addrs()
	}
	for _, a := range ev.Addresses {
		if slices.Contains(addrs, a.IP) {
			refs = append(refs, a.ID)
			if a.Network != "" {
				refs = append(refs, a.Network)
			}
		}
	}
	return refs, addrs
}

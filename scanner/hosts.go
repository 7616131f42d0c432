package scanner

import (
	"net/url"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/mail"
	"github.com/vigie-scan/vigie/scanner/names"
)

// buildHosts lists every host name the evidence mentions, with its roles.
func buildHosts(ev *evidence.Evidence) []evidence.Host {
	byName := map[string]*evidence.Host{}
	add := func(name, role, seenIn string) {
		name = names.Normalise(name)
		if name == "" {
			return
		}
		h, ok := byName[name]
		if !ok {
			rd, _ := names.RegistrableDomain(name)
			h = &evidence.Host{ID: "host/" + name, Name: name, RegistrableDomain: rd}
			if r := ev.DNS.Resolution(name); r != nil {
				h.Resolution = r.ID
			}
			byName[name] = h
		}
		if !slices.Contains(h.Roles, role) {
			h.Roles = append(h.Roles, role)
		}
		if seenIn != "" && !slices.Contains(h.SeenIn, seenIn) {
			h.SeenIn = append(h.SeenIn, seenIn)
		}
	}
	if r := ev.DNS.Resolution(ev.Target.Host); r != nil {
		add(ev.Target.Host, evidence.RoleSite, r.ID)
		for _, c := range r.Chain {
			add(c.To, evidence.RoleChain, r.ID)
		}
	} else if ev.Target.Host != "" {
		add(ev.Target.Host, evidence.RoleSite, "")
	}
	for _, z := range ev.DNS.Zones {
		for _, mx := range z.MX {
			add(mx.Host, evidence.RoleMailServers, z.ID)
		}
	}
	for i := range ev.Mails {
		for _, h := range mail.Hosts(&ev.Mails[i]) {
			add(h.Name, h.Role, h.SeenIn)
		}
	}
	if ev.Legal != nil {
		for _, p := range ev.Legal.Pages {
			u := p.FinalURL
			if u == "" {
				u = p.URL
			}
			if pu, err := url.Parse(u); err == nil && p.Error == "" {
				add(pu.Hostname(), evidence.RoleLegalPage, p.ID)
			}
		}
	}
	if ev.Browser != nil {
		// Every host a page contacted, first or third party, seen in its visit.
		contacted := map[string]bool{}
		for _, v := range ev.Browser.Visits {
			for _, r := range v.Requests {
				add(r.Host, evidence.RoleThirdParty, v.ID)
				contacted[r.Host] = true
			}
		}
		// The names their CNAME chains lead to (a cloaked tracker's).
		for _, r := range ev.DNS.Resolutions {
			if !contacted[r.Name] {
				continue
			}
			for _, c := range r.Chain {
				add(c.To, evidence.RoleRequestedChain, r.ID)
			}
		}
	}
	out := make([]evidence.Host, 0, len(byName))
	for _, h := range byName {
		slices.Sort(h.Roles)
		slices.Sort(h.SeenIn)
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b evidence.Host) int { return strings.Compare(a.ID, b.ID) })
	return out
}

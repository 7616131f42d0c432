package mail

import (
	"net/netip"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Host is a host name or address a mail shows, the role it played there
// (evidence.RoleMailRelay, RoleMailSender or RoleMailLink) and the ID of
// the record it was seen in. The ownership stage attributes each.
type Host struct {
	Name   string
	Role   string
	SeenIn string
}

// Hosts lists the hosts of an analysed mail for the ownership stage: the
// relays (the sender's and third parties' hops, names and public
// addresses, up to the host that handed the message to the recipient),
// the sender's domains (From, Return-Path, DKIM d=, Message-ID) and the
// link and image hosts, decoded destinations included. The recipient's
// own servers are left out. A mail that could not be parsed has none.
func Hosts(m *evidence.Mail) []Host {
	if m.Error != "" {
		return nil
	}
	var out []Host
	for _, h := range relayHosts(m.Hops) {
		out = append(out, Host{h.name, evidence.RoleMailRelay, h.hop})
	}
	handover := true
	for _, h := range m.Hops {
		if h.Side == evidence.HopRecipient {
			if !handover {
				continue
			}
			handover = false
		}
		if publicIP(h.IP) {
			out = append(out, Host{h.IP, evidence.RoleMailRelay, h.ID})
		}
	}
	for _, d := range []string{m.From.Domain, m.BounceDomain, m.MessageIDDomain} {
		if validHost(d) {
			out = append(out, Host{d, evidence.RoleMailSender, m.ID})
		}
	}
	for _, d := range m.DKIM {
		if validHost(d.Domain) {
			out = append(out, Host{d.Domain, evidence.RoleMailSender, m.ID})
		}
	}
	for _, l := range m.Links {
		out = append(out, Host{l.Host, evidence.RoleMailLink, l.ID})
		if _, h, ok := webURL(l.Destination); ok {
			out = append(out, Host{h, evidence.RoleMailLink, l.ID})
		}
	}
	for _, i := range m.Images {
		out = append(out, Host{i.Host, evidence.RoleMailLink, i.ID})
	}
	return out
}

// publicIP reports whether s is a globally routable unicast address (not
// loopback, private or link-local): one an RDAP registry can describe.
func publicIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.IsGlobalUnicast() && !a.IsPrivate()
}

package reports

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// This file builds the mail section of the view: each message's route,
// providers, authentication and tracking.

// ---- mail ----

type mailView struct {
	section
	Mails []mailItem
}

type mailItem struct {
	Ref                                          ref
	File, Subject, From, To, ReplyTo, ReturnPath string
	Bounce, MsgIDDomain, Date, Error             string
	Providers                                    []providerRow
	Hops                                         []hopRow
	DKIM                                         []string
	Auth                                         []string
	Clicks                                       []linkRow
	Pixels                                       []linkRow
	Codes                                        []string
	Named                                        []string
	// Limits lists the analysis bounds the message reached.
	Limits string
}

type providerRow struct {
	Org     orgView
	Entity  string
	Signals string
}

type hopRow struct {
	Ref                             ref
	N                               int
	From, By, With, IP, Time, Delay string
	// Side is whose infrastructure received the message here (sender,
	// relay, recipient), translated.
	Side          string
	Operator      orgView
	FirstExternal bool
}

type linkRow struct {
	Ref                         ref
	URL, Via, Destination, Note string
}

func addr(a evidence.MailAddr) string {
	switch {
	case a.Name != "" && a.Address != "":
		return a.Name + " <" + a.Address + ">"
	case a.Address != "":
		return a.Address
	}
	return a.Name
}

func (v *view) ipOperator(ip string) orgView {
	ev := v.R.Evidence
	if ev == nil || ip == "" {
		return orgView{}
	}
	for _, a := range ev.Addresses {
		if a.IP != ip {
			continue
		}
		for _, n := range ev.Networks {
			if n.ID == a.Network {
				return v.orgView(v.org(n.Organisation))
			}
		}
	}
	return orgView{}
}

func (v *view) buildMail(ev *evidence.Evidence) {
	mv := &v.Mail
	mv.Collected, mv.Missing = ev.Has(evidence.KindMail), v.L.Kind(evidence.KindMail)
	for i, m := range ev.Mails {
		if i >= 50 {
			break
		}
		it := mailItem{Ref: v.ref(m.ID), File: text(m.File), Subject: text(m.Subject), From: text(addr(m.From)),
			ReturnPath: text(m.ReturnPath), Bounce: text(m.BounceDomain), MsgIDDomain: text(m.MessageIDDomain),
			Date: formatTime(m.Date), Error: text(m.Error), Limits: text(strings.Join(m.Limits, ", "))}
		var to, rt []string
		for _, a := range m.To {
			to = append(to, addr(a))
		}
		for _, a := range m.ReplyTo {
			rt = append(rt, addr(a))
		}
		it.To, it.ReplyTo = text(strings.Join(to, ", ")), text(strings.Join(rt, ", "))
		for _, p := range m.Providers {
			it.Providers = append(it.Providers, providerRow{Org: v.orgView(v.org(p.Organisation)), Entity: text(p.Entity), Signals: text(strings.Join(p.Signals, "; "))})
		}
		for j, h := range m.Hops {
			if j >= 50 {
				break
			}
			hr := hopRow{Ref: v.ref(h.ID), N: j + 1, From: text(h.From), By: text(h.By), With: text(h.With), IP: text(h.IP),
				Time: formatTime(h.Time), FirstExternal: j == m.FirstExternalHop, Operator: v.ipOperator(h.IP), Side: v.L.Side(h.Side)}
			if h.Delay != 0 {
				hr.Delay = h.Delay.String()
			}
			if hr.Operator.Name == "" {
				if hh := v.host(names.Normalise(h.By)); hh != nil {
					hr.Operator = v.orgView(v.org(hh.Operator))
				}
			}
			it.Hops = append(it.Hops, hr)
		}
		for _, d := range m.DKIM {
			it.DKIM = append(it.DKIM, text(fmt.Sprintf("d=%s s=%s: %s", d.Domain, d.Selector, d.Result)))
		}
		for _, a := range m.AuthResults {
			s := a.Method + "=" + a.Result
			if a.Domain != "" {
				s += " (" + a.Domain + ")"
			}
			it.Auth = append(it.Auth, text(s))
		}
		for _, ln := range m.Links {
			if ln.Redirector != "" && len(it.Clicks) < 20 {
				it.Clicks = append(it.Clicks, linkRow{Ref: v.ref(ln.ID), URL: text(ln.URL), Via: text(ln.Redirector), Destination: text(ln.Destination)})
			}
		}
		for _, im := range m.Images {
			if im.Pixel && len(it.Pixels) < 20 {
				it.Pixels = append(it.Pixels, linkRow{Ref: v.ref(im.ID), URL: text(im.URL), Via: text(im.Host), Note: text(im.Reason)})
			}
		}
		for _, c := range m.Codes {
			it.Codes = append(it.Codes, text(fmt.Sprintf("%s (%s): %s", c.Kind, c.Where, c.Value)))
		}
		for _, s := range m.RecipientNamed {
			it.Named = append(it.Named, text(s.Text))
		}
		mv.Mails = append(mv.Mails, it)
	}
}

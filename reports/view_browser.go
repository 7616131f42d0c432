package reports

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// This file builds the sections of the browser visits: the third parties
// contacted, what changes with the consent choice, the banner.

// ---- third parties ----

type thirdPartyView struct {
	section
	Rows []thirdPartyRow
	More int
}

type thirdPartyRow struct {
	Ref       ref
	Host      string
	Owner     orgView
	Country   string
	Category  string
	FirstSeen string
	Before    bool // first seen before any choice
	Requests  int
}

func (v *view) buildThirdParties(ev *evidence.Evidence) {
	tp := &v.ThirdParties
	tp.Collected, tp.Missing = ev.Has(evidence.KindBrowser) && ev.Browser != nil, v.L.Kind(evidence.KindBrowser)
	if !tp.Collected {
		return
	}
	all := v.facts.ThirdPartiesByInteraction()
	for i, t := range all {
		if i >= maxRows {
			tp.More = len(all) - maxRows
			break
		}
		row := thirdPartyRow{Host: text(t.Host), Requests: t.Requests, Before: t.BeforeConsent, FirstSeen: v.L.State(t.FirstState)}
		if t.FirstState != evidence.StateInitial && t.FirstState != evidence.StateCrawl {
			if t.FirstPhase == evidence.PhaseAfterAction {
				row.FirstSeen += ", " + v.L.T("tp.after")
			} else {
				row.FirstSeen += ", " + v.L.T("tp.before")
			}
		}
		if t.Record != "" {
			row.Ref = v.ref(t.Record)
		}
		row.Owner = v.orgView(v.org(t.Owner))
		row.Country, row.Category = t.Country, strings.Join(t.Categories, ", ")
		tp.Rows = append(tp.Rows, row)
	}
}

// ---- consent ----

type consentView struct {
	section
	// OnlyInitial is set when the browser ran but not the reject and
	// accept visits.
	OnlyInitial bool
	Columns     []consentColumn
}

type consentColumn struct {
	State       string
	Label       string
	Visited     bool
	Ref         ref
	URL         string
	Error       string
	Action      string
	Screenshots []shotView
	Cookies     []cookieRow
	CookiesMore int
	Storage     []storageRow
	Hosts       []hostCount
	// PageViews are the visit's page loads (the first, then the reload
	// and the link followed after a choice), Dialogs the JavaScript
	// dialogs its pages opened, WebRTC their peer-connection attempts.
	PageViews []pageViewRow
	Dialogs   []string
	WebRTC    []string
}

// pageViewRow is one page view of a visit: what was loaded, how it was
// watched, the third parties it contacted.
type pageViewRow struct {
	Ref       ref
	Kind      string
	URL       string
	Watched   string
	Third     []string
	ThirdMore int
	Error     string
}

type shotView struct {
	Label string
	// Data is a data: URI of the image, when the bundle's bytes were at
	// hand; Path the bundle-relative link otherwise.
	Data    string
	Path    string
	Missing string
}

type cookieRow struct {
	Ref        ref
	Name       string
	Domain     string
	Expires    string
	ThirdParty bool
	After      bool
	// Refreshed: set before the choice and set again after it.
	Refreshed bool
}

type storageRow struct {
	Ref               ref
	Kind, Origin, Key string
	After             bool
}

type hostCount struct {
	Host     string
	Requests int
	After    bool
}

// screenshotPath accepts only the bundle paths vigie's browser writes.
var screenshotPath = regexp.MustCompile(`^screenshots/[A-Za-z0-9][A-Za-z0-9._/-]{0,200}\.(png|jpe?g)$`)

// maxEmbedded bounds one screenshot embedded in the HTML report.
const maxEmbedded = 8 << 20

func (v *view) shot(s evidence.Screenshot) shotView {
	sv := shotView{Label: text(s.Label)}
	p := s.Path
	if !screenshotPath.MatchString(p) || strings.Contains(p, "..") {
		sv.Missing = v.L.Tf("consent.shot-missing", text(p))
		return sv
	}
	data, ok := v.files[p]
	switch {
	case ok && len(data) <= maxEmbedded && bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		sv.Data = "data:image/png;base64," + base64Std(data)
	case ok && len(data) <= maxEmbedded && bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		sv.Data = "data:image/jpeg;base64," + base64Std(data)
	case ok || v.files == nil:
		// Too big or not an image we embed, or no bytes at hand: link it.
		sv.Path = p
	default:
		sv.Missing = v.L.Tf("consent.shot-missing", p)
	}
	return sv
}

func (v *view) buildConsent(ev *evidence.Evidence) {
	cv := &v.Consent
	cv.Collected, cv.Missing = ev.Has(evidence.KindBrowser) && ev.Browser != nil, v.L.Kind(evidence.KindBrowser)
	if !cv.Collected {
		return
	}
	cv.OnlyInitial = !ev.Has(evidence.KindConsent)
	for _, state := range []string{evidence.StateInitial, evidence.StateReject, evidence.StateAccept} {
		col := consentColumn{State: state, Label: v.L.State(state)}
		vis := ev.Browser.Visit(state)
		if vis == nil {
			cv.Columns = append(cv.Columns, col)
			continue
		}
		col.Visited, col.Ref, col.URL, col.Error = true, v.ref(vis.ID), text(vis.URL), text(vis.Error)
		switch a := vis.Action; {
		case a == nil:
			col.Action = v.L.T("consent.no-action")
		case a.Done:
			col.Action = v.L.Tf("consent.clicked", text(a.Button))
		default:
			col.Action = v.L.Tf("consent.not-done", text(a.Error))
		}
		for _, s := range vis.Screenshots {
			col.Screenshots = append(col.Screenshots, v.shot(s))
		}
		for i, c := range vis.Cookies {
			if i >= maxRows {
				col.CookiesMore = len(vis.Cookies) - maxRows
				break
			}
			row := cookieRow{Ref: v.ref(c.ID), Name: text(c.Name), Domain: text(c.Domain), After: c.Phase == evidence.PhaseAfterAction,
				ThirdParty: !v.firstParty(strings.TrimPrefix(c.Domain, ".")), Refreshed: c.Refreshed}
			if c.Session || c.Expires.IsZero() {
				row.Expires = v.L.T("consent.session")
			} else {
				row.Expires = c.Expires.UTC().Format("2006-01-02")
			}
			col.Cookies = append(col.Cookies, row)
		}
		for i, s := range vis.Storage {
			if i >= maxRows {
				break
			}
			col.Storage = append(col.Storage, storageRow{Ref: v.ref(s.ID), Kind: text(s.Kind), Origin: text(s.Origin), Key: text(s.Key), After: s.Phase == evidence.PhaseAfterAction})
		}
		for _, t := range v.facts.ThirdParties {
			for _, vc := range t.Visits {
				if vc.Visit == vis.ID {
					col.Hosts = append(col.Hosts, hostCount{Host: text(t.Host), Requests: vc.Requests, After: !vc.BeforeAction})
				}
			}
		}
		slices.SortFunc(col.Hosts, func(a, b hostCount) int { return strings.Compare(a.Host, b.Host) })
		if len(col.Hosts) > maxRows {
			col.Hosts = col.Hosts[:maxRows]
		}
		v.buildPageViews(&col, vis)
		cv.Columns = append(cv.Columns, col)
	}
}

// maxViewHosts bounds the third-party hosts listed under one page view.
const maxViewHosts = 8

// buildPageViews lists vis's page views, each with how it was watched and
// the third-party hosts its requests went to, then its dialogs and WebRTC
// attempts.
func (v *view) buildPageViews(col *consentColumn, vis *evidence.Visit) {
	l := v.L
	hosts := map[string][]string{} // page view → third-party hosts, in order
	for _, r := range vis.Requests {
		if r.Visit != vis.ID || r.PageView == "" || r.Host == "" || v.firstParty(r.Host) || slices.Contains(hosts[r.PageView], r.Host) {
			continue
		}
		hosts[r.PageView] = append(hosts[r.PageView], r.Host)
	}
	for i, pv := range vis.PageViews {
		if i >= maxRows {
			break
		}
		row := pageViewRow{Ref: v.ref(pv.ID), Kind: l.T("pv." + pv.Kind), URL: text(or(pv.FinalURL, pv.URL)), Error: text(pv.Error)}
		if _, ok := messages["pv."+pv.Kind]; !ok {
			row.Kind = text(pv.Kind)
		}
		if o := pv.Observation; o != nil {
			clock := l.T("pv.clock.wall")
			if o.Clock == evidence.ClockVirtual {
				clock = l.T("pv.clock.virtual")
			}
			row.Watched = l.Tf("pv.watched", o.PageTime.Round(100*time.Millisecond), o.WallTime.Round(10*time.Millisecond), clock)
			if o.Scrolled {
				row.Watched += "; " + l.T("pv.scrolled")
			}
			if o.ClockNote != "" {
				row.Watched += " (" + text(o.ClockNote) + ")"
			}
			if o.Short() != "" {
				row.Watched += "; " + l.Tf("pv.short", o.Planned.Round(100*time.Millisecond))
			}
		}
		hs := hosts[pv.ID]
		slices.Sort(hs)
		for j, h := range hs {
			if j >= maxViewHosts {
				row.ThirdMore = len(hs) - maxViewHosts
				break
			}
			row.Third = append(row.Third, text(h))
		}
		col.PageViews = append(col.PageViews, row)
	}
	for i, d := range vis.Dialogs {
		if i >= maxViewHosts {
			break
		}
		col.Dialogs = append(col.Dialogs, l.Tf("dialog.row", text(d.Type), text(d.Message), l.T("dialog."+or(d.Answer, "dismissed"))))
	}
	for i, w := range vis.WebRTC {
		if i >= maxViewHosts {
			break
		}
		servers := strings.Join(w.ICEServers, ", ")
		col.WebRTC = append(col.WebRTC, l.Tf("webrtc.row", text(or(w.Origin, "?")), text(or(servers, l.T("doc.none")))))
	}
}

// ---- banner ----

type bannerView struct {
	section
	Found  bool
	Ref    ref
	Engine string
	// Rule is the rule or heuristic that found it, Reason why it matched,
	// Frame the frame it lives in (when not the page itself).
	Rule, Reason, Frame string
	Text                string
	Buttons             []buttonRow
	// Ratio is reject's area as a share of accept's, in percent; 0 when
	// either is missing.
	Ratio float64
	// TCF is set when the page exposes the IAB TCF API.
	TCF bool
}

type buttonRow struct {
	Role, Label, Kind, Size string
	Area                    string
	Font                    string
	Color, Background       string // validated rgb()/rgba() values, or ""
	ColorText               string
	Contrast                string
}

var cssColour = regexp.MustCompile(`^rgba?\(\s*[0-9]{1,3}(\.[0-9]+)?\s*,\s*[0-9]{1,3}(\.[0-9]+)?\s*,\s*[0-9]{1,3}(\.[0-9]+)?\s*(,\s*[0-9.]{1,5}\s*)?\)$`)

func (v *view) buildBanner(ev *evidence.Evidence) {
	bv := &v.Banner
	bv.Collected, bv.Missing = ev.Has(evidence.KindBrowser) && ev.Browser != nil, v.L.Kind(evidence.KindBrowser)
	if !bv.Collected {
		return
	}
	bv.TCF = ev.Browser.TCF
	var b *evidence.Banner
	var visitID string
	for _, state := range []string{evidence.StateInitial, evidence.StateReject, evidence.StateAccept} {
		if vis := ev.Browser.Visit(state); vis != nil && vis.Banner != nil {
			b, visitID = vis.Banner, vis.ID
			break
		}
	}
	if b == nil {
		return
	}
	bv.Found, bv.Ref, bv.Engine, bv.Text = true, v.ref(visitID), text(b.Engine), text(b.Text)
	bv.Rule, bv.Reason, bv.Frame = text(b.Rule), text(b.Reason), text(b.Frame)
	var accept, reject float64
	for i, btn := range b.Buttons {
		if i >= 20 {
			break
		}
		area := btn.Box.W * btn.Box.H
		row := buttonRow{Role: text(btn.Role), Label: text(btn.Label), Kind: v.L.T("banner.button"),
			Size: fmt.Sprintf("%.0f × %.0f", btn.Box.W, btn.Box.H), Area: fmt.Sprintf("%.0f px²", area)}
		if btn.IsLink {
			row.Kind = v.L.T("banner.link")
		}
		if btn.FontSize > 0 {
			row.Font = fmt.Sprintf("%.0f px", btn.FontSize)
		}
		if btn.Contrast > 0 {
			row.Contrast = fmt.Sprintf("%.1f:1", btn.Contrast)
		}
		if cssColour.MatchString(btn.Color) {
			row.Color = btn.Color
		}
		if cssColour.MatchString(btn.Background) {
			row.Background = btn.Background
		}
		row.ColorText = text(strings.TrimSpace(btn.Color + " / " + btn.Background))
		switch btn.Role {
		case "accept":
			if accept == 0 {
				accept = area
			}
		case "reject":
			if reject == 0 {
				reject = area
			}
		}
		bv.Buttons = append(bv.Buttons, row)
	}
	if accept > 0 && reject > 0 {
		bv.Ratio = math.Round(100 * reject / accept)
	}
}

package checks

import (
	"fmt"
	"math"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var consentRefs = []string{
	"ePrivacy Directive 2002/58/EC art. 5(3); loi Informatique et Libertés art. 82",
	"CNIL délibération 2020-091 (lignes directrices cookies et autres traceurs) and 2020-092 (recommandation)",
}

// initialVisit returns the visit before any choice, or an error when it failed.
func (p *Pass) initialVisit() (*evidence.Visit, error) {
	v := p.Evidence.Browser.Visit(evidence.StateInitial)
	if v == nil || v.Error != "" {
		return nil, NotEvaluated("the initial visit did not load")
	}
	return v, nil
}

// trackerFindings makes one finding per service among non-exempt items.
func trackerFindings(items []tracked, lead string) []Finding {
	keys, groups := groupTracked(items)
	var out []Finding
	for _, k := range keys {
		what, ids := describeGroup(groups[k])
		cl := groups[k][0].class
		subject := k
		if cl.Org != nil {
			subject = cl.Org.ID
			ids = append(ids, cl.Org.ID)
		}
		out = append(out, Finding{Subject: subject, Evidence: ids, Summary: fmt.Sprintf(
			"%s %s (%s: %s): %s.", lead, k, cl.Purpose, cl.Why, what)})
	}
	return out
}

var consentNoBanner = &Check{
	ID:       "consent.no-banner",
	Title:    "Trackers run and no consent banner is shown",
	Severity: High,
	Rationale: "Trackers that are not strictly necessary need the visitor's prior consent, asked in a " +
		"clear and visible way. Without any consent interface, none of them can be lawful.",
	Refs:        consentRefs,
	Remediation: "Remove the trackers (self-hosted, exempt measurement needs no consent), or ask for consent with a banner offering accept and reject on the first layer.",
	Needs:       []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		v, err := p.initialVisit()
		if err != nil {
			return nil, err
		}
		if v.Banner != nil || p.Evidence.Browser.TCF {
			return nil, nil
		}
		items := p.nonExempt(v, "")
		if len(items) == 0 {
			return nil, nil
		}
		what, ids := describeGroup(items)
		return []Finding{{Subject: p.Evidence.Target.Host, Evidence: append(ids, v.ID), Summary: fmt.Sprintf(
			"No consent banner was found on %s, yet trackers that need consent run: %s.", v.URL, what)}}, nil
	},
}

var consentTrackerBeforeConsent = &Check{
	ID:       "consent.tracker-before-consent",
	Title:    "Trackers run before the visitor's choice",
	Severity: High,
	Rationale: "Consent must come before the tracker: loading a tracker, setting its cookie or storage " +
		"before the visitor has chosen is unlawful, banner or not. Only strictly necessary trackers and " +
		"exempt first-party audience measurement may run at once.",
	Refs:        consentRefs,
	Remediation: "Load the trackers only from the consent platform's callback after an explicit accept; replace third-party analytics with exempt self-hosted measurement (Matomo configured per the CNIL).",
	Needs:       []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		v, err := p.initialVisit()
		if err != nil {
			return nil, err
		}
		return trackerFindings(p.nonExempt(v, evidence.PhaseBeforeAction), "Before any choice, the page runs"), nil
	},
}

// banner returns the initial visit's banner and its first accept and
// reject controls.
func (p *Pass) banner() (*evidence.Visit, *evidence.Banner, *evidence.Button, *evidence.Button, error) {
	v, err := p.initialVisit()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if v.Banner == nil {
		return v, nil, nil, nil, nil
	}
	var acc, rej *evidence.Button
	for i := range v.Banner.Buttons {
		b := &v.Banner.Buttons[i]
		switch {
		case b.Role == "accept" && acc == nil:
			acc = b
		case b.Role == "reject" && rej == nil:
			rej = b
		}
	}
	return v, v.Banner, acc, rej, nil
}

var consentNoRejectFirstLayer = &Check{
	ID:       "consent.no-reject-first-layer",
	Title:    "The banner offers accept but no reject on its first layer",
	Severity: High,
	Rationale: "Refusing must be as easy as accepting: the CNIL requires a reject option on the same " +
		"layer as accept (a button or a \"continuer sans accepter\" link), not hidden behind settings.",
	Refs:        append([]string{"EDPB, Report of the cookie banner taskforce (January 2023), type A practice"}, consentRefs...),
	Remediation: "Add a \"Tout refuser\" button next to \"Tout accepter\", with the same size and style.",
	Needs:       []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		v, b, acc, rej, err := p.banner()
		if err != nil || b == nil || acc == nil || rej != nil {
			return nil, err
		}
		return []Finding{{Subject: b.Engine, Evidence: []string{v.ID}, Summary: fmt.Sprintf(
			"The %s banner offers %q but no way to refuse on its first layer.", b.Engine, acc.Label)}}, nil
	},
}

var consentRejectLessProminent = &Check{
	ID:       "consent.reject-less-prominent",
	Title:    "Reject is visually weaker than accept",
	Severity: Medium,
	Rationale: "A design that pushes accept (a big coloured button) and hides reject (a small, pale link) " +
		"steers the choice: consent obtained that way is not freely given. The EDPB taskforce and the " +
		"CNIL ask for equivalent prominence.",
	Refs: append([]string{"EDPB, Report of the cookie banner taskforce (January 2023), types D and E (deceptive colours and contrast, link instead of button)",
		"WCAG 2.1 success criterion 1.4.3 (contrast, minimum 4.5:1)"}, consentRefs...),
	Remediation: "Give reject the same form, size, colours and contrast as accept (two equal buttons).",
	Needs:       []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		v, b, acc, rej, err := p.banner()
		if err != nil || b == nil || acc == nil || rej == nil {
			return nil, err
		}
		var why []string
		if rej.IsLink && !acc.IsLink {
			why = append(why, fmt.Sprintf("reject %q is a text link while accept %q is a button", rej.Label, acc.Label))
		}
		ra, aa := rej.Box.W*rej.Box.H, acc.Box.W*acc.Box.H
		if aa > 0 && ra < aa*0.5 {
			why = append(why, fmt.Sprintf("reject covers %.0f px² against %.0f px² for accept (%.0f%%)", ra, aa, 100*ra/aa))
		}
		if acc.Contrast > 0 && rej.Contrast > 0 && rej.Contrast < 4.5 && rej.Contrast < acc.Contrast*0.75 {
			why = append(why, fmt.Sprintf("reject's contrast is %.2f:1 (below WCAG's 4.5:1) against %.2f:1 for accept", rej.Contrast, acc.Contrast))
		}
		if acc.FontSize > 0 && rej.FontSize > 0 && rej.FontSize < acc.FontSize*0.8 {
			why = append(why, fmt.Sprintf("reject's text is %.0fpx against %.0fpx", rej.FontSize, acc.FontSize))
		}
		if len(why) == 0 {
			return nil, nil
		}
		return []Finding{{Subject: b.Engine, Evidence: []string{v.ID}, Summary: fmt.Sprintf(
			"On the %s banner, %s.", b.Engine, strings.Join(why, "; "))}}, nil
	},
}

var consentRejectNotRespected = &Check{
	ID:       "consent.reject-not-respected",
	Title:    "Trackers still run after the visitor rejected them",
	Severity: High,
	Rationale: "After a refusal, no tracker that needs consent may be loaded, and none of their cookies " +
		"set. A banner whose reject does nothing deceives the visitor.",
	Refs:        consentRefs,
	Remediation: "Make the reject choice block every non-exempt tracker (load them only from the consent platform's accept callback) and test it.",
	Needs:       []evidence.Kind{evidence.KindConsent},
	Run: func(p *Pass) ([]Finding, error) {
		v := p.Evidence.Browser.Visit(evidence.StateReject)
		if v == nil || v.Error != "" {
			return nil, NotEvaluated("the reject visit did not load")
		}
		if v.Action == nil || !v.Action.Done {
			reason := "no reject control was clicked"
			if v.Action != nil && v.Action.Error != "" {
				reason += ": " + v.Action.Error
			}
			return nil, NotEvaluated("%s", reason)
		}
		out := trackerFindings(p.nonExempt(v, evidence.PhaseAfterAction), "After clicking \""+v.Action.Button+"\", the page still runs")
		for i := range out {
			out[i].Summary += seenAfterChoice(v, out[i].Evidence)
		}
		if len(out) == 0 {
			// A refusal is respected only if the next page views are
			// clean too: without them, nothing can be said.
			if pv := unloadedView(v); pv != nil {
				return nil, NotEvaluated("the %s after the refusal did not load: %s", pv.Kind, pv.Error)
			}
		}
		return out, nil
	},
}

// unloadedView returns the first page view after v's choice that failed
// where no other of its kind loaded (a stale link followed by one that
// loaded is no gap), nil when each kind tried loaded once.
func unloadedView(v *evidence.Visit) *evidence.PageView {
	loaded := map[string]bool{}
	for _, pv := range v.PageViews {
		if pv.Error == "" {
			loaded[pv.Kind] = true
		}
	}
	for i, pv := range v.PageViews {
		if pv.Kind != evidence.PageViewLoad && pv.Error != "" && !loaded[pv.Kind] {
			return &v.PageViews[i]
		}
	}
	return nil
}

// seenAfterChoice says on which page views after the choice the records
// (requests, cookies, storage items) were seen: the page where the
// choice was made, the page reloaded, the first-party link followed.
func seenAfterChoice(v *evidence.Visit, ids []string) string {
	views := map[string]string{}
	for _, r := range v.Requests {
		views[r.ID] = r.PageView
	}
	for _, c := range v.Cookies {
		views[c.ID] = c.PageView
	}
	for _, s := range v.Storage {
		views[s.ID] = s.PageView
	}
	var where []string
	for _, pv := range v.PageViews {
		seen := false
		for _, id := range ids {
			seen = seen || views[id] == pv.ID
		}
		if !seen {
			continue
		}
		switch pv.Kind {
		case evidence.PageViewLoad:
			where = append(where, "the page where the choice was made")
		case evidence.PageViewReload:
			where = append(where, "the same page reloaded")
		case evidence.PageViewLink:
			where = append(where, "the next page ("+pv.URL+")")
		}
	}
	if len(where) == 0 {
		return ""
	}
	return " Seen after the choice on " + strings.Join(where, ", ") + "."
}

var consentCookieLifetime = &Check{
	ID:       "consent.cookie-lifetime",
	Title:    "A tracker cookie lives longer than 13 months",
	Severity: Low,
	Rationale: "The CNIL limits the lifetime of trackers that need consent, and of exempt measurement " +
		"cookies, to 13 months; consent itself must be asked again after that.",
	Refs:        []string{"CNIL délibération 2020-091, art. 5 (exemption: 13 months)", "CNIL recommandation 2020-092, §5"},
	Remediation: "Set the cookie's expiry to at most 13 months (395 days), e.g. Matomo's cookie_expire or gtag's cookie_expires.",
	Needs:       []evidence.Kind{evidence.KindBrowser},
	Run: func(p *Pass) ([]Finding, error) {
		var out []Finding
		seen := map[string]bool{}
		for _, v := range p.Evidence.Browser.Visits {
			for i := range v.Cookies {
				c := &v.Cookies[i]
				if c.Blocked != "" || c.Expires.IsZero() || v.Started.IsZero() || !c.Expires.After(thirteenMonths(v.Started)) {
					continue
				}
				cl := p.ClassifyCookie(c, v.Started)
				if !cl.NeedsConsent() && !cl.ExemptibleMeasurement {
					continue
				}
				subject := c.Name + "@" + strings.TrimPrefix(c.Domain, ".")
				if seen[subject] {
					continue
				}
				seen[subject] = true
				months := c.Expires.Sub(v.Started).Hours() / 24 / 30.44
				out = append(out, Finding{Subject: subject, Evidence: []string{c.ID}, Summary: fmt.Sprintf(
					"Cookie %s (%s, %s) expires on %s, %.1f months after it was set, beyond 13 months.",
					c.Name, c.Domain, cl.Service, c.Expires.Format("2006-01-02"), math.Round(months*10)/10)})
			}
		}
		return out, nil
	},
}

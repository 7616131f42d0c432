package e2e

import (
	"testing"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestBrowserStageLab is issue 4's bar on the lab: the founding portal's
// pre-consent analytics, weaker reject (whose refusal its hard-coded tag
// ignores on the next page views) and third-party inventory with owners
// and countries; nothing consent- or third-party-related on the
// clean site; reject ignored on concertation (with its cloaked tracker);
// no HTTPS on the old site.
func TestBrowserStageLab(t *testing.T) {
	tests := []struct {
		url  string
		want expect
	}{
		{"https://" + scantest.HostFounding + "/", expect{
			fire: map[string][]string{
				"consent.tracker-before-consent": {"org/google-analytics"},
				"consent.reject-less-prominent":  {"tarteaucitron"},
				"web.third-party-analytics":      {"org/google-analytics"},
				"web.third-party-fonts":          {"org/google-fonts"},
				"web.third-party-requests":       {scantest.HostAnalytics, scantest.HostFonts},
				"hosting.operator-outside-eea":   {"org/google-analytics"},
				"consent.cookie-lifetime":        {"_ga@ville-exemple.fr"},
				// The hard-coded tag and the embedded player load again on
				// the page views after "Tout refuser" (issue 15).
				"consent.reject-not-respected": {"org/google-analytics"},
			},
			silent: []string{"consent.no-banner", "consent.no-reject-first-layer", "web.no-https"},
			quote:  map[string][]string{"web.third-party-requests": {"Google LLC, US"}},
		}},
		{"https://" + scantest.HostClean + "/", expect{silent: []string{"consent.", "web.third-party", "dns.cname-cloaking", "web.no-https"}}},
		{"https://" + scantest.HostRejectIgnored + "/", expect{fire: map[string][]string{
			"consent.reject-not-respected": {"org/google-analytics"},
			"dns.cname-cloaking":           {scantest.HostCloaked},
		}}},
		{"http://" + scantest.HostNoHTTPS + "/", expect{fire: map[string][]string{"web.no-https": {scantest.HostNoHTTPS}}}},
		// Issue 15: the tags a timer (2.8 s) and a scroll fire are seen;
		// the banner that never says "cookie" is found; the timer's tag
		// fires again on the page views after "Refuser" (its reload was
		// lost when a starved tab's dwell ended early).
		{"https://" + scantest.HostLateTags + "/", expect{
			fire: map[string][]string{
				"consent.tracker-before-consent": {"org/google-analytics", "org/google-ads"},
				"consent.reject-not-respected":   {"org/google-analytics"},
			},
			silent: []string{"consent.no-banner"},
		}},
		// Issue 15: the hard-coded player loads again after "reject".
		{"https://" + scantest.HostRejectReload + "/", expect{
			fire:  map[string][]string{"consent.reject-not-respected": {"org/youtube"}},
			quote: map[string][]string{"consent.reject-not-respected": {"the same page reloaded", "the next page (https://" + scantest.HostRejectReload + "/evenements)"}},
		}},
		// Issue 13: a welcome alert() is dismissed; what follows it is seen.
		{"https://" + scantest.HostDialog + "/", expect{fire: map[string][]string{
			"consent.no-banner":              {scantest.HostDialog},
			"consent.tracker-before-consent": {"org/google-analytics"},
			"consent.cookie-lifetime":        {"_ga@ville-exemple.fr"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			ev, arts := labScan(t, tt.url, scanner.Options{})
			if !ev.Has(evidence.KindBrowser) || !ev.Has(evidence.KindConsent) {
				t.Fatalf("collected %v, errors %+v", ev.Collected, ev.Errors)
			}
			paths := map[string]bool{}
			for _, a := range arts {
				paths[a.Path] = true
			}
			if !paths["screenshots/initial-load.png"] || !paths["har/initial.har"] || !paths["har/reject.har"] {
				t.Errorf("artefacts %v", paths)
			}
			tt.want.assert(t, judge(ev))
			if tt.url == "https://"+scantest.HostDialog+"/" {
				v := ev.Browser.Visit(evidence.StateInitial)
				if len(v.Dialogs) != 1 || v.Dialogs[0].Type != "alert" || v.Dialogs[0].Answer != "accepted" {
					t.Errorf("dialogs %+v", v.Dialogs)
				}
			}
		})
	}
}

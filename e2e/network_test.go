package e2e

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestTargetPortClosedJudged: with nothing listening on the target's port,
// the checks that need the site's pages are not evaluated. vigie's proxy
// answered 502 for every load, and that answer was once judged as the
// site's: legal.notice-missing (high, "16 pages tried … HTTP status 502")
// and web.no-https fired on a site nobody saw.
func TestTargetPortClosedJudged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	ev, _ := labScan(t, url, scanner.Options{Consent: "none"})
	if len(ev.Incomplete) == 0 {
		t.Errorf("a scan that never saw its target is not incomplete: %+v", ev.Errors)
	}
	j := judge(ev)
	expect{
		silent:  []string{"legal.", "web.", "consent."},
		notEval: []string{"legal.notice-missing", "web.no-https", "consent.no-banner"},
	}.assert(t, j)
}

// TestChallengedTargetJudged: a portal behind a bot-protection edge that
// answers the browser with a challenge page it never lets through is
// seen as the edge, not the site. The challenge page was once judged as
// the site: no banner (consent.no-banner), no tracker before consent
// (pass), and no legal notice (legal.notice-missing, high) on a site
// nobody saw. The scan now says it could not see, and those checks are
// not evaluated.
func TestChallengedTargetJudged(t *testing.T) {
	ev, _ := labScan(t, "https://"+scantest.HostChallenged+"/", scanner.Options{})
	if !slices.ContainsFunc(ev.Incomplete, func(s string) bool {
		return strings.Contains(s, "cloudflare block or challenge page") && strings.Contains(s, "header cf-mitigated")
	}) {
		t.Errorf("a scan that saw only the challenge page is not incomplete for it: %q", ev.Incomplete)
	}
	if ev.Has(evidence.KindBrowser) || ev.Has(evidence.KindConsent) || ev.Has(evidence.KindLegal) {
		t.Errorf("the challenge page was collected as the site: %v", ev.Collected)
	}
	j := judge(ev)
	expect{
		silent: []string{"legal.", "consent.", "web.third-party"},
		notEval: []string{"legal.notice-missing", "legal.hoster-missing", "consent.no-banner", "consent.tracker-before-consent",
			"consent.reject-not-respected", "web.third-party-requests"},
	}.assert(t, j)
}

// TestErrorTargetIncomplete: a target URL the site answers with an error
// (a mistyped path: 404) was judged as the page asked for, complete —
// no tracker before consent (pass) on an error page, where the portal's
// pages load Google Analytics. The scan is now incomplete and says why;
// the error page is still judged, as the site's.
func TestErrorTargetIncomplete(t *testing.T) {
	ev, _ := labScan(t, "https://"+scantest.HostFounding+"/nowhere-to-be-found", scanner.Options{Consent: "none"})
	if !slices.ContainsFunc(ev.Incomplete, func(s string) bool { return strings.Contains(s, "answered the browser HTTP 404") }) {
		t.Errorf("a scan of an error page is not incomplete for it: %q", ev.Incomplete)
	}
	if !ev.Has(evidence.KindBrowser) {
		t.Errorf("the site's error page was not kept as evidence: %v", ev.Collected)
	}
	// The portal itself is complete.
	home, _ := labScan(t, "https://"+scantest.HostFounding+"/", scanner.Options{Consent: "none"})
	if len(home.Incomplete) > 0 {
		t.Errorf("the portal's home page is incomplete: %q", home.Incomplete)
	}
}

// TestRateLimitedReloadNotJudged: a site whose edge rate-limits its home
// page answers the page reloaded after the choice with 429. That error
// page was judged as the page reloaded: no tracker on it counted for a
// respected refusal. It is now a page view that did not load, the scan is
// incomplete for it, and the first-party link's view is still judged.
func TestRateLimitedReloadNotJudged(t *testing.T) {
	ev, _ := labScan(t, "https://"+scantest.HostRateLimited+"/", scanner.Options{})
	v := ev.Browser.Visit(evidence.StateReject)
	if v == nil || v.Error != "" || v.Status != 200 {
		t.Fatalf("reject visit %+v", v)
	}
	var reload, link *evidence.PageView
	for i := range v.PageViews {
		switch v.PageViews[i].Kind {
		case evidence.PageViewReload:
			reload = &v.PageViews[i]
		case evidence.PageViewLink:
			link = &v.PageViews[i]
		}
	}
	if reload == nil || reload.Status != 429 || !strings.Contains(reload.Error, "HTTP 429") {
		t.Errorf("the reload answered by the rate limit is not a failed page view: %+v", reload)
	}
	if link == nil || link.Error != "" || link.Status != 200 {
		t.Errorf("the link's view: %+v", link)
	}
	if !slices.ContainsFunc(ev.Incomplete, func(s string) bool {
		return strings.Contains(s, "reject visit's page view") && strings.Contains(s, "HTTP 429")
	}) {
		t.Errorf("the scan is not incomplete for the error page: %q", ev.Incomplete)
	}
	// The refusal is still judged on the link's view: the agenda's video
	// player loads again after "reject".
	expect{any: []string{"consent.reject-not-respected"}}.assert(t, judge(ev))
}

// TestStaleLinkNextFollowed: the agenda's first link is stale — it
// answers 404, or redirects to a plain-HTTP name that no longer exists,
// which vigie's proxy answers itself. The 404 made the scan incomplete and
// the refusal not evaluated; the proxy's answer was watched and judged as
// the site's next page. Now the link stays in the evidence as a failed
// view, the next link is followed and judged, and the scan is complete.
func TestStaleLinkNextFollowed(t *testing.T) {
	tests := []struct {
		name, host string
		status     int
		err        string
	}{
		{"404", scantest.HostStaleLink, 404, "answered HTTP 404"},
		{"name gone, answered by vigie's proxy", scantest.HostDeadLink, 0, "vigie's proxy answered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, _ := labScan(t, "https://"+tt.host+"/", scanner.Options{})
			for _, state := range []string{evidence.StateReject, evidence.StateAccept} {
				v := ev.Browser.Visit(state)
				if v == nil || v.Error != "" {
					t.Fatalf("%s visit %+v", state, v)
				}
				var links []evidence.PageView
				for _, pv := range v.PageViews {
					if pv.Kind == evidence.PageViewLink {
						links = append(links, pv)
					}
				}
				if len(links) != 2 {
					t.Fatalf("%s: link views %+v, want the stale link then the next", state, links)
				}
				if !strings.HasSuffix(links[0].URL, scantest.StaleLinkPath) || links[0].Status != tt.status ||
					!strings.Contains(links[0].Error, tt.err) || !strings.Contains(links[0].Error, "next link was followed") || links[0].Observation != nil {
					t.Errorf("%s: the stale link's view %+v", state, links[0])
				}
				if !strings.HasSuffix(links[1].URL, "/mentions-legales") || links[1].Status != 200 || links[1].Error != "" || links[1].Observation == nil {
					t.Errorf("%s: the next link's view %+v", state, links[1])
				}
			}
			if len(ev.Incomplete) > 0 {
				t.Errorf("the scan is incomplete: %q", ev.Incomplete)
			}
			// The refusal is judged: the agenda's video player loads again
			// after "reject".
			expect{any: []string{"consent.reject-not-respected"}}.assert(t, judge(ev))
		})
	}
}

// TestVendorRedirectLinksFollowed: the city's address redirects to its
// consultation on the vendor's platform. The links a reader follows there
// are on the vendor's domain, and none was "first-party": no link was
// followed after the choice and the crawl found no page — the refusal
// was judged on the reload alone, and the scan said nothing of it. The
// site's links are now those of the page it landed on too.
func TestVendorRedirectLinksFollowed(t *testing.T) {
	ev, _ := labScan(t, "https://"+scantest.HostVendorRedirect+"/", scanner.Options{Pages: 1})
	want := "https://" + scantest.HostVendorPortal + "/evenements"
	for _, state := range []string{evidence.StateReject, evidence.StateAccept} {
		v := ev.Browser.Visit(state)
		if v == nil || v.Error != "" || !strings.HasPrefix(v.FinalURL, "https://"+scantest.HostVendorPortal+"/") {
			t.Fatalf("%s visit %+v", state, v)
		}
		i := slices.IndexFunc(v.PageViews, func(pv evidence.PageView) bool { return pv.Kind == evidence.PageViewLink })
		if i < 0 || v.PageViews[i].URL != want || v.PageViews[i].Status != 200 || v.PageViews[i].Error != "" {
			t.Errorf("%s: no link on the vendor's portal followed: %+v", state, v.PageViews)
		}
	}
	if c := ev.Browser.Crawl; c == nil || !slices.Equal(c.Chosen, []string{want}) {
		t.Errorf("crawl %+v, want %s", c, want)
	}
	if len(ev.Incomplete) > 0 {
		t.Errorf("incomplete: %q", ev.Incomplete)
	}
}

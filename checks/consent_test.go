package checks

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func button(role, label string, w, h, contrast, font float64, link bool) evidence.Button {
	return evidence.Button{Role: role, Label: label, Tag: "button", IsLink: link, Box: evidence.Box{W: w, H: h}, Contrast: contrast, FontSize: font}
}

var (
	fairBanner = &evidence.Banner{Engine: "cookieconsent (orestbida)", Rule: "#cc-main .cm", Buttons: []evidence.Button{
		button("accept", "Tout accepter", 150, 40, 12.2, 13, false), button("reject", "Tout refuser", 150, 40, 12.2, 13, false)}}
	pushyBanner = &evidence.Banner{Engine: "tarteaucitron", Rule: "#tarteAuCitronAlertBig", Buttons: []evidence.Button{
		button("reject", "Tout refuser", 90, 11, 1.67, 11, true), button("accept", "Tout accepter", 250, 50, 5.13, 20, false)}}
	acceptOnly = &evidence.Banner{Engine: "generic", Rule: "heuristic", Buttons: []evidence.Button{
		button("accept", "J'ai compris", 120, 40, 7, 14, false), button("other", "En savoir plus", 90, 16, 7, 14, true)}}
	smallButNotLink = &evidence.Banner{Engine: "didomi", Rule: "#didomi-notice", Buttons: []evidence.Button{
		button("accept", "Accepter", 150, 40, 10, 14, false), button("reject", "Refuser", 60, 30, 10, 14, false)}}
)

func rejected(items ...any) evidence.Visit {
	return visit(evidence.StateReject, append(items, &evidence.ConsentAction{Role: "reject", Button: "Tout refuser", Done: true})...)
}

func TestConsentChecks(t *testing.T) {
	// The founding case: Google Analytics and DoubleClick before any
	// choice, a pushy tarteaucitron banner.
	founding := browsed(visit(evidence.StateInitial, pushyBanner, req("www.v.fr"), req("www.googletagmanager.com"), req("www.google-analytics.com"),
		req("googleads.g.doubleclick.net"), req("fonts.googleapis.com"),
		cookie("_ga", ".v.fr", 400*day), cookie("_gid", ".v.fr", day), cookie("IDE", ".doubleclick.net", 390*day), cookie("PHPSESSID", "www.v.fr", 0)),
		rejected(req("www.v.fr"), cookie("tarteaucitron", "www.v.fr", 365*day, evidence.PhaseAfterAction)),
		visit(evidence.StateAccept, &evidence.ConsentAction{Role: "accept", Done: true}))
	// The clean site: exempt Matomo, consent cookie, fair banner.
	clean := browsed(visit(evidence.StateInitial, fairBanner, req("www.v.fr"), cookie("_pk_id.1.ab", "www.v.fr", 393*day), cookie("_pk_ses.1.ab", "www.v.fr", 30*time.Minute)),
		rejected(req("www.v.fr"), cookie("cc_cookie", ".www.v.fr", 182*day, evidence.PhaseAfterAction)),
		visit(evidence.StateAccept, &evidence.ConsentAction{Role: "accept", Done: true}))
	// Reject ignored: analytics and a cloaked tracker after reject.
	ignored := browsed(visit(evidence.StateInitial, fairBanner, req("www.v.fr")),
		rejected(req("www.v.fr"), req("www.google-analytics.com", evidence.PhaseAfterAction), req("metrics.v.fr", evidence.PhaseAfterAction),
			cookie("_ga", ".v.fr", 400*day, evidence.PhaseAfterAction), cookie("etuix", ".v.fr", 390*day, evidence.PhaseAfterAction)),
		visit(evidence.StateAccept))
	// Trackers and no banner at all.
	noBanner := browsed(visit(evidence.StateInitial, req("www.v.fr"), req("www.google-analytics.com"), evidence.StorageItem{Origin: "https://www.v.fr", Kind: "localStorage", Key: "_hjid"}))
	// No tracker, no banner: nothing to ask consent for.
	noTracker := browsed(visit(evidence.StateInitial, req("www.v.fr"), cookie("PHPSESSID", "www.v.fr", 0)))
	// The reject control could not be clicked.
	noReject := browsed(visit(evidence.StateInitial, acceptOnly, req("www.v.fr")),
		visit(evidence.StateReject, &evidence.ConsentAction{Role: "reject", Error: "the banner's first layer has no reject control"}))
	// Matomo configured beyond 13 months loses its exemption.
	longMatomo := browsed(visit(evidence.StateInitial, fairBanner, req("www.v.fr"), cookie("_pk_id.1.ab", "www.v.fr", 500*day)))
	consentMissing := func() *evidence.Evidence {
		e := browsed(visit(evidence.StateInitial))
		e.Collected = e.Collected[:2]
		return e
	}()

	tests := []struct {
		name   string
		check  *Check
		ev     *evidence.Evidence
		status Status
		want   []string
	}{
		{"trackers before consent", consentTrackerBeforeConsent, founding, StatusFail, []string{"org/google-ads", "org/google-analytics"}},
		{"exempt Matomo before consent", consentTrackerBeforeConsent, clean, StatusPass, nil},
		{"Matomo beyond 13 months is not exempt", consentTrackerBeforeConsent, longMatomo, StatusFail, []string{"Matomo"}},
		{"storage key of a tracker", consentTrackerBeforeConsent, noBanner, StatusFail, []string{"Hotjar", "org/google-analytics"}},
		{"no banner with trackers", consentNoBanner, noBanner, StatusFail, []string{"www.v.fr"}},
		{"no banner, no tracker", consentNoBanner, noTracker, StatusPass, nil},
		{"banner and trackers", consentNoBanner, founding, StatusPass, nil},
		{"accept only", consentNoRejectFirstLayer, noReject, StatusFail, []string{"generic"}},
		{"accept and reject", consentNoRejectFirstLayer, founding, StatusPass, nil},
		{"no banner: nothing to judge", consentNoRejectFirstLayer, noTracker, StatusPass, nil},
		{"pushy banner", consentRejectLessProminent, founding, StatusFail, []string{"tarteaucitron"}},
		{"equal buttons", consentRejectLessProminent, clean, StatusPass, nil},
		{"smaller reject button", consentRejectLessProminent, browsed(visit(evidence.StateInitial, smallButNotLink)), StatusFail, []string{"didomi"}},
		{"reject ignored", consentRejectNotRespected, ignored, StatusFail, []string{"org/eulerian", "org/google-analytics"}},
		{"reject respected", consentRejectNotRespected, clean, StatusPass, nil},
		{"trackers set before reject do not count as after", consentRejectNotRespected, founding, StatusPass, nil},
		{"reject not clicked", consentRejectNotRespected, noReject, StatusNotEvaluated, nil},
		{"consent visits not collected", consentRejectNotRespected, consentMissing, StatusNotEvaluated, nil},
		{"_ga for 400 days", consentCookieLifetime, founding, StatusFail, []string{"_ga@v.fr"}},
		{"Matomo at 13 months, consent cookie", consentCookieLifetime, clean, StatusPass, nil},
		{"Matomo beyond 13 months", consentCookieLifetime, longMatomo, StatusFail, []string{"_pk_id.1.ab@www.v.fr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := subjects(t, tt.check, tt.ev, nil)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

// A refusal is judged on the page views after it: a tracker reloaded, or
// a tracker cookie refreshed, there counts; a next page view that did not
// load leaves nothing to say.
func TestRejectJudgedOnNextPageViews(t *testing.T) {
	views := func(v evidence.Visit, failed string) evidence.Visit {
		v.PageViews = []evidence.PageView{
			{ID: v.ID + "/view/1", Kind: evidence.PageViewLoad, URL: "https://www.v.fr/"},
			{ID: v.ID + "/view/2", Kind: evidence.PageViewReload, URL: "https://www.v.fr/", Error: failed},
			{ID: v.ID + "/view/3", Kind: evidence.PageViewLink, URL: "https://www.v.fr/projets"},
		}
		return v
	}
	inView := func(v evidence.Visit, view string) evidence.Visit {
		for i := range v.Requests {
			v.Requests[i].PageView = v.ID + view
		}
		for i := range v.Cookies {
			v.Cookies[i].PageView = v.ID + view
		}
		return v
	}
	initial := visit(evidence.StateInitial, pushyBanner, req("www.v.fr"), req("www.google-analytics.com"), cookie("_ga", ".v.fr", 390*day))
	refreshed := cookie("_ga", ".v.fr", 390*day, evidence.PhaseAfterAction)
	refreshed.Refreshed = true
	reloaded := browsed(initial, views(inView(rejected(req("www.google-analytics.com", evidence.PhaseAfterAction), refreshed), "/view/2"), ""),
		visit(evidence.StateAccept))
	clean := browsed(initial, views(inView(rejected(req("www.v.fr", evidence.PhaseAfterAction)), "/view/3"), ""), visit(evidence.StateAccept))
	failed := browsed(initial, views(rejected(req("www.v.fr")), "loading https://www.v.fr/: timeout"), visit(evidence.StateAccept))

	out := RunChecks([]*Check{consentRejectNotRespected}, reloaded, nil, testNow)
	if out.Results[0].Status != StatusFail || len(out.Findings) != 1 || !strings.Contains(out.Findings[0].Summary, "the same page reloaded") ||
		!strings.Contains(out.Findings[0].Summary, "cookie _ga") {
		t.Errorf("tracker reloaded after refusal: %s %+v", out.Results[0].Status, out.Findings)
	}
	if status, got := subjects(t, consentRejectNotRespected, clean, nil); status != StatusPass || got != nil {
		t.Errorf("clean next page views: %s %v", status, got)
	}
	if status, _ := subjects(t, consentRejectNotRespected, failed, nil); status != StatusNotEvaluated {
		t.Errorf("next page view failed: %s, want not-evaluated", status)
	}

	// A stale link (404) the visit followed another link after: the
	// refusal is judged on the link that loaded; stale links only leave
	// nothing to say.
	stale := func(next string) *evidence.Evidence {
		ev := browsed(initial, views(inView(rejected(req("www.v.fr", evidence.PhaseAfterAction)), "/view/4"), ""), visit(evidence.StateAccept))
		v := &ev.Browser.Visits[1]
		v.PageViews[2].Error = "answered HTTP 404: an error page, not the page; the next link was followed instead"
		v.PageViews = append(v.PageViews, evidence.PageView{ID: v.ID + "/view/4", Kind: evidence.PageViewLink, URL: "https://www.v.fr/agenda", Error: next})
		return ev
	}
	if status, got := subjects(t, consentRejectNotRespected, stale(""), nil); status != StatusPass || got != nil {
		t.Errorf("a stale link, then a link that loaded: %s %v", status, got)
	}
	if status, _ := subjects(t, consentRejectNotRespected, stale("answered HTTP 404: an error page, not the page"), nil); status != StatusNotEvaluated {
		t.Errorf("stale links only: %s, want not-evaluated", status)
	}
}

func TestRejectLessProminentExplains(t *testing.T) {
	ev := browsed(visit(evidence.StateInitial, pushyBanner))
	out := RunChecks([]*Check{consentRejectLessProminent}, ev, nil, testNow)
	if len(out.Findings) != 1 {
		t.Fatalf("findings %+v", out.Findings)
	}
	s := out.Findings[0].Summary
	for _, want := range []string{"text link", "px²", "1.67:1", "11px"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
}

func TestClassifyCookie(t *testing.T) {
	p := &Pass{Evidence: browsed(), Policy: &Policy{}}
	tests := []struct {
		c       evidence.Cookie
		purpose string
	}{
		{cookie("_ga", ".v.fr", 400*day), PurposeAnalytics},
		{cookie("_ga_ABC123", ".v.fr", 400*day), PurposeAnalytics},
		{cookie("_gcl_au", ".v.fr", 90*day), PurposeAdvertising},
		{cookie("_fbp", ".v.fr", 90*day), PurposeAdvertising},
		{cookie("_hjSessionUser_123", ".v.fr", 365*day), PurposeAnalytics},
		{cookie("IDE", ".doubleclick.net", 390*day), PurposeAdvertising},
		{cookie("IDE", ".v.fr", 390*day), PurposeUnknown}, // the name alone is too common
		{cookie("_pk_id.1.ab", "www.v.fr", 393*day), PurposeMeasurement},
		{cookie("_pk_id.1.ab", "www.v.fr", 500*day), PurposeAnalytics},
		{cookie("_pk_id.1.ab", "matomo.cloud", 300*day), PurposeAnalytics},
		{cookie("cc_cookie", ".www.v.fr", 182*day), PurposeNecessary},
		{cookie("PHPSESSID", "www.v.fr", 0), PurposeNecessary},
		{cookie("whatever", "www.v.fr", 10*day), PurposeUnknown},
		{cookie("uid", ".doubleclick.net", 10*day), PurposeAdvertising},
		{cookie("uid", ".unknown-cdn.net", 10*day), PurposeUnknown},
	}
	// A cookie of a contacted advertiser's domain is the advertiser's.
	p.Evidence.Hosts = append(p.Evidence.Hosts, evidence.Host{ID: "host/ads.adnet.com", Name: "ads.adnet.com", RegistrableDomain: "adnet.com", DomainOwner: "org/google-ads", Roles: []string{evidence.RoleThirdParty}})
	tests = append(tests, struct {
		c       evidence.Cookie
		purpose string
	}{cookie("xid", ".adnet.com", 10*day), PurposeAdvertising})
	for _, tt := range tests {
		got := p.ClassifyCookie(&tt.c, visitStart)
		if got.Purpose != tt.purpose {
			t.Errorf("%s@%s: %s (%s), want %s", tt.c.Name, tt.c.Domain, got.Purpose, got.Why, tt.purpose)
		}
		// Matomo's cookies are exemptible measurement, exempt or not; the
		// typed field says so, not the Why text.
		if want := strings.HasPrefix(tt.c.Name, "_pk_"); got.ExemptibleMeasurement != want {
			t.Errorf("%s@%s: exemptible measurement %v, want %v", tt.c.Name, tt.c.Domain, got.ExemptibleMeasurement, want)
		}
	}

	// The site lives on its vendor's domain (the target redirected there):
	// a measurement cookie of that domain is the site's own, exemptible;
	// of another vendor's, still a third party's.
	p.Evidence.Target.Landed = "ville.vendor.com"
	for _, tt := range []struct {
		c       evidence.Cookie
		purpose string
	}{
		{cookie("_pk_id.1.ab", "ville.vendor.com", 300*day), PurposeMeasurement},
		{cookie("_pk_id.1.ab", ".vendor.com", 300*day), PurposeMeasurement},
		{cookie("_pk_id.1.ab", "matomo.cloud", 300*day), PurposeAnalytics},
	} {
		if got := p.ClassifyCookie(&tt.c, visitStart); got.Purpose != tt.purpose {
			t.Errorf("landed on the vendor's domain: %s@%s: %s (%s), want %s", tt.c.Name, tt.c.Domain, got.Purpose, got.Why, tt.purpose)
		}
	}
}

package browser

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/proxy"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// The test binary's lab (scanner/scantest: the lab's sites, consent
// libraries from npm and UDP canary), its recording proxy and a browser
// trusting its CA, started on first use.
var (
	labOnce  sync.Once
	theLab   *scantest.Lab
	labProxy *proxy.Proxy
	labB     *Browser
	labErr   error
)

// labBrowser returns the lab, a browser for it and the proxy its visits go
// through (the lab's hosts are reached through the proxy's dial override).
func labBrowser(t *testing.T) (*scantest.Lab, *Browser, *proxy.Proxy) {
	t.Helper()
	exe := requireBrowser(t)
	labOnce.Do(func() {
		ctx := context.Background()
		if theLab, labErr = scantest.Start(ctx); labErr != nil {
			return
		}
		// Every lab name is dialled at its override; the address recorded
		// is a documentation one.
		resolve := func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("198.51.100.1")}, nil
		}
		if labProxy, labErr = proxy.Start(ctx, proxy.Config{Resolve: resolve, DialOverride: theLab.DialOverride()}); labErr != nil {
			return
		}
		labB, labErr = Start(ctx, Config{Exec: exe, Proxy: labProxy.Addr, TrustCerts: []string{theLab.CACertFile}, Timing: testTiming})
	})
	if labErr != nil {
		t.Fatal(labErr)
	}
	return theLab, labB, labProxy
}

// closeLab stops what labBrowser started (from TestMain).
func closeLab() []error {
	var errs []error
	if labB != nil {
		errs = append(errs, labB.Close())
	}
	if labProxy != nil {
		errs = append(errs, labProxy.Close())
	}
	if theLab != nil {
		errs = append(errs, theLab.Close())
	}
	return errs
}

// labURL is a lab page's URL.
func labURL(host, path string) string { return "https://" + host + path }

// buttonRole returns the label of the banner's first control with the role.
func buttonRole(b *evidence.Banner, role string) string {
	for _, btn := range b.Buttons {
		if btn.Role == role {
			return btn.Label
		}
	}
	return ""
}

// Every banner of the lab is found, with its accept and refuse controls
// and the reason it matched: the libraries by their rules (from their npm
// packages), Usercentrics in its shadow root, Sourcepoint in its
// cross-origin iframe, and the banners that never say "cookie" (French,
// German, English, in a shadow root) by their structure; a notification
// prompt is not taken for one.
func TestLabBanners(t *testing.T) {
	lab, b, _ := labBrowser(t)
	tests := []struct {
		path, engine, rule, accept, reject string
		lib, frame                         bool
	}{
		{scantest.BannerReactCookieConsent, "react-cookie-consent", ".CookieConsent", "J'accepte", "Je refuse", true, false},
		{scantest.BannerOsano, "cookieconsent (Osano, Insites)", ".cc-window", "Autoriser les cookies", "Refuser", true, false},
		{scantest.BannerOrejime, "orejime", ".orejime-Banner", "Accepter", "Refuser", true, false},
		{scantest.BannerC15t, "c15t", "[data-testid=consent-banner-card]", "Accept All", "Reject All", true, false},
		{scantest.BannerUsercentrics, "usercentrics", "#uc-center-container", "Tout accepter", "Refuser", false, false},
		{scantest.BannerSourcepoint, "sourcepoint", ".message:has([class*=sp_choice_type_])", "Tout accepter", "Tout refuser", false, true},
		{scantest.BannerNoCookieFR, "generic", "heuristic: structure", "Accepter", "Refuser", false, false},
		{scantest.BannerNoCookieDE, "generic", "heuristic: structure", "Zustimmen", "Ablehnen", false, false},
		{scantest.BannerNoCookieEN, "generic", "heuristic: structure", "Accept", "Refuse", false, false},
		{scantest.BannerShadow, "generic", "heuristic: structure", "Tout accepter", "Tout refuser", false, false},
		{scantest.BannerNotification, "", "", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if tt.lib && lab.ConsentLibs == "" {
				scantest.RequireConsentLibs(t)
			}
			res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: labURL(scantest.HostBanners, tt.path), Name: "initial"})
			v := res.Visit
			if v.Error != "" {
				t.Fatalf("visit error: %s", v.Error)
			}
			if tt.engine == "" {
				if v.Banner != nil {
					t.Errorf("a notification prompt taken for a consent banner: %+v", v.Banner)
				}
				return
			}
			if v.Banner == nil {
				t.Fatal("no banner found")
			}
			bn := v.Banner
			if bn.Engine != tt.engine || !strings.HasPrefix(bn.Rule, tt.rule) || bn.Reason == "" {
				t.Errorf("engine %q rule %q reason %q", bn.Engine, bn.Rule, bn.Reason)
			}
			if got := buttonRole(bn, "accept"); got != tt.accept {
				t.Errorf("accept %q, want %q (%+v)", got, tt.accept, bn.Buttons)
			}
			if got := buttonRole(bn, "reject"); got != tt.reject {
				t.Errorf("reject %q, want %q (%+v)", got, tt.reject, bn.Buttons)
			}
			if tt.frame != (bn.Frame != "") {
				t.Errorf("frame %q", bn.Frame)
			}
		})
	}
}

// The refusal is clicked where the banner lives: in Usercentrics's shadow
// root and in Sourcepoint's cross-origin iframe.
func TestLabBannerReject(t *testing.T) {
	_, b, _ := labBrowser(t)
	for _, path := range []string{scantest.BannerUsercentrics, scantest.BannerSourcepoint} {
		t.Run(path, func(t *testing.T) {
			res := b.Visit(t.Context(), VisitSpec{ID: "visit/reject", State: evidence.StateReject, URL: labURL(scantest.HostBanners, path),
				Action: ActionReject, Name: "reject"})
			a := res.Visit.Action
			if res.Visit.Error != "" || a == nil || !a.Done || !a.BannerGone || a.Button == "" {
				t.Fatalf("reject: error %q action %+v", res.Visit.Error, a)
			}
			if len(res.Visit.PageViews) < 2 || res.Visit.PageViews[1].Kind != evidence.PageViewReload {
				t.Errorf("page views %+v", res.Visit.PageViews)
			}
		})
	}
}

// With no rule, the structure alone finds the single-page app's
// react-cookie-consent banner, which never says "cookie".
func TestLabStructureFindsLibraryBanner(t *testing.T) {
	lab, b, _ := labBrowser(t)
	if lab.ConsentLibs == "" {
		scantest.RequireConsentLibs(t)
	}
	saved := Rules
	Rules = nil
	defer func() { Rules = saved }()
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: labURL(scantest.HostLateTags, "/"), Name: "initial"})
	if res.Visit.Error != "" {
		t.Fatalf("visit error: %s", res.Visit.Error)
	}
	bn := res.Visit.Banner
	if bn == nil || bn.Engine != "generic" || !strings.Contains(bn.Rule, "structure") || buttonRole(bn, "accept") != "Accepter" || buttonRole(bn, "reject") != "Refuser" {
		t.Fatalf("banner %+v", bn)
	}
	if strings.Contains(strings.ToLower(bn.Text), "cookie") || !strings.Contains(bn.Text, "Avec votre accord") {
		t.Errorf("banner text %q", bn.Text)
	}
}

// Late tags are recorded: the analytics tag a timer injects 2.8 s after
// navigation and the advertising tag that fires when the footer scrolls
// into view, on virtual time (a dwell of 5 s of page time).
func TestLabLateTags(t *testing.T) {
	lab, b, _ := labBrowser(t)
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: labURL(scantest.HostLateTags, "/"), Name: "initial"})
	v := res.Visit
	if v.Error != "" {
		t.Fatalf("visit error: %s", v.Error)
	}
	var timer, collect, scroll bool
	for _, r := range v.Requests {
		timer = timer || strings.HasPrefix(r.URL, "https://www.googletagmanager.com/gtag/js?id=G-LAB0000003")
		collect = collect || strings.HasPrefix(r.URL, "https://www.google-analytics.com/g/collect")
		scroll = scroll || strings.HasPrefix(r.URL, "https://googleads.g.doubleclick.net/pagead/id?trigger=scroll")
	}
	if !timer || !collect || !scroll {
		t.Errorf("timer tag %v, its hit %v, scroll tag %v: %v", timer, collect, scroll, urls(v.Requests))
	}
	if len(v.PageViews) != 1 {
		t.Fatalf("page views %+v", v.PageViews)
	}
	obs := v.PageViews[0].Observation
	if obs == nil || obs.Clock != evidence.ClockVirtual || obs.PageTime < DefaultDwell || !obs.Scrolled || obs.Interaction == "" || obs.WallTime <= 0 {
		t.Errorf("observation %+v", obs)
	}
	if lab.ConsentLibs != "" && (v.Banner == nil || v.Banner.Engine != "react-cookie-consent") {
		t.Errorf("banner %+v", v.Banner)
	}
}

// A welcome alert() no longer blocks the visit: it is accepted at once,
// recorded, and the page goes on to set its cookie.
func TestLabDialog(t *testing.T) {
	_, b, _ := labBrowser(t)
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: labURL(scantest.HostDialog, "/"), Name: "initial"})
	v := res.Visit
	if v.Error != "" {
		t.Fatalf("visit error: %s", v.Error)
	}
	if len(v.Dialogs) != 1 {
		t.Fatalf("dialogs %+v", v.Dialogs)
	}
	d := v.Dialogs[0]
	if d.Type != "alert" || !strings.HasPrefix(d.Message, "Bienvenue") || d.Answer != "accepted" || d.PageView != "visit/initial/view/1" ||
		d.Phase != evidence.PhaseBeforeAction || d.At.IsZero() || !strings.HasPrefix(d.URL, "https://"+scantest.HostDialog) {
		t.Errorf("dialog %+v", d)
	}
	if !hasCookie(v.Cookies, "_ga", evidence.PhaseBeforeAction) {
		t.Errorf("the page did not go on after the dialog: cookies %+v", v.Cookies)
	}
}

// WebRTC stays inside the proxy: the page's STUN and TURN servers (the
// lab's UDP canary) hear nothing, and the attempt is recorded.
func TestLabWebRTC(t *testing.T) {
	lab, b, _ := labBrowser(t)
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: labURL(scantest.HostWebRTC, "/"), Name: "initial"})
	v := res.Visit
	if v.Error != "" {
		t.Fatalf("visit error: %s", v.Error)
	}
	time.Sleep(time.Second) // ICE gathering may lag the visit's end
	if got := lab.UDPCanary.Packets(); len(got) > 0 {
		t.Errorf("UDP went around the proxy to the canary: %v", got)
	}
	if len(v.WebRTC) != 1 {
		t.Fatalf("WebRTC attempts %+v", v.WebRTC)
	}
	a := v.WebRTC[0]
	want := []string{"stun:" + lab.UDPCanary.Addr, "turn:" + lab.UDPCanary.Addr + "?transport=udp"}
	if !slices.Equal(a.ICEServers, want) || a.Origin != "https://"+scantest.HostWebRTC || a.PageView != "visit/initial/view/1" {
		t.Errorf("attempt %+v, want servers %v", a, want)
	}
}

// After "reject", the agenda is reloaded and its first first-party link
// followed: the hard-coded player loads again on both, after the action,
// with its cookies refreshed; the HAR holds one page per page view.
func TestLabRejectReload(t *testing.T) {
	_, b, _ := labBrowser(t)
	res := b.Scan(t.Context(), ScanConfig{URL: labURL(scantest.HostRejectReload, "/"), Consent: "all"})
	rej := res.Visit(evidence.StateReject)
	if rej == nil || rej.Visit.Error != "" || rej.Visit.Action == nil || !rej.Visit.Action.Done {
		t.Fatalf("reject visit %+v", rej)
	}
	v := rej.Visit
	var kinds []string
	for _, pv := range v.PageViews {
		kinds = append(kinds, pv.Kind)
		if pv.Error != "" || pv.Status != 200 || pv.Observation == nil {
			t.Errorf("page view %+v", pv)
		}
	}
	if !slices.Equal(kinds, []string{"load", "reload", "link"}) || v.PageViews[2].URL != labURL(scantest.HostRejectReload, "/evenements") {
		t.Fatalf("page views %+v", v.PageViews)
	}
	player := map[string]bool{}
	for _, r := range v.Requests {
		if r.Host == scantest.HostVideo && r.Phase == evidence.PhaseAfterAction {
			player[r.PageView] = true
		}
	}
	if !player[v.PageViews[1].ID] || !player[v.PageViews[2].ID] {
		t.Errorf("the player after reject, by page view: %v", player)
	}
	refreshed := false
	for _, c := range v.Cookies {
		refreshed = refreshed || (c.Name == "VISITOR_INFO1_LIVE" && c.Refreshed && c.Phase == evidence.PhaseAfterAction)
	}
	if !refreshed {
		t.Errorf("the player's cookie is not refreshed after the refusal: %+v", v.Cookies)
	}
	if !strings.Contains(res.Browser.WebRTC, "disable_non_proxied_udp") {
		t.Errorf("WebRTC policy %q", res.Browser.WebRTC)
	}
	if v.FinalURL != labURL(scantest.HostRejectReload, "/") {
		t.Errorf("the visit's final URL %q is not its first page view's", v.FinalURL)
	}
	var har []byte
	for _, f := range rej.Files {
		if f.Path == "har/reject.har" {
			har = f.Data
		}
	}
	if err := validateHAR(har); err != nil {
		t.Errorf("HAR: %v", err)
	}
	if n := strings.Count(string(har), `"pageref": "page_reject`); n == 0 || !strings.Contains(string(har), `"id": "page_reject_3"`) {
		t.Errorf("HAR pages: %d entries with a pageref, page 3 present %v", n, strings.Contains(string(har), "page_reject_3"))
	}
}

// installedModes returns one installed binary of each headless mode —
// the headless shell and the full browser — so that what each is told in
// its own way (the WebRTC and third-party cookie policies: switches for
// the shell, profile preferences for the full browser) is tested in both.
// VIGIE_BROWSER, when set, is the only one.
func installedModes(t *testing.T) []string {
	t.Helper()
	first := requireBrowser(t)
	if os.Getenv("VIGIE_BROWSER") != "" {
		return []string{first}
	}
	out := []string{first}
	for _, name := range Candidates {
		if p, err := exec.LookPath(name); err == nil && IsHeadlessShell(p) != IsHeadlessShell(first) {
			return append(out, p)
		}
	}
	t.Logf("only %s is installed: one headless mode tested", first)
	return out
}

// TestPoliciesInEachMode: in each headless mode, WebRTC stays inside the
// proxy (the lab's UDP canary hears nothing) and the third-party cookie
// policy "block" refuses a third-party cookie; the evidence says how each
// policy was given.
func TestPoliciesInEachMode(t *testing.T) {
	lab, _, p := labBrowser(t)
	w, err := newWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	recordingSite(w)
	for _, exe := range installedModes(t) {
		t.Run(productName(exe), func(t *testing.T) {
			want := "profile webrtc.ip_handling_policy"
			if IsHeadlessShell(exe) {
				want = "--force-webrtc-ip-handling-policy"
			}
			b, err := Start(t.Context(), Config{Exec: exe, Proxy: p.Addr, TrustCerts: []string{lab.CACertFile}, ThirdPartyCookies: ThirdPartyBlock, Timing: testTiming})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			res := b.Scan(t.Context(), ScanConfig{URL: labURL(scantest.HostWebRTC, "/"), Consent: "none", Dwell: time.Second})
			time.Sleep(time.Second) // ICE gathering may lag the visit's end
			if got := lab.UDPCanary.Packets(); len(got) > 0 || len(res.Browser.Visits[0].WebRTC) != 1 {
				t.Errorf("UDP around the proxy %v; attempts %+v", got, res.Browser.Visits[0].WebRTC)
			}
			if !strings.Contains(res.Browser.WebRTC, want) {
				t.Errorf("WebRTC policy recorded as %q, want it given by %s", res.Browser.WebRTC, want)
			}

			wb, err := Start(t.Context(), Config{Exec: exe, Proxy: w.proxy.Addr().String(), TrustCerts: []string{w.caFile}, ThirdPartyCookies: ThirdPartyBlock, Timing: testTiming})
			if err != nil {
				t.Fatal(err)
			}
			defer wb.Close()
			v := wb.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://portal.rec.test/", Name: "initial", Dwell: time.Second})
			i := slices.IndexFunc(v.Visit.Cookies, func(c evidence.Cookie) bool { return c.Name == "uid" })
			if i < 0 || v.Visit.Cookies[i].Blocked == "" || !strings.HasPrefix(wb.Info().ThirdPartyCookies, "blocked") {
				t.Errorf("third-party cookie under the block policy: %+v (policy %q)", v.Visit.Cookies, wb.Info().ThirdPartyCookies)
			}
		})
	}
}

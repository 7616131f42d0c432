package browser

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// The recording site: a portal redirecting / to /home, loading a tracker
// script that writes _ga with document.cookie and sends a pixel, a
// cross-site tracker iframe whose response sets a third-party cookie and
// which fetches from script, local storage and IndexedDB, HSTS, and an
// <html lang> whose DOM getter the page overrides.
func recordingSite(w *world) {
	w.handle("portal.rec.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.Redirect(rw, r, "/home", http.StatusFound)
		case "/home":
			rw.Header().Set("Strict-Transport-Security", "max-age=31536000")
			rw.Header().Set("Content-Type", "text/html")
			http.SetCookie(rw, &http.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true, Secure: true})
			io.WriteString(rw, `<html lang=" fr-FR "><head><title>Portail</title><script src="https://stats.tracker.test/t.js"></script>
<script>Object.defineProperty(HTMLElement.prototype, "lang", {get() { return "xx" }})</script></head>
<body><h1>Consultation</h1><a href="/a">A</a><a href="https://portal.rec.test/b#x">B</a><a href="https://elsewhere.test/">X</a><a href="/doc.pdf">PDF</a>
<iframe src="https://frame.tracker.test/frame"></iframe>
<script>localStorage.setItem("visited", "yes"); indexedDB.open("portal-db");</script></body></html>`)
		default:
			rw.WriteHeader(http.StatusNoContent)
		}
	}))
	w.handle("stats.tracker.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/t.js":
			rw.Header().Set("Content-Type", "text/javascript")
			io.WriteString(rw, `document.cookie = "_ga=GA1.1.42.42; max-age=63072000; path=/";
fetch("https://stats.tracker.test/collect?v=1", {mode: "no-cors"});`)
		default:
			rw.WriteHeader(http.StatusNoContent)
		}
	}))
	w.handle("frame.tracker.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/frame":
			http.SetCookie(rw, &http.Cookie{Name: "uid", Value: "u1", Path: "/", MaxAge: 3600, Secure: true, SameSite: http.SameSiteNoneMode})
			rw.Header().Set("Content-Type", "text/html")
			io.WriteString(rw, `<html><body>ad<script>fetch("https://frame.tracker.test/in-frame-xhr")</script></body></html>`)
		default:
			rw.WriteHeader(http.StatusNoContent)
		}
	}))
}

func TestVisitRecords(t *testing.T) {
	b, w := shared(t)
	recordingSite(w)
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://portal.rec.test/", Name: "initial", Links: 2})
	v := res.Visit
	if v.Error != "" {
		t.Fatalf("visit error: %s", v.Error)
	}
	if v.FinalURL != "https://portal.rec.test/home" || v.Status != 200 {
		t.Errorf("final URL %q status %d", v.FinalURL, v.Status)
	}
	if len(v.Redirects) != 1 || v.Redirects[0].Status != http.StatusFound || v.Redirects[0].Location != "/home" {
		t.Errorf("redirects %+v", v.Redirects)
	}
	if v.HSTS != "max-age=31536000" {
		t.Errorf("HSTS %q", v.HSTS)
	}
	// The page's own getter override does not reach vigie's isolated world.
	if v.Lang != "fr-FR" {
		t.Errorf("lang %q, want the page's <html lang> trimmed, fr-FR", v.Lang)
	}

	req := func(url string) *evidence.Request {
		for i := range v.Requests {
			if v.Requests[i].URL == url {
				return &v.Requests[i]
			}
		}
		t.Errorf("no request for %s in %v", url, urls(v.Requests))
		return &evidence.Request{}
	}
	pixel := req("https://stats.tracker.test/collect?v=1")
	if pixel.Initiator == nil || pixel.Initiator.URL != "https://stats.tracker.test/t.js" || pixel.Type != "Fetch" ||
		pixel.RegistrableDomain != "tracker.test" || pixel.Phase != evidence.PhaseBeforeAction || !strings.HasPrefix(pixel.ID, "req/") {
		t.Errorf("pixel request %+v (initiator %+v)", pixel, pixel.Initiator)
	}
	xhr := req("https://frame.tracker.test/in-frame-xhr")
	if xhr.Frame != "https://frame.tracker.test/frame" {
		t.Errorf("iframe request's frame %q", xhr.Frame)
	}
	home := req("https://portal.rec.test/home")
	if home.Initiator == nil || home.Initiator.Type != "redirect" || home.Initiator.Parent == "" {
		t.Errorf("redirected document's initiator %+v", home.Initiator)
	}

	cookie := func(name string) *evidence.Cookie {
		for i := range v.Cookies {
			if v.Cookies[i].Name == name && v.Cookies[i].Blocked == "" {
				return &v.Cookies[i]
			}
		}
		t.Errorf("no cookie %s in %+v", name, v.Cookies)
		return &evidence.Cookie{}
	}
	ga := cookie("_ga")
	if ga.Domain != "portal.rec.test" || ga.SetBy == nil || ga.SetBy.Kind != "script" || ga.SetBy.Script != "https://stats.tracker.test/t.js" || ga.Expires.IsZero() || ga.Size != len("GA1.1.42.42") {
		t.Errorf("_ga %+v set by %+v", ga, ga.SetBy)
	}
	uid := cookie("uid")
	if uid.Domain != "frame.tracker.test" || uid.SetBy == nil || uid.SetBy.Kind != "response" || uid.SetBy.Request != req("https://frame.tracker.test/frame").ID || uid.SameSite != "None" {
		t.Errorf("third-party uid %+v set by %+v", uid, uid.SetBy)
	}
	if s := cookie("session"); !s.HTTPOnly || !s.Secure || !s.Session || s.ID != "cookie/initial/portal.rec.test///session" {
		t.Errorf("session cookie %+v", s)
	}

	var kinds []string
	for _, s := range v.Storage {
		if s.Origin == "https://portal.rec.test" {
			kinds = append(kinds, s.Kind+":"+s.Key)
		}
	}
	for _, want := range []string{"localStorage:visited", "indexedDB:portal-db"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("storage %v lacks %s", kinds, want)
		}
	}

	if len(v.Screenshots) != 1 || v.Screenshots[0].Path != "screenshots/initial-load.png" || len(v.Screenshots[0].SHA256) != 64 {
		t.Errorf("screenshots %+v", v.Screenshots)
	}
	files := map[string][]byte{}
	for _, f := range res.Files {
		files[f.Path] = f.Data
	}
	if !bytes.HasPrefix(files["screenshots/initial-load.png"], []byte("\x89PNG")) {
		t.Error("screenshot is not a PNG")
	}
	if v.HAR != "har/initial.har" {
		t.Errorf("HAR path %q", v.HAR)
	}
	if err := validateHAR(files["har/initial.har"]); err != nil {
		t.Errorf("HAR: %v", err)
	}
	if !slices.Contains(res.Links, "https://portal.rec.test/a") || !slices.Contains(res.Links, "https://elsewhere.test/") {
		t.Errorf("links %v", res.Links)
	}
}

func urls(rs []evidence.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.URL)
	}
	return out
}

// The consent site: a French banner whose accept is a big blue button and
// reject a small grey link; accepting loads the tracker, rejecting stores
// the refusal. The ignoring variant loads the tracker whatever the choice.
func consentSite(w *world, host string, ignoreReject bool) {
	tracker := `var s = document.createElement("script"); s.src = "https://stats.tracker.test/t.js"; document.head.appendChild(s);`
	onReject := `document.cookie = "choice=no; path=/; max-age=15552000";`
	if ignoreReject {
		onReject += tracker
	}
	w.pages(host, map[string]string{"/": `<html><head><title>Consultation</title></head><body><h1>Bienvenue</h1><p>Donnez votre avis.</p>
<div id="bandeau" style="position:fixed;bottom:0;left:0;right:0;background:#fff;padding:16px;border-top:1px solid #ccc">
<p>Nous utilisons des cookies pour mesurer l'audience du site.</p>
<button id="ok" style="background:#0055ff;color:#fff;font-size:18px;padding:12px 32px;border:0">Tout accepter</button>
<a href="#" id="non" style="color:#bbb;font-size:11px">Continuer sans accepter</a>
</div>
<script>
document.getElementById("ok").onclick = function () { document.cookie = "choice=yes; path=/; max-age=15552000"; ` + tracker + ` document.getElementById("bandeau").remove(); };
document.getElementById("non").onclick = function (e) { e.preventDefault(); ` + onReject + ` document.getElementById("bandeau").remove(); };
</script></body></html>`})
}

func TestScanConsent(t *testing.T) {
	b, w := shared(t)
	recordingSite(w)
	consentSite(w, "portal.consent.test", false)
	res := b.Scan(t.Context(), ScanConfig{URL: "https://portal.consent.test/", Consent: "all", OnVisit: w.setVisit})
	if len(res.Browser.Visits) != 3 {
		t.Fatalf("visits %d", len(res.Browser.Visits))
	}
	initial := res.Browser.Visit(evidence.StateInitial)
	if initial.Banner == nil || initial.Banner.Engine != "generic" {
		t.Fatalf("banner %+v", initial.Banner)
	}
	var accept, reject *evidence.Button
	for i, btn := range initial.Banner.Buttons {
		switch btn.Role {
		case "accept":
			accept = &initial.Banner.Buttons[i]
		case "reject":
			reject = &initial.Banner.Buttons[i]
		}
	}
	if accept == nil || reject == nil {
		t.Fatalf("buttons %+v", initial.Banner.Buttons)
	}
	if accept.IsLink || !reject.IsLink || reject.FontSize >= accept.FontSize || reject.Contrast >= accept.Contrast ||
		reject.Box.W*reject.Box.H >= accept.Box.W*accept.Box.H || accept.Label != "Tout accepter" || reject.Tag != "a" {
		t.Errorf("accept %+v\nreject %+v", accept, reject)
	}
	if !strings.Contains(initial.Banner.Text, "cookies") {
		t.Errorf("banner text %q", initial.Banner.Text)
	}
	for _, r := range initial.Requests {
		if r.Host == "stats.tracker.test" {
			t.Errorf("tracker loaded before consent: %s", r.URL)
		}
	}

	rej := res.Browser.Visit(evidence.StateReject)
	if rej.Action == nil || !rej.Action.Done || rej.Action.Button != "Continuer sans accepter" || !rej.Action.BannerGone {
		t.Fatalf("reject action %+v", rej.Action)
	}
	for _, r := range rej.Requests {
		if r.Host == "stats.tracker.test" {
			t.Errorf("tracker loaded after reject: %s", r.URL)
		}
	}
	if !hasCookie(rej.Cookies, "choice", evidence.PhaseAfterAction) || len(rej.Action.Cookies) != 1 {
		t.Errorf("reject cookies %+v, action %+v", rej.Cookies, rej.Action)
	}

	acc := res.Browser.Visit(evidence.StateAccept)
	if acc.Action == nil || !acc.Action.Done || acc.Action.Requests == 0 {
		t.Fatalf("accept action %+v", acc.Action)
	}
	tracked := false
	for _, r := range acc.Requests {
		tracked = tracked || (r.Host == "stats.tracker.test" && r.Phase == evidence.PhaseAfterAction)
	}
	if !tracked || !hasCookie(acc.Cookies, "_ga", evidence.PhaseAfterAction) {
		t.Errorf("accept did not load the tracker: %v %+v", urls(acc.Requests), acc.Cookies)
	}
	var shots []string
	for _, f := range res.Files {
		shots = append(shots, f.Path)
	}
	for _, want := range []string{"screenshots/initial-load.png", "screenshots/reject-after-reject.png", "screenshots/accept-after-accept.png", "har/reject.har"} {
		if !slices.Contains(shots, want) {
			t.Errorf("files %v lack %s", shots, want)
		}
	}
	if initial.HTTPSRedirect == nil || *initial.HTTPSRedirect {
		t.Errorf("the test world serves plain HTTP without redirect: HTTPSRedirect %v", initial.HTTPSRedirect)
	}

	// The proxy saw each visit's connections; the event streams hold them all.
	conns := w.connections()
	CrossCheck(res.Browser.Visits, conns)
	for _, v := range res.Browser.Visits {
		for _, r := range v.Requests {
			if r.FromProxyOnly {
				t.Errorf("%s: proxy-only request %s although the events saw it", v.ID, r.Host)
			}
		}
	}
}

func TestScanIgnoredReject(t *testing.T) {
	b, w := shared(t)
	recordingSite(w)
	consentSite(w, "portal.ignore.test", true)
	res := b.Scan(t.Context(), ScanConfig{URL: "https://portal.ignore.test/", Consent: "all", Pages: 0})
	rej := res.Browser.Visit(evidence.StateReject)
	if rej == nil || rej.Action == nil || !rej.Action.Done {
		t.Fatalf("reject visit %+v", rej)
	}
	if !hasCookie(rej.Cookies, "_ga", evidence.PhaseAfterAction) {
		t.Errorf("the ignored refusal is not visible: %+v", rej.Cookies)
	}
}

func hasCookie(cs []evidence.Cookie, name, phase string) bool {
	for _, c := range cs {
		if c.Name == name && c.Phase == phase {
			return true
		}
	}
	return false
}

func TestCrawlAndConsentNone(t *testing.T) {
	b, w := shared(t)
	recordingSite(w)
	res := b.Scan(t.Context(), ScanConfig{URL: "https://portal.rec.test/", Consent: "none", Pages: 2})
	var ids []string
	for _, v := range res.Browser.Visits {
		ids = append(ids, v.ID+" "+v.URL)
	}
	want := []string{"visit/initial https://portal.rec.test/", "visit/crawl/1 https://portal.rec.test/a", "visit/crawl/2 https://portal.rec.test/b"}
	if !slices.Equal(ids, want) {
		t.Errorf("visits %v, want %v", ids, want)
	}
	if res.Browser.Crawl == nil || res.Browser.Crawl.Candidates != 2 || res.Browser.Crawl.Rule == "" {
		t.Errorf("crawl %+v", res.Browser.Crawl)
	}
}

func TestVisitUnreachable(t *testing.T) {
	b, _ := shared(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res := b.Visit(ctx, VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://nowhere.invalid/"})
	if res.Visit.Error == "" {
		t.Errorf("no error for an unreachable page: %+v", res.Visit)
	}
}

// Virtual time that a request never answered holds still gives way to the
// wall clock, said in the evidence: the page's timer still fires.
func TestDwellFallsBackToWallClock(t *testing.T) {
	b, w := shared(t)
	release := make(chan struct{})
	defer close(release)
	w.handle("stall.clock.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			rw.Header().Set("Content-Type", "text/html")
			io.WriteString(rw, `<html><body><h1>Flux</h1><script>
fetch("/hang").catch(function () {});
setTimeout(function () { fetch("/late"); }, 1000);
</script></body></html>`)
		case "/hang":
			// No answer, not even headers: the fetch stays pending.
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			rw.WriteHeader(http.StatusNoContent)
		}
	}))
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://stall.clock.test/", Dwell: 1500 * time.Millisecond})
	v := res.Visit
	if v.Error != "" {
		t.Fatalf("visit error: %s", v.Error)
	}
	obs := v.PageViews[0].Observation
	if obs == nil || obs.Clock != evidence.ClockWall || !strings.Contains(obs.ClockNote, "did not run out") {
		t.Errorf("observation %+v", obs)
	}
	if !slices.Contains(urls(v.Requests), "https://stall.clock.test/late") {
		t.Errorf("the timer's request is missing: %v", urls(v.Requests))
	}
}

// A budget expiration that arrives late — on a starved machine, an earlier
// budget's can come once the next dwell has begun — no longer ends that
// dwell at once: the page's own clock says whether its dwell passed. Here
// the first dwells of the visit receive such a stale expiration 10 ms after they
// begin; the timer tag 6 s into the page is still seen, and the
// observation reports the page time that really passed.
func TestDwellIgnoresStaleExpiration(t *testing.T) {
	b, w := shared(t)
	w.handle("stale.clock.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			rw.Header().Set("Content-Type", "text/html")
			io.WriteString(rw, `<html><body><h1>Tard</h1><script>
fetch("/api");
setTimeout(function () { fetch("/late"); }, 6000);
</script></body></html>`)
		case "/api":
			// Page time stands still while it is pending: the stale
			// expiration comes in the middle of the first dwell.
			time.Sleep(500 * time.Millisecond)
			rw.WriteHeader(http.StatusNoContent)
		default:
			rw.WriteHeader(http.StatusNoContent)
		}
	}))
	var stale atomic.Int32
	dwellStarted = func(v *visit) {
		if !strings.Contains(v.spec.URL, "stale.clock.test") || stale.Load() >= 2 {
			return
		}
		stale.Add(1)
		c := &v.clock
		time.AfterFunc(10*time.Millisecond, func() { c.onEvent(&emulation.EventVirtualTimeBudgetExpired{}) })
	}
	defer func() { dwellStarted = nil }()
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://stale.clock.test/", Dwell: 8 * time.Second})
	v := res.Visit
	if v.Error != "" {
		t.Fatalf("visit error: %s", v.Error)
	}
	if stale.Load() == 0 {
		t.Fatal("no stale expiration was sent: the test saw nothing")
	}
	if !slices.Contains(urls(v.Requests), "https://stale.clock.test/late") {
		t.Errorf("the timer's request is missing: %v", urls(v.Requests))
	}
	obs := v.PageViews[0].Observation
	if obs == nil || obs.Planned < 8*time.Second || obs.PageTime+evidence.ObservationSlack < obs.Planned || obs.Unmeasured || obs.Short() != "" {
		t.Errorf("observation %+v (short %q)", obs, obs.Short())
	}
}

// A page that is never parsed (its HTML never ends) is a visit that did
// not complete: an error, not a visit that saw nothing.
func TestVisitNotParsedIsAnError(t *testing.T) {
	exe := requireBrowser(t)
	w, err := newWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	release := make(chan struct{})
	defer close(release)
	w.handle("hung.parse.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		rw.Header().Set("Content-Type", "text/html")
		io.WriteString(rw, `<html><head><title>Bientôt</title></head><body><p>Chargement`)
		rw.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	b, err := Start(t.Context(), Config{Exec: exe, Proxy: w.proxy.Addr().String(), TrustCerts: []string{w.caFile},
		Timing: Timing{Navigate: 3 * time.Second, Quiet: 200 * time.Millisecond, IdleCap: 2 * time.Second, Action: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://hung.parse.test/"})
	if !strings.Contains(res.Visit.Error, "not parsed") || len(res.Visit.PageViews) != 1 || res.Visit.PageViews[0].Error == "" {
		t.Errorf("error %q, page views %+v", res.Visit.Error, res.Visit.PageViews)
	}
}

// A confirm() on the reject click and a beforeunload prompt on the reload
// are closed as a visitor who does not engage would (Cancel, leave), and
// recorded: the page views after the choice still happen.
func TestDialogsOnActionAndReload(t *testing.T) {
	b, w := shared(t)
	w.pages("portal.unload.test", map[string]string{"/": `<html><body><h1>Consultation</h1>
<div id="b" style="position:fixed;bottom:0;left:0;right:0;background:#fff;padding:16px">
<p>Nous utilisons des cookies.</p><button id="ok">Tout accepter</button> <button id="non">Tout refuser</button></div>
<script>
document.getElementById("non").onclick = function () {
  confirm("Êtes-vous sûr de vouloir refuser ?");
  document.cookie = "choice=no; path=/; max-age=15552000";
  document.getElementById("b").remove();
};
document.getElementById("ok").onclick = function () { document.getElementById("b").remove(); };
window.addEventListener("beforeunload", function (e) { e.preventDefault(); e.returnValue = "Quitter ?"; });
</script></body></html>`})
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/reject", State: evidence.StateReject, URL: "https://portal.unload.test/", Action: ActionReject, Name: "reject"})
	v := res.Visit
	if v.Error != "" || v.Action == nil || !v.Action.Done {
		t.Fatalf("error %q action %+v", v.Error, v.Action)
	}
	if len(v.PageViews) < 2 || v.PageViews[1].Kind != evidence.PageViewReload || v.PageViews[1].Error != "" {
		t.Fatalf("page views %+v", v.PageViews)
	}
	var got []string
	for _, d := range v.Dialogs {
		got = append(got, d.Type+":"+d.Answer+":"+d.Phase)
	}
	if !slices.Contains(got, "confirm:dismissed:after-action") || !slices.Contains(got, "beforeunload:accepted:after-action") {
		t.Errorf("dialogs %v", got)
	}
}

func TestDialogAnswer(t *testing.T) {
	tests := []struct {
		typ    page.DialogType
		accept bool
	}{
		{page.DialogTypeAlert, true},
		{page.DialogTypeBeforeunload, true},
		{page.DialogTypeConfirm, false},
		{page.DialogTypePrompt, false},
	}
	for _, tt := range tests {
		if got := dialogAnswer(tt.typ); got != tt.accept {
			t.Errorf("%s: accept %v, want %v", tt.typ, got, tt.accept)
		}
	}
}

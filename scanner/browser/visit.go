package browser

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/indexeddb"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

//go:embed js/instrument.js
var instrumentJS string

//go:embed js/storage.js
var storageJS string

//go:embed js/banner.js
var bannerJS string

// Actions a visit can perform on the banner.
const (
	ActionNone   = ""
	ActionReject = "reject"
	ActionAccept = "accept"
)

// VisitSpec says what one visit does.
type VisitSpec struct {
	// ID is the visit's evidence ID (visit/initial, visit/crawl/1 …).
	ID string
	// State is initial, reject, accept or crawl.
	State string
	// URL is the page to load.
	URL string
	// Action is ActionNone, ActionReject or ActionAccept.
	Action string
	// Name prefixes the visit's files: screenshots/<Name>-load.png,
	// har/<Name>.har.
	Name string
	// Links is how many links of the page to return (for --pages).
	Links int
	// Capture keeps the page as rendered once loaded, before any action
	// (VisitResult.Page): its DOM, text, headers and cookies.
	Capture bool
	// Proxy is the recording-proxy endpoint ("host:port") the visit's
	// browser context goes through; empty for Config.Proxy.
	Proxy string
	// Dwell is how much of its own time each page view is observed after
	// its load event; zero for DefaultDwell.
	Dwell time.Duration
	// FirstParty tells the organisation's hosts, for the first-party link
	// followed after a consent action; nil means the URL's registrable
	// domain only.
	FirstParty func(host string) bool
}

// File is an artefact of a visit (a screenshot, a HAR file), with a
// bundle-relative path.
type File struct {
	Path string
	Data []byte
}

// VisitResult is what one visit observed.
type VisitResult struct {
	Visit evidence.Visit
	Files []File
	// Links are the page's link targets, in document order (at most
	// VisitSpec.Links × 20).
	Links []string
	// TCF is set when the page exposes the IAB TCF __tcfapi.
	TCF bool
	// Page is the page as rendered once loaded, before any action, when
	// VisitSpec.Capture asked for it.
	Page *Page
}

const bindingName = "__vigieCookieWrite"

// Visit loads spec.URL in a fresh browser context and records everything,
// performing spec.Action on the consent banner. It never fails as a whole:
// what went wrong is in Visit.Error (and Action.Error), with what was
// recorded until then.
func (b *Browser) Visit(ctx context.Context, spec VisitSpec) *VisitResult {
	start := time.Now()
	res := &VisitResult{Visit: evidence.Visit{ID: spec.ID, State: spec.State, URL: spec.URL, Started: start.UTC()}}
	v := &visit{b: b, spec: spec, res: res, clock: newPageClock()}
	var n atomic.Int64
	nextID := func() string { return "req/" + strconv.FormatInt(n.Add(1), 10) }
	v.rec = newRecorder(spec.ID, nextID, bindingName)
	err := v.run(ctx)
	v.finish()
	if err != nil {
		res.Visit.Error = err.Error()
	}
	res.Visit.Duration = time.Since(start)
	return res
}

// visit is one visit in progress.
type visit struct {
	b    *Browser
	spec VisitSpec
	res  *VisitResult
	rec  *recorder
	ctx  context.Context // the tab's chromedp context
	bcid cdp.BrowserContextID

	before     map[string]string // cookie key → fingerprint, before the action
	beforeSt   map[string]int
	cookies    []evidence.Cookie
	storage    []evidence.StorageItem
	bannerSpot *bannerSpot
	har        harInput

	// clock runs the tab's page time; view and obs are the current page
	// view and its observation.
	clock pageClock
	// clockWorld is vigie's isolated world in the main frame where the
	// page's clock is read (0: none yet, or gone with its document).
	clockWorld runtime.ExecutionContextID
	// virtualDone is set when the last dwell ran out on virtual time.
	virtualDone bool
	view        *evidence.PageView
	obs         *evidence.Observation
	// lastFP and seenIn tell, per cookie key, its last fingerprint and
	// the page view where it was first seen so; lastSize and stSeenIn
	// the same for storage items.
	lastFP   map[string]string
	seenIn   map[string]string
	lastSize map[string]int
	stSeenIn map[string]string
}

// bannerSpot is where the banner was found: the frame and the isolated
// world holding its buttons.
type bannerSpot struct {
	frame  cdp.FrameID
	ctxID  runtime.ExecutionContextID
	banner *evidence.Banner
	topLvl bool
}

func (v *visit) run(ctx context.Context) error {
	closeTab, err := v.open(ctx)
	if err != nil {
		return err
	}
	defer closeTab()
	dwell := v.spec.Dwell
	if dwell <= 0 {
		dwell = DefaultDwell
	}

	// Load the page and watch it for its dwell, as loaded.
	v.har.started = time.Now().UTC()
	v.startView(evidence.PageViewLoad, v.spec.URL)
	if err := v.navigate(); err != nil {
		v.endView(err)
		return err
	}
	if !v.rec.ready() {
		err := fmt.Errorf("loading %s: the page was not parsed within %s (no DOMContentLoaded)", v.spec.URL, v.b.timing.Navigate)
		v.endView(err)
		return orNil(ctx.Err(), err)
	}
	v.dwell(dwell)
	v.waitIdle()
	v.shot("load")
	v.res.Visit.Lang = v.lang()
	if v.spec.Capture {
		v.res.Page = v.page()
	}
	if err := v.detectBanner(); err != nil {
		v.endView(err)
		return orNil(ctx.Err(), err)
	}
	if v.spec.Links > 0 {
		v.res.Links = v.links(v.spec.Links * 20)
	}
	v.res.TCF = v.tcf()
	if v.spec.Action == ActionNone {
		// A reader's gestures: tags that fire on scroll or on a first
		// interaction load before any choice.
		v.read(true)
		v.waitIdle()
		err := v.snapshot()
		v.endView(err)
		return orNil(ctx.Err(), err)
	}
	// Before a choice, no scroll: some banners take a scroll for consent.
	v.read(false)
	v.waitIdle()
	if err := v.snapshot(); err != nil {
		v.endView(err)
		return orNil(ctx.Err(), err)
	}

	// Act on the banner.
	act := &evidence.ConsentAction{Role: v.spec.Action}
	v.res.Visit.Action = act
	btn := v.button(v.spec.Action)
	switch {
	case v.bannerSpot == nil:
		act.Error = "no consent banner found"
		v.endView(nil)
		return ctx.Err()
	case btn < 0:
		act.Error = fmt.Sprintf("the banner's first layer has no %s control", v.spec.Action)
		v.endView(nil)
		return ctx.Err()
	}
	act.Button = v.bannerSpot.banner.Buttons[btn].Label
	navs := v.rec.mainNavigations()
	v.rec.setPhase(evidence.PhaseAfterAction)
	act.At = time.Now().UTC()
	if err := v.click(btn); err != nil {
		act.Error = err.Error()
		v.endView(nil)
		return ctx.Err()
	}
	act.Done = true
	v.rec.touch()
	// The choice takes effect in page time (a CMP's callbacks, a reload).
	v.dwell(dwell)
	v.waitIdle()
	if v.rec.mainNavigations() > navs {
		act.Navigated = true
		if !v.loaded() {
			v.waitLoad()
		}
		v.dwell(dwell)
	}
	v.read(true)
	v.waitIdle()
	v.shot("after-" + v.spec.Action)
	old := v.bannerSpot
	v.bannerSpot = nil
	_ = v.detectBanner()
	act.BannerGone = v.bannerSpot == nil
	v.bannerSpot = old
	err = v.snapshot()
	v.endView(err)
	if err != nil {
		return orNil(ctx.Err(), err)
	}

	// The choice is judged on the next page views too: the same page
	// reloaded, then one first-party link.
	v.nextViews(dwell)
	return ctx.Err()
}

// nextViews makes the page views that follow a consent action: the page
// reloaded, then its first first-party link followed (siteHosts: the
// organisation's or on the domain of the page it landed on; the first of the
// page where the choice was made when the reloaded page has none; the
// next, up to linkTries, while a link answers an HTTP error or fails at
// once), each
// watched as the first load was, in the same tab (cookies, storage and
// session kept). Their failures are the page views' errors, not the
// visit's.
func (v *visit) nextViews(dwell time.Duration) {
	if v.ctx.Err() != nil {
		return
	}
	cur := v.currentURL()
	// The links of the page where the choice was made, for when the
	// reloaded page offers none (an error page: a rate limit).
	before := v.links(200)
	v.startView(evidence.PageViewReload, cur)
	err := v.goTo(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.Reload, page.ReloadParams{})
		return err
	})
	if err == nil {
		err = v.watch(dwell)
	}
	v.endView(err)
	if err != nil || v.ctx.Err() != nil {
		return
	}

	cur = v.currentURL()
	firstParty := siteHosts(v.spec.FirstParty, v.spec.URL, cur)
	cands := crawlCandidates(v.links(200), []string{v.spec.URL, cur}, firstParty)
	if len(cands) == 0 {
		cands = crawlCandidates(before, []string{v.spec.URL, cur}, firstParty)
	}
	tries := cands[:min(len(cands), linkTries)]
	for i, link := range tries {
		v.startView(evidence.PageViewLink, link)
		err = v.goTo(func(ctx context.Context) error {
			res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: link, Referrer: cur, TransitionType: page.TransitionTypeLink})
			if err == nil && res.ErrorText != "" {
				err = errors.New(res.ErrorText)
			}
			return err
		})
		// A stale link (the site's 404) or a broken one that failed at
		// once (a name gone, vigie's proxy answering): not the site's next
		// page. Its view stays in the evidence, unwatched, with its error,
		// and the next link is followed (with the same referrer, as from
		// the page). A link that timed out is not retried: each try would
		// cost the whole navigation budget.
		stale := err == nil && v.viewStatus() >= 400
		broken := err != nil && !errors.Is(err, errNotParsed) && !errors.Is(err, context.DeadlineExceeded)
		if (stale || broken) && i+1 < len(tries) && v.ctx.Err() == nil {
			v.endView(err)
			continue
		}
		if err == nil {
			err = v.watch(dwell)
		}
		v.endView(err)
		return
	}
}

// watch observes a page view after a choice as a reader would: its dwell,
// the reader's gestures, the network's quiet, then the snapshot.
func (v *visit) watch(dwell time.Duration) error {
	v.dwell(dwell)
	v.read(true)
	v.waitIdle()
	return v.snapshot()
}

// linkTries is how many first-party links nextViews follows, one after
// another, while they answer an HTTP error or fail at once.
const linkTries = 3

// viewStatus returns the HTTP status of the current page view's main
// document (0: none yet).
func (v *visit) viewStatus() int {
	if v.view == nil {
		return 0
	}
	if hops := v.rec.mainDocument(v.view.ID); len(hops) > 0 {
		return hops[len(hops)-1].ev.Status
	}
	return 0
}

// goTo starts a navigation of the tab (nav) and waits for the new
// document's load event.
func (v *visit) goTo(nav func(ctx context.Context) error) error {
	navs := v.rec.mainNavigations()
	if err := v.step(nav); err != nil {
		return fmt.Errorf("loading %s: %w", v.view.URL, err)
	}
	v.poll(v.b.timing.Navigate, func() bool {
		_, loaded := v.rec.idle(0)
		return v.rec.mainNavigations() > navs && loaded
	})
	if v.rec.mainNavigations() <= navs || !v.rec.ready() {
		return fmt.Errorf("loading %s: %w within %s", v.view.URL, errNotParsed, v.b.timing.Navigate)
	}
	if msg := v.rec.proxyAnswer(); msg != "" {
		// A plain-HTTP page vigie's proxy answered itself (a name that no
		// longer resolves, a refused address): not the site's page.
		return fmt.Errorf("loading %s: not loaded, vigie's proxy answered: %s", v.view.URL, msg)
	}
	return nil
}

// errNotParsed is a page view that did not reach its parsed document
// within the navigation timeout.
var errNotParsed = errors.New("the page was not parsed")

// currentURL returns the URL of the current main document.
func (v *visit) currentURL() string {
	if hops := v.rec.mainDocument(""); len(hops) > 0 {
		return hops[len(hops)-1].ev.URL
	}
	return v.spec.URL
}

// startView begins a page view: what is recorded from now on belongs to it.
func (v *visit) startView(kind, url string) {
	n := len(v.res.Visit.PageViews) + 1
	v.res.Visit.PageViews = append(v.res.Visit.PageViews, evidence.PageView{
		ID: v.spec.ID + "/view/" + strconv.Itoa(n), Kind: kind, URL: truncate(url, maxURL), Started: time.Now().UTC()})
	v.view = &v.res.Visit.PageViews[n-1]
	v.obs = &evidence.Observation{}
	v.obs.Clock, v.obs.ClockNote = v.clock.label()
	v.rec.setView(v.view.ID)
}

// endView closes the current page view, with its error if it failed.
func (v *visit) endView(err error) {
	if v.view == nil {
		return
	}
	if err != nil {
		v.view.Error = err.Error()
	}
	if v.obs != nil && (v.obs.PageTime > 0 || v.obs.Scrolled || v.obs.Interaction != "") {
		v.view.Observation = v.obs
	}
	v.har.views = append(v.har.views, v.rec.viewTimings(v.view.ID))
	v.view, v.obs = nil, nil
}

// open opens a tab in a fresh browser context whose traffic goes through
// the recording proxy, listens to its events and prepares it (setup). The
// returned function closes the tab and disposes of its context; the tab
// also closes when ctx ends.
//
// A tab that could not be opened (a browser too busy to answer in time)
// is tried once more: the failure is vigie's, not the site's.
func (v *visit) open(ctx context.Context) (func(), error) {
	closeTab, err := v.openOnce(ctx)
	if err != nil && ctx.Err() == nil {
		closeTab, err = v.openOnce(ctx)
	}
	return closeTab, err
}

func (v *visit) openOnce(ctx context.Context) (func(), error) {
	b := v.b
	proxy := "direct://"
	if v.spec.Proxy != "" {
		proxy = "http://" + v.spec.Proxy
	} else if b.cfg.Proxy != "" {
		proxy = "http://" + b.cfg.Proxy
	}
	tctx, cancel := chromedp.NewContext(b.bctx, chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
		p.ProxyServer = proxy
		p.ProxyBypassList = "<-loopback>"
	}))
	stop := context.AfterFunc(ctx, cancel)
	closeTab := func() {
		stop()
		cancel()
	}
	v.ctx = tctx

	// Open the tab. Its first Run binds the tab to tctx, so the deadline
	// is a timer: the navigation timeout, as a browser busy with the other
	// visits of a batch can be slow to make one.
	timer := time.AfterFunc(max(b.timing.Action, b.timing.Navigate), cancel)
	err := chromedp.Do(tctx)
	if !timer.Stop() || err != nil {
		closeTab()
		return nil, fmt.Errorf("opening a browser tab: %w", firstErr(err, ctx.Err(), context.DeadlineExceeded))
	}
	if c := chromedp.FromContext(tctx); c != nil {
		v.bcid = c.BrowserContextID
	}
	if err := chromedp.Listen(tctx, func(ev any) {
		v.rec.handle(ev)
		v.onDialog(ev)
		v.clock.onEvent(ev)
	}); err != nil {
		closeTab()
		return nil, fmt.Errorf("listening to the tab: %w", err)
	}
	if err := v.setup(); err != nil {
		closeTab()
		return nil, err
	}
	return closeTab, nil
}

// setup presents the browser as an ordinary visitor's and installs the
// cookie-write instrumentation before any page script.
func (v *visit) setup() error {
	b := v.b
	meta := &emulation.UserAgentMetadata{
		Brands:          []*emulation.UserAgentBrandVersion{{Brand: "Chromium", Version: b.major}, {Brand: "Not:A-Brand", Version: "24"}},
		FullVersionList: []*emulation.UserAgentBrandVersion{{Brand: "Chromium", Version: b.full}, {Brand: "Not:A-Brand", Version: "24.0.0.0"}},
		Platform:        "Linux", Architecture: "x86", Bitness: "64",
	}
	steps := []func(ctx context.Context) error{
		func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: b.ua, AcceptLanguage: acceptLanguage(b.cfg.Locale), Platform: "Linux x86_64", UserAgentMetadata: meta})
			return err
		},
		func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: b.cfg.Locale})
			return err
		},
		func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: b.cfg.TimeZone})
			return err
		},
		func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName})
			return err
		},
		func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: strings.ReplaceAll(instrumentJS, "__BINDING__", bindingName)})
			return err
		},
	}
	for _, s := range steps {
		if err := v.step(s); err != nil {
			return fmt.Errorf("preparing the tab: %w", err)
		}
	}
	return nil
}

// step runs one browser command with the action deadline.
func (v *visit) step(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(v.ctx, v.b.timing.Action)
	defer cancel()
	return f(ctx)
}

// navigate loads the page and waits for its load event (capped). The
// network's idle is the caller's to wait for: a visit's dwell runs on
// virtual time, which stands still while requests are pending, so it
// waits for them without the idle's quiet period.
func (v *visit) navigate() error {
	ctx, cancel := context.WithTimeout(v.ctx, v.b.timing.Navigate)
	defer cancel()
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: v.spec.URL})
	if err != nil {
		return fmt.Errorf("loading %s: %w", v.spec.URL, err)
	}
	if res.ErrorText != "" {
		return fmt.Errorf("loading %s: %s", v.spec.URL, res.ErrorText)
	}
	v.waitLoad()
	if msg := v.rec.proxyAnswer(); msg != "" {
		return fmt.Errorf("loading %s: not loaded, vigie's proxy answered: %s", v.spec.URL, msg)
	}
	return nil
}

// waitLoad waits for the main document's load event, capped by the
// navigation timeout.
func (v *visit) waitLoad() {
	v.poll(v.b.timing.Navigate, v.loaded)
}

// loaded reports whether the main document's load event has fired.
func (v *visit) loaded() bool {
	_, loaded := v.rec.idle(0)
	return loaded
}

// waitIdle waits until no request has been in flight for Quiet, capped by
// IdleCap. Right after a dwell that ran out on virtual time the quiet is
// shorter (afterVirtual): page time stood still while requests were
// pending, so the page had nothing pending when its time ran out, and the
// wait is only for what it started at that last moment.
func (v *visit) waitIdle() {
	quiet := v.b.timing.Quiet
	if v.virtualDone {
		quiet = min(quiet, afterVirtual)
	}
	v.poll(v.b.timing.IdleCap, func() bool {
		idle, _ := v.rec.idle(quiet)
		return idle
	})
}

// afterVirtual is the network quiet waited for after a dwell that ran out
// on virtual time.
const afterVirtual = 100 * time.Millisecond

// poll checks cond every 50ms until it holds, the cap passes or the tab ends.
func (v *visit) poll(limit time.Duration, cond func() bool) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-v.ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

// shot takes a viewport screenshot.
func (v *visit) shot(label string) {
	var data []byte
	err := v.step(func(ctx context.Context) error {
		r, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng})
		data = r.Data
		return err
	})
	if err != nil || len(data) == 0 {
		return
	}
	name := v.spec.Name
	if name == "" {
		name = v.spec.State
	}
	p := "screenshots/" + name + "-" + label + ".png"
	sum := sha256.Sum256(data)
	v.res.Files = append(v.res.Files, File{Path: p, Data: data})
	v.res.Visit.Screenshots = append(v.res.Visit.Screenshots, evidence.Screenshot{Label: label, Path: p, SHA256: hex.EncodeToString(sum[:])})
}

// frames lists the tab's frames, the main frame first.
func (v *visit) frames() []*cdp.Frame {
	var tree *page.FrameTree
	if err := v.step(func(ctx context.Context) error {
		r, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		tree = r.FrameTree
		return err
	}); err != nil || tree == nil {
		return nil
	}
	var out []*cdp.Frame
	queue := []*page.FrameTree{tree}
	for len(queue) > 0 && len(out) < 50 {
		t := queue[0]
		queue = queue[1:]
		if t == nil || t.Frame == nil {
			continue
		}
		out = append(out, t.Frame)
		queue = append(queue, t.ChildFrames...)
	}
	return out
}

// world creates an isolated world in a frame: it sees the DOM, not the
// page's scripts, and the page cannot see it.
func (v *visit) world(frame cdp.FrameID) (runtime.ExecutionContextID, error) {
	var id runtime.ExecutionContextID
	err := v.step(func(ctx context.Context) error {
		r, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame, WorldName: "vigie"})
		id = r.ExecutionContextID
		return err
	})
	return id, err
}

// eval evaluates an expression in an execution context (0: the main
// world of the main frame) and decodes its value into out.
func (v *visit) eval(ctxID runtime.ExecutionContextID, expr string, out any) error {
	return v.step(func(ctx context.Context) error {
		r, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
			Expression: expr, ContextID: ctxID, ReturnByValue: ptr(true), AwaitPromise: ptr(true), Silent: ptr(true)})
		if err != nil {
			return err
		}
		if r.ExceptionDetails != nil {
			return fmt.Errorf("script error: %s", r.ExceptionDetails.Text)
		}
		if out == nil || r.Result == nil || len(r.Result.Value) == 0 {
			return nil
		}
		return json.Unmarshal(r.Result.Value, out)
	})
}

// detectBanner looks for the consent banner in every frame, the main frame
// first, and keeps the first found. It fails when the main frame could
// not be searched: the page's banner is then unknown, not absent.
func (v *visit) detectBanner() error {
	arg, err := json.Marshal(bannerConfig{Rules: Rules, Words: Words, Keywords: Keywords, Exclude: ExcludeWords})
	if err != nil {
		return err
	}
	expr := "(" + bannerJS + ")(" + string(arg) + ")"
	frames := v.frames()
	if len(frames) == 0 {
		return errors.New("searching for a consent banner: the page's frames could not be listed")
	}
	for i, f := range frames {
		id, err := v.world(f.ID)
		if err == nil {
			var jb *jsBanner
			if err = v.eval(id, expr, &jb); err == nil && jb != nil {
				frame := ""
				if i > 0 {
					frame = truncate(f.URL, maxURL)
				}
				v.bannerSpot = &bannerSpot{frame: f.ID, ctxID: id, banner: jb.toEvidence(frame), topLvl: i == 0}
				if v.res.Visit.Banner == nil {
					v.res.Visit.Banner = v.bannerSpot.banner
				}
				return nil
			}
		}
		if err != nil && i == 0 {
			return fmt.Errorf("searching the page for a consent banner: %w", err)
		}
	}
	return nil
}

// button returns the index of the first control with the role, or -1.
func (v *visit) button(role string) int {
	if v.bannerSpot == nil {
		return -1
	}
	for i, btn := range v.bannerSpot.banner.Buttons {
		if btn.Role == role {
			return i
		}
	}
	return -1
}

// click clicks control i of the banner: a real mouse click at its centre
// when it is in the main frame and not covered, else a DOM click.
func (v *visit) click(i int) error {
	spot := v.bannerSpot
	var at struct {
		X, Y float64
		Hit  bool
	}
	expr := fmt.Sprintf(`(() => { const el = (globalThis.__vigie_buttons || [])[%d]; if (!el || !el.isConnected) return null;
el.scrollIntoView({block: "center", inline: "center"}); const r = el.getBoundingClientRect();
const x = r.left + r.width / 2, y = r.top + r.height / 2; let h = document.elementFromPoint(x, y);
for (let i = 0; h && h.shadowRoot && i < 10; i++) { const n = h.shadowRoot.elementFromPoint(x, y); if (!n || n === h) break; h = n; }
return {X: x, Y: y, Hit: !!h && (h === el || el.contains(h) || h.contains(el))}; })()`, i)
	if err := v.eval(spot.ctxID, expr, &at); err != nil {
		return fmt.Errorf("locating the %s control: %w", v.spec.Action, err)
	}
	if spot.topLvl && at.Hit {
		return v.step(func(ctx context.Context) error { return chromedp.Do(ctx, chromedp.MouseClickXY(at.X, at.Y)) })
	}
	if err := v.eval(spot.ctxID, fmt.Sprintf(`(globalThis.__vigie_buttons || [])[%d].click()`, i), nil); err != nil {
		return fmt.Errorf("clicking the %s control: %w", v.spec.Action, err)
	}
	return nil
}

// tcf reports whether the page exposes the IAB TCF API (main world).
func (v *visit) tcf() bool {
	var ok bool
	_ = v.eval(0, `typeof window.__tcfapi === "function"`, &ok)
	return ok
}

// maxLang bounds the page's declared language (BCP 47 tags rarely exceed 35).
const maxLang = 35

// lang returns the language the page declares, its <html lang>, read in an
// isolated world (the page's scripts cannot fake the DOM's getter there),
// trimmed and bounded.
func (v *visit) lang() string {
	frames := v.frames()
	if len(frames) == 0 {
		return ""
	}
	id, err := v.world(frames[0].ID)
	if err != nil {
		return ""
	}
	var s string
	_ = v.eval(id, `String(document.documentElement ? document.documentElement.lang : "").slice(0, 64)`, &s)
	return strings.ToValidUTF8(truncate(strings.TrimSpace(s), maxLang), "")
}

// links returns the page's link targets in document order.
func (v *visit) links(max int) []string {
	var out []string
	frames := v.frames()
	if len(frames) == 0 {
		return nil
	}
	id, err := v.world(frames[0].ID)
	if err != nil {
		return nil
	}
	_ = v.eval(id, fmt.Sprintf(`Array.from(document.querySelectorAll("a[href]")).slice(0, %d).map(a => String(a.href).slice(0, 2048))`, max), &out)
	return out
}

// snapshot records the context's cookies and every frame's storage, at
// the end of a page view. The first call is the before-action state; in
// later calls what is new or changed since then is after-action. Each
// record names the page view where it was first seen as it is. It fails
// when the cookies could not be read.
func (v *visit) snapshot() error {
	phase := evidence.PhaseBeforeAction
	if v.before != nil {
		phase = evidence.PhaseAfterAction
	}
	view := ""
	if v.view != nil {
		view = v.view.ID
	}
	if v.lastFP == nil {
		v.lastFP, v.seenIn, v.lastSize, v.stSeenIn = map[string]string{}, map[string]string{}, map[string]int{}, map[string]string{}
	}
	state := strings.TrimPrefix(v.spec.ID, "visit/")
	var cks []*networkCookie
	if err := v.step(func(ctx context.Context) error {
		r, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: v.bcid})
		for _, c := range r.Cookies {
			if c != nil && len(cks) < 1000 {
				cks = append(cks, &networkCookie{c})
			}
		}
		return err
	}); err != nil {
		return fmt.Errorf("reading the cookies: %w", err)
	}
	seen := map[string]string{}
	var cookies []evidence.Cookie
	for _, c := range cks {
		key, fp := c.key(), c.fingerprint()
		seen[key] = fp
		if v.lastFP[key] != fp {
			v.lastFP[key], v.seenIn[key] = fp, view
		}
		p := evidence.PhaseBeforeAction
		old, had := v.before[key]
		if phase == evidence.PhaseAfterAction && old != fp {
			p = evidence.PhaseAfterAction
		}
		ec := c.evidence(state, v.spec.ID, p)
		ec.SetBy = v.rec.setterFor(ec.Name, ec.Domain)
		ec.PageView = v.seenIn[key]
		ec.Refreshed = p == evidence.PhaseAfterAction && had
		cookies = append(cookies, ec)
	}
	v.cookies = cookies
	if v.before == nil {
		v.before = seen
	}

	var items []evidence.StorageItem
	sizes := map[string]int{}
	frames := v.frames()
	dbs, stores := v.frameStorage(frames)
	for i, st := range stores {
		if st.Origin == "" || st.Origin == "null" {
			continue
		}
		add := func(kind, key string, size int) {
			sid := "storage/" + state + "/" + kind + "/" + st.Origin + "/" + key
			if _, dup := sizes[sid]; dup || len(items) >= 2000 {
				return
			}
			sizes[sid] = size
			if old, ok := v.lastSize[sid]; !ok || old != size {
				v.lastSize[sid], v.stSeenIn[sid] = size, view
			}
			p := evidence.PhaseBeforeAction
			if phase == evidence.PhaseAfterAction {
				if old, ok := v.beforeSt[sid]; !ok || old != size {
					p = evidence.PhaseAfterAction
				}
			}
			items = append(items, evidence.StorageItem{ID: sid, Visit: v.spec.ID, Phase: p, Origin: truncate(st.Origin, 512), Kind: kind, Key: key, Size: size,
				PageView: v.stSeenIn[sid]})
		}
		for _, kv := range st.Local {
			k, _ := kv[0].(string)
			n, _ := kv[1].(float64)
			add("localStorage", k, int(n))
		}
		for _, kv := range st.Session {
			k, _ := kv[0].(string)
			n, _ := kv[1].(float64)
			add("sessionStorage", k, int(n))
		}
		for _, name := range dbs[i] {
			add("indexedDB", name, 0)
		}
	}
	v.storage = items
	if v.beforeSt == nil {
		v.beforeSt = sizes
	}
	return nil
}

// finish fills the visit's evidence from what was recorded.
func (v *visit) finish() {
	vis := &v.res.Visit
	vis.Requests = v.rec.requests()
	first := ""
	if len(vis.PageViews) > 0 {
		first = vis.PageViews[0].ID
	}
	for i := range vis.PageViews {
		pv := &vis.PageViews[i]
		if hops := v.rec.mainDocument(pv.ID); len(hops) > 0 {
			pv.FinalURL, pv.Status = hops[len(hops)-1].ev.URL, hops[len(hops)-1].ev.Status
		}
	}
	vis.Dialogs, vis.WebRTC = v.rec.pageEvents()
	hops := v.rec.mainDocument(first)
	for i, h := range hops {
		if i == len(hops)-1 || h.ev.Status < 300 || h.ev.Status >= 400 {
			continue
		}
		loc := ""
		if h.response != nil {
			if ls := headerLines(h.response.Headers, "location"); len(ls) > 0 {
				loc = truncate(ls[0], maxURL)
			}
		}
		if loc == "" {
			loc = hops[i+1].ev.URL
		}
		vis.Redirects = append(vis.Redirects, evidence.Redirect{URL: h.ev.URL, Status: h.ev.Status, Location: loc})
	}
	if n := len(hops); n > 0 {
		last := hops[n-1]
		vis.FinalURL = last.ev.URL
		vis.Status = last.ev.Status
		if last.response != nil {
			if hs := headerLines(last.response.Headers, "strict-transport-security"); len(hs) > 0 {
				vis.HSTS = truncate(hs[0], 512)
			}
		}
	}
	vis.Cookies = v.cookies
	state := strings.TrimPrefix(v.spec.ID, "visit/")
	for i, bc := range v.rec.blockedCookies() {
		bc.ID = fmt.Sprintf("cookie/%s/%s/%s/%s#blocked-%d", state, bc.Domain, bc.Path, bc.Name, i+1)
		bc.Visit = v.spec.ID
		vis.Cookies = append(vis.Cookies, bc)
	}
	vis.Storage = v.storage
	if vis.Action != nil {
		for _, c := range vis.Cookies {
			if c.Phase == evidence.PhaseAfterAction {
				vis.Action.Cookies = append(vis.Action.Cookies, c.ID)
			}
		}
		for _, s := range vis.Storage {
			if s.Phase == evidence.PhaseAfterAction {
				vis.Action.Storage = append(vis.Action.Storage, s.ID)
			}
		}
		for _, r := range vis.Requests {
			if r.Phase == evidence.PhaseAfterAction {
				vis.Action.Requests++
			}
		}
	}
	name := v.spec.Name
	if name == "" {
		name = v.spec.State
	}
	if data, err := buildHAR(v, name); err == nil {
		p := "har/" + name + ".har"
		v.res.Files = append(v.res.Files, File{Path: p, Data: data})
		vis.HAR = p
	}
}

// networkCookie wraps a cookie of Storage.getCookies.
type networkCookie struct{ c *cdpCookie }

func (n *networkCookie) key() string {
	k := n.c.Domain + "\x00" + n.c.Path + "\x00" + n.c.Name
	if n.c.PartitionKey != nil {
		k += "\x00" + n.c.PartitionKey.TopLevelSite
	}
	return k
}

// fingerprint changes when the cookie is written again with another value
// or expiry (the value itself is not kept).
func (n *networkCookie) fingerprint() string {
	h := sha256.Sum256([]byte(n.c.Value + "\x00" + strconv.FormatFloat(n.c.Expires, 'f', 0, 64)))
	return hex.EncodeToString(h[:8])
}

func (n *networkCookie) evidence(state, visitID, phase string) evidence.Cookie {
	c := n.c
	ec := evidence.Cookie{
		ID:    "cookie/" + state + "/" + c.Domain + "/" + c.Path + "/" + truncate(c.Name, 256),
		Visit: visitID, Phase: phase, Name: truncate(c.Name, 256), Domain: c.Domain, Path: c.Path,
		Session: c.Session || c.Expires <= 0, Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: string(c.SameSite),
		Size: len(c.Value),
	}
	if c.Expires > 0 {
		ec.Expires = time.Unix(int64(c.Expires), 0).UTC()
	}
	if c.PartitionKey != nil {
		ec.Partition = c.PartitionKey.TopLevelSite
		ec.ID += "#" + c.PartitionKey.TopLevelSite
	}
	return ec
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return errors.New("unknown error")
}

// orNil returns the first error that is not nil, or nil.
func orNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// frameStore is a frame's Web Storage as storageJS reads it in vigie's
// isolated world: its origin and its keys with their sizes.
type frameStore struct {
	Origin  string   `json:"origin"`
	Local   [][2]any `json:"local"`
	Session [][2]any `json:"session"`
}

// frameStorage reads every frame's IndexedDB names (databases) and Web
// Storage at once, so that a snapshot costs one frame's answer rather
// than the sum of all; a frame that could not be read has no origin.
func (v *visit) frameStorage(frames []*cdp.Frame) ([][]string, []frameStore) {
	stores := make([]frameStore, len(frames))
	var dbs [][]string
	var wg sync.WaitGroup
	wg.Go(func() { dbs = v.databases(frames) })
	for i, f := range frames {
		wg.Go(func() {
			id, err := v.world(f.ID)
			if err != nil {
				return
			}
			var st frameStore
			if err := v.eval(id, storageJS, &st); err == nil {
				stores[i] = st
			}
		})
	}
	wg.Wait()
	return dbs, stores
}

// databases returns the names of the IndexedDB databases of each frame's
// storage key (at most 100 each), asked of the browser for all frames at
// once: an answer can wait for the page's next step of time (see
// stepStale). A frame whose key cannot be had (an opaque origin, a frame
// gone) has none.
func (v *visit) databases(frames []*cdp.Frame) [][]string {
	out := make([][]string, len(frames))
	var wg sync.WaitGroup
	for i, f := range frames {
		wg.Go(func() {
			_ = v.step(func(ctx context.Context) error {
				key, err := chromedp.Call(ctx, storage.GetStorageKey, storage.GetStorageKeyParams{FrameID: f.ID})
				if err != nil || key.StorageKey == "" {
					return err
				}
				r, err := chromedp.Call(ctx, indexeddb.RequestDatabaseNames, indexeddb.RequestDatabaseNamesParams{StorageKey: string(key.StorageKey)})
				for _, n := range r.DatabaseNames {
					if len(out[i]) < 100 {
						out[i] = append(out[i], truncate(n, 256))
					}
				}
				return err
			})
		})
	}
	wg.Wait()
	return out
}

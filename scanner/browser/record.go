package browser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/proxy"
)

// Bounds on what one visit records: a hostile page cannot make vigie keep
// an unbounded amount of data.
const (
	maxRequests   = 3000
	maxURL        = 4096
	maxSetters    = 2000
	maxBlocked    = 500
	maxStackLines = 10
	maxWebRTC     = 50
)

// reqRec is one request hop as the events describe it.
type reqRec struct {
	ev       evidence.Request
	rid      network.RequestID
	wall     time.Time
	start    float64 // monotonic seconds
	end      float64
	request  *network.Request
	response *network.Response
	respRaw  network.Headers // raw response headers (extra info)
	reqRaw   network.Headers // raw request headers (extra info)
	encoded  float64
	done     bool
	// proxyAnswer is the message of vigie's proxy when it, not the site,
	// answered this hop (proxy.AnswerHeader).
	proxyAnswer string
}

// cookieSetter is one observed write of a cookie: a Set-Cookie header or a
// document.cookie assignment.
type cookieSetter struct {
	name, host string // cookie name; host of the response or the document
	domain     string // Domain attribute, when given
	setBy      evidence.SetBy
}

// recorder turns one visit's DevTools events into evidence. Its handler runs
// in chromedp's event loop: it only updates state, under mu.
type recorder struct {
	mu       sync.Mutex
	visit    string
	phase    string
	view     string // the current page view's ID
	nextID   func() string
	binding  string
	reqs     []*reqRec
	cur      map[network.RequestID]*reqRec
	inflight map[network.RequestID]time.Time // request → when it started
	// workers are the requests of a worker's own script, not waited for
	// (their end is reported to the worker, not to this tab).
	workers  map[network.RequestID]bool
	last     time.Time
	frames   map[cdp.FrameID]string
	main     cdp.FrameID
	mainNavs int
	loaded   bool
	domReady bool
	loadTS   float64
	dclTS    float64
	setters  []cookieSetter
	blocked  []evidence.Cookie
	dialogs  []evidence.Dialog
	webrtc   []evidence.WebRTCAttempt
	dropped  int
	now      func() time.Time
}

func newRecorder(visit string, nextID func() string, binding string) *recorder {
	return &recorder{
		visit: visit, phase: evidence.PhaseBeforeAction, nextID: nextID, binding: binding,
		cur: map[network.RequestID]*reqRec{}, inflight: map[network.RequestID]time.Time{}, workers: map[network.RequestID]bool{},
		frames: map[cdp.FrameID]string{}, last: time.Now(), now: time.Now,
	}
}

// setPhase switches to the after-action phase (or back).
func (r *recorder) setPhase(p string) {
	r.mu.Lock()
	r.phase = p
	r.mu.Unlock()
}

// setView makes view the page view the following records belong to.
func (r *recorder) setView(view string) {
	r.mu.Lock()
	r.view = view
	r.mu.Unlock()
}

// touch counts as network activity now: waiting for idle after an action
// then waits a full quiet period for what the action starts, however
// slowly its events arrive.
func (r *recorder) touch() {
	r.mu.Lock()
	r.last = r.now()
	r.mu.Unlock()
}

// handle records one event.
func (r *recorder) handle(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.last = r.now()
		if !r.workers[e.RequestID] {
			r.inflight[e.RequestID] = r.last
		}
		var parent string
		if prev := r.cur[e.RequestID]; prev != nil && e.RedirectResponse != nil {
			prev.response = e.RedirectResponse
			prev.ev.Status = int(e.RedirectResponse.Status)
			prev.ev.MIMEType = e.RedirectResponse.MimeType
			prev.end = e.Timestamp.Float64()
			prev.done = true
			parent = prev.ev.ID
		}
		if len(r.reqs) >= maxRequests {
			r.dropped++
			delete(r.cur, e.RequestID)
			return
		}
		rec := &reqRec{rid: e.RequestID, wall: wallTime(float64(e.WallTime), r.now), start: e.Timestamp.Float64(), request: e.Request}
		u := truncate(e.Request.URL, maxURL)
		host, rd := hostOf(u)
		rec.ev = evidence.Request{
			ID: r.nextID(), Visit: r.visit, Phase: r.phase, PageView: r.view, URL: u, Host: host, RegistrableDomain: rd,
			Method: e.Request.Method, Type: string(e.Type), Worker: e.FrameID == "",
		}
		if e.FrameID != "" {
			rec.ev.Frame = string(e.FrameID) // resolved to the frame's URL at the end
		}
		rec.ev.Initiator = initiator(e.Initiator, parent)
		r.reqs = append(r.reqs, rec)
		r.cur[e.RequestID] = rec
	case *network.EventRequestWillBeSentExtraInfo:
		if rec := r.cur[e.RequestID]; rec != nil {
			rec.reqRaw = e.Headers
		}
		// A worker's own script is fetched for the worker: its response
		// and end are reported to the worker, never to this tab, so it is
		// not waited for here (it would hold the network's idle for
		// longLived each time).
		for _, dest := range headerLines(e.Headers, "sec-fetch-dest") {
			if strings.HasSuffix(dest, "worker") && len(r.workers) < maxRequests {
				r.workers[e.RequestID] = true
				delete(r.inflight, e.RequestID)
			}
		}
	case *network.EventResponseReceived:
		r.last = r.now()
		if rec := r.cur[e.RequestID]; rec != nil && e.Response != nil {
			rec.response = e.Response
			rec.ev.Status = int(e.Response.Status)
			rec.ev.MIMEType = e.Response.MimeType
			if msg := ownAnswer(e.Response); msg != "" {
				// vigie's proxy answered, not the site: a failed load.
				rec.proxyAnswer, rec.ev.Status = msg, 0
				rec.ev.Failed = "not loaded, vigie's proxy answered: " + msg
			}
			if rec.ev.Type == "" {
				rec.ev.Type = string(e.Type)
			}
		}
	case *network.EventResponseReceivedExtraInfo:
		rec := r.cur[e.RequestID]
		reqID, host := "", ""
		if rec != nil {
			rec.respRaw = e.Headers
			reqID, host = rec.ev.ID, rec.ev.Host
		}
		for _, line := range headerLines(e.Headers, "set-cookie") {
			if len(r.setters) >= maxSetters {
				break
			}
			name, domain := parseSetCookie(line)
			if name == "" && domain == "" {
				continue
			}
			r.setters = append(r.setters, cookieSetter{name: name, host: host, domain: domain,
				setBy: evidence.SetBy{Kind: "response", Request: reqID}})
		}
		for _, bc := range e.BlockedCookies {
			if len(r.blocked) >= maxBlocked || bc == nil {
				break
			}
			c := blockedCookie(bc, host, reqID, r.phase)
			c.PageView = r.view
			r.blocked = append(r.blocked, c)
		}
	case *network.EventLoadingFinished:
		r.last = r.now()
		delete(r.inflight, e.RequestID)
		if rec := r.cur[e.RequestID]; rec != nil {
			rec.end, rec.encoded, rec.done = e.Timestamp.Float64(), e.EncodedDataLength, true
		}
	case *network.EventLoadingFailed:
		r.last = r.now()
		delete(r.inflight, e.RequestID)
		if rec := r.cur[e.RequestID]; rec != nil {
			rec.end, rec.done = e.Timestamp.Float64(), true
			rec.ev.Failed = e.ErrorText
			if e.BlockedReason != "" {
				rec.ev.Failed += " (blocked: " + string(e.BlockedReason) + ")"
			}
		}
	case *page.EventFrameNavigated:
		if e.Frame == nil {
			return
		}
		r.frames[e.Frame.ID] = truncate(e.Frame.URL, maxURL)
		if e.Frame.ParentID == "" {
			r.main = e.Frame.ID
			r.mainNavs++
			r.loaded = false
			r.domReady = false
		}
	case *page.EventDomContentEventFired:
		r.dclTS = e.Timestamp.Float64()
		r.domReady = true
	case *page.EventLoadEventFired:
		r.loaded = true
		r.loadTS = e.Timestamp.Float64()
		r.last = r.now()
	case *runtime.EventBindingCalled:
		if e.Name != r.binding {
			return
		}
		var w struct {
			Kind   string   `json:"k"`
			Cookie string   `json:"c"`
			Stack  string   `json:"s"`
			Host   string   `json:"h"`
			URLs   []string `json:"u"`
			Origin string   `json:"o"`
		}
		if len(e.Payload) > 64<<10 || json.Unmarshal([]byte(e.Payload), &w) != nil {
			return
		}
		if w.Kind == "rtc" {
			r.webRTC(w.URLs, w.Origin, w.Stack)
			return
		}
		if len(r.setters) >= maxSetters {
			return
		}
		name, domain := parseSetCookie(w.Cookie)
		if name == "" {
			return
		}
		r.setters = append(r.setters, cookieSetter{name: name, host: strings.ToLower(w.Host), domain: domain,
			setBy: evidence.SetBy{Kind: "script", Script: truncate(scriptFromStack(w.Stack), maxURL)}})
	}
}

// webRTC records a page's creation of a WebRTC peer connection.
func (r *recorder) webRTC(urls []string, origin, stack string) {
	if len(r.webrtc) >= maxWebRTC {
		return
	}
	a := evidence.WebRTCAttempt{Origin: truncate(origin, 512), Script: truncate(scriptFromStack(stack), maxURL),
		At: r.now().UTC(), PageView: r.view, Phase: r.phase}
	for i, u := range urls {
		if i >= 50 {
			break
		}
		a.ICEServers = append(a.ICEServers, truncate(u, 512))
	}
	r.webrtc = append(r.webrtc, a)
}

// longLived is how long a request may stay in flight before it stops
// holding back network idle: a long poll, an event stream, a worker's
// script (whose response goes to the worker) never finish.
const longLived = 2 * time.Second

// idle reports whether the network has been quiet for at least quiet (no
// request started or ended, none in flight but long-lived ones), and
// whether the main document's load event has fired.
func (r *recorder) idle(quiet time.Duration) (idle, loaded bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, started := range r.inflight {
		if now.Sub(started) < longLived {
			return false, r.loaded
		}
	}
	return now.Sub(r.last) >= quiet, r.loaded
}

// ready reports whether the current main document has fired
// DOMContentLoaded: its HTML was parsed and its blocking scripts ran.
func (r *recorder) ready() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.domReady
}

// mainNavigations counts the main frame's navigations so far.
func (r *recorder) mainNavigations() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mainNavs
}

// requests returns the visit's requests with frame IDs turned into URLs.
func (r *recorder) requests() []evidence.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]evidence.Request, 0, len(r.reqs))
	for _, rec := range r.reqs {
		q := rec.ev
		if q.Frame != "" {
			q.Frame = r.frames[cdp.FrameID(q.Frame)]
		}
		out = append(out, q)
	}
	return out
}

// mainDocument returns the main frame's document hops, in order, for the
// last navigation of the page view (any page view when view is "").
func (r *recorder) mainDocument(view string) []*reqRec {
	r.mu.Lock()
	defer r.mu.Unlock()
	var hops []*reqRec
	for _, rec := range r.reqs {
		if rec.ev.Type != string(network.ResourceTypeDocument) || cdp.FrameID(rec.ev.Frame) != r.main || (view != "" && rec.ev.PageView != view) {
			continue
		}
		if rec.ev.Initiator == nil || rec.ev.Initiator.Parent == "" {
			hops = hops[:0]
		}
		hops = append(hops, rec)
	}
	return hops
}

// proxyAnswer returns the message of vigie's proxy when it answered the
// main document instead of the site, "" otherwise.
func (r *recorder) proxyAnswer() string {
	hops := r.mainDocument("")
	if len(hops) == 0 {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return hops[len(hops)-1].proxyAnswer
}

// ownAnswer returns the message of an answer vigie's proxy made up itself
// (a refusal, an unreachable destination), "" for the site's answers. Only
// http:// answers can be the proxy's: an https:// one comes through a
// tunnel, from the site.
func ownAnswer(resp *network.Response) string {
	if !strings.HasPrefix(resp.URL, "http://") {
		return ""
	}
	if ls := headerLines(resp.Headers, proxy.AnswerHeader); len(ls) > 0 {
		return truncate(ls[0], 256)
	}
	return ""
}

// setterFor returns who last set the cookie, if observed.
func (r *recorder) setterFor(name, domain string) *evidence.SetBy {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := strings.TrimPrefix(strings.ToLower(domain), ".")
	for i := len(r.setters) - 1; i >= 0; i-- {
		s := r.setters[i]
		if s.name != name {
			continue
		}
		sd := strings.TrimPrefix(s.domain, ".")
		if sd == "" {
			sd = s.host
		}
		if sd == d || strings.HasSuffix(sd, "."+d) || strings.HasSuffix(d, "."+sd) {
			sb := s.setBy
			return &sb
		}
	}
	return nil
}

func (r *recorder) blockedCookies() []evidence.Cookie {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]evidence.Cookie(nil), r.blocked...)
}

// pageEvents returns the dialogs and WebRTC attempts recorded.
func (r *recorder) pageEvents() ([]evidence.Dialog, []evidence.WebRTCAttempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]evidence.Dialog(nil), r.dialogs...), append([]evidence.WebRTCAttempt(nil), r.webrtc...)
}

// initiator converts Chromium's initiator: the script URL is the
// initiator's URL or the top of its stack.
func initiator(in *network.Initiator, parent string) *evidence.Initiator {
	if in == nil {
		if parent == "" {
			return nil
		}
		return &evidence.Initiator{Type: "redirect", Parent: parent}
	}
	out := &evidence.Initiator{Type: string(in.Type), URL: truncate(in.URL, maxURL), Line: int(in.LineNumber) + 1}
	if in.URL == "" {
		out.Line = 0
	}
	for st := in.Stack; st != nil && len(out.Stack) < maxStackLines; st = st.Parent {
		for _, f := range st.CallFrames {
			if len(out.Stack) >= maxStackLines {
				break
			}
			if f == nil {
				continue
			}
			if out.URL == "" && f.URL != "" {
				out.URL, out.Line = truncate(f.URL, maxURL), int(f.LineNumber)+1
			}
			fn := f.FunctionName
			if fn == "" {
				fn = "(anonymous)"
			}
			out.Stack = append(out.Stack, fmt.Sprintf("%s %s:%d:%d", fn, truncate(f.URL, 512), f.LineNumber+1, f.ColumnNumber+1))
		}
	}
	if parent != "" {
		out.Type, out.Parent = "redirect", parent
	}
	return out
}

// blockedCookie records a cookie the browser refused to store.
func blockedCookie(bc *network.BlockedSetCookieWithReason, host, reqID, phase string) evidence.Cookie {
	var reasons []string
	for _, r := range bc.BlockedReasons {
		reasons = append(reasons, string(r))
	}
	c := evidence.Cookie{Phase: phase, Blocked: strings.Join(reasons, ", "),
		SetBy: &evidence.SetBy{Kind: "response", Request: reqID}}
	if bc.Cookie != nil {
		c.Name, c.Domain, c.Path = bc.Cookie.Name, bc.Cookie.Domain, bc.Cookie.Path
		c.Secure, c.HTTPOnly, c.SameSite = bc.Cookie.Secure, bc.Cookie.HTTPOnly, string(bc.Cookie.SameSite)
		c.Size = len(bc.Cookie.Value)
		if bc.Cookie.Expires > 0 {
			c.Expires = time.Unix(int64(bc.Cookie.Expires), 0).UTC()
		} else {
			c.Session = true
		}
	} else {
		name, domain := parseSetCookie(bc.CookieLine)
		c.Name, c.Domain = truncate(name, 256), domain
	}
	if c.Domain == "" {
		c.Domain = host
	}
	return c
}

// headerLines returns the values of a header (any case); Chromium joins
// repeated headers with newlines.
func headerLines(h network.Headers, name string) []string {
	var out []string
	for k, v := range h {
		if !strings.EqualFold(k, name) {
			continue
		}
		s, ok := v.(string)
		if !ok {
			continue
		}
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// parseSetCookie returns a cookie line's name and Domain attribute.
func parseSetCookie(line string) (name, domain string) {
	parts := strings.Split(line, ";")
	if len(parts) > 64 {
		parts = parts[:64]
	}
	nv := strings.TrimSpace(parts[0])
	n, _, ok := strings.Cut(nv, "=")
	if !ok {
		return "", ""
	}
	name = truncate(strings.TrimSpace(n), 256)
	for _, attr := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(attr), "=")
		if strings.EqualFold(strings.TrimSpace(k), "domain") {
			domain = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "."))
		}
	}
	return name, truncate(domain, 256)
}

// scriptFromStack returns the first script URL of a JavaScript Error stack
// below the instrumentation's own frame (which has no URL).
func scriptFromStack(stack string) string {
	lines := strings.Split(stack, "\n")
	if len(lines) > 50 {
		lines = lines[:50]
	}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "at ") {
			continue
		}
		loc := l[3:]
		if i := strings.LastIndexByte(loc, '('); i >= 0 && strings.HasSuffix(loc, ")") {
			loc = loc[i+1 : len(loc)-1]
		}
		if !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") {
			continue
		}
		// Strip ":line:col".
		for range 2 {
			if i := strings.LastIndexByte(loc, ':'); i > strings.Index(loc, "//")+1 {
				if _, err := fmt.Sscanf(loc[i+1:], "%d", new(int)); err == nil {
					loc = loc[:i]
				}
			}
		}
		return loc
	}
	return ""
}

// hostOf returns a URL's host and registrable domain.
func hostOf(raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", ""
	}
	host := names.Normalise(u.Hostname())
	rd, err := names.RegistrableDomain(host)
	if err != nil {
		rd = host
	}
	return host, rd
}

// wallTime converts Chromium's wall time (seconds since the epoch).
func wallTime(sec float64, now func() time.Time) time.Time {
	if sec <= 0 {
		return now().UTC()
	}
	return time.Unix(0, int64(sec*float64(time.Second))).UTC()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

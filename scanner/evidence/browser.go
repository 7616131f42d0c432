package evidence

import (
	"fmt"
	"time"
)

// Consent states: the three visits vigie makes, each in a fresh context.
const (
	StateInitial = "initial" // no interaction with the banner
	StateReject  = "reject"  // after clicking the banner's reject
	StateAccept  = "accept"  // after clicking the banner's accept
	StateCrawl   = "crawl"   // further first-party pages, no interaction (--pages)
)

// Phases of a visit relative to the consent action.
const (
	PhaseBeforeAction = "before-action"
	PhaseAfterAction  = "after-action"
)

// Browser records the headless-browser part of a scan.
type Browser struct {
	// Product and Version identify the browser that ran (Chromium 156 …).
	Product string `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	// Headless says which headless mode ran (new, old/headless-shell).
	Headless string `json:"headless,omitempty"`
	// UserAgent, Locale and TimeZone are how the browser presented itself.
	UserAgent string `json:"user_agent,omitempty"`
	Locale    string `json:"locale,omitempty"`
	TimeZone  string `json:"time_zone,omitempty"`
	// Flags lists the command-line switches it was started with.
	Flags []string `json:"flags,omitempty"`
	// ThirdPartyCookies is the third-party cookie policy set in the profile.
	ThirdPartyCookies string `json:"third_party_cookies,omitempty"`
	// WebRTC is the WebRTC policy set in the profile: no UDP outside the
	// recording proxy, so that a page cannot reach a host (or learn the
	// scanner's address) around it.
	WebRTC string `json:"webrtc,omitempty"`
	// Visits lists the visits, initial first.
	Visits []Visit `json:"visits,omitempty"`
	// Connections lists what the recording proxy saw, across all visits,
	// then the browser's own background connections (refused).
	Connections []Connection `json:"connections,omitempty"`
	// Crawl records how the further pages (--pages) were chosen, when asked.
	Crawl *Crawl `json:"crawl,omitempty"`
	// TCF is set when the page exposes the IAB TCF API (__tcfapi).
	TCF bool `json:"tcf,omitempty"`
}

// Crawl records the choice of the further first-party pages visited.
type Crawl struct {
	// Rule says how the links were chosen.
	Rule string `json:"rule"`
	// Candidates counts the first-party links found on the page.
	Candidates int `json:"candidates"`
	// Chosen lists the URLs visited, in order.
	Chosen []string `json:"chosen,omitempty"`
}

// Visit returns the visit in the given state, or nil.
func (b *Browser) Visit(state string) *Visit {
	if b == nil {
		return nil
	}
	for i := range b.Visits {
		if b.Visits[i].State == state {
			return &b.Visits[i]
		}
	}
	return nil
}

// Page-view kinds: how a page view of a visit was reached.
const (
	PageViewLoad   = "load"   // the visit's URL, loaded first
	PageViewReload = "reload" // the same page reloaded after the consent action
	PageViewLink   = "link"   // a first-party link of the page, followed after the reload
)

// Clocks a page view's observation ran on (Observation.Clock).
const (
	ClockVirtual = "virtual"    // the page's timers ran on Chromium's virtual time
	ClockWall    = "wall-clock" // the page's timers ran in real time
)

// Visit is one visit in one fresh browser context: the page as first
// loaded and, after a consent action, the next page views (reload, then a
// first-party link), each recorded (PageViews).
type Visit struct {
	// ID is "visit/<state>" (or "visit/crawl/<n>").
	ID string `json:"id"`
	// State is initial, reject, accept or crawl.
	State string `json:"state"`
	// URL is the URL loaded; FinalURL where it ended after redirects.
	URL      string `json:"url"`
	FinalURL string `json:"final_url,omitempty"`
	// Status is the main document's HTTP status.
	Status int `json:"status,omitempty"`
	// Redirects lists the main document's redirect chain, in order.
	Redirects []Redirect `json:"redirects,omitempty"`
	// HTTPSRedirect is set when the plain-HTTP URL redirects to HTTPS.
	HTTPSRedirect *bool `json:"https_redirect,omitempty"`
	// HSTS is the Strict-Transport-Security header of the final document.
	HSTS string `json:"hsts,omitempty"`
	// Lang is the language the page declares for itself, its <html lang>
	// attribute (trimmed, at most 35 bytes): the report may be written in
	// the site's own language when the user's locale does not say.
	Lang string `json:"lang,omitempty"`
	// Requests lists every request the page made, in order.
	Requests []Request `json:"requests,omitempty"`
	// Cookies lists every cookie in the context at the end of the visit.
	Cookies []Cookie `json:"cookies,omitempty"`
	// Storage lists localStorage, sessionStorage and IndexedDB items.
	Storage []StorageItem `json:"storage,omitempty"`
	// Banner is the consent banner found, if any.
	Banner *Banner `json:"banner,omitempty"`
	// Action is the consent action performed in this visit, if any.
	Action *ConsentAction `json:"action,omitempty"`
	// PageViews lists the visit's page views in order: the first load,
	// then, after a consent action, the reload and the first-party link
	// followed. Requests, cookies, storage items, dialogs and WebRTC
	// attempts name the page view they belong to.
	PageViews []PageView `json:"page_views,omitempty"`
	// Dialogs lists the JavaScript dialogs (alert, confirm, prompt,
	// beforeunload) the pages opened, each closed as a visitor would.
	Dialogs []Dialog `json:"dialogs,omitempty"`
	// WebRTC lists the pages' attempts to open WebRTC peer connections.
	WebRTC []WebRTCAttempt `json:"webrtc,omitempty"`
	// Screenshots lists the screenshots taken, bundle-relative.
	Screenshots []Screenshot `json:"screenshots,omitempty"`
	// HAR is the bundle-relative path of this visit's HAR file.
	HAR string `json:"har,omitempty"`
	// Started and Duration time the visit.
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Error is set when the visit failed.
	Error string `json:"error,omitempty"`
}

// PageView is one page load of a visit and how it was observed.
type PageView struct {
	// ID is "<visit ID>/view/<n>", n from 1 in order.
	ID string `json:"id"`
	// Kind is load, reload or link.
	Kind string `json:"kind"`
	// URL is the URL loaded; FinalURL where it ended after redirects.
	URL      string `json:"url"`
	FinalURL string `json:"final_url,omitempty"`
	// Status is the main document's HTTP status.
	Status  int       `json:"status,omitempty"`
	Started time.Time `json:"started"`
	// Observation says how the page was watched once loaded.
	Observation *Observation `json:"observation,omitempty"`
	// Error is set when the page view did not complete.
	Error string `json:"error,omitempty"`
}

// Observation is how a loaded page was watched before it was judged idle:
// for how much of the page's own time, on which clock, with which reader's
// gestures. Tags that fire on a timer, on scroll or on a first
// interaction are then recorded.
type Observation struct {
	// Clock is virtual (the page's timers fire without waiting in real
	// time; page time pauses while requests are pending) or wall-clock.
	Clock string `json:"clock"`
	// ClockNote says why the wall clock was used, when it was.
	ClockNote string `json:"clock_note,omitempty"`
	// PageTime is how much page time was observed after the load event
	// (the dwell, then the time given after scrolling).
	PageTime time.Duration `json:"page_time_ns"`
	// Planned is the page time the observation set out to give; PageTime
	// short of it means the page was watched for less (Short says so).
	Planned time.Duration `json:"planned_ns,omitempty"`
	// Unmeasured is set when the page's clock could not be read around a
	// dwell: its planned time was counted as passed.
	Unmeasured bool `json:"unmeasured,omitempty"`
	// WallTime is how long the observation took in real time.
	WallTime time.Duration `json:"wall_time_ns"`
	// Scrolled is set when the page was scrolled to the bottom and back.
	Scrolled bool `json:"scrolled,omitempty"`
	// Interaction describes the other input given (a mouse move over the
	// page), which clicks nothing.
	Interaction string `json:"interaction,omitempty"`
}

// Short says, when the page was watched for noticeably less page time
// than planned (a starved or interrupted tab), by how much; "" otherwise.
func (o *Observation) Short() string {
	if o == nil || o.Planned <= 0 || o.PageTime+ObservationSlack >= o.Planned {
		return ""
	}
	return fmt.Sprintf("watched for %s of page time of the %s planned", o.PageTime.Round(time.Millisecond), o.Planned.Round(time.Millisecond))
}

// ObservationSlack is how far short of its plan an observation may fall
// and still count as whole (the page's clock counts in milliseconds, and
// each dwell may end a little early).
const ObservationSlack = 250 * time.Millisecond

// Dialog is a JavaScript dialog a page opened, and how vigie closed it.
type Dialog struct {
	// Type is alert, confirm, prompt or beforeunload.
	Type string `json:"type"`
	// Message is the dialog's text, truncated.
	Message string `json:"message,omitempty"`
	// URL is the address of the document that opened it.
	URL string `json:"url,omitempty"`
	// At is when it opened; PageView and Phase place it in the visit.
	At       time.Time `json:"at"`
	PageView string    `json:"page_view,omitempty"`
	Phase    string    `json:"phase,omitempty"`
	// Answer is how it was closed: accepted (OK, leave the page) or
	// dismissed (Cancel), as a visitor who does not engage would.
	Answer string `json:"answer"`
}

// WebRTCAttempt is a page's creation of a WebRTC peer connection, with the
// ICE (STUN/TURN) servers it asked for. Under the browser's WebRTC policy
// no UDP leaves outside the recording proxy: the attempt is recorded, the
// servers are not reached directly.
type WebRTCAttempt struct {
	// ICEServers are the STUN/TURN URLs asked for, truncated.
	ICEServers []string `json:"ice_servers,omitempty"`
	// Origin is the origin of the document that made it.
	Origin string `json:"origin,omitempty"`
	// Script is the URL of the script that made it, when known.
	Script string `json:"script,omitempty"`
	// At is when; PageView and Phase place it in the visit.
	At       time.Time `json:"at"`
	PageView string    `json:"page_view,omitempty"`
	Phase    string    `json:"phase,omitempty"`
}

// Redirect is one hop of a redirect chain.
type Redirect struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Location string `json:"location"`
}

// Request is one network request made by a page.
type Request struct {
	// ID is "req/<n>", unique across the whole scan.
	ID string `json:"id"`
	// Visit is the ID of the visit that made it.
	Visit string `json:"visit"`
	// Phase is before-action or after-action.
	Phase string `json:"phase"`
	// PageView is the ID of the page view that made it.
	PageView string `json:"page_view,omitempty"`
	URL      string `json:"url"`
	// Host and RegistrableDomain are the URL's host and eTLD+1.
	Host              string `json:"host"`
	RegistrableDomain string `json:"registrable_domain"`
	Method            string `json:"method"`
	// Type is Chromium's resource type (Document, Script, Image, Font, XHR …).
	Type string `json:"type,omitempty"`
	// Frame is the URL of the frame that made it; Worker is set for workers.
	Frame  string `json:"frame,omitempty"`
	Worker bool   `json:"worker,omitempty"`
	// Initiator says what caused the request.
	Initiator *Initiator `json:"initiator,omitempty"`
	Status    int        `json:"status,omitempty"`
	// MIMEType of the response, when any.
	MIMEType string `json:"mime_type,omitempty"`
	// Failed is the network error, when the request failed or was blocked.
	Failed string `json:"failed,omitempty"`
	// FromProxyOnly is set for connections the proxy saw but the browser's
	// event stream did not report (cross-checked).
	FromProxyOnly bool `json:"from_proxy_only,omitempty"`
}

// Initiator is what caused a request: the parser, a script, a redirect.
type Initiator struct {
	Type   string   `json:"type"`
	URL    string   `json:"url,omitempty"`
	Line   int      `json:"line,omitempty"`
	Stack  []string `json:"stack,omitempty"`
	Parent string   `json:"parent,omitempty"` // ID of the request that redirected, if any
}

// Cookie is a cookie present in a browser context.
type Cookie struct {
	// ID is "cookie/<state>/<domain>/<path>/<name>".
	ID     string `json:"id"`
	Visit  string `json:"visit"`
	Phase  string `json:"phase"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// Expires is the expiry time; zero for a session cookie.
	Expires  time.Time `json:"expires,omitzero"`
	Session  bool      `json:"session,omitempty"`
	Secure   bool      `json:"secure,omitempty"`
	HTTPOnly bool      `json:"http_only,omitempty"`
	SameSite string    `json:"same_site,omitempty"`
	// Partition is the top-level site of a partitioned (CHIPS) cookie.
	Partition string `json:"partition,omitempty"`
	// Size is the length of the value in bytes; values themselves are not kept.
	Size int `json:"size,omitempty"`
	// SetBy says which response or script set it.
	SetBy *SetBy `json:"set_by,omitempty"`
	// PageView is the ID of the page view at whose end the cookie was
	// first seen as it is (its value and expiry).
	PageView string `json:"page_view,omitempty"`
	// Refreshed is set when the cookie was present before the consent
	// action and written again after it (a new value or expiry).
	Refreshed bool `json:"refreshed,omitempty"`
	// Blocked is the browser's reason for blocking it, when blocked.
	Blocked string `json:"blocked,omitempty"`
}

// SetBy tells which response (Set-Cookie) or script (document.cookie) set a cookie.
type SetBy struct {
	// Kind is response or script.
	Kind string `json:"kind"`
	// Request is the ID of the request whose response set it.
	Request string `json:"request,omitempty"`
	// Script is the URL of the script that wrote it.
	Script string `json:"script,omitempty"`
}

// StorageItem is a Web Storage entry or an IndexedDB database.
type StorageItem struct {
	// ID is "storage/<state>/<kind>/<origin>/<key>".
	ID     string `json:"id"`
	Visit  string `json:"visit"`
	Phase  string `json:"phase"`
	Origin string `json:"origin"`
	// Kind is localStorage, sessionStorage or indexedDB.
	Kind string `json:"kind"`
	// Key is the item key or the database name.
	Key string `json:"key"`
	// Size is the value's length in bytes.
	Size int `json:"size,omitempty"`
	// PageView is the ID of the page view at whose end the item was first
	// seen as it is.
	PageView string `json:"page_view,omitempty"`
}

// Banner is a consent banner found on a page.
type Banner struct {
	// Engine is the consent platform (tarteaucitron, Didomi …) or "generic".
	Engine string `json:"engine"`
	// Rule is the selector or heuristic that matched.
	Rule string `json:"rule"`
	// Reason says why it matched: the container's placement, the
	// controls found and their wording, the consent words found.
	Reason string `json:"reason,omitempty"`
	// Frame is the URL of the frame it lives in, when not the main frame.
	Frame string `json:"frame,omitempty"`
	// Text is the banner's visible text, truncated.
	Text string `json:"text,omitempty"`
	// Buttons lists the first layer's buttons and links.
	Buttons []Button `json:"buttons,omitempty"`
}

// Button is one control of a banner's first layer, as rendered.
type Button struct {
	// Role is accept, reject, settings or other.
	Role  string `json:"role"`
	Label string `json:"label"`
	// Tag is the element name; IsLink is set for links styled as text.
	Tag    string `json:"tag"`
	IsLink bool   `json:"is_link,omitempty"`
	// Box is the bounding box in CSS pixels.
	Box Box `json:"box"`
	// Color and Background are the computed colours (rgb()).
	Color      string  `json:"color,omitempty"`
	Background string  `json:"background,omitempty"`
	FontSize   float64 `json:"font_size,omitempty"`
	// Contrast is the text-to-background contrast ratio (WCAG).
	Contrast float64 `json:"contrast,omitempty"`
	Selector string  `json:"selector,omitempty"`
}

// Box is a rectangle in CSS pixels.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// ConsentAction is a click on a banner button and what it changed.
type ConsentAction struct {
	// Role is reject or accept.
	Role string `json:"role"`
	// Button is the label clicked.
	Button string `json:"button"`
	// Done is false when the button could not be found or clicked.
	Done  bool   `json:"done"`
	Error string `json:"error,omitempty"`
	// At is when the click was made.
	At time.Time `json:"at,omitzero"`
	// Navigated is set when the click loaded a new document (a reload).
	Navigated bool `json:"navigated,omitempty"`
	// BannerGone is set when no banner was found any more after the click.
	BannerGone bool `json:"banner_gone,omitempty"`
	// Cookies and Storage list the IDs of the records the click created or
	// changed; Requests counts the requests made after it.
	Cookies  []string `json:"cookies,omitempty"`
	Storage  []string `json:"storage,omitempty"`
	Requests int      `json:"requests,omitempty"`
}

// Screenshot is a PNG taken during a visit.
type Screenshot struct {
	// Label says when it was taken (load, after-reject …).
	Label string `json:"label"`
	// Path is bundle-relative (screenshots/…png).
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// Connection is one connection the recording proxy made for the browser.
type Connection struct {
	// ID is "conn/<n>".
	ID string `json:"id"`
	// Visit is the ID of the visit the connection was made for; the legal
	// and survey stages' page loads, which are not visits (their requests
	// are no page's), are labelled "visit/legal/<n>" (for the page
	// legal/<n>) and "visit/survey/<n>".
	Visit string `json:"visit,omitempty"`
	Host  string `json:"host"`
	Port  int    `json:"port"`
	// Addresses are those the proxy resolved; Dialed the one it connected to.
	Addresses []string `json:"addresses,omitempty"`
	Dialed    string   `json:"dialed,omitempty"`
	// BytesSent and BytesReceived count the tunnelled bytes.
	BytesSent     int64         `json:"bytes_sent"`
	BytesReceived int64         `json:"bytes_received"`
	Started       time.Time     `json:"started"`
	Duration      time.Duration `json:"duration_ns"`
	// Refused is set when the proxy refused the destination (private range …).
	Refused string `json:"refused,omitempty"`
	Error   string `json:"error,omitempty"`
	// Background is set for the browser's own traffic, not the page's.
	Background bool `json:"background,omitempty"`
}

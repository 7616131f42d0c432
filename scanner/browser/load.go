package browser

import (
	"context"
	"fmt"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Bounds on what a Page keeps of a hostile page.
const (
	// MaxPageHTML bounds the serialised DOM kept, in bytes.
	MaxPageHTML = 4 << 20
	// MaxPageText bounds the rendered text kept, in bytes.
	MaxPageText = 2 << 20
	// maxPageHeaders bounds the response header lines kept.
	maxPageHeaders = 200
	// maxPageCookies bounds the cookies kept.
	maxPageCookies = 500
	// maxPageRequests bounds the request URLs kept.
	maxPageRequests = 2000
)

// Page is one page as a visitor's browser rendered it: what the legal-page
// and survey analyses read. It is not a consent visit: it has no banner,
// action, screenshot or HAR.
type Page struct {
	// URL is the URL asked for; FinalURL where the main document ended
	// after redirects.
	URL      string
	FinalURL string
	// Status is the main document's HTTP status; 0 when none was received.
	Status int
	// Headers are the main document's response headers.
	Headers http.Header
	// ContentType is the document's media type (document.contentType).
	ContentType string
	// HTML is the DOM serialised after the page's scripts ran (the
	// doctype, top-level comments and the root element), at most
	// MaxPageHTML bytes.
	HTML []byte
	// Text is the body's rendered text (innerText), at most MaxPageText bytes.
	Text string
	// Cookies are the cookies of the page's fresh browser context once it
	// loaded.
	Cookies []evidence.Cookie
	// Requests are the URLs the page requested, in order (the main
	// document's redirect hops included).
	Requests []string
}

// Load loads url in a fresh browser context, through the recording proxy
// like every visit, waits for it to load and for the network to be idle,
// and returns it as rendered. It makes no consent action, screenshot or
// HAR, and records nothing in the scan's visits. via is the
// recording-proxy endpoint to go through (proxy.Proxy.Listen, labelled by
// the caller so that the load's connections are told apart); empty for
// Config.Proxy. Every
// step has a deadline; the whole load is bounded by the navigation
// timeout, the idle cap and a few actions. Only http and https URLs are
// loaded. An error means no document was received (an HTTP error status is
// a Page with that Status).
func (b *Browser) Load(ctx context.Context, url, via string) (*Page, error) {
	if u, err := neturl.Parse(url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("loading %q: not an http(s) URL", truncate(url, 200))
	}
	ctx, cancel := context.WithTimeout(ctx, b.timing.Navigate+b.timing.IdleCap+4*b.timing.Action)
	defer cancel()
	var n atomic.Int64
	nextID := func() string { return "load-req/" + strconv.FormatInt(n.Add(1), 10) }
	v := &visit{b: b, spec: VisitSpec{ID: "load", State: "load", URL: url, Proxy: via}, res: &VisitResult{}}
	v.rec = newRecorder("load", nextID, bindingName)
	closeTab, err := v.open(ctx)
	if err != nil {
		return nil, err
	}
	defer closeTab()
	if err := v.navigate(); err != nil {
		return nil, err
	}
	v.waitIdle()
	p := v.page()
	if err := ctx.Err(); err != nil {
		return p, fmt.Errorf("loading %s: %w", url, err)
	}
	if p.Status == 0 && len(p.HTML) == 0 {
		return p, fmt.Errorf("loading %s: no document received", url)
	}
	return p, nil
}

// captureJS serialises the document (doctype, top-level comments, root
// element) and reads the body's innerText, each bounded (in UTF-16 units;
// Go bounds the bytes). It runs in an isolated world, where the page's
// scripts cannot have replaced the DOM's getters.
const captureJS = `(function (mh, mt) {
  var parts = [], n = 0;
  for (var c = document.firstChild; c && n < mh; c = c.nextSibling) {
    var s = "";
    if (c.nodeType === 10) s = "<!DOCTYPE " + c.name + ">";
    else if (c.nodeType === 8) s = "<!--" + c.data + "-->";
    else if (c.nodeType === 1) s = c.outerHTML;
    parts.push(s); n += s.length;
  }
  var t = "";
  if (document.body) t = document.body.innerText;
  else if (document.documentElement) t = document.documentElement.textContent || "";
  return {h: parts.join("\n").slice(0, mh), t: String(t).slice(0, mt), ct: String(document.contentType || "")};
})(%d, %d)`

// page returns the tab's page as rendered now.
func (v *visit) page() *Page {
	p := &Page{URL: v.spec.URL}
	if hops := v.rec.mainDocument(""); len(hops) > 0 {
		last := hops[len(hops)-1]
		p.FinalURL, p.Status = last.ev.URL, last.ev.Status
		if last.response != nil {
			p.Headers = httpHeaders(last.response.Headers)
		}
	}
	if frames := v.frames(); len(frames) > 0 {
		if id, err := v.world(frames[0].ID); err == nil {
			var out struct {
				H  string `json:"h"`
				T  string `json:"t"`
				CT string `json:"ct"`
			}
			if err := v.eval(id, fmt.Sprintf(captureJS, MaxPageHTML, MaxPageText), &out); err == nil {
				p.HTML = []byte(clipUTF8(out.H, MaxPageHTML))
				p.Text = clipUTF8(out.T, MaxPageText)
				p.ContentType = truncate(out.CT, 256)
			}
		}
	}
	var cks []*networkCookie
	_ = v.step(func(ctx context.Context) error {
		r, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: v.bcid})
		for _, c := range r.Cookies {
			if c != nil && len(cks) < maxPageCookies {
				cks = append(cks, &networkCookie{c})
			}
		}
		return err
	})
	for _, c := range cks {
		p.Cookies = append(p.Cookies, c.evidence(v.spec.State, v.spec.ID, evidence.PhaseBeforeAction))
	}
	for _, r := range v.rec.requests() {
		if len(p.Requests) >= maxPageRequests {
			break
		}
		p.Requests = append(p.Requests, r.URL)
	}
	return p
}

// httpHeaders converts Chromium's response headers (repeated headers
// joined by newlines) into an http.Header, bounded.
func httpHeaders(h network.Headers) http.Header {
	out := http.Header{}
	n := 0
	for k, v := range h {
		s, ok := v.(string)
		if !ok {
			continue
		}
		for _, line := range strings.Split(s, "\n") {
			if n >= maxPageHeaders {
				return out
			}
			out.Add(truncate(k, 256), truncate(line, 8192))
			n++
		}
	}
	return out
}

// clipUTF8 cuts s to at most n bytes, on a rune boundary.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

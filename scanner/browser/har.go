package browser

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/har"
	"github.com/chromedp/cdproto/network"
)

type cdpCookie = network.Cookie

// harInput is what a HAR file needs besides the recorder.
type harInput struct {
	started time.Time
	// views are the page views' timings, in order.
	views []viewTiming
}

// viewTiming is a page view's DOMContentLoaded and load times, in
// milliseconds after its first request (nil when unknown).
type viewTiming struct {
	id                    string
	onContentLoad, onLoad *float64
}

// viewTimings returns the timings of the page view's last main document.
func (r *recorder) viewTimings(view string) viewTiming {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := viewTiming{id: view}
	base := 0.0
	for _, rec := range r.reqs {
		if rec.ev.PageView == view && rec.start > 0 {
			base = rec.start
			break
		}
	}
	if base == 0 {
		return t
	}
	if r.dclTS > base {
		d := (r.dclTS - base) * 1000
		t.onContentLoad = &d
	}
	if r.loadTS > base {
		l := (r.loadTS - base) * 1000
		t.onLoad = &l
	}
	return t
}

// harTime is HAR's ISO 8601 date format.
const harTime = "2006-01-02T15:04:05.000Z07:00"

// buildHAR writes one visit as a HAR 1.2 log (one page, every request
// hop), in the form Chrome DevTools imports.
func buildHAR(v *visit, name string) ([]byte, error) {
	r := v.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	started := v.har.started
	if started.IsZero() {
		started = v.res.Visit.Started
	}
	log := &har.Log{
		Version: "1.2",
		Creator: &har.Creator{Name: "vigie", Version: "1"},
		Browser: &har.Creator{Name: v.b.info.Product, Version: v.b.info.Version},
		Pages:   []*har.Page{},
		Entries: []*har.Entry{},
	}
	// One HAR page per page view: the first is "page_<name>", the next
	// "page_<name>_<n>".
	pageIDs := map[string]string{}
	firstID := "page_" + name
	for i, pv := range v.res.Visit.PageViews {
		id := firstID
		if i > 0 {
			id += "_" + strconv.Itoa(i+1)
		}
		pageIDs[pv.ID] = id
		pt := &har.PageTimings{}
		for _, t := range v.har.views {
			if t.id == pv.ID {
				pt.OnContentLoad, pt.OnLoad = t.onContentLoad, t.onLoad
			}
		}
		st := pv.Started
		if i == 0 {
			st = started
		}
		log.Pages = append(log.Pages, &har.Page{StartedDateTime: st.UTC().Format(harTime), ID: id, Title: pv.URL, PageTimings: pt})
	}
	if len(log.Pages) == 0 {
		log.Pages = append(log.Pages, &har.Page{StartedDateTime: started.UTC().Format(harTime), ID: firstID, Title: v.spec.URL, PageTimings: &har.PageTimings{}})
	}
	for _, rec := range r.reqs {
		id := pageIDs[rec.ev.PageView]
		if id == "" {
			id = log.Pages[0].ID
		}
		log.Entries = append(log.Entries, harEntry(rec, id))
	}
	sort.SliceStable(log.Entries, func(i, j int) bool { return log.Entries[i].StartedDateTime < log.Entries[j].StartedDateTime })
	return json.MarshalIndent(&har.HAR{Log: log}, "", " ")
}

func harEntry(rec *reqRec, pageID string) *har.Entry {
	req := &har.Request{
		Method: rec.ev.Method, URL: rec.ev.URL, HTTPVersion: "HTTP/1.1",
		Cookies: []*har.Cookie{}, Headers: []*har.NameValuePair{}, QueryString: []*har.NameValuePair{},
		HeadersSize: -1, BodySize: 0,
	}
	reqHeaders := rec.reqRaw
	if len(reqHeaders) == 0 && rec.request != nil {
		reqHeaders = rec.request.Headers
	}
	req.Headers = pairs(reqHeaders)
	if u, err := url.Parse(rec.ev.URL); err == nil {
		for k, vs := range u.Query() {
			for _, v := range vs {
				req.QueryString = append(req.QueryString, &har.NameValuePair{Name: k, Value: v})
			}
		}
		sort.Slice(req.QueryString, func(i, j int) bool { return req.QueryString[i].Name < req.QueryString[j].Name })
	}
	if rec.request != nil && rec.request.HasPostData {
		req.BodySize = -1
	}
	resp := &har.Response{
		Status: int64(rec.ev.Status), StatusText: "", HTTPVersion: "HTTP/1.1",
		Cookies: []*har.Cookie{}, Headers: []*har.NameValuePair{},
		Content: &har.Content{Size: 0, MimeType: rec.ev.MIMEType}, RedirectURL: "",
		HeadersSize: -1, BodySize: -1,
	}
	if rec.ev.MIMEType == "" {
		resp.Content.MimeType = "x-unknown"
	}
	timings := &har.Timings{Send: 0, Wait: 0, Receive: 0}
	total := 0.0
	var serverIP string
	if p := rec.response; p != nil {
		resp.StatusText = p.StatusText
		if resp.StatusText == "" {
			resp.StatusText = http.StatusText(int(p.Status))
		}
		if proto := strings.ToUpper(p.Protocol); proto != "" {
			if proto == "H2" {
				proto = "HTTP/2.0"
			}
			req.HTTPVersion, resp.HTTPVersion = proto, proto
		}
		headers := rec.respRaw
		if len(headers) == 0 {
			headers = p.Headers
		}
		resp.Headers = pairs(headers)
		if ls := headerLines(headers, "location"); len(ls) > 0 {
			resp.RedirectURL = ls[0]
		}
		resp.BodySize = int64(rec.encoded)
		resp.Content.Size = int64(rec.encoded)
		serverIP = p.RemoteIPAddress
		if t := p.Timing; t != nil {
			blocked, dns, connect, ssl := msOr(t.DNSStart, 0), span(t.DNSStart, t.DNSEnd), span(t.ConnectStart, t.ConnectEnd), span(t.SslStart, t.SslEnd)
			timings.Blocked, timings.DNS, timings.Connect, timings.Ssl = &blocked, &dns, &connect, &ssl
			timings.Send = nonNeg(t.SendEnd - t.SendStart)
			timings.Wait = nonNeg(t.ReceiveHeadersEnd - t.SendEnd)
			if rec.end > 0 && t.RequestTime > 0 {
				timings.Receive = nonNeg((rec.end-t.RequestTime)*1000 - t.ReceiveHeadersEnd)
			}
			total = nonNeg(blocked) + nonNeg(dns) + nonNeg(connect) + timings.Send + timings.Wait + timings.Receive
		}
	}
	if total == 0 && rec.end > rec.start {
		total = (rec.end - rec.start) * 1000
		timings.Wait = total
	}
	e := &har.Entry{
		Pageref: pageID, StartedDateTime: rec.wall.UTC().Format(harTime), Time: total,
		Request: req, Response: resp, Cache: &har.Cache{}, Timings: timings, ServerIPAddress: strings.Trim(serverIP, "[]"),
	}
	if rec.ev.Failed != "" {
		e.Comment = "failed: " + rec.ev.Failed
	}
	return e
}

// pairs turns DevTools headers into sorted HAR name/value pairs.
func pairs(h network.Headers) []*har.NameValuePair {
	out := []*har.NameValuePair{}
	for k, v := range h {
		s, ok := v.(string)
		if !ok {
			continue
		}
		for _, line := range strings.Split(s, "\n") {
			out = append(out, &har.NameValuePair{Name: k, Value: line})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func span(start, end float64) float64 {
	if start < 0 || end < 0 {
		return -1
	}
	return end - start
}

func msOr(v, def float64) float64 {
	if v < 0 {
		return def
	}
	return v
}

func nonNeg(v float64) float64 {
	if v < 0 {
		return 0
	}
	return v
}

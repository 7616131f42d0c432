package browser

import (
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"

	"github.com/vigie-scan/vigie/scanner/proxy"
)

// TestProxyAnswerIsNotTheSite: an answer vigie's proxy made up (marked
// with proxy.AnswerHeader) makes the main document a failed load, not a
// status of the site; the same header on an https answer (the site's,
// through a tunnel) is the site's.
func TestProxyAnswerIsNotTheSite(t *testing.T) {
	for _, tt := range []struct {
		url     string
		headers network.Headers
		want    string
	}{
		{"http://127.0.0.1:9/", network.Headers{proxy.AnswerHeader: "dial 127.0.0.1:9: connection refused"}, "dial 127.0.0.1:9: connection refused"},
		{"http://10.0.0.1/", network.Headers{"x-vigie-proxy": "refused: 10.0.0.1 resolves to 10.0.0.1 (private)"}, "refused: 10.0.0.1 resolves to 10.0.0.1 (private)"},
		{"https://site.test/", network.Headers{proxy.AnswerHeader: "forged"}, ""},
		{"http://site.test/", network.Headers{"Content-Type": "text/html"}, ""},
	} {
		n := 0
		r := newRecorder("visit/initial", func() string { n++; return "req/" + strconv.Itoa(n) }, bindingName)
		const frame = cdp.FrameID("main")
		r.handle(&page.EventFrameNavigated{Frame: &cdp.Frame{ID: frame, URL: tt.url}})
		r.handle(&network.EventRequestWillBeSent{RequestID: "1", FrameID: frame, Type: network.ResourceTypeDocument,
			Request: &network.Request{URL: tt.url, Method: "GET"}})
		r.handle(&network.EventResponseReceived{RequestID: "1", Type: network.ResourceTypeDocument,
			Response: &network.Response{URL: tt.url, Status: 502, Headers: tt.headers}})
		got := r.proxyAnswer()
		if got != tt.want {
			t.Errorf("%s: proxyAnswer %q, want %q", tt.url, got, tt.want)
		}
		reqs := r.requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: requests %+v", tt.url, reqs)
		}
		if tt.want != "" && (reqs[0].Status != 0 || reqs[0].Failed == "") {
			t.Errorf("%s: the proxy's answer recorded as the site's: %+v", tt.url, reqs[0])
		}
		if tt.want == "" && reqs[0].Status != 502 {
			t.Errorf("%s: the site's answer lost: %+v", tt.url, reqs[0])
		}
	}
}

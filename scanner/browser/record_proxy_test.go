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

// A worker's own script (sec-fetch-dest: worker) never ends in the tab's
// events — its response goes to the worker — so it does not hold the
// network's idle, whichever of its two events comes first; an ordinary
// request still does until it ends.
func TestWorkerScriptDoesNotHoldIdle(t *testing.T) {
	worker := &network.EventRequestWillBeSent{RequestID: "w", FrameID: "main", Type: network.ResourceTypeScript,
		Request: &network.Request{URL: "https://site.test/stats-worker.js", Method: "GET"}}
	extra := &network.EventRequestWillBeSentExtraInfo{RequestID: "w", Headers: network.Headers{"sec-fetch-dest": "worker"}}
	for _, order := range [][]any{{worker, extra}, {extra, worker}} {
		r := newRecorder("visit/initial", func() string { return "req/1" }, bindingName)
		for _, ev := range order {
			r.handle(ev)
		}
		if idle, _ := r.idle(0); !idle {
			t.Errorf("%T first: the worker's script holds the idle", order[0])
		}
		if len(r.requests()) != 1 {
			t.Errorf("the worker's script is not recorded: %+v", r.requests())
		}
		r.handle(&network.EventRequestWillBeSent{RequestID: "x", FrameID: "main", Type: network.ResourceTypeXHR,
			Request: &network.Request{URL: "https://site.test/api", Method: "GET"}})
		r.handle(&network.EventRequestWillBeSentExtraInfo{RequestID: "x", Headers: network.Headers{"sec-fetch-dest": "empty"}})
		if idle, _ := r.idle(0); idle {
			t.Error("a pending request does not hold the idle")
		}
		r.handle(&network.EventLoadingFinished{RequestID: "x"})
		if idle, _ := r.idle(0); !idle {
			t.Error("not idle once the request ended")
		}
	}
}

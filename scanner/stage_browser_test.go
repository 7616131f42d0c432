package scanner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// A target visit's page view watched for less page time than planned
// makes the scan incomplete, naming the view; a whole observation, a
// crawl's page, a visit that failed (already incomplete) and a view
// without observation do not.
func TestShortObservations(t *testing.T) {
	obs := func(page, planned time.Duration) *evidence.Observation {
		return &evidence.Observation{Clock: evidence.ClockVirtual, PageTime: page, Planned: planned}
	}
	tests := []struct {
		name  string
		visit evidence.Visit
		want  string
	}{
		{"whole", evidence.Visit{State: evidence.StateReject, PageViews: []evidence.PageView{{ID: "visit/reject/view/1", Observation: obs(6*time.Second, 6*time.Second)}}}, ""},
		{"within slack", evidence.Visit{State: evidence.StateReject, PageViews: []evidence.PageView{{ID: "visit/reject/view/1", Observation: obs(5900*time.Millisecond, 6*time.Second)}}}, ""},
		{"no observation", evidence.Visit{State: evidence.StateReject, PageViews: []evidence.PageView{{ID: "visit/reject/view/1"}}}, ""},
		{"short reload", evidence.Visit{State: evidence.StateReject, PageViews: []evidence.PageView{
			{ID: "visit/reject/view/1", Kind: evidence.PageViewLoad, Observation: obs(12*time.Second, 12*time.Second)},
			{ID: "visit/reject/view/2", Kind: evidence.PageViewReload, Observation: obs(400*time.Millisecond, 6*time.Second)}}},
			"the reject visit's page view visit/reject/view/2 (reload) was watched for 400ms of page time of the 6s planned"},
		{"crawl", evidence.Visit{State: evidence.StateCrawl, PageViews: []evidence.PageView{{ID: "visit/crawl-1/view/1", Observation: obs(0, 6*time.Second)}}}, ""},
		{"failed visit", evidence.Visit{State: evidence.StateAccept, Error: "tab crashed", PageViews: []evidence.PageView{{ID: "visit/accept/view/1", Observation: obs(0, 6*time.Second)}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shortObservations(&evidence.Browser{Visits: []evidence.Visit{tt.visit}})
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("got %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.want)):
				t.Errorf("got %q, want %q…", got, tt.want)
			}
		})
	}
}

// TestErrorViews: a page view after a choice that failed — by an HTTP
// error or a failed load — makes the scan incomplete unless another view
// of its kind loaded (a stale link followed by the next one).
func TestErrorViews(t *testing.T) {
	view := func(n int, kind string, status int, err string) evidence.PageView {
		return evidence.PageView{ID: "visit/reject/view/" + string(rune('0'+n)), Kind: kind, URL: "https://v.fr/" + kind, Status: status, Error: err}
	}
	tests := []struct {
		name   string
		views  []evidence.PageView
		want   []string // texts of the reasons, in order
		errors []string // the views' errors after, in order ("" for none)
	}{
		{"all loaded", []evidence.PageView{view(1, "load", 200, ""), view(2, "reload", 200, ""), view(3, "link", 200, "")}, nil, []string{"", "", ""}},
		{"reload rate-limited", []evidence.PageView{view(1, "load", 200, ""), view(2, "reload", 429, ""), view(3, "link", 200, "")},
			[]string{"answered HTTP 429"}, []string{"", "answered HTTP 429: an error page, not the page", ""}},
		{"link failed to load, none other", []evidence.PageView{view(1, "load", 200, ""), view(2, "reload", 200, ""), view(3, "link", 0, "net::ERR_TUNNEL_CONNECTION_FAILED")},
			[]string{"did not load", "ERR_TUNNEL_CONNECTION_FAILED"}, []string{"", "", "net::ERR_TUNNEL_CONNECTION_FAILED"}},
		{"stale link, then one that loaded", []evidence.PageView{view(1, "load", 200, ""), view(2, "reload", 200, ""), view(3, "link", 404, ""), view(4, "link", 200, "")},
			nil, []string{"", "", "answered HTTP 404: an error page, not the page; the next link was followed instead", ""}},
		{"broken link, then one that loaded", []evidence.PageView{view(1, "load", 200, ""), view(2, "reload", 200, ""), view(3, "link", 0, "vigie's proxy answered: NXDOMAIN"), view(4, "link", 200, "")},
			nil, []string{"", "", "vigie's proxy answered: NXDOMAIN; the next link was followed instead", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &evidence.Browser{Visits: []evidence.Visit{
				{ID: "visit/initial", State: evidence.StateInitial, Status: 200},
				{ID: "visit/reject", State: evidence.StateReject, Status: 200, PageViews: slices.Clone(tt.views)},
			}}
			got := errorViews(b)
			joined := strings.Join(got, "\n")
			if (len(tt.want) == 0) != (len(got) == 0) {
				t.Fatalf("reasons %q, want %q", got, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("reasons %q lack %q", got, w)
				}
			}
			for i, pv := range b.Visits[1].PageViews {
				if pv.Error != tt.errors[i] {
					t.Errorf("view %d error %q, want %q", i+1, pv.Error, tt.errors[i])
				}
			}
		})
	}
}

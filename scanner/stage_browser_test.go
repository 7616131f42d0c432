package scanner

import (
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

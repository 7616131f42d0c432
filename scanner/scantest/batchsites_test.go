package scantest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBatchWorld: every town is a site of its own registrable domain
// serving a page with a consent banner; the hanging site never answers
// but on its alive path; the garbage site serves the same noise each time.
func TestBatchWorld(t *testing.T) {
	l := webLab(t)
	c := labClient(l)
	domains := map[string]bool{}
	for i, s := range Towns() {
		if !strings.Contains(s.URL, TownHost(i+1)) {
			t.Errorf("town %d: URL %s", i+1, s.URL)
		}
		if domains[TownDomain(i+1)] {
			t.Errorf("town %d: domain %s twice", i+1, TownDomain(i+1))
		}
		domains[TownDomain(i+1)] = true
		resp, body := fetch(t, c, http.MethodGet, s.URL)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "cookie") && !strings.Contains(body, "Banner") {
			t.Errorf("%s: %d %.200q", s.URL, resp.StatusCode, body)
		}
	}
	if len(domains) != TownCount {
		t.Errorf("%d towns, want %d", len(domains), TownCount)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+HostHanging+"/", nil)
	if resp, err := c.Do(req); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		if resp != nil {
			resp.Body.Close()
		}
		t.Errorf("the hanging site answered: %v", err)
	}

	ra, a := fetch(t, c, http.MethodGet, "https://"+HostGarbage+"/")
	rb, b := fetch(t, c, http.MethodGet, "https://"+HostGarbage+"/legal")
	if len(a) != garbageSize || a != b || !bytes.Contains([]byte(a), []byte{0}) || ra.StatusCode != http.StatusOK || rb.StatusCode != http.StatusNotFound {
		t.Errorf("garbage: %d bytes, same %v, status %d and %d", len(a), a == b, ra.StatusCode, rb.StatusCode)
	}
}

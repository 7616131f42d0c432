package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func TestBlockedViaProxy(t *testing.T) {
	direct := evidence.AccessLoad{Status: 200, Title: "Enquête rythmes scolaires 2026"}
	challenged := evidence.AccessLoad{Status: 403, Title: "Just a moment...", Challenge: "cloudflare",
		Signals: []string{"header cf-mitigated: challenge", "title: Just a moment...", "status 403"}}
	tests := []struct {
		name     string
		access   *evidence.Access
		status   Status
		subjects []string
	}{
		{"challenging proxy", &evidence.Access{ID: "access/proxy", Proxy: "socks5://127.0.0.1:9050", Direct: direct, Proxied: challenged},
			StatusFail, []string{"cloudflare"}},
		{"plain 403 through the proxy", &evidence.Access{ID: "access/proxy", Proxy: "http://127.0.0.1:8118", Direct: direct,
			Proxied: evidence.AccessLoad{Status: 403, Challenge: "http-403", Signals: []string{"status 403"}}}, StatusFail, []string{"http-403"}},
		{"pass-through proxy", &evidence.Access{ID: "access/proxy", Proxy: "http://127.0.0.1:8118", Direct: direct, Proxied: direct},
			StatusPass, nil},
		{"both loads challenged", &evidence.Access{ID: "access/proxy", Proxy: "http://127.0.0.1:8118", Direct: challenged, Proxied: challenged},
			StatusNotEvaluated, nil},
		{"direct load failed", &evidence.Access{ID: "access/proxy", Proxy: "http://127.0.0.1:8118",
			Direct: evidence.AccessLoad{Error: "dial tcp: connection refused"}, Proxied: challenged}, StatusNotEvaluated, nil},
		{"proxied load failed on the network", &evidence.Access{ID: "access/proxy", Proxy: "socks5://127.0.0.1:9050", Direct: direct,
			Proxied: evidence.AccessLoad{Error: "socks connect: general failure"}}, StatusNotEvaluated, nil},
		{"no proxy comparison recorded", nil, StatusNotEvaluated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := surveyEvidence(nil, tt.access)
			if tt.access == nil {
				ev.Collected = append(ev.Collected, evidence.KindProxy)
			}
			status, got := subjects(t, accessBlockedViaProxy, ev, nil)
			if status != tt.status || !slices.Equal(got, tt.subjects) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.subjects)
			}
		})
	}
	// Without --proxy the kind is not collected: not-evaluated, never pass.
	ev := surveyEvidence(nil, nil)
	if status, _ := subjects(t, accessBlockedViaProxy, ev, nil); status != StatusNotEvaluated {
		t.Errorf("status %s without --proxy, want not-evaluated", status)
	}
	out := RunChecks([]*Check{accessBlockedViaProxy}, surveyEvidence(nil, tests[0].access), nil, testNow)
	if s := out.Findings[0].Summary; !strings.Contains(s, "cloudflare block or challenge page (HTTP 403") ||
		!strings.Contains(s, "direct load answered HTTP 200") || !strings.Contains(s, "socks5://127.0.0.1:9050") {
		t.Errorf("summary %q", s)
	}
}

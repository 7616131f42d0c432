package survey

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/survey/surveytest"
)

// TestCompareAccessEndToEnd loads a lab survey directly and through each of
// surveytest's proxies with the plain HTTP loader, and runs the
// access.blocked-via-proxy check on the result: the challenging proxy fires
// it, the pass-through proxy does not.
func TestCompareAccessEndToEnd(t *testing.T) {
	lab := startLab(t)
	target := "https://" + labSurveyHost + "/index.php/123456?lang=fr"
	direct := &HTTPLoader{Transport: lab.transport()}

	pass, err := surveytest.StartPassProxy(lab.dial)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pass.Close() })
	challenge, err := surveytest.StartChallengeProxy(surveytest.ChallengeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = challenge.Close() })

	viaPass, err := ProxiedTransport(&http.Transport{TLSClientConfig: lab.transport().TLSClientConfig}, pass.URL)
	if err != nil {
		t.Fatal(err)
	}
	viaChallenge, err := ProxiedTransport(&http.Transport{}, challenge.URL)
	if err != nil {
		t.Fatal(err)
	}
	viaChallenge.TLSClientConfig.RootCAs = challenge.RootCAs()

	tests := []struct {
		name      string
		proxy     string
		transport http.RoundTripper
		challenge string
		status    checks.Status
	}{
		{"pass-through proxy", pass.URL, viaPass, "", checks.StatusPass},
		{"challenging proxy", challenge.URL, viaChallenge, "cloudflare", checks.StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := CompareAccess(context.Background(), direct, &HTTPLoader{Transport: tt.transport}, target, tt.proxy)
			if a.ID != "access/proxy" || a.Proxy != tt.proxy {
				t.Errorf("record %+v", a)
			}
			if a.Direct.Status != 200 || a.Direct.Challenge != "" || a.Direct.Error != "" {
				t.Errorf("direct load %+v", a.Direct)
			}
			if a.Proxied.Challenge != tt.challenge || a.Proxied.Error != "" {
				t.Errorf("proxied load %+v, want challenge %q", a.Proxied, tt.challenge)
			}
			ev := &evidence.Evidence{
				Target:    evidence.Target{URL: target, Host: labSurveyHost, RegistrableDomain: "example.com"},
				Collected: []evidence.Kind{evidence.KindProxy},
				Access:    a,
			}
			out := checks.RunChecks(checks.SurveyChecks, ev, nil, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
			i := slices.IndexFunc(out.Results, func(r checks.Result) bool { return r.Check == "access.blocked-via-proxy" })
			if i < 0 || out.Results[i].Status != tt.status {
				t.Errorf("access.blocked-via-proxy: %+v, want %s", out.Results, tt.status)
			}
		})
	}
	if reqs := challenge.Requests(); !slices.Contains(reqs, surveytest.Request{Method: "GET", Host: labSurveyHost, Path: "/index.php/123456?lang=fr"}) {
		t.Errorf("the challenging proxy saw %+v", reqs)
	}
	if reqs := pass.Requests(); !slices.Contains(reqs, surveytest.Request{Method: "CONNECT", Host: labSurveyHost + ":443"}) {
		t.Errorf("the pass-through proxy saw %+v", reqs)
	}
	lab.assertReadOnly(t)
}

func TestLoadAccessNetworkError(t *testing.T) {
	l := &HTTPLoader{Transport: &countingTransport{}}
	a := LoadAccess(context.Background(), l, "https://unreachable.example/")
	if a.Error == "" || a.Challenge != "" {
		t.Errorf("load through a failing transport: %+v", a)
	}
}

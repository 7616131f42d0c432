package scanner

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/scanner/survey"
	"github.com/vigie-scan/vigie/scanner/survey/surveytest"
)

// assertReadOnly fails when a request other than GET or HEAD reached one of
// the lab's consultation hosts.
func assertReadOnly(t *testing.T, lab *scantest.Lab) {
	t.Helper()
	seen := 0
	for _, r := range lab.Requests() {
		if r.Host != scantest.HostSurveys && r.Host != scantest.HostDecidim {
			continue
		}
		seen++
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			t.Errorf("vigie sent %s %s%s to a consultation", r.Method, r.Host, r.Path)
		}
	}
	if seen == 0 {
		t.Error("the consultation hosts saw no request: the assertion could not fail")
	}
}

// TestCollectSurveyLab runs the survey stage (without a browser: pages as
// served) on the lab's consultations, then the survey checks.
func TestCollectSurveyLab(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	tests := []struct {
		name     string
		url      string
		platform string // survey.platform's subject, with the version in its summary
		version  string
		open     bool // survey.open-participation fires
		forms    int
		loads    int // loads besides the initial one
	}{
		{"open survey", "https://" + scantest.HostSurveys + scantest.SurveyOpenPath, "LimeSurvey", "3.28.64+230705", true, 1, 0},
		{"token survey", "https://" + scantest.HostSurveys + scantest.SurveyTokenPath, "LimeSurvey", "", false, 1, 0},
		{"captcha survey", "https://" + scantest.HostSurveys + scantest.SurveyCaptchaPath, "LimeSurvey", "", false, 1, 0},
		{"open survey with a participant's token", "https://" + scantest.HostSurveys + scantest.SurveyOpenPath + "&token=abc123", "LimeSurvey", "3.28.64+230705", true, 1, 1},
		{"Decidim", "https://" + scantest.HostDecidim + scantest.DecidimPath, "Decidim", "0.27.6", false, 0, 0},
		{"portal linking to the open survey", "https://" + scantest.HostCity + "/", "LimeSurvey", "3.28.64+230705", true, 1, 1},
		{"portal without survey", "https://" + scantest.HostClean + "/", "", "", false, 0, 0},
		{"founding portal: its vote needs the code mailed to each resident", "https://" + scantest.HostFounding + "/", "", "", false, 1, 0},
		{"a contact form is no consultation", "http://" + scantest.HostNoHTTPS + "/", "", "", false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ev := stageScan(t, lab, tt.url, Options{})
			pages := newHTTPPages(lab)
			home, err := pages.loadPage(t.Context(), "initial", tt.url)
			if err != nil {
				t.Fatal(err)
			}
			s.collectSurvey(t.Context(), ev, pages, home)
			if !ev.Has(evidence.KindSurvey) || ev.Survey == nil {
				t.Fatalf("survey not collected: %+v", ev.Errors)
			}
			if n := len(pages.labels) - 1; n != tt.loads || (n > 0 && pages.labels[1] != "visit/survey/1") {
				t.Errorf("loads %q, want %d more", pages.labels, tt.loads)
			}
			if len(ev.Survey.Forms) != tt.forms {
				t.Errorf("forms %+v, want %d", ev.Survey.Forms, tt.forms)
			}
			subjects, summaries, status := findingsOf(checks.SurveyChecks, ev)
			if tt.platform == "" {
				if len(subjects["survey.platform"]) > 0 {
					t.Errorf("platform %v on a portal without survey", subjects["survey.platform"])
				}
			} else if !slices.Contains(subjects["survey.platform"], tt.platform) || !strings.Contains(summaries["survey.platform"], tt.platform+" "+tt.version) {
				t.Errorf("survey.platform: %v\n%s", subjects["survey.platform"], summaries["survey.platform"])
			}
			if fired := len(subjects["survey.open-participation"]) > 0; fired != tt.open {
				t.Errorf("survey.open-participation fired %v, want %v: %s", fired, tt.open, summaries["survey.open-participation"])
			}
			if tt.forms > 0 && !tt.open && status["survey.open-participation"] != checks.StatusPass {
				t.Errorf("survey.open-participation %s, want pass", status["survey.open-participation"])
			}
			if status["access.blocked-via-proxy"] != checks.StatusNotEvaluated {
				t.Errorf("access.blocked-via-proxy %s without --proxy", status["access.blocked-via-proxy"])
			}
		})
	}
	assertReadOnly(t, lab)
}

// The survey stage does not claim what it could not observe.
func TestCollectSurveyNotCollected(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	url := "https://" + scantest.HostSurveys + scantest.SurveyOpenPath
	s, ev := stageScan(t, lab, url, Options{})
	s.collectSurvey(t.Context(), ev, newHTTPPages(lab), nil)
	if ev.Has(evidence.KindSurvey) || ev.Survey != nil {
		t.Error("survey collected without a page")
	}
	// A challenge page instead of the survey: an error, nothing collected.
	challenge := &browser.Page{URL: url, FinalURL: url, Status: surveytest.ChallengeStatus,
		Headers: surveytest.ChallengeHeaders(), HTML: []byte(surveytest.ChallengePage)}
	s.collectSurvey(t.Context(), ev, newHTTPPages(lab), challenge)
	if ev.Has(evidence.KindSurvey) || len(ev.Errors) == 0 || ev.Errors[0].Stage != "survey" {
		t.Errorf("challenge page: collected %v, errors %+v", ev.Collected, ev.Errors)
	}
}

// The scan's survey loader never sends anything but a GET (a HEAD is a
// browser GET).
func TestSurveyPagesReadOnly(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	pages := newHTTPPages(lab)
	l := &surveyPages{pages: pages}
	for _, m := range []string{http.MethodPost, http.MethodPut, "PROPFIND", ""} {
		if _, err := l.Load(t.Context(), m, "https://"+scantest.HostSurveys+scantest.SurveyOpenPath); !errors.Is(err, survey.ErrMethodNotAllowed) {
			t.Errorf("%q: %v", m, err)
		}
	}
	if len(pages.labels) != 0 {
		t.Errorf("refused methods loaded pages: %v", pages.labels)
	}
	obs, err := l.Load(t.Context(), http.MethodHead, "https://"+scantest.HostSurveys+scantest.SurveyOpenPath)
	if err != nil || obs.Status != 200 || len(obs.HTML) == 0 {
		t.Errorf("HEAD: %d, %v", obs.Status, err)
	}
}

// TestCollectAccess compares a direct load with loads through the lab's
// challenging and pass-through proxies (HTTP and SOCKS5): only the
// challenge fires access.blocked-via-proxy; a proxy that is down is a
// comparison that could not be made.
func TestCollectAccess(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	challenge, err := surveytest.StartChallengeProxy(surveytest.ChallengeOptions{Certificate: lab.CA.Certificate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { challenge.Close() })
	pass, err := surveytest.StartPassProxy(labDial(lab))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pass.Close() })
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + down.Addr().String()
	down.Close()

	url := "https://" + scantest.HostSurveys + scantest.SurveyOpenPath
	tests := []struct {
		proxy  string
		status checks.Status
	}{
		{challenge.URL, checks.StatusFail},
		{challenge.SOCKSURL, checks.StatusFail},
		{pass.URL, checks.StatusPass},
		{pass.SOCKSURL, checks.StatusPass},
		{downURL, checks.StatusNotEvaluated},
	}
	for _, tt := range tests {
		t.Run(tt.proxy, func(t *testing.T) {
			s, ev := stageScan(t, lab, url, Options{Proxy: tt.proxy})
			s.collectAccess(t.Context(), ev)
			if !ev.Has(evidence.KindProxy) || ev.Access == nil {
				t.Fatalf("access not collected: %+v", ev.Errors)
			}
			if ev.Access.Direct.Status != 200 || ev.Access.Direct.Error != "" {
				t.Errorf("direct load %+v", ev.Access.Direct)
			}
			subjects, summaries, status := findingsOf(checks.SurveyChecks, ev)
			if status["access.blocked-via-proxy"] != tt.status {
				t.Errorf("access.blocked-via-proxy %s, want %s: %+v", status["access.blocked-via-proxy"], tt.status, ev.Access)
			}
			if tt.status == checks.StatusFail && (!slices.Equal(subjects["access.blocked-via-proxy"], []string{"cloudflare"}) || !strings.Contains(summaries["access.blocked-via-proxy"], "Just a moment...")) {
				t.Errorf("finding %v: %s", subjects["access.blocked-via-proxy"], summaries["access.blocked-via-proxy"])
			}
			if tt.status == checks.StatusNotEvaluated && (ev.Access.Proxied.Error == "" || len(ev.Errors) == 0) {
				t.Errorf("proxy down: %+v, errors %+v", ev.Access.Proxied, ev.Errors)
			}
		})
	}
	assertReadOnly(t, lab)
}

// The direct load refuses non-public destinations but the target's own,
// as the recording proxy does.
func TestWebTransportRefusesPrivate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	s := &scan{}
	dial := s.webTransport(nil, nil, true).DialContext
	if _, err := dial(t.Context(), "tcp", ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "non-public") {
		t.Errorf("loopback dialled: %v", err)
	}
	allowed := targetPrivatePrefixes(&evidence.Evidence{Target: evidence.Target{Host: "127.0.0.1"}})
	c, err := s.webTransport(nil, allowed, true).DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Errorf("the target's own address refused: %v", err)
	} else {
		c.Close()
	}
	c, err = s.webTransport(nil, nil, false).DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Errorf("the proxy's address refused: %v", err)
	} else {
		c.Close()
	}
}

// labDial sends the lab's names to its servers, for a pass-through proxy.
func labDial(lab *scantest.Lab) surveytest.DialFunc {
	override := lab.DialOverride()
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		o, ok := override[addr]
		if !ok {
			return nil, errors.New(addr + " is not a lab host")
		}
		var d net.Dialer
		return d.DialContext(ctx, network, o)
	}
}

package scanner

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"testing"

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
	seen, writes := lab.ConsultationWrites()
	for _, r := range writes {
		t.Errorf("vigie sent %s %s%s to a consultation", r.Method, r.Host, r.Path)
	}
	if seen == 0 {
		t.Error("the consultation hosts saw no request: the assertion could not fail")
	}
}

// TestCollectSurveyLab runs the survey stage (without a browser: pages as
// served) on the lab's consultations: the platform and version recognised,
// the forms found, the further loads made. What the survey checks make of
// them is tested end to end (package e2e).
func TestCollectSurveyLab(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	tests := []struct {
		name     string
		url      string
		platform string
		version  string
		open     bool // a form without token, login or captcha
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
			s, _ := stageScan(t, lab, tt.url, Options{})
			pages := newHTTPPages(lab)
			home, err := pages.loadPage(t.Context(), "initial", tt.url)
			if err != nil {
				t.Fatal(err)
			}
			target, _ := ParseTarget(tt.url)
			r := s.surveyStage(t.Context(), pages, target, pageReady(home))
			sv := r.survey
			if !slices.Contains(r.collected, evidence.KindSurvey) || sv == nil {
				t.Fatalf("survey not collected: %+v", r.errors)
			}
			if n := len(pages.labels) - 1; n != tt.loads || (n > 0 && pages.labels[1] != "visit/survey/1") {
				t.Errorf("loads %q, want %d more", pages.labels, tt.loads)
			}
			if len(sv.Forms) != tt.forms {
				t.Errorf("forms %+v, want %d", sv.Forms, tt.forms)
			}
			found := slices.ContainsFunc(sv.Platforms, func(p evidence.Platform) bool { return p.Name == tt.platform && p.Version == tt.version })
			if tt.platform == "" && len(sv.Platforms) > 0 || tt.platform != "" && !found {
				t.Errorf("platforms %+v, want %q %q", sv.Platforms, tt.platform, tt.version)
			}
			open := slices.ContainsFunc(sv.Forms, func(f evidence.Form) bool {
				return !f.TokenRequired && !f.LoginRequired && f.Captcha == ""
			})
			if open != tt.open {
				t.Errorf("forms %+v: open %v, want %v", sv.Forms, open, tt.open)
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
	s, _ := stageScan(t, lab, url, Options{})
	target, _ := ParseTarget(url)
	if r := s.surveyStage(t.Context(), newHTTPPages(lab), target, pageReady(nil)); slices.Contains(r.collected, evidence.KindSurvey) || r.survey != nil {
		t.Error("survey collected without a page")
	}
	// A challenge page instead of the survey: an error, nothing collected.
	challenge := &browser.Page{URL: url, FinalURL: url, Status: surveytest.ChallengeStatus,
		Headers: surveytest.ChallengeHeaders(), HTML: []byte(surveytest.ChallengePage)}
	r := s.surveyStage(t.Context(), newHTTPPages(lab), target, pageReady(challenge))
	if slices.Contains(r.collected, evidence.KindSurvey) || len(r.errors) == 0 || r.errors[0].Stage != "survey" {
		t.Errorf("challenge page: collected %v, errors %+v", r.collected, r.errors)
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
// challenge is recognised; a proxy that is down is a load that failed.
// What access.blocked-via-proxy makes of it is tested end to end.
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
		proxy     string
		challenge string
		failed    bool
	}{
		{challenge.URL, "cloudflare", false},
		{challenge.SOCKSURL, "cloudflare", false},
		{pass.URL, "", false},
		{pass.SOCKSURL, "", false},
		{downURL, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.proxy, func(t *testing.T) {
			s, res := stageScan(t, lab, url, Options{Proxy: tt.proxy})
			r := s.accessStage(t.Context(), res.Evidence.Target, targetPrivatePrefixes(res.Evidence))
			a := r.access
			if !slices.Contains(r.collected, evidence.KindProxy) || a == nil {
				t.Fatalf("access not collected: %+v", r.errors)
			}
			if a.Direct.Status != 200 || a.Direct.Error != "" {
				t.Errorf("direct load %+v", a.Direct)
			}
			if a.Proxied.Challenge != tt.challenge || (a.Proxied.Error != "") != tt.failed {
				t.Errorf("proxied load %+v, want challenge %q, failed %v", a.Proxied, tt.challenge, tt.failed)
			}
			if tt.challenge != "" && a.Proxied.Title != "Just a moment..." {
				t.Errorf("challenge title %q", a.Proxied.Title)
			}
			if tt.failed && len(r.errors) == 0 {
				t.Errorf("proxy down: no error recorded")
			}
		})
	}
	assertReadOnly(t, lab)
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

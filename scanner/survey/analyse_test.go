package survey

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestAnalyse(t *testing.T) {
	lab := startLab(t)
	loader := &HTTPLoader{Transport: lab.transport()}
	tests := []struct {
		name      string
		url       string
		platforms []string // platform IDs
		version   string   // first platform's version
		forms     int
		open      bool // the first form opens without login, token or captcha
		token     bool
		captcha   string
		signal    string // a substring of one of the first form's signals
		loads     int    // requests the lab must have seen
	}{
		{name: "open LimeSurvey 3.x survey", url: "https://" + labSurveyHost + "/index.php/123456?lang=fr",
			platforms: []string{"survey/platform/limesurvey"}, version: "3.28.64+230705",
			forms: 1, open: true, signal: "LimeSurvey survey form", loads: 1},
		{name: "token-protected LimeSurvey survey", url: "https://" + labSurveyHost + "/index.php/234567?lang=fr",
			platforms: []string{"survey/platform/limesurvey"}, forms: 1, token: true, signal: "token: field token", loads: 1},
		{name: "captcha-protected LimeSurvey survey", url: "https://" + labSurveyHost + "/index.php/345678?lang=fr",
			platforms: []string{"survey/platform/limesurvey"}, forms: 1, captcha: "LimeSurvey captcha", loads: 1},
		{name: "open survey given with a participant's token is loaded again without it",
			url:       "https://" + labSurveyHost + "/index.php/123456?lang=fr&token=abc123",
			platforms: []string{"survey/platform/limesurvey"}, version: "3.28.64+230705",
			forms: 1, open: true, signal: "loaded again without the URL's participant token", loads: 2},
		{name: "closed survey that refuses a visit without token", url: "https://" + labSurveyHost + "/closed?token=abc123",
			platforms: []string{"survey/platform/limesurvey"}, version: "3.28.64+230705",
			forms: 1, token: true, signal: "answers HTTP 403", loads: 2},
		{name: "redirect to the survey", url: "https://" + labSurveyHost + "/redirect",
			platforms: []string{"survey/platform/limesurvey"}, version: "3.28.64+230705", forms: 1, open: true, loads: 2},
		{name: "Decidim page: platform, no form of its own", url: "https://" + labDecidimHost + "/processes/budget-2026",
			platforms: []string{"survey/platform/decidim"}, version: "0.27.6", forms: 0, loads: 1},
		{name: "portal embedding a Google form", url: "https://" + labPortalHost + "/piscine",
			platforms: []string{"survey/platform/google-forms"}, forms: 1, open: true, signal: "embedded in https://www.example.com/piscine", loads: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(lab.requests())
			s, err := Analyse(context.Background(), loader, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(lab.requests()) - before; n != tt.loads {
				t.Errorf("%d requests, want %d: %q", n, tt.loads, lab.requests()[before:])
			}
			var ids []string
			for _, p := range s.Platforms {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tt.platforms) {
				t.Fatalf("platforms %v, want %v", ids, tt.platforms)
			}
			if p := s.Platforms[0]; p.Version != tt.version {
				t.Errorf("version %q, want %q", p.Version, tt.version)
			}
			if len(s.Forms) != tt.forms {
				t.Fatalf("%d forms, want %d: %+v", len(s.Forms), tt.forms, s.Forms)
			}
			if tt.forms == 0 {
				return
			}
			f := s.Forms[0]
			if f.ID != "survey/form/1" {
				t.Errorf("form ID %q", f.ID)
			}
			open := !f.LoginRequired && !f.TokenRequired && f.Captcha == ""
			if open != tt.open || f.TokenRequired != tt.token || f.Captcha != tt.captcha {
				t.Errorf("form %+v: open %v token %v captcha %q, want %v %v %q", f, open, f.TokenRequired, f.Captcha, tt.open, tt.token, tt.captcha)
			}
			if tt.signal != "" && !slices.ContainsFunc(f.Signals, func(s string) bool { return strings.Contains(s, tt.signal) }) {
				t.Errorf("signals %q lack %q", f.Signals, tt.signal)
			}
		})
	}
	// Nothing but GET or HEAD ever reached the lab's surveys.
	lab.assertReadOnly(t)
}

func TestAnalyseErrors(t *testing.T) {
	lab := startLab(t)
	loader := &HTTPLoader{Transport: lab.transport()}

	_, err := Analyse(context.Background(), loader, "https://"+labSurveyHost+"/blocked")
	var ce *ChallengeError
	if !errors.As(err, &ce) || ce.Name != "cloudflare" || ce.Status != http.StatusForbidden {
		t.Errorf("challenge page: error %v, want a cloudflare *ChallengeError", err)
	}
	// Without its token the page answers a vendor's challenge: that is no
	// token gate, and nothing can be said of the form.
	s, err := Analyse(context.Background(), loader, "https://"+labSurveyHost+"/cfclosed?token=abc")
	if !errors.As(err, &ce) || ce.Name != "cloudflare" || s == nil || len(s.Forms) != 0 || len(s.Platforms) != 1 {
		t.Errorf("challenge without the token: %+v, %v", s, err)
	}
	_, err = Analyse(context.Background(), loader, "https://"+labSurveyHost+"/nowhere")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusNotFound {
		t.Errorf("missing page: error %v, want a 404 *StatusError", err)
	}
	if _, err = Analyse(context.Background(), loader, "https://"+labSurveyHost+"/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: error %v", err)
	}
	lab.assertReadOnly(t)
}

// methodLog is a Loader that records the methods it is asked for and
// answers an open LimeSurvey survey.
type methodLog struct {
	methods []string
	page    []byte
}

func (m *methodLog) Load(_ context.Context, method, url string) (Observation, error) {
	m.methods = append(m.methods, method)
	return Observation{URL: url, FinalURL: url, Status: 200, HTML: m.page}, nil
}

func TestAnalyseAsksOnlyForGET(t *testing.T) {
	m := &methodLog{page: fixture(t, labLimeSurveyOpen)}
	if _, err := Analyse(context.Background(), m, "https://s.example/index.php/1?token=x"); err != nil {
		t.Fatal(err)
	}
	if len(m.methods) != 2 || slices.ContainsFunc(m.methods, func(s string) bool { return s != http.MethodGet }) {
		t.Errorf("methods asked: %v, want two GETs", m.methods)
	}
}

func TestAnalyseObservationWithoutLoader(t *testing.T) {
	doc := fixture(t, labLimeSurveyOpen)
	obs := Observation{URL: "https://s.example/index.php/123456?lang=fr", FinalURL: "https://s.example/index.php/123456?lang=fr", Status: 200, HTML: doc}
	s, err := AnalyseObservation(context.Background(), nil, obs)
	if err != nil || len(s.Platforms) != 1 || len(s.Forms) != 1 || s.Forms[0].TokenRequired {
		t.Fatalf("open survey without a loader: %+v, %v", s, err)
	}
	// With a token in the URL and no way to load the page without it, the
	// controls are not claimed: the token may be what let the page open.
	obs.URL += "&token=abc"
	s, err = AnalyseObservation(context.Background(), nil, obs)
	if err == nil || s == nil || len(s.Platforms) != 1 || len(s.Forms) != 0 {
		t.Errorf("token URL without a loader: %+v, %v", s, err)
	}
}

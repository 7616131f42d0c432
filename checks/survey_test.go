package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// surveyEvidence builds evidence with a survey observation (nil: the survey
// stage ran and recorded nothing) and, when given, a proxy comparison.
func surveyEvidence(s *evidence.Survey, a *evidence.Access) *evidence.Evidence {
	ev := &evidence.Evidence{
		Target:    evidence.Target{URL: "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr", Host: "enquetes.ville-exemple.fr", RegistrableDomain: "ville-exemple.fr"},
		Collected: []evidence.Kind{evidence.KindSurvey},
		Survey:    s,
		Access:    a,
	}
	if a != nil {
		ev.Collected = append(ev.Collected, evidence.KindProxy)
	}
	return ev
}

var (
	limeOutdated = evidence.Platform{ID: "survey/platform/limesurvey", Name: "LimeSurvey", Version: "3.28.64+230705",
		URL:     "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr",
		Signals: []string{"generator meta: LimeSurvey http://www.limesurvey.org", "survey form: form-id=limesurvey", "version comment: LimeSurvey 3.28.64+230705"}}
	limeNoVersion = evidence.Platform{ID: "survey/platform/limesurvey", Name: "LimeSurvey",
		URL: "https://enquetes.ville-exemple.fr/index.php/234567?lang=fr", Signals: []string{"survey form: form-name=limesurvey"}}
	decidimSupported = evidence.Platform{ID: "survey/platform/decidim", Name: "Decidim", Version: "0.31.2",
		URL: "https://decidim.example.org/", Signals: []string{"generator meta: Decidim 0.31.2"}}
	openForm = evidence.Form{ID: "survey/form/1", URL: "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr",
		DuplicateControl: "none-visible", Signals: []string{"form: LimeSurvey survey form (form-id=limesurvey)"}}
	cookieForm = evidence.Form{ID: "survey/form/1", URL: "https://s.example.fr/index.php/456789", DuplicateControl: "cookie",
		Signals: []string{"form: LimeSurvey survey form (form-id=limesurvey)", "duplicate control: cookie LS_456789_STATUS"}}
	tokenForm = evidence.Form{ID: "survey/form/1", URL: "https://enquetes.ville-exemple.fr/index.php/234567?lang=fr",
		TokenRequired: true, DuplicateControl: "token", Signals: []string{"token: field token"}}
	captchaForm = evidence.Form{ID: "survey/form/1", URL: "https://enquetes.ville-exemple.fr/index.php/345678?lang=fr",
		Captcha: "LimeSurvey captcha", DuplicateControl: "none-visible", Signals: []string{"captcha: LimeSurvey captcha: element form-id=form-captcha"}}
	loginForm = evidence.Form{ID: "survey/form/1", URL: "https://participez.example.fr/users/sign_in",
		LoginRequired: true, DuplicateControl: "login", Signals: []string{"login: password field user[password]"}}
)

func TestSurveyPlatform(t *testing.T) {
	tests := []struct {
		name     string
		survey   *evidence.Survey
		status   Status
		subjects []string
		summary  string   // a substring the first finding's summary must contain
		severity Severity // the severity the first finding asks for
	}{
		{"outdated LimeSurvey with its version", &evidence.Survey{Platforms: []evidence.Platform{limeOutdated}}, StatusFail,
			[]string{"LimeSurvey"}, "LimeSurvey 3.28.64+230705 runs", outdatedPlatformSeverity},
		{"supported Decidim", &evidence.Survey{Platforms: []evidence.Platform{decidimSupported}}, StatusFail,
			[]string{"Decidim"}, "This version is supported", Info},
		{"version not exposed", &evidence.Survey{Platforms: []evidence.Platform{limeNoVersion}}, StatusFail,
			[]string{"LimeSurvey"}, "does not expose its version", Info},
		{"no platform recognised", &evidence.Survey{}, StatusPass, nil, "", Info},
		{"survey stage recorded nothing", nil, StatusNotEvaluated, nil, "", Info},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := surveyEvidence(tt.survey, nil)
			status, got := subjects(t, surveyPlatform, ev, nil)
			if status != tt.status || !slices.Equal(got, tt.subjects) {
				t.Fatalf("got %s %v, want %s %v", status, got, tt.status, tt.subjects)
			}
			if len(got) == 0 {
				return
			}
			raw, err := surveyPlatform.Run(&Pass{Evidence: ev, Policy: &Policy{}, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(raw[0].Summary, tt.summary) {
				t.Errorf("summary %q lacks %q", raw[0].Summary, tt.summary)
			}
			if raw[0].Severity != tt.severity {
				t.Errorf("finding asks for severity %s, want %s", raw[0].Severity, tt.severity)
			}
			if !slices.Contains(raw[0].Evidence, tt.survey.Platforms[0].ID) {
				t.Errorf("evidence %v does not cite the platform record", raw[0].Evidence)
			}
		})
	}
}

func TestSurveyPlatformNotCollected(t *testing.T) {
	ev := surveyEvidence(&evidence.Survey{Platforms: []evidence.Platform{limeOutdated}}, nil)
	ev.Collected = nil
	if status, _ := subjects(t, surveyPlatform, ev, nil); status != StatusNotEvaluated {
		t.Errorf("status %s without survey evidence, want not-evaluated", status)
	}
}

func TestOpenParticipation(t *testing.T) {
	tests := []struct {
		name     string
		survey   *evidence.Survey
		status   Status
		subjects []string
		summary  []string
	}{
		{"open LimeSurvey survey", &evidence.Survey{Platforms: []evidence.Platform{limeOutdated}, Forms: []evidence.Form{openForm}},
			StatusFail, []string{openForm.URL}, []string{"opens without a login, without a per-participant token and without a captcha",
				"no duplicate control is visible", "Anyone can answer", "which a script defeats", "survey participants table"}},
		{"open survey whose only duplicate control is a cookie", &evidence.Survey{Platforms: []evidence.Platform{limeNoVersion}, Forms: []evidence.Form{cookieForm}},
			StatusFail, []string{cookieForm.URL}, []string{"only duplicate control visible is a cookie (LS_456789_STATUS)"}},
		{"token-protected survey", &evidence.Survey{Platforms: []evidence.Platform{limeNoVersion}, Forms: []evidence.Form{tokenForm}},
			StatusPass, nil, nil},
		{"captcha-protected survey", &evidence.Survey{Platforms: []evidence.Platform{limeNoVersion}, Forms: []evidence.Form{captchaForm}},
			StatusPass, nil, nil},
		{"login required", &evidence.Survey{Forms: []evidence.Form{loginForm}}, StatusPass, nil, nil},
		{"no participation form on the page", &evidence.Survey{Platforms: []evidence.Platform{decidimSupported}}, StatusNotEvaluated, nil, nil},
		{"survey stage recorded nothing", nil, StatusNotEvaluated, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := surveyEvidence(tt.survey, nil)
			out := RunChecks([]*Check{surveyOpenParticipation}, ev, nil, testNow)
			var got []string
			for _, f := range out.Findings {
				got = append(got, f.Subject)
				if !slices.Contains(f.Evidence, "survey/form/1") {
					t.Errorf("evidence %v does not cite the form", f.Evidence)
				}
				for _, s := range tt.summary {
					if !strings.Contains(f.Summary, s) {
						t.Errorf("summary %q lacks %q", f.Summary, s)
					}
				}
			}
			if st := out.Results[0].Status; st != tt.status || !slices.Equal(got, tt.subjects) {
				t.Errorf("got %s %v, want %s %v (%s)", st, got, tt.status, tt.subjects, out.Results[0].Reason)
			}
		})
	}
}

func TestSurveyChecksDocumented(t *testing.T) {
	for _, c := range SurveyChecks {
		if !checkID.MatchString(c.ID) || c.Title == "" || c.Rationale == "" || c.Remediation == "" || len(c.Refs) == 0 || len(c.Needs) == 0 || c.Run == nil {
			t.Errorf("%s: incomplete check", c.ID)
		}
	}
}

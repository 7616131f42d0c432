package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func TestJudgeSupport(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	lime := func(v string) evidence.Platform {
		return evidence.Platform{ID: "survey/platform/limesurvey", Name: "LimeSurvey", Version: v}
	}
	decidim := func(v string) evidence.Platform {
		return evidence.Platform{ID: "survey/platform/decidim", Name: "Decidim", Version: v}
	}
	tests := []struct {
		name     string
		pl       evidence.Platform
		now      time.Time
		judged   bool
		status   string
		line     string
		mentions string
	}{
		{"LimeSurvey 3", lime("3.28.64+230705"), testNow, true, Outdated, "3", "support ended 2023-07-31"},
		{"LimeSurvey 2.x generation", lime("2.x"), testNow, true, Outdated, "2", "as of " + VersionTableDate},
		{"LimeSurvey 7", lime("7.1.2"), testNow, true, Supported, "7", "support until 2029-05-26"},
		// The run's clock decides: saved evidence re-checked after a line's
		// end of support is judged outdated, before it supported.
		{"LimeSurvey 7 checked in 2029", lime("7.1.2"), day("2029-06-01"), true, Outdated, "7", "as of 2029-06-01"},
		{"LimeSurvey 6 before its end", lime("6.15.3"), day("2026-08-30"), true, Supported, "6", "support until 2026-08-31"},
		{"LimeSurvey 6 on its end", lime("6.15.3"), day("2026-08-31"), true, Outdated, "6", "support ended 2026-08-31"},
		{"LimeSurvey 8, newer than the table", lime("8.0.0"), testNow, false, "", "", ""},
		{"no version", lime(""), testNow, false, "", "", ""},
		{"Decidim 0.27", decidim("0.27.6"), testNow, true, Outdated, "0.27", "last three minor versions"},
		{"Decidim 0.31", decidim("0.31.2"), testNow, true, Supported, "0.31", "as of " + VersionTableDate},
		{"Decidim 0.33, newer than the table", decidim("0.33.0"), testNow, false, "", "", ""},
		{"a platform without a policy", evidence.Platform{ID: "survey/platform/typeform", Version: "2"}, testNow, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := JudgeSupport(tt.pl, tt.now)
			if ok != tt.judged {
				t.Fatalf("judged %v, want %v (%+v)", ok, tt.judged, s)
			}
			if !ok {
				return
			}
			if s.Status != tt.status || s.Line != tt.line || s.Platform != tt.pl.ID {
				t.Errorf("got %+v, want line %s %s", s, tt.line, tt.status)
			}
			if !strings.Contains(s.Text(), tt.mentions) {
				t.Errorf("text %q lacks %q", s.Text(), tt.mentions)
			}
		})
	}
}

// TestSurveyPlatformUsesTheRunsClock re-checks the same evidence at two
// dates: the verdict follows the run's clock, not the scan's.
func TestSurveyPlatformUsesTheRunsClock(t *testing.T) {
	ev := surveyEvidence(&evidence.Survey{Platforms: []evidence.Platform{{ID: "survey/platform/limesurvey", Name: "LimeSurvey", Version: "7.0.1",
		URL: "https://enquetes.ville-exemple.fr/", Signals: []string{"generator meta: LimeSurvey"}}}}, nil)
	for _, tc := range []struct {
		now  time.Time
		sev  Severity
		says string
	}{
		{testNow, Info, "This version is supported"},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), outdatedPlatformSeverity, "past its support"},
	} {
		out := RunChecks([]*Check{surveyPlatform}, ev, nil, tc.now)
		if len(out.Findings) != 1 || out.Findings[0].Severity != tc.sev || !strings.Contains(out.Findings[0].Summary, tc.says) {
			t.Errorf("at %s: %+v, want %s saying %q", tc.now.Format(time.DateOnly), out.Findings, tc.sev, tc.says)
		}
		if s, ok := out.Facts.Support("survey/platform/limesurvey"); !ok || s.AsOf != tc.now.Format(time.DateOnly) {
			t.Errorf("at %s: facts %+v", tc.now.Format(time.DateOnly), out.Facts.Platforms)
		}
	}
}

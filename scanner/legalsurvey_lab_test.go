package scanner

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/scanner/survey/surveytest"
)

// TestLegalSurveyStagesLab is issues 6 and 7's bar on the lab, with the
// browser: full scans whose legal pages and consultations are read by the
// browser inside the browser stage.
//
//   - founding portal: legal.hoster-mismatch quotes the declared hoster and
//     the observed CDN and vendor; legal.processor-undeclared names the
//     analytics company and the CDN; the English notice, assembled by
//     JavaScript, is read as rendered; the legal pages' loads are no visit.
//   - clean site: every legal check passes.
//   - open LimeSurvey survey through a challenging proxy: survey.platform
//     with its version, survey.open-participation, access.blocked-via-proxy.
//   - token survey through a pass-through proxy, captcha survey: neither
//     survey.open-participation nor access.blocked-via-proxy.
//
// And no request other than GET or HEAD reached a consultation.
func TestLegalSurveyStagesLab(t *testing.T) {
	requireBrowser(t)
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	challenge, err := surveytest.StartChallengeProxy(surveytest.ChallengeOptions{Certificate: lab.CA.Certificate})
	if err != nil {
		t.Fatal(err)
	}
	pass, err := surveytest.StartPassProxy(labDial(lab))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		challenge.Close()
		pass.Close()
		lab.Close()
	})
	legalAndSurvey := append(slices.Clone(checks.LegalChecks), checks.SurveyChecks...)
	type want struct {
		fire   map[string][]string // check → subjects among its findings
		quote  map[string][]string // check → texts its summaries hold
		pass   []string            // checks that must pass
		silent []string            // checks that must not fire
	}
	tests := []struct {
		name string
		url  string
		opts Options
		want want
	}{
		{"founding", "https://" + scantest.HostFounding + "/", Options{Consent: "none"}, want{
			fire: map[string][]string{
				"legal.hoster-mismatch":      {"hoster:ovhcloud"},
				"legal.processor-undeclared": {"org/google-analytics", "org/cloudflare"},
			},
			quote: map[string][]string{"legal.hoster-mismatch": {
				"declares the hoster “SAS OVH”: “Hébergement Assuré par OVH SAS OVH, 2 rue Kellermann 59100 Roubaix France”",
				"operated by Cloudflare (Cloudflare, Inc., US)",
				"a domain of Participation Vendor SAS (FR)",
			}},
			silent: []string{"legal.notice-missing"},
		}},
		{"clean", "https://" + scantest.HostClean + "/", Options{Consent: "none"}, want{
			pass:   []string{"legal.notice-missing", "legal.hoster-missing", "legal.hoster-mismatch", "legal.processor-undeclared"},
			silent: []string{"legal."},
		}},
		{"open survey via a challenging proxy", "https://" + scantest.HostSurveys + scantest.SurveyOpenPath, Options{Proxy: challenge.SOCKSURL}, want{
			fire: map[string][]string{
				"survey.platform":           {"LimeSurvey"},
				"survey.open-participation": {"https://" + scantest.HostSurveys + scantest.SurveyOpenPath},
				"access.blocked-via-proxy":  {"cloudflare"},
			},
			quote: map[string][]string{"survey.platform": {"LimeSurvey 3.28.64+230705", "past its support"}},
		}},
		{"token survey via a pass-through proxy", "https://" + scantest.HostSurveys + scantest.SurveyTokenPath, Options{Consent: "none", Proxy: pass.URL}, want{
			fire:   map[string][]string{"survey.platform": {"LimeSurvey"}},
			pass:   []string{"survey.open-participation", "access.blocked-via-proxy"},
			silent: []string{"survey.open-participation", "access."},
		}},
		{"captcha survey", "https://" + scantest.HostSurveys + scantest.SurveyCaptchaPath, Options{Consent: "none"}, want{
			fire:   map[string][]string{"survey.platform": {"LimeSurvey"}},
			pass:   []string{"survey.open-participation"},
			silent: []string{"survey.open-participation"},
		}},
	}
	t.Run("scans", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ev, arts := labScan(t, lab, tt.url, tt.opts)
				for _, k := range []evidence.Kind{evidence.KindBrowser, evidence.KindLegal, evidence.KindSurvey} {
					if !ev.Has(k) {
						t.Errorf("%s not collected: %+v", k, ev.Errors)
					}
				}
				if ev.Has(evidence.KindProxy) != (tt.opts.Proxy != "") {
					t.Errorf("proxy comparison collected %v with --proxy %q", ev.Has(evidence.KindProxy), tt.opts.Proxy)
				}
				paths := map[string]bool{}
				for _, a := range arts {
					paths[a.Path] = true
				}
				if ev.Legal != nil && len(ev.Legal.Pages) > 0 && ev.Legal.Pages[0].Error == "" && !paths["legal/1.txt"] {
					t.Errorf("legal/1 kept but not in the artefacts: %v", paths)
				}
				// The legal and survey loads are not visits, and their
				// connections are labelled apart.
				for _, v := range ev.Browser.Visits {
					if v.State != evidence.StateInitial && v.State != evidence.StateReject && v.State != evidence.StateAccept {
						t.Errorf("unexpected visit %s", v.ID)
					}
				}
				if !slices.ContainsFunc(ev.Browser.Connections, func(c evidence.Connection) bool { return strings.HasPrefix(c.Visit, "visit/legal/") }) {
					t.Error("no connection labelled visit/legal/<n>")
				}
				subjects, summaries, status := findingsOf(legalAndSurvey, ev)
				for id, want := range tt.want.fire {
					for _, w := range want {
						if !slices.Contains(subjects[id], w) {
							t.Errorf("%s: %v lacks %s\n%s", id, subjects[id], w, summaries[id])
						}
					}
				}
				for id, texts := range tt.want.quote {
					for _, text := range texts {
						if !strings.Contains(summaries[id], text) {
							t.Errorf("%s summaries lack %q:\n%s", id, text, summaries[id])
						}
					}
				}
				for _, id := range tt.want.pass {
					if status[id] != checks.StatusPass {
						t.Errorf("%s: %s, want pass", id, status[id])
					}
				}
				for _, prefix := range tt.want.silent {
					for id, subj := range subjects {
						if strings.HasPrefix(id, prefix) {
							t.Errorf("%s fired: %v\n%s", id, subj, summaries[id])
						}
					}
				}
				if tt.name == "founding" {
					// The English notice exists only once its script ran:
					// the browser read it.
					var en *evidence.LegalPage
					for i, p := range ev.Legal.Pages {
						if strings.HasSuffix(p.URL, "/en/legal") {
							en = &ev.Legal.Pages[i]
						}
					}
					if en == nil || en.Error != "" || !strings.Contains(en.Text, "2 rue Kellermann") {
						t.Errorf("the JavaScript notice was not read as rendered: %+v", en)
					}
				}
			})
		}
	})
	assertReadOnly(t, lab)
}

package e2e

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner"
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
	lab, _ := lab(t, true)
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
	})
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + down.Addr().String()
	down.Close()
	tests := []struct {
		name string
		url  string
		opts scanner.Options
		want expect
	}{
		{"founding", "https://" + scantest.HostFounding + "/", scanner.Options{Consent: "none"}, expect{
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
		{"clean", "https://" + scantest.HostClean + "/", scanner.Options{Consent: "none"}, expect{
			pass:   []string{"legal.notice-missing", "legal.hoster-missing", "legal.hoster-mismatch", "legal.processor-undeclared"},
			silent: []string{"legal."},
		}},
		{"open survey via a challenging proxy", "https://" + scantest.HostSurveys + scantest.SurveyOpenPath, scanner.Options{Proxy: challenge.SOCKSURL}, expect{
			fire: map[string][]string{
				"survey.platform":           {"LimeSurvey"},
				"survey.open-participation": {"https://" + scantest.HostSurveys + scantest.SurveyOpenPath},
				"access.blocked-via-proxy":  {"cloudflare"},
			},
			quote: map[string][]string{"survey.platform": {"LimeSurvey 3.28.64+230705", "past its support"}},
		}},
		{"token survey via a pass-through proxy", "https://" + scantest.HostSurveys + scantest.SurveyTokenPath, scanner.Options{Consent: "none", Proxy: pass.URL}, expect{
			fire:   map[string][]string{"survey.platform": {"LimeSurvey"}},
			pass:   []string{"survey.open-participation", "access.blocked-via-proxy"},
			silent: []string{"survey.open-participation", "access."},
		}},
		{"no hoster", "https://" + scantest.HostCity + "/", scanner.Options{Consent: "none"}, expect{
			// The site is served by the département's network, named nowhere.
			fire: map[string][]string{"legal.hoster-missing": {"hoster"},
				"legal.processor-undeclared": {"org/conseil-departemental-de-la-manche"}},
			silent:  []string{"legal.notice-missing", "legal.hoster-mismatch"},
			notEval: []string{"legal.hoster-mismatch"},
		}},
		{"Decidim", "https://" + scantest.HostDecidim + scantest.DecidimPath, scanner.Options{Consent: "none"}, expect{
			fire:   map[string][]string{"survey.platform": {"Decidim"}},
			quote:  map[string][]string{"survey.platform": {"Decidim 0.27.6"}},
			silent: []string{"survey.open-participation"},
		}},
		{"portal linking to the open survey", "https://" + scantest.HostCity + "/", scanner.Options{Consent: "none"}, expect{
			fire:  map[string][]string{"survey.platform": {"LimeSurvey"}},
			any:   []string{"survey.open-participation"},
			quote: map[string][]string{"survey.platform": {"LimeSurvey 3.28.64+230705"}},
		}},
		{"portal without survey", "https://" + scantest.HostClean + "/", scanner.Options{Consent: "none"}, expect{
			silent: []string{"survey."},
		}},
		{"founding portal: its vote needs the code mailed to each resident", "https://" + scantest.HostFounding + "/", scanner.Options{Consent: "none"}, expect{
			silent: []string{"survey.open-participation"},
		}},
		{"open survey through a proxy that is down", "https://" + scantest.HostSurveys + scantest.SurveyOpenPath, scanner.Options{Consent: "none", Proxy: downURL}, expect{
			notEval: []string{"access.blocked-via-proxy"},
		}},
		{"captcha survey", "https://" + scantest.HostSurveys + scantest.SurveyCaptchaPath, scanner.Options{Consent: "none"}, expect{
			fire:   map[string][]string{"survey.platform": {"LimeSurvey"}},
			pass:   []string{"survey.open-participation"},
			silent: []string{"survey.open-participation"},
		}},
	}
	t.Run("scans", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ev, arts := labScan(t, tt.url, tt.opts)
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
				tt.want.assert(t, judge(ev))
				if tt.name == "founding" {
					// The English notice exists only once its script ran:
					// the browser read it.
					var en *evidence.LegalPage
					for i, p := range ev.Legal.Pages {
						if strings.HasSuffix(p.URL, "/en/legal") {
							en = &ev.Legal.Pages[i]
						}
					}
					if en == nil || en.Error != "" || !strings.Contains(en.Text, "2 rue Kellermann") || en.Loader != "browser" {
						t.Errorf("the JavaScript notice was not read as rendered: %+v", en)
					}
					// The notice served whole was read as served: the
					// browser was spared it.
					if p := ev.Legal.Pages[0]; !strings.HasSuffix(p.URL, "/legal") || p.Error != "" || p.Loader != "http" {
						t.Errorf("the notice served whole: %s loader %q error %q, want read as served", p.URL, p.Loader, p.Error)
					}
				}
			})
		}
	})
	assertReadOnly(t, lab)
}

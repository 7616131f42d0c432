package checks

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// outdatedPlatformSeverity is the severity a survey.platform finding asks
// for when the platform's version is past its support (RunChecks lets a
// finding raise its check's severity unless the policy set it).
const outdatedPlatformSeverity = Medium

var surveyPlatform = &Check{
	ID:       "survey.platform",
	Title:    "A consultation or survey platform is recognised",
	Severity: Info,
	Rationale: "The software that runs a consultation decides how answers are collected, stored and " +
		"counted, and who operates it sees every answer. Citizens and the DPO should know which it is. " +
		"A version past its support no longer receives security fixes: its known vulnerabilities stay " +
		"open in a tool that collects citizens' opinions and often their identities.",
	Refs: []string{
		"GDPR art. 32 (security of processing: keeping software patched)",
		"GDPR art. 28 (processors) and art. 13 (information to data subjects)",
		"ANSSI, Guide d'hygiène informatique (2017): keep software components up to date",
		"CNIL, Cahier Innovation et prospective n° 7, « Civic tech, données et Demos » (2019)",
	},
	Remediation: "Run a supported version of the platform and keep it updated: LimeSurvey's current major " +
		"version (see the LimeSurvey roadmap), one of Decidim's last three minor versions. Name the " +
		"platform and whoever hosts it in the legal notice and the processing register. Open-source, " +
		"self-hostable platforms (Decidim, LimeSurvey, CONSUL Democracy) keep the answers under the " +
		"organisation's control.",
	Needs: []evidence.Kind{evidence.KindSurvey},
	Run: func(p *Pass) ([]Finding, error) {
		s := p.Evidence.Survey
		if s == nil {
			return nil, NotEvaluated("the survey stage recorded nothing")
		}
		var out []Finding
		for _, pl := range s.Platforms {
			name := pl.Name
			if pl.Version != "" {
				name += " " + pl.Version
			}
			summary := fmt.Sprintf("%s runs %s (recognised by %s).", name, pl.URL, signalNames(pl.Signals))
			f := Finding{Subject: pl.Name, Evidence: []string{pl.ID}, Severity: Info}
			sup, judged := p.Facts().Support(pl.ID)
			switch {
			case judged && sup.Outdated():
				summary += fmt.Sprintf(" This version is past its support and no longer receives security fixes (%s).", sup.Text())
				f.Severity = outdatedPlatformSeverity
			case judged:
				summary += fmt.Sprintf(" This version is supported (%s).", sup.Text())
			case pl.Version == "":
				summary += " The page does not expose its version, so whether it is still supported is not known."
			default:
				summary += " vigie's version table does not cover this version."
			}
			f.Summary = summary
			out = append(out, f)
		}
		return out, nil
	},
}

// signalNames lists the names of a platform's signals ("generator meta,
// survey form …"), without the matched values.
func signalNames(signals []string) string {
	var names []string
	for _, s := range signals {
		n, _, _ := strings.Cut(s, ":")
		names = append(names, n)
		if len(names) == 4 && len(signals) > 4 {
			names = append(names, fmt.Sprintf("%d more", len(signals)-4))
			break
		}
	}
	return strings.Join(names, ", ")
}

var surveyOpenParticipation = &Check{
	ID:       "survey.open-participation",
	Title:    "Anyone can answer the consultation, as often as they like",
	Severity: Medium,
	Rationale: "A participation form that opens without a login or a per-participant token, and shows no " +
		"captcha, takes answers from anyone, any number of times. Whatever limits repeat answers can " +
		"then only rest on a cookie or on the sender's address, and a script defeats both: it discards " +
		"cookies and changes address through proxies or Tor. One person can cast hundreds of ballots " +
		"(the founding case: 500 scripted answers to a town's school survey), and filtering answers " +
		"\"by IP\" afterwards both fails against that and excludes households sharing an address.",
	Refs: []string{
		"Code des relations entre le public et l'administration, art. L131-1 (fair public consultation)",
		"CNIL, Cahier Innovation et prospective n° 7, « Civic tech, données et Demos » (2019)",
		"LimeSurvey manual: Survey participants (closed-access surveys with tokens)",
	},
	Remediation: "Give each participant a one-time token (LimeSurvey: a survey participants table, which makes " +
		"the survey closed-access; Decidim: verified or invited participants), mailed or printed separately " +
		"from the participant's identity, so that one token makes one answer. Do not rely on cookies or " +
		"IP filters. Where an open form is intended, say so and add a proof-of-work or captcha that " +
		"respects privacy (ALTCHA, Friendly Captcha, mCaptcha) to slow scripts down.",
	Needs: []evidence.Kind{evidence.KindSurvey},
	Run: func(p *Pass) ([]Finding, error) {
		s := p.Evidence.Survey
		if s == nil || len(s.Forms) == 0 {
			return nil, NotEvaluated("no participation form was found on the page")
		}
		var out []Finding
		for _, f := range s.Forms {
			if f.LoginRequired || f.TokenRequired || f.Captcha != "" {
				continue
			}
			refs := []string{f.ID}
			var platform string
			for _, pl := range s.Platforms {
				refs = append(refs, pl.ID)
				if platform == "" {
					platform = pl.Name
				}
			}
			dup := "no duplicate control is visible before answering"
			if f.DuplicateControl == "cookie" {
				dup = "the only duplicate control visible is a cookie (" + cookieSignals(f.Signals) + ")"
			}
			summary := fmt.Sprintf("The participation form at %s opens without a login, without a per-participant "+
				"token and without a captcha or proof-of-work; %s. Anyone can answer, and repeat answers can "+
				"only be stopped by a cookie or by the sender's address, which a script defeats.", f.URL, dup)
			if platform == "LimeSurvey" {
				summary += " LimeSurvey can require a token per participant (survey participants table)."
			}
			out = append(out, Finding{Subject: f.URL, Summary: summary, Evidence: refs})
		}
		return out, nil
	},
}

// cookieSignals returns the cookie names a form's signals cite.
func cookieSignals(signals []string) string {
	var names []string
	for _, s := range signals {
		if _, c, ok := strings.Cut(s, "cookie "); ok && strings.HasPrefix(s, "duplicate control:") {
			names = append(names, c)
		}
	}
	if len(names) == 0 {
		return "name not recorded"
	}
	return strings.Join(names, ", ")
}

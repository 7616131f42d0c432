package checks

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// SurveyChecks are the consultation-integrity checks: which platform runs
// the consultation and whether it is supported, how open its participation
// is, and whether it can be reached through a proxy such as Tor.
var SurveyChecks = []*Check{surveyPlatform, surveyOpenParticipation, accessBlockedViaProxy}

// outdatedPlatformSeverity is the severity a survey.platform finding asks
// for when the platform's version is past its support. The framework
// applies the check's severity to every finding today (see RunChecks), so
// this takes effect only once a finding may raise its own severity.
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
			switch {
			case pl.Outdated:
				summary += fmt.Sprintf(" This version is past its support and no longer receives security fixes (%s).", pl.Support)
				f.Severity = outdatedPlatformSeverity
			case pl.Support != "":
				summary += fmt.Sprintf(" This version is supported (%s).", pl.Support)
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

var accessBlockedViaProxy = &Check{
	ID:       "access.blocked-via-proxy",
	Title:    "The site answers a block or challenge page through the proxy",
	Severity: Low,
	Rationale: "Loaded through the given proxy (for Tor, an exit relay), the site answers a block or " +
		"challenge page where a direct visit works. Citizens who protect their privacy with Tor or a VPN " +
		"are turned away or must solve a challenge run by a third party, which sees their visit; a public " +
		"consultation should be open to all of the public without forcing them to reveal their address.",
	Refs: []string{
		"Code des relations entre le public et l'administration, art. L131-1 (consultation open to the public)",
		"GDPR art. 5(1)(c) and art. 25 (data minimisation, data protection by default)",
		"CNIL, Cahier Innovation et prospective n° 7, « Civic tech, données et Demos » (2019)",
	},
	Remediation: "Let the consultation be reached anonymously: exempt its pages from bot-management and " +
		"country or reputation blocks (a Cloudflare WAF skip rule, an Akamai or DataDome allow rule for " +
		"the consultation's paths), or offer an onion service. Protect the form itself with per-participant " +
		"tokens rather than by refusing anonymous visitors.",
	Needs: []evidence.Kind{evidence.KindProxy},
	Run: func(p *Pass) ([]Finding, error) {
		a := p.Evidence.Access
		if a == nil {
			return nil, NotEvaluated("no load through the proxy was recorded")
		}
		d := a.Direct
		switch {
		case d.Error != "":
			return nil, NotEvaluated("the direct load failed (%s): there is nothing to compare with", d.Error)
		case d.Challenge != "":
			return nil, NotEvaluated("the direct load was itself a %s block or challenge page", d.Challenge)
		case d.Status >= 400:
			return nil, NotEvaluated("the direct load answered HTTP %d", d.Status)
		}
		px := a.Proxied
		if px.Challenge == "" {
			if px.Error != "" {
				return nil, NotEvaluated("the load through the proxy failed (%s); a network failure is not a block page", px.Error)
			}
			return nil, nil
		}
		summary := fmt.Sprintf("Through the proxy %s, the site answered a %s block or challenge page (HTTP %d", a.Proxy, px.Challenge, px.Status)
		if px.Title != "" {
			summary += fmt.Sprintf(", \"%s\"", px.Title)
		}
		summary += fmt.Sprintf("; %s), where the direct load answered HTTP %d", strings.Join(px.Signals, "; "), d.Status)
		if d.Title != "" {
			summary += fmt.Sprintf(" (\"%s\")", d.Title)
		}
		summary += ". Visitors using this route — Tor, a VPN — cannot reach the page without passing the challenge, if at all."
		return []Finding{{Subject: px.Challenge, Summary: summary, Evidence: []string{a.ID}}}, nil
	},
}

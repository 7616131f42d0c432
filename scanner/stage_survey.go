package scanner

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/survey"
)

// Bounds of the survey stage.
const (
	// maxSurveyLinks bounds the survey-looking links followed from a page
	// that is neither a platform nor a form itself.
	maxSurveyLinks = 2
	// maxLinkTokens bounds the HTML tokens read looking for them.
	maxLinkTokens = 200_000
)

// surveyStage recognises the consultation platform and observes the
// participation controls of the initial visit's page, passively: every
// further load — the page without its participant token, an embedded
// form, a survey-looking link — is a GET by the browser in a fresh
// context, its connections labelled "visit/survey/<n>"; nothing is ever
// submitted. When the page is neither a platform nor a form, up to
// maxSurveyLinks first-party links that look like surveys are examined too.
//
// KindSurvey is collected when the page could be analysed; not when the
// initial visit failed or answered a block, challenge or error page
// (recorded under the stage "survey").
func (s *scan) surveyStage(ctx context.Context, pages pageLoader, target evidence.Target, initial *pageOnce) stageResult {
	r := s.newStage()
	page := initial.wait(ctx)
	if page == nil {
		r.skipped = "the target page was not rendered: no survey analysis"
		return r
	}
	l := &surveyPages{pages: pages}
	sv, err := survey.AnalyseObservation(ctx, l, observation(page))
	if sv == nil {
		r.fail("survey", target.URL, err)
		return r
	}
	if err != nil {
		r.fail("survey", target.URL, err)
	}
	if len(sv.Platforms) == 0 && len(sv.Forms) == 0 {
		for _, link := range surveyLinks(page, s.firstParty(target), maxSurveyLinks) {
			if ctx.Err() != nil {
				break
			}
			s.progress("survey", "following "+link)
			obs, err := l.Load(ctx, http.MethodGet, link)
			if err != nil {
				s.progress("survey", err.Error())
				continue
			}
			more, err := survey.AnalyseObservation(ctx, l, obs)
			if err != nil {
				// A guessed link that leads nowhere is not the scan's failure.
				s.progress("survey", err.Error())
			}
			survey.Merge(sv, more)
		}
	}
	r.survey = sv
	r.collected = append(r.collected, evidence.KindSurvey)
	r.note = fmt.Sprintf("%d platform(s), %d form(s)", len(sv.Platforms), len(sv.Forms))
	return r
}

// observation turns a page the browser rendered into a survey observation.
func observation(p *browser.Page) survey.Observation {
	return survey.Observation{
		URL: p.URL, FinalURL: p.FinalURL, Status: p.Status, Headers: p.Headers,
		HTML: p.HTML, Cookies: p.Cookies, Requests: p.Requests,
	}
}

// surveyPages is the survey.Loader of a scan: the browser, in a fresh
// context for every page. A browser navigation is a GET: HEAD is answered
// with a GET's page, and any other method is refused before anything is
// sent.
type surveyPages struct {
	pages pageLoader
	n     int
}

// Load loads url with the browser (GET and HEAD only).
func (l *surveyPages) Load(ctx context.Context, method, url string) (survey.Observation, error) {
	if method != http.MethodGet && method != http.MethodHead {
		return survey.Observation{URL: url}, fmt.Errorf("load %s: %w (asked for %q)", url, survey.ErrMethodNotAllowed, method)
	}
	l.n++
	p, err := l.pages.loadPage(ctx, "visit/survey/"+strconv.Itoa(l.n), url)
	if err != nil {
		return survey.Observation{URL: url}, err
	}
	return observation(p), nil
}

// surveyPath recognises the URL shapes of survey pages: LimeSurvey's
// survey IDs, and the words survey, questionnaire, enquête, sondage as a
// path segment.
var surveyPath = regexp.MustCompile(`(?i)(?:/index\.php/\d{4,8}(?:$|[/?])|/index\.php\?(?:.*&)?(?:sid=\d|r=survey)|/(?:limesurvey|surveys?|questionnaires?|enquetes?|sondages?)(?:$|[/?]))`)

// surveyLinks returns the distinct first-party http(s) links of the page
// whose URL looks like a survey's, at most max, in document order.
func surveyLinks(p *browser.Page, firstParty func(string) bool, max int) []string {
	base, err := url.Parse(p.FinalURL)
	if err != nil || p.FinalURL == "" {
		if base, err = url.Parse(p.URL); err != nil {
			return nil
		}
	}
	seen := map[string]bool{p.URL: true, p.FinalURL: true}
	var out []string
	z := html.NewTokenizer(bytes.NewReader(p.HTML))
	for range maxLinkTokens {
		tt := z.Next()
		if tt == html.ErrorToken || len(out) >= max {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, more := z.TagName()
		if string(name) != "a" && string(name) != "area" {
			continue
		}
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			if string(k) != "href" {
				continue
			}
			u, err := base.Parse(strings.TrimSpace(string(v)))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				break
			}
			u.Fragment = ""
			link := u.String()
			if seen[link] || len(link) > 2048 || !firstParty(strings.ToLower(u.Hostname())) || !surveyPath.MatchString(u.RequestURI()) {
				break
			}
			seen[link] = true
			out = append(out, link)
			break
		}
	}
	return out
}

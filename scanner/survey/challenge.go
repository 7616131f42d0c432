package survey

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// maxChallengeBody bounds the body examined for block and challenge pages
// (they are small; a real page is cut short).
const maxChallengeBody = 256 << 10

// Names of block and challenge answers that Challenge returns besides the
// vendors' (cloudflare, akamai, imperva, datadome, sucuri).
const (
	ChallengeForbidden   = "http-403" // a plain 403 answer, no vendor recognised
	ChallengeRateLimited = "http-429" // a plain 429 answer, no vendor recognised
)

// challengeSignal is one trace of a vendor's block or challenge page.
type challengeSignal struct {
	name   string
	weight int
	// header names a response header; value, when set, must match it.
	header string
	value  *regexp.Regexp
	// cookie matches the names of the cookies the answer sets.
	cookie *regexp.Regexp
	// title matches the page title; body the body with entities decoded.
	title *regexp.Regexp
	body  *regexp.Regexp
}

// challengeVendor lists the signals of one vendor's block or challenge pages.
type challengeVendor struct {
	name    string
	signals []challengeSignal
}

// challengeVendors is the table of block and challenge pages vigie
// recognises. A weight-2 signal appears only on a block or challenge page
// and is enough by itself; weight-1 signals also appear on ordinary pages
// of a protected site and count only on an error status (4xx, 5xx), where
// a vendor's header or cookie on the error is enough; weight 0 is context,
// reported but not counted.
var challengeVendors = []challengeVendor{
	{name: "cloudflare", signals: []challengeSignal{
		{name: "header cf-mitigated", weight: 2, header: "Cf-Mitigated", value: regexp.MustCompile(`(?i)^challenge$`)},
		{name: "title", weight: 2, title: regexp.MustCompile(`(?i)^(?:just a moment\.\.\.|un instant\.\.\.|einen moment(?: bitte)?\.\.\.|attention required! \| cloudflare|access denied \|.*cloudflare.*)$`)},
		{name: "challenge options", weight: 2, body: regexp.MustCompile(`\b_cf_chl_opt\b|\bcf_chl_(?:prog|jschl|captcha)`)},
		{name: "challenge platform orchestration", weight: 2, body: regexp.MustCompile(`/cdn-cgi/challenge-platform/h/[a-z]/orchestrate/`)},
		{name: "Cloudflare error page", weight: 2, body: regexp.MustCompile(`\bcf-error-details\b|\bcf-error-code\b|Checking (?:if the site connection is secure|your browser before accessing)`)},
		{name: "challenge platform", weight: 1, body: regexp.MustCompile(`/cdn-cgi/challenge-platform/`)},
		{name: "server", weight: 0, header: "Server", value: regexp.MustCompile(`(?i)^cloudflare`)},
	}},
	{name: "akamai", signals: []challengeSignal{
		{name: "error reference", weight: 2, body: regexp.MustCompile(`Reference\s*#\s*\d{1,3}\.[0-9a-f]+\.\d+\.[0-9a-f]+|errors\.edgesuite\.net`)},
		{name: "bot manager challenge", weight: 2, body: regexp.MustCompile(`/_sec/cp_challenge/|\bsec-if-cpt-container\b|\bsec-cpt-if\b|\bbm-verify\b`)},
		{name: "access denied text", weight: 1, body: regexp.MustCompile(`You don't have permission to access .{0,300} on this server`)},
		{name: "server", weight: 1, header: "Server", value: regexp.MustCompile(`(?i)^akamai(?:ghost|netstorage)`)},
	}},
	{name: "imperva", signals: []challengeSignal{
		{name: "Incapsula resource", weight: 2, body: regexp.MustCompile(`_Incapsula_Resource`)},
		{name: "incident ID", weight: 2, body: regexp.MustCompile(`(?i)Incapsula incident ID|Request unsuccessful\. Incapsula`)},
		{name: "header X-Iinfo", weight: 1, header: "X-Iinfo"},
		{name: "header X-CDN", weight: 1, header: "X-Cdn", value: regexp.MustCompile(`(?i)incapsula|imperva`)},
		{name: "cookie", weight: 1, cookie: regexp.MustCompile(`^(?:visid_incap_|incap_ses_|nlbi_)`)},
	}},
	{name: "datadome", signals: []challengeSignal{
		{name: "captcha delivery", weight: 2, body: regexp.MustCompile(`captcha-delivery\.com`)},
		{name: "header X-DataDome", weight: 1, header: "X-Datadome"},
		{name: "header X-DataDome-CID", weight: 1, header: "X-Datadome-Cid"},
		{name: "cookie", weight: 1, cookie: regexp.MustCompile(`^datadome$`)},
	}},
	{name: "sucuri", signals: []challengeSignal{
		{name: "header X-Sucuri-Block", weight: 2, header: "X-Sucuri-Block"},
		{name: "firewall page", weight: 2, body: regexp.MustCompile(`(?i)Sucuri WebSite Firewall|cloudproxy@sucuri\.net|sucuri\.net/privacy-policy`)},
		{name: "header X-Sucuri-ID", weight: 1, header: "X-Sucuri-Id"},
		{name: "server", weight: 1, header: "Server", value: regexp.MustCompile(`(?i)^sucuri`)},
	}},
}

// titleRe finds a document's title in raw HTML.
var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// Title returns the title of an HTML document, decoded and collapsed, or "".
func Title(body []byte) string {
	if len(body) > maxChallengeBody {
		body = body[:maxChallengeBody]
	}
	m := titleRe.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return printable(collapse(strings.ReplaceAll(html.UnescapeString(string(m[1])), "\u2026", "...")), maxTitle)
}

// Challenge names the block or challenge page an answer is — cloudflare,
// akamai, imperva, datadome, sucuri, or a plain http-403 / http-429 — with
// the signals that matched; name is "" for an ordinary page. Vendor
// signals that also appear on a protected site's ordinary pages count only
// when the status is an error.
func Challenge(status int, headers http.Header, body []byte) (name string, signals []string) {
	if len(body) > maxChallengeBody {
		body = body[:maxChallengeBody]
	}
	text := html.UnescapeString(string(body))
	title := Title(body)
	var cookies []string
	for _, c := range (&http.Response{Header: headers}).Cookies() {
		cookies = append(cookies, c.Name)
	}
	isError := status >= 400
	best, bestScore := -1, 0
	var bestSignals, context []string
	for i, v := range challengeVendors {
		score, edge := 0, false
		var sigs []string
		for _, s := range v.signals {
			what, ok := s.find(headers, cookies, title, text)
			if !ok {
				continue
			}
			if s.weight == 0 {
				context = append(context, what)
				continue
			}
			if s.weight < 2 && !isError {
				continue
			}
			score += s.weight
			edge = edge || s.header != "" || s.cookie != nil
			sigs = append(sigs, what)
		}
		// An error answered by the vendor's edge (its header or cookie)
		// is the vendor's block.
		if isError && edge {
			score++
		}
		if score >= 2 && score > bestScore {
			best, bestScore, bestSignals = i, score, sigs
		}
	}
	if best >= 0 {
		if isError {
			bestSignals = append(bestSignals, "status "+strconv.Itoa(status))
		}
		return challengeVendors[best].name, bestSignals
	}
	switch status {
	case http.StatusForbidden:
		name = ChallengeForbidden
	case http.StatusTooManyRequests:
		name = ChallengeRateLimited
	default:
		return "", nil
	}
	signals = append([]string{"status " + strconv.Itoa(status)}, context...)
	if ra := headers.Get("Retry-After"); ra != "" {
		signals = append(signals, "header Retry-After: "+printable(ra, 40))
	}
	return name, signals
}

// find reports whether the signal matches, and what matched.
func (s challengeSignal) find(headers http.Header, cookies []string, title, body string) (string, bool) {
	switch {
	case s.header != "":
		vals := headers.Values(s.header)
		for _, v := range vals {
			if s.value == nil || s.value.MatchString(strings.TrimSpace(v)) {
				return s.name + ": " + printable(v, 80), true
			}
		}
	case s.cookie != nil:
		for _, c := range cookies {
			if s.cookie.MatchString(c) {
				return s.name + " " + printable(c, 80), true
			}
		}
	case s.title != nil:
		if title != "" && s.title.MatchString(title) {
			return s.name + ": " + title, true
		}
	case s.body != nil:
		if m := s.body.FindString(body); m != "" {
			return s.name + ": " + printable(m, 80), true
		}
	}
	return "", false
}

package survey

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Duplicate controls a form can show (evidence.Form.DuplicateControl).
const (
	DuplicateToken       = "token"        // one answer per participant token
	DuplicateLogin       = "login"        // one answer per account
	DuplicateCookie      = "cookie"       // a cookie marks the browser that answered
	DuplicateNoneVisible = "none-visible" // nothing visible before answering
)

// Controls describes what stands between a visitor and a participation
// form, as observed in a fresh context without submitting anything: whether
// it needs a login or a per-participant token (LimeSurvey's token, an
// invitation or access code), which captcha or proof-of-work it shows, and
// what duplicate control is visible. Signals lists the observations behind
// each field.
func Controls(obs Observation) evidence.Form {
	f, _ := controls(obs, parsePage(obs.HTML))
	return f
}

// controls returns the form's controls and whether the page shows a
// participation form (or a gate in front of one) at all.
func controls(obs Observation, p *page) (evidence.Form, bool) {
	f := evidence.Form{URL: redactToken(pageURL(obs))}
	add := func(s string) { f.Signals = append(f.Signals, printable(s, 160)) }

	for _, s := range loginSignals(obs, p) {
		f.LoginRequired = true
		add("login: " + s)
	}
	for _, s := range tokenSignals(obs, p) {
		f.TokenRequired = true
		add("token: " + s)
	}
	if s := tokenInURL(pageURL(obs)); s != "" {
		add("the URL carries a participant token parameter (" + s + ")")
	}
	var names []string
	for _, c := range captchas {
		if s, ok := c.find(obs, p); ok {
			names = append(names, c.name)
			add("captcha: " + c.name + ": " + s)
		}
	}
	if len(names) == 0 {
		for _, in := range p.allInputs() {
			if strings.Contains(strings.ToLower(in.name), "captcha") {
				names = append(names, "captcha (unidentified)")
				add("captcha: field " + in.name)
				break
			}
		}
	}
	f.Captcha = strings.Join(names, ", ")

	var cookies []string
	for _, c := range obs.Cookies {
		if completionCookie.MatchString(c.Name) {
			cookies = append(cookies, c.Name)
		}
	}
	switch {
	case f.TokenRequired:
		f.DuplicateControl = DuplicateToken
	case f.LoginRequired:
		f.DuplicateControl = DuplicateLogin
	case len(cookies) > 0:
		f.DuplicateControl = DuplicateCookie
	default:
		f.DuplicateControl = DuplicateNoneVisible
	}
	for _, c := range cookies {
		add("duplicate control: cookie " + c)
	}

	present, why := participationForm(obs, p)
	if f.LoginRequired || f.TokenRequired || f.Captcha != "" {
		present = true
	}
	if why != "" {
		add("form: " + why)
	}
	return f, present
}

// completionCookie is the cookie LimeSurvey sets when "use cookies to
// prevent repeated participation" is on.
var completionCookie = regexp.MustCompile(`^LS_\d+_STATUS$`)

// signInPath matches sign-in URLs: where a load that ends there was sent to log in.
var signInPath = regexp.MustCompile(`(?i)/(?:users/sign_in|log-?in|sign-?in|connexion|se-connecter|user/login|account/login|auth/login|session/new|authentification)(?:[/?#.]|$)`)

// signInHosts are identity providers' sign-in hosts.
var signInHosts = []string{"accounts.google.com", "login.microsoftonline.com", "login.live.com", "login.microsoft.com"}

// loginSignals lists why the page looks like it needs an account.
func loginSignals(obs Observation, p *page) []string {
	var out []string
	if obs.Status == http.StatusUnauthorized {
		out = append(out, "HTTP 401")
	}
	final := pageURL(obs)
	if h := hostOf(final); slices.Contains(signInHosts, h) {
		out = append(out, "the load ended at the sign-in host "+h)
	} else if u, err := url.Parse(final); err == nil && signInPath.MatchString(u.Path) {
		out = append(out, "the load ended at the sign-in page "+redactToken(u.Path))
	}
	for _, fm := range p.forms {
		for _, in := range fm.inputs {
			if in.typ == "password" && !isTokenName(in.name) && !isTokenName(in.id) {
				out = append(out, "password field "+in.name)
				return out
			}
		}
	}
	for _, in := range p.loose {
		if in.typ == "password" && !isTokenName(in.name) && !isTokenName(in.id) {
			return append(out, "password field "+in.name)
		}
	}
	return out
}

// tokenName matches the names of per-participant token or code fields.
var tokenName = regexp.MustCompile(`(?i)^(?:token|access_?code|invitation_?code|invite_?code|code_?(?:d_?)?(?:acces|access|invitation|participation)|participation_?code|participant_?code|accesscode)$`)

func isTokenName(s string) bool { return tokenName.MatchString(s) }

// tokenPhrases are the messages of a token gate, as LimeSurvey words them
// across versions (English and French) and as invitation-code pages do.
var tokenPhrases = regexp.MustCompile(`this is a controlled survey|you need a valid (?:token|access code)|to participate in this restricted survey|if you have been issued (?:a token|an access code)|questionnaire (?:est )?(?:contrôlé|restreint|à accès restreint)|(?:questionnaire|enquête) (?:contrôlée? )?par invitation|code d'(?:accès|invitation) (?:valide|requis)|vous devez disposer d'un code|besoin d'un code d'(?:accès|invitation)`)

// tokenSignals lists why the page asks for a per-participant token.
func tokenSignals(obs Observation, p *page) []string {
	var out []string
	for _, in := range p.allInputs() {
		if in.tag != "input" || in.typ == "hidden" || in.typ == "submit" {
			continue
		}
		if isTokenName(in.name) || isTokenName(in.id) {
			out = append(out, "field "+firstNonEmpty(in.name, in.id))
			break
		}
	}
	for _, m := range []string{"form-id=form-token", "form-id=tokenform", "id=tokenmessage"} {
		if p.markers[m] {
			out = append(out, "element "+m)
		}
	}
	// The gate's message counts on a LimeSurvey page or next to a token
	// field: an article quoting it is no gate.
	if len(out) > 0 || limeSurveyPage(p) {
		if m := tokenPhrases.FindString(p.text); m != "" {
			out = append(out, "text \""+m+"\"")
		}
	}
	return out
}

// limeSurveyPage reports whether the page's own markup is LimeSurvey's.
func limeSurveyPage(p *page) bool {
	if p.markers["form-name=limesurvey"] || p.markers["form-id=limesurvey"] {
		return true
	}
	for _, g := range p.generators {
		if strings.HasPrefix(strings.ToLower(g), "limesurvey") {
			return true
		}
	}
	return false
}

// tokenParams are URL parameters that carry a participant's token or code.
var tokenParams = []string{"token", "access_code", "accesscode", "invitation", "invitation_code"}

// tokenInURL returns the name of the first token parameter in a URL, or "".
func tokenInURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q := u.Query()
	for _, k := range tokenParams {
		if q.Get(k) != "" {
			return k
		}
	}
	// LimeSurvey's path form: /index.php/123456/token/abc
	if i := strings.Index(u.Path, "/token/"); i >= 0 && len(u.Path) > i+len("/token/") {
		return "token"
	}
	return ""
}

// redactedValue replaces a participant's token in the URLs vigie records.
const redactedValue = "REDACTED"

// redactToken returns raw with the values of its token parameters (and
// LimeSurvey's /token/<value> path segment) replaced: a participant's
// token is personal and is not needed as evidence.
func redactToken(raw string) string {
	if tokenInURL(raw) == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for _, k := range tokenParams {
		if q.Has(k) {
			q.Set(k, redactedValue)
		}
	}
	u.RawQuery = q.Encode()
	if i := strings.Index(u.Path, "/token/"); i >= 0 {
		rest := u.Path[i+len("/token/"):]
		tail := ""
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			tail = rest[j:]
		}
		u.Path = u.Path[:i] + "/token/" + redactedValue + tail
		u.RawPath = ""
	}
	return u.String()
}

// withoutToken returns raw without its token parameters, and whether it had any.
func withoutToken(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, false
	}
	changed := false
	q := u.Query()
	for _, k := range tokenParams {
		if q.Has(k) {
			q.Del(k)
			changed = true
		}
	}
	if i := strings.Index(u.Path, "/token/"); i >= 0 {
		rest := u.Path[i+len("/token/"):]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			u.Path = u.Path[:i]
		} else {
			u.Path = u.Path[:i] + rest[j:]
		}
		u.RawPath = ""
		changed = true
	}
	if !changed {
		return raw, false
	}
	u.RawQuery = q.Encode()
	return u.String(), true
}

// captcha recognises one captcha or proof-of-work.
type captcha struct {
	name string
	// refs matches the URLs the page loads; markers lists element markers.
	refs    *regexp.Regexp
	markers []string
	// raw matches the raw HTML, scripts included (nil for none).
	raw *regexp.Regexp
}

// captchas is the table of captchas and proofs of work vigie recognises.
var captchas = []captcha{
	{name: "reCAPTCHA", refs: regexp.MustCompile(`(?i)//(?:www\.)?(?:google\.com|recaptcha\.net|gstatic\.com)/recaptcha/`),
		markers: []string{"class=g-recaptcha"}, raw: regexp.MustCompile(`\bgrecaptcha\.(?:render|execute|ready)\b`)},
	{name: "hCaptcha", refs: regexp.MustCompile(`(?i)//(?:js\.|[a-z0-9-]+\.)?hcaptcha\.com/`),
		markers: []string{"class=h-captcha"}},
	{name: "Cloudflare Turnstile", refs: regexp.MustCompile(`(?i)//challenges\.cloudflare\.com/turnstile/`),
		markers: []string{"class=cf-turnstile"}},
	{name: "Friendly Captcha", refs: regexp.MustCompile(`(?i)friendly-?captcha|friendly-challenge|//[^/]*frcapi\.com/`),
		markers: []string{"class=frc-captcha", "tag=frc-widget"}},
	{name: "ALTCHA", refs: regexp.MustCompile(`(?i)(?:^|[/@.])altcha(?:[./@-]|$)`),
		markers: []string{"tag=altcha-widget"}},
	{name: "mCaptcha", refs: regexp.MustCompile(`(?i)(?:^|[/@.])mcaptcha(?:[./@-]|$)`),
		markers: []string{"tag=mcaptcha-widget", "class=mcaptcha__widget-container"}},
	{name: "LimeSurvey captcha", refs: regexp.MustCompile(`/verification/image\b|[?&]r=verification/image\b`),
		markers: []string{"form-id=form-captcha"}},
}

// find returns what shows the captcha on the page, if anything.
func (c captcha) find(obs Observation, p *page) (string, bool) {
	for _, m := range c.markers {
		if p.markers[m] {
			return "element " + m, true
		}
	}
	for _, r := range p.refs {
		if c.refs.MatchString(r) {
			return "loads " + r, true
		}
	}
	for i, r := range obs.Requests {
		if i >= maxRequests {
			break
		}
		if c.refs.MatchString(r) {
			return "requested " + redactToken(r), true
		}
	}
	if c.raw != nil {
		raw := p.raw
		if len(raw) > maxRawMatch {
			raw = raw[:maxRawMatch]
		}
		if m := c.raw.Find(raw); m != nil {
			return "script " + string(m), true
		}
	}
	return "", false
}

// participationForm reports whether the page shows a participation form,
// and why: a known survey form, or a form with answer fields that is not a
// search, login or newsletter form.
func participationForm(obs Observation, p *page) (bool, string) {
	for _, m := range []string{"form-id=limesurvey", "form-name=limesurvey"} {
		if p.markers[m] {
			return true, "LimeSurvey survey form (" + m + ")"
		}
	}
	if strings.Contains(string(clipBytes(p.raw, maxRawMatch)), "FB_PUBLIC_LOAD_DATA_") {
		return true, "Google Forms form data"
	}
	for i, fm := range p.forms {
		if fm.role == "search" {
			continue
		}
		n, kinds := answerFields(fm.inputs)
		if n == 0 || contactForm(fm.inputs, kinds) {
			continue
		}
		label := fm.id
		if label == "" {
			label = fm.name
		}
		if label == "" {
			label = "#" + strconv.Itoa(i+1)
		}
		return true, "form " + label + " with " + strconv.Itoa(n) + " answer field(s) (" + strings.Join(kinds, ", ") + ")"
	}
	if n, kinds := answerFields(p.loose); n >= 2 {
		return true, strconv.Itoa(n) + " answer fields outside a form element (" + strings.Join(kinds, ", ") + ")"
	}
	return false, ""
}

// contactForm reports whether a form asks for an e-mail address and takes
// free text only (a message, a name): a contact or feedback form, which
// answers nothing of a consultation. A captcha or a token still makes it
// count (controls).
func contactForm(inputs []input, kinds []string) bool {
	for _, k := range kinds {
		if k != "text" && k != "textarea" {
			return false
		}
	}
	return slices.ContainsFunc(inputs, func(in input) bool {
		return in.tag == "input" && (in.typ == "email" || strings.EqualFold(in.name, "email") || strings.EqualFold(in.name, "e-mail") || strings.EqualFold(in.name, "courriel"))
	})
}

// answerFields counts the fields of a form that take an answer, leaving out
// search, login, token, e-mail-only and hidden fields.
func answerFields(inputs []input) (int, []string) {
	n := 0
	seen := map[string]bool{}
	var kinds []string
	for _, in := range inputs {
		kind := ""
		switch in.tag {
		case "textarea", "select":
			kind = in.tag
		case "input":
			switch in.typ {
			case "radio", "checkbox", "range", "number", "date":
				kind = in.typ
			case "text":
				name := strings.ToLower(in.name)
				if name == "q" || name == "query" || name == "search" || strings.Contains(name, "search") ||
					strings.Contains(name, "recherche") || isTokenName(in.name) || strings.Contains(name, "captcha") ||
					strings.Contains(name, "user") || strings.Contains(name, "login") {
					continue
				}
				kind = "text"
			}
		}
		if kind == "" {
			continue
		}
		n++
		if !seen[kind] {
			seen[kind] = true
			kinds = append(kinds, kind)
		}
	}
	return n, kinds
}

func clipBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

package survey

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

func TestControls(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		url      string
		final    string
		status   int
		cookies  []evidence.Cookie
		requests []string
		// want
		present bool
		login   bool
		token   bool
		captcha string // "" for none; else each comma-separated name must appear
		dup     string
		signal  string // a substring one of the signals must contain
	}{
		{name: "open LimeSurvey survey", file: labLimeSurveyOpen, url: "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr",
			present: true, dup: DuplicateNoneVisible, signal: "LimeSurvey survey form"},
		{name: "open LimeSurvey survey with its completion cookie", file: "limesurvey-completed-cookie.html",
			url: "https://s.example.fr/index.php/456789?lang=fr", cookies: cookies("LS-ABCDEFGHIJKLMNOP", "LS_456789_STATUS"),
			present: true, dup: DuplicateCookie, signal: "cookie LS_456789_STATUS"},
		{name: "LimeSurvey token gate (French, 6.x)", file: labLimeSurveyToken, url: "https://enquetes.ville-exemple.fr/index.php/234567?lang=fr",
			present: true, token: true, dup: DuplicateToken, signal: "token: field token"},
		{name: "LimeSurvey token gate (English, 3.x)", file: "limesurvey3-token-en.html", url: "https://survey.example.org/index.php/survey/index/sid/876543",
			present: true, token: true, dup: DuplicateToken, signal: `text "this is a controlled survey"`},
		{name: "LimeSurvey captcha gate", file: labLimeSurveyCaptcha, url: "https://enquetes.ville-exemple.fr/index.php/345678?lang=fr",
			present: true, captcha: "LimeSurvey captcha", dup: DuplicateNoneVisible, signal: "element form-id=form-captcha"},
		{name: "LimeSurvey captcha image seen in the requests only", file: "limesurvey-completed-cookie.html", url: "https://s.example.fr/index.php/456789",
			requests: []string{"https://s.example.fr/index.php/verification/image/sid/456789"},
			present:  true, captcha: "LimeSurvey captcha", dup: DuplicateNoneVisible, signal: "requested https://s.example.fr/index.php/verification/image"},
		{name: "form with four captcha widgets", file: "widgets-captchas.html", url: "https://vote.example.fr/",
			present: true, captcha: "reCAPTCHA, Cloudflare Turnstile, Friendly Captcha, ALTCHA", dup: DuplicateNoneVisible, signal: "form #1 with 2 answer field(s) (radio)"},
		{name: "contact form with hCaptcha", file: "contact-form.html", url: "https://www.mairie-exemple.fr/contact",
			present: true, captcha: "hCaptcha", dup: DuplicateNoneVisible},
		{name: "login form", file: labLogin, url: "https://participez.example.fr/users/sign_in",
			present: true, login: true, dup: DuplicateLogin, signal: "password field user[password]"},
		{name: "redirected to Google sign-in", file: "newsletter.html", url: "https://docs.google.com/forms/d/e/x/viewform",
			final: "https://accounts.google.com/v3/signin/identifier?continue=x", present: true, login: true, dup: DuplicateLogin,
			signal: "sign-in host accounts.google.com"},
		{name: "redirected to Decidim's sign-in page", file: labDecidim, url: "https://concertation.ville-exemple.fr/processes/budget-2026/f/12/",
			final: "https://concertation.ville-exemple.fr/users/sign_in", present: true, login: true, dup: DuplicateLogin, signal: "/users/sign_in"},
		{name: "HTTP 401", file: "newsletter.html", url: "https://intranet.example.fr/sondage", status: 401,
			present: true, login: true, dup: DuplicateLogin, signal: "HTTP 401"},
		{name: "Google Forms form, open", file: "googleforms.html", url: "https://docs.google.com/forms/d/e/1FAIpQLSdLabExampleForm/viewform",
			present: true, dup: DuplicateNoneVisible, signal: "Google Forms form data"},
		{name: "Yakforms webform", file: "yakforms.html", url: "https://forms.exemple.org/sondage-fete-de-quartier-1234",
			present: true, dup: DuplicateNoneVisible, signal: "webform-client-form-1234 with 2 answer field(s)"},
		{name: "Enketo form", file: "kobo-enketo.html", url: "https://ee.kobotoolbox.org/x/aLabExample",
			present: true, dup: DuplicateNoneVisible},
		{name: "the URL carries a token that the page accepted", file: labLimeSurveyOpen,
			url:     "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr&token=abc123",
			present: true, dup: DuplicateNoneVisible, signal: "participant token parameter (token)"},

		// Negatives, side by side.
		{name: "newsletter and search forms are no participation form", file: "newsletter.html", url: "https://www.mairie-exemple.fr/",
			dup: DuplicateNoneVisible},
		{name: "a contact form without captcha is no participation form", file: "contact-form-plain.html", url: "http://vieux.ville-exemple.fr/",
			dup: DuplicateNoneVisible},
		{name: "an article quoting LimeSurvey's token message is no gate", file: "prose-platforms.html", url: "https://blog.example.org/x",
			dup: DuplicateNoneVisible},
		{name: "Decidim page asking to sign in by a link only shows no form", file: labDecidim,
			url: "https://concertation.ville-exemple.fr/processes/budget-2026", dup: DuplicateNoneVisible},
		{name: "a page with an embed shows no form of its own", file: "typeform-embed.html", url: "https://www.example.fr/mobilites",
			dup: DuplicateNoneVisible},
		{name: "empty page", url: "https://x.example/", dup: DuplicateNoneVisible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc []byte
			if tt.file != "" {
				doc = fixture(t, tt.file)
			}
			status := tt.status
			if status == 0 {
				status = 200
			}
			final := tt.final
			if final == "" {
				final = tt.url
			}
			obs := Observation{URL: tt.url, FinalURL: final, Status: status, HTML: doc, Cookies: tt.cookies, Requests: tt.requests}
			f, present := controls(obs, parsePage(doc))
			if present != tt.present || f.LoginRequired != tt.login || f.TokenRequired != tt.token || f.DuplicateControl != tt.dup {
				t.Errorf("present %v login %v token %v dup %q, want %v %v %v %q; signals %q",
					present, f.LoginRequired, f.TokenRequired, f.DuplicateControl, tt.present, tt.login, tt.token, tt.dup, f.Signals)
			}
			if tt.captcha == "" && f.Captcha != "" {
				t.Errorf("captcha %q, want none", f.Captcha)
			}
			for _, c := range strings.Split(tt.captcha, ", ") {
				if c != "" && !strings.Contains(f.Captcha, c) {
					t.Errorf("captcha %q lacks %q", f.Captcha, c)
				}
			}
			if tt.signal != "" && !slices.ContainsFunc(f.Signals, func(s string) bool { return strings.Contains(s, tt.signal) }) {
				t.Errorf("signals %q lack %q", f.Signals, tt.signal)
			}
			if f.URL != redactToken(final) {
				t.Errorf("URL %q, want %q", f.URL, redactToken(final))
			}
			if pub := Controls(obs); pub.LoginRequired != f.LoginRequired || pub.TokenRequired != f.TokenRequired || pub.Captcha != f.Captcha {
				t.Errorf("Controls %+v differs from controls %+v", pub, f)
			}
		})
	}
}

func TestWithoutToken(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"https://s.example/index.php/123456?lang=fr&token=abc", "https://s.example/index.php/123456?lang=fr", true},
		{"https://s.example/index.php/123456/token/abc/lang/fr", "https://s.example/index.php/123456/lang/fr", true},
		{"https://s.example/index.php/123456/token/abc", "https://s.example/index.php/123456", true},
		{"https://s.example/index.php?r=survey/index&sid=1&access_code=X", "https://s.example/index.php?r=survey%2Findex&sid=1", true},
		{"https://s.example/index.php/123456?lang=fr", "https://s.example/index.php/123456?lang=fr", false},
		{"https://s.example/?code=oauth", "https://s.example/?code=oauth", false},
	}
	for _, tt := range tests {
		got, changed := withoutToken(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("withoutToken(%q) = %q %v, want %q %v", tt.in, got, changed, tt.want, tt.changed)
		}
		if (tokenInURL(tt.in) != "") != tt.changed {
			t.Errorf("tokenInURL(%q) = %q", tt.in, tokenInURL(tt.in))
		}
	}
}

func TestTokensAreRedacted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://s.example/index.php/123456?lang=fr&token=abc123", "https://s.example/index.php/123456?lang=fr&token=REDACTED"},
		{"https://s.example/index.php/123456/token/abc123/lang/fr", "https://s.example/index.php/123456/token/REDACTED/lang/fr"},
		{"https://s.example/index.php/123456?lang=fr", "https://s.example/index.php/123456?lang=fr"},
	}
	for _, tt := range tests {
		if got := redactToken(tt.in); got != tt.want {
			t.Errorf("redactToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	doc := fixture(t, labLimeSurveyOpen)
	u := "https://enquetes.example.com/index.php/123456?lang=fr&token=secret42"
	obs := Observation{URL: u, FinalURL: u, Status: 200, HTML: doc, Requests: []string{u}}
	f := Controls(obs)
	ps := Recognise(obs)
	all := append([]string{f.URL, ps[0].URL}, append(f.Signals, ps[0].Signals...)...)
	for _, s := range all {
		if strings.Contains(s, "secret42") {
			t.Errorf("the participant's token leaks into %q", s)
		}
	}
}

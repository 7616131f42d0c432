package survey

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestChallenge(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		headers http.Header
		file    string
		want    string
		signal  string // a substring one of the signals must contain
	}{
		{name: "Cloudflare managed challenge", status: 403,
			headers: hdr("Cf-Mitigated", "challenge", "Server", "cloudflare", "Cf-Ray", "0000-CDG"),
			file:    "lab/challenge-cloudflare.html", want: "cloudflare", signal: "header cf-mitigated: challenge"},
		{name: "Cloudflare challenge page without its header (older, 503)", status: 503, headers: hdr("Server", "cloudflare"),
			file: "lab/challenge-cloudflare.html", want: "cloudflare", signal: "title: Just a moment..."},
		{name: "Cloudflare challenge answered 200 by a misconfigured relay", status: 200, headers: hdr(),
			file: "lab/challenge-cloudflare.html", want: "cloudflare", signal: "challenge options: _cf_chl_opt"},
		{name: "Cloudflare block page (1020)", status: 403, headers: hdr("Server", "cloudflare"),
			file: "challenge-cloudflare-block.html", want: "cloudflare", signal: "Attention Required! | Cloudflare"},
		{name: "Akamai access denied", status: 403, headers: hdr("Server", "AkamaiGHost"),
			file: "challenge-akamai.html", want: "akamai", signal: "error reference"},
		{name: "Akamai by server header and status only", status: 403, headers: hdr("Server", "AkamaiGHost"),
			file: "forbidden-nginx.html", want: "akamai", signal: "server: AkamaiGHost"},
		{name: "Imperva / Incapsula", status: 200, headers: hdr("X-Iinfo", "12-3456-0 0NNN RT(1 0) q(0 -1 -1 -1) r(0 -1)", "X-Cdn", "Imperva"),
			file: "challenge-imperva.html", want: "imperva", signal: "Incapsula resource"},
		{name: "DataDome captcha", status: 403, headers: hdr("X-Datadome", "protected", "Set-Cookie", "datadome=abc; Path=/"),
			file: "challenge-datadome.html", want: "datadome", signal: "captcha delivery"},
		{name: "DataDome by header on a 403", status: 403, headers: hdr("X-Datadome", "protected"),
			file: "forbidden-nginx.html", want: "datadome", signal: "header X-DataDome"},
		{name: "Sucuri firewall", status: 403, headers: hdr("Server", "Sucuri/Cloudproxy", "X-Sucuri-Id", "11005", "X-Sucuri-Block", "BNP005"),
			file: "challenge-sucuri.html", want: "sucuri", signal: "header X-Sucuri-Block"},
		{name: "plain 403", status: 403, headers: hdr("Server", "nginx"), file: "forbidden-nginx.html",
			want: ChallengeForbidden, signal: "status 403"},
		{name: "plain 403 behind Cloudflare is not called Cloudflare's", status: 403, headers: hdr("Server", "cloudflare"),
			file: "forbidden-nginx.html", want: ChallengeForbidden, signal: "server: cloudflare"},
		{name: "plain 429", status: 429, headers: hdr("Retry-After", "120"), file: "",
			want: ChallengeRateLimited, signal: "Retry-After: 120"},

		// Negatives, side by side.
		{name: "ordinary page behind Cloudflare (JS detections script)", status: 200, headers: hdr("Server", "cloudflare", "Cf-Ray", "0000-CDG"),
			file: "normal-behind-cloudflare.html"},
		{name: "ordinary page of a DataDome-protected site", status: 200, headers: hdr("X-Datadome", "protected", "Set-Cookie", "datadome=abc"),
			file: labLimeSurveyOpen},
		{name: "ordinary page of an Imperva-protected site", status: 200, headers: hdr("X-Iinfo", "1-2-3", "Set-Cookie", "visid_incap_1=x"),
			file: labLimeSurveyOpen},
		{name: "a survey protected by Turnstile is not a challenge page", status: 200, headers: hdr("Server", "cloudflare"),
			file: "widgets-captchas.html"},
		{name: "login required is not a block", status: 401, headers: hdr("Www-Authenticate", "Basic"), file: labLogin},
		{name: "not found is not a block", status: 404, headers: hdr(), file: "forbidden-nginx.html"},
		{name: "an article about Cloudflare's challenge", status: 200, headers: hdr(), file: "prose-platforms.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.file != "" {
				body = fixture(t, tt.file)
			}
			name, signals := Challenge(tt.status, tt.headers, body)
			if name != tt.want {
				t.Fatalf("Challenge = %q %q, want %q", name, signals, tt.want)
			}
			if tt.want == "" && len(signals) != 0 {
				t.Errorf("signals %q for an ordinary page", signals)
			}
			if tt.signal != "" && !slices.ContainsFunc(signals, func(s string) bool { return strings.Contains(s, tt.signal) }) {
				t.Errorf("signals %q lack %q", signals, tt.signal)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<html><head><title>Just a moment...</title>", "Just a moment..."},
		{"<TITLE>\n  Access\n Denied </TITLE>", "Access Denied"},
		{"<title>Un instant\u2026</title>", "Un instant..."},
		{"<title>A &amp; B</title>", "A & B"},
		{"<title>unterminated", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Title([]byte(tt.in)); got != tt.want {
			t.Errorf("Title(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

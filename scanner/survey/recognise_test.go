package survey

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// The fixtures that are the lab's own survey pages: fixture reads a name
// "lab:<host>/<file>" from the lab (scantest.Page(host, file)), where
// scanner/scantest serves it at the host and path testdata/lab's README gives.
const (
	labLimeSurveyOpen    = "lab:" + scantest.HostSurveys + "/limesurvey-open.html"
	labLimeSurveyToken   = "lab:" + scantest.HostSurveys + "/limesurvey-token.html"
	labLimeSurveyCaptcha = "lab:" + scantest.HostSurveys + "/limesurvey-captcha.html"
	labDecidim           = "lab:" + scantest.HostDecidim + "/decidim.html"
	labLogin             = "lab:" + scantest.HostDecidim + "/users/sign_in.html"
)

// labFixtures lists the lab's pages among the fixtures.
var labFixtures = []string{labLimeSurveyOpen, labLimeSurveyToken, labLimeSurveyCaptcha, labDecidim, labLogin}

// fixture reads a file under testdata, or one of the lab's pages
// (labFixtures).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	var b []byte
	var err error
	if lab, ok := strings.CutPrefix(name, "lab:"); ok {
		host, file, _ := strings.Cut(lab, "/")
		b, err = scantest.Page(host, file)
	} else {
		b, err = os.ReadFile(filepath.Join("testdata", name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cookies(names ...string) []evidence.Cookie {
	var cs []evidence.Cookie
	for _, n := range names {
		cs = append(cs, evidence.Cookie{Name: n})
	}
	return cs
}

func TestRecognise(t *testing.T) {
	type want struct {
		id      string
		version string
		signal  string // a signal name that must be among the signals
	}
	tests := []struct {
		name     string
		file     string
		url      string
		cookies  []evidence.Cookie
		requests []string
		want     []want
	}{
		{name: "LimeSurvey 3.x open survey, version in a comment", file: labLimeSurveyOpen,
			url: "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr", cookies: cookies("LS-ZNIDJBOXUNKXWTIP", "YII_CSRF_TOKEN"),
			want: []want{{id: "survey/platform/limesurvey", version: "3.28.64+230705", signal: "generator meta"}}},
		{name: "LimeSurvey 6 token page, no version exposed", file: labLimeSurveyToken,
			url:  "https://enquetes.ville-exemple.fr/index.php/234567?lang=fr",
			want: []want{{id: "survey/platform/limesurvey", version: "", signal: "survey form"}}},
		{name: "LimeSurvey captcha page", file: labLimeSurveyCaptcha,
			url:  "https://enquetes.ville-exemple.fr/index.php/345678?lang=fr",
			want: []want{{id: "survey/platform/limesurvey", signal: "captcha image"}}},
		{name: "LimeSurvey 2.x markup gives the 2.x line", file: "limesurvey2-open.html",
			url:  "https://sondages.example.fr/index.php/survey/index/sid/514263",
			want: []want{{id: "survey/platform/limesurvey", version: "2.x", signal: "2.x expression script"}}},
		{name: "LimeSurvey 3 English token page", file: "limesurvey3-token-en.html",
			url:  "https://survey.example.org/index.php/survey/index/sid/876543",
			want: []want{{id: "survey/platform/limesurvey", signal: "token or captcha form"}}},
		{name: "LimeSurvey by cookie and route only", file: "newsletter.html",
			url: "https://x.example/index.php?r=survey/index&sid=123456", cookies: cookies("LS-ABCDEFGHIJKLMNOP"),
			want: []want{{id: "survey/platform/limesurvey", signal: "session cookie"}}},
		{name: "Decidim 0.27", file: labDecidim,
			url:  "https://concertation.ville-exemple.fr/processes/budget-2026",
			want: []want{{id: "survey/platform/decidim", version: "0.27.6", signal: "packs"}}},
		{name: "Decidim 0.31", file: "decidim-supported.html",
			url:  "https://decidim.example.org/",
			want: []want{{id: "survey/platform/decidim", version: "0.31.2", signal: "generator meta"}}},
		{name: "Decidim without a version", file: "decidim-noversion.html",
			url: "https://decidim.example.cat/processes", cookies: cookies("_decidim_session"),
			want: []want{{id: "survey/platform/decidim", signal: "decidim cookie"}}},
		{name: "Cap Collectif", file: "capcollectif.html", url: "https://projet.agglo-exemple.fr/",
			want: []want{{id: "survey/platform/cap-collectif", signal: "Cap Collectif script"}}},
		{name: "Fluicity by host", file: "fluicity.html", url: "https://ville-exemple.flui.city/",
			want: []want{{id: "survey/platform/fluicity", signal: "host"}}},
		{name: "Make.org widget", file: "makeorg.html", url: "https://www.region-exemple.fr/consultation",
			want: []want{{id: "survey/platform/make-org", signal: "widget or API host"}}},
		{name: "Go Vocal by cookie and asset host", file: "govocal.html", url: "https://participez.commune.be/fr-BE/",
			cookies: cookies("cl2_consent"),
			want:    []want{{id: "survey/platform/go-vocal", signal: "cl2 cookie"}}},
		{name: "Id City", file: "idcity.html", url: "https://mavilleetmoi.example.fr/",
			want: []want{{id: "survey/platform/id-city", signal: "asset or API host"}}},
		{name: "Yakforms", file: "yakforms.html", url: "https://forms.exemple.org/sondage-fete-de-quartier-1234",
			want: []want{{id: "survey/platform/framasoft", signal: "module or profile asset"}}},
		{name: "Google Forms embedded", file: "googleforms-embed.html", url: "https://www.mairie-exemple.fr/piscine",
			want: []want{{id: "survey/platform/google-forms", signal: "embedded form"}}},
		{name: "Google Forms page", file: "googleforms.html", url: "https://docs.google.com/forms/d/e/1FAIpQLSdLabExampleForm/viewform",
			want: []want{{id: "survey/platform/google-forms", signal: "form data"}}},
		{name: "Microsoft Forms embedded", file: "msforms-embed.html", url: "https://intranet.example.fr/enquete",
			want: []want{{id: "survey/platform/microsoft-forms", signal: "embedded form"}}},
		{name: "Typeform embedded", file: "typeform-embed.html", url: "https://www.example.fr/mobilites",
			want: []want{{id: "survey/platform/typeform", signal: "embed attribute"}}},
		{name: "Tally embedded", file: "tally-embed.html", url: "https://www.example.fr/idees",
			want: []want{{id: "survey/platform/tally", signal: "embed attribute"}}},
		{name: "SurveyMonkey embedded", file: "surveymonkey-embed.html", url: "https://www.example.fr/satisfaction",
			want: []want{{id: "survey/platform/surveymonkey", signal: "embedded survey or widget"}}},
		{name: "KoboToolbox Enketo form", file: "kobo-enketo.html", url: "https://ee.kobotoolbox.org/x/aLabExample",
			want: []want{{id: "survey/platform/kobotoolbox", signal: "Enketo script"}}},
		{name: "Typeform seen only in the browser's requests", file: "newsletter.html", url: "https://www.example.fr/",
			requests: []string{"https://www.example.fr/", "https://embed.typeform.com/next/embed.js"},
			want:     []want{{id: "survey/platform/typeform", signal: "embedded form or embed script"}}},

		// Negatives, side by side.
		{name: "a page naming every platform in prose and links runs none", file: "prose-platforms.html",
			url: "https://blog.example.org/outils-consultation"},
		{name: "a contact form is no platform", file: "contact-form.html", url: "https://www.mairie-exemple.fr/contact"},
		{name: "a login page is no platform", file: labLogin, url: "https://participez.example.fr/users/sign_in"},
		{name: "Cloudflare challenge page", file: "lab/challenge-cloudflare.html", url: "https://enquetes.ville-exemple.fr/"},
		{name: "an ordinary page behind Cloudflare", file: "normal-behind-cloudflare.html", url: "https://x.example/"},
		{name: "an empty page", file: "", url: "https://x.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc []byte
			if tt.file != "" {
				doc = fixture(t, tt.file)
			}
			got := Recognise(Observation{URL: tt.url, FinalURL: tt.url, Status: 200, HTML: doc, Cookies: tt.cookies, Requests: tt.requests})
			var ids []string
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			var wantIDs []string
			for _, w := range tt.want {
				wantIDs = append(wantIDs, w.id)
			}
			if !slices.Equal(ids, wantIDs) {
				t.Fatalf("platforms %v, want %v; got %+v", ids, wantIDs, got)
			}
			for i, w := range tt.want {
				p := got[i]
				if p.Version != w.version {
					t.Errorf("%s: version %q, want %q", p.ID, p.Version, w.version)
				}
				if !slices.ContainsFunc(p.Signals, func(s string) bool { return strings.HasPrefix(s, w.signal+":") }) {
					t.Errorf("%s: signals %q lack %q", p.ID, p.Signals, w.signal)
				}
				if p.URL != tt.url {
					t.Errorf("%s: URL %q, want %q", p.ID, p.URL, tt.url)
				}
			}
		})
	}
}

// TestSignalExamples checks every signal of the table against its own
// example, so that a typo in a pattern cannot silently disable it.
func TestSignalExamples(t *testing.T) {
	seen := map[string]bool{}
	for _, sig := range signatures {
		if sig.Key == "" || sig.Name == "" || len(sig.Signals) == 0 {
			t.Errorf("incomplete signature %+v", sig)
		}
		if seen[sig.Key] {
			t.Errorf("duplicate signature key %q", sig.Key)
		}
		seen[sig.Key] = true
		strongEnough := false
		for _, s := range sig.Signals {
			if s.Name == "" || s.Pattern == nil || s.Example == "" {
				t.Errorf("%s: incomplete signal %+v", sig.Key, s)
				continue
			}
			m := s.Pattern.FindStringSubmatch(s.Example)
			if m == nil {
				t.Errorf("%s / %s: pattern %s does not match its example %q", sig.Key, s.Name, s.Pattern, s.Example)
			}
			if s.Version && s.Pattern.NumSubexp() < 1 {
				t.Errorf("%s / %s: version signal without a capture group", sig.Key, s.Name)
			}
			if s.Kind != inText && s.Weight >= detectThreshold {
				strongEnough = true
			}
		}
		if !strongEnough {
			t.Errorf("%s: no structural signal is enough on its own", sig.Key)
		}
	}
}

func TestSignalNames(t *testing.T) {
	for _, sig := range signatures {
		names := map[string]bool{}
		for _, s := range sig.Signals {
			if names[s.Name] {
				t.Errorf("%s: two signals named %q", sig.Key, s.Name)
			}
			names[s.Name] = true
		}
	}
}

func BenchmarkRecogniseAndControls(b *testing.B) {
	doc := fixture(b, labLimeSurveyOpen)
	obs := Observation{URL: "https://enquetes.ville-exemple.fr/index.php/123456?lang=fr", Status: 200, HTML: doc,
		Cookies: cookies("LS-ZNIDJBOXUNKXWTIP", "YII_CSRF_TOKEN")}
	b.ReportAllocs()
	for b.Loop() {
		p := parsePage(obs.HTML)
		_ = recognise(obs, p)
		_, _ = controls(obs, p)
	}
}

package survey

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// seedFixtures adds every HTML fixture, the lab's pages included, to a fuzz
// corpus.
func seedFixtures(f *testing.F, add func(doc []byte)) {
	f.Helper()
	for _, dir := range []string{"testdata", "testdata/lab"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.html"))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			add(b)
		}
	}
	for _, name := range labFixtures {
		add(fixture(f, name))
	}
	add(nil)
	add([]byte("<form id=limesurvey><input type=password name=token><altcha-widget>"))
	add([]byte("<!-- LimeSurvey 3.28.64+230705 --><meta name=generator content='Decidim 0.27.6'>"))
}

// quotable reports whether a string taken from a page is safe to quote:
// no control characters.
func quotable(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsControl)
}

func FuzzRecognise(f *testing.F) {
	seedFixtures(f, func(doc []byte) { f.Add(doc, "https://s.example/index.php/123456?lang=fr", "LS-ABCDEFGHIJKLMNOP") })
	f.Fuzz(func(t *testing.T, doc []byte, u, cookie string) {
		obs := Observation{URL: u, FinalURL: u, Status: 200, HTML: doc, Cookies: []evidence.Cookie{{Name: cookie}}, Requests: []string{u}}
		ps := Recognise(obs)
		if len(ps) > len(signatures) {
			t.Fatalf("%d platforms from %d signatures", len(ps), len(signatures))
		}
		for _, p := range ps {
			if !strings.HasPrefix(p.ID, "survey/platform/") || len(p.Signals) == 0 {
				t.Errorf("platform %+v", p)
			}
			for _, s := range p.Signals {
				if !quotable(s) || len(s) > 200 {
					t.Errorf("signal %q", s)
				}
			}
		}
	})
}

func FuzzControls(f *testing.F) {
	seedFixtures(f, func(doc []byte) { f.Add(doc, "https://s.example/index.php/1?token=x", 200) })
	f.Fuzz(func(t *testing.T, doc []byte, u string, status int) {
		fm := Controls(Observation{URL: u, FinalURL: u, Status: status, HTML: doc})
		switch fm.DuplicateControl {
		case DuplicateToken, DuplicateLogin, DuplicateCookie, DuplicateNoneVisible:
		default:
			t.Errorf("duplicate control %q", fm.DuplicateControl)
		}
		if fm.TokenRequired && fm.DuplicateControl != DuplicateToken {
			t.Errorf("token required but duplicate control %q", fm.DuplicateControl)
		}
		for _, s := range fm.Signals {
			if !quotable(s) || len(s) > 200 {
				t.Errorf("signal %q", s)
			}
		}
		_, _ = withoutToken(u)
	})
}

func FuzzChallenge(f *testing.F) {
	seedFixtures(f, func(doc []byte) {
		f.Add(403, "Cf-Mitigated", "challenge", doc)
		f.Add(200, "X-Datadome", "protected", doc)
	})
	f.Fuzz(func(t *testing.T, status int, key, value string, body []byte) {
		h := http.Header{}
		h.Add(key, value)
		name, signals := Challenge(status, h, body)
		if name == "" && len(signals) != 0 {
			t.Errorf("signals %q without a name", signals)
		}
		if name != "" && len(signals) == 0 {
			t.Errorf("%s without signals", name)
		}
		for _, s := range signals {
			if !quotable(s) {
				t.Errorf("signal %q", s)
			}
		}
		if title := Title(body); !quotable(title) || len(title) > maxTitle {
			t.Errorf("title %q", title)
		}
	})
}

package legal

import (
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// FuzzExtract feeds hostile page text to Extract: it must not panic, and
// every span must quote the page exactly.
func FuzzExtract(f *testing.F) {
	for _, c := range extractCases {
		f.Add(c.text)
	}
	f.Add(jsRendered)
	f.Add("Hébergement\n\xff\xfe\u0301\u200b Tél.: +\n59100 \u00a0Roubaix ß ẞ İ")
	cat := entities.Default()
	f.Fuzz(func(t *testing.T, text string) {
		pages := []evidence.LegalPage{
			{ID: "legal/1", Kind: KindNotice, Text: text},
			{ID: "legal/2", Kind: KindPrivacy, Text: strings.ToUpper(text)},
		}
		d := Extract(pages, cat)
		checkSpans(t, pages, d)
	})
}

// FuzzDiscover feeds hostile HTML to Discover, RenderText and Served: no
// panic, bounded output, absolute http(s) URLs without fragments, no
// duplicates, a reason exactly when a page is not served whole.
func FuzzDiscover(f *testing.F) {
	f.Add([]byte(`<footer><a href="/mentions-legales">Mentions légales</a><a href="/cookies#x">Cookies</a></footer>`))
	f.Add([]byte(`<base href="//evil.example/"><a href="legal">Impressum</a><link rel=privacy-policy href=/p>`))
	f.Add([]byte(`<a href="javascript:x"><a href="https://cap-collectif.com/legal">Legal<script><a href=/y>Datenschutz</script>`))
	f.Add([]byte(`<div id="app"><p hidden>x<p style="display:none">Hébergeur<noscript>JavaScript</noscript><app-root/>`))
	f.Fuzz(func(t *testing.T, page []byte) {
		got := Discover("https://jeparticipe.ville-exemple.fr/p", page, 0)
		if len(got) > MaxCandidates {
			t.Fatalf("%d candidates", len(got))
		}
		seen := map[string]bool{}
		for _, c := range got {
			if !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") || strings.Contains(c.URL, "#") {
				t.Errorf("candidate URL %q", c.URL)
			}
			if seen[c.URL] {
				t.Errorf("duplicate %q", c.URL)
			}
			seen[c.URL] = true
			if c.Kind != KindNotice && c.Kind != KindPrivacy && c.Kind != KindCookies {
				t.Errorf("kind %q", c.Kind)
			}
		}
		text := RenderText(page)
		if len(text) > MaxHTMLBytes {
			t.Errorf("rendered %d bytes", len(text))
		}
		if ok, why := Served(page, text, ""); ok == (why != "") {
			t.Errorf("Served = %v with reason %q", ok, why)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	pages := []evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: jsRendered}}
	cat := entities.Default()
	for b.Loop() {
		Extract(pages, cat)
	}
}

func BenchmarkExtractLarge(b *testing.B) {
	pages := []evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: boundText(strings.Repeat(jsRendered+"\n", 1000), MaxTextBytes)}}
	cat := entities.Default()
	for b.Loop() {
		Extract(pages, cat)
	}
}

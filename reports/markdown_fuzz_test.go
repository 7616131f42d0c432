package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// FuzzMarkdownInert: any text from a site, a mail or a registry, written
// through md (URLs in code spans, their trailing punctuation outside),
// renders on GitHub (GFM, autolinks on) without a link, an image or raw
// HTML.
func FuzzMarkdownInert(f *testing.F) {
	for _, s := range []string{
		"see https://evil.example/x.", "(www.evil.example)", "a_(b) https://e.example/a_(b)).",
		"mail spy@evil.example, now", "<script>alert(1)</script>", "![x](https://evil.example/p.png)",
		"[click](javascript:alert(1))", "www.evil.example_", "https://e.example/`x`", "ftp://e.example/f;",
		"https://e.example/|pipe", "~~https://e.example~~", "*www.e.example*",
	} {
		f.Add(s)
	}
	gfm := goldmark.New(goldmark.WithExtensions(extension.GFM))
	f.Fuzz(func(t *testing.T, s string) {
		var out bytes.Buffer
		if err := gfm.Convert([]byte("- "+md(s)+"\n"), &out); err != nil {
			t.Fatal(err)
		}
		html := out.String()
		for _, bad := range []string{"<a ", "<img", "<script"} {
			if strings.Contains(html, bad) {
				t.Fatalf("md(%q) renders %s: %s", s, bad, html)
			}
		}
	})
}

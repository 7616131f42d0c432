package reports

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Bidirectional overrides and isolates (Trojan Source) and control
// characters a site may put in any string it controls.
const (
	rlo     = "\u202e"
	lri     = "\u2066"
	pdi     = "\u2069"
	nel     = "\u0085"
	bell    = "\x07"
	reorder = "invoice" + rlo + "fdp.exe" + lri + "x" + pdi + nel + bell
)

// isHostileRune reports the runes report.html must never carry.
func isHostileRune(r rune) bool {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		return false
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return unicode.IsControl(r)
}

// bidiReport puts bidi and control characters in an error text, an error
// target, a cookie (shown as an evidence record), an evidence ID cited by
// a finding, a finding's subject and summary, and a mail subject.
func bidiReport() *Report {
	r := fullReport()
	ev := r.Evidence
	c := &ev.Browser.Visits[0].Cookies[0]
	c.Name, c.ID = reorder, "cookie/initial/"+reorder
	ev.Mails[0].Subject = reorder
	r.Errors = append(r.Errors, evidence.Error{Stage: "browser", Target: reorder, Error: "net::ERR " + reorder})
	f := finding("consent.tracker-before-consent", checks.High, reorder, "The cookie "+reorder+" is set before any choice.", c.ID)
	r.Findings = append([]checks.Finding{f}, r.Findings...)
	return r
}

func TestHTMLRemovesBidiAndControls(t *testing.T) {
	for _, l := range Langs {
		out := string(render(t, "html", bidiReport(), l, files(t)))
		for i, r := range out {
			if isHostileRune(r) {
				t.Fatalf("%s: report.html carries %U at byte %d: …%q…", l, r, i, out[max(0, i-60):min(len(out), i+20)])
			}
		}
		if !strings.Contains(out, "invoicefdp.exex") {
			t.Errorf("%s: the text around the removed characters is lost", l)
		}
		// In the evidence records (JSON), the characters stay visible as
		// escapes: the evidence says they were there.
		if !strings.Contains(out, `invoice\u202efdp.exe\u2066x\u2069\u0085\u0007`) {
			t.Errorf("%s: the evidence record does not show the characters as escapes", l)
		}
	}
}

// TestMarkdownLinksNothing renders report.md as GitHub does (GFM, with its
// autolinks) and checks that no site-controlled URL, www. name or address
// became a link: vigie's Markdown has no link of its own.
func TestMarkdownLinksNothing(t *testing.T) {
	r := fullReport()
	ev := r.Evidence
	ev.Mails[0].Subject = "Votre code sur https://evil.example/login?next=1 ou www.evil.example"
	ev.Mails[0].From = evidence.MailAddr{Name: "Mairie www.phish.example", Address: "maire@phish.example"}
	r.Errors = append(r.Errors, evidence.Error{Stage: "legal", Target: "https://evil.example/mentions", Error: "see http://evil.example/x, mailto:a@evil.example or ftp://evil.example/f"})
	f := finding("consent.tracker-before-consent", checks.High, "www.tracker.example",
		"The page at https://jeparticipe.ville-exemple.fr/?utm=`x` loads www.tracker.example | and writes to spy@tracker.example.", "visit/initial")
	// A URL ending a sentence or a parenthesis: the punctuation is the
	// text's, outside the code span, as GFM's autolinks leave it.
	punct := finding("consent.reject-not-respected", checks.High, "org/x",
		"Seen on the next page (https://trail.example/x), then www.comma.example, then https://end.example/a_(b).", "visit/reject")
	r.Findings = append([]checks.Finding{f, punct}, r.Findings...)
	src := string(render(t, "md", r, English, nil))
	for _, want := range []string{"(`https://trail.example/x`)", "`www.comma.example`,", "`https://end.example/a_(b)`."} {
		if !strings.Contains(src, want) {
			t.Errorf("report.md lacks %s", want)
		}
	}
	for _, l := range Langs {
		src := render(t, "md", r, l, nil)
		var page bytes.Buffer
		if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert(src, &page); err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(page.String(), "<a "); i >= 0 {
			t.Errorf("%s: report.md renders a link: …%s…", l, page.String()[max(0, i-80):min(page.Len(), i+120)])
		}
		// The URLs are still there, as text.
		for _, want := range []string{"https://evil.example/login?next=1", "www.tracker.example", "spy@tracker.example"} {
			if !strings.Contains(page.String(), want) {
				t.Errorf("%s: the rendered report lost %q", l, want)
			}
		}
	}
	// And the injection cases still hold with the URLs in code spans.
	checkMarkdownInert(t, string(render(t, "md", injectedReport(), English, nil)))
}

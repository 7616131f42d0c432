package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Hostile strings a site, a mail or a registry could hand vigie.
const (
	scriptTag   = `<script>window.__pwned=1</script>`
	imgOnerror  = `<img src=x onerror="window.__pwned=2">`
	mdLink      = `[click](javascript:alert(1)) @everyone | ** ${1+1}`
	xmlBreakout = `]]></failure><testcase name="fake"/>`
	termEscape  = "\x1b[2J\x1b]0;pwned\x07"
)

// injectedReport is the full founding case with hostile strings in a
// cookie name, a mail subject, a banner text and label, a third-party
// host, a hop, a registry's organisation name, a declared hoster and a
// finding's subject and summary.
func injectedReport() *Report {
	r := fullReport()
	ev := r.Evidence
	vis := &ev.Browser.Visits[0]
	vis.Cookies[0].Name = scriptTag
	vis.Cookies[0].ID = "cookie/initial/.ville-exemple.fr/" + scriptTag
	vis.Banner = &evidence.Banner{Engine: imgOnerror, Text: scriptTag + mdLink,
		Buttons: []evidence.Button{{Role: "accept", Label: imgOnerror, Tag: "button", Color: `red;background:url(javascript:alert(1))`, Background: `expression(alert(1))`}}}
	vis.Requests = append(vis.Requests, evidence.Request{ID: "req/099", Visit: "visit/initial", Phase: evidence.PhaseBeforeAction,
		URL: "https://evil.example/" + scriptTag, Host: `evil.example"><script>x</script>`, RegistrableDomain: "evil.example"})
	vis.Screenshots = append(vis.Screenshots, evidence.Screenshot{Label: scriptTag, Path: `javascript:alert(1)`},
		evidence.Screenshot{Label: "escape", Path: `screenshots/../../etc/passwd.png`})
	m := &ev.Mails[0]
	m.Subject = scriptTag + " " + mdLink
	m.From.Name = imgOnerror
	m.Hops[0].By = xmlBreakout
	ev.Organisations[0].Name = `Evil <b>Corp</b> ` + scriptTag
	ev.Legal.Hoster.Name = xmlBreakout + scriptTag
	ev.Errors = append(ev.Errors, evidence.Error{Stage: "browser", Target: scriptTag, Error: mdLink})
	f := finding("consent.tracker-before-consent", checks.High, scriptTag+termEscape, "The cookie "+scriptTag+" is set before any choice. "+mdLink+" "+xmlBreakout,
		"cookie/initial/.ville-exemple.fr/"+scriptTag)
	f.Title = "Trackers run before the visitor chose"
	r.Findings = append([]checks.Finding{f}, r.Findings...)
	r.Results = append(r.Results, checks.Result{Check: f.ID, Status: checks.StatusFail, Severity: checks.High, Findings: 1, Reason: scriptTag})
	return r
}

func init() {
	fixtureChecks["consent.tracker-before-consent"] = [3]string{"Trackers run before the visitor chose", "ePrivacy directive art. 5(3)", "Wait for consent."}
}

// TestInjectionIsInert renders a report full of hostile strings in every
// format and checks that each appears as text, never as markup.
func TestInjectionIsInert(t *testing.T) {
	r := injectedReport()
	for _, format := range Formats {
		for _, l := range []Lang{English, French} {
			if l == French && format != "html" && format != "md" {
				continue
			}
			out := render(t, format, r, l, files(t))
			t.Run(format+"/"+string(l), func(t *testing.T) {
				lower := strings.ToLower(string(out))
				// No format carries a hostile tag as markup; the HTML is also
				// checked element by element, attribute by attribute.
				for _, raw := range []string{"<script", "<img src=x", "<b>corp", "<testcase name=\"fake\""} {
					if strings.Contains(lower, raw) {
						t.Errorf("%s output contains %q unescaped", format, raw)
					}
				}
				switch format {
				case "html":
					checkHTMLInert(t, out)
				case "md":
					checkMarkdownInert(t, string(out))
				case "json", "sarif":
					var v any
					if err := json.Unmarshal(out, &v); err != nil {
						t.Fatalf("invalid JSON: %v", err)
					}
					if !jsonHasString(v, scriptTag) {
						t.Errorf("%s lost the hostile string: it must be kept as text", format)
					}
				case "junit":
					checkJUnitInert(t, out)
				}
			})
		}
	}
}

// TestSummaryIsInert checks that the terminal summary carries no control
// character from the site: no escape sequence can drive the terminal.
func TestSummaryIsInert(t *testing.T) {
	r := injectedReport()
	r.Errors = append(r.Errors, evidence.Error{Stage: "browser", Target: termEscape, Error: termEscape})
	var b bytes.Buffer
	if err := WriteSummary(&b, r, ""); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Errorf("the summary passes control characters through: %q", b.String())
	}
	if !strings.Contains(b.String(), scriptTag) {
		t.Error("the summary lost the finding's subject")
	}
}

func checkHTMLInert(t *testing.T, out []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var textHasScript, textHasImg bool
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			switch n.Data {
			case "script", "b", "iframe", "object", "embed":
				t.Errorf("hostile element <%s> in the HTML", n.Data)
			case "img":
				for _, a := range n.Attr {
					if a.Key == "src" && !strings.HasPrefix(a.Val, "data:image/png;base64,") {
						t.Errorf("image with source %q", a.Val)
					}
				}
			}
			for _, a := range n.Attr {
				v := strings.ToLower(a.Val)
				if strings.HasPrefix(a.Key, "on") || strings.Contains(v, "javascript:") || strings.Contains(v, "expression(") {
					t.Errorf("hostile attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
			}
		case html.TextNode:
			textHasScript = textHasScript || strings.Contains(n.Data, scriptTag)
			textHasImg = textHasImg || strings.Contains(n.Data, imgOnerror)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !textHasScript || !textHasImg {
		t.Errorf("the hostile strings do not appear as text (script %v, img %v)", textHasScript, textHasImg)
	}
}

func checkMarkdownInert(t *testing.T, out string) {
	t.Helper()
	for _, raw := range []string{"[click](", "@everyone", "<img"} {
		if strings.Contains(out, raw) {
			t.Errorf("Markdown contains %q unescaped", raw)
		}
	}
	if m := regexp.MustCompile(`(^|[^\\])\$\{1`).FindString(out); m != "" {
		t.Errorf("Markdown contains an unescaped $ (math): %q", m)
	}
	for _, want := range []string{`&lt;script&gt;window.\_\_pwned=1&lt;/script&gt;`, `\[click\](javascript:alert(1))`, "&#64;everyone"} {
		if !strings.Contains(out, want) {
			t.Errorf("Markdown lacks the escaped text %q", want)
		}
	}
}

func checkJUnitInert(t *testing.T, out []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(out))
	cases, texts := 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("junit.xml does not parse: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local == "testcase" {
				cases++
				for _, a := range el.Attr {
					if a.Name.Local == "name" && a.Value == "fake" {
						t.Error("a hostile string added a test case")
					}
				}
			}
		case xml.CharData:
			texts += string(el)
		}
	}
	if cases != len(injectedReport().Results) {
		t.Errorf("%d test cases, want %d", cases, len(injectedReport().Results))
	}
	if !strings.Contains(texts, scriptTag) || !strings.Contains(texts, xmlBreakout) {
		t.Error("the hostile strings are not kept as text in junit.xml")
	}
}

func jsonHasString(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, s)
	case []any:
		for _, e := range x {
			if jsonHasString(e, s) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if jsonHasString(e, s) {
				return true
			}
		}
	}
	return false
}

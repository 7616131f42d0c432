package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/html"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// files maps the fixture's artefacts by path, as Write passes them.
func files(t testing.TB) map[string][]byte {
	m := map[string][]byte{}
	for _, a := range fullArtifacts(t) {
		m[a.Path] = a.Data
	}
	return m
}

// render writes r in one format (html and md in language l).
func render(t testing.TB, format string, r *Report, l Lang, fs map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "json":
		err = WriteJSON(&b, r)
	case "html":
		err = WriteHTML(&b, r, HTMLOptions{Lang: l, Files: fs})
	case "md":
		err = WriteMarkdown(&b, r, l)
	case "sarif":
		err = WriteSARIF(&b, r)
	case "junit":
		err = WriteJUnit(&b, r)
	default:
		t.Fatalf("no writer for %q", format)
	}
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

func TestFormatGoldens(t *testing.T) {
	for _, tc := range []struct {
		format, golden string
		lang           Lang
	}{
		{"json", "full.golden.json", English},
		{"html", "full.en.golden.html", English},
		{"html", "full.fr.golden.html", French},
		{"md", "full.en.golden.md", English},
		{"md", "full.fr.golden.md", French},
		{"sarif", "full.golden.sarif", English},
		{"junit", "full.golden.junit.xml", English},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			golden(t, filepath.Join("testdata", tc.golden), render(t, tc.format, fullReport(), tc.lang, files(t)))
		})
	}
}

// TestEveryFormatWritten checks that Write produces every format's file
// and that the manifest covers them.
func TestEveryFormatWritten(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, fullReport(), Options{Formats: Formats, Lang: French}, fullArtifacts(t)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed, err := ReadManifest(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		if listed[FileName(format)] == "" {
			t.Errorf("%s (%s) is not in the manifest %v", FileName(format), format, listed)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if !bytes.Contains(page, []byte(`lang="fr"`)) || !bytes.Contains(page, []byte("Qui exploite ce site")) {
		t.Error("report.html is not in French with Lang: French")
	}
	if !bytes.Contains(page, []byte("data:image/png;base64,")) {
		t.Error("report.html does not embed the screenshots")
	}
}

// TestHTMLSections checks what a reader looks for, in both languages: every
// section, the verdict, the diagram, each finding with its explanation,
// legal basis, remediation and working links to its evidence records.
func TestHTMLSections(t *testing.T) {
	for _, l := range Langs {
		t.Run(string(l), func(t *testing.T) {
			r := fullReport()
			page := string(render(t, "html", r, l, files(t)))
			doc, err := html.Parse(strings.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			var hrefs []string
			var imgs, scripts int
			var walk func(*html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode {
					for _, a := range n.Attr {
						switch {
						case a.Key == "id":
							if ids[a.Val] {
								t.Errorf("duplicate id %q", a.Val)
							}
							ids[a.Val] = true
						case a.Key == "href":
							hrefs = append(hrefs, a.Val)
						case strings.HasPrefix(a.Key, "on"):
							t.Errorf("event handler attribute %s=%q", a.Key, a.Val)
						}
					}
					switch n.Data {
					case "img":
						imgs++
					case "script", "iframe", "object", "embed", "link":
						scripts++
					}
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
			}
			walk(doc)
			for _, id := range htmlSections {
				if !ids[id] {
					t.Errorf("section #%s missing", id)
				}
			}
			for _, h := range hrefs {
				if !strings.HasPrefix(h, "#") {
					t.Errorf("link %q leaves the page: the report must work offline", h)
					continue
				}
				if !ids[strings.TrimPrefix(h, "#")] {
					t.Errorf("link %q points at no element", h)
				}
			}
			if imgs != 3 || scripts != 0 {
				t.Errorf("%d images (want the 3 screenshots), %d script/iframe/link elements (want none)", imgs, scripts)
			}
			for _, f := range r.Findings {
				a := anchor("finding", f.ID+"/"+f.Fingerprint)
				if !ids[a] {
					t.Errorf("finding %s has no anchor", f.ID)
				}
				for _, e := range f.Evidence {
					if e == "ev/does-not-exist" {
						if ids[anchor("ev", e)] {
							t.Error("a cited ID that is no record got an anchor")
						}
						continue
					}
					if !ids[anchor("ev", e)] {
						t.Errorf("finding %s cites %s, which is not rendered with an anchor", f.ID, e)
					}
				}
			}
			c := checks.Lookup("hosting.operator-outside-eea")
			if !strings.Contains(page, "<svg") {
				t.Error("no diagram")
			}
			for _, want := range []string{
				l.T("verdict.problems"), l.T("find.why"), l.T("find.legal"), l.T("find.fix"),
				c.Rationale, c.Refs[0], c.Remediation,
				"proxy-fallback.participation-vendor.com", "CLOUDFLARENET", "Cloudflare, Inc.",
				"www.google-analytics.com", "Tout accepter", "2.9:1", "relay.mandrillapp.com", "OVH",
				"registrar migration in 2027", "2027-03-01", "Chromium 156.0.8078.79",
				l.T("consent.appeared"), l.Tf("banner.ratio", 23.0),
			} {
				if !strings.Contains(page, html.EscapeString(want)) {
					t.Errorf("report.html (%s) lacks %q", l, want)
				}
			}
		})
	}
}

// htmlSections are the ids of the HTML report's sections.
var htmlSections = []string{"summary", "operators", "findings", "ignored", "third-parties", "consent", "banner", "mail", "declared", "survey", "checks", "errors", "evidence", "run"}

// TestNotCollected checks that each section of each human format says
// plainly when its evidence was not collected, rather than "nothing found".
func TestNotCollected(t *testing.T) {
	ev := foundingEvidence() // DNS only
	r := New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	for _, l := range Langs {
		for _, format := range []string{"html", "md"} {
			out := string(render(t, format, r, l, nil))
			if format == "md" {
				out = strings.ReplaceAll(out, `\`, "")
			}
			for _, k := range []string{"kind.browser", "kind.mail", "kind.legal"} {
				msg := l.Tf("nc.section", l.T(k))
				if format == "html" {
					msg = html.EscapeString(msg)
				}
				if !strings.Contains(out, msg) {
					t.Errorf("%s (%s) does not say that %s evidence was not collected", format, l, l.T(k))
				}
			}
			for _, nothing := range []string{"tp.none", "banner.none", "mail.none", "mail.no-track"} {
				if strings.Contains(out, l.T(nothing)) {
					t.Errorf("%s (%s) says %q for evidence that was not collected", format, l, l.T(nothing))
				}
			}
		}
	}
	// Collected but empty reads differently from not collected.
	ev.Collected = append(ev.Collected, "browser")
	ev.Browser = &evidenceBrowserEmpty
	r = New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	out := string(render(t, "html", r, English, nil))
	if !strings.Contains(out, English.T("tp.none")) || !strings.Contains(out, English.T("banner.none")) {
		t.Error("an empty browser visit is not reported as collected and empty")
	}
}

func TestSARIFValid(t *testing.T) {
	schema := compileSchema(t, "testdata/sarif-schema-2.1.0.json")
	for name, r := range map[string]*Report{"full": fullReport(), "dns-only": New("test", foundingEvidence(), checks.Run(foundingEvidence(), nil, started), nil, started, finished)} {
		t.Run(name, func(t *testing.T) {
			out := render(t, "sarif", r, English, nil)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Fatalf("report.sarif is not valid SARIF 2.1.0: %v", err)
			}
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Rules []struct {
								ID   string `json:"id"`
								Help struct {
									Text string `json:"text"`
								} `json:"help"`
								Properties struct {
									Tags []string `json:"tags"`
								} `json:"properties"`
							} `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID    string `json:"ruleId"`
						Locations []struct {
							Physical struct {
								Artifact struct {
									URI string `json:"uri"`
								} `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
						Fingerprints map[string]string `json:"partialFingerprints"`
						Suppressions []struct {
							Justification string `json:"justification"`
						} `json:"suppressions"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			if len(run.Tool.Driver.Rules) < len(checks.All()) {
				t.Errorf("%d rules for %d checks", len(run.Tool.Driver.Rules), len(checks.All()))
			}
			for _, rule := range run.Tool.Driver.Rules {
				if rule.Help.Text == "" || len(rule.Properties.Tags) == 0 {
					t.Errorf("rule %s lacks help text or tags", rule.ID)
				}
			}
			if len(run.Results) != len(r.Findings)+len(r.Ignored) {
				t.Fatalf("%d results for %d findings and %d ignored", len(run.Results), len(r.Findings), len(r.Ignored))
			}
			suppressed := 0
			for _, res := range run.Results {
				if len(res.Locations) == 0 || res.Locations[0].Physical.Artifact.URI != r.Target.URL {
					t.Errorf("result %s is not located at the URL", res.RuleID)
				}
				if res.Fingerprints[FingerprintKey] == "" {
					t.Errorf("result %s has no fingerprint", res.RuleID)
				}
				if len(res.Suppressions) > 0 {
					suppressed++
					if !strings.Contains(res.Suppressions[0].Justification, r.Ignored[0].Ignore.Reason) {
						t.Errorf("suppression without the ignore's reason: %+v", res.Suppressions)
					}
				}
			}
			if suppressed != len(r.Ignored) {
				t.Errorf("%d suppressed results for %d ignored findings", suppressed, len(r.Ignored))
			}
		})
	}
	// The schema validation itself can fail: a result without a message.
	bad := []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a"}]}]}`)
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(doc) == nil {
		t.Error("the SARIF schema accepted a result without a message")
	}
}

// compileSchema compiles a JSON Schema file. The SARIF 2.1.0 schema in
// testdata is the OASIS schema (errata 01) as shipped inside
// github.com/owenrumney/go-sarif/v3 (pkg/report/v210/sarif/schema.go).
func compileSchema(t testing.TB, file string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + filepath.Base(file)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJUnit(t *testing.T) {
	r := fullReport()
	out := render(t, "junit", r, English, nil)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Failure   *junitMsg `xml:"failure"`
				Error     *junitMsg `xml:"error"`
				Skipped   *junitMsg `xml:"skipped"`
				SystemOut string    `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &suites); err != nil {
		t.Fatal(err)
	}
	cases := suites.Suites[0].Cases
	if len(cases) != len(r.Results) || suites.Tests != len(r.Results) {
		t.Fatalf("%d test cases for %d checks", len(cases), len(r.Results))
	}
	for i, res := range r.Results {
		c := cases[i]
		if c.Name != res.Check {
			t.Errorf("case %d is %s, want %s", i, c.Name, res.Check)
		}
		failed, skipped := c.Failure != nil, c.Skipped != nil
		wantFail := res.Status == checks.StatusFail && res.Findings > res.Ignored
		if failed != wantFail || skipped != (res.Status == checks.StatusNotEvaluated) || c.Error != nil != (res.Status == checks.StatusError) {
			t.Errorf("%s (%s): failure %v skipped %v error %v", res.Check, res.Status, failed, skipped, c.Error != nil)
		}
		if res.Ignored > 0 && !strings.Contains(c.SystemOut, "IGNORED by policy") {
			t.Errorf("%s: ignored finding not listed: %q", res.Check, c.SystemOut)
		}
	}
	if suites.Failures != 5 || suites.Skipped != 1 {
		t.Errorf("failures %d skipped %d, want 5 and 1", suites.Failures, suites.Skipped)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"},
		{"[x](javascript:alert(1))", `\[x\](javascript:alert(1))`},
		{"![img](x)", `!\[img\](x)`},
		{"a | b", `a \| b`},
		{"@here ping", "&#64;here ping"},
		{"line\nbreak", "line break"},
		{"**not bold**", `\*\*not bold\*\*`},
		{"`code`", "\\`code\\`"},
		{"&lt;", "&amp;lt;"},
		{"$x$", `\$x\$`},
	} {
		if got := md(tc.in); got != tc.want {
			t.Errorf("md(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAnchorsAreSafeAndDistinct(t *testing.T) {
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	seen := map[string]string{}
	for _, id := range []string{"req/17", "req-17", "cookie/initial/.x.fr/<script>", "cookie/initial/.x.fr/_script_", "dns/q/a.fr/A", strings.Repeat("x/", 200)} {
		a := anchor("ev", id)
		if !safe.MatchString(a) || len(a) > 140 {
			t.Errorf("anchor(%q) = %q: not a safe id", id, a)
		}
		if other, dup := seen[a]; dup {
			t.Errorf("%q and %q share the anchor %q", id, other, a)
		}
		seen[a] = id
	}
}

func TestLang(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{"LANG": "fr_FR.UTF-8"}, French},
		{map[string]string{"LANG": "en_GB.UTF-8"}, English},
		{map[string]string{"LC_ALL": "fr_CA", "LANG": "en_US"}, French},
		{map[string]string{"LC_ALL": "C", "LANG": "fr_FR"}, English},
		{map[string]string{"LC_MESSAGES": "fr", "LANG": "en"}, French},
		{map[string]string{}, English},
	} {
		if got := LangFromEnv(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("LangFromEnv(%v) = %s, want %s", tc.env, got, tc.want)
		}
	}
	for _, bad := range []string{"de", "", "klingon"} {
		if _, err := ParseLang(bad); err == nil {
			t.Errorf("ParseLang(%q) accepted", bad)
		}
	}
	if l, err := ParseLang("FR"); err != nil || l != French {
		t.Errorf("ParseLang(FR) = %s, %v", l, err)
	}
}

// TestMessages checks that every text has both languages and that the
// templates and writers use no key without a text.
func TestMessages(t *testing.T) {
	for k, m := range messages {
		if m.en == "" || m.fr == "" {
			t.Errorf("message %q lacks a language: %+v", k, m)
		}
		if strings.Count(m.en, "%") != strings.Count(m.fr, "%") {
			t.Errorf("message %q: the languages do not take the same arguments: %q / %q", k, m.en, m.fr)
		}
	}
	used := regexp.MustCompile(`(?:\bt|\btf|\.T|\.Tf)\(?\s*"([a-z0-9-]+(?:\.[a-z0-9-]+)+)"`)
	for _, file := range []string{"templates/report.html.tmpl", "markdown.go", "view.go", "svg.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses the message %q, which has no text", file, m[1])
			}
		}
	}
	if English.T("no.such.key") != "no.such.key" {
		t.Error("a missing key is not shown as itself")
	}
}

// TestWritersFailOnWriteError makes sure that a failing writer is reported.
func TestWritersFailOnWriteError(t *testing.T) {
	r := fullReport()
	for _, w := range []func(io.Writer) error{
		func(w io.Writer) error { return WriteHTML(w, r, HTMLOptions{}) },
		func(w io.Writer) error { return WriteMarkdown(w, r, English) },
		func(w io.Writer) error { return WriteSARIF(w, r) },
		func(w io.Writer) error { return WriteJUnit(w, r) },
	} {
		if err := w(failingWriter{}); err == nil {
			t.Error("a write error was swallowed")
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

// TestMailOnlyReport renders a report of mails alone (vigie mail): no
// site, and the sections say so rather than "not resolved".
func TestMailOnlyReport(t *testing.T) {
	ev := fullEvidence()
	ev.Target = evidenceMailTarget
	ev.Collected = []evidence.Kind{evidence.KindMail, evidence.KindOwnership}
	ev.Browser, ev.Legal = nil, nil
	ev.DNS.Resolutions = nil
	r := New("test", ev, checks.Outcome{}, nil, started, finished)
	for _, l := range Langs {
		for _, format := range []string{"html", "md"} {
			out := string(render(t, format, r, l, nil))
			if format == "md" {
				out = strings.ReplaceAll(out, `\`, "")
			} else {
				out = html.UnescapeString(out)
			}
			for _, want := range []string{l.T("ops.no-site"), "testdata/confirmation.eml", "relay.mandrillapp.com"} {
				if format == "md" && want == "relay.mandrillapp.com" {
					continue // the Markdown summary counts hops
				}
				if !strings.Contains(out, want) {
					t.Errorf("%s (%s) lacks %q", format, l, want)
				}
			}
			if strings.Contains(out, l.T("ops.no-resolution")) {
				t.Errorf("%s (%s) says the site was not resolved in a mail-only report", format, l)
			}
		}
	}
	for _, format := range []string{"sarif", "junit", "json"} {
		render(t, format, r, English, nil)
	}
}

var evidenceMailTarget = evidence.Target{MailFiles: []string{"testdata/confirmation.eml"}}

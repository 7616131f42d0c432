package legal

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// activeParts parses page as a browser does (html.Parse builds the tree
// with foreign content, templates and raw text as the specification
// says) and lists what could run or load: script and embedding elements,
// event handlers, srcdoc, javascript: URLs, refresh metas, <base>.
func activeParts(page []byte) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return []string{"unparsable: " + err.Error()}
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Iframe, atom.Object, atom.Embed, atom.Applet, atom.Frame, atom.Base:
				out = append(out, "<"+n.Data+">")
			}
			if n.Data == "script" { // <svg><script>
				out = append(out, "<"+n.Namespace+":script>")
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				if a.Namespace != "" {
					k = a.Namespace + ":" + k
				}
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || k == "srcdoc" ||
					(urlAttrs[k] && activeURL(a.Val, k)) ||
					(n.DataAtom == atom.Meta && strings.EqualFold(a.Key, "http-equiv") && strings.EqualFold(strings.TrimSpace(a.Val), "refresh")) {
					out = append(out, n.Data+" "+k+"="+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// firstInHead returns the first element of the parsed page's <head>.
func firstInHead(page []byte) *html.Node {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var head *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if head == nil && n.Type == html.ElementNode && n.DataAtom == atom.Head {
			head = n
		}
		for c := n.FirstChild; c != nil && head == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if head == nil {
		return nil
	}
	for c := head.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func isInertMeta(n *html.Node) bool {
	if n == nil || n.DataAtom != atom.Meta {
		return false
	}
	var equiv, content string
	for _, a := range n.Attr {
		switch a.Key {
		case "http-equiv":
			equiv = a.Val
		case "content":
			content = a.Val
		}
	}
	return strings.EqualFold(equiv, "Content-Security-Policy") && content == InertCSP
}

var inertCases = []struct {
	name, page string
	keep       []string // text that must survive
}{
	{"plain page", `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mentions légales</title></head><body><h1>Mentions légales</h1><p>Hébergeur : OVH</p></body></html>`, []string{"<title>Mentions légales</title>", "Hébergeur : OVH", `<html lang="fr">`}},
	{"scripts", `<html><head><script src="https://tag.example/gtm.js"></script><script>document.cookie="_ga=1"</script></head><body onload="track()"><p>Éditeur</p><script>alert(1)</script></body></html>`, []string{"Éditeur"}},
	{"handlers and URLs", `<body><a href="javascript:alert(1)">x</a><a href=" JaVa&#x09;ScRiPt:alert(1)">y</a><img src=x onerror=alert(1)><form action="javascript:1"><button formaction=javascript:1>b</button></form><a href="/mentions">ok</a></body>`, []string{`<a href="/mentions">ok</a>`}},
	{"embedders", `<iframe src="https://yt.example/embed"><script>alert(1)</script></iframe><object data="x.swf"><p>fallback</p></object><embed src=x><iframe srcdoc="<script>alert(1)</script>"></iframe><base href="https://evil.example/">`, []string{"fallback"}},
	{"refresh", `<head><meta http-equiv="refresh" content="0;url=https://evil.example/"></head><body>texte</body>`, []string{"texte"}},
	{"svg and math", `<svg onload=alert(1)><script>alert(1)</script><a xlink:href="javascript:alert(1)"><text>t</text></a></svg><math><maction actiontype="statusline" xlink:href="javascript:alert(1)">m</maction></math>`, []string{"<text>t</text>"}},
	{"mutation through foreign raw text", `<svg><style><img src=x onerror=alert(1)></style></svg><math><title><img src=x onerror=alert(2)></title></math>`, nil},
	{"self-closing script", `<script/>alert(1)</script><p>ok</p>`, []string{"<p>ok</p>"}},
	{"no head", `<p>Mentions légales sans en-tête</p>`, []string{"Mentions légales sans en-tête"}},
	{"empty", ``, nil},
	{"styles kept", `<style>p { color: red }</style><p style="font-weight:bold">gras</p>`, []string{"p { color: red }", `style="font-weight:bold"`}},
	{"existing csp", `<head><meta http-equiv="Content-Security-Policy" content="script-src *"><script src=/a.js></script></head>`, nil},
}

func TestInert(t *testing.T) {
	for _, tt := range inertCases {
		t.Run(tt.name, func(t *testing.T) {
			got := Inert([]byte(tt.page))
			if active := activeParts(got); len(active) > 0 {
				t.Errorf("still active: %q\nin %s", active, got)
			}
			if first := firstInHead(got); !isInertMeta(first) {
				t.Errorf("the first element of <head> is %+v, want the CSP meta\nin %s", first, got)
			}
			for _, k := range tt.keep {
				if !bytes.Contains(got, []byte(k)) {
					t.Errorf("%q lost\nin %s", k, got)
				}
			}
			if len(got) > 4*len(tt.page)+len(inertMeta) {
				t.Errorf("grew from %d to %d bytes", len(tt.page), len(got))
			}
		})
	}
	// The original has what the test looks for: the oracle sees it.
	if len(activeParts([]byte(inertCases[1].page))) == 0 {
		t.Fatal("activeParts sees nothing in a page full of scripts")
	}
}

// FuzzInert: whatever the page, what Inert returns parses (as a browser
// parses it) without anything that runs or loads, with the CSP first in
// <head>, and bounded.
func FuzzInert(f *testing.F) {
	for _, c := range inertCases {
		f.Add([]byte(c.page))
	}
	f.Add([]byte("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"))
	f.Add([]byte("<template><script>alert(1)</script></template><table><script>x</script></table>"))
	f.Add([]byte("\xff\xfe<scr\x00ipt>alert(1)</script><!--<script>--><![CDATA[<script>]]>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		if len(page) > 64<<10 {
			return
		}
		got := Inert(page)
		if len(got) > 4*len(page)+len(inertMeta) {
			t.Fatalf("grew from %d to %d bytes", len(page), len(got))
		}
		if active := activeParts(got); len(active) > 0 {
			t.Errorf("still active: %q\nfrom %q\nto %q", active, page, got)
		}
		if first := firstInHead(got); !isInertMeta(first) {
			t.Errorf("the CSP is not first in <head>: %q", got)
		}
	})
}

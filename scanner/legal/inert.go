package legal

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// InertCSP is the Content-Security-Policy that Inert places first in a
// saved page's <head>: no script, frame, plugin, form submission, base
// change or network load of any kind — only inline styles and data:
// images and fonts. Opening the bundle file shows the page's text and
// runs nothing of the site's.
const InertCSP = "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"

// inertMeta is the element carrying InertCSP.
const inertMeta = `<meta http-equiv="Content-Security-Policy" content="` + InertCSP + `">`

// Elements removed with their content: scripts, and the raw-text
// containers whose content a browser would parse as markup once the
// element is gone (an <iframe>'s fallback holds "<script>…" as text).
var dropWithContent = map[atom.Atom]bool{
	atom.Script: true, atom.Iframe: true, atom.Noembed: true, atom.Noframes: true,
}

// Elements whose tags are removed (their children, parsed as markup, are
// kept): what embeds or loads active content, changes where relative URLs
// point, or navigates by itself.
var dropTag = map[atom.Atom]bool{
	atom.Object: true, atom.Embed: true, atom.Applet: true, atom.Frame: true, atom.Frameset: true,
	atom.Base: true,
}

// rawText are the elements whose content the tokenizer reads as text.
var rawText = map[atom.Atom]bool{
	atom.Style: true, atom.Title: true, atom.Textarea: true, atom.Xmp: true, atom.Noscript: true, atom.Plaintext: true,
}

// urlAttrs are the attributes that hold a URL a click or a load follows.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true, "data": true,
	"poster": true, "background": true, "lowsrc": true, "dynsrc": true, "ping": true, "srcset": true,
	"codebase": true, "cite": true, "longdesc": true, "usemap": true, "manifest": true, "icon": true,
}

// Inert returns an HTML document made safe to open from the report
// bundle: a Content-Security-Policy <meta> forbidding scripts and every
// load (InertCSP) is placed first in <head>, and — should a browser
// ignore it — <script> elements and raw-text embedders with their
// content, embedding and <base> tags, <meta http-equiv="refresh">,
// event-handler attributes (on…), srcdoc, and javascript:, vbscript: and
// data: URLs in link attributes are removed. Text, structure and styles
// are kept as served, so that the page reads as it did. Linear in the
// input; the output is at most the input plus the <meta>.
func Inert(page []byte) []byte {
	z := html.NewTokenizer(bytes.NewReader(page))
	z.SetMaxBuf(MaxHTMLBytes)
	var out bytes.Buffer
	out.Grow(len(page) + len(inertMeta))
	placed := false // the CSP <meta> is written
	place := func() {
		if !placed {
			out.WriteString(inertMeta)
			placed = true
		}
	}
	var skip atom.Atom // the element whose content is being dropped
	var raw atom.Atom  // the raw-text element whose content comes next
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // the end, or a token past the buffer bound: stop there
		}
		in := raw
		raw = 0
		if skip != 0 {
			if tt == html.EndTagToken {
				if name, _ := z.TagName(); atom.Lookup(name) == skip {
					skip = 0
				}
			}
			continue
		}
		switch tt {
		case html.DoctypeToken, html.CommentToken:
			// Rewritten, not copied: an unterminated one would swallow
			// what follows (the CSP <meta>).
			out.WriteString(z.Token().String())
		case html.TextToken:
			if !placed && len(bytes.Trim(z.Raw(), " \t\n\f\r")) > 0 { // HTML whitespace only
				place()
			}
			if in != 0 {
				// The content of <style>, <title>, <textarea> … is text
				// here, but markup to a browser inside <svg> or <math>:
				// written so that it is text there too.
				out.Write(bytes.ReplaceAll(z.Raw(), []byte("<"), []byte("&lt;")))
				continue
			}
			out.Write(z.Raw())
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropTag[a] || dropWithContent[a] {
				continue
			}
			out.Write(z.Raw())
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			a := tok.DataAtom
			if dropWithContent[a] {
				// "<script/>" opens a script too, for a browser as for the
				// tokenizer: its content is dropped as well.
				skip = a
				continue
			}
			if a == atom.Html && !placed {
				out.WriteString(inertToken(tok).String())
				continue
			}
			if a == atom.Head && !placed {
				out.WriteString(inertToken(tok).String())
				place()
				continue
			}
			place()
			if dropTag[a] || (a == atom.Meta && refreshes(tok)) {
				continue
			}
			out.WriteString(inertToken(tok).String())
			if rawText[a] {
				raw = a
			}
		}
	}
	place()
	return out.Bytes()
}

// inertToken removes a tag's event handlers, srcdoc and active URLs.
func inertToken(tok html.Token) html.Token {
	kept := tok.Attr[:0]
	for _, at := range tok.Attr {
		k := strings.ToLower(at.Key)
		if at.Namespace != "" {
			k = strings.ToLower(at.Namespace) + ":" + k
		}
		switch {
		case strings.HasPrefix(k, "on"), k == "srcdoc":
			continue
		case urlAttrs[k] && activeURL(at.Val, k):
			continue
		}
		kept = append(kept, at)
	}
	tok.Attr = kept
	return tok
}

// activeURL reports whether a URL attribute's value runs code when
// followed: a javascript: or vbscript: URL anywhere, a data: URL where it
// would be navigated to or embedded as a document. Browsers ignore
// leading spaces and control characters and tabs or newlines inside the
// scheme; so does this.
func activeURL(v, attr string) bool {
	var b strings.Builder
	for _, r := range v {
		if r == '\t' || r == '\n' || r == '\r' || (b.Len() == 0 && r <= ' ') {
			continue
		}
		b.WriteRune(r)
		if b.Len() >= 16 {
			break
		}
	}
	s := strings.ToLower(b.String())
	switch {
	case strings.HasPrefix(s, "javascript:"), strings.HasPrefix(s, "vbscript:"):
		return true
	case strings.HasPrefix(s, "data:"):
		return attr != "src" && attr != "srcset" && attr != "poster" && attr != "background"
	}
	// srcset lists several URLs: any active one drops it.
	if attr == "srcset" || attr == "ping" {
		l := strings.ToLower(v)
		return strings.Contains(l, "javascript:") || strings.Contains(l, "vbscript:")
	}
	return false
}

// refreshes reports whether a <meta> navigates or sets state by itself
// (http-equiv refresh or set-cookie).
func refreshes(tok html.Token) bool {
	for _, at := range tok.Attr {
		if strings.EqualFold(at.Key, "http-equiv") {
			v := strings.ToLower(strings.TrimSpace(at.Val))
			return v == "refresh" || v == "set-cookie"
		}
	}
	return false
}

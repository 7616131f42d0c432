package legal

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MinServedText is the least text, in characters, a page read as served
// (scripts not run) must have to stand for the rendered page: a shell that
// its scripts fill has little more than its navigation.
const MinServedText = 200

// maxServedTokens bounds the HTML tokens Served examines.
const maxServedTokens = 200_000

// mountIDs are the ids of the elements single-page applications render
// into (React, Vue, Angular, Next.js, Nuxt, Gatsby, Svelte and the like).
var mountIDs = map[string]bool{
	"root": true, "app": true, "__next": true, "__nuxt": true, "___gatsby": true, "svelte": true,
	"app-root": true, "main-app": true, "application": true, "spa": true, "q-app": true,
}

// Served says whether a page read with plain HTTP — page as served, text
// rendered from it without running scripts — can stand for the page as a
// visitor's browser renders it, and why not when it cannot. It can when
// its text reads as a page of kind (of any kind when kind is ""), has at
// least MinServedText characters, and the document shows no sign of being
// assembled by scripts: an empty element that applications render into
// (<div id="root"></div>, <app-root>), or a <noscript> asking for
// JavaScript. Anything else is left to the browser: a wrong "no" costs a
// page load, a wrong "yes" would read a shell for the page.
func Served(page []byte, text, kind string) (bool, string) {
	if n := utf8.RuneCountInString(strings.TrimSpace(boundText(text, MaxTextBytes))); n < MinServedText {
		return false, "little text without scripts"
	}
	if kind == "" {
		kind = kindOf(text)
	}
	if !readsAs(text, kind) {
		return false, "does not read as a " + kind + " page without scripts"
	}
	if why := scripted(page); why != "" {
		return false, why
	}
	return true, ""
}

// scripted returns the sign that the document is assembled by scripts, ""
// when it shows none.
func scripted(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(boundBytes(page, MaxHTMLBytes)))
	z.SetMaxBuf(MaxHTMLBytes)
	mount := ""   // the application mount element just opened, if any
	noscript := 0 // depth inside <noscript>
	var ns []byte // the text of the <noscript> elements
	for range maxServedTokens {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return ""
		case html.TextToken:
			raw := z.Text()
			if noscript > 0 && len(ns) < 4096 {
				ns = append(ns, raw...)
				if bytes.Contains(bytes.ToLower(ns), []byte("javascript")) {
					return "a <noscript> asks for JavaScript"
				}
			}
			if len(bytes.TrimSpace(raw)) > 0 {
				mount = ""
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Noscript && tt == html.StartTagToken {
				noscript++
			}
			m := ""
			if string(name) == "app-root" {
				m = "<app-root>"
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				if string(k) == "id" && mountIDs[strings.ToLower(string(v))] {
					m = "<" + string(name) + " id=\"" + string(v) + "\">"
				}
			}
			switch {
			case m != "" && tt == html.StartTagToken:
				mount = m
			case m != "":
				return "an empty " + m + " for scripts to fill"
			default:
				mount = ""
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.Noscript && noscript > 0 {
				noscript--
			}
			if mount != "" {
				return "an empty " + mount + " for scripts to fill"
			}
		}
	}
	return ""
}

package survey

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// Bounds on what is read from a page: a scanned site is hostile and may send
// anything, of any size.
const (
	maxHTML     = 2 << 20  // bytes of HTML examined
	maxTokens   = 200_000  // HTML tokens examined
	maxRefs     = 2_000    // resource URLs kept
	maxComments = 200      // comments kept
	maxMarkers  = 10_000   // ids, classes, names … kept
	maxForms    = 50       // forms kept
	maxInputs   = 500      // inputs kept per form
	maxText     = 96 << 10 // bytes of visible text kept
	maxAttr     = 2_048    // bytes kept of one attribute value
	maxTitle    = 512      // bytes kept of the title
	maxRequests = 5_000    // request URLs examined
)

// page is what the signatures and controls look at in one HTML document.
type page struct {
	// title is the document's title.
	title string
	// generators lists the contents of <meta name="generator">.
	generators []string
	// comments lists HTML comments, trimmed.
	comments []string
	// refs lists the URLs the document loads or embeds: script, link,
	// img, iframe, embed, source and form action URLs (not <a> links).
	refs []string
	// iframes lists the iframes' src URLs (also in refs).
	iframes []string
	// markers holds "tag=…", "id=…", "class=…", "name=…", "attr=data-…",
	// "form-id=…" and "form-name=…" entries, lower case.
	markers map[string]bool
	// forms lists the forms and their inputs; loose holds the inputs
	// outside any form.
	forms []form
	loose []input
	// text is the visible text, lower case, whitespace collapsed.
	text string
	// raw is the bounded HTML itself, scripts included.
	raw []byte
}

// form is one <form> element.
type form struct {
	id, name, action, method, role string
	inputs                         []input
}

// input is one input, select, textarea or button of a form.
type input struct {
	tag, typ, name, id string
}

// refAttrs are the attributes whose values are URLs a page loads or embeds.
var refAttrs = map[string]bool{
	"src": true, "href": true, "action": true, "data-src": true, "data-url": true,
	"data-tally-src": true, "formaction": true, "poster": true, "data": true,
}

// parsePage extracts what the signatures need from an HTML document. It
// never fails: whatever cannot be parsed is skipped.
func parsePage(doc []byte) *page {
	if len(doc) > maxHTML {
		doc = doc[:maxHTML]
	}
	p := &page{raw: doc, markers: map[string]bool{}}
	z := html.NewTokenizer(bytes.NewReader(doc))
	z.SetMaxBuf(maxHTML)
	var (
		text      strings.Builder
		skipDepth int // inside script, style, noscript, template
		inTitle   bool
		titleDone bool
		cur       = -1 // index of the open form in p.forms
	)
	for range maxTokens {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.CommentToken:
			if len(p.comments) < maxComments {
				p.comments = append(p.comments, clip(strings.TrimSpace(string(z.Text())), maxAttr))
			}
		case html.TextToken:
			if inTitle && !titleDone {
				p.title = clip(collapse(string(z.Text())), maxTitle)
				titleDone = true
			}
			if skipDepth == 0 && text.Len() < maxText {
				text.WriteString(" ")
				text.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template":
				if skipDepth > 0 {
					skipDepth--
				}
			case "title":
				inTitle = false
			case "form":
				cur = -1
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := strings.ToLower(string(k))
				if _, dup := attrs[key]; !dup {
					attrs[key] = clip(string(v), maxAttr)
				}
			}
			p.element(tag, attrs)
			switch tag {
			case "script", "style", "noscript", "template":
				if tt == html.StartTagToken {
					skipDepth++
				}
			case "title":
				inTitle = tt == html.StartTagToken
			case "meta":
				if strings.EqualFold(attrs["name"], "generator") && attrs["content"] != "" {
					p.generators = append(p.generators, strings.TrimSpace(attrs["content"]))
				}
			case "form":
				if len(p.forms) < maxForms {
					p.forms = append(p.forms, form{
						id: attrs["id"], name: attrs["name"], action: attrs["action"],
						method: strings.ToLower(attrs["method"]), role: strings.ToLower(attrs["role"]),
					})
					cur = len(p.forms) - 1
				}
				p.mark("form-id", attrs["id"])
				p.mark("form-name", attrs["name"])
			case "input", "select", "textarea", "button":
				in := input{tag: tag, typ: strings.ToLower(attrs["type"]), name: attrs["name"], id: attrs["id"]}
				if tag == "input" && in.typ == "" {
					in.typ = "text"
				}
				if cur >= 0 && len(p.forms[cur].inputs) < maxInputs {
					p.forms[cur].inputs = append(p.forms[cur].inputs, in)
				} else if cur < 0 && len(p.loose) < maxInputs {
					p.loose = append(p.loose, in)
				}
			}
		}
	}
	p.text = normaliseText(text.String())
	return p
}

// element records one start tag's markers and resource URLs.
func (p *page) element(tag string, attrs map[string]string) {
	p.mark("tag", tag)
	p.mark("id", attrs["id"])
	p.mark("name", attrs["name"])
	for _, c := range strings.Fields(attrs["class"]) {
		p.mark("class", c)
	}
	for k, v := range attrs {
		if strings.HasPrefix(k, "data-") {
			p.mark("attr", k)
		}
		// A link (<a href>) is not something the page loads: only a
		// stylesheet or other <link> is.
		if !refAttrs[k] || v == "" || (k == "href" && tag != "link") {
			continue
		}
		if len(p.refs) < maxRefs {
			p.refs = append(p.refs, strings.TrimSpace(v))
		}
		if tag == "iframe" && k == "src" && len(p.iframes) < maxRefs {
			p.iframes = append(p.iframes, strings.TrimSpace(v))
		}
	}
}

// mark records one marker, lower case.
func (p *page) mark(kind, value string) {
	if value == "" || len(p.markers) >= maxMarkers {
		return
	}
	p.markers[kind+"="+strings.ToLower(clip(value, 256))] = true
}

// allInputs returns every input of the page, in forms or not.
func (p *page) allInputs() []input {
	var all []input
	for _, f := range p.forms {
		all = append(all, f.inputs...)
	}
	return append(all, p.loose...)
}

// normaliseText lower-cases text, unifies apostrophes and spaces, and
// collapses whitespace, so that phrases match however the page typed them.
func normaliseText(s string) string {
	s = strings.NewReplacer("\u2019", "'", "\u00a0", " ", "\u202f", " ", "\u2026", "...").Replace(s)
	return strings.ToLower(collapse(s))
}

// collapse replaces runs of whitespace with one space and trims.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

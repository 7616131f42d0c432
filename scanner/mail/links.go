package mail

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// redirector is a click-tracking service's link form: links to one of
// hosts whose path contains one of paths go through it. decode, when set,
// returns the real destination when the link encodes it.
type redirector struct {
	entity string
	hosts  []string
	paths  []string
	decode func(u *url.URL) string
	// custom is the first label of the tracking hosts the provider has
	// customers create under their own domain ("email" for Mailgun's
	// email.<domain>): such links count when the provider sent the message.
	custom string
}

// redirectors are the click-tracking link forms vigie knows, keyed by the
// entity catalogue's keys. Sources: each provider's documentation of click
// tracking and observed messages; the forms are stable but not contracts.
var redirectors = []redirector{
	// https://mandrillapp.com/track/click/<user>/<host>?p=<base64 JSON {"p":"{…\"url\":…}"}>
	{entity: "mandrill", hosts: []string{"mandrillapp.com", "mandrill.com"}, paths: []string{"/track/click"}, decode: mandrillDestination},
	// https://<account>.us1.list-manage.com/track/click?u=…&id=…&e=… (looked up server-side)
	{entity: "mailchimp", hosts: []string{"list-manage.com"}, paths: []string{"/track/click"}},
	// https://u123.ct.sendgrid.net/ls/click?upn=… (encrypted), older /wf/click
	// or, with link branding, https://url1234.<domain>/ls/click?upn=…
	{entity: "sendgrid", hosts: []string{"sendgrid.net"}, paths: []string{"/ls/click", "/wf/click"}, custom: "url"},
	// Brevo: …sendibt3.com/tr/cl/<token>, …r.sp1-brevo.net/mk/cl/f/<token>
	{entity: "brevo", hosts: []string{"sendibt2.com", "sendibt3.com", "sendibm1.com", "sp1-brevo.net", "sendinblue.com", "brevo.com"}, paths: []string{"/tr/cl/", "/mk/cl/"}},
	// Mailjet: https://<x>.mjt.lu/lnk/<token>/…
	{entity: "mailjet", hosts: []string{"mjt.lu"}, paths: []string{"/lnk/"}},
	// Amazon SES: https://<x>.r.<region>.awstrack.me/L0/<escaped destination>/1/<message>/<hash>
	{entity: "amazon-ses", hosts: []string{"awstrack.me"}, paths: []string{"/L0/"}, decode: sesDestination},
	// Postmark: https://click.pstmrk.it/3s/<escaped host and path>/… (s: https)
	{entity: "postmark", hosts: []string{"pstmrk.it"}, paths: []string{"/"}, decode: postmarkDestination},
	// SparkPost: https://spgo.io/f/a/<token>/…, custom domains /f/a/ too
	{entity: "sparkpost", hosts: []string{"spgo.io", "sparkpostmail.com"}, paths: []string{"/f/"}},
	// Mailgun: https://email.<domain>/c/<token>, or on its own hosts
	{entity: "mailgun", hosts: []string{"mailgun.org", "mailgun.net"}, paths: []string{"/c/"}, decode: mailgunDestination, custom: "email"},
}

// pixelPath is an open-tracking image form.
type pixelPath struct {
	entity string
	hosts  []string
	paths  []string
}

// pixelPaths are the open-tracking image forms vigie knows.
var pixelPaths = []pixelPath{
	{entity: "mandrill", hosts: []string{"mandrillapp.com", "mandrill.com"}, paths: []string{"/track/open"}},
	{entity: "mailchimp", hosts: []string{"list-manage.com"}, paths: []string{"/track/open"}},
	{entity: "sendgrid", hosts: []string{"sendgrid.net"}, paths: []string{"/wf/open"}},
	{entity: "brevo", hosts: []string{"sendibt2.com", "sendibt3.com", "sendibm1.com", "sp1-brevo.net", "sendinblue.com", "brevo.com"}, paths: []string{"/tr/op/", "/mk/op/"}},
	{entity: "mailjet", hosts: []string{"mjt.lu"}, paths: []string{"/oo/"}},
	{entity: "amazon-ses", hosts: []string{"awstrack.me"}, paths: []string{"/I0/"}},
	{entity: "sparkpost", hosts: []string{"spgo.io", "sparkpostmail.com"}, paths: []string{"/q/"}},
	{entity: "postmark", hosts: []string{"pstmrk.it"}, paths: []string{"/open"}},
	{entity: "mailgun", hosts: []string{"mailgun.org", "mailgun.net"}, paths: []string{"/o/"}},
}

// maxLinkText bounds a link's text.
const maxLinkText = 200

// findLinks extracts the links and remote images of the bodies: anchors
// and images of the HTML parts, URLs written in the text parts.
func (a *analysis) findLinks() {
	byURL := map[string]int{}
	addLink := func(raw, text string) {
		u, host, ok := webURL(raw)
		if !ok {
			return
		}
		if i, seen := byURL[u.String()]; seen {
			if a.mail.Links[i].Text == "" {
				a.mail.Links[i].Text = text
			}
			return
		}
		if len(a.mail.Links) == MaxLinks {
			a.noteLimit("more than %d links: the rest were not analysed", MaxLinks)
			return
		}
		l := evidence.MailLink{ID: fmt.Sprintf("%s/link/%d", a.mail.ID, len(a.mail.Links)), URL: clip(u.String()), Host: host, Text: text}
		l.Redirector, l.Destination = redirect(u)
		byURL[u.String()] = len(a.mail.Links)
		a.mail.Links = append(a.mail.Links, l)
	}
	seenImg := map[string]bool{}
	addImage := func(raw string, attrs map[string]string) {
		u, host, ok := webURL(raw)
		if !ok || seenImg[u.String()] {
			return
		}
		if len(a.mail.Images) == MaxImages {
			a.noteLimit("more than %d remote images: the rest were not analysed", MaxImages)
			return
		}
		seenImg[u.String()] = true
		img := evidence.MailImage{ID: fmt.Sprintf("%s/img/%d", a.mail.ID, len(a.mail.Images)), URL: clip(u.String()), Host: host}
		img.Pixel, img.Reason = pixel(u, attrs)
		a.mail.Images = append(a.mail.Images, img)
	}
	for _, doc := range a.html {
		a.htmlText = append(a.htmlText, scanHTML(doc, addLink, addImage))
	}
	for _, t := range a.plain {
		for _, raw := range textURLs(t) {
			addLink(raw, "")
		}
	}
}

// webURL parses an http(s) URL with a host name, the host normalised.
func webURL(raw string) (*url.URL, string, bool) {
	raw = strings.TrimSpace(raw)
	if len(raw) > 8*maxValue {
		return nil, "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", false
	}
	host := names.Normalise(u.Hostname())
	if host == "" || (!validHost(host) && parseIP(strings.Trim(host, "[]")) == "") {
		return nil, "", false
	}
	return u, host, true
}

// scanHTML reads one HTML document: it reports each anchor (href and text)
// and image (src and attributes), and returns the visible text.
func scanHTML(doc string, link func(href, text string), image func(src string, attrs map[string]string)) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	var (
		text     strings.Builder
		href     string
		inAnchor bool
		anchor   strings.Builder
		skip     int // inside script or style
	)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if inAnchor {
				link(href, cleanText(anchor.String()))
			}
			return text.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if len(attrs) < 32 {
					attrs[string(k)] = string(v)
				}
			}
			switch string(name) {
			case "a", "area":
				if inAnchor {
					link(href, cleanText(anchor.String()))
				}
				href, inAnchor = attrs["href"], true
				anchor.Reset()
			case "img":
				image(attrs["src"], attrs)
			case "script", "style":
				skip++
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "table":
				text.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "a", "area":
				if inAnchor {
					link(href, cleanText(anchor.String()))
					inAnchor = false
				}
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "div", "tr", "li", "h1", "h2", "h3", "table":
				text.WriteByte('\n')
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			text.WriteString(t)
			if inAnchor && anchor.Len() < 4*maxLinkText {
				anchor.WriteString(t)
			}
		}
	}
}

// cleanText collapses white space and bounds a link text.
func cleanText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxLinkText {
		s = string(r[:maxLinkText]) + "…"
	}
	return clip(s)
}

// urlInText finds URLs written in plain text.
var urlInText = regexp.MustCompile(`https?://[^\s<>"'\x60{}|\\^\[\]]+`)

// textURLs returns the URLs of a text, without trailing punctuation.
func textURLs(t string) []string {
	var out []string
	for _, m := range urlInText.FindAllString(t, 4*MaxLinks) {
		out = append(out, strings.TrimRight(m, ".,;:!?)»"))
	}
	return out
}

// redirect returns the click-tracking service a link goes through (an
// entity key) and the real destination when the link encodes it.
func redirect(u *url.URL) (entity, destination string) {
	host := names.Normalise(u.Hostname())
	for _, r := range redirectors {
		if !inDomains(host, r.hosts) || !pathHas(u.Path, r.paths) {
			continue
		}
		if r.decode != nil {
			destination = checkDestination(r.decode(u))
		}
		return r.entity, destination
	}
	return "", ""
}

// customRedirects marks the links through a provider's tracking host under
// the sender's own domain (Mailgun's email.<domain>/c/…), once the message
// is known to be sent through that provider.
func (a *analysis) customRedirects() {
	sentBy := map[string]bool{}
	for _, p := range a.mail.Providers {
		for _, s := range p.Signals {
			if !strings.HasPrefix(s, evidence.SignalLink+" ") {
				sentBy[p.Entity] = true
			}
		}
	}
	for i := range a.mail.Links {
		l := &a.mail.Links[i]
		if l.Redirector != "" {
			continue
		}
		u, err := url.Parse(l.URL)
		if err != nil {
			continue
		}
		first, _, _ := strings.Cut(l.Host, ".")
		for _, r := range redirectors {
			if r.custom == "" || !sentBy[r.entity] || !strings.HasPrefix(first, r.custom) || !pathHas(u.Path, r.paths) {
				continue
			}
			l.Redirector = r.entity
			if r.decode != nil {
				l.Destination = checkDestination(r.decode(u))
			}
			break
		}
	}
}

// pathHas reports whether path contains one of the markers.
func pathHas(path string, markers []string) bool {
	for _, m := range markers {
		if strings.Contains(path, m) {
			return true
		}
	}
	return false
}

// checkDestination keeps a decoded destination only when it is an http(s)
// URL with a host.
func checkDestination(s string) string {
	if s == "" {
		return ""
	}
	u, _, ok := webURL(s)
	if !ok {
		return ""
	}
	return clip(u.String())
}

// maxPayload bounds an encoded redirect payload.
const maxPayload = 16 << 10

// mandrillDestination decodes Mandrill's p parameter: base64 of a JSON
// object whose "p" member is itself JSON holding "url".
func mandrillDestination(u *url.URL) string {
	p := u.Query().Get("p")
	if p == "" || len(p) > maxPayload {
		return ""
	}
	data := decodeBase64(p)
	if data == nil {
		return ""
	}
	var outer map[string]any
	if json.Unmarshal(data, &outer) != nil {
		return ""
	}
	if s, ok := outer["url"].(string); ok {
		return s
	}
	inner, ok := outer["p"].(string)
	if !ok {
		return ""
	}
	var in map[string]any
	if json.Unmarshal([]byte(inner), &in) != nil {
		return ""
	}
	s, _ := in["url"].(string)
	return s
}

// decodeBase64 decodes standard or URL-safe base64, padded or not.
func decodeBase64(s string) []byte {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

// sesDestination decodes an Amazon SES click link: the path segment after
// /L0/ is the escaped destination.
func sesDestination(u *url.URL) string {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		if s == "L0" && i+1 < len(segs) {
			d, err := url.PathUnescape(segs[i+1])
			if err != nil {
				return ""
			}
			return d
		}
	}
	return ""
}

// postmarkDestination decodes a Postmark click link: after /2s/ or /3s/
// (https) or /2/ or /3/ (http) comes the escaped host and path.
func postmarkDestination(u *url.URL) string {
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if len(segs) < 2 {
		return ""
	}
	scheme := ""
	switch segs[0] {
	case "2s", "3s":
		scheme = "https://"
	case "2", "3":
		scheme = "http://"
	default:
		return ""
	}
	d, err := url.PathUnescape(segs[1])
	if err != nil || d == "" {
		return ""
	}
	return scheme + d
}

// mailgunDestination decodes a Mailgun click link whose token is
// zlib-compressed base64 JSON holding "url"; other tokens are opaque.
func mailgunDestination(u *url.URL) string {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		if s != "c" || i+1 >= len(segs) || !strings.HasPrefix(segs[i+1], "eJ") || len(segs[i+1]) > maxPayload {
			continue
		}
		data := decodeBase64(segs[i+1])
		if data == nil {
			return ""
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return ""
		}
		defer zr.Close()
		plain, err := io.ReadAll(io.LimitReader(zr, maxPayload))
		if err != nil {
			return ""
		}
		var v map[string]any
		if json.Unmarshal(plain, &v) != nil {
			return ""
		}
		d, _ := v["url"].(string)
		return d
	}
	return ""
}

// pixel says whether an image is an open-tracking pixel: a known tracking
// path, a 1×1 (or smaller) image, or a hidden one.
func pixel(u *url.URL, attrs map[string]string) (bool, string) {
	host := names.Normalise(u.Hostname())
	for _, p := range pixelPaths {
		if inDomains(host, p.hosts) && pathHas(u.Path, p.paths) {
			return true, "known open-tracking path (" + p.entity + ")"
		}
	}
	style := strings.ToLower(strings.Join(strings.Fields(attrs["style"]), ""))
	w, h := tiny(attrs["width"]) || strings.Contains(style, "width:1px") || strings.Contains(style, "width:0"),
		tiny(attrs["height"]) || strings.Contains(style, "height:1px") || strings.Contains(style, "height:0")
	if w && h {
		return true, "1×1 image"
	}
	if strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden") {
		return true, "hidden image"
	}
	return false, ""
}

// tiny reports whether an HTML dimension is 0 or 1 pixel.
func tiny(v string) bool {
	v = strings.TrimSuffix(strings.TrimSpace(strings.ToLower(v)), "px")
	return v == "1" || v == "0"
}

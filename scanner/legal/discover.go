package legal

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/publicsuffix"

	"github.com/vigie-scan/vigie/scanner/names"
)

// Wordings that name legal pages, folded (lower case, no accents) and
// written as space-separated words. A trailing "*" matches any word
// beginning with the prefix (German compounds: Datenschutzerklärung).
var linkWords = map[string][]string{
	KindNotice: {
		"mentions legales", "mention legale", "mentions legale", "informations legales", "information legale",
		"avis legal", "notice legale", "legal notice", "legal notices", "legal information", "legal mentions",
		"legal", "imprint", "impressum", "site notice", "rechtliche hinweise", "anbieterkennzeichnung",
	},
	KindPrivacy: {
		"politique de confidentialite", "confidentialite", "donnees personnelles", "donnees a caractere personnel",
		"protection des donnees", "vie privee", "privacy", "privacy policy", "privacy notice", "data protection",
		"datenschutz*", "rgpd", "gdpr", "dsgvo",
	},
	KindCookies: {
		"cookie*", "traceurs", "gestion des cookies",
	},
}

// urlWords are matched against a URL path's words.
var urlWords = map[string][]string{
	KindNotice: {
		"mentions legales", "mention legale", "mentionslegales", "informations legales", "legal notice",
		"legal", "legals", "imprint", "impressum", "avis legal", "rechtliche hinweise", "mentions",
	},
	KindPrivacy: {
		"privacy*", "confidentialite", "donnees personnelles", "protection des donnees", "vie privee",
		"datenschutz*", "rgpd", "gdpr", "dsgvo",
	},
	KindCookies: {"cookie*", "traceurs"},
}

// offSiteDenied are hosts whose pages describe their own processing or the
// law, not the site's, though sites link to them with legal wordings
// ("cookies: see the CNIL", "Google's privacy policy applies"). Matched as
// host suffixes.
var offSiteDenied = []string{
	"cnil.fr", "legifrance.gouv.fr", "service-public.fr", "europa.eu", "bfdi.bund.de",
	"datenschutzkonferenz-online.de", "ico.org.uk", "edpb.europa.eu",
	"google.com", "google.fr", "google.de", "youtube.com", "facebook.com", "instagram.com",
	"twitter.com", "x.com", "linkedin.com", "microsoft.com", "apple.com", "mozilla.org",
	"wikipedia.org", "w3.org", "allaboutcookies.org", "youronlinechoices.com", "youronlinechoices.eu",
	"matomo.org", "tarteaucitron.io", "axeptio.eu", "didomi.io", "onetrust.com", "cookiebot.com",
	"usercentrics.com", "cookieyes.com", "iubenda.com", "osano.com", "trustarc.com",
}

// Link scores: how sure a link is to lead to one of the site's legal pages.
const (
	scoreOffSiteText = 1 // another site's page, whose link text names a legal page
	scoreURL         = 2 // the site's page, whose URL names a legal page
	scoreText        = 3 // the site's page, whose link text names a legal page
)

type link struct {
	cand  Candidate
	score int
	order int
}

// Discover returns the links of a page (html, loaded from pageURL) that lead
// to a legal notice, a privacy policy or a cookie policy, at most max of
// them (MaxCandidates when max ≤ 0 or larger).
//
// A link counts when its text (or its aria-label, title or image alt) or its
// URL path uses one of the wordings of these pages in French, English or
// German; <link rel="privacy-policy"> counts too. Links to the page's own
// registrable domain are kept whether the text or the URL matched. Links to
// other domains are kept only when their text matched, since legal pages on
// the platform vendor's domain exist; but never to regulators, law sites,
// consent platforms or the big platforms (offSiteDenied), whose pages
// describe their own processing, not the site's. Links with a fragment only,
// javascript: links (a consent manager's "Gestion des cookies") and links
// back to the page itself are ignored.
//
// The result is deduplicated by URL, ordered by kind in turn (notice,
// privacy, cookies, then the next of each) and within a kind by confidence
// (the site's own link text, then URL, then another site's) and document
// order, so that a bounded loader reads the most likely page of each kind
// first. Only the first MaxHTMLBytes of html and maxLinks links are examined.
func Discover(pageURL string, html []byte, max int) []Candidate {
	if max <= 0 || max > MaxCandidates {
		max = MaxCandidates
	}
	page, err := url.Parse(pageURL)
	if err != nil || (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return nil
	}
	page.Fragment, page.RawFragment = "", ""
	if len(html) > MaxHTMLBytes {
		html = html[:MaxHTMLBytes]
	}
	site := registrable(page.Hostname())
	var links []link
	base := page
	for i, raw := range scanLinks(html) {
		if raw.base {
			if b, err := page.Parse(raw.href); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
				base = b
			}
			continue
		}
		u, ok := resolve(base, raw.href)
		if !ok || u.String() == page.String() {
			continue
		}
		text := collapse(raw.text)
		kind, score := "", 0
		sameSite := registrable(u.Hostname()) == site
		if raw.rel != "" {
			kind, score = raw.rel, scoreText
		} else if k := classify(fold(text), linkWords); k != "" && utf8.RuneCountInString(text) <= 100 {
			kind, score = k, scoreText
			if !sameSite {
				score = scoreOffSiteText
			}
		} else if k := classifyURL(u); k != "" && sameSite {
			kind, score = k, scoreURL
		}
		if kind == "" || (!sameSite && denied(u.Hostname())) {
			continue
		}
		label := text
		if label == "" {
			label = u.EscapedPath()
		}
		links = append(links, link{cand: Candidate{URL: u.String(), Kind: kind, FoundBy: "link: " + clip(label, 80)}, score: score, order: i})
	}
	return rank(links, max)
}

// rank deduplicates links by URL (the most confident wins) and orders them
// by kind in turn, then confidence and document order.
func rank(links []link, max int) []Candidate {
	slices.SortStableFunc(links, func(a, b link) int { return b.score - a.score })
	seen := map[string]bool{}
	byKind := map[string][]link{}
	for _, l := range links {
		if seen[l.cand.URL] {
			continue
		}
		seen[l.cand.URL] = true
		byKind[l.cand.Kind] = append(byKind[l.cand.Kind], l)
	}
	for _, k := range kinds {
		slices.SortStableFunc(byKind[k], func(a, b link) int {
			if a.score != b.score {
				return b.score - a.score
			}
			return a.order - b.order
		})
	}
	var out []Candidate
	for i := 0; len(out) < max; i++ {
		added := false
		for _, k := range kinds {
			if i < len(byKind[k]) && len(out) < max {
				out = append(out, byKind[k][i].cand)
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// commonPaths are tried when the links found none of a kind, most common first.
var commonPaths = []struct{ path, kind string }{
	{"/mentions-legales", KindNotice},
	{"/politique-de-confidentialite", KindPrivacy},
	{"/cookies", KindCookies},
	{"/legal", KindNotice},
	{"/donnees-personnelles", KindPrivacy},
	{"/politique-cookies", KindCookies},
	{"/impressum", KindNotice},
	{"/privacy", KindPrivacy},
	{"/gestion-des-cookies", KindCookies},
	{"/mentions", KindNotice},
	{"/datenschutz", KindPrivacy},
	{"/cookie-policy", KindCookies},
	{"/informations-legales", KindNotice},
	{"/confidentialite", KindPrivacy},
	{"/legal-notice", KindNotice},
	{"/privacy-policy", KindPrivacy},
	{"/imprint", KindNotice},
	{"/vie-privee", KindPrivacy},
}

// CommonPaths returns the usual paths of legal pages (/mentions-legales,
// /legal, /impressum, /politique-de-confidentialite, /privacy, /cookies …) on
// base's scheme and host, the most common of each kind first, found by
// "path". It returns nil when base is not an http(s) URL.
func CommonPaths(base string) []Candidate {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	out := make([]Candidate, 0, len(commonPaths))
	for _, p := range commonPaths {
		c := url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Path: p.path}
		out = append(out, Candidate{URL: c.String(), Kind: p.kind, FoundBy: FoundByPath})
	}
	return out
}

// Given returns the pages given with --legal, in order, deduplicated, found
// by "given". Their kind is what the URL says, or empty (decided from the
// page's text when it is loaded). URLs that are not http(s) are dropped; the
// CLI validates them first.
func Given(urls []string) []Candidate {
	var out []Candidate
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		u.Fragment, u.RawFragment = "", ""
		u.Host = strings.ToLower(u.Host)
		if u.Path == "" {
			u.Path = "/"
		}
		if seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		out = append(out, Candidate{URL: u.String(), Kind: classifyURL(u), FoundBy: FoundByGiven})
	}
	return out
}

// Merge concatenates candidate lists, dropping later duplicates of a URL,
// at most MaxCandidates in all: Merge(Discover(...), CommonPaths(...)).
func Merge(lists ...[]Candidate) []Candidate {
	var out []Candidate
	seen := map[string]bool{}
	for _, l := range lists {
		for _, c := range l {
			if seen[c.URL] || len(out) >= MaxCandidates {
				continue
			}
			seen[c.URL] = true
			out = append(out, c)
		}
	}
	return out
}

// rawLink is an <a>, <area> or <link rel=privacy-policy> of a page, or its <base>.
type rawLink struct {
	href, text string
	rel        string // a kind, for <link rel="privacy-policy">
	base       bool
}

// scanLinks tokenises a page and returns its links in document order, at
// most maxLinks of them. The tokenizer is linear and keeps no tree.
func scanLinks(page []byte) []rawLink {
	z := html.NewTokenizer(bytes.NewReader(page))
	z.SetMaxBuf(MaxHTMLBytes)
	var out []rawLink
	var cur *rawLink // the <a> being read
	var text strings.Builder
	sawBase := false
	finish := func() {
		if cur != nil {
			if t := collapse(text.String()); t != "" {
				cur.text = t
			}
			out = append(out, *cur)
			cur = nil
		}
		text.Reset()
	}
	for len(out) < maxLinks {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			finish()
			return out
		case html.TextToken:
			if cur != nil && text.Len() < maxLinkText {
				text.Write(z.Text())
				text.WriteByte(' ')
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := readAttrs(z, hasAttr)
			switch atom.Lookup(name) {
			case atom.A, atom.Area:
				finish()
				href, ok := attrs["href"]
				if !ok {
					continue
				}
				l := rawLink{href: href, text: firstNonEmpty(attrs["aria-label"], attrs["title"])}
				if hasToken(attrs["rel"], "privacy-policy") {
					l.rel = KindPrivacy
				}
				if atom.Lookup(name) == atom.Area || tt == html.SelfClosingTagToken {
					l.text = firstNonEmpty(attrs["alt"], l.text)
					out = append(out, l)
					continue
				}
				cur = &l
			case atom.Img:
				if cur != nil && text.Len() < maxLinkText {
					text.WriteString(attrs["alt"])
					text.WriteByte(' ')
				}
			case atom.Link:
				if href, ok := attrs["href"]; ok && hasToken(attrs["rel"], "privacy-policy") {
					out = append(out, rawLink{href: href, rel: KindPrivacy})
				}
			case atom.Base:
				if href, ok := attrs["href"]; ok && !sawBase {
					sawBase = true
					out = append(out, rawLink{href: href, base: true})
				}
			case atom.Script, atom.Style, atom.Template:
				if tt == html.StartTagToken {
					skipRaw(z, name)
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); a == atom.A {
				finish()
			}
		}
	}
	return out
}

// skipRaw skips to the end tag of a raw-text element (the tokenizer already
// treats script and style as raw text; template content is skipped here).
func skipRaw(z *html.Tokenizer, name []byte) {
	want := string(name)
	for depth := 1; depth > 0; {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken:
			if n, _ := z.TagName(); string(n) == want {
				depth++
			}
		case html.EndTagToken:
			if n, _ := z.TagName(); string(n) == want {
				depth--
			}
		}
	}
}

// readAttrs returns a tag's attributes (the first of each name), bounded.
func readAttrs(z *html.Tokenizer, more bool) map[string]string {
	attrs := map[string]string{}
	for n := 0; more && n < 64; n++ {
		var k, v []byte
		k, v, more = z.TagAttr()
		if _, dup := attrs[string(k)]; !dup && len(v) <= 8192 {
			attrs[string(k)] = string(v)
		}
	}
	return attrs
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(strings.ToLower(list)) {
		if f == tok {
			return true
		}
	}
	return false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// resolve makes href absolute against base; it refuses non-http(s) links
// and links that only move within the page.
func resolve(base *url.URL, href string) (*url.URL, bool) {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") || len(href) > 2048 {
		return nil, false
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, false
	}
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" {
		u.Path = "/"
	}
	return u, true
}

// registrable returns a host's registrable domain, or the host itself.
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

func denied(host string) bool {
	return names.InDomains(host, offSiteDenied)
}

// classify returns the first kind (in priority order) one of whose wordings
// the folded text uses, or "".
func classify(folded string, words map[string][]string) string {
	w := " " + strings.Join(wordsOf(folded), " ") + " "
	for _, k := range kinds {
		for _, p := range words[k] {
			if hasPhrase(w, p) {
				return k
			}
		}
	}
	return ""
}

// classifyURL classifies a URL by the words of its path.
func classifyURL(u *url.URL) string {
	p, err := url.PathUnescape(u.EscapedPath())
	if err != nil {
		p = u.Path
	}
	return classify(fold(clip(p, 512)), urlWords)
}

// hasPhrase reports whether the space-framed word list w holds phrase p.
func hasPhrase(w, p string) bool {
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		return strings.Contains(w, " "+prefix)
	}
	return strings.Contains(w, " "+p+" ")
}

// wordsOf splits folded text into words of letters and digits.
func wordsOf(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= utf8.RuneSelf)
	})
}

// fold returns the folded form of s (see doc).
func fold(s string) string { return newDoc("", s).f }

// collapse joins the words of s with single spaces.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

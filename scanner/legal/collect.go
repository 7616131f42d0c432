package legal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Page is a loaded page as a visitor's browser renders it.
type Page struct {
	// URL is the URL asked for; FinalURL where it ended after redirects.
	URL      string
	FinalURL string
	// Status is the HTTP status of the main document (0 when unknown).
	Status int
	// ContentType is the document's media type (text/html …), when known.
	ContentType string
	// HTML is the document (for a browser, the DOM serialised after
	// scripts ran), at most MaxHTMLBytes.
	HTML []byte
	// Text is the rendered text (for a browser, document.body.innerText),
	// with its line structure.
	Text string
	// Loader says how the page was read, for the record
	// (evidence.LegalPage.Loader); "" when the loader does not say.
	Loader string
}

// Loader loads a page. A scan's loader goes through the recording proxy
// and renders with the browser the pages that do not read whole as served
// (Served), so that pages assembled by JavaScript are read as visitors see
// them; HTTPLoader reads pages without a browser. id is the page record's ID (legal/<n>), for the loader to label
// the load with. Load returns an error only when no document was
// received; an HTTP error status is a Page with that Status. Collect calls
// it from several goroutines at once.
type Loader interface {
	Load(ctx context.Context, id, url string) (Page, error)
}

// File is a file Collect keeps for the report bundle, with a
// bundle-relative path (legal/<n>.txt, legal/<n>.html).
type File struct {
	Path string
	Data []byte
}

// LoadWorkers is how many candidate pages Collect loads at once by default.
const LoadWorkers = 4

// Collect loads the candidate pages through loader, keeps those that read
// as legal pages, and extracts what they declare. It loads up to workers
// candidates at once (LoadWorkers when workers < 1), and judges them in
// candidate order, so that the outcome does not depend on workers.
//
// At most MaxLoads candidates are loaded and MaxPages pages kept. A
// candidate found by path is not loaded once a page of its kind is kept.
// Every load gets an ID (legal/<n>, given to the loader) and a record:
// error pages (transport errors, HTTP errors, "not found" pages served
// with 200, pages that duplicate one already kept, and pages found by path
// that do not read as a page of their kind — an application answering
// every path with its home page) are recorded with their Error and without
// text; so is a page found by path whose kind an earlier page loaded at
// the same time turned out to be ("not needed"). A kept page's rendered
// text (the first MaxTextBytes) is in the record; its full text and HTML
// go to the returned files, hashed with SHA-256 in the record; the HTML is
// kept inert (Inert: no script of the site's runs when the file is opened).
// A candidate without a kind (given with --legal) takes the kind its text reads as.
//
// Collect always returns a Legal value; cat may be nil (no mentions).
func Collect(ctx context.Context, loader Loader, candidates []Candidate, cat *entities.Catalogue, workers int) (*evidence.Legal, []File) {
	if workers < 1 {
		workers = LoadWorkers
	}
	st := &collection{lg: &evidence.Legal{}, haveKind: map[string]bool{}, keptURL: map[string]string{}, keptText: map[string]string{}}
	next := 0 // the next candidate to consider
	for ctx.Err() == nil && len(st.lg.Pages) < MaxLoads && st.kept < MaxPages {
		// The next wave: the candidates a search one at a time would load
		// now, up to workers.
		var wave []Candidate
		for next < len(candidates) && len(wave) < workers && len(st.lg.Pages)+len(wave) < MaxLoads {
			c := candidates[next]
			next++
			if c.FoundBy == FoundByPath && st.haveKind[c.Kind] {
				continue
			}
			wave = append(wave, c)
		}
		if len(wave) == 0 {
			break
		}
		first := len(st.lg.Pages) + 1
		pages := make([]Page, len(wave))
		errs := make([]error, len(wave))
		var wg sync.WaitGroup
		for i, c := range wave {
			wg.Go(func() { pages[i], errs[i] = loader.Load(ctx, fmt.Sprintf("legal/%d", first+i), c.URL) })
		}
		wg.Wait()
		for i, c := range wave {
			st.judge(fmt.Sprintf("legal/%d", first+i), c, pages[i], errs[i])
		}
	}
	d := Extract(st.lg.Pages, cat)
	d.Apply(st.lg)
	return st.lg, st.files
}

// collection is a search in progress: the records so far and what was kept.
type collection struct {
	lg       *evidence.Legal
	files    []File
	haveKind map[string]bool
	keptURL  map[string]string // final URL → page ID
	keptText map[string]string // text hash → page ID
	kept     int
}

// judge records the load of candidate c as page id: kept, or with the
// reason it was not.
func (st *collection) judge(id string, c Candidate, p Page, err error) {
	lp := evidence.LegalPage{ID: id, Kind: c.Kind, URL: c.URL, FoundBy: c.FoundBy}
	if err != nil {
		lp.Error = fmt.Sprintf("load %s: %v", c.URL, err)
		st.lg.Pages = append(st.lg.Pages, lp)
		return
	}
	lp.Status, lp.Loader = p.Status, p.Loader
	if p.FinalURL != "" && p.FinalURL != c.URL {
		lp.FinalURL = p.FinalURL
	}
	final := firstNonEmpty(p.FinalURL, c.URL)
	page := boundBytes(p.HTML, MaxHTMLBytes)
	text := boundText(p.Text, MaxHTMLBytes)
	textSum := sum([]byte(text))
	switch {
	case c.FoundBy == FoundByPath && st.haveKind[c.Kind]:
		lp.Error = fmt.Sprintf("not needed: a %s page was found meanwhile", c.Kind)
	case st.kept >= MaxPages:
		lp.Error = fmt.Sprintf("not needed: %d pages were kept meanwhile", MaxPages)
	case p.Status != 0 && (p.Status < 200 || p.Status > 299):
		lp.Error = fmt.Sprintf("HTTP status %d", p.Status)
	case p.ContentType != "" && !isTextType(p.ContentType):
		lp.Error = fmt.Sprintf("not an HTML page (%s)", p.ContentType)
	case strings.TrimSpace(text) == "":
		lp.Error = "the page has no text"
	case st.keptURL[final] != "":
		lp.Error = "same page as " + st.keptURL[final]
	case st.keptText[textSum] != "":
		lp.Error = "same text as " + st.keptText[textSum]
	case softNotFound(text):
		lp.Error = "a \"not found\" page served with status " + fmt.Sprint(p.Status)
	case c.FoundBy == FoundByPath && !readsAs(text, c.Kind):
		lp.Error = fmt.Sprintf("does not read as a %s page", c.Kind)
	}
	if lp.Error != "" {
		st.lg.Pages = append(st.lg.Pages, lp)
		return
	}
	n := len(st.lg.Pages) + 1
	if lp.Kind == "" {
		lp.Kind = kindOf(text)
	}
	lp.Lang = language(page, text)
	lp.Text = boundText(text, MaxTextBytes)
	lp.TextSHA256 = textSum
	lp.TextFile = fmt.Sprintf("legal/%d.txt", n)
	st.files = append(st.files, File{Path: lp.TextFile, Data: []byte(text)})
	if len(page) > 0 {
		// Kept inert: opening the bundle's file runs nothing of the site's.
		saved := Inert(page)
		lp.HTMLSHA256 = sum(saved)
		lp.HTMLFile = fmt.Sprintf("legal/%d.html", n)
		st.files = append(st.files, File{Path: lp.HTMLFile, Data: saved})
	}
	st.lg.Pages = append(st.lg.Pages, lp)
	st.haveKind[lp.Kind] = true
	st.keptURL[final] = lp.ID
	st.keptText[textSum] = lp.ID
	st.kept++
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func boundBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func isTextType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "text/html" || mt == "application/xhtml+xml" || mt == "text/plain"
}

// notFound recognises the wording of "page not found" pages.
var notFound = regexp.MustCompile(`\b(?:404|page introuvable|page non trouvee|page inexistante|cette page n'existe pas|la page demandee n'existe pas|page not found|not found|this page does not exist|seite nicht gefunden|nicht gefunden|existiert nicht)\b`)

// softNotFound reports whether a short page says it was not found.
func softNotFound(text string) bool {
	if len(text) > 3000 {
		return false
	}
	return notFound.MatchString(fold(boundText(text, 1000)))
}

// Wordings that a page of each kind uses in its body: a notice identifies
// its publisher and hoster; a privacy policy speaks of controllers,
// purposes, legal bases and rights; a cookie policy of lifetimes and
// purposes.
var (
	noticeBody  = regexp.MustCompile(`\b(?:heberg\w*|hosted|hosting|hoster|editeur|edite par|publisher|directeur de (?:la )?publication|directrice de (?:la )?publication|responsable de (?:la )?publication|siret|siren|rcs|angaben gem\w*|verantwortlich|impressum|imprint|legal notice|mentions legales|ddg|tmg|mstv|lcen)\b|§\s*5`)
	privacyBody = regexp.MustCompile(`\b(?:donnees (?:a caractere )?personnelles|rgpd|gdpr|dsgvo|responsable (?:du|de) traitement|controller|verantwortliche\w*|droits? d'(?:acces|opposition|effacement)|right (?:of access|to object|to erasure)|betroffenenrechte|auskunft|finalites?|purposes?|zweck\w*|base legale|legal basis|rechtsgrundlage|duree de conservation|retention|speicherdauer|cnil|dpo|delegue a la protection|data protection officer|datenschutzbeauftragte\w*|personal data|personenbezogene\w*)\b`)
	cookieBody  = regexp.MustCompile(`\b(?:duree|expiration|lifetime|expiry|expires|speicherdauer|laufzeit|finalites?|purposes?|zweck\w*|traceurs?|consentement|consent|einwilligung|mesure d'audience|audience|analytics|statisti\w*|navigateur|browser|parametr\w*|settings|einstellungen)\b`)
)

// distinct counts the distinct matches of re in folded text, up to max.
func distinct(re *regexp.Regexp, f string, max int) int {
	seen := map[string]bool{}
	for _, m := range re.FindAllString(f, 200) {
		seen[m] = true
		if len(seen) >= max {
			break
		}
	}
	return len(seen)
}

// readsAs reports whether text reads as a page of the given kind, so that
// an application answering every path with its home page (whose footer
// links to the legal pages) is not taken for one.
func readsAs(text, kind string) bool {
	f := fold(boundText(text, MaxTextBytes))
	switch kind {
	case KindNotice:
		return distinct(noticeBody, f, 2) >= 2
	case KindPrivacy:
		return distinct(privacyBody, f, 3) >= 3
	case KindCookies:
		return strings.Contains(f, "cookie") && distinct(cookieBody, f, 2) >= 2
	}
	return false
}

// kindOf decides the kind of a given page from its text: notice when it
// identifies a publisher or hoster, else privacy, else cookies, else notice.
func kindOf(text string) string {
	for _, k := range kinds {
		if readsAs(text, k) {
			return k
		}
	}
	return KindNotice
}

// language returns the page's language: <html lang>, else a guess from
// frequent words (fr, en, de), else "".
func language(page []byte, text string) string {
	if l := htmlLang(page); l != "" {
		return l
	}
	counts := map[string]int{}
	for _, w := range wordsOf(fold(boundText(text, 20000))) {
		switch w {
		case "le", "la", "les", "des", "et", "du", "est", "pour":
			counts["fr"]++
		case "the", "and", "of", "is", "for", "with", "this":
			counts["en"]++
		case "der", "die", "das", "und", "ist", "mit", "fur", "nicht":
			counts["de"]++
		}
	}
	best, n := "", 4
	for _, l := range []string{"fr", "en", "de"} {
		if counts[l] > n {
			best, n = l, counts[l]
		}
	}
	return best
}

// htmlLang returns the lang attribute of the page's <html> element, lower case.
func htmlLang(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(boundBytes(page, 64<<10)))
	for range 64 {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, more := z.TagName()
			if atom.Lookup(name) != atom.Html {
				continue
			}
			l := strings.ToLower(strings.TrimSpace(readAttrs(z, more)["lang"]))
			if len(l) > 16 || strings.ContainsFunc(l, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '-' || r >= '0' && r <= '9') }) {
				return ""
			}
			return l
		}
	}
	return ""
}

// HTTPLoader loads pages with plain HTTP, without running scripts: for
// tests against the lab's HTTPS servers, with a client that trusts the
// lab's certificate. A page assembled by JavaScript reads as empty through
// it; scans use the browser.
type HTTPLoader struct {
	// Client makes the requests; nil means http.DefaultClient. Redirects
	// are limited to 10 unless the client has its own policy.
	Client *http.Client
}

// Load fetches url and renders its text, reading at most MaxHTMLBytes;
// the page's ID is not used.
func (l HTTPLoader) Load(ctx context.Context, _, url string) (Page, error) {
	client := http.DefaultClient
	if l.Client != nil {
		client = l.Client
	}
	if client.CheckRedirect == nil {
		c := *client
		c.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}
		client = &c
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Page{}, fmt.Errorf("legal page %s: %w", url, err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.7,de;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return Page{}, fmt.Errorf("legal page %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxHTMLBytes))
	if err != nil {
		return Page{}, fmt.Errorf("legal page %s: read: %w", url, err)
	}
	p := Page{URL: url, FinalURL: resp.Request.URL.String(), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), HTML: body}
	mt, _, _ := mime.ParseMediaType(p.ContentType)
	switch mt {
	case "text/plain":
		p.Text, p.HTML = string(body), nil
	case "", "text/html", "application/xhtml+xml":
		p.Text = RenderText(body)
	}
	return p, nil
}

// blockElements start a new line in rendered text.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tr: true,
	atom.Ul: true, atom.Caption: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Option: true,
}

// hiddenElements are not rendered.
var hiddenElements = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true, atom.Select: true,
	atom.Textarea: true, atom.Title: true,
}

// voidElements have no content: a hidden one hides nothing.
var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true, atom.Hr: true,
	atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true, atom.Source: true,
	atom.Track: true, atom.Wbr: true,
}

// hiddenByAttr reports whether an element's attributes hide it from a
// browser's rendering: the hidden attribute, or an inline style with
// display:none or visibility:hidden. (Hiding by a stylesheet's class is
// not seen without the stylesheet.)
func hiddenByAttr(z *html.Tokenizer, more bool) bool {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "hidden":
			return true
		case "style":
			st := strings.ToLower(strings.Join(strings.Fields(string(v)), ""))
			if strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// RenderText renders an HTML document's text without running its scripts,
// approximating a browser's innerText: block elements and <br> break lines,
// table cells are separated by tabs, whitespace collapses, and scripts,
// styles, <noscript> (a browser runs scripts) and the elements hidden by
// their own attributes (hidden, an inline display:none) are left out.
// Linear in the input; at most MaxHTMLBytes are read and produced.
func RenderText(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(boundBytes(page, MaxHTMLBytes)))
	z.SetMaxBuf(MaxHTMLBytes)
	var b strings.Builder
	hidden := 0
	// hideTag is the name of the element hidden by its attributes that the
	// tokenizer is in, "" when none; hideNest counts the elements of that
	// name open inside it, itself included.
	hideTag, hideNest := "", 0
	pendingSpace := false
	last := byte('\n') // the last byte written; '\n' at the start
	write := func(s string) {
		if s != "" && b.Len() < MaxHTMLBytes {
			b.WriteString(s)
			last = s[len(s)-1]
		}
	}
	for b.Len() < MaxHTMLBytes {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if hidden > 0 || hideTag != "" {
				continue
			}
			raw := z.Text()
			if len(raw) > 0 && isHTMLSpace(rune(raw[0])) {
				pendingSpace = true
			}
			for i, w := range strings.FieldsFunc(string(raw), isHTMLSpace) {
				if (i > 0 || pendingSpace) && last != '\n' && last != '\t' {
					write(" ")
				}
				write(w)
				pendingSpace = false
			}
			if len(raw) > 0 && isHTMLSpace(rune(raw[len(raw)-1])) {
				pendingSpace = true
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, more := z.TagName()
			a := atom.Lookup(name)
			if hideTag != "" {
				switch {
				case string(name) != hideTag:
				case tt == html.StartTagToken:
					hideNest++
				case tt == html.EndTagToken:
					if hideNest--; hideNest == 0 {
						hideTag = ""
					}
				}
				continue
			}
			if tt == html.StartTagToken && hidden == 0 && !voidElements[a] && !hiddenElements[a] && hiddenByAttr(z, more) {
				hideTag, hideNest = string(name), 1
				continue
			}
			if hiddenElements[a] {
				if a != atom.Head && tt == html.StartTagToken {
					hidden++
				} else if a != atom.Head && tt == html.EndTagToken && hidden > 0 {
					hidden--
				}
				continue
			}
			if hidden > 0 {
				continue
			}
			switch {
			case a == atom.Br:
				write("\n")
			case (a == atom.Td || a == atom.Th) && tt == html.StartTagToken:
				if last != '\n' {
					write("\t")
				}
			case blockElements[a] && last != '\n':
				write("\n")
			}
			pendingSpace = pendingSpace && last != '\n' && last != '\t'
		}
	}
	return tidyLines(boundText(b.String(), MaxHTMLBytes))
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// tidyLines trims lines and keeps at most one empty line in a row.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(strings.TrimLeft(l, " \t"), " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

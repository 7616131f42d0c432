package legal

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// matcher finds the catalogue's organisations in folded text by their
// names, legal entities, registry names, aliases and domains, on word
// boundaries, case- and accent-insensitively. It works on words: a name is
// a sequence of words with the punctuation between them ("1&1",
// "Wix.com", "Entr'ouvert"), spaces and hyphens being equivalent ("Cap
// Collectif" is "Cap-Collectif", "google-analytics.com" names Google
// Analytics). Matching is linear in the text: each word looks up the names
// starting with it, longest first.
//
// Besides an entry's names, it knows its company's (legal entity, EU
// establishment, each also without its company form: "Google Ireland Ltd"
// finds "Google Ireland Limited") and its group's (Parent), and records
// which kind the page used. Two rules keep ordinary words out: a name
// written without accents does not match a word that has some ("Meta" is
// not "méta-données"), and a one-word name written with a capital does not
// match a word in lower case joined by a hyphen to another ("meta-data" is
// a common noun; a lone "openstreetmap" still names OpenStreetMap).
type matcher struct {
	ents  []entities.Entity
	first map[string][]*pattern
}

type pattern struct {
	words []string
	seps  []string // separator classes between words
	ent   int
	prio  int
	// upper: every spelling starts with a capital; accented: some spelling
	// has a letter outside ASCII.
	upper, accented bool
}

// Pattern priorities: which entity a name shared by several designates.
const (
	prioName = iota // its name, an alias or a domain
	prioOrgName
	prioLegalEntity
	prioEUEstablishment
	prioGroup
)

// mentionAs gives the evidence.Mention.As value of each priority.
var mentionAs = [...]string{
	prioName:            evidence.MentionName,
	prioOrgName:         evidence.MentionOrgName,
	prioLegalEntity:     evidence.MentionLegalEntity,
	prioEUEstablishment: evidence.MentionEUEstablishment,
	prioGroup:           evidence.MentionGroup,
}

// matcherCache keeps the matchers of the last catalogues used: a catalogue
// is immutable, and a scan uses one.
var matcherCache struct {
	sync.Mutex
	cats []*entities.Catalogue
	ms   []*matcher
}

// matcherFor returns the (cached) matcher of a catalogue.
func matcherFor(cat *entities.Catalogue) *matcher {
	matcherCache.Lock()
	defer matcherCache.Unlock()
	for i, c := range matcherCache.cats {
		if c == cat {
			return matcherCache.ms[i]
		}
	}
	m := newMatcher(cat)
	if len(matcherCache.cats) >= 4 {
		matcherCache.cats, matcherCache.ms = matcherCache.cats[1:], matcherCache.ms[1:]
	}
	matcherCache.cats = append(matcherCache.cats, cat)
	matcherCache.ms = append(matcherCache.ms, m)
	return m
}

// newMatcher indexes a catalogue's names. Names made only of company-form
// words, and one-word names shorter than three letters, are left out: they
// would match ordinary text.
func newMatcher(cat *entities.Catalogue) *matcher {
	m := &matcher{first: map[string][]*pattern{}}
	if cat == nil {
		return m
	}
	m.ents = cat.Entities()
	byKey := map[string]*pattern{}
	for i := range m.ents {
		e := &m.ents[i]
		// add indexes name, written display in the catalogue.
		add := func(name, display string, prio int) {
			words, seps := tokens(fold(name))
			if len(words) == 0 || (len(words) == 1 && len(words[0]) < 3) || names.NormaliseOrg(name) == "" {
				return
			}
			first, _ := utf8.DecodeRuneInString(display)
			upper := unicode.IsUpper(first)
			accented := strings.IndexFunc(display, func(r rune) bool { return r >= utf8.RuneSelf && unicode.IsLetter(r) }) >= 0
			key := strings.Join(words, " ") + "\x00" + strings.Join(seps, "\x00")
			if prev, ok := byKey[key]; ok {
				prev.upper = prev.upper && upper
				prev.accented = prev.accented || accented
				if prio < prev.prio {
					prev.ent, prev.prio = i, prio
				} else if prio == prev.prio && prio != prioName && prev.ent != i {
					// A legal entity shared by several entries (Google LLC): the
					// catalogue's own choice for that name.
					if o, ok := cat.ByOrgName(name); ok && o.Key == e.Key {
						prev.ent = i
					}
				}
				return
			}
			p := &pattern{words: words, seps: seps, ent: i, prio: prio, upper: upper, accented: accented}
			byKey[key] = p
			m.first[words[0]] = append(m.first[words[0]], p)
		}
		add(e.Name, e.Name, prioName)
		for _, a := range e.Aliases {
			add(a, a, prioName)
		}
		for _, d := range e.Domains {
			if strings.Contains(d, ".") {
				add(d, d, prioName)
			}
		}
		for _, o := range e.OrgNames {
			add(o, o, prioOrgName)
		}
		// A company or group as written, and without its company form.
		for _, c := range []struct {
			name string
			prio int
		}{{e.LegalEntity, prioLegalEntity}, {e.EUEstablishment, prioEUEstablishment}, {e.Parent, prioGroup}} {
			if c.name != "" {
				add(c.name, c.name, c.prio)
				add(names.NormaliseOrg(c.name), c.name, c.prio)
			}
		}
	}
	for _, ps := range m.first {
		slices.SortStableFunc(ps, func(a, b *pattern) int { return len(b.words) - len(a.words) })
	}
	return m
}

// find calls fn for each catalogue name found in d, in text order, with
// the folded range of the name and the kind of name it is
// (evidence.Mention.As); the longest name at a position wins and matches
// do not overlap. fn returns false to stop.
func (m *matcher) find(d *doc, fn func(e *entities.Entity, as string, fs, fe int) bool) {
	if len(m.first) == 0 {
		return
	}
	toks := wordSpans(d.f)
	for i := 0; i < len(toks); i++ {
		cands := m.first[d.f[toks[i][0]:toks[i][1]]]
		for _, p := range cands {
			if i+len(p.words) > len(toks) || !p.matchAt(d.f, toks, i) {
				continue
			}
			end := toks[i+len(p.words)-1][1]
			if !p.spelledAs(d, toks[i][0], end) {
				continue
			}
			if !fn(&m.ents[p.ent], mentionAs[p.prio], toks[i][0], end) {
				return
			}
			i += len(p.words) - 1
			break
		}
	}
}

// spelledAs reports whether the original text of a match at folded
// [fs, fe) can be the name: no accent the name lacks, and no capitalised
// one-word name found as a lower-case part of a hyphenated compound.
func (p *pattern) spelledAs(d *doc, fs, fe int) bool {
	s, e := d.orig(fs), d.origEnd(fs, fe)
	orig := d.src[s:e]
	if !p.accented && strings.IndexFunc(orig, func(r rune) bool { return r >= utf8.RuneSelf && unicode.IsLetter(r) }) >= 0 {
		return false
	}
	if p.upper && len(p.words) == 1 {
		first, _ := utf8.DecodeRuneInString(orig)
		before, _ := utf8.DecodeLastRuneInString(d.src[:s])
		after, _ := utf8.DecodeRuneInString(d.src[e:])
		if unicode.IsLower(first) && (isHyphen(before) || isHyphen(after)) {
			return false
		}
	}
	return true
}

// isHyphen reports whether r joins the words of a compound.
func isHyphen(r rune) bool { return r == '-' || r == '\u2010' || r == '\u2011' }

func (p *pattern) matchAt(f string, toks [][2]int, i int) bool {
	for k, w := range p.words {
		t := toks[i+k]
		if f[t[0]:t[1]] != w {
			return false
		}
		if k > 0 && sepClass(f[toks[i+k-1][1]:t[0]]) != p.seps[k-1] {
			return false
		}
	}
	return true
}

// tokens splits folded text into words and the separator classes between them.
func tokens(f string) ([]string, []string) {
	spans := wordSpans(f)
	words := make([]string, len(spans))
	var seps []string
	for i, s := range spans {
		words[i] = f[s[0]:s[1]]
		if i > 0 {
			seps = append(seps, sepClass(f[spans[i-1][1]:s[0]]))
		}
	}
	return words, seps
}

// sepClass reduces the text between two words to a class: spaces and
// hyphens are one class, other punctuation is kept without spaces, and a
// line break or a long gap matches nothing.
func sepClass(s string) string {
	if len(s) > 8 || strings.Contains(s, "\n") {
		return "\n"
	}
	t := strings.ReplaceAll(s, " ", "")
	if t == "" || t == "-" {
		return " "
	}
	return t
}

// wordSpans returns the folded ranges of the words of f: runs of ASCII
// letters and digits, or of other letters and digits.
func wordSpans(f string) [][2]int {
	var out [][2]int
	start := -1
	for i := 0; i < len(f); {
		c := f[i]
		size := 1
		word := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(f[i:])
			size = n
			word = unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(f)})
	}
	return out
}

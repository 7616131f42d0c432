package legal

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/entities"
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
type matcher struct {
	ents  []entities.Entity
	first map[string][]*pattern
}

type pattern struct {
	words []string
	seps  []string // separator classes between words
	ent   int
	prio  int
}

// Pattern priorities: which entity a name shared by several designates.
const (
	prioName = iota // its name, an alias or a domain
	prioOrgName
	prioLegalEntity
)

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
		add := func(name string, prio int) {
			words, seps := tokens(fold(name))
			if len(words) == 0 || (len(words) == 1 && len(words[0]) < 3) || names.NormaliseOrg(name) == "" {
				return
			}
			key := strings.Join(words, " ") + "\x00" + strings.Join(seps, "\x00")
			if prev, ok := byKey[key]; ok {
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
			p := &pattern{words: words, seps: seps, ent: i, prio: prio}
			byKey[key] = p
			m.first[words[0]] = append(m.first[words[0]], p)
		}
		add(e.Name, prioName)
		for _, a := range e.Aliases {
			add(a, prioName)
		}
		for _, d := range e.Domains {
			if strings.Contains(d, ".") {
				add(d, prioName)
			}
		}
		for _, o := range e.OrgNames {
			add(o, prioOrgName)
		}
		add(e.LegalEntity, prioLegalEntity)
	}
	for _, ps := range m.first {
		slices.SortStableFunc(ps, func(a, b *pattern) int { return len(b.words) - len(a.words) })
	}
	return m
}

// find calls fn for each catalogue name found in d, in text order, with
// the folded range of the name; the longest name at a position wins and
// matches do not overlap. fn returns false to stop.
func (m *matcher) find(d *doc, fn func(e *entities.Entity, fs, fe int) bool) {
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
			if !fn(&m.ents[p.ent], toks[i][0], end) {
				return
			}
			i += len(p.words) - 1
			break
		}
	}
}

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

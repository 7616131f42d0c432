package legal

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// doc is a page's rendered text prepared for matching: a folded copy
// (lower case, accents removed, typographic quotes, dashes and spaces made
// plain) in which every pattern of this package is written, with a map back
// to the byte offsets of the original text so that every fact keeps an
// exact span of what the page says.
type doc struct {
	id  string
	src string
	// f is the folded text; off[i] is the offset in src of the rune that
	// folded byte i comes from, off[len(f)] is len(src).
	f   string
	off []int32
	// lines are the folded [start, end) offsets of each line, newline excluded.
	lines [][2]int
}

// newDoc folds src. The work is linear in len(src).
func newDoc(id, src string) *doc {
	d := &doc{id: id, src: src}
	var b strings.Builder
	b.Grow(len(src) + len(src)/8)
	off := make([]int32, 0, len(src)+1)
	emit := func(s string, at int) {
		b.WriteString(s)
		for range len(s) {
			off = append(off, int32(at))
		}
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			emit(" ", i)
		case r == '\n':
			emit("\n", i)
		case r < utf8.RuneSelf:
			if r < ' ' || r == 0x7f {
				emit(" ", i)
			} else {
				emit(string(byte(unicode.ToLower(r))), i)
			}
		case unicode.IsSpace(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff':
			emit(" ", i)
		case unicode.Is(unicode.Mn, r):
			// a combining accent: dropped
		default:
			lr := unicode.ToLower(r)
			if s, ok := foldRune[lr]; ok {
				emit(s, i)
			} else if lr < utf8.RuneSelf {
				emit(string(byte(lr)), i)
			} else if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				emit(" ", i)
			} else {
				emit(string(lr), i)
			}
		}
		i += size
	}
	off = append(off, int32(len(src)))
	d.f, d.off = b.String(), off
	start := 0
	for i := 0; i <= len(d.f); i++ {
		if i == len(d.f) || d.f[i] == '\n' {
			d.lines = append(d.lines, [2]int{start, i})
			start = i + 1
		}
	}
	return d
}

// orig maps a folded offset to the original text.
func (d *doc) orig(i int) int {
	if i < 0 {
		return 0
	}
	if i >= len(d.off) {
		return len(d.src)
	}
	return int(d.off[i])
}

// origEnd maps the folded end offset of a match to the original text: the
// end of the original rune the last folded byte came from.
func (d *doc) origEnd(fs, fe int) int {
	if fe <= fs {
		return d.orig(fs)
	}
	o := d.orig(fe - 1)
	_, size := utf8.DecodeRuneInString(d.src[o:])
	if e := o + size; e > d.orig(fe) {
		return e
	}
	return d.orig(fe)
}

// raw returns the original text of the folded range [fs, fe), trimmed of
// spaces and of the punctuation that separates fields.
func (d *doc) raw(fs, fe int) string {
	s, e := d.trimmed(fs, fe)
	return d.src[s:e]
}

// trimmed returns the original [s, e) of the folded range, trimmed.
func (d *doc) trimmed(fs, fe int) (int, int) {
	s, e := d.orig(fs), d.origEnd(fs, fe)
	if e < s {
		e = s
	}
	for s < e {
		r, size := utf8.DecodeRuneInString(d.src[s:])
		if !isTrim(r) {
			break
		}
		s += size
	}
	for e > s {
		r, size := utf8.DecodeLastRuneInString(d.src[s:e])
		if !isTrim(r) || (r == '.' && endsWithAbbrev(d.src[s:e-size])) || (r == ')' && strings.Contains(d.src[s:e], "(")) {
			break
		}
		e -= size
	}
	return s, e
}

// span returns the evidence span of the folded range [fs, fe), trimmed.
func (d *doc) span(fs, fe int) evidence.Span {
	s, e := d.trimmed(fs, fe)
	return evidence.Span{Source: d.id, Start: s, End: e, Text: d.src[s:e]}
}

// isTrim reports whether r is trimmed from the ends of an extracted value.
func isTrim(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(",;:.–—-|·•*>«»\"“”()[]/", r) || r == utf8.RuneError
}

// endsWithAbbrev reports whether s ends with an abbreviation whose dot must
// be kept ("Inc", "S.A.S", "Str", "St").
func endsWithAbbrev(s string) bool {
	i := strings.LastIndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	w := strings.ToLower(s[i+1:])
	if strings.Contains(w, ".") {
		return true // S.A.S → S.A.S.
	}
	return abbreviations[w]
}

// abbreviations whose final dot belongs to them.
var abbreviations = map[string]bool{
	"inc": true, "ltd": true, "co": true, "corp": true, "str": true, "st": true, "av": true,
	"bd": true, "jr": true, "sr": true, "dr": true, "ave": true, "blvd": true, "rd": true,
	"m": true, "mme": true, "mlle": true, "me": true, "mr": true, "mrs": true, "ms": true, "prof": true,
	"cf": true, "etc": true, "abs": true, "no": true, "n": true, "tel": true, "vs": true,
}

// line returns the index of the line holding folded offset i.
func (d *doc) line(i int) int {
	lo, hi := 0, len(d.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if d.lines[mid][0] <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// sentence returns the folded bounds of the sentence around [fs, fe): within
// its line, from the previous sentence end to the next, at most maxSentence
// bytes either side.
func (d *doc) sentence(fs, fe int) (int, int) {
	ln := d.lines[d.line(fs)]
	s, e := fs, fe
	lo := max(ln[0], fs-maxSentence)
	for s > lo && !sentenceEndBefore(d.f, s, ln[0]) {
		s--
	}
	hi := min(ln[1], fe+maxSentence)
	for e < hi && !sentenceEndBefore(d.f, e+1, ln[0]) {
		e++
	}
	if e < hi {
		e++ // keep the final punctuation
	}
	// Do not cut a UTF-8 sequence of the folded text.
	for s > ln[0] && !utf8.RuneStart(d.f[s]) {
		s--
	}
	for e < ln[1] && e < len(d.f) && !utf8.RuneStart(d.f[e]) {
		e++
	}
	return s, e
}

// maxSentence bounds how far a sentence extends either side of a match.
const maxSentence = 300

// sentenceEndBefore reports whether a sentence ends just before folded
// offset i: "x. Y", "x! Y", "x? Y" where x is not an abbreviation.
func sentenceEndBefore(f string, i, lineStart int) bool {
	if i-2 < lineStart || i > len(f) {
		return false
	}
	if f[i-1] != ' ' {
		return false
	}
	p := f[i-2]
	if p != '.' && p != '!' && p != '?' {
		return false
	}
	if p == '.' {
		j := i - 2
		k := j
		for k > lineStart && isWordByte(f[k-1]) {
			k--
		}
		w := f[k:j]
		if len(w) <= 1 || abbreviations[w] {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// foldRune maps lower-case letters and punctuation to their plain forms.
var foldRune = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ė': "e", 'ę': "e", 'ě': "e", 'ğ': "g",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ı': "i", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'œ': "oe", 'ř': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ș': "s", 'ß': "ss", 'ť': "t", 'ț': "t", 'ţ': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
	'’': "'", '‘': "'", 'ʼ': "'", '´': "'", '`': "'", '′': "'",
	'“': "\"", '”': "\"", '„': "\"", '«': "\"", '»': "\"",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
	'…': "...", '•': "·", '∙': "·", '●': "·", '▪': "·",
	'☎': "tel ", '📞': "tel ", '✆': "tel ", '✉': "mail ",
}

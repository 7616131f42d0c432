package names

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// legalForms are the company-form words NormaliseOrg drops: registries, whois and legal pages
// write the same company as "OVH SAS", "OVH S.A.S." or "SAS OVH".
var legalForms = map[string]bool{
	// English
	"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true, "plc": true,
	"corp": true, "corporation": true, "co": true, "company": true, "llp": true, "uc": true,
	// French
	"sa": true, "sas": true, "sasu": true, "sarl": true, "eurl": true, "sca": true,
	// German, Austrian, Swiss
	"gmbh": true, "ag": true, "ug": true,
	// Dutch, Belgian
	"bv": true, "nv": true,
	// Nordic
	"ab": true, "as": true, "aps": true, "oy": true, "oyj": true, "asa": true,
	// Italian, Spanish
	"srl": true, "spa": true, "sl": true,
	// Central and Eastern Europe, Baltics
	"sro": true, "doo": true, "uab": true, "ou": true,
	// European company
	"se": true,
}

// legalFormPhrases are multi-word company forms, as tokens.
var legalFormPhrases = [][]string{
	{"sp", "z", "oo"}, // Polish "sp. z o.o."
}

// foldTable maps accented Latin letters (lower case) to plain ASCII.
var foldTable = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae",
	'ç': "c", 'ć': "c", 'ĉ': "c", 'ċ': "c", 'č': "c",
	'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ĕ': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ĝ': "g", 'ğ': "g", 'ġ': "g", 'ģ': "g",
	'ĥ': "h", 'ħ': "h",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ĩ': "i", 'ī': "i", 'ĭ': "i", 'į': "i", 'ı': "i",
	'ĵ': "j", 'ķ': "k",
	'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ŀ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ŏ': "o", 'ő': "o",
	'œ': "oe",
	'ŕ': "r", 'ŗ': "r", 'ř': "r",
	'ś': "s", 'ŝ': "s", 'ş': "s", 'š': "s", 'ș': "s", 'ß': "ss",
	'ţ': "t", 'ť': "t", 'ŧ': "t", 'ț': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ũ': "u", 'ū': "u", 'ŭ': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ŵ': "w", 'ý': "y", 'ÿ': "y", 'ŷ': "y",
	'ź': "z", 'ż': "z", 'ž': "z",
}

// NormaliseOrg reduces an organisation name to a comparison key, so that the spellings
// registries, whois servers and legal pages use for one company compare equal. It folds case,
// strips accents, removes the punctuation of abbreviations (dots, apostrophes, slashes and
// ampersands join: "S.A.S." is "sas", "A/S" is "as", "Amazon.com" is "amazoncom"), turns other
// punctuation into spaces, and drops company-form words (inc, llc, ltd, sas, sa, sarl, gmbh, se,
// bv, ab, as, plc, limited, corporation, corp, co and their European kin). "Cloudflare, Inc."
// and "CLOUDFLARE INC" both give "cloudflare". A name made only of such words gives "".
func NormaliseOrg(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		r = unicode.ToLower(r)
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
		case r == '.' || r == '\'' || r == '’' || r == '‘' || r == 'ʼ' || r == '/' || r == '&':
			// joins abbreviations
		case unicode.Is(unicode.Mn, r):
			// combining accent of a decomposed letter
		default:
			if f, ok := foldTable[r]; ok {
				b.WriteString(f)
			} else if r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		}
	}
	words := strings.Fields(b.String())
	// Removing a word can bring the words of a phrase together: repeat until nothing changes,
	// so that normalising a normalised name changes nothing.
	for {
		kept := words[:0]
		for i := 0; i < len(words); i++ {
			if n := phraseAt(words, i); n > 0 {
				i += n - 1
				continue
			}
			if !legalForms[words[i]] {
				kept = append(kept, words[i])
			}
		}
		if len(kept) == len(words) {
			break
		}
		words = kept
	}
	return strings.Join(words, " ")
}

// phraseAt returns the length of the legal-form phrase starting at words[i], or 0.
func phraseAt(words []string, i int) int {
	for _, p := range legalFormPhrases {
		if i+len(p) > len(words) {
			continue
		}
		match := true
		for k, w := range p {
			if words[i+k] != w {
				match = false
				break
			}
		}
		if match {
			return len(p)
		}
	}
	return 0
}

// FoldAlnum lowers s, strips the accents of Latin letters and keeps only
// letters and digits, so that "Ville de Ville-Exemple" contains
// "villeexemple" and a display name can be compared with a domain.
func FoldAlnum(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			if f, ok := foldTable[r]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

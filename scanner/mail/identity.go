package mail

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/publicsuffix"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// codeParams are the substrings of URL parameter names that carry
// participation codes, invitation tokens and session or user identifiers.
var codeParams = []string{
	"token", "code", "sid", "session", "invit", "ticket", "key", "hash", "auth", "confirm", "activation",
	"verif", "participant", "jeton", "otp", "pin", "access", "secret", "uid", "voter", "ballot", "login",
}

// isCodeParam reports whether a URL parameter name carries a code.
func isCodeParam(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "utm_") {
		return false
	}
	for _, p := range codeParams {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// codeLike reports whether a parameter value looks like a code rather than
// a flag or a word: 4 to 256 characters without spaces, with a digit or at
// least 12 characters long.
func codeLike(v string) bool {
	if len(v) < 4 || len(v) > 256 || strings.ContainsAny(v, " \t\r\n") {
		return false
	}
	return strings.ContainsFunc(v, unicode.IsDigit) || len(v) >= 12
}

// randomSegment reports whether a path segment looks like a unique token:
// 16 to 256 URL-safe characters mixing letters and digits, not a slug of
// words ("consultation-2024-velo").
func randomSegment(s string) bool {
	if len(s) < 16 || len(s) > 256 {
		return false
	}
	letters, digits := 0, 0
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters++
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("-_.=~%", r):
		default:
			return false
		}
	}
	if letters == 0 || digits < 2 {
		return false
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	words := 0
	for _, p := range parts {
		if len(p) >= 3 && !strings.ContainsFunc(p, unicode.IsDigit) {
			words++
		}
	}
	return !(len(parts) >= 2 && 2*words >= len(parts))
}

// textCode finds a code printed in a text after a keyword: "Votre code de
// participation : 4821-3957", "identifiant : K7QF29XM", "your code is 123456".
var textCode = regexp.MustCompile(`(?:^|[^\p{L}])(?i:code|identifiant|jeton|token|cl[ée]|num[ée]ro|mot de passe|password|passcode|pin|invitation)` +
	`((?:[^\S\n]+[\p{L}'’]+){0,4}?)[^\S\n]*(?:[:：]|(?i:est|is))[^\S\n]*([A-Za-z0-9][A-Za-z0-9-]{3,39})(?:$|[^\p{L}\p{N}-])`)

// notCodes are words between the keyword and the value that make it
// something else than a personal code.
var notCodes = []string{
	"postal", "promo", "insee", "naf", "ape", "siret", "siren", "couleur", "source", "article",
	"téléphone", "telephone", "tél", "tel", "fax", "mobile", "portable", "phone", "rue", "voie",
}

// salutation finds a greeting followed by a capitalised name.
var salutation = regexp.MustCompile(`(?m)^[^\S\n]*(?:Bonjour|Bonsoir|Salut|Cher|Chère|Chers|Chères|Dear|Hello|Hi|Madame|Monsieur)` +
	`[^\S\n]+(\p{Lu}[\p{L}'’.-]*(?:[^\S\n]+\p{Lu}[\p{L}'’.-]*){0,3})[^\S\n]*[,!:]`)

// notNames are capitalised words of greetings that are not names.
var notNames = map[string]bool{
	"madame": true, "monsieur": true, "mme": true, "m.": true, "mr": true, "mrs": true, "ms": true, "dr": true,
	"docteur": true, "maître": true, "mademoiselle": true, "mlle": true, "citoyen": true, "citoyenne": true,
	"citoyens": true, "participant": true, "participante": true, "participants": true, "habitant": true,
	"habitante": true, "habitants": true, "tous": true, "toutes": true, "utilisateur": true, "utilisatrice": true,
	"client": true, "cliente": true, "ami": true, "amie": true, "amis": true, "voisin": true, "voisine": true,
	"sir": true, "madam": true, "user": true, "customer": true, "friend": true, "all": true, "parent": true,
	"parents": true, "famille": true,
}

// findIdentity finds the participation codes and tokens of the message
// (URL parameters, random path segments, codes printed in the text) and
// where it names its recipient (To display name, a name-like To address,
// a greeting, the name or address written in the text).
func (a *analysis) findIdentity() {
	seen := map[string]bool{}
	addCode := func(kind, where, value string) {
		if value == "" || seen[value] {
			return
		}
		if len(a.mail.Codes) == MaxCodes {
			a.noteLimit("more than %d codes or tokens: the rest were not recorded", MaxCodes)
			return
		}
		seen[value] = true
		a.mail.Codes = append(a.mail.Codes, evidence.CodeMatch{Kind: kind, Where: where, Value: clip(value)})
		a.secrets.code(value)
	}
	for _, l := range a.mail.Links {
		target := l.URL
		if l.Redirector != "" {
			target = l.Destination // the wrapper's ids are tracking, not codes
		}
		u, _, ok := webURL(target)
		if !ok {
			continue
		}
		for _, kv := range queryPairs(u) {
			if isCodeParam(kv[0]) && codeLike(kv[1]) {
				addCode("url-parameter", l.ID, kv[1])
			}
		}
		for _, seg := range strings.Split(u.EscapedPath(), "/") {
			if randomSegment(seg) {
				addCode("path-segment", l.ID, seg)
			}
		}
	}
	texts := a.texts()
	for _, t := range texts {
		for _, m := range textCode.FindAllStringSubmatch(t.text, 4*MaxCodes) {
			filler, value := strings.ToLower(m[1]), m[2]
			if slices.ContainsFunc(notCodes, func(w string) bool { return strings.Contains(filler, w) }) {
				continue
			}
			if !strings.ContainsFunc(value, unicode.IsDigit) && !(len(value) >= 6 && strings.ToUpper(value) == value) {
				continue
			}
			addCode("text", t.source, value)
		}
	}

	// Where the recipient is named.
	toSource := a.mail.ID + "/header/to"
	var names []string
	for _, to := range a.mail.To {
		if n := strings.TrimSpace(to.Name); n != "" && n != to.Address {
			a.named(toSource, 0, len(n), n)
			names = append(names, n)
		}
		if nameLike(localPart(to.Address)) {
			a.named(toSource, 0, len(to.Address), to.Address)
		}
	}
	for _, t := range texts {
		for _, m := range salutation.FindAllStringSubmatchIndex(t.text, 20) {
			words := strings.Fields(t.text[m[2]:m[3]])
			var kept []string
			for _, w := range words {
				if !notNames[strings.ToLower(strings.Trim(w, ".,"))] {
					kept = append(kept, w)
				}
			}
			if len(kept) == 0 {
				continue
			}
			a.secrets.name(strings.Join(kept, " "))
			a.named(t.source, m[0], m[1], strings.TrimSpace(t.text[m[0]:m[1]]))
		}
		lower := strings.ToLower(t.text)
		for _, n := range names {
			if i := strings.Index(lower, strings.ToLower(n)); i >= 0 && len(n) >= 4 {
				a.named(t.source, i, i+len(n), t.text[i:i+len(n)])
			}
		}
		for _, to := range a.mail.To {
			if to.Address == "" {
				continue
			}
			if i := strings.Index(lower, strings.ToLower(to.Address)); i >= 0 {
				a.named(t.source, i, i+len(to.Address), t.text[i:i+len(to.Address)])
			}
		}
	}
}

// maxNamed bounds the places where the recipient is recorded as named.
const maxNamed = 20

// named records a place where the recipient is named.
func (a *analysis) named(source string, start, end int, text string) {
	for _, s := range a.mail.RecipientNamed {
		if s.Source == source && s.Start == start && s.End == end {
			return
		}
	}
	if len(a.mail.RecipientNamed) < maxNamed {
		a.mail.RecipientNamed = append(a.mail.RecipientNamed, evidence.Span{Source: source, Start: start, End: end, Text: clip(text)})
	}
}

// nameLike reports whether an address's local part looks like a person's
// name: two or more runs of letters joined by '.', '-' or '_' (marie.dupont).
func nameLike(local string) bool {
	parts := strings.FieldsFunc(strings.ToLower(local), func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	if len(parts) < 2 || len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if len(p) < 2 || strings.ContainsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) }) {
			return false
		}
	}
	return true
}

// sourceText is a decoded text of the message and its record ID.
type sourceText struct{ source, text string }

// texts returns the text parts ("<id>/text") and the visible text of the
// HTML parts ("<id>/html").
func (a *analysis) texts() []sourceText {
	var out []sourceText
	for _, t := range a.plain {
		out = append(out, sourceText{a.mail.ID + "/text", t})
	}
	for _, t := range a.htmlText {
		out = append(out, sourceText{a.mail.ID + "/html", t})
	}
	return out
}

// queryPairs returns the query parameters of u in order, bounded.
func queryPairs(u *url.URL) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(u.RawQuery, "&") {
		if len(out) == 100 {
			break
		}
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || k == "" {
			continue
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

// findDisplayNameDomains lists the registrable domains seen in the message
// whose name appears in the From display name.
func (a *analysis) findDisplayNameDomains() {
	name := names.FoldAlnum(a.mail.From.Name)
	if name == "" {
		return
	}
	var hosts []string
	hosts = append(hosts, a.mail.From.Domain, a.mail.BounceDomain, a.mail.MessageIDDomain)
	for _, r := range a.mail.ReplyTo {
		hosts = append(hosts, r.Domain)
	}
	for _, l := range a.mail.Links {
		hosts = append(hosts, l.Host)
		if u, h, ok := webURL(l.Destination); ok && u != nil {
			hosts = append(hosts, h)
		}
	}
	for _, i := range a.mail.Images {
		hosts = append(hosts, i.Host)
	}
	for _, h := range a.mail.Hops {
		hosts = append(hosts, h.From, h.By)
	}
	for _, d := range a.mail.DKIM {
		hosts = append(hosts, d.Domain)
	}
	for _, h := range hosts {
		d := registrable(h)
		if d == "" || contains(a.mail.DisplayNameDomains, d) {
			continue
		}
		if label := domainLabel(d); len(label) >= 4 && strings.Contains(name, label) {
			a.mail.DisplayNameDomains = append(a.mail.DisplayNameDomains, d)
		}
	}
	slices.Sort(a.mail.DisplayNameDomains)
}

// domainLabel returns a registrable domain without its public suffix,
// folded: "ville-exemple.fr" → "villeexemple".
func domainLabel(d string) string {
	suffix, _ := publicsuffix.PublicSuffix(d)
	return names.FoldAlnum(strings.TrimSuffix(strings.TrimSuffix(d, suffix), "."))
}

package legal

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Segment kinds.
const (
	segName = iota
	segStreet
	segPostcode
	segPhone
	segEmail
	segOther
)

// Pending labels: "Label :" with its value on the next line.
const (
	pendNone = iota
	pendName
	pendAddress
	pendSkip
)

// seg is one segment of a block's line, classified: a name, a street, a
// postcode and city, a phone number, an e-mail address or other text.
type seg struct {
	s, e int // folded range, trimmed
	kind int
	// forced is set for a name given after "Raison sociale :" or similar.
	forced bool
	// pc is the postcode match within a postcode segment: postcode [pcS,pcE),
	// city [cityS,cityE), all folded offsets.
	pcS, pcE, cityS, cityE int
	// val is the folded range of the value (the phone number, the email).
	valS, valE int
}

func isFoldedTrim(r rune) bool { return r == ' ' || r == '\n' || isTrim(r) }

func allNames(ss []seg) bool {
	for _, s := range ss {
		if s.kind != segName {
			return false
		}
	}
	return true
}

func anyForm(d *doc, ss []seg) bool {
	for _, s := range ss {
		if legalForm.MatchString(d.f[s.s:s.e]) {
			return true
		}
	}
	return false
}

// segments splits the folded line [s, e) into classified segments.
func (p *blockParser) segments(s, e int, pending *int) []seg {
	d := p.d
	var raw []seg
	start := s
	paren := false
	cut := func(i, skip int) {
		raw = appendTrimmed(d, raw, start, i)
		start = i + skip
	}
	for i := s; i < e; i++ {
		switch c := d.f[i]; {
		case c == ',' || c == ';' || c == '|' || c == '\t':
			// a comma inside a number ("1,5") does not cut
			if c == ',' && i > s && i+1 < e && isDigit(d.f[i-1]) && isDigit(d.f[i+1]) {
				continue
			}
			cut(i, 1)
		case c == 0xc2 && i+1 < e && d.f[i+1] == 0xb7: // "·"
			cut(i, 2)
			i++
		case c == '-' && i > s && i+1 < e && d.f[i-1] == ' ' && d.f[i+1] == ' ':
			cut(i, 1)
		case c == '(' && i > s && i+1 < e && d.f[i-1] == ' ' && d.f[i+1] >= 'a' && d.f[i+1] <= 'z':
			// "Hetzner Online GmbH (Industriestr. 25, …)", not "+1 (650)"
			cut(i, 1)
			paren = true
		case c == ')' && paren:
			cut(i, 1)
			paren = false
		}
	}
	raw = appendTrimmed(d, raw, start, e)

	// A phone, fax or e-mail label after other content starts a segment:
	// "59100 Roubaix Tél. : 1007".
	for i := 0; i < len(raw); i++ {
		t := d.f[raw[i].s:raw[i].e]
		if loc := labelSplit.FindStringIndex(t); loc != nil && loc[0] > 0 {
			at := raw[i].s + loc[0] + 1
			tail := seg{s: at, e: raw[i].e}
			raw[i].e = at - 1
			raw = append(raw[:i+1], append([]seg{tail}, raw[i+1:]...)...)
		}
	}

	// Merge house numbers with their street, company forms and US state
	// codes with what precedes them.
	var ss []seg
	for i := 0; i < len(raw); i++ {
		t := d.f[raw[i].s:raw[i].e]
		switch {
		case numberOnly.MatchString(t) && i+1 < len(raw):
			raw[i+1].s = raw[i].s
		case len(ss) > 0 && (formOnly.MatchString(t) || stateZip.MatchString(t)):
			ss[len(ss)-1].e = raw[i].e
		default:
			ss = append(ss, raw[i])
		}
	}
	for i := range ss {
		p.classify(&ss[i], pending)
	}
	return ss
}

func appendTrimmed(d *doc, ss []seg, s, e int) []seg {
	for s < e && (d.f[s] == ' ' || isTrimByte(d.f[s])) {
		s++
	}
	for e > s && (d.f[e-1] == ' ' || (isTrimByte(d.f[e-1]) && d.f[e-1] != '.' && d.f[e-1] != ')')) {
		e--
	}
	if e > s {
		ss = append(ss, seg{s: s, e: e})
	}
	return ss
}

func isTrimByte(c byte) bool { return c < utf8.RuneSelf && isTrim(rune(c)) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// classify decides what a segment is.
func (p *blockParser) classify(sg *seg, pending *int) {
	d := p.d
	t := d.f[sg.s:sg.e]
	pend := *pending
	*pending = pendNone

	// Phone numbers, unless a fax.
	if loc := phoneLabelled.FindStringSubmatchIndex(t); loc != nil && !faxLabel.MatchString(t[:loc[2]]) {
		sg.kind, sg.valS, sg.valE = segPhone, sg.s+loc[2], sg.s+loc[3]
		return
	}
	if faxLabel.MatchString(t) {
		sg.kind = segOther
		return
	}
	if m := emailRe.FindStringIndex(t); m != nil {
		sg.kind, sg.valS, sg.valE = segEmail, sg.s+m[0], sg.s+m[1]
		return
	}
	if loc := labelRe.FindStringSubmatchIndex(t); loc != nil {
		rest := sg.s + loc[1]
		empty := strings.TrimFunc(d.f[rest:sg.e], isFoldedTrim) == ""
		switch {
		case loc[2] >= 0: // email label without an address
			sg.kind = segOther
			return
		case loc[4] >= 0: // address
			if empty {
				sg.kind, *pending = segOther, pendAddress
				return
			}
			sg.s = rest
			t = d.f[sg.s:sg.e]
			pend = pendAddress
		case loc[6] >= 0: // name
			if empty {
				sg.kind, *pending = segOther, pendName
				return
			}
			sg.s, sg.forced = rest, true
			t = d.f[sg.s:sg.e]
			pend = pendName
		case loc[8] >= 0: // a representative: not the organisation
			sg.kind = segOther
			if empty {
				*pending = pendSkip
			}
			return
		case loc[12] >= 0: // register, tax and other identifiers
			sg.kind = segOther
			return
		default: // web site, contact
			if empty {
				sg.kind = segOther
				return
			}
			sg.s = rest
			t = d.f[sg.s:sg.e]
			if digitsOnly.MatchString(t) { // "Contact : 1007"
				sg.kind, sg.valS, sg.valE = segPhone, sg.s, sg.e
				return
			}
		}
	}
	if pend == pendSkip {
		sg.kind = segOther
		return
	}
	if pend != pendName {
		if phoneIntl.MatchString(t) || phoneFR.MatchString(t) {
			loc := phoneIntl.FindStringSubmatchIndex(t)
			if loc == nil {
				loc = phoneFR.FindStringSubmatchIndex(t)
			}
			// A number alone, or after a few words ("Service client 09 72 …").
			if len(strings.Fields(t[:loc[2]])) <= 3 {
				sg.kind, sg.valS, sg.valE = segPhone, sg.s+loc[2], sg.s+loc[3]
				return
			}
		}
		if capitalRe.MatchString(t) || registerRe.MatchString(t) || vatRe.MatchString(t) || urlish.MatchString(t) {
			sg.kind = segOther
			return
		}
		street := isStreet(t) && (len(t) > 0 && isDigit(t[0]) || !legalForm.MatchString(t))
		if p.postcode(sg, street) {
			sg.kind = segPostcode
			return
		}
		if street || pend == pendAddress {
			sg.kind = segStreet
			return
		}
		if countries[strings.TrimRight(t, ".")] || !strings.ContainsFunc(t, unicode.IsLetter) {
			sg.kind = segOther
			return
		}
	}
	sg.kind = segName
	sg.forced = sg.forced || pend == pendName
}

// isStreet reports whether folded text reads as a street address.
func isStreet(t string) bool {
	return streetFR.MatchString(t) || streetNum.MatchString(t) || streetBox.MatchString(t) || streetDE.MatchString(t) || streetEN.MatchString(t)
}

// postcode finds a postcode and city in a segment, trying the European,
// US, UK and four-digit forms in turn; the four-digit form is not tried in
// a street ("1600 Amphitheatre Parkway").
func (p *blockParser) postcode(sg *seg, street bool) bool {
	d := p.d
	t := d.f[sg.s:sg.e]
	set := func(pcS, pcE, cS, cE int) bool {
		cE = cS + cityEnd(t[cS:cE])
		if cE <= cS {
			return false
		}
		sg.pcS, sg.pcE, sg.cityS, sg.cityE = sg.s+pcS, sg.s+pcE, sg.s+cS, sg.s+cE
		return true
	}
	upper := func(i int) bool {
		r, _ := utf8.DecodeRuneInString(d.src[d.orig(sg.s+i):])
		return unicode.IsUpper(r)
	}
	for _, m := range pcFive.FindAllStringSubmatchIndex(t, 4) {
		if upper(m[4]) && !notCity[firstWord(t[m[4]:m[5]])] && !precededByBox(t[:m[2]]) && set(m[2], m[3], m[4], m[5]) {
			return true
		}
	}
	for _, m := range pcPrefixed.FindAllStringSubmatchIndex(t, 4) {
		if upper(m[4]) && set(m[2], m[3], m[4], m[5]) {
			return true
		}
	}
	if m := pcUS.FindStringSubmatchIndex(t); m != nil && upper(m[4]) && upper(m[4]+1) && upper(m[2]) {
		cS := lastClause(t, m[2], m[3])
		sg.pcS, sg.pcE, sg.cityS, sg.cityE = sg.s+m[4], sg.s+m[7], sg.s+cS, sg.s+m[3]
		return true
	}
	if m := pcUK.FindStringSubmatchIndex(t); m != nil && upper(m[4]) && upper(m[2]) && strings.ContainsAny(t[m[4]:m[5]], "0123456789") && !strings.ContainsAny(t[m[2]:m[3]], "0123456789") {
		cS := lastClause(t, m[2], m[3])
		sg.pcS, sg.pcE, sg.cityS, sg.cityE = sg.s+m[4], sg.s+m[5], sg.s+cS, sg.s+m[3]
		return true
	}
	if pcDublin.MatchString(t) && upper(0) { // a postal district: the city
		sg.pcS, sg.pcE, sg.cityS, sg.cityE = sg.s, sg.s, sg.s, sg.e
		return true
	}
	if pcEircode.MatchString(t) && upper(0) && strings.ContainsAny(t, "0123456789") {
		sg.pcS, sg.pcE, sg.cityS, sg.cityE = sg.s, sg.e, sg.e, sg.e
		return true
	}
	if street || strings.Contains(t, "©") || strings.Contains(t, "copyright") || capitalRe.MatchString(t) {
		return false
	}
	for _, m := range pcFour.FindAllStringSubmatchIndex(t, 4) {
		if upper(m[4]) && !notCity[firstWord(t[m[4]:m[5]])] && !precededByBox(t[:m[2]]) && set(m[2], m[3], m[4], m[5]) {
			return true
		}
	}
	return false
}

// lastClause returns where the city starts in [s, e): after the last
// street-like part ("101 Townsend St San Francisco" is not split by commas).
func lastClause(t string, s, e int) int {
	words := strings.Fields(t[s:e])
	if len(words) <= 3 {
		return s
	}
	// keep the last three words at most
	i := e
	for n := 0; n < 3; n++ {
		j := strings.LastIndexByte(strings.TrimRight(t[s:i], " "), ' ')
		if j < 0 {
			return s
		}
		i = s + j
	}
	return i + 1
}

func precededByBox(before string) bool {
	w := strings.Fields(before)
	if len(w) == 0 {
		return false
	}
	last := strings.TrimRight(w[len(w)-1], ".:")
	return last == "bp" || last == "cs" || last == "tsa" || last == "b.p" || last == "postfach" || last == "box"
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// cityEnd returns the length of the city at the start of t: its words up
// to a word that starts something else (a country, a phone label).
func cityEnd(t string) int {
	end := 0
	for n, i := 0, 0; i < len(t) && n < 5; n++ {
		for i < len(t) && t[i] == ' ' {
			i++
		}
		j := i
		for j < len(t) && t[j] != ' ' {
			j++
		}
		w := strings.Trim(t[i:j], ".:'-")
		if w == "" || (n > 0 && cityStop[w]) || (n == 0 && cityStop[w] && w != "luxembourg") {
			break
		}
		if isDigit(w[0]) && (n == 0 || !strings.HasSuffix(strings.TrimSpace(t[:i]), "cedex")) {
			break
		}
		end = j
		i = j
	}
	return end
}

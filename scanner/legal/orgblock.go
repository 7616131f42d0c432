package legal

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// role is what an organisation block declares.
type role int

const (
	roleHoster role = iota
	rolePublisher
)

// orgResult is one parsed organisation block.
type orgResult struct {
	org   evidence.DeclaredOrg
	score int
	ok    bool
}

// blockParser parses organisation blocks of one page.
type blockParser struct {
	d   *doc
	m   *matcher
	cat *entities.Catalogue
}

// Bounds of a block.
const (
	maxHosterLines    = 8
	maxPublisherLines = 16
	maxScanLines      = 48
	maxLineBytes      = 400
	maxTriggers       = 48
)

// parse reads the organisation block introduced by the trigger [ts, te).
func (p *blockParser) parse(r role, trigger *regexp.Regexp, ts, te int) orgResult {
	d := p.d
	li := d.line(ts)
	ln := d.lines[li]
	rs := p.skip(connector, te, ln[1])
	heading := strings.TrimFunc(d.f[rs:ln[1]], isFoldedTrim) == ""
	if heading && len(strings.Fields(d.f[ln[0]:ln[1]])) > 10 {
		return orgResult{}
	}
	if !heading {
		// "Hosting: this website is hosted by X": the later trigger says it better.
		first := strings.IndexAny(d.f[rs:ln[1]], ",;|(")
		if first < 0 {
			first = ln[1] - rs
		}
		if m := trigger.FindString(d.f[rs : rs+first]); verbTrigger[m] {
			return orgResult{}
		}
	}
	spanStart := ln[0]
	if !heading {
		spanStart, _ = d.sentence(ts, te)
	}
	maxLines := maxHosterLines
	if r == rolePublisher {
		maxLines = maxPublisherLines
	}

	var segs []seg
	pending := pendNone
	spanEnd := te
	have := func(k int) bool {
		for _, s := range segs {
			if s.kind == k {
				return true
			}
		}
		return false
	}
	complete := func() bool {
		return have(segName) && (have(segStreet) || have(segPostcode)) && have(segPhone)
	}
	// consume reads one line (or the rest of the trigger's line, inline);
	// it returns false when the line belongs to something else.
	consume := func(s, e int, inline bool) bool {
		if e-s > maxLineBytes {
			e = s + maxLineBytes
			for e > s && !utf8.RuneStart(d.f[e]) {
				e--
			}
		}
		line := strings.TrimFunc(d.f[s:e], isFoldedTrim)
		if line == "" {
			return true
		}
		if !inline {
			if stopHeading.MatchString(line) || trigger.MatchString(line) || (r == roleHoster && contactHeading.MatchString(line)) {
				return false
			}
			if len(strings.Fields(line)) > 25 && have(segName) {
				return false
			}
		}
		ls := p.segments(s, e, &pending)
		// A line of names after the name: another name of the same
		// organisation ("SAS OVH,") or a building ("Hôtel de ville") before
		// the address; after the address, something else.
		if !inline && len(ls) > 0 && allNames(ls) && have(segName) {
			if have(segStreet) || have(segPostcode) || have(segPhone) || (!anyForm(d, ls) && len(strings.Fields(line)) > 4) {
				return false
			}
		}
		segs = append(segs, ls...)
		spanEnd = e
		return true
	}
	lines := 0
	if !heading {
		consume(rs, ln[1], true)
		lines++
		if have(segName) && len(segs) > 1 && (have(segStreet) || have(segPostcode)) {
			// "Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix": the
			// line says it all; what follows is something else, unless it
			// is the phone.
			maxLines = 2
		}
	}
	for i := li + 1; i < len(d.lines) && i <= li+maxScanLines && lines < maxLines && !(r == roleHoster && complete()); i++ {
		l := d.lines[i]
		if strings.TrimSpace(d.f[l[0]:l[1]]) == "" {
			continue
		}
		if !consume(l[0], l[1], false) {
			break
		}
		lines++
	}
	return p.assemble(r, segs, spanStart, spanEnd)
}

// parseInline reads an organisation given entirely within [s, e) of one
// line, the sentence around it being the span.
func (p *blockParser) parseInline(r role, s, e int) orgResult {
	var pending int
	segs := p.segments(s, e, &pending)
	ss, se := p.d.sentence(s, e)
	return p.assemble(r, segs, ss, max(se, e))
}

// skip advances from i past what re matches, repeatedly.
func (p *blockParser) skip(re *regexp.Regexp, i, end int) int {
	for n := 0; n < 12 && i < end; n++ {
		loc := re.FindStringIndex(p.d.f[i:end])
		if loc == nil || loc[1] == 0 {
			break
		}
		i += loc[1]
	}
	return i
}

// assemble turns classified segments into a declared organisation.
func (p *blockParser) assemble(r role, segs []seg, spanStart, spanEnd int) orgResult {
	d := p.d
	var org evidence.DeclaredOrg
	firstAddr := len(segs)
	for i, s := range segs {
		if s.kind == segStreet || s.kind == segPostcode {
			firstAddr = i
			break
		}
	}
	// The name: a labelled one, else the first with a company form among
	// the names before the address, else the first of them.
	name := -1
	var names []int
	for i := 0; i < firstAddr; i++ {
		if segs[i].kind == segName {
			names = append(names, i)
		}
	}
	if len(names) == 0 {
		for i := firstAddr; i < len(segs); i++ {
			if segs[i].kind == segName && segs[i].forced {
				names = append(names, i)
				break
			}
		}
	}
	for _, i := range names {
		if segs[i].forced {
			name = i
			break
		}
	}
	if name < 0 {
		for n, i := range names {
			if n < 3 && legalForm.MatchString(d.f[segs[i].s:segs[i].e]) {
				name = i
				break
			}
		}
	}
	if name < 0 && len(names) > 0 {
		name = names[0]
	}
	hasForm := false
	if name >= 0 {
		ns, ne, ok := p.cleanName(segs[name].s, segs[name].e)
		if ok {
			org.Name = d.raw(ns, ne)
			hasForm = legalForm.MatchString(d.f[ns:ne])
		}
	}
	for i, s := range segs {
		switch s.kind {
		case segPhone:
			if org.Phone == "" {
				org.Phone = d.raw(s.valS, s.valE)
			}
		case segEmail:
			if org.Email == "" {
				org.Email = d.raw(s.valS, s.valE)
			}
		case segPostcode:
			if org.Postcode == "" && s.pcE > s.pcS {
				org.Postcode = d.raw(s.pcS, s.pcE)
			}
			if org.City == "" && s.cityE > s.cityS {
				org.City = d.raw(s.cityS, s.cityE)
			}
			// "8 rue de la Ville l'Evêque 75008 Paris": the street before the postcode.
			if before := strings.TrimFunc(d.f[s.s:s.pcS], isFoldedTrim); org.Address == "" && before != "" && isStreet(before) {
				org.Address = d.raw(s.s, s.pcS)
			}
		case segStreet:
			if org.Address == "" && (org.Postcode == "" || i < firstAddr+2) {
				start := s.s
				// "dont le siège est situé au 2 rue Kellermann" → "2 rue Kellermann"
				if m := streetNum.FindStringIndex(d.f[s.s:s.e]); m != nil && !streetFR.MatchString(d.f[s.s:s.e]) {
					start = s.s + m[0]
					for start > s.s && (isDigit(d.f[start-1]) || d.f[start-1] == '-' || d.f[start-1] == '/') {
						start-- // "63-65 boulevard"
					}
				}
				org.Address = d.raw(start, s.e)
			}
		}
	}
	// pcUS and pcUK keep the city inside the street segment: drop it from the address.
	if org.City != "" && org.Address != "" && strings.HasSuffix(org.Address, org.City) && org.Address != org.City {
		org.Address = strings.TrimRight(strings.TrimSuffix(org.Address, org.City), " ,")
	}
	if m := registerRe.FindStringIndex(d.f[spanStart:spanEnd]); m != nil {
		org.Register = d.raw(spanStart+m[0], spanStart+m[1])
	}
	if m := vatRe.FindStringIndex(d.f[spanStart:spanEnd]); m != nil {
		org.VATID = d.raw(spanStart+m[0], spanStart+m[1])
	}
	org.Span = d.span(spanStart, spanEnd)

	var relevant bool
	if org.Name != "" {
		if e := p.catalogueOf(org.Name); e != nil {
			org.Catalogue, org.LegalEntity = e.Key, e.LegalEntity
			relevant = e.Has(entities.CategoryHosting) || e.Has(entities.CategoryCloud) || e.Has(entities.CategoryCDN) || e.Has(entities.CategoryPlatform)
		}
	}
	address := org.Address != "" || org.Postcode != ""
	res := orgResult{org: org}
	switch r {
	case roleHoster:
		res.ok = org.Name != "" && (hasForm || relevant || address || org.Phone != "")
	case rolePublisher:
		res.ok = org.Name != "" && (hasForm || address || org.Phone != "" || org.Email != "" || org.Register != "" || publicBody.MatchString(fold(org.Name)))
	}
	for _, f := range []bool{org.Address != "", org.Postcode != "", org.Phone != ""} {
		if f {
			res.score += 2
		}
	}
	if org.Catalogue != "" {
		res.score++
	}
	if hasForm {
		res.score++
	}
	return res
}

// cleanName strips lead-ins and descriptions from a name segment and
// checks that what is left reads as a name.
func (p *blockParser) cleanName(s, e int) (int, int, bool) {
	d := p.d
	for n := 0; n < 6; n++ {
		loc := leadIn.FindStringIndex(d.f[s:e])
		if loc == nil || loc[1] == 0 {
			break
		}
		s += loc[1]
	}
	if loc := article.FindStringIndex(d.f[s:e]); loc != nil && s+loc[1] < e {
		r, _ := utf8.DecodeRuneInString(d.src[d.orig(s+loc[1]):])
		if unicode.IsUpper(r) {
			s += loc[1]
		}
	}
	if loc := nameCut.FindStringIndex(d.f[s:e]); loc != nil {
		e = s + loc[0]
	}
	for e > s && isFoldedTrim(rune(d.f[e-1])) && d.f[e-1] != '.' {
		e--
	}
	t := strings.TrimSpace(d.f[s:e])
	if t == "" || len(t) > 120 || len(strings.Fields(t)) > 10 || !strings.ContainsFunc(t, unicode.IsLetter) {
		return 0, 0, false
	}
	// A name starts with a capital, a digit or a brand in lower case that
	// the catalogue knows ("o2switch", "alwaysdata").
	r, _ := utf8.DecodeRuneInString(d.src[d.orig(s):])
	if !unicode.IsUpper(r) && !unicode.IsDigit(r) && p.catalogueOf(d.raw(s, e)) == nil {
		return 0, 0, false
	}
	return s, e, true
}

// catalogueOf returns the catalogue entity a declared name designates: by
// organisation name, else the longest catalogue name inside it.
func (p *blockParser) catalogueOf(name string) *entities.Entity {
	if e, ok := p.cat.ByOrgName(name); ok {
		return e
	}
	if p.m == nil {
		return nil
	}
	nd := newDoc("", name)
	var best *entities.Entity
	bestLen := 0
	p.m.find(nd, func(e *entities.Entity, _ string, fs, fe int) bool {
		if fe-fs > bestLen {
			best, bestLen = e, fe-fs
		}
		return true
	})
	return best
}

// endsWithInitial reports whether s ends with a one-letter word ("John F").
func endsWithInitial(s string) bool {
	i := strings.LastIndexByte(s, ' ')
	return len(s)-i-1 <= 1
}

// director reads the name after a director trigger [ts, te): on the same
// line, or on the next non-empty line when the trigger is a heading.
func (p *blockParser) director(ts, te int) (evidence.Span, bool) {
	d := p.d
	li := d.line(ts)
	ln := d.lines[li]
	vs := p.skip(directorConnector, te, ln[1])
	ve := ln[1]
	if strings.TrimFunc(d.f[vs:ve], isFoldedTrim) == "" {
		if len(strings.Fields(d.f[ln[0]:ln[1]])) > 12 {
			return evidence.Span{}, false
		}
		found := false
		for i := li + 1; i < len(d.lines) && i <= li+4; i++ {
			l := d.lines[i]
			if strings.TrimSpace(d.f[l[0]:l[1]]) != "" {
				vs, ve, found = l[0], l[1], true
				break
			}
		}
		if !found {
			return evidence.Span{}, false
		}
	}
	if ve-vs > maxLineBytes {
		ve = vs + maxLineBytes
		for ve > vs && !utf8.RuneStart(d.f[ve]) {
			ve--
		}
	}
	// The first segment is the person: "M. Jean Dupont, Maire" → "M. Jean Dupont".
	var pending int
	segs := p.segments(vs, ve, &pending)
	if len(segs) == 0 {
		return evidence.Span{}, false
	}
	s, e := segs[0].s, segs[0].e
	for from := s; ; {
		i := strings.Index(d.f[from:e], ". ")
		if i < 0 {
			break
		}
		if at := from + i; !endsWithAbbrev(d.f[s:at]) && !endsWithInitial(d.f[s:at]) {
			e = at // the end of a sentence
			break
		} else {
			from = at + 2
		}
	}
	t := strings.TrimSpace(d.f[s:e])
	words := strings.Fields(t)
	if len(words) == 0 || len(words) > 12 || stopHeading.MatchString(t) || emailRe.MatchString(t) {
		return evidence.Span{}, false
	}
	// A capitalised word among the first six: a name, not a sentence.
	capital := false
	pos := s
	for n, w := range words {
		if n >= 6 {
			break
		}
		i := strings.Index(d.f[pos:e], w)
		if i < 0 {
			break
		}
		r, _ := utf8.DecodeRuneInString(d.src[d.orig(pos+i):])
		if unicode.IsUpper(r) {
			capital = true
			break
		}
		pos += i + len(w)
	}
	if !capital {
		return evidence.Span{}, false
	}
	sp := d.span(s, e)
	return sp, sp.Text != ""
}

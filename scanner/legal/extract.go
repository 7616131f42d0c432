package legal

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// Declarations is what a site's legal pages declare. Every fact carries the
// span of page text it was read from.
type Declarations struct {
	// Hoster is the hoster the pages name (LCEN art. 6-III: name, address,
	// phone), nil when none is named.
	Hoster *evidence.DeclaredOrg
	// Publisher is the publisher (éditeur), or the provider of § 5 DDG.
	Publisher *evidence.DeclaredOrg
	// Director is the director of publication, or the person responsible
	// for content (§ 18 (2) MStV): the span of the name.
	Director *evidence.Span
	// Mentions lists every catalogue organisation named, once per page, in
	// page order then text order; each span is the sentence it appears in.
	Mentions []evidence.Mention
	// Transfers lists the sentences that declare transfers outside the EU
	// or their basis (standard contractual clauses, adequacy, the Data
	// Privacy Framework …).
	Transfers []evidence.Span
}

// Apply copies the declarations into l.
func (d *Declarations) Apply(l *evidence.Legal) {
	l.Hoster, l.Publisher, l.Director = d.Hoster, d.Publisher, d.Director
	l.Mentions, l.Transfers = d.Mentions, d.Transfers
}

// Bounds on what Extract reports.
const (
	maxMentionsPerPage = 200
	maxMentions        = 500
	maxTransfers       = 32
)

// transferTerms find declared transfers outside the EU and their basis, in
// French, English and German.
var transferTerms = regexp.MustCompile(`\b(?:transferts?\b[^.\n]{0,80}\b(?:hors|en dehors)\s+(?:de\s+l'|du\s+|de\s+la\s+|de\s+l\s)?(?:ue|union europeenne|eee|espace economique europeen)\b|(?:hors|en dehors de)\s+(?:l'|de l')?(?:ue|union europeenne|eee|espace economique europeen)\b|pays tiers?\b|clauses contractuelles (?:types|standards?)\b|decisions? d'adequation\b|data privacy framework\b|privacy shield\b|regles d'entreprise contraignantes\b|binding corporate rules\b|standard contractual clauses\b|sccs?\b|adequacy decisions?\b|third countr(?:y|ies)\b|outside (?:of )?(?:the )?(?:eu|eea|european union|european economic area)\b|transf\w*[^.\n]{0,60}\b(?:etats-unis|usa|united states)\b|drittland\w*|drittstaat\w*|drittlander\w*|standardvertragsklauseln\b|standarddatenschutzklauseln\b|angemessenheitsbeschluss\w*|ausserhalb (?:der eu|des ewr|der europaischen union)\b|ubermittlung\w*[^.\n]{0,60}\b(?:usa|vereinigte staaten)\b)`)

// Extract reads what the pages declare. Pages with an error or no text
// are skipped; at most MaxPages pages and the first MaxTextBytes of each
// are read. The hoster, publisher and director are looked for in notices
// first, then in the other pages; among several candidates the most
// complete wins. cat may be nil (no mentions, no catalogue keys).
func Extract(pages []evidence.LegalPage, cat *entities.Catalogue) Declarations {
	var out Declarations
	m := matcherFor(cat)
	type pageDoc struct {
		d    *doc
		kind string
	}
	var docs []pageDoc
	for _, p := range pages {
		if len(docs) >= MaxPages {
			break
		}
		if p.Error != "" || p.Text == "" {
			continue
		}
		docs = append(docs, pageDoc{newDoc(p.ID, boundText(p.Text, MaxTextBytes)), p.Kind})
	}
	// Notices first, otherwise in the given order.
	ordered := slices.Clone(docs)
	slices.SortStableFunc(ordered, func(a, b pageDoc) int {
		return boolInt(b.kind == KindNotice) - boolInt(a.kind == KindNotice)
	})

	// The publisher and director are read from notices when there are
	// any: a cookie policy's "Anbieter: Google Ireland Limited …" names a
	// vendor, not the site's provider. A hoster named in a notice wins over
	// one named in a policy.
	haveNotice := len(ordered) > 0 && ordered[0].kind == KindNotice
	var hoster, publisher orgResult
	for _, pd := range ordered {
		p := &blockParser{d: pd.d, m: m, cat: cat}
		bonus := 0
		if pd.kind == KindNotice {
			bonus = 10
		}
		for _, t := range pd.d.findAll(hosterTrigger) {
			if r := p.parse(roleHoster, hosterTrigger, t[0], t[1]); r.ok && (!hoster.ok || r.score+bonus > hoster.score) {
				r.score += bonus
				hoster = r
			}
		}
		for _, t := range pd.d.findSubmatchesIf("gehost", hostedBei) {
			if r := p.parseInline(roleHoster, t[2], t[3]); r.ok && (!hoster.ok || r.score+bonus > hoster.score) {
				r.score += bonus
				hoster = r
			}
		}
		if haveNotice && pd.kind != KindNotice {
			continue
		}
		for _, t := range pd.d.findAll(publisherTrigger) {
			if r := p.parse(rolePublisher, publisherTrigger, t[0], t[1]); r.ok && (!publisher.ok || r.score+bonus > publisher.score) {
				r.score += bonus
				publisher = r
			}
		}
		if out.Director == nil {
			for _, t := range pd.d.findAll(directorTrigger) {
				if sp, ok := p.director(t[0], t[1]); ok {
					out.Director = &sp
					break
				}
			}
		}
	}
	if hoster.ok {
		out.Hoster = &hoster.org
	}
	if publisher.ok {
		out.Publisher = &publisher.org
	}

	for _, pd := range docs {
		out.Mentions = append(out.Mentions, mentions(pd.d, m, maxMentions-len(out.Mentions))...)
		out.Transfers = append(out.Transfers, transfers(pd.d, maxTransfers-len(out.Transfers))...)
	}
	return out
}

// findAll returns the first maxTriggers matches of re in the folded text.
func (d *doc) findAll(re *regexp.Regexp) [][]int {
	return re.FindAllStringIndex(d.f, maxTriggers)
}

// findSubmatchesIf returns the first maxTriggers matches of re with their
// groups, when the folded text contains word (a cheap prefilter).
func (d *doc) findSubmatchesIf(word string, re *regexp.Regexp) [][]int {
	if !strings.Contains(d.f, word) {
		return nil
	}
	return re.FindAllStringSubmatchIndex(d.f, maxTriggers)
}

// mentions lists the catalogue organisations named in d, each once per
// kind of name (a page naming "Google" and "Google Ireland Limited" names
// the service and its EU establishment), with the sentence of its first
// mention.
func mentions(d *doc, m *matcher, limit int) []evidence.Mention {
	limit = min(limit, maxMentionsPerPage)
	if limit <= 0 {
		return nil
	}
	var out []evidence.Mention
	seen := map[string]bool{}
	m.find(d, func(e *entities.Entity, as string, fs, fe int) bool {
		name := d.raw(fs, fe)
		if as == evidence.MentionOrgName {
			// A registry name that is also the company's: say which.
			switch names.NormaliseOrg(name) {
			case names.NormaliseOrg(e.LegalEntity):
				as = evidence.MentionLegalEntity
			case names.NormaliseOrg(e.EUEstablishment):
				as = evidence.MentionEUEstablishment
			}
		}
		if seen[e.Key+"\x00"+as] {
			return true
		}
		seen[e.Key+"\x00"+as] = true
		ss, se := d.sentence(fs, fe)
		out = append(out, evidence.Mention{
			Entity: e.Key, Name: name, As: as, LegalEntity: e.LegalEntity,
			EUEstablishment: e.EUEstablishment, Parent: e.Parent,
			Categories: slices.Sorted(slices.Values(e.Categories)), Span: d.span(ss, se),
		})
		return len(out) < limit
	})
	return out
}

// transfers lists the sentences of d that declare a transfer outside the
// EU or its basis, each sentence once.
func transfers(d *doc, limit int) []evidence.Span {
	if limit <= 0 {
		return nil
	}
	var out []evidence.Span
	last := -1
	for _, loc := range transferTerms.FindAllStringIndex(d.f, 4*maxTransfers) {
		ss, se := d.sentence(loc[0], loc[1])
		if ss < last {
			continue // same sentence as the previous match
		}
		last = se
		out = append(out, d.span(ss, se))
		if len(out) >= limit {
			break
		}
	}
	return out
}

// boundText cuts s to at most n bytes on a rune boundary.
func boundText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package legal

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Every pattern below is written in folded text (see doc): lower case, no
// accents, plain quotes and dashes. Go's regexp runs in linear time.

// role is what an organisation block declares.
type role int

const (
	roleHoster role = iota
	rolePublisher
)

var (
	// hosterTrigger finds where a page speaks of its hoster: a heading
	// ("Hébergement", "Hosting", "Webhosting") or a phrase ("hébergé par",
	// "hosted by", "gehostet bei", "Hostinganbieter").
	hosterTrigger = regexp.MustCompile(`\b(?:heberg(?:ements?|eurs?|euse|ee?s?)|hosted|hosting(?:-?(?:provider|anbieter|dienstleister))?|web ?hosting|webhoster|hoster|hostinganbieter|hostingdienstleister|hosting-dienstleister|gehostet)\b`)

	// hostedBei finds the German verb-final form: "… wird bei der Hetzner
	// Online GmbH, Industriestr. 25, 91710 Gunzenhausen gehostet".
	hostedBei = regexp.MustCompile(`\b(?:bei|von|durch)\s+(?:der\s+|dem\s+|den\s+|die\s+)?([^\n]{2,240}?)\s+(?:gehostet|gehosted|gespeichert und gehostet)\b`)

	// publisherTrigger finds the publisher (LCEN: éditeur) or the provider
	// of § 5 DDG.
	publisherTrigger = regexp.MustCompile(`\b(?:editeur|editrice|edite(?:e)? par|edition du site|ce site est edite|site edite|proprietaire du site|publisher|published by|site operator|website operator|operator of (?:this|the) (?:site|website)|editor|herausgeber(?:in)?|diensteanbieter(?:in)?|anbieter(?:in)?|betreiber(?:in)?|seitenbetreiber|websitebetreiber|angaben gem(?:ass|\.)\s*§+\s*5\s*(?:ddg|tmg)|informationspflicht laut\s*§+\s*5\s*(?:ddg|tmg)|impressum|imprint|anbieterkennzeichnung)\b`)

	// directorTrigger finds the director of publication (LCEN) or the
	// person responsible for content (§ 18 (2) MStV).
	directorTrigger = regexp.MustCompile(`\b(?:(?:directeur(?:\s*(?:\(\s*t?rice\s*\)|/\s*t?rice|-\s*t?rice|·\s*t?rice|\.\s*t?rice\.?))?|directrice|responsable|direction)\s+(?:de\s+(?:la\s+)?|des\s+)?publications?|publication director|director of (?:the )?publication|publishing director|editor-in-chief|managing editor|(?:person )?responsible for (?:the )?(?:editorial )?contents?|verantwortlich(?:e|er)? (?:fur (?:den inhalt|die inhalte|inhalte|redaktionelle inhalte|journalistisch-redaktionelle inhalte)|i\.?\s?s\.?\s?d\.?|im sinne d|nach\s*§|gem(?:ass|\.)\s*§)|inhaltlich verantwortlich(?:e|er)?|redaktionell verantwortlich(?:e|er)?|v\.\s?i\.\s?s\.\s?d\.\s?p)\b\.?`)

	// connector strips what joins a trigger to the organisation it names.
	connector = regexp.MustCompile(`^(?:[\s:.,;)\]\-]+|(?:du|de la|de l'|des|de|of the|of|for the|for) (?:site|sites|plateforme|portail|service|services|donnees|application|website|web site|webseite|internetseite)(?: (?:internet|web))?\b|et maintenance\b|(?:est|sont|is|are|ist|wird|werden|erfolgt)\b|(?:(?:assure|realise|fourni|effectue|opere|gere|provided|operated|managed|done|hosted)e?s?\s+)?(?:par|chez|aupres de|by|with|at|on|bei|durch|von)\b|(?:assure|realise|fourni|effectue|opere|gere)e?s?\b|sur (?:les|des) serveurs (?:de|d')|(?:provider|anbieter|dienstleister|company|societe)\b|(?:en|in) [a-z-]+(?: [a-z-]+)? (?:par|chez|by|bei)\b)`)

	// directorConnector strips what joins the director trigger to a name.
	directorConnector = regexp.MustCompile(`^(?:[\s:.,;)\]\-]+|(?:du|de ce|de la|des) (?:site|contenus?|publication)\b|(?:fur|for) (?:den |die |das |the )?(?:inhalt|inhalte|content|contents)\b|den inhalt\b|(?:nach|gem(?:ass|\.)|i\.?\s?s\.?\s?d\.?|im sinne des?|laut|according to|pursuant to|under)(?:\s|$)|\(?§+\s*\d+[a-z]?(?:\s*abs\.?\s*\d+)?(?:\s*(?:satz|s\.)\s*\d+)?\s*(?:mstv|rstv|tmg|ddg)?\)?|(?:est|is|ist|sind)\b)`)

	// leadIn is stripped from the start of a name.
	leadIn = regexp.MustCompile(`^(?:(?:assure|realise|fourni|opere|gere|edite|publie)e?s?\s+par|par|chez|aupres de|la societe|societe|l'entreprise|entreprise|l'hebergeur|the company|company|provided by|operated by|published by|by|die firma|firma|bei|durch|von|est|is|ist)\b\s*|^[:\-·]\s*`)

	// article is stripped from the start of a name when a capitalised word follows.
	article = regexp.MustCompile(`^(?:(?:la|le|les|die|der|das|the)\b\s*|l')`)

	// nameCut ends a name at the words that start a description.
	nameCut = regexp.MustCompile(`\s(?:en|in|dans|situee?s?|located|based|qui|dont|afin|pour|which|where|whose|mit sitz|with (?:its )?(?:registered|head) office|sise?|domicilie|ayant son siege|au capital|with a capital|headquartered|registered in|immatricule)\b|\s?\(|\shttps?:|\swww\.`)

	// legalForm recognises a company form or a public body in a name.
	legalForm = regexp.MustCompile(`(?:^|\s|,)(?:sas|sasu|sa|sarl|eurl|sca|scop|scic|sem|spl|gip|inc|llc|ltd|limited|plc|corp|corporation|gmbh|ag|ug|kg|ohg|e\.\s?v|ev|bv|b\.v|nv|n\.v|se|s\.a\.s?|s\.a\.r\.l|srl|s\.r\.l|spa|s\.p\.a|ab|as|a/s|oy|sl|s\.l|sprl|scrl|asbl|d\.o\.o|s\.r\.o|association|foundation|stiftung|verein|groupe|group)\.?(?:$|\s|,)`)

	// publicBody recognises public bodies, which need no company form.
	publicBody = regexp.MustCompile(`\b(?:ville|commune|mairie|metropole|departement|conseil|region|communaute|agglomeration|prefecture|ministere|etablissement public|syndicat|centre communal|stadt|gemeinde|landkreis|kreis|bezirk|city of|town of|county|council|municipality|government)\b`)

	// stopHeading ends a block: the heading of another section.
	stopHeading = regexp.MustCompile(`^(?:[\divx]+\s*[.)-]\s*|article\s+\d+\s*[-:.]?\s*|[#*·>-]\s*)?(?:editeur|edite|edition|directeur|directrice|direction de|responsable de (?:la )?(?:publication|redaction)|propriete intellectuelle|credits?|conception|realisation|developpement|donnees personnelles|protection des donnees|cookies?|liens|limitation|responsabilite|droit applicable|loi applicable|mentions legales|publisher|published by|editor|publication director|director of|responsible for|intellectual property|copyright|design|development|privacy|personal data|herausgeber|angaben gem|diensteanbieter|verantwortlich|inhaltlich verantwortlich|haftung|urheberrecht|datenschutz|streitschlichtung|eu-streitschlichtung|verbraucherstreit|impressum|imprint|hebergement|hebergeur|hosting|webhosting|accessibilite|accessibility|barrierefreiheit)`)

	// contactHeading ends a hoster block, not a publisher's (§ 5 DDG
	// lists the contact within the provider's block).
	contactHeading = regexp.MustCompile(`^(?:contact|kontakt|nous contacter|contact us)\s*:?$`)

	// Fields.
	phoneLabelled = regexp.MustCompile(`(?:^|[^a-z])(?:tel(?:ephone)?|telefon|phone|fon|t|standard|mobile|portable|hotline|numero)\b\.?\s*(?:\([^)]{0,30}\)\s*)?(?:[:.]\s*)?(?:\([^)]{0,30}\)\s*)?(\+?\(?\d[\d\s().\/-]{2,24}\d)`)
	phoneIntl     = regexp.MustCompile(`(?:^|[^\d+])(\+\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,5})\b`)
	phoneFR       = regexp.MustCompile(`(?:^|[^\d])(0[1-9](?:[\s.-]?\d{2}){4})\b`)
	faxLabel      = regexp.MustCompile(`\b(?:fax|telecopie|telefax|telecopieur)\b`)
	emailRe       = regexp.MustCompile(`[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}`)
	registerRe    = regexp.MustCompile(`\b(?:rcs\s+[a-z][a-z' -]{1,40}?\s?(?:[ab]\s)?\d{3}\s?\d{3}\s?\d{3}|siret\s*(?:n\S*\s*)?:?\s*\d{3}\s?\d{3}\s?\d{3}\s?\d{5}|siren\s*(?:n\S*\s*)?:?\s*\d{3}\s?\d{3}\s?\d{3}|hr[ab]\s*\d{2,7}(?:\s?[a-z]{1,3}\b)?|(?:company|registration) (?:number|no\.?)\s*:?\s*[a-z0-9]{5,12})`)
	vatRe         = regexp.MustCompile(`\b(?:fr\s?[0-9a-z]{2}\s?\d{3}\s?\d{3}\s?\d{3}|de\s?\d{9}|lu\s?\d{8}|be\s?0?\d{3}\.?\d{3}\.?\d{3}|nl\s?\d{9}b\d{2}|ie\s?\d{7}[a-z]{1,2}|at\s?u\d{8}|ch[e]?-?\d{3}\.?\d{3}\.?\d{3})\b`)
	capitalRe     = regexp.MustCompile(`\b(?:au capital|capital social|capital de|share capital|stammkapital|grundkapital)\b`)
	urlish        = regexp.MustCompile(`(?:https?:|www\.|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:fr|com|net|org|eu|de|io|lu|be)(?:/\S*)?$)`)
	numberOnly    = regexp.MustCompile(`^\d{1,5}(?:\s?(?:bis|ter|[a-d]))?$`)
	formOnly      = regexp.MustCompile(`^(?:inc|llc|ltd|limited|plc|corp|sas|sa|sarl|gmbh|ag|se|bv|b\.v|nv|s\.a\.s?|s\.a\.r\.l|srl|spa|ab|as|oy|kg|co\.?\s?kg|gmbh\s?&\s?co\.?\s?kg|e\.\s?v)\.?$`)
	stateZip      = regexp.MustCompile(`^(?:al|ak|az|ar|ca|co|ct|de|dc|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy)\s+\d{5}(?:-\d{4})?$`)
	labelSplit    = regexp.MustCompile(`\s(?:tel(?:ephone)?|telefon|phone|fax|telecopie|e-?mail|courriel)\b\.?\s*[:.]`)
	digitsOnly    = regexp.MustCompile(`^\+?[\d\s().\/-]{4,}$`)

	// labelRe recognises "Label :" prefixes; the group says which.
	labelRe = regexp.MustCompile(`^(?:(adresse (?:e-?mail|electronique|mail)|e-?mail|courriel|mail)|(adresse postale|adresse|address|postal address|anschrift|postanschrift|siege social|siege|registered office|head office|sitz|domicile)|(raison sociale|denomination(?: sociale)?|nom|name|firma|company name|societe)|(vertreten durch|vertretungsberechtigte?r?(?: geschaftsfuhrer(?:in)?)?|geschaftsfuhrer(?:in)?|represented by|representee? par|president(?:e)?|managing director|gerant(?:e)?)|(site(?: web| internet)?|website|web|internet|url|contact|kontakt|support|service client|customer service)|(handelsregister|registergericht|registernummer|registereintrag|eintragung im handelsregister|umsatzsteuer[^:\n]{0,80}|ust-?id(?:nr)?|ust-idnr|steuernummer|tva(?: intracommunautaire)?|n° tva|numero de tva|vat(?: number| id| no)?|rcs|siret|siren|capital(?: social)?|code ape|code naf|aufsichtsbehorde|kammer|berufsbezeichnung))\b\.?\s*(?:\([^)]{0,40}\))?\s*(?::\s*|$)`)

	// Postcodes and cities.
	pcFive     = regexp.MustCompile(`(?:^|[^0-9a-z])(?:(?:f|fr|d|de)\s?-\s?)?(\d{5})\s+([\pL][\pL'\-]*(?:\s+[\pL][\pL'\-]*){0,5}(?:\s+\d{1,2})?)`)
	pcPrefixed = regexp.MustCompile(`(?:^|[^0-9a-z])((?:l|b|ch|a|dk|lu|be|at)\s?-\s?\d{4})\s+([\pL][\pL'\-]*(?:\s+[\pL][\pL'\-]*){0,4})`)
	pcUS       = regexp.MustCompile(`([\pL][\pL .'\-]{1,40}?),?\s+([a-z]{2})\s+(\d{5}(?:-\d{4})?)\b`)
	pcUK       = regexp.MustCompile(`([\pL][\pL .'\-]{1,30}?),?\s+([a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2})\b`)
	pcDublin   = regexp.MustCompile(`^dublin\s+\d{1,2}w?$`)
	pcEircode  = regexp.MustCompile(`^(?:[a-z]\d{2}|d6w)\s?[a-z0-9]{4}$`)
	pcFour     = regexp.MustCompile(`(?:^|[^0-9a-z.,])(\d{4})\s+([\pL][\pL'\-]*(?:\s+[\pL][\pL'\-]*){0,3})`)

	// Streets.
	streetFR  = regexp.MustCompile(`^(?:\d{1,5}(?:\s?(?:bis|ter|[a-d]))?\s*,?\s+)?(?:rue|avenue|av\.?|bd|boulevard|place|chemin|allee|impasse|quai|route|rte|cours|square|voie|passage|parvis|faubourg|esplanade|promenade|zone (?:artisanale|industrielle|d'activites?)|za|zi|zac|lieu-dit|hameau|rond-point|residence|batiment|immeuble|centre d'affaires|parc d'activites?)\b`)
	streetNum = regexp.MustCompile(`\b\d{1,5}(?:\s?(?:bis|ter|[a-d]))?\s*,?\s+(?:rue|avenue|av\.?|bd|boulevard|place|chemin|allee|impasse|quai|route|rte|cours|square|voie|passage|faubourg|esplanade|promenade)\b`)
	streetBox = regexp.MustCompile(`\b(?:bp|cs|tsa|b\.p\.|postfach|po box|p\.o\. box)\s*\d+`)
	streetDE  = regexp.MustCompile(`\b[\pL-]*(?:strasse|str\.|str|weg|platz|allee|gasse|ring|damm|ufer|chaussee)\s*\d+\s?[a-z]?\b`)
	streetEN  = regexp.MustCompile(`\b\d{1,5}[a-z]?\s+(?:[\pL0-9'.\-]+\s+){0,4}(?:street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln|boulevard|blvd|drive|dr|way|place|square|sq|court|ct|terrace|parkway|pkwy|highway|hwy|quay|plaza)\b|\b[\pL'.\-]+\s+(?:street|road|avenue|lane|square|quay|plaza|place|house|park|building|centre|center)\b`)
)

// verbTrigger are the trigger words that introduce the hoster after them
// ("is hosted by X"), unlike nouns that may be part of a name ("Exemple
// Hébergement SAS").
var verbTrigger = map[string]bool{
	"hosted": true, "heberge": true, "hebergee": true, "heberges": true, "hebergees": true, "gehostet": true,
}

// countries are segments that name only a country.
var countries = map[string]bool{
	"france": true, "germany": true, "deutschland": true, "allemagne": true, "luxembourg": true, "luxemburg": true,
	"belgique": true, "belgium": true, "belgien": true, "suisse": true, "switzerland": true, "schweiz": true,
	"usa": true, "u.s.a": true, "us": true, "united states": true, "united states of america": true, "etats-unis": true,
	"etats unis": true, "ireland": true, "irlande": true, "irland": true, "netherlands": true, "the netherlands": true,
	"pays-bas": true, "niederlande": true, "united kingdom": true, "uk": true, "royaume-uni": true, "austria": true,
	"autriche": true, "osterreich": true, "spain": true, "espagne": true, "italy": true, "italie": true, "canada": true,
	"finland": true, "finlande": true, "sweden": true, "suede": true, "lithuania": true, "cyprus": true, "slovenia": true,
	"europe": true, "union europeenne": true, "european union": true, "frankreich": true, "luxemburgo": true,
}

// cityStop ends a city name.
var cityStop = map[string]bool{
	"france": true, "tel": true, "telephone": true, "phone": true, "fax": true, "rcs": true, "siret": true, "siren": true,
	"email": true, "e": true, "mail": true, "germany": true, "deutschland": true, "allemagne": true, "usa": true,
	"tva": true, "vat": true, "telefon": true, "web": true, "site": true, "www": true, "capital": true, "au": true,
	"contact": true, "standard": true, "hrb": true, "belgique": true, "belgium": true, "suisse": true, "switzerland": true,
	"ireland": true, "irlande": true, "frankreich": true,
}

// notCity are words that follow four or five digits without being a city.
var notCity = map[string]bool{
	"euros": true, "euro": true, "eur": true, "usd": true, "dollars": true, "chf": true, "tous": true, "all": true,
	"alle": true, "visiteurs": true, "visitors": true, "utilisateurs": true, "users": true, "jours": true, "days": true,
	"mois": true, "months": true, "ans": true, "years": true, "heures": true, "hours": true, "octets": true,
}

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

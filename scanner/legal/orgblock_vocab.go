package legal

import "regexp"

// Every pattern below is written in folded text (see doc): lower case, no
// accents, plain quotes and dashes. Go's regexp runs in linear time.

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

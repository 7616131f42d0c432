package reports

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Lang is the language of a report's own text (headings, labels, verdict).
// Check titles and rationales stay in English for now.
type Lang string

// The languages reports are written in.
const (
	English Lang = "en"
	French  Lang = "fr"
)

// Langs lists the supported languages.
var Langs = []Lang{English, French}

// ParseLang reads a --lang value (en, fr, or a locale such as fr_FR.UTF-8).
func ParseLang(s string) (Lang, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(l, "_-.@"); i >= 0 {
		l = l[:i]
	}
	for _, ok := range Langs {
		if Lang(l) == ok {
			return ok, nil
		}
	}
	return English, fmt.Errorf("unsupported language %q (want en or fr)", s)
}

// LangFromEnv picks the language from the environment as the C library
// does — LC_ALL, then LC_MESSAGES, then LANG — and falls back to English.
// getenv is os.Getenv outside tests. ChooseLang applies the whole rule.
func LangFromEnv(getenv func(string) string) Lang {
	if l, _, ok := localeLang(getenv); ok {
		return l
	}
	return English
}

// localeLang reads the locale as the C library does: the first of LC_ALL,
// LC_MESSAGES and LANG that is set decides. It returns the language when
// that locale is French or English, and what was read ("LANG=fr_FR.UTF-8")
// either way ("" when none is set).
func localeLang(getenv func(string) string) (Lang, string, bool) {
	if getenv == nil {
		return "", "", false
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		s := getenv(v)
		if s == "" {
			continue
		}
		from := v + "=" + clip(s, 64)
		l, err := ParseLang(s)
		return l, from, err == nil // C, POSIX, de_DE: neither French nor English
	}
	return "", "", false
}

// LangRule names the rule that chose a report's language.
type LangRule string

// The rules, in the order ChooseLang tries them.
const (
	// LangAsked: the user asked for it (--lang, the web form).
	LangAsked LangRule = "asked"
	// LangLocale: the user's locale (LC_ALL, LC_MESSAGES, LANG) is French
	// or English.
	LangLocale LangRule = "locale"
	// LangSite: the scanned page declares French (<html lang="fr…">).
	LangSite LangRule = "site"
	// LangDefault: nothing said French or English; English.
	LangDefault LangRule = "default"
)

// LangChoice is the language of a bundle's human reports and the rule that
// chose it, so that the report can say why it speaks the language it does.
type LangChoice struct {
	Lang Lang     `json:"lang"`
	Rule LangRule `json:"rule"`
	// From is what the rule read: "--lang fr", "LANG=fr_FR.UTF-8",
	// `<html lang="fr-FR">`; empty for the default.
	From string `json:"from,omitempty"`
}

// ChooseLang applies the report-language rule: the language asked for
// (asked, with how it was asked in askedFrom), else the locale read through
// getenv when it is French or English, else the site's own language
// (siteLang, its <html lang>) when it is French, else English. getenv may
// be nil (no locale), asked and siteLang empty.
func ChooseLang(asked Lang, askedFrom string, getenv func(string) string, siteLang string) LangChoice {
	if asked != "" {
		return LangChoice{Lang: asked, Rule: LangAsked, From: askedFrom}
	}
	if l, from, ok := localeLang(getenv); ok {
		return LangChoice{Lang: l, Rule: LangLocale, From: from}
	}
	if l, err := ParseLang(siteLang); err == nil && l == French {
		return LangChoice{Lang: French, Rule: LangSite, From: `<html lang="` + clip(siteLang, 35) + `">`}
	}
	return LangChoice{Lang: English, Rule: LangDefault}
}

// SiteLang is the language the scanned page declares (<html lang>) in its
// first visit, or "" when the browser did not load it or it declares none.
func SiteLang(ev *evidence.Evidence) string {
	if ev == nil || ev.Browser == nil {
		return ""
	}
	for _, v := range ev.Browser.Visits {
		if v.Lang != "" && v.Error == "" {
			return v.Lang
		}
	}
	return ""
}

// Describe says in l which language c is and why, for the report's "how
// this scan was run" section.
func (c LangChoice) Describe(l Lang) string {
	name := l.T("lang." + string(c.Lang))
	switch c.Rule {
	case LangAsked, LangLocale, LangSite:
		return l.Tf("lang.rule."+string(c.Rule), name, c.From)
	}
	return l.Tf("lang.rule.default", name)
}

// T returns the report text for key in l; a key without a translation is a
// bug that TestMessages catches, and shows as the key itself.
func (l Lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l == French && m.fr != "" {
		return m.fr
	}
	return m.en
}

// Tf formats the report text for key with args.
func (l Lang) Tf(key string, args ...any) string {
	return fmt.Sprintf(l.T(key), args...)
}

// Severity names a severity in l.
func (l Lang) Severity(s checks.Severity) string { return l.T("sev." + s.String()) }

// Status names a check status in l.
func (l Lang) Status(s checks.Status) string { return l.T("status." + string(s)) }

// State names a consent state (initial, reject, accept, crawl) in l.
func (l Lang) State(s string) string {
	if _, ok := messages["state."+s]; ok {
		return l.T("state." + s)
	}
	return s
}

// Side names the side of a mail hop (sender, relay, recipient) in l.
func (l Lang) Side(s string) string {
	if _, ok := messages["side."+s]; ok {
		return l.T("side." + s)
	}
	return s
}

// Kind names a kind of evidence in l.
func (l Lang) Kind(k evidence.Kind) string {
	if _, ok := messages["kind."+string(k)]; ok {
		return l.T("kind." + string(k))
	}
	return string(k)
}

type message struct{ en, fr string }

// messages holds the report's own text. Keys are stable; values may change.
var messages = map[string]message{
	// Document.
	"doc.title":        {"vigie report", "Rapport vigie"},
	"doc.subtitle":     {"Hosting, privacy and consent audit", "Audit d'hébergement, de vie privée et de consentement"},
	"doc.generated":    {"Generated by vigie %s", "Produit par vigie %s"},
	"doc.target":       {"Target", "Cible"},
	"doc.scanned":      {"Scanned", "Analysé le"},
	"doc.contents":     {"Contents", "Sommaire"},
	"doc.full-json":    {"The complete evidence is in report.json, in the same bundle.", "L'ensemble des preuves figure dans report.json, dans le même dossier."},
	"doc.more-rows":    {"… and %d more (see report.json)", "… et %d de plus (voir report.json)"},
	"doc.none":         {"none", "aucun"},
	"doc.yes":          {"yes", "oui"},
	"doc.no":           {"no", "non"},
	"doc.unknown":      {"unknown", "inconnu"},
	"doc.not-given":    {"not given", "non indiqué"},
	"doc.redacted":     {"redacted", "masqué"},
	"doc.see-evidence": {"Evidence", "Preuves"},

	// Not collected / nothing found.
	"nc.title":       {"Evidence not collected", "Preuves non collectées"},
	"nc.section":     {"Not collected: %s evidence was not gathered in this scan, so this section cannot say anything — this is not the same as “nothing found”.", "Non collecté : les preuves de type « %s » n'ont pas été recueillies lors de cette analyse ; cette section ne peut donc rien affirmer — ce n'est pas la même chose que « rien trouvé »."},
	"nc.list":        {"These kinds of evidence were not collected; the checks that need them are not evaluated:", "Ces types de preuves n'ont pas été collectés ; les contrôles qui en ont besoin ne sont pas évalués :"},
	"nc.empty":       {"Collected, nothing found.", "Collecté : rien trouvé."},
	"nc.partial":     {"Partly collected: %s evidence is missing.", "Collecte partielle : les preuves de type « %s » manquent."},
	"nc.incomplete":  {"Incomplete report: %d check(s) could not be evaluated.", "Rapport incomplet : %d contrôle(s) n'ont pas pu être évalués."},
	"kind.dns":       {"DNS", "DNS"},
	"kind.ownership": {"ownership (RDAP/whois)", "propriété (RDAP/whois)"},
	"kind.browser":   {"browser", "navigateur"},
	"kind.consent":   {"consent (reject/accept visits)", "consentement (visites refus/acceptation)"},
	"kind.mail":      {"mail", "courriel"},
	"kind.legal":     {"legal pages", "pages légales"},
	"kind.survey":    {"survey platform", "plateforme de consultation"},
	"kind.proxy":     {"proxy comparison", "comparaison via proxy"},

	// Verdict.
	"verdict.title":        {"Verdict", "Verdict"},
	"verdict.problems":     {"Problems found", "Problèmes constatés"},
	"verdict.inventory":    {"Inventory only: no problem found among the checks evaluated", "Inventaire seulement : aucun problème parmi les contrôles évalués"},
	"verdict.clean":        {"No problem found among the checks evaluated", "Aucun problème parmi les contrôles évalués"},
	"verdict.incomplete":   {"Incomplete scan: vigie could not see everything it set out to see", "Analyse incomplète : vigie n'a pas pu voir tout ce qu'elle devait voir"},
	"verdict.findings":     {"%d finding(s); the most severe is %s.", "%d constat(s) ; le plus grave est de gravité %s."},
	"verdict.ignored":      {"%d finding(s) ignored by policy (listed below).", "%d constat(s) ignoré(s) par la politique (listés plus bas)."},
	"verdict.counts":       {"Findings by severity", "Constats par gravité"},
	"verdict.baseline":     {"Against the baseline %s: %d new, %d unchanged, %d fixed.", "Par rapport à la référence %s : %d nouveau(x), %d inchangé(s), %d corrigé(s)."},
	"verdict.errors":       {"%d collection error(s): see “Errors”.", "%d erreur(s) de collecte : voir « Erreurs »."},
	"sev.info":             {"info", "info"},
	"sev.low":              {"low", "faible"},
	"sev.medium":           {"medium", "moyenne"},
	"sev.high":             {"high", "élevée"},
	"sev.critical":         {"critical", "critique"},
	"status.pass":          {"pass", "conforme"},
	"status.fail":          {"fail", "non conforme"},
	"status.not-evaluated": {"not evaluated", "non évalué"},
	"status.error":         {"error", "erreur"},

	// Operators.
	"ops.title":          {"Who operates this site", "Qui exploite ce site"},
	"ops.intro":          {"From the name typed by the visitor, through its CNAME chain, to the addresses, the networks they belong to and the organisations that operate them.", "Du nom saisi par le visiteur, à travers sa chaîne de CNAME, jusqu'aux adresses, aux réseaux qui les contiennent et aux organisations qui les exploitent."},
	"ops.col.name":       {"Name and CNAME chain", "Nom et chaîne CNAME"},
	"ops.col.addr":       {"Addresses", "Adresses"},
	"ops.col.net":        {"Networks", "Réseaux"},
	"ops.col.org":        {"Operators", "Exploitants"},
	"ops.domain-owner":   {"domain", "domaine"},
	"ops.diagram":        {"Diagram: who operates %s", "Schéma : qui exploite %s"},
	"ops.status":         {"Resolution", "Résolution"},
	"ops.redirect":       {"The address %s redirects its visitors to %s: the pages are served from there, and what follows is that host's chain, addresses and operators.", "L'adresse %s redirige ses visiteurs vers %s : les pages sont servies par ce nom, dont la chaîne, les adresses et les exploitants suivent."},
	"ops.no-site":        {"No site was scanned: this is a mail-only analysis.", "Aucun site n'a été analysé : il s'agit d'une analyse de courriels seule."},
	"ops.no-resolution":  {"The site's name was not resolved.", "Le nom du site n'a pas été résolu."},
	"ops.table.name":     {"Name", "Nom"},
	"ops.table.role":     {"Role", "Rôle"},
	"ops.table.operator": {"Operator of its addresses", "Exploitant de ses adresses"},
	"ops.table.owner":    {"Owner of its domain", "Titulaire de son domaine"},
	"ops.zones":          {"DNS zones", "Zones DNS"},
	"zone.domain":        {"Zone", "Zone"},
	"zone.dnssec":        {"DNSSEC", "DNSSEC"},

	// Findings.
	"find.title":       {"Findings", "Constats"},
	"find.none":        {"No finding.", "Aucun constat."},
	"find.subject":     {"Subject", "Objet"},
	"find.why":         {"Why it matters", "Pourquoi c'est important"},
	"find.legal":       {"Legal basis and references", "Base légale et références"},
	"find.fix":         {"How to fix", "Comment corriger"},
	"find.evidence":    {"Evidence records", "Éléments de preuve"},
	"find.count":       {"%d findings", "%d constats"},
	"find.fingerprint": {"Fingerprint", "Empreinte"},
	"find.new":         {"new", "nouveau"},
	"find.unchanged":   {"unchanged", "inchangé"},
	"find.severity":    {"Severity", "Gravité"},
	"find.check":       {"Check", "Contrôle"},
	"find.what":        {"Title", "Intitulé"},
	"ign.title":        {"Ignored by policy", "Ignorés par la politique"},
	"ign.intro":        {"These findings were suppressed by the policy's ignores; they are listed so that nothing is hidden.", "Ces constats ont été écartés par les exceptions de la politique ; ils sont listés pour que rien ne soit caché."},
	"ign.reason":       {"Reason", "Motif"},
	"ign.expires":      {"Expires", "Expire le"},
	"ign.never":        {"no expiry", "sans échéance"},
	"ign.status":       {"Policy ignores", "Exceptions de la politique"},
	"ign.applied":      {"applied", "appliquée"},
	"ign.expired":      {"expired: its findings count again", "expirée : ses constats comptent à nouveau"},
	"ign.unused":       {"unused: it matched nothing, remove it", "inutilisée : elle ne correspond à rien, la retirer"},
	"ign.matched":      {"Matched", "Correspondances"},
	"fixed.title":      {"Fixed since the baseline", "Corrigés depuis la référence"},

	// Third parties.
	"tp.title":      {"Third parties contacted by the page", "Tiers contactés par la page"},
	"tp.host":       {"Host", "Hôte"},
	"tp.owner":      {"Owner", "Propriétaire"},
	"tp.country":    {"Country", "Pays"},
	"tp.category":   {"Category", "Catégorie"},
	"tp.first-seen": {"First seen", "Vu d'abord"},
	"tp.requests":   {"Requests", "Requêtes"},
	"tp.none":       {"The page contacted no third party.", "La page n'a contacté aucun tiers."},
	"tp.before":     {"before any choice", "avant tout choix"},
	"tp.after":      {"after the click", "après le clic"},

	// Consent.
	"consent.title":        {"Consent: what changes with the visitor's choice", "Consentement : ce qui change selon le choix du visiteur"},
	"consent.intro":        {"Three visits, each in a fresh browser: without touching the banner, after clicking reject, after clicking accept.", "Trois visites, chacune dans un navigateur neuf : sans toucher au bandeau, après un clic sur « refuser », après un clic sur « accepter »."},
	"consent.not-visited":  {"Not visited.", "Non visité."},
	"consent.action":       {"Action", "Action"},
	"consent.clicked":      {"clicked “%s”", "clic sur « %s »"},
	"consent.not-done":     {"could not click: %s", "clic impossible : %s"},
	"consent.no-action":    {"no interaction", "aucune interaction"},
	"consent.cookies":      {"Cookies", "Cookies"},
	"consent.storage":      {"Storage items", "Éléments de stockage"},
	"consent.third":        {"Third-party hosts", "Hôtes tiers"},
	"consent.screenshots":  {"Screenshots", "Captures d'écran"},
	"consent.no-shot":      {"no screenshot", "pas de capture"},
	"consent.shot-missing": {"screenshot not in this bundle: %s", "capture absente de ce dossier : %s"},
	"consent.appeared":     {"appeared after the click", "apparu après le clic"},
	"consent.expires":      {"Expires", "Expire"},
	"consent.session":      {"session", "session"},
	"consent.visit-error":  {"Visit failed: %s", "Échec de la visite : %s"},
	"consent.refreshed":    {"set again after the choice", "renouvelé après le choix"},
	"pv.title":             {"Page views", "Pages vues"},
	"pv.load":              {"first load", "premier chargement"},
	"pv.reload":            {"reload after the choice", "rechargement après le choix"},
	"pv.link":              {"first-party link followed", "lien interne suivi"},
	"pv.short":             {"less than the %s planned: tags that fire late may be missing", "moins que les %s prévues : des balises tardives peuvent manquer"},
	"pv.watched":           {"watched for %s of page time (%s real time, %s clock)", "observée %s de temps de page (%s de temps réel, horloge %s)"},
	"pv.clock.virtual":     {"virtual", "virtuelle"},
	"pv.clock.wall":        {"wall", "réelle"},
	"pv.scrolled":          {"scrolled to the bottom and back", "défilée jusqu'en bas et retour"},
	"pv.third":             {"third parties", "tiers"},
	"pv.error":             {"did not complete: %s", "inachevée : %s"},
	"dialog.title":         {"JavaScript dialogs", "Boîtes de dialogue JavaScript"},
	"dialog.row":           {"%s “%s”, %s", "%s « %s », %s"},
	"dialog.accepted":      {"closed with OK", "fermée par OK"},
	"dialog.dismissed":     {"closed with Cancel", "fermée par Annuler"},
	"webrtc.title":         {"WebRTC attempts (no UDP left the proxy)", "Tentatives WebRTC (aucun UDP n'est sorti du proxy)"},
	"webrtc.row":           {"%s asked for %s", "%s a demandé %s"},
	"consent.only-initial": {"Only the first visit was made: reject and accept were not visited (consent evidence not collected).", "Seule la première visite a eu lieu : refus et acceptation n'ont pas été visités (preuves de consentement non collectées)."},
	"state.initial":        {"no interaction", "sans interaction"},
	"state.reject":         {"after reject", "après refus"},
	"state.accept":         {"after accept", "après acceptation"},
	"state.crawl":          {"other pages", "autres pages"},

	// Banner.
	"banner.title":    {"The consent banner's buttons", "Les boutons du bandeau de consentement"},
	"banner.none":     {"No consent banner was found on the page.", "Aucun bandeau de consentement n'a été trouvé sur la page."},
	"banner.engine":   {"Consent platform", "Plateforme de consentement"},
	"banner.rule":     {"Found by", "Trouvé par"},
	"banner.frame":    {"In the frame", "Dans le cadre"},
	"banner.text":     {"Banner text", "Texte du bandeau"},
	"banner.role":     {"Role", "Rôle"},
	"banner.label":    {"Label", "Libellé"},
	"banner.kind":     {"Kind", "Nature"},
	"banner.link":     {"text link", "lien texte"},
	"banner.button":   {"button", "bouton"},
	"banner.size":     {"Size (CSS px)", "Taille (px CSS)"},
	"banner.area":     {"Area", "Surface"},
	"banner.font":     {"Font size", "Taille du texte"},
	"banner.colours":  {"Colours", "Couleurs"},
	"banner.contrast": {"Contrast", "Contraste"},
	"banner.tcf":      {"The page exposes the IAB TCF consent API (__tcfapi).", "La page expose l'API de consentement IAB TCF (__tcfapi)."},
	"banner.ratio":    {"Reject is %.0f%% of accept's area.", "« Refuser » occupe %.0f %% de la surface de « Accepter »."},

	// Mail.
	"mail.title":     {"Mails: the route they took", "Courriels : le chemin parcouru"},
	"mail.subject":   {"Subject", "Objet"},
	"mail.from":      {"From", "Expéditeur"},
	"mail.to":        {"To", "Destinataire"},
	"mail.reply-to":  {"Reply-To", "Répondre à"},
	"mail.return":    {"Return-Path (bounces)", "Return-Path (rebonds)"},
	"mail.msgid":     {"Message-ID domain", "Domaine du Message-ID"},
	"mail.date":      {"Date", "Date"},
	"mail.providers": {"Email service providers recognised", "Prestataires d'envoi reconnus"},
	"mail.hops":      {"Relays (Received headers, oldest first)", "Relais (en-têtes Received, du plus ancien au plus récent)"},
	"mail.hop.from":  {"From", "De"},
	"mail.hop.by":    {"By", "Par"},
	"mail.hop.with":  {"Protocol", "Protocole"},
	"mail.hop.ip":    {"IP", "IP"},
	"mail.hop.time":  {"Time", "Heure"},
	"mail.hop.delay": {"Delay", "Délai"},
	"mail.hop.op":    {"Operator", "Exploitant"},
	"mail.hop.side":  {"Side", "Côté"},
	"side.sender":    {"sender", "expéditeur"},
	"side.relay":     {"relay (third party)", "relais (tiers)"},
	"side.recipient": {"recipient", "destinataire"},
	"mail.limits":    {"Analysis bounded (what lies past these limits was not read): %s", "Analyse bornée (au-delà de ces limites, rien n'a été lu) : %s"},
	"mail.first-ext": {"first hop outside the sender", "premier relais hors de l'expéditeur"},
	"mail.auth":      {"Authentication", "Authentification"},
	"mail.dkim":      {"DKIM signatures", "Signatures DKIM"},
	"mail.tracking":  {"Tracking found", "Pistage constaté"},
	"mail.click":     {"Links rewritten through a redirector", "Liens réécrits via un redirecteur"},
	"mail.pixel":     {"Remote tracking images", "Images de pistage distantes"},
	"mail.no-track":  {"No click or open tracking found.", "Aucun pistage des clics ou des ouvertures constaté."},
	"mail.codes":     {"Participation codes or tokens", "Codes ou jetons de participation"},
	"mail.named":     {"Where the recipient is named", "Où le destinataire est nommé"},
	"mail.error":     {"Could not be parsed: %s", "Illisible : %s"},
	"mail.file":      {"File", "Fichier"},
	"mail.none":      {"Mail analysis ran but no message was read.", "L'analyse des courriels a eu lieu mais aucun message n'a été lu."},

	// Declared vs observed.
	"decl.title":            {"Declared vs observed", "Déclaré et constaté"},
	"decl.declared":         {"What the legal pages declare", "Ce que déclarent les pages légales"},
	"decl.observed":         {"What vigie observed", "Ce que vigie a constaté"},
	"decl.hoster":           {"Hoster", "Hébergeur"},
	"decl.publisher":        {"Publisher", "Éditeur"},
	"decl.director":         {"Director of publication", "Directeur de la publication"},
	"decl.mentions":         {"Organisations named", "Organisations citées"},
	"decl.transfers":        {"Transfers outside the EU", "Transferts hors UE"},
	"decl.pages":            {"Pages read", "Pages lues"},
	"decl.none":             {"nothing declared", "rien de déclaré"},
	"decl.named":            {"named in the pages", "cité dans les pages"},
	"decl.not-named":        {"named nowhere", "cité nulle part"},
	"decl.named-as":         {"declared as “%s” (%s; %s)", "déclaré comme « %s » (%s ; %s)"},
	"decl.page":             {"a legal page", "une page légale"},
	"decl.page.notice":      {"legal notice", "mentions légales"},
	"decl.page.privacy":     {"privacy page", "page de confidentialité"},
	"decl.page.cookies":     {"cookie page", "page cookies"},
	"decl.how.hoster":       {"as the hoster", "comme hébergeur"},
	"decl.how.publisher":    {"as the publisher", "comme éditeur"},
	"decl.how.mention":      {"the service itself", "le service lui-même"},
	"decl.how.company":      {"its company", "sa société"},
	"decl.how.same-company": {"another service of its company", "un autre service de sa société"},
	"decl.how.group":        {"its group", "son groupe"},
	"decl.unknown":          {"not judged: no legal page could be read", "non jugé : aucune page légale n'a pu être lue"},
	"decl.role.site":        {"operates the site's addresses", "exploite les adresses du site"},
	"decl.role.domain":      {"owns a domain of the site's chain", "détient un domaine de la chaîne du site"},
	"decl.role.third":       {"contacted by the page", "contacté par la page"},
	"decl.role.mail":        {"relays the mail", "relaie les courriels"},
	"decl.no-legal":         {"Legal pages were not collected, so declarations cannot be compared.", "Les pages légales n'ont pas été collectées ; les déclarations ne peuvent pas être comparées."},
	"decl.kind":             {"Kind", "Type"},
	"decl.found-by":         {"Found by", "Trouvée par"},
	"decl.read":             {"Read", "Lue"},
	"decl.loader.http":      {"as served (scripts not run)", "telle que servie (scripts non exécutés)"},
	"decl.loader.browser":   {"rendered by the browser", "rendue par le navigateur"},

	// Survey and access.
	"survey.title":    {"Consultation platform", "Plateforme de consultation"},
	"survey.platform": {"Platform", "Plateforme"},
	"survey.version":  {"Version", "Version"},
	"survey.outdated": {"outdated", "obsolète"},
	"survey.forms":    {"Participation forms", "Formulaires de participation"},
	"survey.login":    {"Login required", "Connexion requise"},
	"survey.token":    {"Token required", "Jeton requis"},
	"survey.captcha":  {"Captcha", "Captcha"},
	"survey.dup":      {"Duplicate control", "Contrôle des doublons"},
	"survey.none":     {"No consultation platform was recognised.", "Aucune plateforme de consultation n'a été reconnue."},
	"access.title":    {"Access through the proxy", "Accès via le proxy"},
	"access.direct":   {"Direct", "Direct"},
	"access.proxied":  {"Through %s", "Via %s"},

	// Checks.
	"checks.title":   {"Every check and its outcome", "Tous les contrôles et leur résultat"},
	"checks.intro":   {"Passes are listed too: what was checked and found fine is evidence as well. A check whose evidence was missing is “not evaluated”, never a pass.", "Les contrôles conformes sont aussi listés : ce qui a été vérifié et trouvé correct est également une preuve. Un contrôle dont les preuves manquaient est « non évalué », jamais conforme."},
	"checks.status":  {"Status", "Statut"},
	"checks.count":   {"Findings", "Constats"},
	"checks.reason":  {"Reason", "Raison"},
	"checks.ignored": {"%d ignored by policy", "%d ignoré(s) par la politique"},

	// Errors.
	"err.title":  {"Errors during collection", "Erreurs pendant la collecte"},
	"err.none":   {"No error.", "Aucune erreur."},
	"err.stage":  {"Stage", "Étape"},
	"err.target": {"Target", "Cible"},
	"err.error":  {"Error", "Erreur"},

	// Evidence records.
	"ev.title": {"Evidence records", "Éléments de preuve"},
	"ev.intro": {"Every record cited above, as collected. Record IDs are stable within the report.", "Chaque élément cité plus haut, tel que collecté. Les identifiants sont stables au sein du rapport."},
	"ev.none":  {"No record is cited.", "Aucun élément n'est cité."},

	// Run metadata.
	"run.title":            {"How this scan was run", "Conditions de l'analyse"},
	"run.tool":             {"Tool", "Outil"},
	"run.started":          {"Started (UTC)", "Début (UTC)"},
	"run.finished":         {"Finished (UTC)", "Fin (UTC)"},
	"run.duration":         {"Duration", "Durée"},
	"run.collected":        {"Evidence collected", "Preuves collectées"},
	"run.resolver":         {"DNS resolver", "Résolveur DNS"},
	"run.rdap":             {"RDAP server", "Serveur RDAP"},
	"run.whois":            {"Whois server", "Serveur whois"},
	"run.proxy":            {"Upstream proxy", "Proxy amont"},
	"run.timeout":          {"Timeout", "Délai maximal"},
	"run.browser":          {"Browser", "Navigateur"},
	"run.headless":         {"Headless mode", "Mode sans interface"},
	"run.ua":               {"User agent", "Agent utilisateur"},
	"run.locale":           {"Locale and time zone", "Langue et fuseau horaire"},
	"run.flags":            {"Browser flags", "Options du navigateur"},
	"run.3pc":              {"Third-party cookies", "Cookies tiers"},
	"run.policy":           {"Policy", "Politique"},
	"run.org-domains":      {"Organisation's domains", "Domaines de l'organisation"},
	"run.allowed":          {"Allowed countries", "Pays autorisés"},
	"run.default":          {"default", "par défaut"},
	"run.no-policy":        {"no policy file", "aucun fichier de politique"},
	"run.bootstrap":        {"IANA bootstrap", "amorçage IANA"},
	"run.registries":       {"the registries'", "ceux des registres"},
	"run.lang":             {"Report language", "Langue du rapport"},
	"run.allowed-networks": {"Private networks allowed (--allow-network)", "Réseaux privés autorisés (--allow-network)"},
	"run.webrtc":           {"WebRTC", "WebRTC"},
	"run.stages":           {"Where the time went", "Où le temps est passé"},
	"run.stages-intro":     {"The scan's stages, from the scan's start; those that overlap ran at the same time.", "Les étapes de l'analyse, depuis son début ; celles qui se chevauchent ont tourné en même temps."},
	"run.stage":            {"Stage", "Étape"},
	"run.stage-start":      {"Start", "Début"},
	"run.stage-duration":   {"Duration", "Durée"},
	"run.stage-status":     {"Status", "État"},
	"run.stage-note":       {"What it did", "Ce qu'elle a fait"},

	// Report language and the rule that chose it.
	"lang.en":           {"English", "anglais"},
	"lang.fr":           {"French", "français"},
	"lang.rule.asked":   {"%s, as asked (%s)", "%s, comme demandé (%s)"},
	"lang.rule.locale":  {"%s, from the locale (%s)", "%s, d'après la locale (%s)"},
	"lang.rule.site":    {"%s, the site's own language (%s), the locale being neither French nor English", "%s, langue du site lui-même (%s), la locale n'étant ni française ni anglaise"},
	"lang.rule.default": {"%s by default: neither the locale nor the site's page says French or English", "%s par défaut : ni la locale ni la page du site n'indiquent le français ou l'anglais"},
}

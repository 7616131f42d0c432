package webapp

import (
	"net/http"
	"strings"
)

// uiLang is the language of the application's own pages: French when the
// browser prefers it (Accept-Language), else English.
type uiLang string

func uiLangOf(r *http.Request) uiLang {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case tag == "fr" || strings.HasPrefix(tag, "fr-"):
			return "fr"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "en"
}

// t returns the page text for key; a missing key shows as itself (and
// TestUIText catches it).
func (l uiLang) t(key string) string {
	m, ok := uiText[key]
	if !ok {
		return key
	}
	if l == "fr" {
		return m[1]
	}
	return m[0]
}

// uiText holds the application's text, English then French.
var uiText = map[string][2]string{
	"title":              {"vigie — audit a public web site", "vigie — auditer un site public"},
	"intro":              {"Type the address of a site — a consultation portal, a town's site. vigie loads it in a real browser, as a visitor would, and reports who hosts and operates it, what it does to visitors before and after their consent choice, what its legal pages declare, and where saying and doing differ.", "Saisissez l'adresse d'un site — un portail de consultation, le site d'une commune. vigie le charge dans un vrai navigateur, comme un visiteur, et indique qui l'héberge et l'exploite, ce qu'il fait aux visiteurs avant et après leur choix de consentement, ce que déclarent ses pages légales, et où le dire et le faire divergent."},
	"url":                {"Address of the site", "Adresse du site"},
	"consent":            {"Visits", "Visites"},
	"consent.all":        {"Three visits, each in a fresh browser: without touching the cookie banner, after “reject”, after “accept” (recommended)", "Trois visites, chacune dans un navigateur neuf : sans toucher au bandeau cookies, après « refuser », après « accepter » (recommandé)"},
	"consent.none":       {"The first visit only (faster; consent is not checked)", "La première visite seulement (plus rapide ; le consentement n'est pas vérifié)"},
	"mail":               {"A mail the site sent you (.eml file, optional)", "Un courriel envoyé par le site (fichier .eml, facultatif)"},
	"mail.help":          {"Save the message from your mail program as a file (“Save as…”, “Download message”). Your name, address and codes are masked in the report.", "Enregistrez le message depuis votre messagerie (« Enregistrer sous… », « Télécharger le message »). Vos nom, adresse et codes sont masqués dans le rapport."},
	"lang":               {"Language of the report", "Langue du rapport"},
	"lang.auto":          {"Automatic: French if the site is French, else English", "Automatique : français si le site l'est, sinon anglais"},
	"lang.fr":            {"French", "Français"},
	"lang.en":            {"English", "Anglais"},
	"submit":             {"Audit this site", "Auditer ce site"},
	"public":             {"This server is shared: sites in private networks are refused and the number of audits per visitor is limited.", "Ce serveur est partagé : les sites de réseaux privés sont refusés et le nombre d'audits par visiteur est limité."},
	"past":               {"Past audits", "Audits précédents"},
	"past.none":          {"No audit yet.", "Aucun audit pour l'instant."},
	"col.when":           {"Started (UTC)", "Lancé (UTC)"},
	"col.site":           {"Site", "Site"},
	"col.status":         {"Status", "État"},
	"col.verdict":        {"Findings", "Constats"},
	"status.queued":      {"waiting for a free slot", "en attente d'une place"},
	"status.running":     {"running", "en cours"},
	"status.done":        {"done", "terminé"},
	"status.failed":      {"failed", "échec"},
	"status.interrupted": {"interrupted", "interrompu"},
	"progress":           {"Progress", "Progression"},
	"progress.nojs":      {"This page updates itself while the audit runs; without JavaScript, reload it.", "Cette page se met à jour pendant l'audit ; sans JavaScript, rechargez-la."},
	"report":             {"Report", "Rapport"},
	"report.open":        {"Open the report in its own page", "Ouvrir le rapport dans sa propre page"},
	"report.zip":         {"Download the whole bundle (.zip, with its SHA-256 manifest)", "Télécharger le dossier complet (.zip, avec son manifeste SHA-256)"},
	"report.json":        {"report.json (for machines)", "report.json (pour les machines)"},
	"report.frame":       {"vigie report", "Rapport vigie"},
	"findings":           {"%d finding(s), the most severe: %s", "%d constat(s), le plus grave : %s"},
	"findings.none":      {"no finding", "aucun constat"},
	"incomplete":         {"%d check(s) could not be evaluated: see the report.", "%d contrôle(s) n'ont pas pu être évalués : voir le rapport."},
	"back":               {"Audit another site", "Auditer un autre site"},
	"error":              {"Error", "Erreur"},
	"error.notfound":     {"No such audit.", "Cet audit n'existe pas."},
	"error.rate":         {"Too many requests from your address: wait a few minutes.", "Trop de requêtes depuis votre adresse : patientez quelques minutes."},
	"error.scans":        {"You have started several audits recently: wait a few minutes before the next.", "Vous avez lancé plusieurs audits récemment : patientez quelques minutes avant le suivant."},
	"error.waiting":      {"Your previous audits are still waiting or running: wait for them to finish.", "Vos audits précédents attendent ou sont en cours : attendez qu'ils se terminent."},
	"error.upload":       {"The mail file is too large (at most %d KiB).", "Le fichier du courriel est trop volumineux (%d Kio au plus)."},
	"error.form":         {"The form could not be read: %s", "Le formulaire n'a pas pu être lu : %s"},
	"error.target":       {"This address cannot be audited: %s", "Cette adresse ne peut pas être auditée : %s"},
	"error.busy":         {"Too many audits are waiting: try again in a few minutes.", "Trop d'audits sont en attente : réessayez dans quelques minutes."},
	"footer":             {"vigie %s — the reports and bundles stay on this server, under its data directory.", "vigie %s — les rapports et dossiers restent sur ce serveur, dans son répertoire de données."},
}

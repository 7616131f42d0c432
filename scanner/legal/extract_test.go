package legal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// org builds an expected declared organisation: name, street address,
// postcode, city, phone and catalogue key.
func org(name, address, postcode, city, phone, catalogue string) *evidence.DeclaredOrg {
	return &evidence.DeclaredOrg{Name: name, Address: address, Postcode: postcode, City: city, Phone: phone, Catalogue: catalogue}
}

// extractCase is one page text and the facts expected from it. A nil
// hoster, publisher or empty director expects none; mentions, when not nil,
// are the exact entity keys expected in order; transfers is the number of
// transfer sentences expected, -1 for any.
type extractCase struct {
	name      string
	kind      string
	text      string
	hoster    *evidence.DeclaredOrg
	publisher *evidence.DeclaredOrg
	director  string
	mentions  []string
	transfers int
}

var extractCases = []extractCase{
	// ---- French hoster blocks ----
	{name: "fr inline, en dash and short phone number",
		text:   "Hébergement : OVH SAS, 2 rue Kellermann, 59100 Roubaix – Tél. : 1007",
		hoster: org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "1007", "ovhcloud"), transfers: -1},
	{name: "fr sentence, company lead-in, street and city in one segment",
		text:   "Le site est hébergé par la société Scaleway SAS, 8 rue de la Ville l'Evêque 75008 Paris",
		hoster: org("Scaleway SAS", "8 rue de la Ville l'Evêque", "75008", "Paris", "", "scaleway"), transfers: -1},
	{name: "fr founding case: heading then lines separated by blank lines",
		text:   "Mentions légales\n\nHébergement\n\nAssuré par OVH\n\nSAS OVH,\n\n2 rue Kellermann\n\n59100 Roubaix\n\nFrance\n\nDirecteur de la publication\n\nM. Benoît Arrivé",
		hoster: org("SAS OVH", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"), director: "M. Benoît Arrivé", transfers: -1},
	{name: "fr heading with colon, comma after house number, phone with spaces",
		text:   "Hébergeur du site :\nOVH\n2, rue Kellermann\n59100 Roubaix\nTéléphone : 09 72 10 10 07",
		hoster: org("OVH", "2, rue Kellermann", "59100", "Roubaix", "09 72 10 10 07", "ovhcloud"), transfers: -1},
	{name: "fr heading, sentence on next line, country with phone after it",
		text:   "Hébergement\nLe site est hébergé par o2switch, Chemin des Pardiaux, 63000 Clermont-Ferrand, France. Tél : 04 44 44 60 40",
		hoster: org("o2switch", "Chemin des Pardiaux", "63000", "Clermont-Ferrand", "04 44 44 60 40", "o2switch"), transfers: -1},
	{name: "fr hoster name only, catalogue hoster",
		text:   "Hébergeur : PlanetHoster",
		hoster: org("PlanetHoster", "", "", "", "", "planethoster"), transfers: -1},
	{name: "fr house-number range, international phone with (0)",
		text:   "Hébergement : Gandi SAS, 63-65 boulevard Masséna, 75013 Paris, France – Tél. : +33 (0)1 70 37 76 61",
		hoster: org("Gandi SAS", "63-65 boulevard Masséna", "75013", "Paris", "+33 (0)1 70 37 76 61", "gandi"), transfers: -1},
	{name: "fr Swiss hoster, four-digit postcode, canton in brackets",
		text:   "Hébergeur : Infomaniak Network SA, Rue Eugène-Marziano 25, 1227 Les Acacias (GE), Suisse",
		hoster: org("Infomaniak Network SA", "Rue Eugène-Marziano 25", "1227", "Les Acacias", "", "infomaniak"), transfers: -1},
	{name: "fr post-office box and Cedex",
		text:   "Hébergement du site : IONOS SARL, 7 place de la Gare, BP 70109, 57201 Sarreguemines Cedex",
		hoster: org("IONOS SARL", "7 place de la Gare", "57201", "Sarreguemines Cedex", "", "ionos"), transfers: -1},
	{name: "fr Luxembourg postcode with country letter",
		text:   "Hébergeur : Amazon Web Services EMEA SARL, 38 Avenue John F. Kennedy, L-1855 Luxembourg",
		hoster: org("Amazon Web Services EMEA SARL", "38 Avenue John F. Kennedy", "L-1855", "Luxembourg", "", "aws"), transfers: -1},
	{name: "fr international phone without (0)",
		text:   "Hébergeur : OVH SAS – 2 rue Kellermann – 59100 Roubaix – France – Tél : +33 9 72 10 10 07",
		hoster: org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "+33 9 72 10 10 07", "ovhcloud"), transfers: -1},
	{name: "fr phone with dots, on its own line",
		text:   "Hébergement\nScaleway SAS\n8 rue de la Ville l'Evêque\n75008 Paris\nTél. 01.84.13.00.00",
		hoster: org("Scaleway SAS", "8 rue de la Ville l'Evêque", "75008", "Paris", "01.84.13.00.00", "scaleway"), transfers: -1},
	{name: "fr hosted in France by, nested trigger",
		text:   "Hébergement : le site est hébergé en France par OVHcloud.",
		hoster: org("OVHcloud", "", "", "", "", "ovhcloud"), transfers: -1},
	{name: "fr hoster without phone",
		text:   "Hébergeur : Scaleway SAS – 8 rue de la Ville l'Evêque – 75008 Paris",
		hoster: org("Scaleway SAS", "8 rue de la Ville l'Evêque", "75008", "Paris", "", "scaleway"), transfers: -1},
	{name: "fr fax is not a phone",
		text:   "Hébergeur : Exemple Hébergement SAS, 1 rue de la Paix, 75002 Paris, Fax : 01 23 45 67 89",
		hoster: org("Exemple Hébergement SAS", "1 rue de la Paix", "75002", "Paris", "", ""), transfers: -1},
	{name: "fr servers of, situated in",
		text:   "Les données sont hébergées sur les serveurs d'OVH, situés en France.",
		hoster: org("OVH", "", "", "", "", "ovhcloud"), transfers: -1},
	{name: "fr labelled fields",
		text:   "Hébergement\nRaison sociale : Clever Cloud SAS\nAdresse : 3 rue de l'Allier, 44000 Nantes\nTéléphone : 02 85 52 07 69",
		hoster: org("Clever Cloud SAS", "3 rue de l'Allier", "44000", "Nantes", "02 85 52 07 69", "clever-cloud"), transfers: -1},
	{name: "fr numbered heading, hoster not in the catalogue",
		text:   "3. Hébergement\nAlternative Web SARL\n12 avenue Jean Jaurès\n69007 Lyon\n04 72 00 00 00\n4. Propriété intellectuelle\nTous droits réservés.",
		hoster: org("Alternative Web SARL", "12 avenue Jean Jaurès", "69007", "Lyon", "04 72 00 00 00", ""), transfers: -1},
	{name: "fr contact label with short number",
		text:   "Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix\nContact : 1007",
		hoster: org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "1007", "ovhcloud"), transfers: -1},

	{name: "fr post-office box and numbered Cedex",
		text:   "Ce site est hébergé par : OVH - 2 rue Kellermann - BP 72 - 59053 Roubaix Cedex 1 - France",
		hoster: org("OVH", "2 rue Kellermann", "59053", "Roubaix Cedex 1", "", "ovhcloud"), transfers: -1},
	{name: "fr share capital, RCS and registered office label",
		text: "Hébergeur : Société OVH, SAS au capital de 10 174 560 €, RCS Lille Métropole 424 761 419 00045, siège social : 2 rue Kellermann - 59100 Roubaix - France",
		hoster: &evidence.DeclaredOrg{Name: "OVH", Address: "2 rue Kellermann", Postcode: "59100", City: "Roubaix", Catalogue: "ovhcloud",
			Register: "RCS Lille Métropole 424 761 419"}, transfers: -1},
	{name: "fr registered office in a relative clause",
		text:   "L'hébergement du site est assuré par la société OVH, dont le siège social est situé au 2 rue Kellermann, 59100 Roubaix.",
		hoster: org("OVH", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"), transfers: -1},
	{name: "fr hosting and maintenance by the platform vendor",
		text:   "Hébergement et maintenance : Cap Collectif, 25 rue Titon, 75011 Paris",
		hoster: org("Cap Collectif", "25 rue Titon", "75011", "Paris", "", "cap-collectif"), transfers: -1},
	{name: "fr hosting provider label",
		text:   "Prestataire d'hébergement : Scaleway",
		hoster: org("Scaleway", "", "", "", "", "scaleway"), transfers: -1},
	{name: "fr labelled name and address lines",
		text:   "Hébergeur\nNom : OVH SAS\nAdresse : 2 rue Kellermann 59100 Roubaix\nTéléphone : 1007",
		hoster: org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "1007", "ovhcloud"), transfers: -1},
	{name: "fr hosted at, country in brackets",
		text:   "Le site est hébergé chez Infomaniak Network SA (Suisse).",
		hoster: org("Infomaniak Network SA", "", "", "", "", "infomaniak"), transfers: -1},
	{name: "fr Irish cloud with Eircode",
		text:   "Hébergement : Microsoft Azure – Microsoft Ireland Operations Limited, One Microsoft Place, South County Business Park, Leopardstown, Dublin 18, D18 P521, Irlande",
		hoster: org("Microsoft Ireland Operations Limited", "One Microsoft Place", "D18 P521", "Dublin 18", "", "microsoft"), transfers: -1},
	{name: "fr Dublin postal district",
		text:   "Hébergement : Google Cloud Platform, Google Ireland Limited, Gordon House, Barrow Street, Dublin 4, Irlande",
		hoster: org("Google Ireland Limited", "Gordon House", "", "Dublin 4", "", "google"), transfers: -1},
	{name: "fr upper case",
		text:   "HÉBERGEMENT\nOVH SAS – 2 RUE KELLERMANN – 59100 ROUBAIX – FRANCE",
		hoster: org("OVH SAS", "2 RUE KELLERMANN", "59100", "ROUBAIX", "", "ovhcloud"), transfers: -1},

	// ---- English hoster blocks ----
	{name: "en heading label, then a sentence",
		text:   "Hosting: This website is hosted by OVHcloud (OVH SAS), 2 rue Kellermann, 59100 Roubaix, France.",
		hoster: org("OVH SAS", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"), transfers: -1},
	{name: "en sentence after a label: the verb's object is the hoster",
		text:   "Hosting: Our website is hosted by Scaleway.",
		hoster: org("Scaleway", "", "", "", "", "scaleway"), transfers: -1},
	{name: "en hosted by, Luxembourg",
		text:   "Hosted by Amazon Web Services EMEA SARL, 38 Avenue John F. Kennedy, L-1855 Luxembourg",
		hoster: org("Amazon Web Services EMEA SARL", "38 Avenue John F. Kennedy", "L-1855", "Luxembourg", "", "aws"), transfers: -1},
	{name: "en US address, state and ZIP, phone",
		text:   "Hosting provider: Cloudflare, Inc., 101 Townsend St., San Francisco, CA 94107, USA. Phone: +1 (650) 319-8930",
		hoster: org("Cloudflare, Inc.", "101 Townsend St.", "CA 94107", "San Francisco", "+1 (650) 319-8930", "cloudflare"), transfers: -1},
	{name: "en heading then sentence",
		text:   "Website hosting\nThis website is hosted by DigitalOcean, LLC, 101 6th Avenue, New York, NY 10013, United States.",
		hoster: org("DigitalOcean, LLC", "101 6th Avenue", "NY 10013", "New York", "", "digitalocean"), transfers: -1},
	{name: "en address in brackets",
		text:   "Our hosting provider is Hetzner Online GmbH (Industriestr. 25, 91710 Gunzenhausen, Germany).",
		hoster: org("Hetzner Online GmbH", "Industriestr. 25", "91710", "Gunzenhausen", "", "hetzner"), transfers: -1},
	{name: "en hosted on a platform, no address",
		text:   "This site is hosted on GitHub Pages.",
		hoster: org("GitHub Pages", "", "", "", "", "github"), transfers: -1},
	{name: "en web hosting label",
		text:   "Web hosting: Netlify",
		hoster: org("Netlify", "", "", "", "", "netlify"), transfers: -1},
	{name: "en UK postcode",
		text:   "Hosting: Example Hosting Ltd, 20 Farringdon Road, London EC1M 3HE, United Kingdom",
		hoster: org("Example Hosting Ltd", "20 Farringdon Road", "EC1M 3HE", "London", "", ""), transfers: -1},

	// ---- German hoster blocks ----
	{name: "de inline",
		text:   "Hosting: Hetzner Online GmbH, Industriestr. 25, 91710 Gunzenhausen",
		hoster: org("Hetzner Online GmbH", "Industriestr. 25", "91710", "Gunzenhausen", "", "hetzner"), transfers: -1},
	{name: "de verb-final sentence",
		text:   "Hosting\nDiese Website wird bei der IONOS SE, Elgendorfer Str. 57, 56410 Montabaur gehostet.",
		hoster: org("IONOS SE", "Elgendorfer Str. 57", "56410", "Montabaur", "", "ionos"), transfers: -1},
	{name: "de Hoster label, lines, phone with (0) and extension",
		text:   "Hoster: Hetzner Online GmbH\nIndustriestr. 25\n91710 Gunzenhausen\nTel.: +49 (0)9831 505-0",
		hoster: org("Hetzner Online GmbH", "Industriestr. 25", "91710", "Gunzenhausen", "+49 (0)9831 505-0", "hetzner"), transfers: -1},
	{name: "de Webhosting heading, Straße",
		text:   "Webhosting\nSTRATO AG\nOtto-Ostrowski-Straße 7\n10249 Berlin",
		hoster: org("STRATO AG", "Otto-Ostrowski-Straße 7", "10249", "Berlin", "", "strato"), transfers: -1},
	{name: "de Hostinganbieter with D- postcode",
		text:   "Hostinganbieter: Contabo GmbH, Aschauer Straße 32a, D-81549 München",
		hoster: org("Contabo GmbH", "Aschauer Straße 32a", "81549", "München", "", "contabo"), transfers: -1},

	{name: "de hosted by, colon",
		text:   "Die Seite wird gehostet von: Hetzner Online GmbH",
		hoster: org("Hetzner Online GmbH", "", "", "", "", "hetzner"), transfers: -1},

	// ---- No hoster ----
	{name: "no hoster: publisher and director only",
		text:      "Mentions légales\nÉditeur : Commune de Saint-Exemple, 1 place de la Mairie, 21000 Dijon\nDirecteur de la publication : Mme Anne Martin",
		publisher: org("Commune de Saint-Exemple", "1 place de la Mairie", "21000", "Dijon", "", ""), director: "Mme Anne Martin", transfers: -1},
	{name: "no hoster: unnamed servers",
		text: "Vos données sont hébergées sur des serveurs sécurisés situés en France.", transfers: -1},
	{name: "no hoster: no third-party hoster",
		text: "Nous ne faisons appel à aucun hébergeur tiers.", transfers: -1},
	{name: "no hoster: lodging, not hosting",
		text: "Hébergement : hôtels, campings et gîtes de la commune", transfers: -1},
	{name: "no hoster: video hosted elsewhere",
		text: "Les vidéos sont hébergées sur YouTube.", mentions: []string{"youtube"}, transfers: -1},

	// ---- Publisher and director ----
	{name: "fr publisher block and director with title",
		text:      "Éditeur du site\nVille de Cherbourg-en-Cotentin\n10 place Napoléon\n50100 Cherbourg-en-Cotentin\nTél. : 02 33 87 88 89\n\nDirecteur de la publication : M. Benoît Arrivé, Maire",
		publisher: org("Ville de Cherbourg-en-Cotentin", "10 place Napoléon", "50100", "Cherbourg-en-Cotentin", "02 33 87 88 89", ""),
		director:  "M. Benoît Arrivé", transfers: -1},
	{name: "fr published by the town",
		text:      "Le site est édité par la Commune de Commune-Propre, 1 place de la Mairie, 21000 Dijon.",
		publisher: org("Commune de Commune-Propre", "1 place de la Mairie", "21000", "Dijon", "", ""), transfers: -1},
	{name: "fr director, feminine",
		text: "Directrice de la publication : Mme Anne Martin", director: "Mme Anne Martin", transfers: -1},
	{name: "fr director, inclusive writing",
		text: "Directeur·rice de publication : Jean Dupont", director: "Jean Dupont", transfers: -1},
	{name: "fr director in a sentence",
		text: "Le directeur de la publication est Monsieur Jean Dupont, Président.", director: "Monsieur Jean Dupont", transfers: -1},
	{name: "fr director: a sentence, not a name",
		text: "Le directeur de la publication est responsable du contenu du site.", transfers: -1},
	{name: "fr responsible for the publication, on the next line",
		text: "Responsable de la publication\nMadame Claire Durand", director: "Madame Claire Durand", transfers: -1},
	{name: "en publisher and publication director",
		text:      "Publisher: City of Exampleville, 1 Main Street, Exampleville\nPublication director: Jane Doe",
		publisher: org("City of Exampleville", "1 Main Street", "", "", "", ""), director: "Jane Doe", transfers: -1},
	{name: "en responsible for content",
		text: "Responsible for content: John Smith", director: "John Smith", transfers: -1},
	{name: "de Impressum with § 5 DDG, register, VAT, MStV and hoster",
		text: "Impressum\n\nAngaben gemäß § 5 DDG\nMusterfirma GmbH\nMusterstraße 111\n90210 Musterstadt\n\nHandelsregister: HRB 12345\n" +
			"Registergericht: Amtsgericht Musterstadt\n\nVertreten durch:\nMax Mustermann\n\nKontakt\nTelefon: +49 (0) 123 44 55 66\n" +
			"E-Mail: info@musterfirma.de\n\nUmsatzsteuer-ID\nUmsatzsteuer-Identifikationsnummer gemäß § 27 a Umsatzsteuergesetz:\nDE999999999\n\n" +
			"Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV:\nErika Musterfrau\nMusterstraße 111\n90210 Musterstadt\n\n" +
			"Hosting\nHetzner Online GmbH\nIndustriestr. 25\n91710 Gunzenhausen",
		publisher: &evidence.DeclaredOrg{Name: "Musterfirma GmbH", Address: "Musterstraße 111", Postcode: "90210", City: "Musterstadt",
			Phone: "+49 (0) 123 44 55 66", Email: "info@musterfirma.de", Register: "HRB 12345", VATID: "DE999999999"},
		director: "Erika Musterfrau",
		hoster:   org("Hetzner Online GmbH", "Industriestr. 25", "91710", "Gunzenhausen", "", "hetzner"),
		mentions: []string{"hetzner"}, transfers: -1},
	{name: "de responsible i.S.d. MStV inline",
		text: "Verantwortlich i.S.d. § 18 Abs. 2 MStV: Max Mustermann, Musterstraße 1, 12345 Berlin", director: "Max Mustermann", transfers: -1},
	{name: "de the GDPR controller is not the person responsible for content",
		text: "Verantwortlich für die Verarbeitung personenbezogener Daten ist die Stadt Musterstadt.", transfers: -1},
	{name: "de § 5 TMG, legacy",
		text:      "Angaben gemäß § 5 TMG:\nBeispiel UG (haftungsbeschränkt)\nHauptstraße 5\n10115 Berlin\nE-Mail: kontakt@beispiel.de",
		publisher: &evidence.DeclaredOrg{Name: "Beispiel UG", Address: "Hauptstraße 5", Postcode: "10115", City: "Berlin", Email: "kontakt@beispiel.de"}, transfers: -1},
	{name: "fr publisher with RCS and VAT",
		text: "Éditeur : Participation Vendor SAS, 12 rue des Lilas, 75011 Paris, RCS Paris 812 345 678, TVA intracommunautaire : FR12812345678",
		publisher: &evidence.DeclaredOrg{Name: "Participation Vendor SAS", Address: "12 rue des Lilas", Postcode: "75011", City: "Paris",
			Register: "RCS Paris 812 345 678", VATID: "FR12812345678"}, transfers: -1},

	// ---- Mentions ----
	{name: "mentions: analytics and its company",
		text:     "Nous utilisons Google Analytics (Google LLC) pour mesurer l'audience du site.",
		mentions: []string{"google-analytics", "google"}, transfers: -1},
	{name: "mentions: mail relay by two names counts once",
		text:     "Les courriels sont envoyés via Mailchimp Transactional (Mandrill).",
		mentions: []string{"mandrill"}, transfers: -1},
	{name: "mentions: domains in a cookie table",
		kind:     KindCookies,
		text:     "Cookie\tDomaine\tDurée\n_ga\tgoogle-analytics.com\t13 mois\n_hjid\tHotjar\t12 mois",
		mentions: []string{"google-analytics", "hotjar"}, transfers: -1},
	{name: "mentions: case and accents ignored",
		text:     "Fonds de carte : GEOPORTAIL et openstreetmap.",
		mentions: []string{"ign", "openstreetmap"}, transfers: -1},
	{name: "mentions: a bare word in ordinary prose is no company",
		text:     "Les méta-données, Méta-données et meta-data techniques ne sont pas transmises. Voir aussi metadata.",
		mentions: []string{}, transfers: -1},
	{name: "mentions: a company by its EU establishment",
		text:     "Mesure d'audience : Google Ireland Limited, Gordon House, Barrow Street, Dublin 4, Irlande.",
		mentions: []string{"google"}, transfers: -1},
	{name: "mentions: a company by its EU establishment without its form",
		text:     "Réseaux sociaux : Meta Platforms Ireland Ltd, Dublin.",
		mentions: []string{"meta"}, transfers: -1},
	{name: "mentions: Google Fonts is the product, not the bare company",
		text:     "Les polices sont servies par Google Fonts.",
		mentions: []string{"google-fonts"}, transfers: -1},
	{name: "mentions: the capitalised company in a compound",
		text:     "Die Meta-Pixel und Meta-Dienste werden nicht genutzt.",
		mentions: []string{"meta"}, transfers: -1},
	{name: "mentions: hyphen and space spellings",
		text:     "La plateforme est opérée par Cap-Collectif. CAP COLLECTIF assure la maintenance.",
		mentions: []string{"cap-collectif"}, transfers: -1},
	{name: "mentions: word boundaries",
		text:     "Le service Decidimos et l'outil cloudflared ne sont pas des entités connues.",
		mentions: []string{}, transfers: -1},
	{name: "mentions: none",
		text:     "Le site n'utilise pas de cookies tiers.",
		mentions: []string{}, transfers: 0},
	{name: "mentions: English privacy sentence",
		text:     "We use Matomo Cloud by InnoCraft and send e-mails through Brevo (Sendinblue SAS).",
		mentions: []string{"matomo-cloud", "brevo"}, transfers: -1},

	// ---- Transfers ----
	{name: "transfers fr: outside the EU under standard clauses",
		text:      "Vos données peuvent être transférées hors de l'Union européenne, vers les États-Unis, sur la base des clauses contractuelles types de la Commission européenne.",
		transfers: 1},
	{name: "transfers en: Data Privacy Framework",
		text:      "Data may be transferred to third countries under the EU-US Data Privacy Framework.",
		transfers: 1},
	{name: "transfers de: Drittländer and Standardvertragsklauseln",
		text:      "Eine Übermittlung in Drittländer erfolgt auf Grundlage von Standardvertragsklauseln.",
		transfers: 1},
	{name: "transfers: two sentences",
		text:      "Google LLC peut transférer vos données vers les États-Unis. Ce transfert repose sur une décision d'adéquation.",
		mentions:  []string{"google"},
		transfers: 2},
	{name: "transfers: data stays in the EU",
		text:      "Vos données sont hébergées en France et ne quittent pas l'Union européenne.",
		transfers: 0},
}

func TestExtract(t *testing.T) {
	cat := entities.Default()
	for _, tt := range extractCases {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			if kind == "" {
				kind = KindNotice
			}
			pages := []evidence.LegalPage{{ID: "legal/1", Kind: kind, URL: "https://example.fr/legal", Text: tt.text}}
			d := Extract(pages, cat)
			checkSpans(t, pages, d)
			compareOrg(t, "hoster", d.Hoster, tt.hoster)
			compareOrg(t, "publisher", d.Publisher, tt.publisher)
			got := ""
			if d.Director != nil {
				got = d.Director.Text
			}
			if got != tt.director {
				t.Errorf("director = %q, want %q", got, tt.director)
			}
			if tt.mentions != nil {
				var keys []string
				for _, m := range d.Mentions {
					keys = append(keys, m.Entity)
				}
				if !slices.Equal(keys, tt.mentions) && !(len(keys) == 0 && len(tt.mentions) == 0) {
					t.Errorf("mentions = %v, want %v", keys, tt.mentions)
				}
			}
			if tt.transfers >= 0 && len(d.Transfers) != tt.transfers {
				t.Errorf("transfers = %d %v, want %d", len(d.Transfers), d.Transfers, tt.transfers)
			}
		})
	}
}

// compareOrg compares the fields the case sets (catalogue always).
func compareOrg(t *testing.T, what string, got, want *evidence.DeclaredOrg) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Errorf("%s = %+v, want none", what, *got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s: none found, want %+v", what, *want)
		return
	}
	fields := []struct{ name, got, want string }{
		{"name", got.Name, want.Name}, {"address", got.Address, want.Address}, {"postcode", got.Postcode, want.Postcode},
		{"city", got.City, want.City}, {"phone", got.Phone, want.Phone}, {"catalogue", got.Catalogue, want.Catalogue},
		{"email", got.Email, want.Email}, {"register", got.Register, want.Register}, {"vat", got.VATID, want.VATID},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("%s %s = %q, want %q", what, f.name, f.got, f.want)
		}
	}
}

// checkSpans asserts that every fact quotes its page exactly.
func checkSpans(t *testing.T, pages []evidence.LegalPage, d Declarations) {
	t.Helper()
	text := map[string]string{}
	for _, p := range pages {
		text[p.ID] = p.Text
	}
	check := func(what string, s evidence.Span) {
		src, ok := text[s.Source]
		if !ok {
			t.Errorf("%s span cites unknown source %q", what, s.Source)
			return
		}
		if s.Start < 0 || s.End < s.Start || s.End > len(src) || src[s.Start:s.End] != s.Text {
			t.Errorf("%s span [%d,%d) %q does not quote its page", what, s.Start, s.End, s.Text)
		}
	}
	if d.Hoster != nil {
		check("hoster", d.Hoster.Span)
		if !strings.Contains(d.Hoster.Span.Text, d.Hoster.Name) {
			t.Errorf("hoster span %q does not contain its name %q", d.Hoster.Span.Text, d.Hoster.Name)
		}
	}
	if d.Publisher != nil {
		check("publisher", d.Publisher.Span)
	}
	if d.Director != nil {
		check("director", *d.Director)
	}
	for _, m := range d.Mentions {
		check("mention "+m.Entity, m.Span)
		if !strings.Contains(m.Span.Text, m.Name) {
			t.Errorf("mention %s: sentence %q does not contain %q", m.Entity, m.Span.Text, m.Name)
		}
	}
	for _, s := range d.Transfers {
		check("transfer", s)
	}
}

func TestExtractCaseCount(t *testing.T) {
	if len(extractCases) < 40 {
		t.Errorf("only %d extraction cases", len(extractCases))
	}
}

// TestMentionKinds: a mention says which of the entry's names the page
// used and carries its company and group, for the checks to compare.
func TestMentionKinds(t *testing.T) {
	cat := entities.Default()
	for _, tt := range []struct {
		text, entity, name, as, eu, parent string
	}{
		{"Sous-traitant : Google Ireland Limited.", "google", "Google Ireland Limited", evidence.MentionEUEstablishment, "Google Ireland Limited", "Alphabet Inc."},
		{"Sous-traitant : Google LLC.", "google", "Google LLC", evidence.MentionLegalEntity, "Google Ireland Limited", "Alphabet Inc."},
		{"Mesure d'audience : Google Analytics.", "google-analytics", "Google Analytics", evidence.MentionName, "Google Ireland Limited", "Alphabet Inc."},
		{"Processor: Microsoft Ireland Operations Limited.", "microsoft", "Microsoft Ireland Operations Limited", evidence.MentionEUEstablishment, "Microsoft Ireland Operations Limited", ""},
		{"Hébergement : Amazon Web Services EMEA SARL.", "aws", "Amazon Web Services EMEA SARL", evidence.MentionEUEstablishment, "Amazon Web Services EMEA SARL", "Amazon.com, Inc."},
		{"Groupe : Contentsquare SAS et ses filiales.", "contentsquare", "Contentsquare SAS", evidence.MentionLegalEntity, "", ""},
		{"Le groupe Intuit Inc. et ses filiales.", "mailchimp", "Intuit Inc", evidence.MentionGroup, "", "Intuit Inc."},
	} {
		pages := []evidence.LegalPage{{ID: "legal/1", Kind: KindPrivacy, URL: "https://example.fr/privacy", Text: tt.text}}
		d := Extract(pages, cat)
		if len(d.Mentions) == 0 {
			t.Errorf("%q: no mention", tt.text)
			continue
		}
		m := d.Mentions[0]
		if m.Entity != tt.entity || m.Name != tt.name || m.As != tt.as || m.EUEstablishment != tt.eu || m.Parent != tt.parent {
			t.Errorf("%q: mention %+v, want %s %q as %s (%q, %q)", tt.text, m, tt.entity, tt.name, tt.as, tt.eu, tt.parent)
		}
	}
}

func TestExtractPrefersTheNotice(t *testing.T) {
	pages := []evidence.LegalPage{
		{ID: "legal/1", Kind: KindPrivacy, Text: "Vos données sont hébergées par Scaleway SAS, 8 rue de la Ville l'Evêque, 75008 Paris."},
		{ID: "legal/2", Kind: KindNotice, Text: "Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix"},
		{ID: "legal/3", Kind: KindNotice, Error: "HTTP status 404", Text: "Hébergeur : Hetzner Online GmbH"},
		{ID: "legal/4", Kind: KindCookies, Text: "Google Analytics\nAnbieter: Google Ireland Limited, Gordon House, Barrow Street, Dublin 4, Irland\nVerantwortlich i.S.d. § 18 MStV: Niemand Hier"},
		{ID: "legal/5", Kind: KindNotice, Text: "Impressum\nAnbieter: Stadt Musterstadt"},
	}
	d := Extract(pages, entities.Default())
	if d.Hoster == nil || d.Hoster.Catalogue != "ovhcloud" || d.Hoster.Span.Source != "legal/2" {
		t.Fatalf("hoster = %+v, want OVH from legal/2", d.Hoster)
	}
	if d.Publisher == nil || d.Publisher.Name != "Stadt Musterstadt" || d.Director != nil {
		t.Errorf("publisher %+v, director %+v: want the notice's provider and no director from a cookie table", d.Publisher, d.Director)
	}
	var keys []string
	for _, m := range d.Mentions {
		keys = append(keys, m.Span.Source+":"+m.Entity)
	}
	if want := []string{"legal/1:scaleway", "legal/2:ovhcloud", "legal/4:google-analytics", "legal/4:google"}; !slices.Equal(keys, want) {
		t.Errorf("mentions = %v, want %v (error pages are not read)", keys, want)
	}
}

func TestDeclaredProviders(t *testing.T) {
	pages := []evidence.LegalPage{{ID: "legal/1", Kind: KindPrivacy,
		Text: "Mesure d'audience : Google Analytics. Envoi des courriels : Mailjet. Hébergement : OVH."}}
	d := Extract(pages, entities.Default())
	withCategory := func(c string) (out []string) {
		for _, m := range d.Mentions {
			if slices.Contains(m.Categories, c) {
				out = append(out, m.Entity)
			}
		}
		return out
	}
	if got := withCategory(entities.CategoryAnalytics); !slices.Equal(got, []string{"google-analytics"}) {
		t.Errorf("analytics = %v", got)
	}
	if got := withCategory(entities.CategoryEmail); !slices.Equal(got, []string{"mailjet", "ovhcloud"}) {
		t.Errorf("mail providers = %v (OVHcloud also relays mail)", got)
	}
	for _, m := range d.Mentions {
		if m.LegalEntity == "" || len(m.Categories) == 0 {
			t.Errorf("mention %s lacks the catalogue's legal entity or categories: %+v", m.Entity, m)
		}
	}
}

// TestExtractSeed reads the founding case's legal notice as the citizen's
// write-up quotes it (/work/shared/seeds), when present.
func TestExtractSeed(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/seeds/000_*.txt")
	if len(files) == 0 {
		t.Skip("seed not present")
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "Hébergement\n")
	if i < 0 {
		t.Skip("seed has no hoster block")
	}
	text := s[i:min(len(s), i+120)]
	d := Extract([]evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: text}}, entities.Default())
	compareOrg(t, "hoster", d.Hoster, org("SAS OVH", "2 rue Kellermann", "59100", "Roubaix", "", "ovhcloud"))
}

func TestExtractBounded(t *testing.T) {
	// A hostile page: megabytes of triggers and names on one line and on many.
	big := strings.Repeat("Hébergement : OVH SAS, 2 rue Kellermann, 59100 Roubaix ", 40000) +
		strings.Repeat("hébergé par\n", 100000)
	pages := []evidence.LegalPage{{ID: "legal/1", Kind: KindNotice, Text: big}}
	d := Extract(pages, entities.Default())
	if d.Hoster == nil || d.Hoster.Catalogue != "ovhcloud" {
		t.Errorf("hoster = %+v", d.Hoster)
	}
	if len(d.Hoster.Span.Text) > 4096 {
		t.Errorf("hoster span is %d bytes", len(d.Hoster.Span.Text))
	}
	checkSpans(t, pages, d)
}

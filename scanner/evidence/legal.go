package evidence

// Legal holds the legal and policy pages found and what they declare.
type Legal struct {
	// Pages lists the pages loaded (notice, privacy, cookies).
	Pages []LegalPage `json:"pages,omitempty"`
	// Hoster is the hoster the legal notice declares, if any.
	Hoster *DeclaredOrg `json:"hoster,omitempty"`
	// Publisher and Director are the publisher and director of publication.
	Publisher *DeclaredOrg `json:"publisher,omitempty"`
	Director  *Span        `json:"director,omitempty"`
	// Mentions lists every catalogue organisation named in the pages.
	Mentions []Mention `json:"mentions,omitempty"`
	// Transfers lists declared transfers outside the EU and their basis.
	Transfers []Span `json:"transfers,omitempty"`
}

// LegalPage is one legal or policy page.
type LegalPage struct {
	// ID is "legal/<n>".
	ID string `json:"id"`
	// Kind is notice, privacy or cookies.
	Kind string `json:"kind"`
	URL  string `json:"url"`
	// FinalURL is where the page ended after redirects, when it differs
	// from URL (a notice may live on the platform vendor's domain).
	FinalURL string `json:"final_url,omitempty"`
	// FoundBy says how: link (with its text), path, or given (--legal).
	FoundBy string `json:"found_by"`
	// Loader says how the page was read: "browser" (rendered, scripts
	// run) or "http" (plain HTTP, scripts not run: a page that is not
	// there, one that reads whole as served — of its kind, with no sign of
	// being assembled by scripts — or any page when no browser was
	// available, where a page assembled by JavaScript reads as empty).
	Loader string `json:"loader,omitempty"`
	Lang   string `json:"lang,omitempty"`
	Status int    `json:"status,omitempty"`
	// Text is the rendered text (bounded); TextSHA256 and HTMLSHA256 hash
	// the full text and HTML, kept in the bundle at TextFile and HTMLFile.
	// The HTML file is the page made inert (the site's scripts and event
	// handlers removed, a Content-Security-Policy forbidding scripts and
	// loads first in <head>): HTMLSHA256 hashes the file as kept.
	Text       string `json:"text,omitempty"`
	TextSHA256 string `json:"text_sha256,omitempty"`
	HTMLSHA256 string `json:"html_sha256,omitempty"`
	TextFile   string `json:"text_file,omitempty"`
	HTMLFile   string `json:"html_file,omitempty"`
	Error      string `json:"error,omitempty"`
}

// DeclaredOrg is an organisation as a page declares it.
type DeclaredOrg struct {
	Name     string `json:"name,omitempty"`
	Address  string `json:"address,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	City     string `json:"city,omitempty"`
	Phone    string `json:"phone,omitempty"`
	// Email, Register (trade-register entry: RCS, SIREN/SIRET, HRB …) and
	// VATID are the other identification fields of LCEN art. 6-III and
	// § 5 DDG, when the page gives them.
	Email    string `json:"email,omitempty"`
	Register string `json:"register,omitempty"`
	VATID    string `json:"vat_id,omitempty"`
	// Catalogue is the catalogue key the name matched, if any.
	Catalogue string `json:"catalogue,omitempty"`
	// LegalEntity is the catalogue entry's registered name, when Catalogue
	// is set, so that checks can compare it with observed operators.
	LegalEntity string `json:"legal_entity,omitempty"`
	// Span is the text it was extracted from.
	Span Span `json:"span"`
}

// Mention is a catalogue organisation named in a page.
type Mention struct {
	Entity string `json:"entity"`
	// Name is the name as the page writes it.
	Name string `json:"name"`
	// As says which of the entry's names the page used: name (its name, an
	// alias or a domain: the product or service), org-name (a registry's
	// name of its company), legal-entity, eu-establishment, or group (the
	// name of its owning group, Parent).
	As string `json:"as,omitempty"`
	// LegalEntity, EUEstablishment, Parent and Categories are the catalogue
	// entry's, so that checks and reports can tell declared analytics or
	// mail providers and compare companies and groups with observed
	// organisations without the catalogue.
	LegalEntity     string   `json:"legal_entity,omitempty"`
	EUEstablishment string   `json:"eu_establishment,omitempty"`
	Parent          string   `json:"parent,omitempty"`
	Categories      []string `json:"categories,omitempty"`
	// Span is the sentence it appears in.
	Span Span `json:"span"`
}

// Values of Mention.As: which of a catalogue entry's names a page used.
const (
	MentionName            = "name"
	MentionOrgName         = "org-name"
	MentionLegalEntity     = "legal-entity"
	MentionEUEstablishment = "eu-establishment"
	MentionGroup           = "group"
)

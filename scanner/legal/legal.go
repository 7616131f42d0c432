// Package legal finds a site's legal notice, privacy policy and cookie
// policy, and extracts what they declare: the hoster (name, street address,
// postcode and city, phone — LCEN art. 6-III), the publisher and the director
// of publication (or, on German pages, the provider of § 5 DDG and the person
// responsible for content), every organisation of the entity catalogue they
// name, and the transfers outside the EU they declare, with their basis.
//
// Pages are found three ways, in this order of authority: given by the user
// (Given, for --legal), linked from the visited pages (Discover), or at a
// common path (CommonPaths). They are loaded through a Loader — in a scan,
// plain HTTP for the pages that read whole as served (Served) and the
// browser behind the recording proxy for the others, since many portals
// render these pages with JavaScript; HTTPLoader for tests — and kept as
// evidence with their hashes (Collect). Extract works on the rendered text
// only.
//
// Everything here is hostile input: sizes, counts and the work done are
// bounded, and nothing panics on any input. Every extracted fact keeps the
// span of text it came from.
package legal

// Page kinds, the Kind of a Candidate and of an evidence.LegalPage.
const (
	KindNotice  = "notice"  // legal notice, mentions légales, Impressum
	KindPrivacy = "privacy" // privacy policy, données personnelles, Datenschutz
	KindCookies = "cookies" // cookie policy, gestion des cookies
)

// kinds lists the page kinds in order of priority: a link that names both a
// notice and a privacy policy is a notice.
var kinds = []string{KindNotice, KindPrivacy, KindCookies}

// Bounds on the work done for one site.
const (
	// MaxCandidates bounds the candidates Discover, CommonPaths and Merge return.
	MaxCandidates = 24
	// MaxLoads bounds how many candidate pages Collect loads.
	MaxLoads = 16
	// MaxPages bounds how many pages Collect keeps and extracts from.
	MaxPages = 8
	// MaxHTMLBytes bounds the HTML read, parsed and kept for one page.
	MaxHTMLBytes = 4 << 20
	// MaxTextBytes bounds the rendered text kept in the evidence and
	// analysed for one page; the full text is in the bundle file.
	MaxTextBytes = 256 << 10
	// maxLinks bounds the links Discover examines in one page.
	maxLinks = 5000
	// maxLinkText bounds the link text kept for matching and reporting.
	maxLinkText = 200
)

// Candidate is a page that may be a legal notice or a policy.
type Candidate struct {
	// URL is absolute, http or https, without fragment.
	URL string
	// Kind is notice, privacy or cookies; empty when unknown (a page given
	// with --legal whose URL says nothing), decided from its text on load.
	Kind string
	// FoundBy says how it was found: "link: <text>", "path" or "given".
	FoundBy string
}

// Found-by values besides "link: <text>".
const (
	FoundByPath  = "path"
	FoundByGiven = "given"
)

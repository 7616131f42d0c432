// Package evidence is vigie's observation model: plain, JSON-serialisable
// records of what the collectors saw, with no behaviour of their own.
//
// Collectors fill an Evidence value; checks read it; reports serialise it.
// Every record that a finding may cite carries a stable ID (such as
// "dns/jeparticipe.ville-exemple.fr" or "req/17") that is unique within one
// Evidence value and does not depend on timing, so that findings and their
// fingerprints are reproducible across runs.
//
// This is a leaf package: it imports nothing of vigie's.
package evidence

import "time"

// Kind names a kind of evidence a collector gathers and a check needs. When a
// check needs a kind that was not collected, its status is not-evaluated.
type Kind string

// The kinds of evidence vigie collects.
const (
	KindDNS       Kind = "dns"       // the target's resolution and zone records
	KindOwnership Kind = "ownership" // who operates hosts and networks (RDAP, whois, catalogue)
	KindBrowser   Kind = "browser"   // a page visit with no interaction
	KindConsent   Kind = "consent"   // the reject and accept visits
	KindMail      Kind = "mail"      // at least one parsed mail
	KindLegal     Kind = "legal"     // legal-notice and policy pages were searched for
	KindSurvey    Kind = "survey"    // survey-platform and participation analysis
	KindProxy     Kind = "proxy"     // a comparison of direct and proxied loads (--proxy)
)

// Evidence is everything one scan observed.
type Evidence struct {
	// Target is what was asked to be scanned.
	Target Target `json:"target"`
	// Collected lists the kinds of evidence that were gathered successfully,
	// sorted. A kind absent from it was not collected or its stage failed.
	Collected []Kind `json:"collected"`
	// Environment records how the scan was run (resolver, servers, browser).
	Environment Environment `json:"environment"`
	// DNS holds every DNS lookup, name resolution and zone of interest.
	DNS DNS `json:"dns"`
	// Hosts lists every host name seen anywhere (the site, third parties,
	// mail relays, link domains) with the roles it played.
	Hosts []Host `json:"hosts,omitempty"`
	// Addresses lists every IP address seen with the network it belongs to.
	Addresses []Address `json:"addresses,omitempty"`
	// Networks lists the IP networks (RDAP/whois answers) behind the addresses.
	Networks []Network `json:"networks,omitempty"`
	// Registrations lists domain registration data (RDAP/whois for domains).
	Registrations []Registration `json:"registrations,omitempty"`
	// Organisations lists the operators identified, deduplicated.
	Organisations []Organisation `json:"organisations,omitempty"`
	// Browser holds the headless-browser visits, when the browser ran.
	Browser *Browser `json:"browser,omitempty"`
	// Mails holds the analysed mails, in the order given.
	Mails []Mail `json:"mails,omitempty"`
	// Legal holds the legal and policy pages and what they declare.
	Legal *Legal `json:"legal,omitempty"`
	// Survey holds consultation-platform and participation observations.
	Survey *Survey `json:"survey,omitempty"`
	// Access holds the direct-versus-proxy comparison, when --proxy was used.
	Access *Access `json:"access,omitempty"`
	// Errors lists what could not be collected; the report repeats them.
	Errors []Error `json:"errors,omitempty"`
	// Incomplete says why the scan did not see what it set out to see —
	// the target page was never loaded, the browser never started, the
	// scan was interrupted or timed out — one sentence a reason. A scan
	// with reasons here is incomplete: its exit code says so, and no
	// --fail-on threshold turns it into a pass.
	Incomplete []string `json:"incomplete,omitempty"`
}

// Has reports whether kind k was collected.
func (e *Evidence) Has(k Kind) bool {
	for _, c := range e.Collected {
		if c == k {
			return true
		}
	}
	return false
}

// Target is what the user asked vigie to scan.
type Target struct {
	// URL is the page given on the command line, normalised.
	URL string `json:"url,omitempty"`
	// Host is the URL's host name, lower case, without a trailing dot; an
	// internationalised name in A-labels (xn--…), the form looked up and
	// recorded everywhere in the evidence.
	Host string `json:"host,omitempty"`
	// DisplayHost is Host as people write it, in U-labels
	// ("mairie-évry.fr" for "xn--mairie-vry-h7a.fr"), set only when it
	// differs from Host: for reports, which show Host beside it, since
	// look-alike letters can hide in U-labels.
	DisplayHost string `json:"display_host,omitempty"`
	// RegistrableDomain is Host's registrable domain (eTLD+1).
	RegistrableDomain string `json:"registrable_domain,omitempty"`
	// MailFiles lists the .eml/mbox files given with --mail.
	MailFiles []string `json:"mail_files,omitempty"`
	// LegalURLs lists the pages given with --legal.
	LegalURLs []string `json:"legal_urls,omitempty"`
	// Landed is the host the browser landed on when the target URL's
	// redirects ended on another host (the apex sending visitors to www.,
	// the city's address sending them to its vendor's platform): the
	// host that serves the pages read, whose operators are the site's.
	// Empty when the page was served by Host itself.
	Landed string `json:"landed,omitempty"`
}

// SiteHost returns the host that serves the site's pages: Landed when the
// target redirected to another host, else Host.
func (t Target) SiteHost() string {
	if t.Landed != "" {
		return t.Landed
	}
	return t.Host
}

// Environment records how the scan was run, so that it can be re-run.
type Environment struct {
	// Resolver is the DNS server used for every lookup (host:port).
	Resolver string `json:"resolver,omitempty"`
	// RDAPServer is the RDAP base URL override, empty for IANA bootstrap.
	RDAPServer string `json:"rdap_server,omitempty"`
	// WhoisServer is the whois server override, empty for the registries'.
	WhoisServer string `json:"whois_server,omitempty"`
	// Proxy is the upstream proxy URL (--proxy), if any.
	Proxy string `json:"proxy,omitempty"`
	// AllowedNetworks lists the non-public ranges the user let the scan
	// reach (--allow-network, CIDR), besides the target's own addresses,
	// which are always reachable: every other private, loopback or
	// link-local destination a page, a redirect or a link led to was
	// refused.
	AllowedNetworks []string `json:"allowed_networks,omitempty"`
	// Timeout is the whole scan's deadline.
	Timeout string `json:"timeout,omitempty"`
	// Stages lists the scan's stages in the order they started, with when
	// and for how long each ran: where the time went.
	Stages []StageRun `json:"stages,omitempty"`
}

// StageRun records one stage of a scan (dns, browser, legal, survey,
// access, mail, ownership): when it started, how long it ran and how it
// ended.
type StageRun struct {
	// Stage is the stage's name.
	Stage string `json:"stage"`
	// Started and Duration time it.
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	// Status is ok, partial (it ran, with errors), failed (it gathered
	// nothing usable) or skipped (it had nothing to do, or what it needed
	// was missing).
	Status string `json:"status"`
	// Note says what it did or why it was skipped, in one line.
	Note string `json:"note,omitempty"`
}

// Stage statuses (StageRun.Status).
const (
	StageOK      = "ok"
	StagePartial = "partial"
	StageFailed  = "failed"
	StageSkipped = "skipped"
)

// Error records one stage's failure for one target. A failing stage never
// stops the others; its error is reported instead.
type Error struct {
	// Stage is the collector or step that failed: dns, rdap, whois, browser, mail, legal, …
	Stage string `json:"stage"`
	// Target is what the stage was working on (a name, an address, a file).
	Target string `json:"target,omitempty"`
	// Error is the error message.
	Error string `json:"error"`
}

// Span locates a piece of quoted text inside a source record, so that a fact
// extracted from a page or a mail can be checked against its origin.
type Span struct {
	// Source is the ID of the record the text comes from (a page, a mail).
	Source string `json:"source"`
	// Start and End are byte offsets into the source's text.
	Start int `json:"start"`
	End   int `json:"end"`
	// Text is the quoted text itself.
	Text string `json:"text"`
}

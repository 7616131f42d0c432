package evidence

// Roles a host plays in a scan. A host may have several.
const (
	RoleSite           = "site"                   // the scanned site's own name
	RoleChain          = "cname-target"           // a name in the site's CNAME chain
	RoleThirdParty     = "requested"              // contacted by the page (browser)
	RoleRequestedChain = "requested-cname-target" // a name in the CNAME chain of a host the page contacted
	RoleMailRelay      = "mail-relay"             // a Received hop of a mail
	RoleMailSender     = "mail-sender"            // a From, Return-Path, DKIM or Message-ID domain
	RoleMailLink       = "mail-link"              // linked or loaded from a mail body
	RoleLegalPage      = "legal-page"             // served a legal or policy page
	RoleMailServers    = "mx"                     // a mail exchanger of a zone of interest
)

// Host is a host name seen anywhere during the scan.
type Host struct {
	// ID is "host/<name>".
	ID string `json:"id"`
	// Name is the host name, lower case, without a trailing dot.
	Name string `json:"name"`
	// RegistrableDomain is Name's eTLD+1.
	RegistrableDomain string `json:"registrable_domain"`
	// Roles lists what the host was seen as, sorted.
	Roles []string `json:"roles"`
	// Resolution is the ID of the host's DNS resolution, if resolved.
	Resolution string `json:"resolution,omitempty"`
	// Operator is the ID of the organisation operating the host's
	// addresses (the network owner), if known.
	Operator string `json:"operator,omitempty"`
	// DomainOwner is the ID of the organisation that owns the host's
	// domain (catalogue or registration), if known.
	DomainOwner string `json:"domain_owner,omitempty"`
	// SeenIn lists the IDs of the records where the host was seen.
	SeenIn []string `json:"seen_in,omitempty"`
	// ByURL lists the organisations a catalogue URL rule designates for
	// some of the requests to the host, when the path, not the host, says
	// which service was loaded (www.googletagmanager.com/gtag/js?id=G-… is
	// Google Analytics, not Tag Manager). Requests it does not list are the
	// domain owner's.
	ByURL []URLAttribution `json:"by_url,omitempty"`
}

// URLAttribution is an organisation a catalogue URL rule designates for
// some requests to a host.
type URLAttribution struct {
	// Organisation is the organisation's ID.
	Organisation string `json:"organisation"`
	// Rule is the catalogue's rule that matched
	// ("googletagmanager.com/gtag/js?id=G-").
	Rule string `json:"rule"`
	// Requests lists the IDs of the requests it designates.
	Requests []string `json:"requests"`
}

// Address is an IP address seen during the scan.
type Address struct {
	// ID is "ip/<address>".
	ID string `json:"id"`
	// IP is the address in canonical text form.
	IP string `json:"ip"`
	// Network is the ID of the Network containing it, if looked up.
	Network string `json:"network,omitempty"`
	// ASN is the origin autonomous system, if known.
	ASN uint32 `json:"asn,omitempty"`
}

// Network is an IP network as a registry (RDAP or whois) describes it.
type Network struct {
	// ID is "net/<start>-<end>".
	ID string `json:"id"`
	// Start and End bound the range, inclusive.
	Start string `json:"start"`
	End   string `json:"end"`
	// CIDRs lists the range as prefixes, when given.
	CIDRs []string `json:"cidrs,omitempty"`
	// Name and Handle are the registry's network name and handle.
	Name   string `json:"name,omitempty"`
	Handle string `json:"handle,omitempty"`
	// Country is the registry's country code for the network, upper case.
	Country string `json:"country,omitempty"`
	// OrgName is the registrant organisation as the registry spells it.
	OrgName string `json:"org_name,omitempty"`
	// OrgAddress is the registrant's postal address, when given.
	OrgAddress string `json:"org_address,omitempty"`
	// ASNs lists the origin autonomous systems, when given.
	ASNs []uint32 `json:"asns,omitempty"`
	// Abuse is the abuse contact e-mail, when given.
	Abuse string `json:"abuse,omitempty"`
	// Organisation is the ID of the Organisation identified as its operator.
	Organisation string `json:"organisation,omitempty"`
	// Source says where the data came from: rdap or whois.
	Source string `json:"source"`
	// Server is the RDAP base URL or whois server that answered.
	Server string `json:"server,omitempty"`
	// Raw is the bundle-relative path of the raw answer (rdap/…, whois/…).
	Raw string `json:"raw,omitempty"`
}

// Registration is a domain's registration data.
type Registration struct {
	// ID is "reg/<domain>".
	ID string `json:"id"`
	// Domain is the registrable domain.
	Domain string `json:"domain"`
	// Registrar is the sponsoring registrar's name.
	Registrar string `json:"registrar,omitempty"`
	// Registrant is the registrant organisation or name, empty when redacted.
	Registrant string `json:"registrant,omitempty"`
	// Country is the registrant's country, when given.
	Country string `json:"country,omitempty"`
	// Redacted is set when the registry withheld the registrant.
	Redacted bool `json:"redacted,omitempty"`
	// Organisation is the ID of the Organisation identified as the owner.
	Organisation string `json:"organisation,omitempty"`
	// Source, Server and Raw are as for Network.
	Source string `json:"source"`
	Server string `json:"server,omitempty"`
	Raw    string `json:"raw,omitempty"`
}

// Organisation is an operator identified behind hosts, networks or domains.
type Organisation struct {
	// ID is "org/<key>", the key being the catalogue key or a slug of the name.
	ID string `json:"id"`
	// Name is the common name (Cloudflare, OVHcloud …).
	Name string `json:"name"`
	// LegalEntity is the registered legal name (Cloudflare, Inc.), when known.
	LegalEntity string `json:"legal_entity,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code of its legal seat.
	Country string `json:"country,omitempty"`
	// EUEstablishment is the group company in the EU or EEA that contracts
	// with or serves EU users (Google Ireland Limited), when known and not
	// LegalEntity.
	EUEstablishment string `json:"eu_establishment,omitempty"`
	// Parent is the owning group (Alphabet Inc.), when known.
	Parent string `json:"parent,omitempty"`
	// Categories lists what it does (hosting, cdn, analytics, advertising,
	// social, fonts, email, survey, consent, …), sorted.
	Categories []string `json:"categories,omitempty"`
	// Catalogue is the entity-catalogue key it was matched to, if any.
	Catalogue string `json:"catalogue,omitempty"`
	// MatchedBy says how it was identified (catalogue:domain,
	// catalogue:rdap-org, rdap, whois …) with the value that matched.
	MatchedBy []string `json:"matched_by,omitempty"`
	// Note carries caveats about the organisation itself (an anycast CDN's
	// addresses say nothing of server location). What its country means for
	// transfers is the checks' judgment, not evidence.
	Note string `json:"note,omitempty"`
}

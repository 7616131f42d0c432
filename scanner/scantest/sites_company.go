package scantest

// The site whose privacy page names the company, not the product (issue 15):
// a town consultation at the French hoster that loads the standard Google
// tag (gtag.js with a GA4 measurement ID, no Tag Manager container) and
// whose privacy page declares its audience measurement as "Google Ireland
// Limited" only, and its hoster as OVH SAS. Every processor is declared:
// legal.processor-undeclared must pass, and the tag must be attributed to
// Google Analytics, not to Tag Manager.
const (
	// HostCompanyDeclared is that site.
	HostCompanyDeclared = "avis." + CleanDomain
	// AnalyticsIDCompanyDeclared is its GA4 measurement ID.
	AnalyticsIDCompanyDeclared = "G-LAB0000003"
	// CompanyDeclaredAs is the only name its privacy page gives Google.
	CompanyDeclaredAs = "Google Ireland Limited"
)

// companyRecords returns the DNS records of the company-declaring site: on
// the French hoster's network (203.0.113.0/25, OVH SAS in the lab's RDAP).
func companyRecords() []Record {
	return []Record{A(HostCompanyDeclared, "203.0.113.29")}
}

// companyVhosts returns its web host: static pages only.
func companyVhosts() map[string]vhost {
	return map[string]vhost{HostCompanyDeclared: {https: true, hsts: true}}
}

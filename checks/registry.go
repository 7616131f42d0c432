package checks

import "strings"

// registry is the one explicit list of checks, in report order. A check is
// added here and nowhere else, and lives in the file its ID's prefix names
// (hosting.* in hosting.go, dns.* in dns.go …); TestRegistry validates
// every entry.
var registry = []*Check{
	hostingThirdPartyCNAME,      // hosting.third-party-cname
	hostingCDNProxy,             // hosting.cdn-proxy
	hostingOperatorOutsideEEA,   // hosting.operator-outside-eea
	dnsDanglingCNAME,            // dns.dangling-cname
	dnsNoDNSSEC,                 // dns.no-dnssec
	webThirdPartyRequests,       // web.third-party-requests
	webThirdPartyAnalytics,      // web.third-party-analytics
	webThirdPartyFonts,          // web.third-party-fonts
	webNoHTTPS,                  // web.no-https
	consentNoBanner,             // consent.no-banner
	consentTrackerBeforeConsent, // consent.tracker-before-consent
	consentNoRejectFirstLayer,   // consent.no-reject-first-layer
	consentRejectLessProminent,  // consent.reject-less-prominent
	consentRejectNotRespected,   // consent.reject-not-respected
	consentCookieLifetime,       // consent.cookie-lifetime
	dnsCNAMECloaking,            // dns.cname-cloaking
	mailSenderIdentityMismatch,  // mail.sender-identity-mismatch
	mailThirdPartyRelay,         // mail.third-party-relay
	mailBounceDomainThirdParty,  // mail.bounce-domain-third-party
	mailClickTracking,           // mail.click-tracking
	mailOpenTracking,            // mail.open-tracking
	mailAuthMisaligned,          // mail.auth-misaligned
	mailCodeWithIdentity,        // mail.code-with-identity
	legalNoticeMissing,          // legal.notice-missing
	legalHosterMissing,          // legal.hoster-missing
	legalHosterMismatch,         // legal.hoster-mismatch
	legalProcessorUndeclared,    // legal.processor-undeclared
	surveyPlatform,              // survey.platform
	surveyOpenParticipation,     // survey.open-participation
	accessBlockedViaProxy,       // access.blocked-via-proxy
}

// All returns every registered check, in report order.
func All() []*Check {
	out := make([]*Check, len(registry))
	copy(out, registry)
	return out
}

// Lookup returns the check with the given ID, or nil.
func Lookup(id string) *Check {
	for _, c := range registry {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Select returns the registered checks, in report order, whose ID is one
// of patterns or, for a pattern ending in ".", starts with it: Select("mail.")
// is every mail check, Select("consent.", "dns.cname-cloaking") the
// consent checks and the CNAME-cloaking one.
func Select(patterns ...string) []*Check {
	var out []*Check
	for _, c := range registry {
		for _, p := range patterns {
			if c.ID == p || strings.HasSuffix(p, ".") && strings.HasPrefix(c.ID, p) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Selections of the registry that collectors' end-to-end tests run: the
// checks on what a page does (browser visits), on mails, on legal pages,
// and on the consultation platform and its access.
var (
	WebChecks    = Select("web.", "consent.", "dns.cname-cloaking")
	MailChecks   = Select("mail.")
	LegalChecks  = Select("legal.")
	SurveyChecks = Select("survey.", "access.")
)

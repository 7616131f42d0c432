package checks

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// Purposes of a tracker, after the CNIL's guidelines on cookies and other
// trackers (2020): only "necessary" and "exempt-measurement" may run without
// consent.
const (
	PurposeNecessary   = "necessary"          // strictly necessary (session, security, consent storage)
	PurposeMeasurement = "exempt-measurement" // first-party audience measurement configured for the exemption
	PurposeAnalytics   = "analytics"          // audience measurement that is not exempt
	PurposeAdvertising = "advertising"
	PurposeSocial      = "social"
	PurposeFingerprint = "fingerprinting"
	PurposeTagManager  = "tag-manager" // loads other trackers
	PurposeUnknown     = "unknown"
)

// consentPurposes need the visitor's consent.
var consentPurposes = []string{PurposeAnalytics, PurposeAdvertising, PurposeSocial, PurposeFingerprint, PurposeTagManager}

// NeedsConsent reports whether a purpose needs consent.
func NeedsConsent(purpose string) bool { return slices.Contains(consentPurposes, purpose) }

// CookieRule recognises well-known cookies by name (path.Match pattern).
type CookieRule struct {
	Pattern string
	Purpose string
	// Service names who sets it.
	Service string
	// Domain, when set, limits the rule to cookies of that registrable
	// domain (short names such as "fr" or "NID" are common).
	Domain string
}

// CookieRules is the table of well-known tracker and necessary cookies.
var CookieRules = []CookieRule{
	// Google Analytics and Google Ads.
	{"_ga", PurposeAnalytics, "Google Analytics", ""},
	{"_ga_*", PurposeAnalytics, "Google Analytics", ""},
	{"_gid", PurposeAnalytics, "Google Analytics", ""},
	{"_gat", PurposeAnalytics, "Google Analytics", ""},
	{"_gat_*", PurposeAnalytics, "Google Analytics", ""},
	{"__utm?", PurposeAnalytics, "Google Analytics (Universal)", ""},
	{"_gcl_*", PurposeAdvertising, "Google Ads", ""},
	{"IDE", PurposeAdvertising, "Google Ads (DoubleClick)", "doubleclick.net"},
	{"DSID", PurposeAdvertising, "Google Ads (DoubleClick)", "doubleclick.net"},
	{"test_cookie", PurposeAdvertising, "Google Ads (DoubleClick)", "doubleclick.net"},
	{"__gads", PurposeAdvertising, "Google AdSense", ""},
	{"__gpi", PurposeAdvertising, "Google AdSense", ""},
	{"NID", PurposeAdvertising, "Google", "google.com"},
	// YouTube embeds.
	{"YSC", PurposeSocial, "YouTube", "youtube.com"},
	{"VISITOR_INFO1_LIVE", PurposeAdvertising, "YouTube", "youtube.com"},
	{"VISITOR_PRIVACY_METADATA", PurposeAdvertising, "YouTube", "youtube.com"},
	// Meta, LinkedIn, X, TikTok, Microsoft.
	{"_fbp", PurposeAdvertising, "Meta Pixel", ""},
	{"_fbc", PurposeAdvertising, "Meta Pixel", ""},
	{"fr", PurposeAdvertising, "Meta", "facebook.com"},
	{"bcookie", PurposeSocial, "LinkedIn", "linkedin.com"},
	{"lidc", PurposeSocial, "LinkedIn", "linkedin.com"},
	{"li_sugr", PurposeAdvertising, "LinkedIn", ""},
	{"UserMatchHistory", PurposeAdvertising, "LinkedIn", "linkedin.com"},
	{"personalization_id", PurposeAdvertising, "X (Twitter)", ""},
	{"guest_id", PurposeAdvertising, "X (Twitter)", "x.com"},
	{"_ttp", PurposeAdvertising, "TikTok Pixel", ""},
	{"_uetsid", PurposeAdvertising, "Microsoft Advertising", ""},
	{"_uetvid", PurposeAdvertising, "Microsoft Advertising", ""},
	{"MUID", PurposeAdvertising, "Microsoft", ""},
	{"_clck", PurposeAnalytics, "Microsoft Clarity", ""},
	{"_clsk", PurposeAnalytics, "Microsoft Clarity", ""},
	// Session recording and other third-party analytics.
	{"_hjSessionUser_*", PurposeAnalytics, "Hotjar", ""},
	{"_hjSession_*", PurposeAnalytics, "Hotjar", ""},
	{"_hjid", PurposeAnalytics, "Hotjar", ""},
	{"_hjIncludedInSessionSample*", PurposeAnalytics, "Hotjar", ""},
	{"etuix", PurposeAnalytics, "Eulerian", ""},
	{"_cs_id", PurposeAnalytics, "Contentsquare", ""},
	{"_cs_s", PurposeAnalytics, "Contentsquare", ""},
	{"ABTasty*", PurposeAnalytics, "AB Tasty", ""},
	{"mp_*_mixpanel", PurposeAnalytics, "Mixpanel", ""},
	{"amplitude_id*", PurposeAnalytics, "Amplitude", ""},
	// First-party audience measurement that can be configured for the exemption.
	{"_pk_id*", PurposeMeasurement, "Matomo", ""},
	{"_pk_ses*", PurposeMeasurement, "Matomo", ""},
	{"_pk_ref*", PurposeMeasurement, "Matomo", ""},
	{"atuserid", PurposeMeasurement, "Piano Analytics (AT Internet)", ""},
	// Strictly necessary: consent storage, sessions, security.
	{"cc_cookie", PurposeNecessary, "cookieconsent (consent storage)", ""},
	{"tarteaucitron", PurposeNecessary, "tarteaucitron (consent storage)", ""},
	{"axeptio_*", PurposeNecessary, "Axeptio (consent storage)", ""},
	{"didomi_token", PurposeNecessary, "Didomi (consent storage)", ""},
	{"euconsent-v2", PurposeNecessary, "IAB TCF (consent storage)", ""},
	{"OptanonConsent", PurposeNecessary, "OneTrust (consent storage)", ""},
	{"OptanonAlertBoxClosed", PurposeNecessary, "OneTrust (consent storage)", ""},
	{"CookieConsent", PurposeNecessary, "Cookiebot (consent storage)", ""},
	{"cookieyes-consent", PurposeNecessary, "CookieYes (consent storage)", ""},
	{"cmplz_*", PurposeNecessary, "Complianz (consent storage)", ""},
	{"klaro", PurposeNecessary, "Klaro (consent storage)", ""},
	{"_iub_cs-*", PurposeNecessary, "iubenda (consent storage)", ""},
	{"PHPSESSID", PurposeNecessary, "session", ""},
	{"JSESSIONID", PurposeNecessary, "session", ""},
	{"ASP.NET_SessionId", PurposeNecessary, "session", ""},
	{"XSRF-TOKEN", PurposeNecessary, "security", ""},
	{"csrftoken", PurposeNecessary, "security", ""},
	{"__cf_bm", PurposeNecessary, "Cloudflare bot management", ""},
	{"cf_clearance", PurposeNecessary, "Cloudflare challenge", ""},
}

// thirteenMonths is the CNIL's maximum lifetime of a consent-exempt
// measurement cookie and the recommended one for consent cookies; a day of
// tolerance absorbs rounding by sites that set "395 days".
func thirteenMonths(from time.Time) time.Time { return from.AddDate(0, 13, 1) }

// Classification is what vigie concludes about a request, cookie or
// storage item.
type Classification struct {
	Purpose string
	// Service or organisation behind it, for the report.
	Service string
	// Org is the organisation record it rests on, if any.
	Org *evidence.Organisation
	// Why says how it was classified, for people: checks never read it.
	Why string
	// ExemptibleMeasurement is set for a cookie of an audience-measurement
	// tool that can be configured for the CNIL exemption (Matomo, Piano),
	// whether or not this cookie keeps the exemption.
	ExemptibleMeasurement bool
}

// NeedsConsent reports whether the classified item needs consent.
func (c Classification) NeedsConsent() bool { return NeedsConsent(c.Purpose) }

// purposeOfOrg maps an organisation's catalogue categories to a purpose.
func purposeOfOrg(o *evidence.Organisation) string {
	if o == nil {
		return ""
	}
	for _, pair := range [][2]string{
		{"advertising", PurposeAdvertising}, {"analytics", PurposeAnalytics}, {"social", PurposeSocial},
		{"tag-manager", PurposeTagManager},
	} {
		if slices.Contains(o.Categories, pair[0]) {
			return pair[1]
		}
	}
	return ""
}

// hostOrg returns the organisation behind a contacted host: its domain's
// owner (catalogue or registration), else its network's operator.
func hostOrg(ev *evidence.Evidence, name string) *evidence.Organisation {
	h := host(ev, name)
	if h == nil {
		return nil
	}
	if o := organisation(ev, h.DomainOwner); o != nil {
		return o
	}
	return organisation(ev, h.Operator)
}

// cloakedTracker returns the tracker host a first-party name's CNAME chain
// leads to, with its organisation, or "".
func (p *Pass) cloakedTracker(name string) (string, *evidence.Organisation) {
	r := p.Evidence.DNS.Resolution(name)
	if r == nil {
		return "", nil
	}
	for _, link := range r.Chain {
		if p.IsFirstParty(link.To) {
			continue
		}
		if o := hostOrg(p.Evidence, link.To); o != nil && purposeOfOrg(o) != "" && purposeOfOrg(o) != PurposeTagManager {
			return link.To, o
		}
	}
	return "", nil
}

// ClassifyHost classifies a host a page contacted.
func (p *Pass) ClassifyHost(name string) Classification {
	if p.IsFirstParty(name) {
		if to, o := p.cloakedTracker(name); to != "" {
			return Classification{Purpose: purposeOfOrg(o), Service: o.Name, Org: o,
				Why: "first-party name that is a CNAME to " + to + " (" + o.Name + ")"}
		}
		return Classification{Purpose: PurposeUnknown, Why: "first party"}
	}
	o := hostOrg(p.Evidence, name)
	if pur := purposeOfOrg(o); pur != "" {
		return Classification{Purpose: pur, Service: o.Name, Org: o, Why: "third party " + o.Name + " (" + strings.Join(o.Categories, ", ") + ")"}
	}
	c := Classification{Purpose: PurposeUnknown, Org: o, Why: "third party"}
	if o != nil {
		c.Service = o.Name
	}
	return c
}

// ClassifyRequest classifies a request a page made: by the organisation a
// catalogue URL rule designates for it (the GA4 tag on
// www.googletagmanager.com is Google Analytics), else by its host.
func (p *Pass) ClassifyRequest(r *evidence.Request) Classification {
	if a, ok := p.Facts().byURL[r.ID]; ok && !p.IsFirstParty(r.Host) {
		if o := organisation(p.Evidence, a.Organisation); o != nil {
			if pur := purposeOfOrg(o); pur != "" {
				return Classification{Purpose: pur, Service: o.Name, Org: o,
					Why: "third party " + o.Name + " (" + strings.Join(o.Categories, ", ") + "), by the URL rule " + a.Rule}
			}
		}
	}
	return p.ClassifyHost(r.Host)
}

// ClassifyCookie classifies a cookie: by the table of well-known names,
// else by the organisation owning its domain. A measurement cookie keeps
// its exemption only if first party and living at most 13 months.
func (p *Pass) ClassifyCookie(c *evidence.Cookie, visitStart time.Time) Classification {
	domain := strings.TrimPrefix(c.Domain, ".")
	rd := registrable(domain)
	for _, r := range CookieRules {
		if r.Domain != "" && r.Domain != rd {
			continue
		}
		if ok, _ := path.Match(r.Pattern, c.Name); !ok {
			continue
		}
		cl := Classification{Purpose: r.Purpose, Service: r.Service, Why: "well-known cookie " + r.Pattern + " (" + r.Service + ")",
			ExemptibleMeasurement: r.Purpose == PurposeMeasurement}
		if r.Purpose == PurposeMeasurement {
			switch {
			case !p.IsFirstParty(domain) && !p.onLandedSite(domain):
				cl.Purpose, cl.Why = PurposeAnalytics, cl.Why+", set for a third party: not exempt"
			case !c.Expires.IsZero() && !visitStart.IsZero() && c.Expires.After(thirteenMonths(visitStart)):
				cl.Purpose, cl.Why = PurposeAnalytics, cl.Why+", lives longer than 13 months: not exempt"
			}
		}
		if !p.IsFirstParty(domain) {
			cl.Org = p.orgOfDomain(rd)
		}
		return cl
	}
	if !p.IsFirstParty(domain) {
		o := p.orgOfDomain(rd)
		if pur := purposeOfOrg(o); pur != "" {
			return Classification{Purpose: pur, Service: o.Name, Org: o, Why: "cookie of " + o.Name + "'s domain " + rd}
		}
		return Classification{Purpose: PurposeUnknown, Why: "third-party cookie of unknown purpose"}
	}
	return Classification{Purpose: PurposeUnknown, Why: "first-party cookie of unknown purpose"}
}

// onLandedSite reports whether host is on the registrable domain of the
// host the target redirected to (Target.Landed), the site the visitor was
// on: a cookie set there is the site's own in the browser's sense, even
// when the domain is a vendor's rather than the organisation's.
func (p *Pass) onLandedSite(host string) bool {
	l := registrable(p.Evidence.Target.Landed)
	return l != "" && registrable(host) == l
}

// orgOfDomain returns the organisation behind the contacted hosts of a
// registrable domain, preferring one with a tracking purpose.
func (p *Pass) orgOfDomain(rd string) *evidence.Organisation {
	if rd == "" {
		return nil
	}
	var first *evidence.Organisation
	for _, h := range p.Evidence.Hosts {
		if h.RegistrableDomain != rd {
			continue
		}
		o := hostOrg(p.Evidence, h.Name)
		if purposeOfOrg(o) != "" {
			return o
		}
		if first == nil {
			first = o
		}
	}
	return first
}

// ClassifyStorage classifies a storage item by its origin.
func (p *Pass) ClassifyStorage(s *evidence.StorageItem) Classification {
	h := strings.TrimPrefix(strings.TrimPrefix(s.Origin, "https://"), "http://")
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	for _, r := range CookieRules {
		if ok, _ := path.Match(r.Pattern, s.Key); ok && NeedsConsent(r.Purpose) {
			return Classification{Purpose: r.Purpose, Service: r.Service, Why: "well-known key " + r.Pattern}
		}
	}
	return p.ClassifyHost(h)
}

// registrable returns a host's registrable domain (eTLD+1), or "" when it
// has none (an IP address, a public suffix).
func registrable(h string) string {
	d, _ := names.RegistrableDomain(h)
	return d
}

// tracked is one non-exempt item of a visit.
type tracked struct {
	id    string
	what  string // "request to x", "cookie _ga" …
	class Classification
}

// nonExempt lists a visit's non-exempt requests, cookies and storage items
// in the given phase ("" for both).
func (p *Pass) nonExempt(v *evidence.Visit, phase string) []tracked {
	var out []tracked
	seenHost := map[string]bool{}
	for i := range v.Requests {
		r := &v.Requests[i]
		if (phase != "" && r.Phase != phase) || r.Host == "" {
			continue
		}
		c := p.ClassifyRequest(r)
		if !c.NeedsConsent() {
			continue
		}
		what := "request to " + r.Host
		if seenHost[r.Host] {
			what = ""
		}
		seenHost[r.Host] = true
		out = append(out, tracked{id: r.ID, what: what, class: c})
	}
	for i := range v.Cookies {
		c := &v.Cookies[i]
		if (phase != "" && c.Phase != phase) || c.Blocked != "" {
			continue
		}
		cl := p.ClassifyCookie(c, v.Started)
		if cl.NeedsConsent() {
			out = append(out, tracked{id: c.ID, what: "cookie " + c.Name + " (" + c.Domain + ")", class: cl})
		}
	}
	for i := range v.Storage {
		s := &v.Storage[i]
		if phase != "" && s.Phase != phase {
			continue
		}
		cl := p.ClassifyStorage(s)
		if cl.NeedsConsent() {
			out = append(out, tracked{id: s.ID, what: s.Kind + " " + s.Key + " (" + s.Origin + ")", class: cl})
		}
	}
	return out
}

// groupTracked groups items by the service behind them, in first-seen order.
func groupTracked(items []tracked) (keys []string, groups map[string][]tracked) {
	groups = map[string][]tracked{}
	for _, t := range items {
		k := t.class.Service
		if t.class.Org != nil {
			k = t.class.Org.Name
		}
		if k == "" {
			k = t.class.Purpose
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], t)
	}
	return keys, groups
}

// describeGroup renders a group's items ("request to x, cookie _ga (…)"),
// bounded, and their evidence IDs.
func describeGroup(ts []tracked) (string, []string) {
	var whats, ids []string
	for _, t := range ts {
		if len(ids) < 50 {
			ids = append(ids, t.id)
		}
		if t.what != "" && len(whats) < 8 && !slices.Contains(whats, t.what) {
			whats = append(whats, t.what)
		}
	}
	s := strings.Join(whats, ", ")
	if n := len(ts) - len(whats); n > 0 && len(whats) == 8 {
		s += " …"
	}
	return s, ids
}

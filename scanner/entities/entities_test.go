package entities_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/names"
)

func TestEmbeddedCatalogueLoads(t *testing.T) {
	if err := entities.DefaultErr(); err != nil {
		t.Fatalf("embedded catalogue does not load:\n%v", err)
	}
	all := entities.Default().Entities()
	if len(all) < 90 {
		t.Errorf("embedded catalogue has %d entries, want at least 90", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b entities.Entity) int { return strings.Compare(a.Key, b.Key) }) {
		t.Error("Entities() is not sorted by key")
	}
	for _, e := range all {
		if len(e.Domains) == 0 || e.Country == "" || len(e.Categories) == 0 || len(e.Sources) == 0 {
			t.Errorf("%s: missing domain, country, category or source", e.Key)
		}
	}
}

func TestDefaultIsShared(t *testing.T) {
	if entities.Default() != entities.Default() {
		t.Error("Default() parsed the catalogue twice")
	}
}

// The catalogue must cover what a French public consultation portal meets: the checks name
// these organisations by key.
func TestCatalogueCoverage(t *testing.T) {
	c := entities.Default()
	tests := []struct {
		key, category, country string
	}{
		// hosting, France and the rest of Europe
		{"ovhcloud", entities.CategoryHosting, "FR"},
		{"scaleway", entities.CategoryHosting, "FR"},
		{"outscale", entities.CategoryCloud, "FR"},
		{"o2switch", entities.CategoryHosting, "FR"},
		{"gandi", entities.CategoryRegistrar, "FR"},
		{"clever-cloud", entities.CategoryCloud, "FR"},
		{"alwaysdata", entities.CategoryHosting, "FR"},
		{"ionos", entities.CategoryHosting, "DE"},
		{"hetzner", entities.CategoryHosting, "DE"},
		{"infomaniak", entities.CategoryHosting, "CH"},
		{"oderland", entities.CategoryHosting, "SE"},
		// US clouds and CDNs
		{"aws", entities.CategoryCloud, "US"},
		{"aws-cloudfront", entities.CategoryCDN, "US"},
		{"google-cloud", entities.CategoryCloud, "US"},
		{"azure", entities.CategoryCloud, "US"},
		{"cloudflare", entities.CategoryCDN, "US"},
		{"akamai", entities.CategoryCDN, "US"},
		{"fastly", entities.CategoryCDN, "US"},
		{"imperva", entities.CategoryCDN, "US"},
		{"digitalocean", entities.CategoryCloud, "US"},
		{"vercel", entities.CategoryHosting, "US"},
		{"netlify", entities.CategoryHosting, "US"},
		{"heroku", entities.CategoryHosting, "US"},
		{"github", entities.CategoryHosting, "US"},
		// audience measurement
		{"google-analytics", entities.CategoryAnalytics, "US"},
		{"google-tag-manager", entities.CategoryTagManager, "US"},
		{"piano-analytics", entities.CategoryAnalytics, "FR"},
		{"eulerian", entities.CategoryAnalytics, "FR"},
		{"matomo-cloud", entities.CategoryAnalytics, "NZ"},
		{"hotjar", entities.CategoryAnalytics, "MT"},
		{"microsoft-clarity", entities.CategoryAnalytics, "US"},
		{"plausible", entities.CategoryAnalytics, "EE"},
		{"contentsquare", entities.CategoryAnalytics, "FR"},
		{"yandex-metrica", entities.CategoryAnalytics, "RU"},
		// advertising and social
		{"meta", entities.CategorySocial, "US"},
		{"meta", entities.CategoryAdvertising, "US"},
		{"google-ads", entities.CategoryAdvertising, "US"},
		{"linkedin", entities.CategorySocial, "US"},
		{"x-twitter", entities.CategorySocial, "US"},
		{"tiktok", entities.CategorySocial, "IE"},
		{"criteo", entities.CategoryAdvertising, "FR"},
		{"microsoft-advertising", entities.CategoryAdvertising, "US"},
		// fonts and script CDNs
		{"google-fonts", entities.CategoryFonts, "US"},
		{"adobe-fonts", entities.CategoryFonts, "US"},
		{"jsdelivr", entities.CategoryScriptCDN, "PL"},
		{"cdnjs", entities.CategoryScriptCDN, "US"},
		{"unpkg", entities.CategoryScriptCDN, "US"},
		{"jquery-cdn", entities.CategoryScriptCDN, "US"},
		// the ten email service providers
		{"mandrill", entities.CategoryEmail, "US"},
		{"mailchimp", entities.CategoryEmail, "US"},
		{"sendgrid", entities.CategoryEmail, "US"},
		{"mailgun", entities.CategoryEmail, "US"},
		{"amazon-ses", entities.CategoryEmail, "US"},
		{"brevo", entities.CategoryEmail, "FR"},
		{"mailjet", entities.CategoryEmail, "FR"},
		{"postmark", entities.CategoryEmail, "US"},
		{"sparkpost", entities.CategoryEmail, "US"},
		{"microsoft-365", entities.CategoryEmail, "US"},
		{"google-workspace", entities.CategoryEmail, "US"},
		{"proton", entities.CategoryEmail, "CH"},
		// consultation and surveys
		{"cap-collectif", entities.CategoryConsultation, "FR"},
		{"decidim", entities.CategoryConsultation, "ES"},
		{"limesurvey", entities.CategorySurvey, "DE"},
		{"fluicity", entities.CategoryConsultation, "FR"},
		{"make-org", entities.CategoryConsultation, "FR"},
		{"go-vocal", entities.CategoryConsultation, "BE"},
		{"id-city", entities.CategoryConsultation, "FR"},
		{"framasoft", entities.CategorySurvey, "FR"},
		{"typeform", entities.CategorySurvey, "ES"},
		{"tally", entities.CategorySurvey, "BE"},
		{"surveymonkey", entities.CategorySurvey, "US"},
		{"google-forms", entities.CategorySurvey, "US"},
		{"microsoft-forms", entities.CategorySurvey, "US"},
		{"kobotoolbox", entities.CategorySurvey, "US"},
		{"civocracy", entities.CategoryConsultation, "DE"},
		// consent platforms
		{"tarteaucitron", entities.CategoryConsent, "FR"},
		{"axeptio", entities.CategoryConsent, "FR"},
		{"didomi", entities.CategoryConsent, "FR"},
		{"onetrust", entities.CategoryConsent, "US"},
		{"cookiebot", entities.CategoryConsent, "DK"},
		{"usercentrics", entities.CategoryConsent, "DE"},
		{"sirdata", entities.CategoryConsent, "FR"},
		{"quantcast-choice", entities.CategoryConsent, "US"},
		{"trustarc", entities.CategoryConsent, "US"},
		{"iubenda", entities.CategoryConsent, "IT"},
		{"complianz", entities.CategoryConsent, "NL"},
		{"cookieyes", entities.CategoryConsent, "GB"},
		{"osano", entities.CategoryConsent, "US"},
		// captchas, video, maps, monitoring
		{"google-recaptcha", entities.CategoryCaptcha, "US"},
		{"hcaptcha", entities.CategoryCaptcha, "US"},
		{"friendly-captcha", entities.CategoryCaptcha, "DE"},
		{"youtube", entities.CategoryVideo, "US"},
		{"vimeo", entities.CategoryVideo, "US"},
		{"dailymotion", entities.CategoryVideo, "FR"},
		{"openstreetmap", entities.CategoryMaps, "GB"},
		{"mapbox", entities.CategoryMaps, "US"},
		{"google-maps", entities.CategoryMaps, "US"},
		{"sentry", entities.CategoryMonitoring, "US"},
		{"new-relic", entities.CategoryMonitoring, "US"},
		{"datadog", entities.CategoryMonitoring, "US"},
	}
	for _, tt := range tests {
		e, ok := c.ByKey(tt.key)
		if !ok {
			t.Errorf("no entry %q", tt.key)
			continue
		}
		if !e.Has(tt.category) {
			t.Errorf("%s: categories %v, want %q among them", tt.key, e.Categories, tt.category)
		}
		if e.Country != tt.country {
			t.Errorf("%s: country %q, want %q", tt.key, e.Country, tt.country)
		}
	}

	// Every category of the vocabulary is used at least once.
	used := map[string]bool{}
	for _, e := range c.Entities() {
		for _, cat := range e.Categories {
			used[cat] = true
		}
	}
	for _, cat := range entities.Categories() {
		if !used[cat] {
			t.Errorf("category %q is used by no entry", cat)
		}
	}
}

// When several entries share a legal entity, one of them must claim it in org_names, so that
// ByOrgName's answer for that name is a decision, not an accident of key order.
func TestSharedLegalEntitiesAreClaimed(t *testing.T) {
	all := entities.Default().Entities()
	holders := map[string][]string{}
	claimed := map[string]bool{}
	for _, e := range all {
		if n := names.NormaliseOrg(e.LegalEntity); n != "" {
			holders[n] = append(holders[n], e.Key)
		}
		for _, o := range e.OrgNames {
			claimed[names.NormaliseOrg(o)] = true
		}
	}
	for n, keys := range holders {
		if len(keys) > 1 && !claimed[n] {
			t.Errorf("legal entity %q is shared by %v but no entry lists it in org_names", n, keys)
		}
	}
}

func TestByHost(t *testing.T) {
	c := entities.Default()
	tests := []struct {
		host string
		want string // "" means no match
	}{
		// longest suffix wins
		{"fonts.gstatic.com", "google-fonts"},
		{"www.gstatic.com", "google"},
		{"gstatic.com", "google"},
		{"fonts.googleapis.com", "google-fonts"},
		{"ajax.googleapis.com", "google-hosted-libraries"},
		{"storage.googleapis.com", "google-cloud"},
		{"www.googleapis.com", "google"},
		{"docs.google.com", "google-forms"},
		{"www.google.com", "google"},
		{"adservice.google.com", "google-ads"},
		{"alt1.aspmx.l.google.com", "google-workspace"},
		{"cdnjs.cloudflare.com", "cdnjs"},
		{"challenges.cloudflare.com", "cloudflare-turnstile"},
		{"www.cloudflare.com", "cloudflare"},
		{"bat.bing.com", "microsoft-advertising"},
		{"www.bing.com", "microsoft"},
		{"forms.office.com", "microsoft-forms"},
		{"www.office.com", "microsoft-365"},
		{"cmp.quantcast.com", "quantcast-choice"},
		{"pixel.quantcast.com", "quantcast"},
		{"mc.yandex.ru", "yandex-metrica"},
		{"yandex.ru", "yandex"},
		{"us.ovhcloud.com", "ovhcloud-us"},
		{"www.ovhcloud.com", "ovhcloud"},
		{"1234.bc.googleusercontent.com", "google-cloud"},
		{"lh3.googleusercontent.com", "google"},
		// ordinary hosts
		{"mail1.us4.mandrillapp.com", "mandrill"},
		{"mandrillapp.com", "mandrill"},
		{"mail141.atl271.mcdlv.net", "mailchimp"},
		{"d111111abcdef8.cloudfront.net", "aws-cloudfront"},
		{"bucket.s3.eu-west-3.amazonaws.com", "aws"},
		{"a8-1.smtp-out.amazonses.com", "amazon-ses"},
		{"ssl.google-analytics.com", "google-analytics"},
		{"www.googletagmanager.com", "google-tag-manager"},
		{"logc1.xiti.com", "piano-analytics"},
		{"cdn.jsdelivr.net", "jsdelivr"},
		{"tile.openstreetmap.org", "openstreetmap"},
		{"e1234.a.akamaiedge.net", "akamai"},
		{"t.co", "x-twitter"},
		// case, spaces and a trailing dot are ignored
		{"CDNJS.Cloudflare.COM", "cdnjs"},
		{"fonts.gstatic.com.", "google-fonts"},
		{"  www.cloudflare.com.  ", "cloudflare"},
		{"Cloudflare.com", "cloudflare"},
		// label boundaries: no match inside a label
		{"evilcloudflare.com", ""},
		{"notgstatic.com", ""},
		{"cloudflare.com.evil.example", ""},
		{"mandrillapp.com-evil.net", ""},
		{"xt.co", ""},
		// nothing to match
		{"", ""},
		{".", ""},
		{"com", ""},
		{"localhost", ""},
		{"example.org", ""},
		{"192.0.2.1", ""},
	}
	for _, tt := range tests {
		e, ok := c.ByHost(tt.host)
		got := ""
		if ok {
			got = e.Key
		}
		if got != tt.want {
			t.Errorf("ByHost(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestByOrgName(t *testing.T) {
	c := entities.Default()
	tests := []struct {
		name string
		want string
	}{
		{"Cloudflare, Inc.", "cloudflare"},
		{"CLOUDFLARE INC", "cloudflare"},
		{"Cloudflare", "cloudflare"},
		{"OVH SAS", "ovhcloud"},
		{"OVH S.A.S.", "ovhcloud"},
		{"SAS OVH", "ovhcloud"},
		{"ovh", "ovhcloud"},
		{"OVH Hosting, Inc.", "ovhcloud-canada"},
		{"OVH US LLC", "ovhcloud-us"},
		{"Amazon.com, Inc.", "aws"},
		{"AMAZON.COM INC", "aws"},
		{"Amazon Technologies Inc.", "aws"},
		{"Amazon Web Services, Inc.", "aws"},
		{"Google LLC", "google"},
		{"GOOGLE L.L.C.", "google"},
		{"Google Ireland Limited", "google"},
		{"Microsoft Corporation", "microsoft"},
		{"Microsoft Corp.", "microsoft"},
		{"Akamai International B.V.", "akamai"},
		{"Hetzner Online GmbH", "hetzner"},
		{"Infomaniak Network S.A.", "infomaniak"},
		{"The Rocket Science Group, LLC", "mailchimp"},
		{"Adobe Inc.", "adobe-experience-cloud"},
		{"Scaleway S.A.S", "scaleway"},
		{"ONLINE S.A.S.", "scaleway"},
		{"Gandi SAS", "gandi"},
		{"Meta Platforms, Inc.", "meta"},
		{"Usercentrics A/S", "usercentrics"},
		{"Cybot A/S", "cookiebot"},
		{"Plausible Insights OÜ", "plausible"},
		{"Plausible Insights OU", "plausible"},
		{"Prospect One Sp. z o.o.", "jsdelivr"},
		{"BunnyWay d.o.o.", "bunny"},
		// accents and punctuation
		{"Calaméo", "calameo"},
		{"CALAMEO", "calameo"},
		{"Institut National de l'Information Géographique et Forestière", "ign"},
		{"Cap-Collectif", "cap-collectif"},
		{"  Didomi   SAS ", "didomi"},
		// by alias
		{"1&1 IONOS", "ionos"},
		{"Sendinblue", "brevo"},
		{"Intuit Mailchimp", "mailchimp"},
		// no match
		{"Cloudflare Evil Corp", ""},
		{"CLOUDFLARENET", ""},
		{"Inc.", ""},
		{"", ""},
		{"Example Widgets SARL", ""},
	}
	for _, tt := range tests {
		e, ok := c.ByOrgName(tt.name)
		got := ""
		if ok {
			got = e.Key
		}
		if got != tt.want {
			t.Errorf("ByOrgName(%q) = %q, want %q (normalised %q)", tt.name, got, tt.want, names.NormaliseOrg(tt.name))
		}
	}
}

func TestByASN(t *testing.T) {
	c := entities.Default()
	tests := []struct {
		asn  uint32
		want string
	}{
		{13335, "cloudflare"},
		{16276, "ovhcloud"},
		{16509, "aws"},
		{14618, "aws"},
		{15169, "google-cloud"},
		{396982, "google-cloud"},
		{8075, "azure"},
		{20940, "akamai"},
		{16625, "akamai"},
		{54113, "fastly"},
		{24940, "hetzner"},
		{12876, "scaleway"},
		{8560, "ionos"},
		{32934, "meta"},
		{0, ""},
		{64512, ""},
		{4294967295, ""},
	}
	for _, tt := range tests {
		e, ok := c.ByASN(tt.asn)
		got := ""
		if ok {
			got = e.Key
		}
		if got != tt.want {
			t.Errorf("ByASN(%d) = %q, want %q", tt.asn, got, tt.want)
		}
	}
}

func TestByKey(t *testing.T) {
	c := entities.Default()
	if e, ok := c.ByKey("OVHcloud "); !ok || e.Key != "ovhcloud" {
		t.Errorf("ByKey(%q) = %v, %v", "OVHcloud ", e, ok)
	}
	if _, ok := c.ByKey("no-such-entry"); ok {
		t.Error("ByKey found an entry that does not exist")
	}
}

func TestLookupsReturnCopies(t *testing.T) {
	c := entities.Default()
	e, _ := c.ByKey("cloudflare")
	e.Domains[0] = "changed.example"
	e.Country = "XX"
	again, _ := c.ByKey("cloudflare")
	if again.Domains[0] == "changed.example" || again.Country == "XX" {
		t.Error("changing a returned Entity changed the catalogue")
	}
	all := c.Entities()
	all[0].Categories[0] = "changed"
	if c.Entities()[0].Categories[0] == "changed" {
		t.Error("changing Entities() changed the catalogue")
	}
}

func TestNilAndEmptyCatalogue(t *testing.T) {
	for _, c := range []*entities.Catalogue{nil, {}} {
		if _, ok := c.ByHost("cloudflare.com"); ok {
			t.Error("ByHost matched in an empty catalogue")
		}
		if _, ok := c.ByOrgName("Cloudflare"); ok {
			t.Error("ByOrgName matched in an empty catalogue")
		}
		if _, ok := c.ByASN(13335); ok {
			t.Error("ByASN matched in an empty catalogue")
		}
		if _, ok := c.ByKey("cloudflare"); ok {
			t.Error("ByKey matched in an empty catalogue")
		}
		if n := len(c.Entities()); n != 0 {
			t.Errorf("Entities() of an empty catalogue has %d entries", n)
		}
	}
}

func TestHas(t *testing.T) {
	e := &entities.Entity{Categories: []string{entities.CategoryCDN, entities.CategoryHosting}}
	if !e.Has(entities.CategoryCDN) || e.Has(entities.CategoryAnalytics) {
		t.Error("Has gives wrong answers")
	}
	var none *entities.Entity
	if none.Has(entities.CategoryCDN) {
		t.Error("nil entity has a category")
	}
}

func TestWith(t *testing.T) {
	base := entities.Default()
	extra, err := entities.LoadFile("testdata/user-entities.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := base.With(extra)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(c.Entities()), len(base.Entities())+1; got != want {
		t.Errorf("With: %d entries, want %d (one override, one addition)", got, want)
	}

	// The override replaces the built-in entry entirely.
	e, _ := c.ByKey("ovhcloud")
	if e.Name != "OVHcloud (corrected)" || len(e.ASNs) != 0 {
		t.Errorf("override not applied: %+v", e)
	}
	if e, ok := c.ByHost("www.ovh-corrected.example"); !ok || e.Key != "ovhcloud" {
		t.Errorf("override's new domain not indexed")
	}
	if _, ok := c.ByHost("www.kimsufi.com"); ok {
		t.Errorf("overridden entry's old domain still indexed")
	}
	if _, ok := c.ByASN(16276); ok {
		t.Errorf("overridden entry's old ASN still indexed")
	}

	// The addition wins where it claims what a built-in entry claims.
	for _, tt := range []struct{ got, want string }{
		{key(c.ByHost("portal.vendor.example")), "city-vendor"},
		{key(c.ByHost("cdnjs.cloudflare.com")), "city-vendor"},
		{key(c.ByASN(13335)), "city-vendor"},
		{key(c.ByOrgName("City Vendor B.V.")), "city-vendor"},
		{key(c.ByHost("www.cloudflare.com")), "cloudflare"},
	} {
		if tt.got != tt.want {
			t.Errorf("With: got %q, want %q", tt.got, tt.want)
		}
	}

	// The base catalogue is unchanged.
	if key(base.ByHost("cdnjs.cloudflare.com")) != "cdnjs" || key(base.ByASN(16276)) != "ovhcloud" {
		t.Error("With changed the catalogue it was called on")
	}
}

func TestWithRejects(t *testing.T) {
	valid := entities.Entity{Key: "a-vendor", Name: "A", Country: "FR",
		Categories: []string{"hosting"}, Domains: []string{"a.example"}, Sources: []string{"test"}}
	dup := valid
	dup.Domains = []string{"b.example"}
	bad := valid
	bad.Country = "France"

	if _, err := entities.Default().With([]entities.Entity{valid, dup}); err == nil || !strings.Contains(err.Error(), `"a-vendor"`) {
		t.Errorf("duplicate keys among extra entries: err = %v", err)
	}
	if _, err := entities.Default().With([]entities.Entity{bad}); err == nil || !strings.Contains(err.Error(), "country") {
		t.Errorf("invalid extra entry: err = %v", err)
	}
	var nilCat *entities.Catalogue
	c, err := nilCat.With([]entities.Entity{valid})
	if err != nil || key(c.ByHost("a.example")) != "a-vendor" {
		t.Errorf("With on a nil catalogue: %v", err)
	}
}

func TestNewRejectsDoubleClaims(t *testing.T) {
	mk := func(k, domain string, asn uint32, org string) entities.Entity {
		e := entities.Entity{Key: k, Name: k, Country: "FR", Categories: []string{"hosting"},
			Domains: []string{domain}, Sources: []string{"test"}}
		if asn != 0 {
			e.ASNs = []uint32{asn}
		}
		if org != "" {
			e.OrgNames = []string{org}
		}
		return e
	}
	tests := []struct {
		name    string
		entries []entities.Entity
		want    string
	}{
		{"duplicate key", []entities.Entity{mk("a", "a.example", 0, ""), mk("a", "b.example", 0, "")}, `entry "a"`},
		{"shared domain", []entities.Entity{mk("a", "x.example", 0, ""), mk("b", "x.example", 0, "")}, `already claimed by entry "a"`},
		{"shared ASN", []entities.Entity{mk("a", "a.example", 64496+100000, ""), mk("b", "b.example", 64496+100000, "")}, "AS164496"},
		{"shared org name", []entities.Entity{mk("a", "a.example", 0, "Acme SA"), mk("b", "b.example", 0, "ACME S.A.")}, `"acme"`},
	}
	for _, tt := range tests {
		_, err := entities.New(tt.entries)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %s", tt.name, err, tt.want)
		}
	}
	if _, err := entities.New([]entities.Entity{mk("a", "a.example", 0, ""), mk("b", "sub.a.example", 0, "")}); err != nil {
		t.Errorf("a more specific domain in another entry is allowed: %v", err)
	}
}

func key(e *entities.Entity, ok bool) string {
	if !ok {
		return ""
	}
	return e.Key
}

func TestEntryErrorIsReachable(t *testing.T) {
	_, err := entities.New([]entities.Entity{{Key: "Bad Key"}})
	var ee *entities.EntryError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v does not carry an EntryError", err)
	}
	if ee.Key != "Bad Key" {
		t.Errorf("EntryError.Key = %q", ee.Key)
	}
}

package entities_test

import (
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
)

// TestByURL is the request-level attribution: the host says whose server it is, the path and
// the tag's ID which service is loaded.
func TestByURL(t *testing.T) {
	c := entities.Default()
	long := "https://www.googletagmanager.com/gtag/js?id=G-X&pad=" + strings.Repeat("a", 1<<20)
	tests := []struct {
		url, want, rule string
	}{
		{"https://www.googletagmanager.com/gtag/js?id=G-ABC123", "google-analytics", "googletagmanager.com/gtag/js?id=G-"},
		{"https://www.googletagmanager.com/gtag/js?id=g-abc123&l=dataLayer", "google-analytics", "googletagmanager.com/gtag/js?id=G-"},
		{"https://www.googletagmanager.com/gtag/js?l=dataLayer&id=UA-1-1", "google-analytics", "googletagmanager.com/gtag/js?id=UA-"},
		{"https://www.googletagmanager.com/gtag/js?id=AW-987", "google-ads", "googletagmanager.com/gtag/js?id=AW-"},
		{"https://WWW.GoogleTagManager.com./gtag/js?id=DC-1", "google-ads", "googletagmanager.com/gtag/js?id=DC-"},
		{"https://www.google.com/recaptcha/api.js", "google-recaptcha", "google.com/recaptcha/"},
		{"https://www.gstatic.com/recaptcha/releases/x/recaptcha__fr.js", "google-recaptcha", "gstatic.com/recaptcha/"},
		{"https://www.google.com/maps/embed?pb=1", "google-maps", "google.com/maps"},
		{long, "google-analytics", "googletagmanager.com/gtag/js?id=G-"},
		// No rule: the host's entry (ByHost) stands.
		{"https://www.googletagmanager.com/gtm.js?id=GTM-ABC", "", ""},
		{"https://www.googletagmanager.com/gtag/js?id=GT-ABC", "", ""},
		{"https://www.googletagmanager.com/gtag/js", "", ""},
		{"https://www.googletagmanager.com/gtag/js?id=", "", ""},
		{"https://www.googletagmanager.com/gtag/jsx?id=G-1", "", ""},
		{"https://www.googletagmanager.com/gtag/js?xid=G-1", "", ""},
		{"https://www.googletagmanager.com/gtag/js?id=AG-1", "", ""},
		{"https://evilgoogletagmanager.com/gtag/js?id=G-1", "", ""},
		{"https://www.google.com/mapsx", "", ""},
		{"https://www.google.com/search?q=/recaptcha/", "", ""},
		{"ftp://www.googletagmanager.com/gtag/js?id=G-1", "", ""},
		{"/gtag/js?id=G-1", "", ""},
		{"https://www.googletagmanager.com/gtag/js?id=G-%zz", "", ""},
		{"https://[::1/gtag/js?id=G-1", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		name := tt.url
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			e, rule, ok := c.ByURL(tt.url)
			got := ""
			if ok {
				got = e.Key
			}
			if got != tt.want || rule != tt.rule {
				t.Errorf("ByURL = %q by %q, want %q by %q", got, rule, tt.want, tt.rule)
			}
		})
	}
	var nilCat *entities.Catalogue
	if _, _, ok := nilCat.ByURL("https://www.googletagmanager.com/gtag/js?id=G-1"); ok {
		t.Error("a nil catalogue matched")
	}
}

func TestURLRuleValidation(t *testing.T) {
	entry := func(urls ...string) entities.Entity {
		return entities.Entity{Key: "x", Name: "X", Country: "FR", Categories: []string{"analytics"},
			Domains: []string{"x.example"}, Sources: []string{"s"}, URLs: urls}
	}
	for _, tt := range []struct{ url, want string }{
		{"https://a.example/p", "without scheme"},
		{"a.example", "give a path"},
		{"a.example/p?id", "param=prefix"},
		{"a.example/p?id=", "param=prefix"},
		{"a.example/p?=G-", "param=prefix"},
		{"a.example/p?id=G-&x=1", "param=prefix"},
		{"a.example/p#x", "no fragment"},
		{"a.example/p*", "no wildcard"},
		{"A.example/p", "host: must be lower case"},
		{"com/p", "host: a top-level domain is too broad"},
		{"a.example/p q", "no spaces"},
	} {
		_, err := entities.New([]entities.Entity{entry(tt.url)})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "urls") {
			t.Errorf("%q: error %v, want one about urls saying %q", tt.url, err, tt.want)
		}
	}
	_, err := entities.New([]entities.Entity{entry("a.example/p", "a.example/p")})
	if err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("a rule listed twice: %v", err)
	}
	b := entry("a.example/p?id=G-")
	b.Key, b.Domains = "y", []string{"y.example"}
	if _, err := entities.New([]entities.Entity{entry("a.example/p?id=G-"), b}); err == nil || !strings.Contains(err.Error(), "already claimed") {
		t.Errorf("a rule claimed twice: %v", err)
	}
	// A user's entry claiming a rule replaces the catalogue's claim.
	c, err := entities.Default().With([]entities.Entity{entry("googletagmanager.com/gtag/js?id=G-")})
	if err != nil {
		t.Fatal(err)
	}
	if e, _, ok := c.ByURL("https://www.googletagmanager.com/gtag/js?id=G-1"); !ok || e.Key != "x" {
		t.Errorf("the user's rule did not win: %+v", e)
	}
	if e, _, ok := c.ByURL("https://www.googletagmanager.com/gtag/js?id=UA-1"); !ok || e.Key != "google-analytics" {
		t.Errorf("the catalogue's other rule was lost: %+v", e)
	}
}

// TestCompanies: each product carries its company, its EU establishment and its group, so that
// a legal page naming the company covers the product.
func TestCompanies(t *testing.T) {
	c := entities.Default()
	for _, tt := range []struct{ key, legal, eu, parent string }{
		{"google-analytics", "Google LLC", "Google Ireland Limited", "Alphabet Inc."},
		{"google-tag-manager", "Google LLC", "Google Ireland Limited", "Alphabet Inc."},
		{"youtube", "Google LLC", "Google Ireland Limited", "Alphabet Inc."},
		{"google-fonts", "Google LLC", "Google Ireland Limited", "Alphabet Inc."},
		{"google-recaptcha", "Google LLC", "Google Ireland Limited", "Alphabet Inc."},
		{"google-cloud", "Google LLC", "Google Cloud EMEA Limited", "Alphabet Inc."},
		{"meta", "Meta Platforms, Inc.", "Meta Platforms Ireland Limited", ""},
		{"microsoft-clarity", "Microsoft Corporation", "Microsoft Ireland Operations Limited", ""},
		{"linkedin", "LinkedIn Corporation", "LinkedIn Ireland Unlimited Company", "Microsoft Corporation"},
		{"aws", "Amazon Web Services, Inc.", "Amazon Web Services EMEA SARL", "Amazon.com, Inc."},
		{"mandrill", "The Rocket Science Group LLC", "", "Intuit Inc."},
		{"hotjar", "Hotjar Ltd", "", "Contentsquare SAS"},
		{"cloudflare", "Cloudflare, Inc.", "", ""},
	} {
		e, ok := c.ByKey(tt.key)
		if !ok || e.LegalEntity != tt.legal || e.EUEstablishment != tt.eu || e.Parent != tt.parent {
			t.Errorf("%s: %+v, want %q / %q / %q", tt.key, e, tt.legal, tt.eu, tt.parent)
		}
	}
	// An EU establishment names its company, as RDAP or a legal page may write it.
	if e, ok := c.ByOrgName("Meta Platforms Ireland Ltd"); !ok || e.Key != "meta" {
		t.Errorf("ByOrgName(Meta Platforms Ireland Ltd) = %+v", e)
	}
}

package scanner

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// requireBrowser skips a test without Chromium (fails when
// VIGIE_REQUIRE_BROWSER=1).
func requireBrowser(t testing.TB) {
	t.Helper()
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
}

// labScan scans a lab site with the lab's servers and dial override.
func labScan(t testing.TB, lab *scantest.Lab, url string, opts Options) (*evidence.Evidence, []Artifact) {
	t.Helper()
	opts.URL = url
	opts.Resolver, opts.RDAPServer, opts.WhoisServer = lab.DNSAddr, lab.RDAP.URL, lab.Whois.Addr
	opts.TrustCerts = []string{lab.CACertFile}
	opts.DialOverride = lab.DialOverride()
	opts.Progress = func(stage, msg string) { t.Logf("%s: %s", stage, msg) }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Scan(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.Evidence, res.Artifacts
}

// TestBrowserStageLab is issue 4's bar on the lab: the founding portal's
// pre-consent analytics, weaker reject and third-party inventory with
// owners and countries; nothing consent- or third-party-related on the
// clean site; reject ignored on concertation (with its cloaked tracker);
// no HTTPS on the old site.
func TestBrowserStageLab(t *testing.T) {
	requireBrowser(t)
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	type want struct {
		fire    map[string][]string // check → subjects that must be among its findings
		silent  []string            // checks (or prefixes) that must not fire
		summary map[string]string   // check → text one of its summaries holds
	}
	tests := []struct {
		url  string
		want want
	}{
		{"https://" + scantest.HostFounding + "/", want{
			fire: map[string][]string{
				"consent.tracker-before-consent": {"org/google-analytics"},
				"consent.reject-less-prominent":  {"tarteaucitron"},
				"web.third-party-analytics":      {"org/google-analytics"},
				"web.third-party-fonts":          {"org/google-fonts"},
				"web.third-party-requests":       {scantest.HostAnalytics, scantest.HostFonts},
				"hosting.operator-outside-eea":   {"org/google-analytics"},
				"consent.cookie-lifetime":        {"_ga@ville-exemple.fr"},
			},
			silent:  []string{"consent.no-banner", "consent.no-reject-first-layer", "consent.reject-not-respected", "web.no-https"},
			summary: map[string]string{"web.third-party-requests": "Google LLC, US"},
		}},
		{"https://" + scantest.HostClean + "/", want{silent: []string{"consent.", "web.third-party", "dns.cname-cloaking", "web.no-https"}}},
		{"https://" + scantest.HostRejectIgnored + "/", want{fire: map[string][]string{
			"consent.reject-not-respected": {"org/google-analytics"},
			"dns.cname-cloaking":           {scantest.HostCloaked},
		}}},
		{"http://" + scantest.HostNoHTTPS + "/", want{fire: map[string][]string{"web.no-https": {scantest.HostNoHTTPS}}}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			ev, arts := labScan(t, lab, tt.url, Options{})
			if !ev.Has(evidence.KindBrowser) || !ev.Has(evidence.KindConsent) {
				t.Fatalf("collected %v, errors %+v", ev.Collected, ev.Errors)
			}
			paths := map[string]bool{}
			for _, a := range arts {
				paths[a.Path] = true
			}
			if !paths["screenshots/initial-load.png"] || !paths["har/initial.har"] || !paths["har/reject.har"] {
				t.Errorf("artefacts %v", paths)
			}
			out := checks.RunChecks(append(checks.WebChecks, checks.Lookup("hosting.operator-outside-eea")), ev, nil, time.Now())
			got := map[string][]string{}
			summaries := map[string]string{}
			for _, f := range out.Findings {
				got[f.ID] = append(got[f.ID], f.Subject)
				summaries[f.ID] += f.Summary + "\n"
			}
			for id, subjects := range tt.want.fire {
				for _, s := range subjects {
					if !slices.Contains(got[id], s) {
						t.Errorf("%s: %v lacks %s", id, got[id], s)
					}
				}
			}
			for _, prefix := range tt.want.silent {
				for id, subjects := range got {
					if strings.HasPrefix(id, prefix) {
						t.Errorf("%s fired: %v\n%s", id, subjects, summaries[id])
					}
				}
			}
			for id, text := range tt.want.summary {
				if !strings.Contains(summaries[id], text) {
					t.Errorf("%s summaries lack %q:\n%s", id, text, summaries[id])
				}
			}
			for _, r := range out.Results {
				if r.Status == checks.StatusError {
					t.Errorf("%s: error %s", r.Check, r.Reason)
				}
			}
		})
	}
}

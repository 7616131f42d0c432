package checks

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

var (
	visitStart = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	gaOrg      = evidence.Organisation{ID: "org/google-analytics", Name: "Google Analytics", LegalEntity: "Google LLC", Country: "US", Categories: []string{"analytics"}}
	fontsOrg   = evidence.Organisation{ID: "org/google-fonts", Name: "Google Fonts", Country: "US", Categories: []string{"fonts"}}
	adsOrg     = evidence.Organisation{ID: "org/google-ads", Name: "Google Ads", Country: "US", Categories: []string{"advertising"}}
	eulerian   = evidence.Organisation{ID: "org/eulerian", Name: "Eulerian", Country: "FR", Categories: []string{"analytics", "advertising"}}
	cdnOrg     = evidence.Organisation{ID: "org/jsdelivr", Name: "jsDelivr", Country: "PL", Categories: []string{"script-cdn"}}
)

// browsed builds evidence of a site www.v.fr visited in the given visits,
// with the catalogue's organisations for the usual third parties.
func browsed(visits ...evidence.Visit) *evidence.Evidence {
	ev := site("www.v.fr", "v.fr", []evidence.Resolution{
		res("www.v.fr", evidence.ResolvedOK),
		res("metrics.v.fr", evidence.ResolvedOK, "v.eulerian.net"),
		res("stats.v.fr", evidence.ResolvedOK, "web.v.fr"),
	}, nil)
	ev.Collected = append(ev.Collected, evidence.KindBrowser, evidence.KindConsent, evidence.KindOwnership)
	ev.Browser = &evidence.Browser{Visits: visits}
	ev.Organisations = []evidence.Organisation{gaOrg, fontsOrg, adsOrg, eulerian, cdnOrg}
	owners := map[string]string{
		"www.google-analytics.com": "org/google-analytics", "www.googletagmanager.com": "org/google-analytics",
		"fonts.googleapis.com": "org/google-fonts", "googleads.g.doubleclick.net": "org/google-ads",
		"v.eulerian.net": "org/eulerian", "cdn.jsdelivr.net": "org/jsdelivr",
	}
	owners["metrics.v.fr"] = ""
	for name, org := range owners {
		ev.Hosts = append(ev.Hosts, evidence.Host{ID: "host/" + name, Name: name, RegistrableDomain: registrable(name), Roles: []string{evidence.RoleThirdParty}, DomainOwner: org})
	}
	return ev
}

func visit(state string, items ...any) evidence.Visit {
	v := evidence.Visit{ID: "visit/" + state, State: state, URL: "https://www.v.fr/", FinalURL: "https://www.v.fr/", Status: 200,
		HSTS: "max-age=31536000", HTTPSRedirect: ptr(true), Started: visitStart}
	n := 0
	for _, it := range items {
		switch x := it.(type) {
		case evidence.Request:
			n++
			x.ID, x.Visit = "req/"+state+string(rune('a'+n)), v.ID
			if x.Phase == "" {
				x.Phase = evidence.PhaseBeforeAction
			}
			x.RegistrableDomain = x.Host
			v.Requests = append(v.Requests, x)
		case evidence.Cookie:
			x.ID, x.Visit = "cookie/"+state+"/"+x.Domain+"/"+x.Name, v.ID
			if x.Phase == "" {
				x.Phase = evidence.PhaseBeforeAction
			}
			v.Cookies = append(v.Cookies, x)
		case evidence.StorageItem:
			x.ID, x.Visit = "storage/"+state+"/"+x.Origin+"/"+x.Key, v.ID
			if x.Phase == "" {
				x.Phase = evidence.PhaseBeforeAction
			}
			v.Storage = append(v.Storage, x)
		case *evidence.Banner:
			v.Banner = x
		case *evidence.ConsentAction:
			v.Action = x
		}
	}
	return v
}

func req(host string, phase ...string) evidence.Request {
	r := evidence.Request{URL: "https://" + host + "/x", Host: host, Method: "GET", Type: "Script"}
	if len(phase) > 0 {
		r.Phase = phase[0]
	}
	return r
}

func cookie(name, domain string, lifetime time.Duration, phase ...string) evidence.Cookie {
	c := evidence.Cookie{Name: name, Domain: domain, Path: "/"}
	if lifetime > 0 {
		c.Expires = visitStart.Add(lifetime)
	} else {
		c.Session = true
	}
	if len(phase) > 0 {
		c.Phase = phase[0]
	}
	return c
}

const day = 24 * time.Hour

func TestWebChecks(t *testing.T) {
	firstPartyOnly := browsed(visit(evidence.StateInitial, req("www.v.fr"), req("stats.v.fr"), cookie("_pk_id.1.ab", "www.v.fr", 390*day)))
	founding := browsed(visit(evidence.StateInitial, req("www.v.fr"), req("www.googletagmanager.com"), req("www.google-analytics.com"),
		req("fonts.googleapis.com"), req("cdn.jsdelivr.net"), cookie("_ga", ".v.fr", 400*day)))
	analyticsAfterAccept := browsed(visit(evidence.StateInitial, req("www.v.fr")),
		visit(evidence.StateAccept, req("www.google-analytics.com", evidence.PhaseAfterAction)))
	cloaked := browsed(visit(evidence.StateInitial, req("www.v.fr"), req("metrics.v.fr")))
	plainHTTP := browsed(func() evidence.Visit {
		v := visit(evidence.StateInitial, req("www.v.fr"))
		v.URL, v.FinalURL, v.HSTS, v.HTTPSRedirect = "http://www.v.fr/", "http://www.v.fr/", "", ptr(false)
		return v
	}())
	noRedirect := browsed(func() evidence.Visit {
		v := visit(evidence.StateInitial, req("www.v.fr"))
		v.HTTPSRedirect = ptr(false)
		return v
	}())
	noHSTS := browsed(func() evidence.Visit {
		v := visit(evidence.StateInitial, req("www.v.fr"))
		v.HSTS = ""
		return v
	}())
	failed := browsed(evidence.Visit{ID: "visit/initial", State: evidence.StateInitial, Error: "net::ERR_NAME_NOT_RESOLVED"})
	noBrowser := site("www.v.fr", "v.fr", nil, nil)

	tests := []struct {
		name   string
		check  *Check
		ev     *evidence.Evidence
		status Status
		want   []string
	}{
		{"inventory of third parties", webThirdPartyRequests, founding, StatusFail, []string{"cdn.jsdelivr.net", "fonts.googleapis.com", "www.google-analytics.com", "www.googletagmanager.com"}},
		{"inventory: first party only", webThirdPartyRequests, firstPartyOnly, StatusPass, nil},
		{"inventory: browser did not run", webThirdPartyRequests, noBrowser, StatusNotEvaluated, nil},
		{"Google Analytics", webThirdPartyAnalytics, founding, StatusFail, []string{"org/google-analytics"}},
		{"analytics after accept is still third-party analytics", webThirdPartyAnalytics, analyticsAfterAccept, StatusFail, []string{"org/google-analytics"}},
		{"first-party Matomo is not third-party analytics", webThirdPartyAnalytics, firstPartyOnly, StatusPass, nil},
		{"Google Fonts", webThirdPartyFonts, founding, StatusFail, []string{"org/google-fonts"}},
		{"no third-party fonts", webThirdPartyFonts, firstPartyOnly, StatusPass, nil},
		{"HTTPS with redirect and HSTS", webNoHTTPS, firstPartyOnly, StatusPass, nil},
		{"plain HTTP only", webNoHTTPS, plainHTTP, StatusFail, []string{"www.v.fr"}},
		{"HTTP not redirected", webNoHTTPS, noRedirect, StatusFail, []string{"www.v.fr"}},
		{"no HSTS", webNoHTTPS, noHSTS, StatusFail, []string{"www.v.fr"}},
		{"page did not load", webNoHTTPS, failed, StatusNotEvaluated, nil},
		{"CNAME-cloaked tracker", dnsCNAMECloaking, cloaked, StatusFail, []string{"metrics.v.fr"}},
		{"CNAME inside the domain is not cloaking", dnsCNAMECloaking, firstPartyOnly, StatusPass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := subjects(t, tt.check, tt.ev, nil)
			if status != tt.status || !slices.Equal(got, tt.want) {
				t.Errorf("got %s %v, want %s %v", status, got, tt.status, tt.want)
			}
		})
	}
}

func TestThirdPartyInventoryNamesOwners(t *testing.T) {
	ev := browsed(visit(evidence.StateInitial, req("www.google-analytics.com")))
	out := RunChecks([]*Check{webThirdPartyRequests}, ev, nil, testNow)
	if len(out.Findings) != 1 || !strings.Contains(out.Findings[0].Summary, "Google Analytics (Google LLC, US)") ||
		!strings.Contains(out.Findings[0].Summary, "before any choice") || !slices.Contains(out.Findings[0].Evidence, "org/google-analytics") {
		t.Errorf("findings %+v", out.Findings)
	}
}

func TestWebChecksExported(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range WebChecks {
		if ids[c.ID] || c.Title == "" || c.Rationale == "" || len(c.Refs) == 0 || c.Remediation == "" || c.Run == nil || len(c.Needs) == 0 {
			t.Errorf("check %s is duplicated or undocumented", c.ID)
		}
		ids[c.ID] = true
	}
	for _, id := range []string{"web.third-party-requests", "web.third-party-analytics", "web.third-party-fonts", "web.no-https",
		"consent.no-banner", "consent.tracker-before-consent", "consent.no-reject-first-layer", "consent.reject-less-prominent",
		"consent.reject-not-respected", "consent.cookie-lifetime", "dns.cname-cloaking"} {
		if !ids[id] {
			t.Errorf("%s not exported", id)
		}
	}
}

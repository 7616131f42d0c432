package scanner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/survey"
)

// browserStage visits the target in headless Chromium through vigie's
// recording proxy: before any consent, after reject and after accept, at
// the same time, each in a fresh browser context with its own proxy
// endpoint (only the first with --consent none); then --pages further
// first-party pages. As soon as the initial visit ends, its page as
// rendered (nil when it did not load) is handed to initial, for the legal
// and survey stages. KindBrowser is collected when the initial visit
// loaded, KindConsent when the reject and accept visits did too; a visit
// that did not complete is an error and makes the scan incomplete, and so
// does a target page that is a bot-protection challenge (challenged: then
// neither kind is collected) or answered an HTTP error (the site's error
// page is still judged), and a page view after a choice that answered one
// (errorViews). The proxy's log completes the visits once every load is
// over (closeWeb).
func (s *scan) browserStage(ctx context.Context, w *web, target evidence.Target, initial func(*browser.Page)) stageResult {
	r := s.newStage()
	defer initial(nil) // whatever happens, the stages waiting for the page go on
	if w.browser == nil {
		r.skipped = "no browser: the site's pages were not visited"
		return r
	}
	consent := s.opts.Consent
	if consent == "" {
		consent = "all"
	}
	res := w.browser.Scan(ctx, browser.ScanConfig{
		URL: target.URL, Consent: consent, Pages: s.opts.Pages, Dwell: s.opts.Dwell,
		FirstParty: s.firstParty(target),
		Endpoint:   w.endpoint,
		Sequential: s.opts.Sequential,
		OnInitial: func(v *browser.VisitResult) {
			if v.Visit.Error != "" {
				initial(nil)
			}
			initial(v.Page)
		},
		Progress: func(m string) { s.progress("browser", m) },
	})
	r.browser = res.Browser
	for _, f := range res.Files {
		r.artifacts = append(r.artifacts, Artifact{Path: f.Path, Data: f.Data})
	}
	errViews := errorViews(res.Browser)
	ok := func(state string) bool {
		v := res.Browser.Visit(state)
		return v != nil && v.Error == ""
	}
	for _, v := range res.Browser.Visits {
		if v.Error == "" {
			continue
		}
		r.fail("browser", v.ID, errors.New(v.Error))
		if v.State != evidence.StateCrawl {
			r.incomplete = append(r.incomplete, fmt.Sprintf("the %s visit of the target page did not complete: %s", v.State, v.Error))
		}
	}
	r.incomplete = append(r.incomplete, errViews...)
	r.incomplete = append(r.incomplete, shortObservations(res.Browser)...)
	edge := challenged(res.Visit(evidence.StateInitial))
	if edge != "" {
		r.fail("browser", target.URL, errors.New(edge))
		r.incomplete = append(r.incomplete, edge+": the site behind it was not seen, and its pages, consent and trackers are not judged")
	} else if v := res.Browser.Visit(evidence.StateInitial); v != nil && v.Error == "" && v.Status >= 400 {
		// The site's own error page is the site's: it is judged, but it
		// is not the page asked for (a mistyped URL would otherwise pass
		// for a page without trackers).
		r.incomplete = append(r.incomplete, fmt.Sprintf("the target page answered the browser HTTP %d: the visits observed the site's error page, not the page asked for, and the findings are that page's", v.Status))
	}
	if ok(evidence.StateInitial) && edge == "" {
		r.collected = append(r.collected, evidence.KindBrowser)
		if v := res.Browser.Visit(evidence.StateInitial); v.Status > 0 && v.Status < 400 {
			landed := s.landedHost(ctx, target, v.FinalURL)
			r.merge(landed)
			r.landed = landed.landed
		}
	}
	if consent == "all" && ok(evidence.StateReject) && ok(evidence.StateAccept) && edge == "" {
		r.collected = append(r.collected, evidence.KindConsent)
	}
	if err := ctx.Err(); err != nil {
		r.fail("browser", target.URL, fmt.Errorf("browser visits interrupted: %w", err))
	}
	r.note = fmt.Sprintf("%d visit(s)", len(res.Browser.Visits))
	return r
}

// errorViews marks, when the initial visit's page loaded without an HTTP
// error, the consent visits' page loads that answered one — a rate limit,
// a block that came later, a broken link — as not completed, so that no
// choice is judged on an error page: a reject or accept visit whose page
// answered an error is a failed visit (Visit.Error), a page view after
// the choice that did is a failed page view (PageView.Error). A page view
// after the choice that failed, by an HTTP error or a failed load, is a
// reason the scan is incomplete, which it returns — unless another of its
// kind loaded (a stale or broken link the visit followed the next link
// after: browser, nextViews).
func errorViews(b *evidence.Browser) []string {
	first := b.Visit(evidence.StateInitial)
	if first == nil || first.Error != "" || first.Status == 0 || first.Status >= 400 {
		return nil
	}
	var out []string
	for i := range b.Visits {
		v := &b.Visits[i]
		if v.State == evidence.StateCrawl || v.Error != "" {
			continue
		}
		if v.State != evidence.StateInitial && v.Status >= 400 {
			v.Error = fmt.Sprintf("the page answered HTTP %d where the initial visit's answered %d: an error page, not the page", v.Status, first.Status)
			continue
		}
		loaded := map[string]bool{}
		for j := range v.PageViews {
			pv := &v.PageViews[j]
			if pv.Kind != evidence.PageViewLoad && pv.Error == "" && pv.Status >= 400 {
				pv.Error = fmt.Sprintf("answered HTTP %d: an error page, not the page", pv.Status)
			}
			if pv.Error == "" {
				loaded[pv.Kind] = true
			}
		}
		for j := range v.PageViews {
			pv := &v.PageViews[j]
			if pv.Kind == evidence.PageViewLoad || pv.Error == "" {
				continue
			}
			if loaded[pv.Kind] {
				if pv.Kind == evidence.PageViewLink {
					pv.Error += "; the next link was followed instead"
				}
				continue
			}
			if pv.Status >= 400 {
				out = append(out, fmt.Sprintf("the %s visit's page view %s (%s of %s) answered HTTP %d: the choice is not judged on it", v.State, pv.ID, pv.Kind, pv.URL, pv.Status))
			} else {
				out = append(out, fmt.Sprintf("the %s visit's page view %s (%s of %s) did not load: the choice is not judged on it (%s)", v.State, pv.ID, pv.Kind, pv.URL, pv.Error))
			}
		}
	}
	return out
}

// landedHost is the host the target's redirects ended on in the browser
// (final: the initial visit's final URL) when it is not the target's own
// host — www. for an apex, the vendor's platform for the city's address:
// it serves the site's pages, so it is resolved (its CNAME chain too) and
// recorded in the site's role, as the target's name was (siteDNS).
func (s *scan) landedHost(ctx context.Context, target evidence.Target, final string) stageResult {
	r := s.newStage()
	u, err := url.Parse(final)
	if err != nil || u.Hostname() == "" {
		return r
	}
	host := names.Normalise(u.Hostname())
	if host == "" || host == target.Host {
		return r
	}
	r.landed = host
	if net.ParseIP(host) != nil {
		r.addHost(host, evidence.RoleSite, "")
		return r
	}
	s.progress("browser", fmt.Sprintf("the target redirected to %s: resolving it", host))
	r.dns = dnsinfo.Collect(ctx, s.dns, []string{host}, nil)
	res := r.dns.Resolution(host)
	if res == nil {
		r.addHost(host, evidence.RoleSite, "")
		return r
	}
	r.addHost(host, evidence.RoleSite, res.ID)
	for _, c := range res.Chain {
		r.addHost(c.To, evidence.RoleChain, res.ID)
	}
	return r
}

// challenged says whether the initial visit's page, as rendered once
// observed, is a bot-protection block or challenge page rather than the
// site (edgeChallenge) — the visits then observed the edge, not the site
// —, "" when it is not.
func challenged(v *browser.VisitResult) string {
	if v == nil || v.Page == nil {
		return ""
	}
	name, signals := edgeChallenge(v.Page)
	if name == "" {
		return ""
	}
	return fmt.Sprintf("the target page answered the browser with a %s block or challenge page (HTTP %d; %s)", name, v.Page.Status, strings.Join(signals, ", "))
}

// edgeChallenge names the bot-protection block or challenge page p is —
// a vendor's, or a plain 429 (survey.Challenge) — with the signals that
// matched; "" for the site's own page, a plain 403 included (it may be
// the site's answer).
func edgeChallenge(p *browser.Page) (string, []string) {
	name, signals := survey.Challenge(p.Status, p.Headers, p.HTML)
	if name == survey.ChallengeForbidden {
		return "", nil
	}
	return name, signals
}

// shortObservations says which page views of the target's visits were
// watched for less page time than planned (a starved or interrupted tab):
// they may have missed the tags that fire late, so the scan is incomplete
// rather than passing what it did not see.
func shortObservations(b *evidence.Browser) []string {
	var out []string
	for _, v := range b.Visits {
		if v.State == evidence.StateCrawl || v.Error != "" {
			continue
		}
		for _, pv := range v.PageViews {
			if short := pv.Observation.Short(); short != "" {
				out = append(out, fmt.Sprintf("the %s visit's page view %s (%s) was %s: tags that fire late may be missing", v.State, pv.ID, pv.Kind, short))
			}
		}
	}
	return out
}

// contactedHosts resolves the hosts the visits contacted (the proxy's
// lookups are cached) and lists them with the role requested, seen in the
// visit, with the names their CNAME chains lead to (a cloaked tracker's).
func (s *scan) contactedHosts(ctx context.Context, b *evidence.Browser) stageResult {
	var r stageResult
	var hosts []string
	for _, v := range b.Visits {
		for _, req := range v.Requests {
			r.addHost(req.Host, evidence.RoleThirdParty, v.ID)
			hosts = append(hosts, req.Host)
		}
	}
	r.dns = dnsinfo.Collect(ctx, s.dns, hosts, nil)
	for _, res := range r.dns.Resolutions {
		for _, c := range res.Chain {
			r.addHost(c.To, evidence.RoleRequestedChain, res.ID)
		}
	}
	return r
}

// firstParty tells the organisation's hosts: the target's registrable
// domain and the policy's organisation domains.
func (s *scan) firstParty(t evidence.Target) func(string) bool {
	domains := append([]string{t.RegistrableDomain}, s.opts.OrgDomains...)
	return func(host string) bool { return names.InDomains(host, domains) }
}

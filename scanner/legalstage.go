package scanner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/names"
)

// collectLegal finds and reads the site's legal notice, privacy policy and
// cookie policy, and extracts what they declare (ev.Legal). The candidates
// are the pages given with --legal, which replace discovery; else the
// links of the initial visit's page as rendered (legal.Discover), then the
// usual paths (legal.CommonPaths) on the page's final host. Each candidate
// is loaded with pages — the browser, so that pages assembled by
// JavaScript are read as visitors see them — its connections labelled
// "visit/legal/<n>" for the page legal/<n>.
//
// KindLegal is collected when the search ran to its end, even when it
// found no page: that is what legal.notice-missing judges. It is not when
// the initial page did not load and no page was given (nothing to search
// from), when no candidate could be loaded at all (the loader failed, not
// the site), or when the scan's deadline cut the search short. The hosts
// that served a page join ev.Hosts with the role legal-page. It returns
// the pages' text and HTML files (legal/<n>.txt, legal/<n>.html).
func (s *scan) collectLegal(ctx context.Context, ev *evidence.Evidence, pages pageLoader, initial *browser.Page) []Artifact {
	var cands []legal.Candidate
	probe := map[string]bool{} // the candidates at a usual path, probed first
	switch {
	case len(s.opts.LegalURLs) > 0:
		cands = legal.Given(s.opts.LegalURLs)
		if len(ev.Target.LegalURLs) == 0 {
			ev.Target.LegalURLs = slices.Clone(s.opts.LegalURLs)
		}
	case initial != nil:
		base := initial.FinalURL
		if base == "" {
			base = ev.Target.URL
		}
		cands = legal.Merge(legal.Discover(base, initial.HTML, 0), legal.CommonPaths(base))
		for _, c := range cands {
			if c.FoundBy == legal.FoundByPath {
				probe[c.URL] = true
			}
		}
	default:
		s.progress("legal", "the page did not load and no --legal page was given: legal pages not searched")
		return nil
	}
	s.progress("legal", fmt.Sprintf("%d candidate page(s)", len(cands)))
	lg, files := legal.Collect(ctx, &legalPages{pages: pages, probe: probe}, cands, s.catalogue)
	ev.Legal = lg

	answered, kept := 0, 0
	var more []evidence.Host
	for _, pg := range lg.Pages {
		if pg.Status != 0 {
			answered++
		}
		if pg.Error != "" {
			continue
		}
		kept++
		if h := legalHost(ev, pg); h != nil {
			more = append(more, *h)
		}
	}
	ev.Hosts = mergeHosts(ev.Hosts, more)
	switch {
	case ctx.Err() != nil:
		s.fail(ev, "legal", ev.Target.URL, fmt.Errorf("legal pages search interrupted after %d page(s): %w", len(lg.Pages), ctx.Err()))
	case len(lg.Pages) > 0 && answered == 0:
		s.fail(ev, "legal", ev.Target.URL, fmt.Errorf("none of the %d candidate legal page(s) could be loaded; first: %s", len(lg.Pages), lg.Pages[0].Error))
	default:
		ev.Collected = append(ev.Collected, evidence.KindLegal)
	}
	s.progress("legal", fmt.Sprintf("%d page(s) tried, %d read", len(lg.Pages), kept))

	arts := make([]Artifact, 0, len(files))
	for _, f := range files {
		arts = append(arts, Artifact{Path: f.Path, Data: f.Data})
	}
	return arts
}

// legalHost is the host that served a legal page, with the role
// legal-page, seen in the page's record.
func legalHost(ev *evidence.Evidence, pg evidence.LegalPage) *evidence.Host {
	raw := pg.FinalURL
	if raw == "" {
		raw = pg.URL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	name := names.Normalise(u.Hostname())
	if name == "" {
		return nil
	}
	rd, err := names.RegistrableDomain(name)
	if err != nil {
		rd = name
	}
	h := &evidence.Host{ID: "host/" + name, Name: name, RegistrableDomain: rd,
		Roles: []string{evidence.RoleLegalPage}, SeenIn: []string{pg.ID}}
	if r := ev.DNS.Resolution(name); r != nil {
		h.Resolution = r.ID
	}
	return h
}

// legalPages is the legal.Loader of a scan: each page loaded by the
// browser in a fresh context, its connections labelled "visit/legal/<n>"
// — legal.Collect makes one load per page record, so n is the n of the
// page's ID legal/<n>. A page guessed at a usual path (probe) is first
// asked for with a plain GET by the same route: one that is not there
// (404, 410) is not loaded in the browser.
type legalPages struct {
	pages pageLoader
	probe map[string]bool
	n     int
}

// Load loads one candidate page as rendered.
func (l *legalPages) Load(ctx context.Context, url string) (legal.Page, error) {
	l.n++
	label := fmt.Sprintf("visit/legal/%d", l.n)
	if l.probe[url] {
		if st, err := l.pages.status(ctx, label, url); err == nil && (st == http.StatusNotFound || st == http.StatusGone) {
			return legal.Page{URL: url, Status: st}, nil
		}
	}
	p, err := l.pages.loadPage(ctx, label, url)
	if err != nil {
		return legal.Page{}, err
	}
	return legal.Page{URL: p.URL, FinalURL: p.FinalURL, Status: p.Status, ContentType: p.ContentType, HTML: p.HTML, Text: p.Text}, nil
}

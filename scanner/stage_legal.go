package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/names"
)

// legalStage finds and reads the site's legal notice, privacy policy and
// cookie policy, and extracts what they declare. The candidates are the
// pages given with --legal, which replace discovery; else the links of the
// initial visit's page as rendered (legal.Discover), then the usual paths
// (legal.CommonPaths) on the page's final host. Each candidate is loaded
// through pages — the browser, so that pages assembled by JavaScript are
// read as visitors see them, or plain HTTP when no browser started (given
// pages only: each page records its loader) — its connections labelled
// "visit/legal/<n>" for the page legal/<n>.
//
// KindLegal is collected when the search ran to its end, even when it
// found no page: that is what legal.notice-missing judges. It is not when
// the initial page did not load and no page was given (nothing to search
// from), when no candidate could be loaded at all (the loader failed, not
// the site), or when the scan's deadline cut the search short. The hosts
// that served a page are returned with the role legal-page, with the
// pages' text and HTML files (legal/<n>.txt, legal/<n>.html).
func (s *scan) legalStage(ctx context.Context, pages pageLoader, initial *pageOnce) stageResult {
	r := s.newStage()
	var cands []legal.Candidate
	probe := map[string]bool{} // the candidates at a usual path, probed first
	if len(s.opts.LegalURLs) > 0 {
		cands = legal.Given(s.opts.LegalURLs)
	} else {
		page := initial.wait(ctx)
		switch {
		case page == nil && pages.loader() != loaderBrowser:
			r.skipped = "no browser to render the site and no --legal page given: legal pages not searched"
			r.fail("legal", s.opts.URL, errors.New("legal pages not searched: the browser did not start (give them with --legal to read them without a browser)"))
			return r
		case page == nil:
			r.skipped = "the target page did not load and no --legal page was given: legal pages not searched"
			return r
		}
		base := orElse(page.FinalURL, s.opts.URL)
		cands = legal.Merge(legal.Discover(base, page.HTML, 0), legal.CommonPaths(base))
		for _, c := range cands {
			if c.FoundBy == legal.FoundByPath {
				probe[c.URL] = true
			}
		}
	}
	s.progress("legal", fmt.Sprintf("%d candidate page(s)", len(cands)))
	workers := legal.LoadWorkers
	if s.opts.Sequential {
		workers = 1
	}
	lg, files := legal.Collect(ctx, &legalPages{pages: pages, probe: probe}, cands, s.catalogue, workers)
	r.legal = lg

	answered, kept := 0, 0
	for i := range lg.Pages {
		pg := &lg.Pages[i]
		if pg.Status != 0 {
			answered++
			pg.Loader = pages.loader()
		}
		if pg.Error != "" {
			continue
		}
		kept++
		if host := legalHost(pg); host != "" {
			r.addHost(host, evidence.RoleLegalPage, pg.ID)
		}
	}
	switch {
	case ctx.Err() != nil:
		r.fail("legal", s.opts.URL, fmt.Errorf("legal pages search interrupted after %d page(s): %w", len(lg.Pages), ctx.Err()))
	case len(lg.Pages) > 0 && answered == 0:
		r.fail("legal", s.opts.URL, fmt.Errorf("none of the %d candidate legal page(s) could be loaded; first: %s", len(lg.Pages), lg.Pages[0].Error))
		if len(s.opts.LegalURLs) > 0 {
			r.incomplete = append(r.incomplete, "none of the legal pages given (--legal) could be loaded")
		}
	default:
		r.collected = append(r.collected, evidence.KindLegal)
	}
	r.note = fmt.Sprintf("%d page(s) tried, %d read (%s)", len(lg.Pages), kept, pages.loader())
	for _, f := range files {
		r.artifacts = append(r.artifacts, Artifact{Path: f.Path, Data: f.Data})
	}
	return r
}

// legalHost is the host that served a legal page.
func legalHost(pg *evidence.LegalPage) string {
	u, err := url.Parse(orElse(pg.FinalURL, pg.URL))
	if err != nil {
		return ""
	}
	return names.Normalise(u.Hostname())
}

// legalPages is the legal.Loader of a scan: each page loaded by the
// browser in a fresh context (several at once), its connections labelled
// "visit/<id>" for the page record legal/<n>. A page guessed at a usual
// path (probe) is first asked for with a plain GET by the same route: one
// that is not there (404, 410) is not loaded in the browser.
type legalPages struct {
	pages pageLoader
	probe map[string]bool
}

// Load loads one candidate page as rendered.
func (l *legalPages) Load(ctx context.Context, id, url string) (legal.Page, error) {
	label := "visit/" + id
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

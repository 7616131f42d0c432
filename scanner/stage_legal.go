package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/legal"
	"github.com/vigie-scan/vigie/scanner/names"
)

// legalStage finds and reads the site's legal notice, privacy policy and
// cookie policy, and extracts what they declare. The candidates are the
// pages given with --legal, which replace discovery; else the links of the
// initial visit's page as rendered (legal.Discover), then the usual paths
// (legal.CommonPaths) on the page's final host. Each candidate is read
// through pages (legalPages: as served when that is the page a visitor
// sees, else rendered by the browser; each page records its loader), its
// connections labelled "visit/legal/<n>" for the page legal/<n>.
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
		if name, _ := edgeChallenge(page); name != "" {
			r.skipped = "the target page is a " + name + " block or challenge page and no --legal page was given: legal pages not searched"
			return r
		}
		base := orElse(page.FinalURL, s.opts.URL)
		cands = legal.Merge(legal.Discover(base, page.HTML, 0), legal.CommonPaths(base))
	}
	kinds := map[string]string{}
	for _, c := range cands {
		kinds[c.URL] = c.Kind
	}
	s.progress("legal", fmt.Sprintf("%d candidate page(s)", len(cands)))
	workers := legal.LoadWorkers
	if s.opts.Sequential {
		workers = 1
	}
	lg, files := legal.Collect(ctx, &legalPages{pages: pages, kinds: kinds}, cands, s.catalogue, workers)
	r.legal = lg

	answered, kept, rendered := 0, 0, 0
	for i := range lg.Pages {
		pg := &lg.Pages[i]
		if pg.Status != 0 {
			answered++
		}
		if pg.Error != "" {
			continue
		}
		kept++
		if pg.Loader == loaderBrowser {
			rendered++
		}
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
	r.note = fmt.Sprintf("%d page(s) tried, %d read (%d as served, %d rendered by the browser)", len(lg.Pages), kept, kept-rendered, rendered)
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

// legalPages is the legal.Loader of a scan. With a browser, each page is
// first read as served, with plain HTTP by the same route (scripts not
// run): one that is not there (404, 410) is not loaded in the browser, and
// one that reads whole without scripts (legal.Served: a page of its kind,
// with no sign of being assembled by scripts) is kept as served — the
// browser would render the same text at many times the cost. Every other
// page is loaded by the browser in a fresh context, as a visitor sees it.
// Without a browser, every page is read as served. A page answered by a
// bot-protection edge (edgeChallenge) is not loaded: it is not the site's.
// Both loads of a page go through proxy endpoints labelled "visit/<id>"
// for the page record legal/<n>.
type legalPages struct {
	pages pageLoader
	kinds map[string]string // candidate URL → the kind it was found as ("" for given pages)
}

// Load reads one candidate page, as served or rendered.
func (l *legalPages) Load(ctx context.Context, id, url string) (legal.Page, error) {
	label := "visit/" + id
	if l.pages.loader() == loaderBrowser {
		p, err := l.pages.servedPage(ctx, label, url)
		switch {
		case err != nil:
			// The browser may still get it (a vendor's challenge, a
			// protocol the plain client does not speak).
		case p.Status == http.StatusNotFound || p.Status == http.StatusGone:
			return legal.Page{URL: url, FinalURL: p.FinalURL, Status: p.Status, Loader: loaderHTTP}, nil
		case p.Status >= 200 && p.Status <= 299:
			if ok, _ := legal.Served(p.HTML, p.Text, l.kinds[url]); ok {
				return legalPage(p, loaderHTTP), nil
			}
		}
	}
	p, err := l.pages.loadPage(ctx, label, url)
	if err != nil {
		return legal.Page{}, err
	}
	if name, _ := edgeChallenge(p); name != "" {
		// The edge's page says nothing of what the site declares.
		return legal.Page{}, fmt.Errorf("answered with a %s block or challenge page (HTTP %d), not the site's page", name, p.Status)
	}
	return legalPage(p, l.pages.loader()), nil
}

// legalPage is a loaded page as the legal package reads it.
func legalPage(p *browser.Page, loader string) legal.Page {
	return legal.Page{URL: p.URL, FinalURL: p.FinalURL, Status: p.Status, ContentType: p.ContentType, HTML: p.HTML, Text: p.Text, Loader: loader}
}

package scanner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/owner"
)

// Shared is what the scans of a batch share, so that many sites cost what
// they must and no more: one browser (each visit in a browser context of
// its own; restarted when it crashes), one cache of DNS answers (each scan
// still reports the lookups it relied on), one ownership client (RDAP and
// whois answers, the address-range cache, the per-registry politeness and
// the disk cache: one RDAP query per network across all sites) and the
// catalogue. Make one with NewShared, pass it in Options.Shared, and Close
// it when the batch is over. It is safe for concurrent scans.
type Shared struct {
	dns       *dnsinfo.Client
	owners    *owner.Client
	catalogue *entities.Catalogue
	exe       string
	trust     []string
	ctx       context.Context

	mu       sync.Mutex
	browser  *browser.Browser
	starts   int
	closed   bool
	closeErr error
}

// NewShared sets up what scans share from opts' network options
// (Resolver, RDAPServer, WhoisServer, CacheDir, EntitiesFile, TrustCerts,
// Browser); the other fields of opts are per scan and ignored. The browser
// starts on the first scan that needs it and lives until Close or until
// ctx ends. It returns a *ConfigError for invalid options.
func NewShared(ctx context.Context, opts Options) (*Shared, error) {
	opts.URL, opts.Mails, opts.LegalURLs, opts.Shared = "", nil, nil, nil
	s, err := newScan(opts)
	if err != nil {
		return nil, err
	}
	return &Shared{dns: s.dns, owners: s.owners, catalogue: s.catalogue, exe: opts.Browser, trust: opts.TrustCerts, ctx: ctx}, nil
}

// Browser returns the running browser, starting it (again, after a crash)
// when needed.
func (sh *Shared) Browser() (*browser.Browser, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return nil, errors.New("shared browser: closed")
	}
	if sh.browser != nil {
		select {
		case <-sh.browser.Done():
			// It stopped (a crash, a kill): start another.
			sh.browser = nil
		default:
			return sh.browser, nil
		}
	}
	exe, err := browser.Find(sh.exe)
	if err != nil {
		return nil, err
	}
	if sh.starts >= maxBrowserStarts {
		return nil, fmt.Errorf("the browser stopped %d times: not started again", sh.starts)
	}
	sh.starts++
	b, err := browser.Start(sh.ctx, browser.Config{Exec: exe, TrustCerts: sh.trust})
	if err != nil {
		return nil, err
	}
	sh.browser = b
	return b, nil
}

// maxBrowserStarts bounds the restarts of a crashing browser in a batch.
const maxBrowserStarts = 20

// BrowserStarts says how many times the shared browser was started (more
// than once: it crashed and was restarted).
func (sh *Shared) BrowserStarts() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.starts
}

// Close stops the browser and saves the ownership cache. It may be called
// more than once.
func (sh *Shared) Close() error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return sh.closeErr
	}
	sh.closed = true
	var errs []error
	if sh.browser != nil {
		errs = append(errs, sh.browser.Close())
	}
	errs = append(errs, sh.owners.Close())
	sh.closeErr = errors.Join(errs...)
	return sh.closeErr
}

// Package webapp is vigie's local web application (`vigie serve`), for
// people who do not use a terminal: a page with one field — the address to
// audit — and the options a citizen understands (consent visits, a mail to
// upload, the report's language); a queue of scans run by the same engine
// as the command line (package audit), with their progress streamed to the
// page (Server-Sent Events); the finished HTML report shown in place and
// the bundle downloadable as a .zip; past scans kept on disk.
//
// Served on a loopback address it is a personal tool. Served on any other
// address it behaves as a public service: targets resolving to non-public
// addresses are refused (a remote user must not make it scan the server's
// own network), each client is rate-limited, uploads and queues are
// bounded, forms are protected against cross-site requests, bundle files
// are read only through an os.Root, and every page and report is served
// under a strict Content-Security-Policy.
package webapp

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/scanner"
)

// Defaults of Config's bounds.
const (
	DefaultMaxUpload = 4 << 20 // bytes of an uploaded mail
	DefaultMaxQueue  = 20      // scans waiting for a slot
	DefaultJobs      = 1       // scans at a time
)

// Config configures a Server. Only Data is required.
type Config struct {
	// Data is the directory past and current scans are kept in (one
	// directory per scan under Data/scans).
	Data string
	// Public makes the server behave as a public service: set it when it
	// listens on anything but a loopback address (see IsLoopback).
	Public bool
	// Jobs is how many scans run at a time; zero means DefaultJobs.
	Jobs int
	// MaxQueue bounds the scans waiting for a slot; zero means
	// DefaultMaxQueue.
	MaxQueue int
	// MaxUpload bounds an uploaded mail, in bytes; zero means
	// DefaultMaxUpload.
	MaxUpload int64
	// Options are the options every scan starts from: the network
	// redirections (resolver, RDAP, whois, trusted certificates, proxy,
	// browser), the cache, the organisation's domains. The web form sets
	// URL, Consent and Mails; Progress is the server's.
	Options scanner.Options
	// Settings say how a scan becomes a bundle (version, policy); the form
	// sets the language, and the bundle always holds report.json,
	// report.html, report.md and report.sarif.
	Settings audit.Settings
	// Limits are the per-client limits applied when Public is set; the
	// zero value means DefaultLimits.
	Limits Limits
	// Log receives one line per scan and per refused request; nil
	// discards them.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the web application: its handler serves the pages, Run runs the
// scan queue.
type Server struct {
	cfg     Config
	dir     string // Data/scans
	log     *slog.Logger
	now     func() time.Time
	pages   *template.Template
	handler http.Handler
	limits  *limiter
	queue   chan *job

	mu   sync.Mutex
	jobs map[string]*job

	// scan runs one scan into a bundle: audit.Scan, replaced in tests.
	scan func(context.Context, scanner.Options, audit.Settings, string) (*audit.Outcome, error)
	// lookup resolves a target's name for the public-service check; nil
	// uses the scan's resolver.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// New prepares a Server: it creates the data directory and loads the past
// scans kept there (a scan that was running when the server stopped is
// marked interrupted).
func New(cfg Config) (*Server, error) {
	if cfg.Data == "" {
		return nil, errors.New("serve: no data directory")
	}
	if cfg.Jobs <= 0 {
		cfg.Jobs = DefaultJobs
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	s := &Server{cfg: cfg, dir: filepath.Join(cfg.Data, "scans"), log: cfg.Log, now: cfg.Now,
		jobs: map[string]*job{}, queue: make(chan *job, cfg.MaxQueue), scan: audit.Scan}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return nil, fmt.Errorf("serve: data directory: %w", err)
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.limits = newLimiter(cfg.Limits, s.now)
	s.handler = s.routes()
	return s, nil
}

// Handler returns the application's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Run runs the scan queue, cfg.Jobs scans at a time, until ctx ends; the
// scans running then are interrupted (and marked so). It returns when they
// have stopped.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range s.cfg.Jobs {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-s.queue:
					s.run(ctx, j)
				}
			}
		})
	}
	wg.Wait()
	// Scans still waiting will not run in this process.
	for {
		select {
		case j := <-s.queue:
			j.finish(s, statusInterrupted, "the server stopped before this scan started", nil)
		default:
			return ctx.Err()
		}
	}
}

// IsLoopback reports whether a listen address ("host:port") accepts
// connections from this machine only: a loopback IP or "localhost". An
// empty host, 0.0.0.0, :: or any other name listens to the network.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// formats are the bundle's formats for every web scan: the HTML report
// shown, and the others for the download.
var formats = []string{"json", "html", "md", "sarif"}

// supported reports whether v is one of want.
func supported(v string, want ...string) bool { return slices.Contains(want, v) }

// Package browser drives headless Chromium (through chromedp) to record what
// a page does to a visitor: every request, cookie and storage item, the
// consent banner and what its buttons change, with screenshots and a HAR
// file per visit.
//
// One Browser runs per scan, in a fresh temporary profile with its own
// TMPDIR, both removed when it stops. Every visit runs in a fresh, isolated
// browser context whose traffic goes through vigie's recording proxy; the
// browser's own background traffic (updates, time, accounts) goes to a
// local sink that refuses it and notes the host, so that it never enters a
// page's evidence. Site isolation is turned off so that cross-site iframes
// stay in the page's process and their requests reach the page's event
// stream; the proxy's log is cross-checked for what events still miss
// (workers). No Chromium process outlives the Browser: the process tree is
// killed when the context given to Start ends or Close is called.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Defaults of Config.
const (
	DefaultLocale   = "fr-FR"
	DefaultTimeZone = "Europe/Paris"
	DefaultWidth    = 1366
	DefaultHeight   = 768
)

// Third-party cookie policies (Config.ThirdPartyCookies).
const (
	// ThirdPartyAllow lets third-party cookies be set, as in the browsers
	// most citizens run (Chrome keeps them by default); it is what a
	// visitor is exposed to.
	ThirdPartyAllow = "allow"
	// ThirdPartyBlock blocks unpartitioned third-party cookies, as
	// Chromium's own default does.
	ThirdPartyBlock = "block"
)

// Config configures a Browser. The zero value of every field but Exec is usable.
type Config struct {
	// Exec is the browser binary (see Find).
	Exec string
	// Proxy is the recording proxy ("host:port") every visit's traffic goes
	// through; empty sends visits directly (tests only).
	Proxy string
	// TrustCerts lists PEM files whose certificates the browser accepts in
	// a server's chain, in addition to the system's roots (--trust-cert).
	TrustCerts []string
	// Locale and TimeZone are how the browser presents itself; defaults
	// fr-FR and Europe/Paris.
	Locale   string
	TimeZone string
	// ThirdPartyCookies is ThirdPartyAllow (default) or ThirdPartyBlock.
	ThirdPartyCookies string
	// Width and Height are the viewport in CSS pixels; default 1366×768.
	Width, Height int
	// TempDir is where the per-scan directory is made; empty for
	// os.TempDir. A place whose path is too long for Chromium's socket is
	// replaced by a short one (/tmp, the user's runtime directory).
	TempDir string
	// StartTimeout bounds the browser's start; default 30s.
	StartTimeout time.Duration
	// Timing bounds each visit's waits (zero fields take defaults).
	Timing Timing
}

// Timing bounds the waits of a visit. Waiting is by network idle: no
// request in flight for Quiet, capped by IdleCap; never a fixed sleep.
type Timing struct {
	// Navigate bounds the main document's load (load event); default 30s.
	Navigate time.Duration
	// Quiet is how long the network must stay idle; default 500ms.
	Quiet time.Duration
	// IdleCap bounds the wait for network idle; default 10s.
	IdleCap time.Duration
	// Action bounds one browser command (a click, a screenshot, a query);
	// default 10s.
	Action time.Duration
}

func (t Timing) withDefaults() Timing {
	if t.Navigate <= 0 {
		t.Navigate = 30 * time.Second
	}
	if t.Quiet <= 0 {
		t.Quiet = 500 * time.Millisecond
	}
	if t.IdleCap <= 0 {
		t.IdleCap = 10 * time.Second
	}
	if t.Action <= 0 {
		t.Action = 10 * time.Second
	}
	return t
}

// Browser is one running Chromium, for one scan.
type Browser struct {
	cfg      Config
	timing   Timing
	root     string // the per-scan directory: profile, tmp, home
	profile  string
	info     evidence.Browser
	ua       string
	major    string
	full     string
	sink     *sink
	actx     context.Context
	acancel  context.CancelFunc
	bctx     context.Context
	bcancel  context.CancelFunc
	done     chan struct{}
	closeErr error
}

// Start starts the browser. It is stopped, its process tree killed and its
// directories removed, when ctx ends or Close is called, whichever comes
// first.
func Start(ctx context.Context, cfg Config) (*Browser, error) {
	if cfg.Exec == "" {
		return nil, errors.New("browser: no binary given (see Find)")
	}
	if cfg.Locale == "" {
		cfg.Locale = DefaultLocale
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = DefaultTimeZone
	}
	if cfg.ThirdPartyCookies == "" {
		cfg.ThirdPartyCookies = ThirdPartyAllow
	}
	if cfg.ThirdPartyCookies != ThirdPartyAllow && cfg.ThirdPartyCookies != ThirdPartyBlock {
		return nil, fmt.Errorf("browser: third-party cookie policy %q: want allow or block", cfg.ThirdPartyCookies)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		cfg.Width, cfg.Height = DefaultWidth, DefaultHeight
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	spki, err := SPKIHashes(cfg.TrustCerts)
	if err != nil {
		return nil, err
	}
	b := &Browser{cfg: cfg, timing: cfg.Timing.withDefaults(), done: make(chan struct{})}
	b.full, b.major = binaryVersion(ctx, cfg.Exec)
	if b.major == "" {
		b.major = "0"
	}
	b.ua = fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s.0.0.0 Safari/537.36", b.major)

	if b.root, err = makeRoot(cfg.TempDir); err != nil {
		return nil, err
	}
	b.profile = filepath.Join(b.root, "profile")
	dirs := []string{filepath.Join(b.profile, "Default"), filepath.Join(b.root, "tmp"), filepath.Join(b.root, "home")}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			os.RemoveAll(b.root)
			return nil, fmt.Errorf("browser: %w", err)
		}
	}
	if err := writePreferences(b.profile, cfg); err != nil {
		os.RemoveAll(b.root)
		return nil, err
	}
	if b.sink, err = startSink(); err != nil {
		os.RemoveAll(b.root)
		return nil, err
	}

	flags := b.flags(spki)
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(cfg.Exec), chromedp.NoInheritEnv, chromedp.Env(b.env()...)}
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f.name, f.value))
	}
	b.actx, b.acancel = chromedp.NewExecAllocator(ctx, opts...)
	b.bctx, b.bcancel = chromedp.NewContext(b.actx)
	go b.watch()

	// The first Run binds the browser's life to its context, so it cannot
	// carry a deadline: a timer cancels a start that hangs.
	timer := time.AfterFunc(cfg.StartTimeout, b.bcancel)
	err = chromedp.Do(b.bctx)
	stopped := !timer.Stop()
	if err != nil {
		b.Close()
		if stopped {
			return nil, fmt.Errorf("browser %s did not start within %s", cfg.Exec, cfg.StartTimeout)
		}
		return nil, startError(cfg.Exec, err)
	}
	if c := chromedp.FromContext(b.bctx); c != nil && c.Browser != nil {
		trackRoot(b.profile, c.Browser.Process())
	}
	vctx, cancel := context.WithTimeout(b.bctx, b.timing.Action)
	v, err := chromedp.CallBrowser(vctx, cdpbrowser.GetVersion, cdp.Empty{})
	cancel()
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("browser: version: %w", err)
	}
	if _, ver, ok := strings.Cut(v.Product, "/"); ok {
		b.full = ver
		b.major, _, _ = strings.Cut(ver, ".")
		b.ua = fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s.0.0.0 Safari/537.36", b.major)
	}
	b.info = evidence.Browser{
		Product:           productName(cfg.Exec),
		Version:           b.full,
		Headless:          headlessMode(cfg.Exec),
		UserAgent:         b.ua,
		Locale:            cfg.Locale,
		TimeZone:          cfg.TimeZone,
		ThirdPartyCookies: thirdPartyText(cfg.ThirdPartyCookies, cfg.Exec),
	}
	for _, f := range flags {
		b.info.Flags = append(b.info.Flags, f.record())
	}
	return b, nil
}

// Info describes the browser and how it presented itself, for the evidence.
func (b *Browser) Info() evidence.Browser {
	info := b.info
	info.Flags = slices.Clone(b.info.Flags)
	return info
}

// Dir returns the per-scan directory (profile, TMPDIR and HOME of the
// browser), removed when the browser stops.
func (b *Browser) Dir() string { return b.root }

// Background returns the browser's own connection attempts (updates, time,
// accounts …) that the local sink refused: they are not the page's.
func (b *Browser) Background() []evidence.Connection { return b.sink.connections() }

// Done is closed when the browser has stopped and its directories are removed.
func (b *Browser) Done() <-chan struct{} { return b.done }

// Close stops the browser, kills any process left of it and removes its
// directories. It is safe to call more than once and from several goroutines.
func (b *Browser) Close() error {
	b.bcancel()
	<-b.done
	return b.closeErr
}

// watch cleans up when the browser's context ends, however it ends.
func (b *Browser) watch() {
	<-b.bctx.Done()
	b.acancel() // waits for the browser process to exit
	killProfile(b.profile)
	b.sink.close()
	var err error
	for range 50 {
		if err = os.RemoveAll(b.root); err == nil {
			break
		}
		killProfile(b.profile)
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		b.closeErr = fmt.Errorf("browser: removing %s: %w", b.root, err)
	}
	close(b.done)
}

// Profile returns the browser's profile directory.
func (b *Browser) Profile() string { return b.profile }

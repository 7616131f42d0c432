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
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	// TempDir is where the per-scan directory is made; empty for os.TempDir.
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
	once     sync.Once
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

	if b.root, err = os.MkdirTemp(cfg.TempDir, "vigie-browser-"); err != nil {
		return nil, fmt.Errorf("browser: temporary directory: %w", err)
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
		return nil, fmt.Errorf("browser %s did not start: %w", cfg.Exec, err)
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
		ThirdPartyCookies: thirdPartyText(cfg.ThirdPartyCookies),
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

// ProfileProcesses returns the PIDs of the processes started with this
// profile directory still running (for tests: none after Close).
func ProfileProcesses(profile string) []int {
	return processesUsing(profile, false)
}

// Profile returns the browser's profile directory.
func (b *Browser) Profile() string { return b.profile }

// killProfile kills every process started with the profile directory,
// until none is left for a few passes (a child can fork as its parent dies).
func killProfile(profile string) {
	deadline := time.Now().Add(3 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); {
		if len(processesUsing(profile, true)) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processesUsing lists (and with kill, kills) the processes whose command
// line carries --user-data-dir=profile. Chromium passes it to its children.
func processesUsing(profile string, kill bool) []int {
	want := "--user-data-dir=" + profile
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			if arg == want {
				if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && zombie(st) {
					break
				}
				pids = append(pids, pid)
				if kill {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
				break
			}
		}
	}
	return pids
}

// zombie reports whether a /proc/PID/stat line is a zombie's (already dead,
// waiting for its parent to reap it).
func zombie(stat []byte) bool {
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// flag is one command-line switch.
type flag struct {
	name  string
	value any
	// shown replaces the value in the evidence (paths, local ports).
	shown string
}

func (f flag) record() string {
	if f.shown != "" {
		return "--" + f.name + "=" + f.shown
	}
	if v, ok := f.value.(string); ok {
		return "--" + f.name + "=" + v
	}
	return "--" + f.name
}

// disabledFeatures repeats chromedp's default list (setting the switch
// replaces it) and adds site isolation and Chromium's own network services.
var disabledFeatures = []string{
	"Translate", "BlinkGenPropertyTrees",
	"IsolateOrigins", "site-per-process",
	"OptimizationHints", "MediaRouter", "DialMediaRouteProvider",
	"AutofillServerCommunication", "CertificateTransparencyComponentUpdater",
	"InterestFeedContentSuggestions", "PrivacySandboxSettings4",
}

func (b *Browser) flags(spki []string) []flag {
	fs := []flag{}
	if !isHeadlessShell(b.cfg.Exec) {
		fs = append(fs, flag{name: "headless", value: true})
	}
	fs = append(fs,
		flag{name: "no-first-run", value: true},
		flag{name: "no-default-browser-check", value: true},
		flag{name: "user-data-dir", value: b.profile, shown: "<temporary profile>"},
		flag{name: "proxy-server", value: "http://" + b.sink.addr(), shown: "<local sink refusing the browser's own traffic>"},
		flag{name: "disable-quic", value: true},
		flag{name: "disable-background-networking", value: true},
		flag{name: "disable-component-update", value: true},
		flag{name: "disable-domain-reliability", value: true},
		flag{name: "disable-sync", value: true},
		flag{name: "disable-breakpad", value: true},
		flag{name: "disable-client-side-phishing-detection", value: true},
		flag{name: "disable-default-apps", value: true},
		flag{name: "disable-extensions", value: true},
		flag{name: "metrics-recording-only", value: true},
		flag{name: "safebrowsing-disable-auto-update", value: true},
		flag{name: "password-store", value: "basic"},
		flag{name: "use-mock-keychain", value: true},
		flag{name: "disable-dev-shm-usage", value: true},
		flag{name: "hide-scrollbars", value: true},
		flag{name: "mute-audio", value: true},
		flag{name: "disable-site-isolation-trials", value: true},
		flag{name: "disable-features", value: strings.Join(disabledFeatures, ",")},
		flag{name: "disable-blink-features", value: "AutomationControlled"},
		flag{name: "user-agent", value: b.ua},
		flag{name: "lang", value: b.cfg.Locale},
		flag{name: "accept-lang", value: acceptLanguage(b.cfg.Locale)},
		flag{name: "window-size", value: fmt.Sprintf("%d,%d", b.cfg.Width, b.cfg.Height)},
	)
	if len(spki) > 0 {
		fs = append(fs, flag{name: "ignore-certificate-errors-spki-list", value: strings.Join(spki, ",")})
	}
	if os.Getuid() == 0 {
		// Chromium refuses to run as root with its sandbox.
		fs = append(fs, flag{name: "no-sandbox", value: true})
	}
	return fs
}

// env is the browser's whole environment: nothing of vigie's leaks into it.
func (b *Browser) env() []string {
	env := []string{
		"TMPDIR=" + filepath.Join(b.root, "tmp"),
		"HOME=" + filepath.Join(b.root, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(b.root, "home", ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(b.root, "home", ".cache"),
		"TZ=" + b.cfg.TimeZone,
		"LANGUAGE=" + strings.ReplaceAll(b.cfg.Locale, "-", "_"),
	}
	if p := os.Getenv("PATH"); p != "" {
		env = append(env, "PATH="+p)
	}
	return env
}

// acceptLanguage turns fr-FR into "fr-FR,fr".
func acceptLanguage(locale string) string {
	lang, _, ok := strings.Cut(locale, "-")
	if !ok || lang == "" {
		return locale
	}
	return locale + "," + lang
}

// writePreferences seeds the fresh profile: the third-party cookie policy
// and the accepted languages.
func writePreferences(profile string, cfg Config) error {
	mode := 0 // allow third-party cookies
	if cfg.ThirdPartyCookies == ThirdPartyBlock {
		mode = 1
	}
	prefs := map[string]any{
		"profile":                    map[string]any{"cookie_controls_mode": mode, "block_third_party_cookies": mode == 1},
		"intl":                       map[string]any{"accept_languages": acceptLanguage(cfg.Locale)},
		"credentials_enable_service": false,
		"translate":                  map[string]any{"enabled": false},
		"webrtc":                     webRTCPreferences,
	}
	data, err := json.Marshal(prefs)
	if err != nil {
		return fmt.Errorf("browser: preferences: %w", err)
	}
	if err := os.WriteFile(filepath.Join(profile, "Default", "Preferences"), data, 0o600); err != nil {
		return fmt.Errorf("browser: preferences: %w", err)
	}
	return nil
}

func thirdPartyText(policy string) string {
	if policy == ThirdPartyBlock {
		return "blocked (profile.cookie_controls_mode=1, Chromium's own default)"
	}
	return "allowed (profile.cookie_controls_mode=0, as in Chrome's default for most users)"
}

func productName(exec string) string {
	base := strings.ToLower(filepath.Base(exec))
	switch {
	case isHeadlessShell(exec):
		return "Chromium headless shell"
	case strings.Contains(base, "chrome"):
		return "Google Chrome"
	default:
		return "Chromium"
	}
}

func headlessMode(exec string) string {
	if isHeadlessShell(exec) {
		return "old (headless shell)"
	}
	return "new (full browser, --headless)"
}

var versionRe = regexp.MustCompile(`\b(\d+)\.\d+\.\d+\.\d+\b`)

// binaryVersion runs "exec --version" (bounded) and returns the full and
// major versions, empty when it cannot tell.
func binaryVersion(ctx context.Context, exe string) (full, major string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "--version")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		return "", ""
	}
	m := versionRe.FindStringSubmatch(string(out))
	if m == nil {
		return "", ""
	}
	return m[0], m[1]
}

// SPKIHashes returns, for every certificate in the PEM files, the base64
// SHA-256 of its SubjectPublicKeyInfo, as Chromium's
// --ignore-certificate-errors-spki-list wants. Chromium accepts a server
// whose presented chain contains one of these keys: give the CA only when
// the servers send it in their chain, else the leaf or an intermediate.
func SPKIHashes(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--trust-cert: %w", err)
		}
		n := 0
		for {
			var blk *pem.Block
			blk, data = pem.Decode(data)
			if blk == nil {
				break
			}
			if blk.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("--trust-cert %s: %w", f, err)
			}
			h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
			if s := base64.StdEncoding.EncodeToString(h[:]); !slices.Contains(out, s) {
				out = append(out, s)
			}
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("--trust-cert %s: no PEM certificate in it", f)
		}
	}
	return out, nil
}

// sink is the browser-wide proxy: it refuses every connection and notes
// its destination. Visits have their own proxy (the recording one), so only
// Chromium's own traffic reaches it.
type sink struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []evidence.Connection
	wg    sync.WaitGroup
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: background sink: %w", err)
	}
	s := &sink{ln: ln}
	s.wg.Go(s.serve)
	return s, nil
}

func (s *sink) addr() string { return s.ln.Addr().String() }

func (s *sink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Go(func() { s.refuse(c) })
	}
}

// refuse reads the request line, notes the host and answers 403.
func (s *sink) refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(&limitedReader{r: c, n: 4096}).ReadString('\n')
	started := time.Now().UTC()
	if err == nil {
		method, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		target, _, _ := strings.Cut(rest, " ")
		host, port := sinkTarget(method, target)
		if host != "" {
			s.mu.Lock()
			if len(s.conns) < 200 {
				s.conns = append(s.conns, evidence.Connection{
					ID: fmt.Sprintf("bg/%d", len(s.conns)+1), Host: host, Port: port, Started: started,
					Refused: "the browser's own traffic, not the page's: refused", Background: true,
				})
			}
			s.mu.Unlock()
		}
	}
	_, _ = c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
}

// sinkTarget extracts host and port from a proxy request line's target.
func sinkTarget(method, target string) (string, int) {
	hostport := target
	if method != "CONNECT" {
		rest, ok := strings.CutPrefix(target, "http://")
		if !ok {
			return "", 0
		}
		hostport, _, _ = strings.Cut(rest, "/")
		if !strings.Contains(hostport, ":") {
			hostport += ":80"
		}
	}
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0
	}
	port, _ := strconv.Atoi(p)
	return strings.ToLower(h), port
}

func (s *sink) connections() []evidence.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.conns)
}

func (s *sink) close() {
	s.ln.Close()
	s.wg.Wait()
}

type limitedReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("request line too long")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= n
	return n, err
}

package browser

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/trustcert"
)

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
	if !IsHeadlessShell(b.cfg.Exec) {
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
	if IsHeadlessShell(b.cfg.Exec) {
		// The headless shell reads no profile preferences (writePreferences):
		// its WebRTC and third-party cookie policies are switches.
		fs = append(fs, flag{name: "force-webrtc-ip-handling-policy", value: webRTCPolicy})
		if b.cfg.ThirdPartyCookies == ThirdPartyBlock {
			fs = append(fs, flag{name: "test-third-party-cookie-phaseout", value: true})
		}
	}
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
	if runtime.GOOS == "windows" {
		// A Windows program needs SystemRoot to start, and takes its
		// temporary and profile directories from these.
		tmp, home := filepath.Join(b.root, "tmp"), filepath.Join(b.root, "home")
		env = append(env, "SystemRoot="+os.Getenv("SystemRoot"), "TEMP="+tmp, "TMP="+tmp, "USERPROFILE="+home,
			"LOCALAPPDATA="+filepath.Join(home, "AppData", "Local"), "APPDATA="+filepath.Join(home, "AppData", "Roaming"))
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

// writePreferences seeds the fresh profile of the full browser: the
// third-party cookie policy, the WebRTC policy and the accepted languages
// (the headless shell ignores it: see flags).
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

// thirdPartyText describes the third-party cookie policy for the
// evidence, as exec was told it.
func thirdPartyText(policy, exec string) string {
	switch {
	case policy == ThirdPartyBlock && IsHeadlessShell(exec):
		return "blocked (--test-third-party-cookie-phaseout, as Chromium's own default)"
	case policy == ThirdPartyBlock:
		return "blocked (profile.cookie_controls_mode=1, Chromium's own default)"
	}
	return "allowed (profile.cookie_controls_mode=0, as in Chrome's default for most users)"
}

func productName(exec string) string {
	base := strings.ToLower(filepath.Base(exec))
	switch {
	case IsHeadlessShell(exec):
		return "Chromium headless shell"
	case strings.Contains(base, "chrome"):
		return "Google Chrome"
	default:
		return "Chromium"
	}
}

func headlessMode(exec string) string {
	if IsHeadlessShell(exec) {
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
// the servers send it in their chain, else the leaf or an intermediate. A
// file without a certificate is an error (trustcert.Load).
func SPKIHashes(files []string) ([]string, error) {
	certs, err := trustcert.Load(files)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range certs {
		h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		if s := base64.StdEncoding.EncodeToString(h[:]); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/names"
)

// scanFlags are the flags of `vigie scan`.
type scanFlags struct {
	timeout, dwell time.Duration
	net            netFlags
	mails, legal   []string
	pages          int
	consent        string
	noRedact       bool
	report         reportFlags
}

// netFlags redirect every external name the scanner contacts.
type netFlags struct {
	resolver, rdapServer, whoisServer, browser, proxy string
	trustCerts, allowNetworks                         []string
	cacheDir, entities                                string
}

func (n *netFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&n.resolver, "resolver", "", "DNS server `HOST:PORT` for every lookup, the browser's included (default: the system's)")
	f.StringVar(&n.rdapServer, "rdap-server", "", "send every RDAP query to this base `URL` (default: IANA bootstrap)")
	f.StringVar(&n.whoisServer, "whois-server", "", "send every whois query to `HOST:PORT` (default: the registry's)")
	f.StringArrayVar(&n.trustCerts, "trust-cert", nil, "PEM `FILE` of certificates to trust in addition to the system's (repeatable)")
	f.StringVar(&n.browser, "browser", "", "Chrome/Chromium binary `PATH` (default: found on PATH)")
	f.StringVar(&n.proxy, "proxy", "", "upstream proxy `URL` for all web traffic, e.g. socks5://127.0.0.1:9050 for Tor")
	f.StringArrayVar(&n.allowNetworks, "allow-network", nil, "let pages, redirects and links reach this private, loopback or link-local `CIDR` range, e.g. 10.20.0.0/16 for an intranet or staging site (repeatable; default: only the target's own addresses)")
	f.StringVar(&n.cacheDir, "cache-dir", defaultCacheDir(), "keep RDAP/whois answers in `DIR` across runs (24 h); empty to disable")
	f.StringVar(&n.entities, "entities", "", "YAML `FILE` of known organisations adding to or overriding the built-in catalogue")
}

// defaultCacheDir is vigie's directory in the user cache dir, or "" when
// there is none.
func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "vigie")
}

func (n *netFlags) apply(o *scanner.Options) {
	o.Resolver, o.RDAPServer, o.WhoisServer = n.resolver, n.rdapServer, n.whoisServer
	o.TrustCerts, o.Browser, o.Proxy = n.trustCerts, n.browser, n.proxy
	o.AllowNetworks = n.allowNetworks
	o.CacheDir, o.EntitiesFile = n.cacheDir, n.entities
}

func newScanCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl scanFlags
	cmd := &cobra.Command{
		Use:   "scan URL",
		Short: "Audit a site and write a report bundle (HTML report included)",
		Long: "Audit a site the way a visitor meets it, and write the evidence as a report bundle.\n\n" +
			"vigie resolves the site's name through its CNAME chain and finds who operates every\n" +
			"network and domain involved (RDAP, whois, known organisations, countries). It loads the\n" +
			"page in headless Chromium through its own recording proxy in three fresh browsers —\n" +
			"before any consent, after clicking \"reject\", after clicking \"accept\" (--consent all,\n" +
			"the default; --consent none makes only the first visit) — and records every request,\n" +
			"cookie, storage item, the consent banner and screenshots. It reads the legal notice and\n" +
			"the privacy and cookie pages (found on the site, or given with --legal) for the hoster,\n" +
			"publisher and processors they declare; analyses the mails the site sent (--mail); and\n" +
			"recognises consultation platforms (LimeSurvey, Decidim …) and how their forms stop\n" +
			"repeat answers. Then it runs every check (`vigie checks`) and writes the bundle:\n" +
			"report.json and report.html by default (--format adds md, sarif, junit), the HAR files,\n" +
			"screenshots, the raw RDAP/whois answers and MANIFEST.sha256. The summary's last line\n" +
			"names report.html: open it in a browser.\n\n" +
			"The HTML and Markdown reports are written in the language given with --lang; else in\n" +
			"the locale's (LC_ALL, LC_MESSAGES, LANG) when it is French or English; else in French\n" +
			"when the site's page says so (<html lang=\"fr\">); else in English. The report says which.\n\n" +
			"Exit codes:\n" +
			"  0  scan done, no finding at or above --fail-on\n" +
			"  1  scan done, findings at or above --fail-on\n" +
			"  2  usage or configuration error, found before scanning (bad flag, policy, URL)\n" +
			"  3  incomplete: the name does not resolve, the browser never started, a visit of the target\n" +
			"     page did not complete (TLS failure, never loads, redirect loop), the --mail/--legal inputs\n" +
			"     could not be read, or the scan timed out or was interrupted; the report is still written\n" +
			"     and says why. --fail-on cannot turn it into 0; --allow-incomplete exits by findings only.",
		Args: exactArgs(1, "one URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			gate, err := fl.report.gate()
			if err != nil {
				return err
			}
			out := fl.report.out
			if out == "" {
				out = audit.DefaultDir(urlHost(args[0]), clock())
			}
			if err := gate.prepare(out); err != nil {
				return err
			}
			opts := scanner.Options{
				URL:        args[0],
				Mails:      fl.mails,
				LegalURLs:  fl.legal,
				Pages:      fl.pages,
				Consent:    fl.consent,
				Dwell:      fl.dwell,
				NoRedact:   fl.noRedact,
				Timeout:    fl.timeout,
				OrgDomains: gate.Policy.Organisation.Domains,
				Progress:   progressTo(stderr),
			}
			fl.net.apply(&opts)
			if labHook != nil {
				labHook(&opts)
			}
			o, err := audit.Scan(cmd.Context(), opts, gate.Settings, out)
			if err != nil {
				return scanFailed(err)
			}
			gate.report = o.Report
			if err := gate.summary(stdout, out); err != nil {
				return err
			}
			return gate.verdict()
		},
	}
	f := cmd.Flags()
	f.DurationVar(&fl.timeout, "timeout", scanner.DefaultTimeout, "deadline for the whole scan")
	f.StringArrayVar(&fl.mails, "mail", nil, "a mail the site sent (.eml or mbox `FILE`) to analyse with the site (repeatable)")
	f.StringArrayVar(&fl.legal, "legal", nil, "legal-notice or policy page `URL` to read instead of discovering them (repeatable)")
	f.IntVar(&fl.pages, "pages", 0, "also visit `N` first-party links, without interaction")
	f.DurationVar(&fl.dwell, "dwell", browser.DefaultDwell, "page time each page view is watched after loading, for late tags (virtual time: fast)")
	f.StringVar(&fl.consent, "consent", "all", "consent states to visit: all (before consent, after reject, after accept, each in a fresh browser) or none (before consent only)")
	f.BoolVar(&fl.noRedact, "no-redact", false, "keep personal values (recipient names, codes, tokens) in the report")
	fl.net.register(cmd)
	fl.report.register(cmd, "report bundle `DIR`, absent or empty (see --force; default ./vigie-<host>-<UTC time>)", "json,html")
	return cmd
}

// scanFailed maps a scan that did not start to its exit code: a
// configuration error is a usage error, anything else means the target
// could not be scanned.
func scanFailed(err error) error {
	var ce *scanner.ConfigError
	if errors.As(err, &ce) {
		return usage(err)
	}
	return incomplete(err)
}

// labHook lets tests route a scan's web traffic into the lab (the dial
// override); the command line never sets it.
var labHook func(*scanner.Options)

// progressTo prints progress lines on w (stderr).
func progressTo(w io.Writer) func(stage, msg string) {
	return func(stage, msg string) { fmt.Fprintf(w, "vigie: %-6s %s\n", stage, msg) }
}

// urlHost is the host of the URL given on the command line, for the
// default bundle directory; "site" when it has none (the scan then says
// what is wrong with it).
func urlHost(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Hostname() == "" {
		return "site"
	}
	return names.Normalise(u.Hostname())
}

// parseFailOn reads --fail-on; "none" never fails.
func parseFailOn(s string) (checks.Severity, bool, error) {
	if strings.EqualFold(s, "none") {
		return 0, false, nil
	}
	sev, err := checks.ParseSeverity(s)
	if err != nil {
		return 0, false, usage(fmt.Errorf("--fail-on: %w", err))
	}
	return sev, true, nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
)

// scanFlags are the flags of `vigie scan`.
type scanFlags struct {
	out, policy, formats, failOn string
	timeout, dwell               time.Duration
	net                          netFlags
	mails, legal                 []string
	pages                        int
	consent                      string
	noRedact                     bool
	report                       reportFlags
}

// netFlags redirect every external name the scanner contacts.
type netFlags struct {
	resolver, rdapServer, whoisServer, browser, proxy string
	trustCerts                                        []string
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
	o.CacheDir, o.EntitiesFile = n.cacheDir, n.entities
}

func newScanCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl scanFlags
	cmd := &cobra.Command{
		Use:   "scan URL",
		Short: "Scan a site and write a report bundle",
		Long: "Scan a site: resolve its name through the CNAME chain, look up its zone's records,\n" +
			"run every check and write a report bundle (report.json and MANIFEST.sha256).\n\n" +
			"Exit codes: 0 done and nothing at or above --fail-on; 1 findings at or above it;\n" +
			"2 usage or configuration error; 3 the target could not be scanned (a report is still written).",
		Args: exactArgs(1, "one URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			gate, err := newGate(fl.policy, fl.failOn, fl.formats)
			if err != nil {
				return err
			}
			if err := fl.report.apply(gate); err != nil {
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
				OrgDomains: gate.policy.Organisation.Domains,
				Progress:   progressTo(stderr),
			}
			fl.net.apply(&opts)
			if labHook != nil {
				labHook(&opts)
			}
			res, err := scanner.Scan(cmd.Context(), opts)
			if err != nil {
				return scanFailed(err)
			}
			out := fl.out
			if out == "" {
				out = defaultOutDir(res.Evidence.Target.Host, res.Started)
			}
			if err := gate.write(stdout, out, res); err != nil {
				return err
			}
			if res.TargetUnreachable() {
				return unreachable(fmt.Errorf("%s could not be scanned: its name does not resolve (see errors in %s/report.json)", res.Evidence.Target.Host, out))
			}
			return gate.verdict()
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.out, "out", "", "report bundle `DIR` (default ./vigie-<host>-<UTC time>)")
	f.StringVar(&fl.policy, "policy", "", "policy `FILE` (YAML): organisation domains, allowed countries, severities, ignores")
	f.StringVar(&fl.formats, "format", "json", "report `FORMATS`, comma-separated: json, html, md, sarif, junit (report.json is always written)")
	f.StringVar(&fl.failOn, "fail-on", "high", "exit 1 when a finding is at or above this `SEVERITY` (info, low, medium, high, critical, none)")
	f.DurationVar(&fl.timeout, "timeout", scanner.DefaultTimeout, "deadline for the whole scan")
	f.StringArrayVar(&fl.mails, "mail", nil, "a mail the site sent (.eml or mbox `FILE`) to analyse with the site (repeatable)")
	f.StringArrayVar(&fl.legal, "legal", nil, "legal-notice or policy page `URL` to read instead of discovering them (repeatable)")
	f.IntVar(&fl.pages, "pages", 0, "also visit `N` first-party links, without interaction")
	f.DurationVar(&fl.dwell, "dwell", browser.DefaultDwell, "page time each page view is watched after loading, for late tags (virtual time: fast)")
	f.StringVar(&fl.consent, "consent", "all", "consent states to visit: all (before consent, after reject, after accept) or none")
	f.BoolVar(&fl.noRedact, "no-redact", false, "keep personal values (recipient names, codes, tokens) in the report")
	fl.net.register(cmd)
	fl.report.register(cmd)
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
	return unreachable(err)
}

// labHook lets tests route a scan's web traffic into the lab (the dial
// override); the command line never sets it.
var labHook func(*scanner.Options)

// progressTo prints progress lines on w (stderr).
func progressTo(w io.Writer) func(stage, msg string) {
	return func(stage, msg string) { fmt.Fprintf(w, "vigie: %-6s %s\n", stage, msg) }
}

// defaultOutDir is ./vigie-<host>-<UTC time>.
func defaultOutDir(host string, t time.Time) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, host)
	return fmt.Sprintf("vigie-%s-%s", safe, t.UTC().Format("20060102T150405Z"))
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

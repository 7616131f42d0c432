package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/names"
)

// scanFlags are the flags of `vigie scan`.
type scanFlags struct {
	out, policy, formats, failOn string
	timeout                      time.Duration
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
			out := fl.out
			if out == "" {
				out = defaultOutDir(urlHost(args[0]), clock())
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
	f.StringVar(&fl.out, "out", "", "report bundle `DIR`, absent or empty (see --force; default ./vigie-<host>-<UTC time>)")
	f.StringVar(&fl.policy, "policy", "", "policy `FILE` (YAML): organisation domains, allowed countries, severities, ignores")
	f.StringVar(&fl.formats, "format", "json", formatsHelp())
	f.StringVar(&fl.failOn, "fail-on", "high", "exit 1 when a finding is at or above this `SEVERITY` (info, low, medium, high, critical, none)")
	f.DurationVar(&fl.timeout, "timeout", scanner.DefaultTimeout, "deadline for the whole scan")
	f.StringArrayVar(&fl.mails, "mail", nil, "a mail the site sent (.eml or mbox `FILE`) to analyse with the site (repeatable)")
	f.StringArrayVar(&fl.legal, "legal", nil, "legal-notice or policy page `URL` to read instead of discovering them (repeatable)")
	f.IntVar(&fl.pages, "pages", 0, "also visit `N` first-party links, without interaction")
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

// maxHostInDir bounds the host part of a default bundle directory's name,
// so that a long host name (up to 253 bytes) cannot make it longer than a
// file name may be (255 bytes on most file systems).
const maxHostInDir = 64

// defaultOutDir is ./vigie-<host>-<UTC time>. A host longer than
// maxHostInDir keeps its first characters and gets a hash of the whole
// name, so that the name stays readable and two hosts never share it.
func defaultOutDir(host string, t time.Time) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, strings.ToLower(host))
	if len(safe) > maxHostInDir {
		sum := sha256.Sum256([]byte(host))
		safe = safe[:maxHostInDir-9] + "-" + hex.EncodeToString(sum[:4])
	}
	return fmt.Sprintf("vigie-%s-%s", safe, t.UTC().Format("20060102T150405Z"))
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

package main

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// gate holds what decides a run's report and exit code: the policy, the
// formats and language, the --fail-on threshold, the baseline and the
// signing key.
type gate struct {
	policy  *checks.Policy
	formats []string
	lang    reports.Lang
	failOn  checks.Severity
	failing bool // false for --fail-on none
	report  *reports.Report

	// baseline is the earlier report given with --baseline, if any: only
	// findings whose fingerprint it lacks can fail the run.
	baseline     *reports.Report
	baselineFile string
	// signKey signs the bundle's manifest (--sign-key).
	signKey ed25519.PrivateKey
}

func newGate(policyFile, failOn, formats string) (*gate, error) {
	g := &gate{policy: &checks.Policy{}, lang: reports.LangFromEnv(os.Getenv)}
	if policyFile != "" {
		p, err := checks.LoadPolicy(policyFile)
		if err != nil {
			return nil, usage(err)
		}
		g.policy = p
	}
	var err error
	if g.failOn, g.failing, err = parseFailOn(failOn); err != nil {
		return nil, err
	}
	for _, f := range strings.Split(formats, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !contains(reports.Formats, f) {
			return nil, usage(fmt.Errorf("--format: unknown format %q (supported: %s)", f, strings.Join(reports.Formats, ", ")))
		}
		if !contains(g.formats, f) {
			g.formats = append(g.formats, f)
		}
	}
	return g, nil
}

// reportFlags are the report and gate flags shared by the commands that
// write a bundle (scan, mail, check), defined once: --out, --policy,
// --format, --fail-on, --lang, --baseline and --sign-key. Register them
// with register; gate reads them into the command's gate.
type reportFlags struct {
	out, policy, formats, failOn string
	lang, baseline, signKey      string
}

// register adds the flags to cmd; outHelp says where --out writes for this
// command (and what it defaults to).
func (rf *reportFlags) register(cmd *cobra.Command, outHelp string) {
	f := cmd.Flags()
	f.StringVar(&rf.out, "out", "", outHelp)
	f.StringVar(&rf.policy, "policy", "", "policy `FILE` (YAML): organisation domains, allowed countries, severities, ignores")
	f.StringVar(&rf.formats, "format", "json", "report `FORMATS`, comma-separated: "+strings.Join(reports.Formats, ", ")+" (report.json is always written)")
	f.StringVar(&rf.failOn, "fail-on", "high", "exit 1 when a finding is at or above this `SEVERITY` (info, low, medium, high, critical, none)")
	f.StringVar(&rf.lang, "lang", "", "`LANG` of the HTML and Markdown reports: en or fr (default from LC_ALL, LC_MESSAGES or LANG; else en)")
	f.StringVar(&rf.baseline, "baseline", "", "earlier report.json `FILE`: --fail-on counts only findings whose fingerprint is not in it")
	f.StringVar(&rf.signKey, "sign-key", "", "Ed25519 private key `FILE` (PEM PKCS#8) to sign MANIFEST.sha256 with (writes MANIFEST.sha256.sig)")
}

// gate returns the gate the flags describe. A bad policy, format,
// threshold, language, an unreadable baseline or key is a usage error,
// found before any scan starts.
func (rf *reportFlags) gate() (*gate, error) {
	g, err := newGate(rf.policy, rf.failOn, rf.formats)
	if err != nil {
		return nil, err
	}
	if err := rf.apply(g); err != nil {
		return nil, err
	}
	return g, nil
}

// apply reads the report flags into g. A bad language, an unreadable baseline or
// key is a usage error, found before any scan starts.
func (rf *reportFlags) apply(g *gate) error {
	if rf.lang != "" {
		l, err := reports.ParseLang(rf.lang)
		if err != nil {
			return usage(fmt.Errorf("--lang: %w", err))
		}
		g.lang = l
	}
	if rf.baseline != "" {
		f, err := os.Open(rf.baseline)
		if err != nil {
			return usage(fmt.Errorf("--baseline: %w", err))
		}
		defer f.Close()
		old, err := reports.ReadJSON(f)
		if err != nil {
			return usage(fmt.Errorf("--baseline %s: %w", rf.baseline, err))
		}
		g.baseline, g.baselineFile = old, rf.baseline
	}
	if rf.signKey != "" {
		data, err := os.ReadFile(rf.signKey)
		if err != nil {
			return usage(fmt.Errorf("--sign-key: %w", err))
		}
		key, err := reports.ParsePrivateKey(data)
		if err != nil {
			return usage(fmt.Errorf("--sign-key %s: %w", rf.signKey, err))
		}
		g.signKey = key
	}
	return nil
}

// write runs the checks on a scan's evidence, writes the bundle into dir and
// the summary on stdout.
func (g *gate) write(stdout io.Writer, dir string, res *scanner.Result) error {
	arts := make([]reports.Artifact, len(res.Artifacts))
	for i, a := range res.Artifacts {
		arts[i] = reports.Artifact{Path: a.Path, Data: a.Data}
	}
	return g.writeEvidence(stdout, dir, res.Evidence, res.Started, res.Finished, arts)
}

// writeEvidence runs the checks on ev and writes the bundle (when dir is
// set) and the summary.
func (g *gate) writeEvidence(stdout io.Writer, dir string, ev *evidence.Evidence, started, finished time.Time, arts []reports.Artifact) error {
	out := checks.Run(ev, g.policy, finished)
	var p *checks.Policy
	if g.policy != nil && !isZeroPolicy(g.policy) {
		p = g.policy
	}
	g.report = reports.New(toolVersion(), ev, out, p, started, finished)
	if g.baseline != nil {
		g.report.SetBaseline(g.baselineFile, g.baseline)
	}
	if dir != "" {
		o := reports.Options{Formats: g.formats, Lang: g.lang, SignKey: g.signKey}
		if err := reports.Write(dir, g.report, o, arts); err != nil {
			return unreachable(err)
		}
	}
	if err := reports.WriteSummary(stdout, g.report, dir); err != nil {
		return err
	}
	if g.baseline != nil && g.baseline.Target.Host != g.report.Target.Host {
		fmt.Fprintf(stdout, "warning: the baseline %s is a report of %q, not %q: every finding is new\n", g.baselineFile, g.baseline.Target.Host, g.report.Target.Host)
	}
	return nil
}

// verdict returns errFindings when a finding reaches --fail-on; with a
// baseline, only new findings count.
func (g *gate) verdict() error {
	if !g.failing || g.report == nil {
		return nil
	}
	fs := g.report.Findings
	if g.report.Baseline != nil {
		fs = nil
		for _, f := range g.report.Findings {
			if g.report.IsNew(f.Fingerprint) {
				fs = append(fs, f)
			}
		}
	}
	if max, any := checks.MaxSeverity(fs); any && max >= g.failOn {
		return errFindings
	}
	return nil
}

func isZeroPolicy(p *checks.Policy) bool {
	return p.Organisation.Name == "" && len(p.Organisation.Domains) == 0 && len(p.Allowed.Countries) == 0 &&
		len(p.Allowed.Processors) == 0 && len(p.Severity) == 0 && len(p.Ignore) == 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// gate holds what decides a run's report and exit code: the audit
// settings (policy, formats, language, baseline, signing key) and the
// --fail-on threshold.
type gate struct {
	audit.Settings
	failOn  checks.Severity
	failing bool // false for --fail-on none
	report  *reports.Report
	// allowIncomplete lets an incomplete scan exit by its findings
	// (--allow-incomplete).
	allowIncomplete bool
}

// clock is the run's clock: `vigie check` judges saved evidence as of now,
// not as of the scan. Tests replace it.
var clock = time.Now

func newGate(policyFile, failOn, formats string) (*gate, error) {
	g := &gate{Settings: audit.Settings{Version: toolVersion(), Policy: &checks.Policy{}, Getenv: os.Getenv}}
	if policyFile != "" {
		p, err := checks.LoadPolicy(policyFile)
		if err != nil {
			return nil, usage(err)
		}
		g.Policy = p
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
		if !contains(g.Formats, f) {
			g.Formats = append(g.Formats, f)
		}
	}
	return g, nil
}

// reportFlags are the report and gate flags shared by the commands that
// write a bundle (scan, mail, check), defined once: --out, --policy,
// --format, --fail-on, --lang, --baseline, --sign-key, --force and
// --allow-incomplete. Register them with register; gate reads them into the
// command's gate.
type reportFlags struct {
	out, policy, formats, failOn string
	lang, baseline, signKey      string
	force, allowIncomplete       bool
}

// register adds the flags to cmd; outHelp says where --out writes for this
// command (and what it defaults to), formats is the default of --format.
func (rf *reportFlags) register(cmd *cobra.Command, outHelp, formats string) {
	f := cmd.Flags()
	f.StringVar(&rf.out, "out", "", outHelp)
	rf.registerGate(cmd, formats)
	f.StringVar(&rf.baseline, "baseline", "", "earlier report.json `FILE`: --fail-on counts only findings whose fingerprint is not in it")
	f.BoolVar(&rf.force, "force", false, "write into a non-empty --out: remove the files an earlier vigie bundle there lists in its manifest (other files are left alone, and not listed)")
}

// registerGate adds the flags that say how each bundle is written and
// judged (--policy, --format, --fail-on, --lang, --sign-key,
// --allow-incomplete): all of register's but --out, --baseline and --force,
// which are one bundle's (vigie batch has its own --out).
func (rf *reportFlags) registerGate(cmd *cobra.Command, formats string) {
	f := cmd.Flags()
	f.StringVar(&rf.policy, "policy", "", "policy `FILE` (YAML): organisation domains, allowed countries, severities, ignores")
	f.StringVar(&rf.formats, "format", formats, formatsHelp())
	f.StringVar(&rf.failOn, "fail-on", "high", "exit 1 when a finding is at or above this `SEVERITY` (info, low, medium, high, critical, none)")
	f.StringVar(&rf.lang, "lang", "", "`LANG` of the HTML and Markdown reports: en or fr (default from LC_ALL, LC_MESSAGES or LANG; else en)")
	f.StringVar(&rf.signKey, "sign-key", "", "Ed25519 private key `FILE` (PEM PKCS#8) to sign MANIFEST.sha256 with (writes MANIFEST.sha256.sig)")
	f.BoolVar(&rf.allowIncomplete, "allow-incomplete", false, "exit by findings only (0 or 1) even when the scan was incomplete (target page never loaded, browser never started, interrupted); the report still says so")
}

// formatsHelp is the help of --format, from the formats reports can write.
func formatsHelp() string {
	return "report `FORMATS`, comma-separated: " + strings.Join(reports.Formats, ", ") + " (report.json is always written)"
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
	g.Force = rf.force
	g.allowIncomplete = rf.allowIncomplete
	if rf.lang != "" {
		l, err := reports.ParseLang(rf.lang)
		if err != nil {
			return usage(fmt.Errorf("--lang: %w", err))
		}
		g.Lang, g.LangFrom = l, "--lang "+rf.lang
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
		g.Baseline, g.BaselineFile = old, rf.baseline
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
		g.SignKey = key
	}
	return nil
}

// write runs the checks on a scan's evidence, writes the bundle into dir and
// the summary on stdout.
func (g *gate) write(stdout io.Writer, dir string, res *scanner.Result) error {
	r, err := g.Bundle(dir, res)
	if err != nil {
		return incomplete(err)
	}
	g.report = r
	return g.summary(stdout, dir)
}

// prepare checks, before anything is scanned, that dir can receive the
// bundle: an existing file, an unwritable or read-only place, a non-empty
// directory without --force are usage errors (exit 2) at once.
func (g *gate) prepare(dir string) error {
	if err := reports.CheckDir(dir, g.Force); err != nil {
		return usage(fmt.Errorf("--out: %w", err))
	}
	return nil
}

// writeEvidence runs the checks on ev at time now (the run's clock) and
// writes the bundle (when dir is set) and the summary.
func (g *gate) writeEvidence(stdout io.Writer, dir string, ev *evidence.Evidence, started, finished, now time.Time, arts []reports.Artifact) error {
	s := g.Settings
	s.Now = func() time.Time { return now }
	g.report = s.Report(ev, started, finished)
	if dir != "" {
		if err := s.Write(dir, g.report, arts); err != nil {
			return incomplete(err)
		}
	}
	return g.summary(stdout, dir)
}

// summary prints the report's summary on stdout; its last line names the
// HTML report when one was written, the page a person opens first.
func (g *gate) summary(stdout io.Writer, dir string) error {
	if err := reports.WriteSummary(stdout, g.report, dir); err != nil {
		return err
	}
	if g.Baseline != nil && g.Baseline.Target.Host != g.report.Target.Host {
		fmt.Fprintf(stdout, "warning: the baseline %s is a report of %q, not %q: every finding is new\n", g.BaselineFile, g.Baseline.Target.Host, g.report.Target.Host)
	}
	if dir != "" && (contains(g.Formats, "html") || contains(g.Formats, "md")) {
		if c := g.report.Language; c != nil {
			fmt.Fprintf(stdout, "Report language: %s\n", c.Describe(reports.English))
		}
	}
	if dir != "" && contains(g.Formats, "html") {
		fmt.Fprintf(stdout, "HTML report: %s\n", filepath.Join(dir, reports.FileName("html")))
	}
	return nil
}

// verdict returns an incomplete error (exit 3) when the report's scan could
// not see what it set out to see, unless --allow-incomplete; else
// errFindings when a finding reaches --fail-on (with a baseline, only new
// findings count).
func (g *gate) verdict() error {
	if g.report != nil && g.report.Evidence != nil && len(g.report.Evidence.Incomplete) > 0 && !g.allowIncomplete {
		return incomplete(fmt.Errorf("incomplete scan: %s (the report says so; --allow-incomplete exits by findings only)",
			strings.Join(g.report.Evidence.Incomplete, "; ")))
	}
	return g.findings()
}

// findings returns errFindings when a finding reaches --fail-on; with a
// baseline, only new findings count.
func (g *gate) findings() error {
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// gate holds what decides a run's report and exit code: the policy, the
// formats and the --fail-on threshold.
type gate struct {
	policy  *checks.Policy
	formats []string
	failOn  checks.Severity
	failing bool // false for --fail-on none
	report  *reports.Report
}

func newGate(policyFile, failOn, formats string) (*gate, error) {
	g := &gate{policy: &checks.Policy{}}
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
		g.formats = append(g.formats, f)
	}
	return g, nil
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
	if dir != "" {
		if err := reports.Write(dir, g.report, g.formats, arts); err != nil {
			return unreachable(err)
		}
	}
	return reports.WriteSummary(stdout, g.report, dir)
}

// verdict returns errFindings when a finding reaches --fail-on.
func (g *gate) verdict() error {
	if !g.failing || g.report == nil {
		return nil
	}
	if max, any := checks.MaxSeverity(g.report.Findings); any && max >= g.failOn {
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

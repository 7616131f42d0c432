// Package reports writes a scan's report bundle: report.json (the contract
// for machines), the other formats asked for, the raw artefacts the scan
// kept (RDAP and whois answers, screenshots, HAR files) and MANIFEST.sha256
// listing every file's hash. Reports present; they never decide: findings
// come from package checks, observations from scanner/evidence.
package reports

import (
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Schema identifies the report.json format.
const Schema = "vigie.report/v1"

// Report is the whole outcome of one scan, as serialised to report.json.
type Report struct {
	Schema     string          `json:"schema"`
	Tool       Tool            `json:"tool"`
	Target     evidence.Target `json:"target"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	// Policy is the policy the checks ran under, when one was given.
	Policy   *checks.Policy        `json:"policy,omitempty"`
	Evidence *evidence.Evidence    `json:"evidence"`
	Results  []checks.Result       `json:"results"`
	Findings []checks.Finding      `json:"findings"`
	Ignored  []checks.Finding      `json:"ignored,omitempty"`
	Ignores  []checks.IgnoreStatus `json:"ignores,omitempty"`
	// Facts are the conclusions the checks drew from the evidence (first
	// party, third parties, processors and whether the legal pages name
	// them, transfer blocs, platform support): the HTML and Markdown
	// reports show these, never conclusions of their own.
	Facts *checks.Facts `json:"facts,omitempty"`
	// Baseline compares the findings with an earlier report's, when one
	// was given (--baseline).
	Baseline *Baseline        `json:"baseline,omitempty"`
	Errors   []evidence.Error `json:"errors"`
	// Language is the language of the bundle's HTML and Markdown reports and
	// the rule that chose it, when the writer chose one (ChooseLang).
	Language *LangChoice `json:"language,omitempty"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// New assembles a report from evidence and the checks' outcome. Times are
// stored in UTC.
func New(version string, ev *evidence.Evidence, out checks.Outcome, p *checks.Policy, started, finished time.Time) *Report {
	r := &Report{
		Schema:     Schema,
		Tool:       Tool{Name: "vigie", Version: version},
		Target:     ev.Target,
		StartedAt:  started.UTC(),
		FinishedAt: finished.UTC(),
		Policy:     p,
		Evidence:   ev,
		Results:    out.Results,
		Findings:   out.Findings,
		Ignored:    out.Ignored,
		Ignores:    out.Ignores,
		Facts:      out.Facts,
		Errors:     ev.Errors,
	}
	if r.Findings == nil {
		r.Findings = []checks.Finding{}
	}
	if r.Errors == nil {
		r.Errors = []evidence.Error{}
	}
	return r
}

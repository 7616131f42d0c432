package batch

import (
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
)

// Bundle turns a scan into its report bundle as `vigie scan` does: the
// checks run on the evidence under the policy, the report is assembled
// and written with the formats asked for, and signed with a key.
type Bundle struct {
	// Policy is the policy the checks run under; nil for none.
	Policy *checks.Policy
	// Formats are the report formats besides report.json (reports.Formats).
	Formats []string
	// Lang is the HTML and Markdown reports' language.
	Lang reports.Lang
	// SignKey, when set, signs the bundle's manifest.
	SignKey ed25519.PrivateKey
	// Version is vigie's, recorded in the report.
	Version string
}

// Write runs the checks on res's evidence, writes the bundle into dir and
// returns the report.
func (b *Bundle) Write(dir string, res *scanner.Result) (*reports.Report, error) {
	out := checks.Run(res.Evidence, b.Policy, res.Finished)
	rep := reports.New(b.Version, res.Evidence, out, b.Policy, res.Started, res.Finished)
	arts := make([]reports.Artifact, len(res.Artifacts))
	for i, a := range res.Artifacts {
		arts[i] = reports.Artifact{Path: a.Path, Data: a.Data}
	}
	if err := reports.Write(dir, rep, reports.Options{Formats: b.Formats, Lang: b.Lang, SignKey: b.SignKey}, arts); err != nil {
		return nil, fmt.Errorf("report bundle: %w", err)
	}
	return rep, nil
}

// mainReport is the bundle's most readable report.
func (b *Bundle) mainReport() string {
	if slices.Contains(b.Formats, "html") {
		return reports.FileName("html")
	}
	return reports.FileName("json")
}

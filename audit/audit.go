// Package audit turns a scan into a report bundle the same way for every
// front end — the command line (`vigie scan`, `mail`, `check`, `demo`) and
// the web application (`vigie serve`): it runs the scan, runs the checks
// under the policy, chooses the reports' language and writes the bundle.
// What an outcome means to the user (an exit code, a web page) is the
// front end's business, not this package's.
package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Settings say how an audit's evidence becomes a report bundle. The zero
// value writes report.json only, in English unless the site is French, with
// no policy.
type Settings struct {
	// Version is vigie's version, written into the report.
	Version string
	// Policy is the policy the checks run under; nil (or an empty policy)
	// for none.
	Policy *checks.Policy
	// Formats lists the report formats to write (reports.Formats);
	// report.json is always written.
	Formats []string
	// Lang is the reports' language when the user asked for one (--lang,
	// the web form), "" to let the rule choose (reports.ChooseLang);
	// LangFrom says how it was asked ("--lang fr"), for the report.
	Lang     reports.Lang
	LangFrom string
	// Getenv reads the user's locale (LC_ALL, LC_MESSAGES, LANG) for the
	// language rule: os.Getenv on the command line; nil for no locale.
	Getenv func(string) string
	// SignKey, when set, signs the bundle's manifest.
	SignKey ed25519.PrivateKey
	// Baseline is an earlier report the findings are compared with
	// (--baseline), and BaselineFile its name.
	Baseline     *reports.Report
	BaselineFile string
	// Force lets the bundle replace an earlier vigie bundle in a non-empty
	// directory (--force): only the files its manifest lists are removed.
	Force bool
	// Now is the clock the checks judge with (vigie check: today, with
	// this vigie's tables); nil judges as of the scan's end.
	Now func() time.Time
}

// Outcome is what Scan produced.
type Outcome struct {
	// Result is the scan's evidence and artefacts.
	Result *scanner.Result
	// Report is the report written.
	Report *reports.Report
	// Dir is the bundle's directory.
	Dir string
}

// Scan runs a scan with opts and writes its bundle into dir, or when dir is
// "" into DefaultDir of the target and start time. A scan that could not
// start returns the scanner's error (a *scanner.ConfigError for bad
// options); a bundle that could not be written returns that error, with
// the outcome so far.
func Scan(ctx context.Context, opts scanner.Options, s Settings, dir string) (*Outcome, error) {
	res, err := scanner.Scan(ctx, opts)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		dir = DefaultDir(res.Evidence.Target.Host, res.Started)
	}
	out := &Outcome{Result: res, Dir: dir}
	out.Report, err = s.Bundle(dir, res)
	return out, err
}

// Bundle runs the checks on a scan's result and writes its bundle into dir.
func (s Settings) Bundle(dir string, res *scanner.Result) (*reports.Report, error) {
	r := s.Report(res.Evidence, res.Started, res.Finished)
	arts := make([]reports.Artifact, len(res.Artifacts))
	for i, a := range res.Artifacts {
		arts[i] = reports.Artifact{Path: a.Path, Data: a.Data}
	}
	return r, s.Write(dir, r, arts)
}

// Report runs the checks on ev under the policy and assembles the report:
// findings, the comparison with the baseline, the reports' language and
// the rule that chose it.
func (s Settings) Report(ev *evidence.Evidence, started, finished time.Time) *reports.Report {
	p := s.Policy
	if p == nil {
		p = &checks.Policy{}
	}
	now := finished
	if s.Now != nil {
		now = s.Now()
	}
	out := checks.Run(ev, p, now)
	if isZeroPolicy(p) {
		p = nil
	}
	r := reports.New(s.Version, ev, out, p, started, finished)
	if s.Baseline != nil {
		r.SetBaseline(s.BaselineFile, s.Baseline)
	}
	c := reports.ChooseLang(s.Lang, s.LangFrom, s.Getenv, reports.SiteLang(ev))
	r.Language = &c
	return r
}

// Write writes r's bundle into dir with the scan's artefacts.
func (s Settings) Write(dir string, r *reports.Report, arts []reports.Artifact) error {
	lang := reports.English
	if r.Language != nil {
		lang = r.Language.Lang
	}
	o := reports.Options{Formats: s.Formats, Lang: lang, SignKey: s.SignKey, Force: s.Force}
	if err := reports.Write(dir, r, o, arts); err != nil {
		return fmt.Errorf("write the report bundle %s: %w", dir, err)
	}
	return nil
}

// maxHostInDir bounds the host part of a default bundle directory's name,
// so that a long host name (up to 253 bytes) cannot make it longer than a
// file name may be (255 bytes on most file systems).
const maxHostInDir = 64

// DefaultDir is the bundle directory when none is given:
// vigie-<host>-<UTC time>, with the host's characters outside [a-z0-9.-]
// replaced by "_". A host longer than maxHostInDir keeps its first
// characters and gets a hash of the whole name, so that the name stays
// readable and two hosts never share it.
func DefaultDir(host string, t time.Time) string {
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

func isZeroPolicy(p *checks.Policy) bool {
	return p.Organisation.Name == "" && len(p.Organisation.Domains) == 0 && len(p.Allowed.Countries) == 0 &&
		len(p.Allowed.Processors) == 0 && len(p.Severity) == 0 && len(p.Ignore) == 0
}

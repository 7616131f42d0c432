package reports

import (
	"github.com/vigie-scan/vigie/checks"
)

// Delta is how the findings of one report compare with an earlier one's,
// by fingerprint (check, target and subject: no timestamps).
type Delta struct {
	// New lists the findings whose fingerprint the earlier report's
	// findings do not have. A finding the earlier report ignored counts as
	// new once no ignore applies to it any more (an expired ignore).
	New []checks.Finding
	// Unchanged lists the findings present in both.
	Unchanged []checks.Finding
	// Fixed lists the earlier findings that are gone: neither a finding
	// nor an ignored finding of the later report.
	Fixed []checks.Finding
}

// Diff compares the findings of report cur with those of the earlier old.
// Findings the policy ignores in cur are neither new nor fixed: they are
// listed as ignored by every format.
func Diff(old, cur *Report) Delta {
	before := map[string]bool{}
	for _, f := range old.Findings {
		before[f.Fingerprint] = true
	}
	now := map[string]bool{}
	var d Delta
	for _, f := range cur.Findings {
		now[f.Fingerprint] = true
		if before[f.Fingerprint] {
			d.Unchanged = append(d.Unchanged, f)
		} else {
			d.New = append(d.New, f)
		}
	}
	for _, f := range cur.Ignored {
		now[f.Fingerprint] = true
	}
	for _, f := range old.Findings {
		if !now[f.Fingerprint] {
			d.Fixed = append(d.Fixed, f)
		}
	}
	checks.SortFindings(d.New)
	checks.SortFindings(d.Unchanged)
	checks.SortFindings(d.Fixed)
	return d
}

// Baseline records, in a report, its comparison with an earlier report
// given with --baseline: the CI gate fails only on new findings.
type Baseline struct {
	// File is the earlier report as given on the command line.
	File string `json:"file"`
	// Started is when the earlier scan started (RFC 3339 UTC).
	Started string `json:"started_at"`
	// New and Unchanged list the fingerprints of this report's findings
	// that are new and already present in the baseline.
	New       []string `json:"new"`
	Unchanged []string `json:"unchanged"`
	// Fixed lists the baseline's findings that are gone.
	Fixed []checks.Finding `json:"fixed"`
}

// SetBaseline compares r with the earlier report old (read from file) and
// records the comparison in r.Baseline.
func (r *Report) SetBaseline(file string, old *Report) Delta {
	d := Diff(old, r)
	b := &Baseline{File: file, Started: old.StartedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		New: []string{}, Unchanged: []string{}, Fixed: d.Fixed}
	for _, f := range d.New {
		b.New = append(b.New, f.Fingerprint)
	}
	for _, f := range d.Unchanged {
		b.Unchanged = append(b.Unchanged, f.Fingerprint)
	}
	if b.Fixed == nil {
		b.Fixed = []checks.Finding{}
	}
	r.Baseline = b
	return d
}

// IsNew reports whether the finding with fingerprint fp is new against the
// report's baseline; without a baseline every finding is new.
func (r *Report) IsNew(fp string) bool {
	if r.Baseline == nil {
		return true
	}
	for _, n := range r.Baseline.New {
		if n == fp {
			return true
		}
	}
	return false
}

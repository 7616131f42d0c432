package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Outcome is the result of running every check on one scan's evidence.
type Outcome struct {
	// Results has one entry per check, in registry order.
	Results []Result `json:"results"`
	// Findings lists the findings that no ignore suppresses, most severe first.
	Findings []Finding `json:"findings"`
	// Ignored lists the suppressed findings, each with its Ignore.
	Ignored []Finding `json:"ignored,omitempty"`
	// Ignores reports on each policy ignore: applied, expired or unused.
	Ignores []IgnoreStatus `json:"ignores,omitempty"`
	// Facts are the conclusions the checks drew from the evidence, derived
	// once: reports show them rather than deciding anything themselves.
	Facts *Facts `json:"facts,omitempty"`
}

// IgnoreStatus says what became of one policy ignore in a run.
type IgnoreStatus struct {
	Ignore
	// Status is applied, expired (it matched, but its date has passed, so
	// the findings count) or unused (it matched nothing: remove it).
	Status  string `json:"status"`
	Matched int    `json:"matched"`
}

// Ignore statuses.
const (
	IgnoreApplied = "applied"
	IgnoreExpired = "expired"
	IgnoreUnused  = "unused"
)

// Run applies every registered check to ev under policy p (nil for none) at
// time now: the run's clock, for ignore expiry and the judgments that
// depend on the date (pass the present to re-judge saved evidence).
func Run(ev *evidence.Evidence, p *Policy, now time.Time) Outcome {
	return RunChecks(All(), ev, p, now)
}

// RunChecks applies the given checks; Run applies the whole registry.
func RunChecks(list []*Check, ev *evidence.Evidence, p *Policy, now time.Time) Outcome {
	if p == nil {
		p = &Policy{}
	}
	pass := &Pass{Evidence: ev, Policy: p, Now: now}
	out := Outcome{Facts: pass.Facts()}
	matched := make([]int, len(p.Ignore))
	for _, c := range list {
		sev := c.Severity
		if s, ok := p.Severity[c.ID]; ok {
			sev = s
		}
		res := Result{Check: c.ID, Severity: sev}
		if missing := missingNeeds(c, ev); len(missing) > 0 {
			res.Status = StatusNotEvaluated
			res.Reason = "evidence not collected: " + strings.Join(missing, ", ")
			out.Results = append(out.Results, res)
			continue
		}
		findings, err := runOne(c, pass)
		switch {
		case err != nil && IsNotEvaluated(err):
			res.Status = StatusNotEvaluated
			res.Reason = err.Error()
		case err != nil:
			res.Status = StatusError
			res.Reason = err.Error()
		case len(findings) == 0:
			res.Status = StatusPass
		default:
			res.Status = StatusFail
		}
		for _, f := range findings {
			// A finding may raise its own severity (an outdated platform
			// version) unless the policy set the check's severity.
			fsev := sev
			if _, overridden := p.Severity[c.ID]; !overridden && f.Severity > sev {
				fsev = f.Severity
			}
			f.ID, f.Severity, f.Title = c.ID, fsev, c.Title
			f.References = slices.Clone(c.Refs)
			f.Remediation = c.Remediation
			f.Evidence = sortedUnique(f.Evidence)
			f.Fingerprint = Fingerprint(c.ID, ev.Target.Host, f.Subject)
			res.Findings++
			if i := matchIgnore(p.Ignore, &f); i >= 0 {
				matched[i]++
				if !p.Ignore[i].Expired(now) {
					ig := p.Ignore[i]
					f.Ignore = &ig
					res.Ignored++
					out.Ignored = append(out.Ignored, f)
					continue
				}
			}
			out.Findings = append(out.Findings, f)
		}
		out.Results = append(out.Results, res)
	}
	for i, ig := range p.Ignore {
		st := IgnoreStatus{Ignore: ig, Matched: matched[i], Status: IgnoreApplied}
		switch {
		case ig.Expired(now):
			st.Status = IgnoreExpired
		case matched[i] == 0:
			st.Status = IgnoreUnused
		}
		out.Ignores = append(out.Ignores, st)
	}
	SortFindings(out.Findings)
	SortFindings(out.Ignored)
	return out
}

// runOne runs a check, turning a panic in a check into an error status: a
// bug in one check must not lose the others.
func runOne(c *Check, p *Pass) (fs []Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			fs, err = nil, fmt.Errorf("check %s failed: %v", c.ID, r)
		}
	}()
	return c.Run(p)
}

func missingNeeds(c *Check, ev *evidence.Evidence) []string {
	var missing []string
	for _, k := range c.Needs {
		if !ev.Has(k) {
			missing = append(missing, string(k))
		}
	}
	return missing
}

func matchIgnore(ignores []Ignore, f *Finding) int {
	for i := range ignores {
		if ignores[i].Matches(f) {
			return i
		}
	}
	return -1
}

// SortFindings orders findings most severe first, then by check ID, subject
// and fingerprint, so that output is deterministic.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity - a.Severity)
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
}

// CountBySeverity counts findings per severity.
func CountBySeverity(fs []Finding) map[Severity]int {
	m := map[Severity]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

// MaxSeverity returns the highest severity among fs and whether there is any.
func MaxSeverity(fs []Finding) (Severity, bool) {
	max, any := Info, false
	for _, f := range fs {
		if !any || f.Severity > max {
			max, any = f.Severity, true
		}
	}
	return max, any
}

func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}

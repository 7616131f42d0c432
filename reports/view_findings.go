package reports

import "github.com/vigie-scan/vigie/checks"

// This file builds the findings, ignores and checks sections of the view.

// ---- findings ----

func (v *view) finding(f checks.Finding) findingView {
	fv := findingView{
		Anchor: anchor("finding", f.ID+"/"+f.Fingerprint), ID: f.ID,
		Severity: f.Severity.String(), SevLabel: v.L.Severity(f.Severity),
		Title: f.Title, Subject: text(f.Subject), Summary: clip(f.Summary, 4*maxText),
		Refs: f.References, Remediation: f.Remediation, Fingerprint: f.Fingerprint,
	}
	if c := checks.Lookup(f.ID); c != nil {
		fv.Rationale = c.Rationale
	}
	for _, id := range f.Evidence {
		fv.Evidence = append(fv.Evidence, v.ref(id))
	}
	if f.Ignore != nil {
		fv.Reason, fv.Expires = text(f.Ignore.Reason), f.Ignore.Expires
	}
	return fv
}

func (v *view) buildFindings() {
	r := v.R
	for _, f := range r.Findings {
		fv := v.finding(f)
		if r.Baseline != nil {
			fv.Baseline = "unchanged"
			if r.IsNew(f.Fingerprint) {
				fv.Baseline = "new"
			}
		}
		v.Findings = append(v.Findings, fv)
	}
	for _, f := range r.Ignored {
		v.Ignored = append(v.Ignored, v.finding(f))
	}
	for _, st := range r.Ignores {
		v.Ignores = append(v.Ignores, ignoreView{Check: st.Check, Subject: text(st.Subject), Fingerprint: st.Fingerprint,
			Reason: text(st.Reason), Expires: st.Expires, Status: st.Status, StatusLabel: v.L.T("ign." + st.Status), Matched: st.Matched})
	}
	if r.Baseline != nil {
		for _, f := range r.Baseline.Fixed {
			fv := v.finding(f)
			fv.Evidence = nil // records of the earlier report are not in this one
			v.Fixed = append(v.Fixed, fv)
		}
	}
	v.Groups, v.IgnoredGroups = groupFindings(v.Findings), groupFindings(v.Ignored)
}

// findingGroup is the findings of one check: what the check says once,
// then each finding.
type findingGroup struct {
	Anchor      string
	ID          string
	Title       string
	Severity    string // the most severe of its findings
	SevLabel    string
	Rationale   string
	Refs        []string
	Remediation string
	Items       []findingView
	// New counts the items new against the baseline.
	New int
}

// groupFindings groups findings by check, in the order of their first
// (most severe) finding.
func groupFindings(fs []findingView) []findingGroup {
	var groups []findingGroup
	at := map[string]int{}
	for _, f := range fs {
		i, ok := at[f.ID]
		if !ok {
			i = len(groups)
			at[f.ID] = i
			groups = append(groups, findingGroup{Anchor: anchor("check", f.ID), ID: f.ID, Title: f.Title, Severity: f.Severity, SevLabel: f.SevLabel,
				Rationale: f.Rationale, Refs: f.Refs, Remediation: f.Remediation})
		}
		g := &groups[i]
		g.Items = append(g.Items, f)
		if f.Baseline == "new" {
			g.New++
		}
	}
	return groups
}

func (v *view) buildChecks() {
	for _, res := range v.R.Results {
		cv := checkView{ID: res.Check, Status: string(res.Status), StatusLabel: v.L.Status(res.Status),
			Severity: res.Severity.String(), SevLabel: v.L.Severity(res.Severity), Reason: text(res.Reason),
			Findings: res.Findings, Ignored: res.Ignored}
		if c := checks.Lookup(res.Check); c != nil {
			cv.Title = c.Title
		}
		v.Checks = append(v.Checks, cv)
	}
}

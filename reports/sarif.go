package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/vigie-scan/vigie/checks"
)

// InformationURI is where SARIF consumers send users to learn about vigie.
const InformationURI = "https://github.com/vigie-scan/vigie"

// FingerprintKey names vigie's fingerprint among a SARIF result's partial
// fingerprints: code-scanning services use it to follow a finding across
// runs, as --baseline does.
const FingerprintKey = "vigieFingerprint/v1"

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s checks.Severity) string {
	switch {
	case s >= checks.High:
		return "error"
	case s == checks.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub code scanning's 0–10 score for a severity.
func securitySeverity(s checks.Severity) string {
	return [...]string{"0.0", "3.0", "5.5", "8.0", "9.5"}[max(0, min(int(s), 4))]
}

// ruleName makes a SARIF rule name from a check ID: hosting.cdn-proxy →
// HostingCdnProxy.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// sarifText bounds a message for SARIF; JSON encoding makes it inert.
func sarifText(s string) string { return clip(s, 4*maxText) }

// WriteSARIF writes r as a SARIF 2.1.0 log: one rule per registered check
// (help text with rationale, remediation and references; tags; a default
// level from the severity), one result per finding located at the scanned
// URL and carrying vigie's fingerprint, ignored findings as suppressed
// results with the policy's reason, and the checks that could not run and
// the collection errors as notifications.
func WriteSARIF(w io.Writer, r *Report) error {
	run := sarif.NewRunWithInformationURI("vigie", InformationURI)
	run.Tool.Driver.WithVersion(r.Tool.Version).WithFullName("vigie — hosting, privacy and consent scanner")
	run.WithLanguage("en")

	addRule := func(c *checks.Check) {
		rule := run.AddRule(c.ID).
			WithName(ruleName(c.ID)).
			WithDescription(c.Title).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(c.Rationale)).
			WithHelpURI(InformationURI + "#checks").
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(c.Severity)))
		text := fmt.Sprintf("%s\n\nHow to fix: %s\n\nReferences:\n- %s", c.Rationale, c.Remediation, strings.Join(c.Refs, "\n- "))
		markdown := fmt.Sprintf("%s\n\n**How to fix.** %s\n\n**References.**\n\n- %s", mdEscaper.Replace(c.Rationale), mdEscaper.Replace(c.Remediation), strings.Join(mdAll(c.Refs), "\n- "))
		rule.WithHelp(sarif.NewMultiformatMessageString().WithText(text).WithMarkdown(markdown))
		area, _, _ := strings.Cut(c.ID, ".")
		props := sarif.NewPropertyBag().WithTags([]string{"privacy", "compliance", area}).
			Add("security-severity", securitySeverity(c.Severity)).
			Add("references", c.Refs)
		var needs []string
		for _, k := range c.Needs {
			needs = append(needs, string(k))
		}
		props.Add("needs", needs)
		rule.WithProperties(props)
	}
	for _, c := range checks.All() {
		addRule(c)
	}
	ensureRule := func(id string, f checks.Finding) {
		if run.GetRuleIndex(id) >= 0 {
			return
		}
		// A check this binary does not know (a report from another
		// version): a rule from the finding itself.
		addRule(&checks.Check{ID: id, Title: f.Title, Severity: f.Severity, Refs: f.References, Remediation: f.Remediation})
	}

	location := func() []*sarif.Location {
		uri := r.Target.URL
		if uri == "" && len(r.Target.MailFiles) > 0 {
			uri = r.Target.MailFiles[0]
		}
		if uri == "" {
			return nil
		}
		return []*sarif.Location{sarif.NewLocationWithPhysicalLocation(
			sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewArtifactLocation().WithURI(uri)))}
	}
	addResult := func(f checks.Finding) *sarif.Result {
		ensureRule(f.ID, f)
		res := run.CreateResultForRule(f.ID).
			WithLevel(sarifLevel(f.Severity)).
			WithMessage(sarif.NewMessage().WithText(sarifText(f.Summary))).
			WithPartialFingerprints(map[string]string{FingerprintKey: f.Fingerprint})
		locs := location()
		if len(locs) > 0 {
			locs[0].AddLogicalLocation(sarif.NewLogicalLocation().WithName(sarifText(f.Subject)).WithKind("resource"))
			res.WithLocations(locs)
		}
		ev := f.Evidence
		if ev == nil {
			ev = []string{}
		}
		res.WithProperties(sarif.NewPropertyBag().Add("severity", f.Severity.String()).Add("subject", sarifText(f.Subject)).Add("evidence", ev))
		return res
	}
	for _, f := range r.Findings {
		res := addResult(f)
		if r.Baseline != nil {
			state := "unchanged"
			if r.IsNew(f.Fingerprint) {
				state = "new"
			}
			res.WithBaselineState(state)
		}
	}
	for _, f := range r.Ignored {
		res := addResult(f)
		just := "ignored by policy"
		if f.Ignore != nil {
			just = "ignored by policy: " + sarifText(f.Ignore.Reason)
			if f.Ignore.Expires != "" {
				just += " (until " + f.Ignore.Expires + ")"
			}
		}
		res.AddSuppression(sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(just))
	}

	inv := sarif.NewInvocation().WithExecutionSuccessful(true)
	if !r.StartedAt.IsZero() {
		inv.WithStartTimeUtc(r.StartedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if !r.FinishedAt.IsZero() {
		inv.WithEndTimeUtc(r.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	for _, res := range r.Results {
		if res.Status != checks.StatusNotEvaluated && res.Status != checks.StatusError {
			continue
		}
		level := "warning"
		if res.Status == checks.StatusError {
			level = "error"
		}
		inv.AddToolExecutionNotification(sarif.NewNotification().WithLevel(level).
			WithMessage(sarif.NewMessage().WithText(fmt.Sprintf("%s %s: %s", res.Check, res.Status, sarifText(res.Reason)))).
			WithAssociatedRule(sarif.NewReportingDescriptorReference().WithID(res.Check)))
	}
	for _, e := range r.Errors {
		inv.AddToolExecutionNotification(sarif.NewNotification().WithLevel("error").
			WithMessage(sarif.NewMessage().WithText(sarifText(fmt.Sprintf("collection error: %s %s: %s", e.Stage, e.Target, e.Error)))))
	}
	run.AddInvocation(inv)
	props := sarif.NewPropertyBag().Add("target", r.Target.URL).Add("schema", r.Schema)
	var collected []string
	if r.Evidence != nil {
		for _, k := range r.Evidence.Collected {
			collected = append(collected, string(k))
		}
	}
	if collected == nil {
		collected = []string{}
	}
	props.Add("collected", collected)
	run.WithProperties(props)

	log := sarif.NewReport()
	log.AddRun(run)
	// PrettyWrite marshals with encoding/json: strings are escaped, and
	// map keys sorted, so the output is stable.
	var b bytes.Buffer
	if err := log.PrettyWrite(&b); err != nil {
		return fmt.Errorf("report.sarif: %w", err)
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

func mdAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = mdEscaper.Replace(s)
	}
	return out
}

package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/vigie-scan/vigie/checks"
)

// WriteSummary writes a short human summary: the verdict, findings by
// severity with their titles, errors, and where the bundle is.
func WriteSummary(w io.Writer, r *Report, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "vigie %s — %s\n", r.Tool.Version, targetName(r))
	counts := checks.CountBySeverity(r.Findings)
	if len(r.Findings) == 0 {
		b.WriteString("No findings.\n")
	} else {
		var parts []string
		for s := checks.Critical; s >= checks.Info; s-- {
			if counts[s] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
			}
		}
		fmt.Fprintf(&b, "%d finding(s): %s\n", len(r.Findings), strings.Join(parts, ", "))
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "  [%-8s] %s — %s (%s)\n", f.Severity, f.ID, f.Title, f.Subject)
		}
	}
	if n := len(r.Ignored); n > 0 {
		fmt.Fprintf(&b, "%d finding(s) ignored by policy.\n", n)
	}
	notEvaluated := 0
	for _, res := range r.Results {
		if res.Status == checks.StatusNotEvaluated || res.Status == checks.StatusError {
			notEvaluated++
		}
	}
	if notEvaluated > 0 {
		fmt.Fprintf(&b, "%d check(s) could not be evaluated (see results in report.json).\n", notEvaluated)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error: %s %s: %s\n", e.Stage, e.Target, e.Error)
	}
	if dir != "" {
		fmt.Fprintf(&b, "Report bundle: %s\n", dir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func targetName(r *Report) string {
	if r.Target.URL != "" {
		return r.Target.URL
	}
	if len(r.Target.MailFiles) > 0 {
		return strings.Join(r.Target.MailFiles, ", ")
	}
	return "(no target)"
}

package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// WriteSummary writes a short human summary: the verdict, findings by
// severity with their titles, errors, and where the bundle is. Strings
// from the site or the registries are stripped of control characters, so
// that they cannot drive the terminal.
func WriteSummary(w io.Writer, r *Report, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "vigie %s — %s\n", r.Tool.Version, clip(targetName(r), maxText))
	for _, why := range incompleteReasons(r) {
		fmt.Fprintf(&b, "INCOMPLETE: %s\n", clip(why, maxText))
	}
	writeOperators(&b, r)
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
			mark := ""
			if r.Baseline != nil && r.IsNew(f.Fingerprint) {
				mark = "NEW "
			}
			fmt.Fprintf(&b, "  %s[%-8s] %s — %s (%s)\n", mark, f.Severity, f.ID, f.Title, clip(f.Subject, maxText))
		}
	}
	if bl := r.Baseline; bl != nil {
		fmt.Fprintf(&b, "Against the baseline %s: %d new, %d unchanged, %d fixed.\n", bl.File, len(bl.New), len(bl.Unchanged), len(bl.Fixed))
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
		fmt.Fprintf(&b, "error: %s %s: %s\n", e.Stage, clip(e.Target, maxText), clip(e.Error, maxText))
	}
	if dir != "" {
		fmt.Fprintf(&b, "Report bundle: %s\n", dir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func targetName(r *Report) string {
	if r.Target.URL != "" && r.Target.DisplayHost != "" {
		// The name as people write it, beside the form that was scanned:
		// look-alike letters can hide in the first.
		return r.Target.URL + " (" + r.Target.DisplayHost + ")"
	}
	if r.Target.URL != "" {
		return r.Target.URL
	}
	if len(r.Target.MailFiles) > 0 {
		return strings.Join(r.Target.MailFiles, ", ")
	}
	return "(no target)"
}

// writeOperators says who operates the site: its chain, the operator of its
// addresses and the owner of each domain in the chain.
func writeOperators(b *strings.Builder, r *Report) {
	ev := r.Evidence
	res := ev.DNS.Resolution(ev.Target.Host)
	if l := ev.Target.Landed; l != "" {
		fmt.Fprintf(b, "Redirects to: %s (the pages are served from there)\n", clip(l, maxText))
		if lr := ev.DNS.Resolution(l); lr != nil {
			res = lr
		}
	}
	if res == nil {
		return
	}
	names := []string{res.Name}
	for _, c := range res.Chain {
		names = append(names, c.To)
	}
	fmt.Fprintf(b, "Name: %s (%s)\n", clip(strings.Join(names, " → "), maxText), res.Status)
	if addrs := res.Addrs(); len(addrs) > 0 {
		fmt.Fprintf(b, "Addresses: %s\n", strings.Join(addrs, ", "))
	}
	orgs := map[string]*evidence.Organisation{}
	for i := range ev.Organisations {
		orgs[ev.Organisations[i].ID] = &ev.Organisations[i]
	}
	domains := map[string]bool{}
	for _, h := range ev.Hosts {
		if !slices.Contains(names, h.Name) {
			continue
		}
		if o := orgs[h.Operator]; o != nil && h.Name == res.Canonical {
			fmt.Fprintf(b, "Operated by: %s\n", clip(describeOrg(o), maxText))
		}
		if o := orgs[h.DomainOwner]; o != nil && !domains[h.RegistrableDomain] {
			domains[h.RegistrableDomain] = true
			fmt.Fprintf(b, "Domain %s: %s\n", h.RegistrableDomain, clip(describeOrg(o), maxText))
		}
	}
}

func describeOrg(o *evidence.Organisation) string {
	s := o.Name
	var parts []string
	if o.LegalEntity != "" && o.LegalEntity != o.Name {
		parts = append(parts, o.LegalEntity)
	}
	if o.Country != "" {
		parts = append(parts, o.Country)
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if len(o.MatchedBy) > 0 {
		s += " — via " + strings.Join(o.MatchedBy, ", ")
	}
	return s
}

// incompleteReasons says why the report's scan was incomplete, if it was.
func incompleteReasons(r *Report) []string {
	if r.Evidence == nil {
		return nil
	}
	return r.Evidence.Incomplete
}

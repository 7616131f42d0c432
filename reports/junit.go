package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/vigie-scan/vigie/checks"
)

// JUnit XML, as GitLab, Jenkins and most CI servers read it: one test suite
// per scan, one test case per check. A check that failed is a failure (its
// findings in the text), a check whose evidence was missing is skipped
// (never a pass), a check that broke is an error; findings the policy
// ignores are listed in the case's output, with their reason.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	SystemErr  string          `xml:"system-err,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      string    `xml:"time,attr"`
	Failure   *junitMsg `xml:"failure,omitempty"`
	Error     *junitMsg `xml:"error,omitempty"`
	Skipped   *junitMsg `xml:"skipped,omitempty"`
	SystemOut string    `xml:"system-out,omitempty"`
}

type junitMsg struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML, one test case per check.
func WriteJUnit(w io.Writer, r *Report) error {
	elapsed := "0"
	if !r.StartedAt.IsZero() && r.FinishedAt.After(r.StartedAt) {
		elapsed = fmt.Sprintf("%.3f", r.FinishedAt.Sub(r.StartedAt).Seconds())
	}
	suite := junitSuite{Name: "vigie " + clip(targetName(r), maxText), Time: elapsed}
	if !r.StartedAt.IsZero() {
		suite.Timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Properties = []junitProperty{{Name: "vigie.version", Value: r.Tool.Version}, {Name: "target", Value: clip(targetName(r), maxText)}}
	if r.Evidence != nil {
		var kinds []string
		for _, k := range r.Evidence.Collected {
			kinds = append(kinds, string(k))
		}
		suite.Properties = append(suite.Properties, junitProperty{Name: "collected", Value: strings.Join(kinds, ",")})
	}
	if b := r.Baseline; b != nil {
		suite.Properties = append(suite.Properties, junitProperty{Name: "baseline", Value: clip(b.File, maxText)},
			junitProperty{Name: "baseline.new", Value: fmt.Sprint(len(b.New))})
	}
	for _, res := range r.Results {
		area, _, _ := strings.Cut(res.Check, ".")
		tc := junitCase{Name: res.Check, Classname: "vigie." + area, Time: "0"}
		var active, ignored []checks.Finding
		for _, f := range r.Findings {
			if f.ID == res.Check {
				active = append(active, f)
			}
		}
		for _, f := range r.Ignored {
			if f.ID == res.Check {
				ignored = append(ignored, f)
			}
		}
		title := res.Check
		if c := checks.Lookup(res.Check); c != nil {
			title = c.Title
		} else if len(active) > 0 {
			title = active[0].Title
		}
		switch res.Status {
		case checks.StatusNotEvaluated:
			tc.Skipped = &junitMsg{Message: "not evaluated: " + clip(res.Reason, maxText)}
			suite.Skipped++
		case checks.StatusError:
			tc.Error = &junitMsg{Message: clip(res.Reason, maxText), Type: "check-error"}
			suite.Errors++
		case checks.StatusFail:
			if len(active) == 0 {
				break // every finding ignored by policy: listed in system-out
			}
			max, _ := checks.MaxSeverity(active)
			var b strings.Builder
			for _, f := range active {
				writeJUnitFinding(&b, f, r)
			}
			tc.Failure = &junitMsg{Message: fmt.Sprintf("%d finding(s), most severe %s: %s", len(active), max, title), Type: max.String(), Text: b.String()}
			suite.Failures++
		}
		if len(ignored) > 0 {
			var b strings.Builder
			for _, f := range ignored {
				fmt.Fprintf(&b, "IGNORED by policy [%s] %s: %s", f.Severity, clip(f.Subject, maxText), clip(f.Summary, 4*maxText))
				if f.Ignore != nil {
					fmt.Fprintf(&b, "\n  reason: %s", clip(f.Ignore.Reason, maxText))
					if f.Ignore.Expires != "" {
						fmt.Fprintf(&b, " (until %s)", f.Ignore.Expires)
					}
				}
				fmt.Fprintf(&b, "\n  fingerprint: %s\n", f.Fingerprint)
			}
			tc.SystemOut = b.String()
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, tc)
	}
	var errs strings.Builder
	for _, e := range r.Errors {
		fmt.Fprintf(&errs, "collection error: %s %s: %s\n", e.Stage, clip(e.Target, maxText), clip(e.Error, maxText))
	}
	suite.SystemErr = errs.String()
	all := junitSuites{Name: "vigie", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Skipped: suite.Skipped, Time: elapsed, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("junit.xml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func writeJUnitFinding(b *strings.Builder, f checks.Finding, r *Report) {
	fmt.Fprintf(b, "[%s] %s: %s\n", f.Severity, clip(f.Subject, maxText), clip(f.Summary, 4*maxText))
	if r.Baseline != nil && r.IsNew(f.Fingerprint) {
		b.WriteString("  NEW since the baseline\n")
	}
	if f.Remediation != "" {
		fmt.Fprintf(b, "  how to fix: %s\n", f.Remediation)
	}
	if len(f.References) > 0 {
		fmt.Fprintf(b, "  references: %s\n", strings.Join(f.References, "; "))
	}
	if len(f.Evidence) > 0 {
		ev := f.Evidence
		if len(ev) > 20 {
			ev = append(ev[:20:20], fmt.Sprintf("+%d more", len(f.Evidence)-20))
		}
		fmt.Fprintf(b, "  evidence: %s\n", clip(strings.Join(ev, ", "), 4*maxText))
	}
	fmt.Fprintf(b, "  fingerprint: %s\n", f.Fingerprint)
}

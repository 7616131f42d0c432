package summary

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/vigie-scan/vigie/batch"
)

// The files Write makes.
const (
	CSVFile  = "summary.csv"
	JSONFile = "summary.json"
	HTMLFile = "summary.html"
)

// Write writes summary.csv, summary.json and summary.html into dir
// (created if needed), each row linking its report relative to dir.
func (s *Summary) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	s.link(dir)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{CSVFile, s.WriteCSV}, {JSONFile, s.WriteJSON}, {HTMLFile, s.WriteHTML}} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return fmt.Errorf("summary %s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("summary: %w", err)
		}
	}
	return nil
}

// link sets each row's Report to its report's path relative to dir, as
// a URL path.
func (s *Summary) link(dir string) {
	absDir, errDir := filepath.Abs(dir)
	for i := range s.Sites {
		r := &s.Sites[i]
		r.Report = ""
		if r.bundle == "" {
			continue
		}
		p, err := filepath.Abs(r.bundle)
		if err == nil && errDir == nil {
			if rel, err := filepath.Rel(absDir, p); err == nil {
				p = rel
			}
		}
		r.Report = (&url.URL{Path: filepath.ToSlash(p)}).String()
	}
}

// WriteJSON writes the summary as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// csvHeader is summary.csv's first line.
var csvHeader = []string{"url", "final_url", "status", "verdict", "worst_severity", "findings",
	"critical", "high", "medium", "low", "info", "operator", "country",
	"trackers_before_consent", "reject_respected", "third_parties", "finding_ids", "report", "duration_ms", "error"}

// WriteCSV writes one line per site under a header. Cells that a
// spreadsheet would take for a formula are prefixed with a quote: names
// come from registries and sites.
func (s *Summary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, r := range s.Sites {
		total := 0
		for _, n := range r.Findings {
			total += n
		}
		line := []string{r.URL, r.FinalURL, r.Status, r.Verdict, r.Worst, strconv.Itoa(total)}
		for _, sev := range severityOrder() {
			line = append(line, strconv.Itoa(r.Findings[sev]))
		}
		line = append(line, r.Operator, r.Country, r.TrackersBeforeConsent, r.RejectRespected,
			strings.Join(r.ThirdParties, "; "), strings.Join(r.FindingIDs, " "), r.Report, strconv.FormatInt(r.DurationMS, 10), r.Error)
		for i := range line {
			line[i] = cell(line[i])
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell makes a value safe for a spreadsheet: control characters dropped,
// a leading =, +, -, @ neutralised with a quote.
func cell(v string) string {
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, v)
	if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
		return "'" + v
	}
	return v
}

//go:embed summary.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("summary").Funcs(template.FuncMap{
	"percent": func(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + " %" },
	"total": func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	},
	"severities": severityOrder,
	"statuses":   func() []string { return statuses },
	"answered":   func(a Answers) int { return a.Yes + a.No },
	"join":       strings.Join,
}).Parse(htmlSource))

// WriteHTML writes summary.html: the totals, then a table of the sites,
// each linking its report. It needs no script.
func (s *Summary) WriteHTML(w io.Writer) error {
	return htmlTemplate.Execute(w, s)
}

// WriteText writes a few lines for the terminal: the sites by status and
// verdict, the consent answers, and where the summary is (dir, when set).
func (s *Summary) WriteText(w io.Writer, dir string) error {
	t := s.Totals
	var b strings.Builder
	fmt.Fprintf(&b, "%d site(s):", t.Sites)
	sep := " "
	for _, st := range statuses {
		if n := t.ByStatus[st]; n > 0 {
			fmt.Fprintf(&b, "%s%d %s", sep, n, st)
			sep = ", "
		}
	}
	b.WriteString("\n")
	if len(t.ByVerdict) > 0 {
		fmt.Fprintf(&b, "Against --fail-on: %d fail, %d pass.\n", t.ByVerdict["fail"], t.ByVerdict["pass"])
	}
	if a := t.TrackersBeforeConsent; a.Yes+a.No > 0 {
		fmt.Fprintf(&b, "Trackers before consent: %d of %d site(s) where it could be told (%.0f %%).\n", a.Yes, a.Yes+a.No, 100*a.Share)
	}
	if a := t.RejectRespected; a.Yes+a.No > 0 {
		fmt.Fprintf(&b, "Reject not respected: %d of %d site(s) where it could be told.\n", a.No, a.Yes+a.No)
	}
	if len(t.TopThirdParties) > 0 {
		var names []string
		for i, c := range t.TopThirdParties {
			if i == 5 {
				break
			}
			names = append(names, fmt.Sprintf("%s (%d)", c.Name, c.Sites))
		}
		fmt.Fprintf(&b, "Top third parties: %s.\n", strings.Join(names, ", "))
	}
	listed, more := 0, 0
	for _, r := range s.Sites {
		switch {
		case r.Status == batch.StatusDone:
		case listed < maxTextSites:
			fmt.Fprintf(&b, "%s %s: %s\n", r.Status, r.URL, r.Why())
			listed++
		default:
			more++
		}
	}
	if more > 0 {
		fmt.Fprintf(&b, "… and %d more site(s) not done (see %s).\n", more, CSVFile)
	}
	if dir != "" {
		fmt.Fprintf(&b, "Summary: %s\n", filepath.Join(dir, HTMLFile))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxTextSites is how many sites not done WriteText names.
const maxTextSites = 20

// maxText bounds a text of a summary row.
const maxText = 300

// statuses lists the batch's statuses, in the order shown.
var statuses = []string{batch.StatusDone, batch.StatusIncomplete, batch.StatusTimeout, batch.StatusFailed}

// clip strips control characters (neither a terminal nor a spreadsheet is
// the site's to drive) and keeps maxText runes.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxText {
		return string(r[:maxText]) + "…"
	}
	return s
}

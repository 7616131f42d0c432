package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
)

func newDiffCmd(stdout, stderr io.Writer) *cobra.Command {
	var failOn string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two reports: new, fixed and unchanged findings (CI baselines)",
		Long: "Compare the findings of two report.json files by fingerprint (check, target and subject; no\n" +
			"timestamps): new ones, fixed ones and unchanged ones. A finding the old report ignored by\n" +
			"policy counts as new once no ignore applies to it; one the new report ignores is listed\n" +
			"neither as new nor as fixed.\n\n" +
			"Exit codes: 0 no new finding at or above --fail-on; 1 new findings at or above it;\n" +
			"2 usage error or a file that is not a vigie report.",
		Args: exactArgs(2, "two report.json files (old, new)"),
		RunE: func(_ *cobra.Command, args []string) error {
			threshold, failing, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			old, err := readReportFile(args[0])
			if err != nil {
				return err
			}
			cur, err := readReportFile(args[1])
			if err != nil {
				return err
			}
			if old.Target.Host != cur.Target.Host {
				fmt.Fprintf(stderr, "vigie: diff   warning: %s is a report of %q and %s of %q: fingerprints include the target, so nothing matches\n",
					args[0], old.Target.Host, args[1], cur.Target.Host)
			}
			d := reports.Diff(old, cur)
			if asJSON {
				err = writeDiffJSON(stdout, args, d)
			} else {
				err = writeDiffText(stdout, args, old, cur, d)
			}
			if err != nil {
				return err
			}
			if max, any := checks.MaxSeverity(d.New); failing && any && max >= threshold {
				return errFindings
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&failOn, "fail-on", "info", "exit 1 when a new finding is at or above this `SEVERITY` (info, low, medium, high, critical, none)")
	f.BoolVar(&asJSON, "json", false, "print the comparison as JSON")
	return cmd
}

// readReportFile reads a report.json; a missing or invalid file is a usage error.
func readReportFile(name string) (*reports.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usage(err)
	}
	defer f.Close()
	r, err := reports.ReadJSON(f)
	if err != nil {
		return nil, usage(fmt.Errorf("%s: %w", name, err))
	}
	return r, nil
}

func writeDiffText(w io.Writer, files []string, old, cur *reports.Report, d reports.Delta) error {
	var b strings.Builder
	fmt.Fprintf(&b, "vigie diff: %s (%s) → %s (%s)\n", files[0], old.StartedAt.Format("2006-01-02T15:04:05Z07:00"), files[1], cur.StartedAt.Format("2006-01-02T15:04:05Z07:00"))
	for _, part := range []struct {
		name string
		fs   []checks.Finding
	}{{"new", d.New}, {"fixed", d.Fixed}, {"unchanged", d.Unchanged}} {
		fmt.Fprintf(&b, "%s (%d):\n", part.name, len(part.fs))
		for _, f := range part.fs {
			fmt.Fprintf(&b, "  [%-8s] %s — %s (%s) %s\n", f.Severity, f.ID, f.Title, oneLine(f.Subject), f.Fingerprint)
		}
	}
	fmt.Fprintf(&b, "%d new, %d fixed, %d unchanged.\n", len(d.New), len(d.Fixed), len(d.Unchanged))
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a subject from the scanned site on one terminal line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// diffJSON is `vigie diff --json`'s output.
type diffJSON struct {
	Old       string           `json:"old"`
	New       string           `json:"new"`
	Added     []checks.Finding `json:"new_findings"`
	Fixed     []checks.Finding `json:"fixed"`
	Unchanged []checks.Finding `json:"unchanged"`
}

func writeDiffJSON(w io.Writer, files []string, d reports.Delta) error {
	out := diffJSON{Old: files[0], New: files[1], Added: d.New, Fixed: d.Fixed, Unchanged: d.Unchanged}
	for _, l := range []*[]checks.Finding{&out.Added, &out.Fixed, &out.Unchanged} {
		if *l == nil {
			*l = []checks.Finding{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
)

func newChecksCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List every check: ID, severity, title, references",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE\tREFERENCES")
			for _, c := range checks.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Title, strings.Join(c.Refs, "; "))
			}
			return tw.Flush()
		},
	}
}

func newExplainCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "explain ID",
		Short: "Explain one check: what, why, legal basis, how to fix",
		Args:  exactArgs(1, "one check ID"),
		RunE: func(_ *cobra.Command, args []string) error {
			c := checks.Lookup(args[0])
			if c == nil {
				return usage(fmt.Errorf("unknown check ID %q (see `vigie checks`)", args[0]))
			}
			var needs []string
			for _, k := range c.Needs {
				needs = append(needs, string(k))
			}
			_, err := fmt.Fprintf(stdout, "%s — %s\nDefault severity: %s\nNeeds evidence: %s\n\nWhy it matters\n  %s\n\nReferences\n  - %s\n\nHow to fix\n  %s\n",
				c.ID, c.Title, c.Severity, strings.Join(needs, ", "), c.Rationale, strings.Join(c.Refs, "\n  - "), c.Remediation)
			return err
		},
	}
}

func newCheckCmd(stdout, stderr io.Writer) *cobra.Command {
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "check REPORT.json",
		Short: "Re-run the checks on a saved report's evidence, offline",
		Long: "Re-run every check on the evidence saved in a report.json, for instance under a new policy.\n" +
			"The checks judge as of today, with this vigie's tables (transfer blocs, platform support).\n" +
			"The file must conform to the published report schema. Nothing is fetched. With --out, a new\n" +
			"bundle is written with the new results.\n\n" +
			"Exit codes:\n" +
			"  0  no finding at or above --fail-on\n" +
			"  1  findings at or above --fail-on\n" +
			"  2  usage error (unreadable report or policy, bad flag)\n" +
			"  3  the saved scan was incomplete (its evidence says why; --allow-incomplete exits by findings),\n" +
			"     or the new bundle could not be written",
		Args: exactArgs(1, "one report.json"),
		RunE: func(_ *cobra.Command, args []string) error {
			g, err := rf.gate()
			if err != nil {
				return err
			}
			if rf.out != "" {
				if err := g.prepare(rf.out); err != nil {
					return err
				}
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usage(err)
			}
			defer f.Close()
			old, err := reports.ReadJSON(f)
			if err != nil {
				return usage(fmt.Errorf("%s: %w", args[0], err))
			}
			now := clock()
			fmt.Fprintf(stderr, "vigie: check  re-running %d checks on %s (scanned %s), as of %s\n", len(checks.All()), args[0],
				old.StartedAt.Format(time.RFC3339), now.UTC().Format(time.DateOnly))
			if err := g.writeEvidence(stdout, rf.out, old.Evidence, old.StartedAt, old.FinishedAt, now, nil); err != nil {
				return err
			}
			return g.verdict()
		},
	}
	rf.register(cmd, "write a new bundle into `DIR` (default: none, only the summary)", "json,html")
	return cmd
}

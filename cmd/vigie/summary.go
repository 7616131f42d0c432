package main

import (
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/summary"
)

func newSummaryCmd(stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "summary DIR...",
		Short: "Merge batch results (one folder or several shards') into summary.csv, .json and .html",
		Long: "Read the results.jsonl of each batch output folder given — one batch's, or the folders of\n" +
			"the shards of one list (--shard) — and write one overview into --out: summary.csv,\n" +
			"summary.json and summary.html (one row per site linking its report; totals on top).\n\n" +
			"Exit codes: 0 written; 2 usage error (a folder that is not a batch's included); 3 the\n" +
			"summary could not be written.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage(errors.New("want one or more batch output folders"))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, dirs []string) error {
			dir := out
			if dir == "" {
				if len(dirs) > 1 {
					return usage(errors.New("--out: several folders are merged; say where the summary goes"))
				}
				dir = dirs[0]
			}
			s, err := summary.Load(dirs, time.Now())
			if err != nil {
				return usage(err)
			}
			if err := s.Write(dir); err != nil {
				return incomplete(err)
			}
			return s.WriteText(stdout, dir)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "`DIR` to write the summary into (default: the folder given, when only one is)")
	return cmd
}

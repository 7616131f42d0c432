package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/batch"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/summary"
)

// batchFlags are the flags of `vigie batch`: scan's, but --mail, --legal
// and --baseline (one site's), and the batch's own.
type batchFlags struct {
	consent, shard   string
	timeout, dwell   time.Duration
	jobs, pages      int
	resume, noRedact bool
	net              netFlags
	report           reportFlags
}

func newBatchCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl batchFlags
	cmd := &cobra.Command{
		Use:   "batch FILE|-",
		Short: "Scan many sites: one report bundle per site, results streamed, a summary",
		Long: "Scan every site of a list — one URL a line (blank lines and # comments ignored), or a CSV\n" +
			"file with a url column; - reads standard input — with one browser and one set of DNS,\n" +
			"RDAP and whois caches for the whole batch. Each site gets a bundle in --out DIR/<host>[-n]/;\n" +
			"DIR/results.jsonl gets one line per finished site as it ends; DIR/summary.{csv,json,html}\n" +
			"sum them up at the end. Two sites of one registrable domain are never scanned at once.\n" +
			"Ctrl-C stops cleanly: --resume then scans the sites without a line in results.jsonl.\n\n" +
			"Exit codes: 0 every site done and nothing at or above --fail-on; 1 a site has findings at\n" +
			"or above it; 2 usage or configuration error (a bad line in the list included); 3 a site\n" +
			"failed, timed out or is incomplete (unless --allow-incomplete), or the batch was interrupted.",
		Args: exactArgs(1, "one list FILE (or - for standard input)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(cmd, args[0], &fl, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.report.out, "out", "vigie-batch", "output `DIR`: a bundle per site, results.jsonl, summary.{csv,json,html}")
	f.IntVar(&fl.jobs, "jobs", 0, fmt.Sprintf("scan `N` sites at once (default: one per CPU, at most (available memory − 512 MiB) ÷ 256 MiB, 1 to 16; here %d)", batch.DefaultJobs()))
	f.StringVar(&fl.shard, "shard", "", "scan only the `i/n`-th of n stable parts of the list (by a hash of each normalised URL), such as 2/8")
	f.BoolVar(&fl.resume, "resume", false, "continue the batch in --out: skip the sites results.jsonl already has")
	f.DurationVar(&fl.timeout, "timeout", scanner.DefaultTimeout, "deadline for each site's scan")
	f.IntVar(&fl.pages, "pages", 0, "also visit `N` first-party links of each site, without interaction")
	f.DurationVar(&fl.dwell, "dwell", browser.DefaultDwell, "page time each page view is watched after loading, for late tags (virtual time: fast)")
	f.StringVar(&fl.consent, "consent", "all", "consent states to visit: all (before consent, after reject, after accept, each in a fresh browser) or none (before consent only)")
	f.BoolVar(&fl.noRedact, "no-redact", false, "keep personal values (recipient names, codes, tokens) in the reports")
	fl.net.register(cmd)
	fl.report.registerGate(cmd, "json,html")
	return cmd
}

// runBatch reads the list, runs the batch, writes the summary and decides
// the exit code.
func runBatch(cmd *cobra.Command, list string, fl *batchFlags, stdout, stderr io.Writer) error {
	gate, err := fl.report.gate()
	if err != nil {
		return err
	}
	shard, err := batch.ParseShard(fl.shard)
	if err != nil {
		return usage(err)
	}
	if fl.jobs < 0 {
		return usage(errors.New("--jobs must be positive"))
	}
	if fl.timeout <= 0 {
		return usage(errors.New("--timeout must be positive"))
	}
	if fl.report.out == "" {
		return usage(errors.New("--out: no folder given"))
	}
	sites, err := readBatchList(cmd, list)
	if err != nil {
		return err
	}
	progress := batch.NewProgress(stderr, isTerminal(stderr))
	if sites.Duplicates > 0 {
		fmt.Fprintf(stderr, "vigie: batch  %d line(s) repeat a URL given earlier: each site is scanned once\n", sites.Duplicates)
	}

	opts := scanner.Options{Pages: fl.pages, Consent: fl.consent, Dwell: fl.dwell, NoRedact: fl.noRedact, OrgDomains: gate.Policy.Organisation.Domains}
	fl.net.apply(&opts)
	if labHook != nil {
		labHook(&opts)
	}
	failOn := batch.FailOn{Severity: gate.failOn, Never: !gate.failing}
	cfg := batch.Config{
		Sites: sites.Sites, Shard: shard, Out: fl.report.out, Jobs: fl.jobs, Resume: fl.resume,
		Scan: opts, Timeout: fl.timeout, FailOn: failOn, Progress: progress, Bundle: gate.Settings,
	}
	out, err := batch.Run(cmd.Context(), cfg)
	if err != nil {
		var ce *scanner.ConfigError
		if errors.As(err, &ce) || errors.Is(err, batch.ErrResultsExist) {
			if errors.Is(err, batch.ErrResultsExist) {
				err = fmt.Errorf("%w: pass --resume to finish that batch, or choose another --out", err)
			}
			return usage(err)
		}
		if out == nil {
			return usage(err) // the output folder could not be made or read
		}
		return incomplete(err)
	}

	sum, err := summary.Load([]string{fl.report.out}, time.Now())
	if err == nil {
		err = sum.Write(fl.report.out)
	}
	if err == nil {
		err = sum.WriteText(stdout, fl.report.out)
	}
	if err != nil {
		return incomplete(err)
	}
	return batchVerdict(out, failOn, fl.report.allowIncomplete)
}

// readBatchList reads the list from a file or standard input ("-").
func readBatchList(cmd *cobra.Command, name string) (*batch.List, error) {
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usage(fmt.Errorf("list: %w", err))
		}
		defer f.Close()
		r = f
	}
	l, err := batch.ReadList(r, name)
	if err != nil {
		return nil, usage(err)
	}
	if len(l.Sites) == 0 {
		return nil, usage(fmt.Errorf("%s: no URL to scan", name))
	}
	return l, nil
}

// batchVerdict is the batch's exit: 3 when it was interrupted, a site
// failed, or (unless allowed) a site timed out or is incomplete; 1 when a
// site has a finding at or above --fail-on (counted again from the
// records, so that a resumed batch's earlier sites meet today's
// threshold); 0 otherwise.
func batchVerdict(out *batch.Outcome, failOn batch.FailOn, allowIncomplete bool) error {
	if out.Interrupted > 0 {
		return incomplete(fmt.Errorf("batch interrupted: %d site(s) not scanned; rerun with --resume to finish", out.Interrupted))
	}
	notDone := 0
	for _, st := range []string{batch.StatusFailed, batch.StatusIncomplete, batch.StatusTimeout} {
		if st == batch.StatusFailed || !allowIncomplete {
			notDone += out.Count(st)
		}
	}
	if notDone > 0 {
		return incomplete(fmt.Errorf("%d site(s) could not be scanned completely (see results.jsonl)", notDone))
	}
	for _, r := range out.Records {
		if failOn.Fails(r) {
			return errFindings
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

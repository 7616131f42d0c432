// Command vigie is a hosting-compliance and privacy scanner for public web
// sites: who really operates a site, what it does to a visitor, what it
// declares, and where saying and doing differ. See `vigie --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes, decided in run and nowhere else.
const (
	exitOK         = 0 // done, nothing at or above --fail-on
	exitFindings   = 1 // findings at or above --fail-on
	exitUsage      = 2 // usage or configuration error
	exitIncomplete = 3 // incomplete: the target page never loaded, the browser never started, the inputs could not be read, or the run was interrupted (a report is still written)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries the exit code a subcommand's outcome calls for.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// usage marks err as a usage or configuration error (exit 2).
func usage(err error) error { return &exitError{code: exitUsage, err: err} }

// incomplete marks err as a scan that did not see what it had to (exit 3).
func incomplete(err error) error { return &exitError{code: exitIncomplete, err: err} }

// errFindings reports findings at or above --fail-on (exit 1); the summary
// has already been printed.
var errFindings = &exitError{code: exitFindings}

// run executes the command line and maps its outcome to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "vigie: %v\n", ee.err)
		}
		return ee.code
	}
	// Errors cobra returns itself are about the command line.
	fmt.Fprintf(stderr, "vigie: %v\n", err)
	return exitUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "vigie",
		Short: "Who really hosts a site, what it does to visitors, and what it declares",
		Long: "vigie scans a web site — typically a public consultation portal — and reports, with evidence,\n" +
			"who operates it (CNAME chain, networks, owners and countries), what it does to a visitor,\n" +
			"what it declares, and where saying and doing differ.\n\n" +
			"Start with `vigie scan URL` (it writes report.html and names it on its last line), or\n" +
			"`vigie serve` and open the page it prints, to audit sites from a browser.",
		SilenceUsage:       true,
		SilenceErrors:      true,
		DisableSuggestions: true, // errors stay on one line
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	root.AddCommand(
		newScanCmd(stdout, stderr),
		newBatchCmd(stdout, stderr),
		newSummaryCmd(stdout),
		newChecksCmd(stdout),
		newExplainCmd(stdout),
		newCheckCmd(stdout, stderr),
		newMailCmd(stdout, stderr),
		newDemoCmd(stdout, stderr),
		newServeCmd(stderr),
		newDiffCmd(stdout, stderr),
		newVerifyCmd(stdout, stderr),
		newKeygenCmd(stdout),
		newVersionCmd(stdout),
	)
	return root
}

package main

import (
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/scanner"
)

// mailFlags are the flags of `vigie mail`.
type mailFlags struct {
	timeout  time.Duration
	noRedact bool
	net      netFlags
	report   reportFlags
}

func newMailCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl mailFlags
	cmd := &cobra.Command{
		Use:   "mail FILE.eml...",
		Short: "Analyse mails a site sent, without scanning the site",
		Long: "Analyse the messages a site sent (.eml files or mbox files with several messages): who\n" +
			"relayed them (Received chain, DKIM, Authentication-Results, email service providers),\n" +
			"who owns the relays, who tracks clicks and opens, whether the sender is who the display\n" +
			"name claims, and whether identity and participation code travel together. Run the mail\n" +
			"checks and write a report bundle, as scan does (report.json and report.html by default).\n\n" +
			"Recipient names and addresses, codes, tokens and unique ids are redacted in the reports\n" +
			"unless --no-redact is given. The organisation is the policy's (organisation.domains) or,\n" +
			"without one, the one the From display name names.\n\n" +
			"Exit codes:\n" +
			"  0  done, no finding at or above --fail-on\n" +
			"  1  findings at or above --fail-on\n" +
			"  2  usage or configuration error (bad flag, policy, unreadable file)\n" +
			"  3  incomplete: no message could be read, or the analysis was interrupted (a report is still\n" +
			"     written, with the errors; --allow-incomplete exits by findings only)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage(errors.New("want one or more .eml or mbox files"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			gate, err := fl.report.gate()
			if err != nil {
				return err
			}
			out := fl.report.out
			if out == "" {
				out = audit.DefaultDir("mail", clock())
			}
			if err := gate.prepare(out); err != nil {
				return err
			}
			opts := scanner.Options{
				Mails:      args,
				NoRedact:   fl.noRedact,
				Timeout:    fl.timeout,
				OrgDomains: gate.Policy.Organisation.Domains,
				Progress:   progressTo(stderr),
			}
			fl.net.apply(&opts)
			res, err := scanner.ScanMail(cmd.Context(), opts)
			if err != nil {
				return scanFailed(err)
			}
			if err := gate.write(stdout, out, res); err != nil {
				return err
			}
			return gate.verdict()
		},
	}
	f := cmd.Flags()
	f.DurationVar(&fl.timeout, "timeout", scanner.DefaultTimeout, "deadline for the whole analysis")
	f.BoolVar(&fl.noRedact, "no-redact", false, "keep personal values (recipient names, codes, tokens) in the report")
	fl.net.register(cmd)
	fl.report.register(cmd, "report bundle `DIR`, absent or empty (see --force; default ./vigie-mail-<UTC time>)", "json,html")
	return cmd
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the built-in lab and scan it (works offline)",
		Long: "Start vigie's loopback lab — a DNS server with the founding case's zone and more — and\n" +
			"scan each of its sites as `vigie scan` does (browser visits included: Chromium is needed),\n" +
			"writing one report bundle per site under --out, every format. Nothing leaves the machine.\n" +
			"The last line names the founding case's report.html: open it in a browser.\n\n" +
			"Exit codes: 0 done (the demo never fails on findings); 3 the lab could not start or a\n" +
			"bundle could not be written.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			noBrowser := false
			// Each site's bundle directory is checked before anything starts.
			gates := map[string]*gate{}
			for _, site := range scantest.Sites() {
				g, err := newGate("", "none", strings.Join(reports.Formats, ","))
				if err != nil {
					return err
				}
				g.Force = force
				if err := g.prepare(filepath.Join(out, site.Name)); err != nil {
					return err
				}
				gates[site.Name] = g
			}
			lab, err := scantest.Start(ctx)
			if err != nil {
				return incomplete(fmt.Errorf("start the lab: %w", err))
			}
			defer lab.Close()
			mailDir, err := os.MkdirTemp("", "vigie-demo-mail-")
			if err != nil {
				return incomplete(err)
			}
			defer os.RemoveAll(mailDir)
			fmt.Fprintf(stderr, "vigie: demo   lab DNS on %s, RDAP on %s, whois on %s\n", lab.DNSAddr, lab.RDAP.URL, lab.Whois.Addr)
			for _, site := range scantest.Sites() {
				fmt.Fprintf(stdout, "\n== %s — %s\n", site.Name, site.Description)
				g := gates[site.Name]
				opts := labOptions(lab, site.URL)
				opts.Progress = progressTo(stderr)
				if mail, ok := demoMails[site.Name]; ok {
					// The founding case's account-confirmation mail and the clean
					// town's, analysed with their sites.
					path, err := scantest.WriteMailFixture(mailDir, mail)
					if err != nil {
						return incomplete(fmt.Errorf("demo mail: %w", err))
					}
					opts.Mails = []string{path}
				}
				res, err := scanner.Scan(ctx, opts)
				if err != nil {
					return incomplete(fmt.Errorf("scan %s: %w", site.URL, err))
				}
				if err := g.write(stdout, filepath.Join(out, site.Name), res); err != nil {
					return err
				}
				if site.Name == scantest.ScenarioFounding && !res.Evidence.Has(evidence.KindBrowser) {
					noBrowser = true
				}
			}
			if noBrowser {
				fmt.Fprintln(stdout, "\nwarning: the browser did not run, so the consent, page and legal checks could not be evaluated.\n"+
					"         Install Chromium (`make browser`, or on Debian/Ubuntu: sudo apt-get install chromium)\n"+
					"         and run the demo again.")
			}
			fmt.Fprintf(stdout, "\nDemo reports written under %s/, one bundle per site. Start with the founding case:\n%s\n", out, founding(out))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "vigie-demo", "`DIR` for the demo's report bundles (one directory per site)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the bundles of an earlier demo in --out (files vigie did not write are left alone)")
	return cmd
}

// founding is the founding case's HTML report in the demo's directory, as
// an absolute path when it can be made one (to paste into a browser).
func founding(out string) string {
	p := filepath.Join(out, scantest.ScenarioFounding, reports.FileName("html"))
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// demoMails gives the lab mail analysed with each demo site.
var demoMails = map[string]string{scantest.ScenarioFounding: scantest.MailFounding, scantest.ScenarioClean: scantest.MailClean}

// labOptions points every external name of a scan at the lab.
func labOptions(lab *scantest.Lab, url string) scanner.Options {
	return scanner.Options{URL: url, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride()}
}

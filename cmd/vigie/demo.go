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
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the built-in lab and scan it (works offline)",
		Long: "Start vigie's loopback lab — a DNS server with the founding case's zone and more — and\n" +
			"scan each of its sites, writing one report bundle per site under --out.\n" +
			"Nothing leaves the machine.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// Each site's bundle directory is checked before anything starts.
			gates := map[string]*gate{}
			for _, site := range scantest.Sites() {
				g, err := newGate("", "none", strings.Join(reports.Formats, ","))
				if err != nil {
					return err
				}
				g.force = force
				if err := g.prepare(filepath.Join(out, site.Name)); err != nil {
					return err
				}
				gates[site.Name] = g
			}
			lab, err := scantest.Start(ctx)
			if err != nil {
				return unreachable(fmt.Errorf("start the lab: %w", err))
			}
			defer lab.Close()
			mailDir, err := os.MkdirTemp("", "vigie-demo-mail-")
			if err != nil {
				return unreachable(err)
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
						return unreachable(fmt.Errorf("demo mail: %w", err))
					}
					opts.Mails = []string{path}
				}
				res, err := scanner.Scan(ctx, opts)
				if err != nil {
					return unreachable(fmt.Errorf("scan %s: %w", site.URL, err))
				}
				if err := g.write(stdout, filepath.Join(out, site.Name), res); err != nil {
					return err
				}
			}
			fmt.Fprintf(stdout, "\nDemo reports written under %s/ (one bundle per site; start with %s)\n", out, filepath.Join(out, scantest.Sites()[0].Name, "report.json"))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "vigie-demo", "`DIR` for the demo's report bundles (one directory per site)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the bundles of an earlier demo in --out (files vigie did not write are left alone)")
	return cmd
}

// demoMails gives the lab mail analysed with each demo site.
var demoMails = map[string]string{scantest.ScenarioFounding: scantest.MailFounding, scantest.ScenarioClean: scantest.MailClean}

// labOptions points every external name of a scan at the lab.
func labOptions(lab *scantest.Lab, url string) scanner.Options {
	return scanner.Options{URL: url, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride()}
}

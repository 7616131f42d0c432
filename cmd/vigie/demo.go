package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

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
			"scan each of its sites as `vigie scan` does (browser visits included: Chromium is needed;\n" +
			"a few sites at a time, in one browser, as `vigie batch` does), writing one report bundle\n" +
			"per site under --out, every format, the summaries in the sites' order. Nothing leaves the\n" +
			"machine. Progress lines on stderr name their site.\n" +
			"The last line names the founding case's report.html: open it in a browser.\n\n" +
			"Exit codes: 0 done (the demo never fails on findings); 3 the lab could not start, a\n" +
			"bundle could not be written, or the demo was interrupted before every site was scanned.",
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
			sites := scantest.Sites()
			runs, err := startDemoScans(ctx, lab, sites, mailDir, stderr)
			if err != nil {
				return err
			}
			// Stops the scans still under way when a bundle cannot be
			// written or a scan failed, and waits for them, so that the
			// shared browser is closed after them.
			defer runs.stop()
			for i, site := range sites {
				fmt.Fprintf(stdout, "\n== %s — %s\n", site.Name, site.Description)
				res, err := runs.result(i)
				if err != nil {
					return incomplete(fmt.Errorf("scan %s: %w", site.URL, err))
				}
				if err := gates[site.Name].write(stdout, filepath.Join(out, site.Name), res); err != nil {
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

// demoScans are the demo's scans, run a few at a time with one browser
// and one set of lookup caches (scanner.Shared), their results read in
// the sites' order.
type demoScans struct {
	cancel  context.CancelFunc
	shared  *scanner.Shared
	stderr  io.Writer
	done    []chan struct{}
	results []*scanner.Result
	errs    []error
	all     chan struct{} // closed when every scan has returned
}

// startDemoScans starts scanning sites in the lab, demoJobs() at a time,
// each site's progress lines on stderr prefixed with its name.
func startDemoScans(ctx context.Context, lab *scantest.Lab, sites []scantest.Site, mailDir string, stderr io.Writer) (*demoScans, error) {
	// The founding case's account-confirmation mail and the clean town's,
	// analysed with their sites.
	mails := map[string]string{}
	for name, mail := range demoMails {
		path, err := scantest.WriteMailFixture(mailDir, mail)
		if err != nil {
			return nil, incomplete(fmt.Errorf("demo mail: %w", err))
		}
		mails[name] = path
	}
	// The shared browser must outlive the scans it serves (they stop
	// first, then it is closed): not bound to ctx.
	shared, err := scanner.NewShared(context.WithoutCancel(ctx), labOptions(lab, ""))
	if err != nil {
		return nil, incomplete(fmt.Errorf("demo: %w", err))
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &demoScans{cancel: cancel, shared: shared, stderr: stderr, done: make([]chan struct{}, len(sites)),
		results: make([]*scanner.Result, len(sites)), errs: make([]error, len(sites)), all: make(chan struct{})}
	width := 0
	for i, site := range sites {
		d.done[i] = make(chan struct{})
		width = max(width, len(site.Name))
	}
	var mu sync.Mutex // one progress line at a time, whichever scan it is from
	var g errgroup.Group
	g.SetLimit(demoJobs())
	go func() {
		defer close(d.all)
		for i, site := range sites {
			g.Go(func() error {
				defer close(d.done[i])
				if err := ctx.Err(); err != nil {
					// The demo ended before this site's turn.
					d.errs[i] = fmt.Errorf("not scanned: %w", err)
					return nil
				}
				opts := labOptions(lab, site.URL)
				opts.Shared = shared
				opts.Progress = func(stage, msg string) {
					mu.Lock()
					defer mu.Unlock()
					fmt.Fprintf(stderr, "vigie: %-*s %-6s %s\n", width+2, "["+site.Name+"]", stage, msg)
				}
				if path, ok := mails[site.Name]; ok {
					opts.Mails = []string{path}
				}
				d.results[i], d.errs[i] = scanner.Scan(ctx, opts)
				return nil
			})
		}
		_ = g.Wait()
	}()
	return d, nil
}

// result waits for site i's scan and returns its result.
func (d *demoScans) result(i int) (*scanner.Result, error) {
	<-d.done[i]
	return d.results[i], d.errs[i]
}

// stop ends the scans still under way, waits for them and closes the
// shared browser.
func (d *demoScans) stop() {
	d.cancel()
	<-d.all
	if err := d.shared.Close(); err != nil {
		fmt.Fprintf(d.stderr, "vigie: demo   closing the shared browser: %v\n", err)
	}
}

// demoJobs is how many demo sites are scanned at once: two, in one
// shared browser with shared lookups. (It was one while a starved tab's
// dwell could end early and miss a late tag; a dwell now ends when the
// page's own clock says its time passed, and a page view watched for less
// makes the scan incomplete instead of silently poorer.)
func demoJobs() int { return 2 }

// demoMails gives the lab mail analysed with each demo site.
var demoMails = map[string]string{scantest.ScenarioFounding: scantest.MailFounding, scantest.ScenarioClean: scantest.MailClean}

// labOptions points every external name of a scan at the lab.
func labOptions(lab *scantest.Lab, url string) scanner.Options {
	return scanner.Options{URL: url, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride()}
}

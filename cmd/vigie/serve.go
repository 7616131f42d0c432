package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/webapp"
)

// serveFlags are the flags of `vigie serve`.
type serveFlags struct {
	listen, data, policy string
	jobs                 int
	timeout              time.Duration
	net                  netFlags
}

func newServeCmd(stderr io.Writer) *cobra.Command {
	var fl serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run vigie as a web page: audit an address, watch the progress, read the report",
		Long: "Run a small web application on this machine, for people who do not use a terminal: open\n" +
			"the address printed (http://127.0.0.1:8080/ by default) in a browser, type the address of\n" +
			"a site, choose the visits (before consent, after reject, after accept), optionally add a\n" +
			"mail the site sent (.eml), and follow the audit stage by stage. The finished HTML report\n" +
			"is shown in the page; the whole bundle downloads as a .zip with its SHA-256 manifest.\n" +
			"Scans run one at a time (--jobs) and are kept under --data with their bundles.\n\n" +
			"By default vigie serve listens on 127.0.0.1 only. With --listen on another address it\n" +
			"acts as a public service: sites in non-public networks are refused, each visitor's\n" +
			"requests and scans are rate-limited, uploads and the queue are bounded. Behind a reverse\n" +
			"proxy every visitor shares the proxy's limits.\n\n" +
			"Exit codes: 0 stopped (Ctrl-C); 2 usage or configuration error (bad flag, address in use).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, err := net.SplitHostPort(fl.listen); err != nil {
				return usage(fmt.Errorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:8080", fl.listen))
			}
			if fl.jobs < 1 || fl.jobs > 16 {
				return usage(fmt.Errorf("--jobs %d: want 1 to 16", fl.jobs))
			}
			g, err := newGate(fl.policy, "none", "json")
			if err != nil {
				return err
			}
			opts := scanner.Options{Timeout: fl.timeout, OrgDomains: g.Policy.Organisation.Domains}
			fl.net.apply(&opts)
			if labHook != nil {
				labHook(&opts)
			}
			public := !webapp.IsLoopback(fl.listen)
			srv, err := webapp.New(webapp.Config{Data: fl.data, Public: public, Jobs: fl.jobs, Options: opts,
				Settings: g.Settings, Log: slog.New(slog.NewTextHandler(stderr, nil))})
			if err != nil {
				return usage(err)
			}
			ln, err := net.Listen("tcp", fl.listen)
			if err != nil {
				return usage(fmt.Errorf("--listen: %w", err))
			}
			return serve(cmd.Context(), stderr, srv, ln, public)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.listen, "listen", "127.0.0.1:8080", "`HOST:PORT` to listen on; anything but loopback makes it a public service, with its limits")
	f.StringVar(&fl.data, "data", "vigie-data", "`DIR` keeping the scans and their bundles")
	f.IntVar(&fl.jobs, "jobs", webapp.DefaultJobs, "scans run at the same time (`N`); the others wait in the queue")
	f.StringVar(&fl.policy, "policy", "", "policy `FILE` (YAML) every scan runs under")
	f.DurationVar(&fl.timeout, "timeout", scanner.DefaultTimeout, "deadline of each scan")
	fl.net.register(cmd)
	return cmd
}

// serve runs the application on ln until ctx ends, then stops accepting,
// interrupts the running scans and waits for them.
func serve(ctx context.Context, stderr io.Writer, srv *webapp.Server, ln net.Listener, public bool) error {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Requests live in runCtx, so that stopping ends the progress streams.
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, BaseContext: func(net.Listener) context.Context { return runCtx }}
	fmt.Fprintf(stderr, "vigie: serve  open http://%s/ in a browser (Ctrl-C to stop)\n", ln.Addr())
	if public {
		fmt.Fprintln(stderr, "vigie: serve  listening beyond this machine: public-service limits apply (no private networks, rate limits)")
	}
	ran := make(chan struct{})
	go func() { _ = srv.Run(runCtx); close(ran) }()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	stop()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut)
	<-ran
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(stderr, "vigie: serve  stopped")
	return nil
}

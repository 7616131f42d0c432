package scanner

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/vigie-scan/vigie/scanner/access"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/proxy"
	"github.com/vigie-scan/vigie/scanner/survey"
)

// accessTimeout bounds each of the two loads of the access comparison.
const accessTimeout = 30 * time.Second

// accessStage loads the target once directly and once through --proxy,
// both with plain HTTP (GET only, fresh cookie jars, no browser), and
// records the comparison for access.blocked-via-proxy. Both loads resolve
// with the scan's resolver and apply the refusal rule of every loader
// (proxy.Dialer) on every hop, redirects included: non-public destinations
// are refused but the target's own and the ranges allowed (allow) —
// through the upstream too, which is asked for a name only once it
// passed. Both trust --trust-cert. KindProxy is collected once both loads
// were tried: a failed load is recorded in the comparison (and under the
// stage "access"), and the check then says it could not compare.
func (s *scan) accessStage(ctx context.Context, target evidence.Target, allow []netip.Prefix) stageResult {
	r := s.newStage()
	roots, err := trustRoots(s.opts.TrustCerts)
	if err != nil {
		r.fail("access", "--trust-cert", err)
		return r
	}
	direct, err := s.webTransport(roots, allow, "")
	if err != nil {
		r.fail("access", "direct", err)
		return r
	}
	defer direct.CloseIdleConnections()
	via, err := s.webTransport(roots, allow, s.opts.Proxy)
	if err != nil {
		r.fail("access", access.RedactProxy(s.opts.Proxy), err)
		return r
	}
	defer via.CloseIdleConnections()
	s.progress("access", "loading "+target.URL+" directly and through "+access.RedactProxy(s.opts.Proxy))
	a := access.Compare(ctx,
		&survey.HTTPLoader{Transport: direct, Timeout: accessTimeout},
		&survey.HTTPLoader{Transport: via, Timeout: accessTimeout},
		target.URL, s.opts.Proxy)
	r.access = a
	if a.Direct.Error != "" {
		r.fail("access", "direct", errors.New(a.Direct.Error))
	}
	if a.Proxied.Error != "" {
		r.fail("access", a.Proxy, errors.New(a.Proxied.Error))
	}
	r.collected = append(r.collected, evidence.KindProxy)
	what := func(l evidence.AccessLoad) string {
		switch {
		case l.Error != "":
			return "failed"
		case l.Challenge != "":
			return fmt.Sprintf("HTTP %d, %s challenge", l.Status, l.Challenge)
		}
		return fmt.Sprintf("HTTP %d", l.Status)
	}
	r.note = fmt.Sprintf("direct: %s; through the proxy: %s", what(a.Direct), what(a.Proxied))
	return r
}

// webTransport is an HTTP transport for the scan's own loads, through
// upstream when set (--proxy): every connection and every redirect hop
// under the refusal rule of every loader (proxy.Dialer: the scan's
// resolver, never the system's; non-public destinations refused unless
// allow contains them; the dial override applied, for the lab), with
// --trust-cert trusted, no proxy from the environment and response
// headers bounded as Chromium bounds them.
func (s *scan) webTransport(roots *x509.CertPool, allow []netip.Prefix, upstream string) (*http.Transport, error) {
	d, err := proxy.NewDialer(proxy.DialConfig{
		Resolve:      s.resolveAddrs,
		Upstream:     upstream,
		DialOverride: s.opts.DialOverride,
		AllowPrivate: allow,
	})
	if err != nil {
		return nil, err
	}
	return d.Transport(&http.Transport{
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  accessTimeout,
		MaxResponseHeaderBytes: proxy.DefaultMaxResponseHeaderBytes,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4,
		IdleConnTimeout:        10 * time.Second,
	}), nil
}

// trustRoots returns the system's roots plus the certificates of the
// --trust-cert files; nil (the system's roots) when none is given.
func trustRoots(files []string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--trust-cert: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("--trust-cert %s: no PEM certificate in it", f)
		}
	}
	return pool, nil
}

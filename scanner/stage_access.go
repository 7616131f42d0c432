package scanner

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
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
// records the comparison for access.blocked-via-proxy. The direct load
// resolves with the scan's resolver and refuses non-public destinations
// but the target's own (allow), as the recording proxy does; both trust
// --trust-cert. KindProxy is collected once both loads were tried: a
// failed load is recorded in the comparison (and under the stage
// "access"), and the check then says it could not compare.
func (s *scan) accessStage(ctx context.Context, target evidence.Target, allow []netip.Prefix) stageResult {
	r := s.newStage()
	roots, err := trustRoots(s.opts.TrustCerts)
	if err != nil {
		r.fail("access", "--trust-cert", err)
		return r
	}
	direct := s.webTransport(roots, allow, true)
	defer direct.CloseIdleConnections()
	via, err := access.ProxiedTransport(s.webTransport(roots, nil, false), s.opts.Proxy)
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

// webTransport is an HTTP transport for the scan's own loads: names
// resolved with the scan's resolver (never the system's), the dial
// override applied (the lab), --trust-cert trusted, no proxy from the
// environment, bounded header sizes. With refusePrivate, destinations in
// non-public ranges are refused unless allow contains them (the target's
// own); without it — to reach the user's own --proxy — nothing is refused.
func (s *scan) webTransport(roots *x509.CertPool, allow []netip.Prefix, refusePrivate bool) *http.Transport {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		host = strings.ToLower(strings.TrimSuffix(host, "."))
		if o, ok := s.opts.DialOverride[net.JoinHostPort(host, port)]; ok {
			return d.DialContext(ctx, "tcp", o)
		}
		var addrs []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{ip.Unmap()}
		} else if addrs, err = s.resolveAddrs(ctx, host); err != nil {
			return nil, err
		}
		var errs []error
		tried := 0
		for _, a := range addrs {
			if tried == 4 {
				break
			}
			if refusePrivate && len(proxy.PrivateRanges([]netip.Addr{a})) > 0 && !slices.ContainsFunc(allow, func(p netip.Prefix) bool { return p.Contains(a) }) {
				errs = append(errs, fmt.Errorf("refused: %s resolves to %s, a non-public address", host, a))
				continue
			}
			tried++
			c, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(a, portNumber(port)).String())
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("dial %s: no address", addr)
		}
		return nil, fmt.Errorf("dial %s: %w", addr, errors.Join(errs...))
	}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dial,
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  accessTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4,
		IdleConnTimeout:        10 * time.Second,
	}
}

func portNumber(p string) uint16 {
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
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

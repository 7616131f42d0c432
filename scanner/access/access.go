// Package access compares how a site answers a direct visit and one made
// through an upstream proxy (--proxy, such as Tor): a site that serves its
// consultation to a direct visitor and a block or challenge page to a
// proxied one shuts out citizens who protect their connection. Both loads
// are plain HTTP GETs (survey.HTTPLoader: read-only, fresh cookie jar, no
// script), and the answers are described with survey.Challenge, which
// recognises the block and challenge pages of the major vendors.
package access

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/survey"
)

// Load loads target once with l and describes the answer: status, title,
// and the block or challenge page recognised, if any.
func Load(ctx context.Context, l survey.Loader, target string) evidence.AccessLoad {
	obs, err := l.Load(ctx, http.MethodGet, target)
	if err != nil {
		return evidence.AccessLoad{Status: obs.Status, Error: err.Error()}
	}
	name, signals := survey.Challenge(obs.Status, obs.Headers, obs.HTML)
	return evidence.AccessLoad{Status: obs.Status, Title: survey.Title(obs.HTML), Challenge: name, Signals: signals}
}

// Compare loads target directly and through a proxy (proxyURL names it in
// the record; its credentials are left out) and records both loads, for
// the access.blocked-via-proxy check to compare.
func Compare(ctx context.Context, direct, proxied survey.Loader, target, proxyURL string) *evidence.Access {
	return &evidence.Access{
		ID:      "access/proxy",
		Proxy:   RedactProxy(proxyURL),
		Direct:  Load(ctx, direct, target),
		Proxied: Load(ctx, proxied, target),
	}
}

// RedactProxy returns a proxy URL without its credentials (Tor stream
// isolation puts a user and password in it).
func RedactProxy(proxyURL string) string {
	u, err := url.Parse(proxyURL)
	if err != nil {
		return "(invalid proxy URL)"
	}
	u.User = nil
	return u.String()
}

// ProxiedTransport returns a copy of base that sends every request through
// the proxy at proxyURL (http://, https://, socks5:// or socks5h://). A nil
// base means a clone of http.DefaultTransport.
func ProxiedTransport(base *http.Transport, proxyURL string) (*http.Transport, error) {
	u, err := url.Parse(proxyURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("proxy %q: not a URL", RedactProxy(proxyURL))
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("proxy %q: scheme %q is not http, https, socks5 or socks5h", RedactProxy(proxyURL), u.Scheme)
	}
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	t := base.Clone()
	t.Proxy = http.ProxyURL(u)
	return t, nil
}

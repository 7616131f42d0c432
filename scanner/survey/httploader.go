package survey

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Defaults of HTTPLoader.
const (
	// DefaultUserAgent presents the plain HTTP loader as an ordinary desktop
	// browser, as vigie's browser does: a site's bot defences should treat
	// the direct and the proxied loads alike.
	DefaultUserAgent      = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	DefaultAcceptLanguage = "fr-FR,fr;q=0.9,en;q=0.5"
	DefaultMaxBody        = 4 << 20
	DefaultLoadTimeout    = 30 * time.Second
	maxRedirects          = 10
	maxCookies            = 200
)

// HTTPLoader is a Loader over net/http, for tests and for comparing a
// direct load with a proxied one. It sends GET and HEAD only — any other
// method is refused before anything is sent, by Load and again by its
// transport wrapper, redirects included — follows at most 10 redirects,
// reads at most MaxBody bytes, and starts every load with an empty cookie
// jar. It does not run scripts nor load sub-resources: Requests holds the
// redirect chain.
type HTTPLoader struct {
	// Transport carries the requests: dialling, TLS roots, proxy. Nil means
	// http.DefaultTransport.
	Transport http.RoundTripper
	// UserAgent and AcceptLanguage are sent with every request; empty means
	// DefaultUserAgent and DefaultAcceptLanguage.
	UserAgent      string
	AcceptLanguage string
	// MaxBody bounds the body read; zero means DefaultMaxBody.
	MaxBody int64
	// Timeout bounds one load, redirects included; zero means DefaultLoadTimeout.
	Timeout time.Duration
}

var errTooManyRedirects = errors.New("more than 10 redirects")

// Load loads rawURL with method (GET or HEAD) in a fresh cookie jar.
func (l *HTTPLoader) Load(ctx context.Context, method, rawURL string) (Observation, error) {
	obs := Observation{URL: rawURL}
	if !readOnly(method) {
		return obs, fmt.Errorf("load %s: %w (asked for %q)", rawURL, ErrMethodNotAllowed, method)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return obs, fmt.Errorf("load %q: not an http(s) URL", rawURL)
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultLoadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	next := l.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	rec := &recordingTransport{next: next}
	jar, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	if err != nil {
		return obs, fmt.Errorf("load %s: cookie jar: %w", rawURL, err)
	}
	client := &http.Client{
		Transport: rec,
		Jar:       jar,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errTooManyRedirects
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return obs, fmt.Errorf("load %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", firstNonEmpty(l.UserAgent, DefaultUserAgent))
	req.Header.Set("Accept-Language", firstNonEmpty(l.AcceptLanguage, DefaultAcceptLanguage))
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	resp, err := client.Do(req)
	obs.Requests, obs.Cookies = rec.results()
	if err != nil {
		return obs, fmt.Errorf("load %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	max := l.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max))
	if err != nil {
		return obs, fmt.Errorf("load %s: reading the body: %w", rawURL, err)
	}
	obs.FinalURL = resp.Request.URL.String()
	obs.Status = resp.StatusCode
	obs.Headers = resp.Header.Clone()
	obs.HTML = body
	obs.Requests, obs.Cookies = rec.results()
	return obs, nil
}

// recordingTransport refuses any method but GET and HEAD, and records the
// URLs requested and the cookies set along a redirect chain.
type recordingTransport struct {
	next    http.RoundTripper
	mu      sync.Mutex
	urls    []string
	cookies []evidence.Cookie
}

// RoundTrip sends a read-only request and records it.
func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !readOnly(req.Method) {
		return nil, fmt.Errorf("%w (asked for %q)", ErrMethodNotAllowed, req.Method)
	}
	resp, err := t.next.RoundTrip(req)
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.urls) < maxRequests {
		t.urls = append(t.urls, req.URL.String())
	}
	if err != nil {
		return resp, err
	}
	host := strings.ToLower(req.URL.Hostname())
	for _, c := range resp.Cookies() {
		if len(t.cookies) >= maxCookies {
			break
		}
		domain := strings.TrimPrefix(strings.ToLower(c.Domain), ".")
		if domain == "" {
			domain = host
		}
		path := c.Path
		if path == "" {
			path = "/"
		}
		ck := evidence.Cookie{
			ID:       "cookie/survey/" + domain + "/" + strings.TrimPrefix(path, "/") + "/" + c.Name,
			Name:     c.Name,
			Domain:   domain,
			Path:     path,
			Expires:  c.Expires.UTC(),
			Session:  c.Expires.IsZero() && c.MaxAge == 0,
			Secure:   c.Secure,
			HTTPOnly: c.HttpOnly,
			Size:     len(c.Value),
			SetBy:    &evidence.SetBy{Kind: "response"},
		}
		if c.Expires.IsZero() {
			ck.Expires = time.Time{}
		}
		switch c.SameSite {
		case http.SameSiteLaxMode:
			ck.SameSite = "Lax"
		case http.SameSiteStrictMode:
			ck.SameSite = "Strict"
		case http.SameSiteNoneMode:
			ck.SameSite = "None"
		}
		t.cookies = slices.DeleteFunc(t.cookies, func(o evidence.Cookie) bool { return o.ID == ck.ID })
		t.cookies = append(t.cookies, ck)
	}
	return resp, nil
}

func (t *recordingTransport) results() ([]string, []evidence.Cookie) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.urls), slices.Clone(t.cookies)
}

package owner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openrdap/rdap"
)

// fetch GETs u, waiting for the host's rate limit, and retries once after a
// 429 or 503 whose Retry-After is at most maxRDAPRetryAfter. It returns the
// body of a 2xx answer and the URL that gave it (after redirects).
func (c *RDAPClient) fetch(ctx context.Context, u *url.URL) ([]byte, *url.URL, error) {
	for attempt := 0; ; attempt++ {
		if err := c.limiter.Wait(ctx, u.Host); err != nil {
			return nil, nil, err
		}
		a, err := c.get(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		st := a.status
		switch {
		case st >= 200 && st <= 299:
			return a.body, a.url, nil
		case st == http.StatusNotFound:
			return nil, nil, fmt.Errorf("%s: %w", u, ErrNotFound)
		case st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable:
			ra := a.header.Get("Retry-After")
			wait, ok := rdapParseRetryAfter(ra, time.Now())
			if attempt == 0 && ok && wait <= maxRDAPRetryAfter {
				if err := rdapSleep(ctx, wait); err != nil {
					return nil, nil, err
				}
				continue
			}
			if ra != "" {
				return nil, nil, fmt.Errorf("%s: server answered %s (Retry-After: %.40q)", u, rdapStatusLine(st), ra)
			}
		}
		return nil, nil, fmt.Errorf("%s: server answered %s", u, rdapStatusLine(st))
	}
}

// rdapHTTPAnswer is one HTTP exchange's outcome.
type rdapHTTPAnswer struct {
	status int
	header http.Header
	body   []byte   // 2xx answers only
	url    *url.URL // the URL that answered, after redirects
}

// get sends one GET (redirects followed) within the per-request timeout.
func (c *RDAPClient) get(ctx context.Context, u *url.URL) (*rdapHTTPAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), http.NoBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/rdap+json, application/json;q=0.9")
	req.Header.Set("User-Agent", rdapUserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	a := &rdapHTTPAnswer{status: resp.StatusCode, header: resp.Header, url: u}
	if resp.Request != nil && resp.Request.URL != nil {
		a.url = resp.Request.URL
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Read a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return a, nil
	}
	if a.body, err = rdapReadBounded(resp.Body, c.maxBody); err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return a, nil
}

// checkRedirect vets a redirect: bounded, http(s), no downgrade from
// https, never away from the configured server, and rate-limited like any
// request.
func (c *RDAPClient) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRDAPRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRDAPRedirects)
	}
	to := req.URL
	if to.Scheme != "http" && to.Scheme != "https" {
		return fmt.Errorf("redirect to a %q URL refused", to.Scheme)
	}
	if via[0].URL.Scheme == "https" && to.Scheme != "https" {
		return errors.New("redirect from https to http refused")
	}
	if c.server != nil && rdapHostPort(to) != rdapHostPort(c.server) {
		return fmt.Errorf("redirect to %s refused: every query goes to %s", to.Host, c.server.Host)
	}
	return c.limiter.Wait(req.Context(), to.Host)
}

// rdapReadBounded reads r to the end, failing when it holds more than limit
// bytes.
func rdapReadBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", errRDAPTooLarge, limit)
	}
	return b, nil
}

// rdapParseRetryAfter reads a Retry-After value, in seconds or an HTTP date.
func rdapParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// rdapSleep waits for d or until ctx is done.
func rdapSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func rdapStatusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// decodeRDAP decodes an answer with openrdap's decoder. An RDAP error
// object is returned as an error, wrapping ErrNotFound for a 404.
func decodeRDAP(body []byte) (obj any, err error) {
	// openrdap's decoder is not ours and its input is hostile: a panic in
	// it must not take the scan down.
	defer func() {
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("undecodable RDAP answer (%v)", r)
		}
	}()
	obj, err = rdap.NewDecoder(body).Decode()
	if err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 {
			return nil, fmt.Errorf("malformed RDAP JSON: %w", err)
		}
		return nil, fmt.Errorf("malformed RDAP answer: %w", err)
	}
	switch o := obj.(type) {
	case *rdap.Error:
		return nil, rdapErrorObject(o)
	case *rdap.IPNetwork:
		rdapNormaliseVCards(o.Entities)
	case *rdap.Domain:
		rdapNormaliseVCards(o.Entities)
	case *rdap.Autnum:
		rdapNormaliseVCards(o.Entities)
	case *rdap.Entity:
		rdapNormaliseVCard(o)
		rdapNormaliseVCards(o.Entities)
	}
	return obj, nil
}

// rdapErrorObject turns an RDAP error answer into an error.
func rdapErrorObject(e *rdap.Error) error {
	code := 0
	if e.ErrorCode != nil {
		code = int(*e.ErrorCode)
	}
	msg := rdapClean(e.Title + " " + strings.Join(e.Description, " "))
	if code == http.StatusNotFound {
		if msg == "" {
			return ErrNotFound
		}
		return fmt.Errorf("%w (%s)", ErrNotFound, msg)
	}
	return fmt.Errorf("RDAP error %d: %s", code, msg)
}

// rdapObjectKind names a decoded answer's type for error messages.
func rdapObjectKind(obj any) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", obj), "*rdap.")
}

// rdapCountingTransport counts the requests sent through it.
type rdapCountingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t *rdapCountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(req)
}

// rdapBootstrapTransport rate-limits IANA bootstrap downloads and bounds their
// size, which openrdap reads whole.
type rdapBootstrapTransport struct {
	next    http.RoundTripper
	limiter *hostLimiter
	max     int64
}

func (t *rdapBootstrapTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context(), req.URL.Host); err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &rdapBoundedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// rdapBoundedBody fails a read past its size limit.
type rdapBoundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *rdapBoundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), 0
		return n, errRDAPTooLarge
	}
	b.left -= int64(n)
	return n, err
}

func (b *rdapBoundedBody) Close() error { return b.rc.Close() }

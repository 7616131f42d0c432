package scanner

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/proxy"
	"github.com/vigie-scan/vigie/scanner/survey"
)

// Bounds of the survey stage.
const (
	// maxSurveyLinks bounds the survey-looking links followed from a page
	// that is neither a platform nor a form itself.
	maxSurveyLinks = 2
	// maxLinkTokens bounds the HTML tokens read looking for them.
	maxLinkTokens = 200_000
)

// collectSurvey recognises the consultation platform and observes the
// participation controls of the initial visit's page (ev.Survey), passively:
// every further load — the page without its participant token, an embedded
// form, a survey-looking link — is a GET by the browser in a fresh context,
// its connections labelled "visit/survey/<n>"; nothing is ever submitted.
// When the page is neither a platform nor a form, up to maxSurveyLinks
// first-party links that look like surveys are examined too.
//
// KindSurvey is collected when the page could be analysed; not when the
// initial visit failed or answered a block, challenge or error page
// (recorded under the stage "survey").
func (s *scan) collectSurvey(ctx context.Context, ev *evidence.Evidence, pages pageLoader, initial *browser.Page) {
	if initial == nil {
		return
	}
	l := &surveyPages{pages: pages}
	sv, err := survey.AnalyseObservation(ctx, l, observation(initial))
	if sv == nil {
		s.fail(ev, "survey", ev.Target.URL, err)
		return
	}
	if err != nil {
		s.fail(ev, "survey", ev.Target.URL, err)
	}
	if len(sv.Platforms) == 0 && len(sv.Forms) == 0 {
		for _, link := range surveyLinks(initial, s.firstParty(ev.Target), maxSurveyLinks) {
			if ctx.Err() != nil {
				break
			}
			s.progress("survey", "following "+link)
			obs, err := l.Load(ctx, http.MethodGet, link)
			if err != nil {
				s.progress("survey", err.Error())
				continue
			}
			more, err := survey.AnalyseObservation(ctx, l, obs)
			if err != nil {
				// A guessed link that leads nowhere is not the scan's failure.
				s.progress("survey", err.Error())
			}
			mergeSurvey(sv, more)
		}
	}
	ev.Survey = sv
	ev.Collected = append(ev.Collected, evidence.KindSurvey)
	s.progress("survey", fmt.Sprintf("%d platform(s), %d form(s)", len(sv.Platforms), len(sv.Forms)))
}

// observation turns a page the browser rendered into a survey observation.
func observation(p *browser.Page) survey.Observation {
	return survey.Observation{
		URL: p.URL, FinalURL: p.FinalURL, Status: p.Status, Headers: p.Headers,
		HTML: p.HTML, Cookies: p.Cookies, Requests: p.Requests,
	}
}

// surveyPages is the survey.Loader of a scan: the browser, in a fresh
// context for every page. A browser navigation is a GET: HEAD is answered
// with a GET's page, and any other method is refused before anything is
// sent.
type surveyPages struct {
	pages pageLoader
	n     int
}

// Load loads url with the browser (GET and HEAD only).
func (l *surveyPages) Load(ctx context.Context, method, url string) (survey.Observation, error) {
	if method != http.MethodGet && method != http.MethodHead {
		return survey.Observation{URL: url}, fmt.Errorf("load %s: %w (asked for %q)", url, survey.ErrMethodNotAllowed, method)
	}
	l.n++
	p, err := l.pages.loadPage(ctx, "visit/survey/"+strconv.Itoa(l.n), url)
	if err != nil {
		return survey.Observation{URL: url}, err
	}
	return observation(p), nil
}

// surveyPath recognises the URL shapes of survey pages: LimeSurvey's
// survey IDs, and the words survey, questionnaire, enquête, sondage as a
// path segment.
var surveyPath = regexp.MustCompile(`(?i)(?:/index\.php/\d{4,8}(?:$|[/?])|/index\.php\?(?:.*&)?(?:sid=\d|r=survey)|/(?:limesurvey|surveys?|questionnaires?|enquetes?|sondages?)(?:$|[/?]))`)

// surveyLinks returns the distinct first-party http(s) links of the page
// whose URL looks like a survey's, at most max, in document order.
func surveyLinks(p *browser.Page, firstParty func(string) bool, max int) []string {
	base, err := url.Parse(p.FinalURL)
	if err != nil || p.FinalURL == "" {
		if base, err = url.Parse(p.URL); err != nil {
			return nil
		}
	}
	seen := map[string]bool{p.URL: true, p.FinalURL: true}
	var out []string
	z := html.NewTokenizer(bytes.NewReader(p.HTML))
	for range maxLinkTokens {
		tt := z.Next()
		if tt == html.ErrorToken || len(out) >= max {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, more := z.TagName()
		if string(name) != "a" && string(name) != "area" {
			continue
		}
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			if string(k) != "href" {
				continue
			}
			u, err := base.Parse(strings.TrimSpace(string(v)))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				break
			}
			u.Fragment = ""
			link := u.String()
			if seen[link] || len(link) > 2048 || !firstParty(strings.ToLower(u.Hostname())) || !surveyPath.MatchString(u.RequestURI()) {
				break
			}
			seen[link] = true
			out = append(out, link)
			break
		}
	}
	return out
}

// mergeSurvey adds the platforms and forms of more to sv: a platform seen
// again gains its signals (and version), forms are renumbered.
func mergeSurvey(sv, more *evidence.Survey) {
	if more == nil {
		return
	}
	for _, m := range more.Platforms {
		i := slices.IndexFunc(sv.Platforms, func(p evidence.Platform) bool { return p.ID == m.ID })
		if i < 0 {
			sv.Platforms = append(sv.Platforms, m)
			continue
		}
		p := &sv.Platforms[i]
		for _, sig := range m.Signals {
			if !slices.Contains(p.Signals, sig) {
				p.Signals = append(p.Signals, sig)
			}
		}
		if p.Version == "" && m.Version != "" {
			p.Version = m.Version
		}
	}
	sv.Forms = append(sv.Forms, more.Forms...)
	for i := range sv.Forms {
		sv.Forms[i].ID = "survey/form/" + strconv.Itoa(i+1)
	}
}

// accessTimeout bounds each of the two loads of the access comparison.
const accessTimeout = 30 * time.Second

// collectAccess loads the target once directly and once through --proxy,
// both with plain HTTP (GET only, fresh cookie jars, no browser), and
// records the comparison (ev.Access) for access.blocked-via-proxy. The
// direct load resolves with the scan's resolver and refuses non-public
// destinations but the target's own, as the recording proxy does; both
// trust --trust-cert. KindProxy is collected once both loads were tried:
// a failed load is recorded in the comparison (and under the stage
// "access"), and the check then says it could not compare.
func (s *scan) collectAccess(ctx context.Context, ev *evidence.Evidence) {
	roots, err := trustRoots(s.opts.TrustCerts)
	if err != nil {
		s.fail(ev, "access", "--trust-cert", err)
		return
	}
	direct := s.webTransport(roots, targetPrivatePrefixes(ev), true)
	defer direct.CloseIdleConnections()
	viaBase := s.webTransport(roots, nil, false)
	via, err := survey.ProxiedTransport(viaBase, s.opts.Proxy)
	if err != nil {
		s.fail(ev, "access", survey.RedactProxy(s.opts.Proxy), err)
		return
	}
	defer via.CloseIdleConnections()
	s.progress("access", "loading "+ev.Target.URL+" directly and through "+survey.RedactProxy(s.opts.Proxy))
	a := survey.CompareAccess(ctx,
		&survey.HTTPLoader{Transport: direct, Timeout: accessTimeout},
		&survey.HTTPLoader{Transport: via, Timeout: accessTimeout},
		ev.Target.URL, s.opts.Proxy)
	ev.Access = a
	if a.Direct.Error != "" {
		s.fail(ev, "access", "direct", errors.New(a.Direct.Error))
	}
	if a.Proxied.Error != "" {
		s.fail(ev, "access", a.Proxy, errors.New(a.Proxied.Error))
	}
	ev.Collected = append(ev.Collected, evidence.KindProxy)
	what := func(l evidence.AccessLoad) string {
		switch {
		case l.Error != "":
			return "failed"
		case l.Challenge != "":
			return fmt.Sprintf("HTTP %d, %s challenge", l.Status, l.Challenge)
		}
		return fmt.Sprintf("HTTP %d", l.Status)
	}
	s.progress("access", fmt.Sprintf("direct: %s; through the proxy: %s", what(a.Direct), what(a.Proxied)))
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

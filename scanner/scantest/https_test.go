package scantest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

var (
	sharedLab     *Lab
	sharedLabErr  error
	sharedLabOnce sync.Once
)

// webLab returns a lab shared by the web tests of this file (read-only use:
// tests look at their own requests in the log by a unique query).
func webLab(t *testing.T) *Lab {
	t.Helper()
	sharedLabOnce.Do(func() { sharedLab, sharedLabErr = Start(context.Background()) })
	if sharedLabErr != nil {
		t.Fatalf("lab: %v", sharedLabErr)
	}
	return sharedLab
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedLab != nil {
		if err := sharedLab.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// labClient returns an HTTP client that reaches the lab's web servers
// through the dial override only (any other destination is an error, so a
// test can never reach a real host), trusting only the lab's CA. It does
// not follow redirects.
func labClient(l *Lab) *http.Client {
	override := l.DialOverride()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			o, ok := override[addr]
			if !ok {
				return nil, fmt.Errorf("%s is not a lab host", addr)
			}
			return d.DialContext(ctx, network, o)
		},
		TLSClientConfig:   &tls.Config{RootCAs: l.CA.Pool()},
		ForceAttemptHTTP2: true,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func fetch(t *testing.T, c *http.Client, method, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, u, err)
	}
	return resp, string(b)
}

// A page per host that the host serves.
var hostPages = map[string]string{
	HostFounding:        "/",
	HostClean:           "/",
	HostRejectIgnored:   "/resultats",
	HostCloaked:         "/col/ea.js",
	HostCloakedTarget:   "/col/ea.js",
	HostVendorCDN:       "/platform/app.js",
	HostTagManager:      "/gtag/js?id=" + AnalyticsID,
	HostAnalytics:       "/g/collect?v=2",
	HostFonts:           "/css2?family=Marianne",
	HostFontFiles:       "/s/marianne/v1/marianne-regular.woff2",
	HostVideo:           "/embed/" + VideoID,
	HostAds:             "/pagead/id",
	HostCity:            "/",
	HostSurveys:         SurveyOpenPath,
	HostDecidim:         DecidimPath,
	HostSlowAssets:      "/",
	IDNDomain:           "/",
	HostLateTags:        "/api/projets",
	HostRejectReload:    "/evenements",
	HostDialog:          "/",
	HostWebRTC:          "/",
	HostBanners:         BannerNoCookieFR,
	HostSourcepoint:     "/index.html?message_id=1",
	HostHanging:         HangingAlivePath,
	HostGarbage:         "/",
	HostCompanyDeclared: "/",
	HostChallenged:      "/mentions-legales",
	HostRateLimited:     "/evenements",
	HostStaleLink:       "/mentions-legales",
	HostVendorRedirect:  "/",
	HostVendorPortal:    "/evenements",
	HostShortcut:        "/",
	HostDeadLink:        "/mentions-legales",
}

func init() {
	for i := 1; i <= TownCount; i++ {
		hostPages[TownHost(i)] = "/"
	}
}

func TestHTTPSVirtualHosts(t *testing.T) {
	l := webLab(t)
	c := labClient(l)
	for host, v := range vhosts() {
		if !v.https {
			continue
		}
		t.Run(host, func(t *testing.T) {
			page, ok := hostPages[host]
			if !ok {
				t.Fatalf("no test page for %s", host)
			}
			resp, body := fetch(t, c, http.MethodGet, "https://"+host+page)
			switch {
			case host == HostChallenged:
				// Every path is the edge's challenge.
				if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Cf-Mitigated") != "challenge" || !strings.Contains(string(body), "Just a moment...") {
					t.Errorf("challenged host: status %d, headers %v: %.200s", resp.StatusCode, resp.Header, body)
				}
			case host == HostVendorRedirect:
				// Every path redirects to the vendor's portal.
				if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://"+HostVendorPortal+"/" {
					t.Errorf("vendor redirect: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			case host == HostShortcut:
				if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://"+HostFounding+"/" {
					t.Errorf("shortcut: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			case resp.StatusCode/100 != 2:
				t.Errorf("status %d: %.200s", resp.StatusCode, body)
			}
			// The client verified the chain against the lab CA only; the
			// leaf is the host's own.
			st := resp.TLS
			if st == nil || len(st.VerifiedChains) == 0 {
				t.Fatal("no verified chain")
			}
			leaf, chain := st.PeerCertificates[0], st.VerifiedChains[0]
			if !slices.Equal(leaf.DNSNames, []string{host}) || !chain[len(chain)-1].Equal(l.CA.Cert) {
				t.Errorf("leaf %v, root %s", leaf.DNSNames, chain[len(chain)-1].Subject)
			}
			hsts := resp.Header.Get("Strict-Transport-Security")
			if v.hsts != (hsts != "") {
				t.Errorf("HSTS %q, want set=%v", hsts, v.hsts)
			}
		})
	}
}

func TestHTTPSRefusesUnknownNames(t *testing.T) {
	l := webLab(t)
	for _, name := range []string{HostNoHTTPS, "www.example.com", ""} {
		conn, err := tls.Dial("tcp", l.HTTPSAddr, &tls.Config{ServerName: name, RootCAs: l.CA.Pool(), InsecureSkipVerify: name == ""})
		if err == nil {
			conn.Close()
			t.Errorf("TLS handshake for %q succeeded", name)
		}
	}
	// A known name in SNI, another in Host: misdirected.
	conn, err := tls.Dial("tcp", l.HTTPSAddr, &tls.Config{ServerName: HostClean, RootCAs: l.CA.Pool(), NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", HostFounding)
	b, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(b), "HTTP/1.1 421") {
		t.Errorf("SNI %s with Host %s answered %.40q, want 421", HostClean, HostFounding, b)
	}
}

func TestHTTPRedirects(t *testing.T) {
	l := webLab(t)
	c := labClient(l)
	for _, tt := range []struct {
		url, location string
		status        int
	}{
		{"http://" + HostFounding + "/legal?x=1", "https://" + HostFounding + "/legal?x=1", http.StatusMovedPermanently},
		{"http://" + HostClean + "/", "https://" + HostClean + "/", http.StatusMovedPermanently},
		{"http://" + HostRejectIgnored + "/", "https://" + HostRejectIgnored + "/", http.StatusMovedPermanently},
		{"http://" + HostNoHTTPS + "/", "", http.StatusOK},
		{"http://unknown.test/", "", http.StatusNotFound},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		var resp *http.Response
		if req.URL.Hostname() == "unknown.test" {
			// Not a lab host: straight to the lab's HTTP server.
			req.URL.Host, req.Host = l.HTTPAddr, "unknown.test"
			resp, err = http.DefaultTransport.RoundTrip(req)
		} else {
			resp, err = c.Do(req)
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
			t.Errorf("%s: %d %q, want %d %q", tt.url, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
		}
		if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("%s: HSTS over plain HTTP: %q", tt.url, h)
		}
	}
}

func TestRequestLog(t *testing.T) {
	l := webLab(t)
	c := labClient(l)
	q := "log=" + randomID(8) // this run's requests only
	fetch(t, c, http.MethodGet, "https://"+HostFounding+"/legal?"+q)
	fetch(t, c, http.MethodPost, "https://"+HostFounding+"/participer?"+q)
	fetch(t, c, http.MethodGet, "http://"+HostNoHTTPS+"/?"+q)
	var got []string
	for _, r := range l.Requests() {
		if r.Query == q {
			if r.Time.IsZero() {
				t.Errorf("request without time: %+v", r)
			}
			got = append(got, r.Scheme+" "+r.Method+" "+r.Host+r.Path)
		}
	}
	want := []string{
		"https GET " + HostFounding + "/legal",
		"https POST " + HostFounding + "/participer",
		"http GET " + HostNoHTTPS + "/",
	}
	if !slices.Equal(got, want) {
		t.Errorf("log = %q, want %q", got, want)
	}
}

func TestScenarioPagesServed(t *testing.T) {
	l := webLab(t)
	c := labClient(l)
	hosts := vhosts()
	served := 0
	for _, s := range Sites() {
		u, err := url.Parse(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := hosts[u.Hostname()]; !ok {
			continue // a DNS-only scenario
		}
		served++
		resp, body := fetch(t, c, http.MethodGet, s.URL)
		if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(body), "<!doctype html>") {
			t.Errorf("%s %s: %d %.100q", s.Name, s.URL, resp.StatusCode, body)
		}
	}
	if served < 5 {
		t.Errorf("%d scenarios with web pages, want the founding, clean, reject-ignored, cloaking and no-https ones", served)
	}
}

func TestDialOverride(t *testing.T) {
	l := webLab(t)
	m := l.DialOverride()
	for host := range vhosts() {
		if m[host+":443"] != l.HTTPSAddr || m[host+":80"] != l.HTTPAddr {
			t.Errorf("%s: %q %q", host, m[host+":443"], m[host+":80"])
		}
	}
	// Every name of the zone with an address is covered, so that nothing
	// dials a documentation address.
	for _, name := range []string{"proxy-fallback." + VendorDomain, "www." + CityDomain, HostCloakedTarget, "mailgate." + CityDomain} {
		if m[name+":443"] == "" {
			t.Errorf("%s not overridden", name)
		}
	}
	if m[HostTarpit+":443"] != l.TarpitAddr || m[HostTarpit+":80"] != l.TarpitAddr {
		t.Errorf("the tarpit is not overridden to %s", l.TarpitAddr)
	}
	for k, v := range m {
		if v != l.HTTPSAddr && v != l.HTTPAddr && v != l.TarpitAddr {
			t.Errorf("%s → %s: not a lab server", k, v)
		}
	}
}

func TestCAFile(t *testing.T) {
	l, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(l.CACertFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || string(data) != string(l.CACertPEM) {
		t.Fatalf("CA file holds %.60q", data)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA || !ca.Equal(l.CA.Cert) {
		t.Fatalf("CA file: %v %+v", err, ca.Subject)
	}
	// Another lab has another CA: certificates do not cross.
	other := webLab(t)
	if other.CA.Cert.Equal(l.CA.Cert) || other.CA.SPKIHash() == l.CA.SPKIHash() {
		t.Error("two labs share a CA")
	}
	leaf, err := other.CA.Certificate(HostFounding)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: HostFounding, Roots: l.CA.Pool()}); err == nil {
		t.Error("a certificate of one lab verifies with another lab's CA")
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: HostFounding, Roots: other.CA.Pool()}); err != nil {
		t.Errorf("leaf does not verify with its own CA: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.CACertFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CA file left after Close: %v", err)
	}
}

func TestCACertificateOnlyForLabHosts(t *testing.T) {
	ca, err := NewCA([]string{"a.test", "B.Test."})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host string
		ok   bool
	}{{"a.test", true}, {"b.test", true}, {"A.TEST.", true}, {"c.test", false}, {"", false}, {"test", false}} {
		c, err := ca.Certificate(tt.host)
		if (err == nil) != tt.ok {
			t.Errorf("Certificate(%q): %v, want ok=%v", tt.host, err, tt.ok)
		}
		if err == nil && len(c.Certificate) != 2 {
			t.Errorf("Certificate(%q): chain of %d, want leaf and CA", tt.host, len(c.Certificate))
		}
	}
	a1, _ := ca.Certificate("a.test")
	a2, _ := ca.Certificate("a.test")
	if a1 != a2 {
		t.Error("certificate not cached")
	}
}

// pageRequest answers one request with a lab web server of the given mode,
// without the network.
func pageRequest(s *webServer, method, host, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "https://"+host+path, nil)
	w := httptest.NewRecorder()
	s.serveHTTPS(w, r)
	return w
}

func TestPagesBothModes(t *testing.T) {
	pages := map[string][]string{
		HostFounding:      {"/", "/legal", "/cookies", "/en/legal", "/projets", "/static/portal.js", "/sw.js", "/static/stats-worker.js"},
		HostClean:         {"/", "/mentions-legales", "/politique-de-confidentialite", "/cookies-page", "/en/legal-notice", "/de/impressum", "/de/datenschutz", "/matomo.js", "/static/consent.js"},
		HostCity:          {"/", "/mentions-legales", "/de/impressum"},
		HostSurveys:       {"/index.php/123456", "/index.php/234567", "/index.php/345678"},
		HostDecidim:       {DecidimPath, "/users/sign_in"},
		HostRejectIgnored: {"/", "/resultats", "/legal", "/static/trackers.js", "/static/consent.js"},
		HostVideo:         {"/embed/" + VideoID},
	}
	libs, libsErr := ConsentLibsDir()
	for _, mode := range []struct {
		name string
		dir  string
	}{{"fallback", ""}, {"libraries", libs}} {
		if mode.name == "libraries" && libsErr != nil {
			t.Logf("consent libraries not installed, their mode not tested: %v", libsErr)
			continue
		}
		s := &webServer{hosts: vhosts(), libsDir: mode.dir}
		for host, paths := range pages {
			for _, p := range paths {
				w := pageRequest(s, http.MethodGet, host, p)
				if w.Code != http.StatusOK {
					t.Errorf("%s %s%s: %d %s", mode.name, host, p, w.Code, w.Body)
				}
			}
		}
		// The banners: real libraries, or the marked fallback.
		for host, want := range map[string]string{
			HostFounding:      "/vendor/tarteaucitron/tarteaucitron.js",
			HostClean:         "/vendor/cookieconsent/cookieconsent.umd.js",
			HostRejectIgnored: "/vendor/cookieconsent/cookieconsent.umd.js",
		} {
			body := pageRequest(s, http.MethodGet, host, "/").Body.String()
			hasLib, hasFallback := strings.Contains(body, want), strings.Contains(body, "/lab/fallback-banner.js")
			if hasLib != (mode.dir != "") || hasFallback != (mode.dir == "") {
				t.Errorf("%s %s: library %v, fallback %v", mode.name, host, hasLib, hasFallback)
			}
		}
		fb := pageRequest(s, http.MethodGet, HostClean, "/lab/fallback-banner.js")
		if fb.Code != http.StatusOK || !strings.Contains(fb.Body.String(), "NOT A REAL CONSENT LIBRARY") {
			t.Errorf("%s: fallback banner: %d", mode.name, fb.Code)
		}
	}
}

func TestFoundingPageBeforeConsent(t *testing.T) {
	s := &webServer{hosts: vhosts()}
	w := pageRequest(s, http.MethodGet, HostFounding, "/")
	body := w.Body.String()
	// The analytics tag and the fonts are in the page itself, not behind the banner.
	head := body[:strings.Index(body, "</head>")]
	for _, want := range []string{
		"https://" + HostTagManager + "/gtag/js?id=" + AnalyticsID,
		"https://" + HostFonts + "/css2",
		"https://" + HostVendorCDN + "/",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("founding page head lacks %s", want)
		}
	}
	if !strings.Contains(body, "https://"+HostVideo+"/embed/"+VideoID) || !strings.Contains(body, `action="/participer"`) {
		t.Error("founding page lacks the video iframe or the participation form")
	}
	var session bool
	for _, c := range w.Result().Cookies() {
		session = session || (c.Name == "PHPSESSID" && c.HttpOnly && c.Secure && c.MaxAge == 0)
	}
	if !session || w.Header().Get("Strict-Transport-Security") == "" {
		t.Errorf("founding page: session cookie %v, HSTS %q", session, w.Header().Get("Strict-Transport-Security"))
	}
	// The tag's code sets the GA cookies itself and beacons the collector.
	js := pageRequest(s, http.MethodGet, HostTagManager, "/gtag/js?id="+AnalyticsID)
	for _, want := range []string{"'_ga='", "'_gid=", "https://" + HostAnalytics + "/g/collect"} {
		if !strings.Contains(js.Body.String(), want) {
			t.Errorf("gtag.js lacks %s", want)
		}
	}
	if ct := js.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("gtag.js content type %q", ct)
	}
}

func TestThirdPartyCookies(t *testing.T) {
	s := &webServer{hosts: vhosts()}
	for _, tt := range []struct {
		host, path, cookie, domain string
		maxAge                     int
	}{
		{HostVideo, "/embed/" + VideoID, "VISITOR_INFO1_LIVE", "youtube.com", 180 * 24 * 3600},
		{HostAds, "/pagead/id", "IDE", "doubleclick.net", 390 * 24 * 3600},
		{HostCloaked, "/col/hit", "etuix", CityDomain, 400 * 24 * 3600},
	} {
		w := pageRequest(s, http.MethodGet, tt.host, tt.path)
		var found bool
		for _, c := range w.Result().Cookies() {
			if c.Name == tt.cookie {
				found = true
				if c.Domain != tt.domain || c.MaxAge != tt.maxAge || !c.Secure {
					t.Errorf("%s: %+v", tt.cookie, c)
				}
			}
		}
		if !found {
			t.Errorf("%s%s sets no %s", tt.host, tt.path, tt.cookie)
		}
	}
	// Under its own name, the tracker sets no first-party cookie.
	w := pageRequest(s, http.MethodGet, HostCloakedTarget, "/col/hit")
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("%s sets cookies: %v", HostCloakedTarget, w.Result().Cookies())
	}
}

func TestConsentLibrariesServed(t *testing.T) {
	dir := RequireConsentLibs(t)
	s := &webServer{hosts: vhosts(), libsDir: dir}
	for _, tt := range []struct {
		host, path, want string
		status           int
	}{
		{HostFounding, "/vendor/tarteaucitron/tarteaucitron.js", `"version": "1.34.0"`, 200},
		{HostFounding, "/vendor/tarteaucitron/lang/tarteaucitron.fr.js", "Tout refuser", 200},
		{HostFounding, "/vendor/tarteaucitron/css/tarteaucitron.css", "#tarteaucitronRoot", 200},
		{HostClean, "/vendor/cookieconsent/cookieconsent.umd.js", "CookieConsent", 200},
		{HostClean, "/vendor/cookieconsent/cookieconsent.css", "#cc-main", 200},
		// Each library on its own sites, confined to its directory.
		{HostClean, "/vendor/tarteaucitron/tarteaucitron.js", "", 404},
		{HostFounding, "/vendor/tarteaucitron/../vanilla-cookieconsent/package.json", "", 404},
		{HostFounding, "/vendor/tarteaucitron/", "", 404},
		{HostClean, "/vendor/cookieconsent/../package.json", "", 404},
	} {
		w := pageRequest(s, http.MethodGet, tt.host, tt.path)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%s%s: %d, want %d with %q", tt.host, tt.path, w.Code, tt.status, tt.want)
		}
	}
}

func TestConsentLibsPinned(t *testing.T) {
	root, err := consentLibsRoot()
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(root + "/package.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range []string{LibTarteaucitron, LibCookieConsent} {
		if !strings.Contains(string(pkg), `"`+lib+`"`) {
			t.Errorf("package.json does not list %s", lib)
		}
	}
	// A missing installation is reported as such, not served.
	empty := t.TempDir()
	lock, _ := os.ReadFile(root + "/package-lock.json")
	if err := os.WriteFile(empty+"/package-lock.json", lock, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := consentLibsInstalled(empty); err == nil {
		t.Error("an empty directory passes for installed libraries")
	}
}

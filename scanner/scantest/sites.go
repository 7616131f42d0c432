package scantest

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// The lab's web hosts. Each is in the lab's DNS (webRecords) and served by
// the lab's HTTPS and HTTP servers through the dial override.
const (
	// HostFounding is the founding case's portal (CNAME to the vendor's
	// host on a US CDN): Google-Analytics-like tag and third-party fonts
	// before consent, a tarteaucitron banner styled to push "accept".
	HostFounding = "jeparticipe." + CityDomain
	// HostClean is the clean town's portal: first-party only, self-hosted
	// Matomo-like measurement, a vanilla-cookieconsent banner with equal
	// buttons.
	HostClean = "participez." + CleanDomain
	// HostRejectIgnored is a city site whose banner (vanilla-cookieconsent)
	// loads the trackers whatever the choice, "reject" included.
	HostRejectIgnored = "concertation." + CityDomain
	// HostCloaked is a first-party name that is a CNAME to a tracker's host
	// (HostCloakedTarget, Eulerian's domain, category analytics).
	HostCloaked = "metrics." + CityDomain
	// HostCloakedTarget is the tracker host HostCloaked points to.
	HostCloakedTarget = "ville-exemple.eulerian.net"
	// HostNoHTTPS is an old city site served over plain HTTP only: no
	// redirect, no HSTS, and no certificate for it over HTTPS.
	HostNoHTTPS = "vieux." + CityDomain
	// HostVendorCDN is the platform vendor's script CDN (CDN-fronted).
	HostVendorCDN = "cdn." + VendorDomain
	// HostTagManager, HostAnalytics, HostFonts, HostFontFiles, HostVideo
	// and HostAds are lab stand-ins for Google's hosts, on the lab's
	// "Google" network (192.0.2.0/25: Google LLC, US, in the lab's RDAP).
	HostTagManager = "www.googletagmanager.com"
	HostAnalytics  = "www.google-analytics.com"
	HostFonts      = "fonts.googleapis.com"
	HostFontFiles  = "fonts.gstatic.com"
	HostVideo      = "www.youtube.com"
	HostAds        = "googleads.g.doubleclick.net"
	// HostCity is the city's own site, whose legal notice (French and
	// German) names no hoster.
	HostCity = "www." + CityDomain
	// HostSurveys is the town's LimeSurvey-like survey host: an open
	// survey (the founding case's), a token-protected one and one behind
	// LimeSurvey's captcha. It answers 405 to any method but GET and HEAD.
	HostSurveys = "enquetes." + CityDomain
	// HostDecidim is a Decidim-like participatory-process portal, whose
	// survey needs an account. It answers 405 to any method but GET and HEAD.
	HostDecidim = "budget." + CityDomain
	// HostLateTags is a React-like single-page consultation: it renders
	// after its own API call, then shows a react-cookie-consent banner
	// that never says "cookie" ("Avec votre accord … accepter ou
	// refuser"); its tag manager injects the analytics tag by a timer
	// 2.8 s after navigation, and an advertising tag fires when the
	// footer scrolls into view — both before any choice.
	HostLateTags = "consultation." + CityDomain
	// HostRejectReload is a city agenda whose banner (vanilla-cookieconsent)
	// stores the refusal, but whose embedded video player is hard-coded:
	// it loads again, with its cookies, on every page view after "reject".
	HostRejectReload = "agenda." + CityDomain
	// HostDialog is a city page that greets the visitor with an alert()
	// before setting a 2-year analytics cookie, without banner.
	HostDialog = "accueil." + CityDomain
	// HostWebRTC is a page opening a WebRTC peer connection whose STUN and
	// TURN servers are the lab's UDP canary (Lab.UDPCanary).
	HostWebRTC = "visio." + CityDomain
	// HostBanners serves one page per consent banner the detection must
	// find (BannerPages) and a notification prompt it must not take for one.
	HostBanners = "bandeaux." + CityDomain
	// HostSourcepoint is a lab stand-in for Sourcepoint's message host:
	// the banner of BannerSourcepoint lives in a cross-origin iframe there.
	HostSourcepoint = "cdn.privacy-mgmt.com"
)

// The consent-banner pages of HostBanners, by library or case. The
// library pages are built with the real npm packages (ConsentLibsDir);
// Usercentrics and Sourcepoint publish no usable UI package (their UI is
// served by their CDN, from their servers' settings), so theirs are
// replicas of their published markup, marked as such in the page.
const (
	BannerReactCookieConsent = "/react-cookie-consent"
	BannerOsano              = "/osano"
	BannerOrejime            = "/orejime"
	BannerC15t               = "/c15t"
	BannerUsercentrics       = "/usercentrics"
	BannerSourcepoint        = "/sourcepoint"
	// BannerNoCookieFR, DE and EN are hand-made banners that never say
	// "cookie", rendered by script after load: only their structure (a
	// fixed element holding accept and refuse controls) tells.
	BannerNoCookieFR = "/sans-cookie"
	BannerNoCookieDE = "/ohne-cookie"
	BannerNoCookieEN = "/without-cookie"
	// BannerShadow is a hand-made banner inside an open shadow root.
	BannerShadow = "/shadow"
	// BannerNotification is a push-notification prompt ("Autoriser /
	// Non merci"): not a consent banner.
	BannerNotification = "/notification"
)

// The survey lab's pages (on HostSurveys and HostDecidim).
const (
	// SurveyOpenPath is the open LimeSurvey 3.28.64 survey: no token, no captcha.
	SurveyOpenPath = "/index.php/123456?lang=fr"
	// SurveyTokenPath is the LimeSurvey 6 closed-access survey (token gate).
	SurveyTokenPath = "/index.php/234567?lang=fr"
	// SurveyCaptchaPath is the LimeSurvey survey behind its own captcha.
	SurveyCaptchaPath = "/index.php/345678?lang=fr"
	// DecidimPath is the Decidim 0.27.6 participatory process.
	DecidimPath = "/processes/budget-2026"
)

// Lab identifiers the pages use, for tests to look for.
const (
	// AnalyticsID is the founding portal's measurement ID (gtag).
	AnalyticsID = "G-LAB0000001"
	// AnalyticsIDRejectIgnored is the reject-ignoring site's.
	AnalyticsIDRejectIgnored = "G-LAB0000002"
	// VideoID is the video embedded (cross-site iframe) in the founding portal.
	VideoID = "labVideo01"
)

// webRecords returns the DNS records of the lab's web world: CDN-fronted
// names on 198.51.100.0/24, the Google-like hosts on 192.0.2.0/25, the
// French hoster's on 203.0.113.0/25, and the cloaking CNAME.
func webRecords() []Record {
	return append([]Record{
		A(HostRejectIgnored, "203.0.113.20"),
		A(HostNoHTTPS, "203.0.113.21"),
		CNAME(HostCloaked, HostCloakedTarget),
		A(HostCloakedTarget, "203.0.113.60"),
		A(HostVendorCDN, "198.51.100.19"),
		AAAA(HostVendorCDN, "2001:db8:cf::19"),
		A(HostTagManager, "192.0.2.10"),
		A(HostAnalytics, "192.0.2.11"),
		A(HostFonts, "192.0.2.12"),
		A(HostFontFiles, "192.0.2.13"),
		A(HostVideo, "192.0.2.14"),
		A(HostAds, "192.0.2.15"),
		A(HostSurveys, "203.0.113.22"),
		A(HostDecidim, "203.0.113.23"),
		A(HostLateTags, "203.0.113.24"),
		A(HostRejectReload, "203.0.113.25"),
		A(HostDialog, "203.0.113.26"),
		A(HostWebRTC, "203.0.113.27"),
		A(HostBanners, "203.0.113.28"),
		A(HostSourcepoint, "198.51.100.30"),
	}, append(trapRecords(), companyRecords()...)...)
}

// vhost is one web host of the lab.
type vhost struct {
	// https: served over HTTPS with a certificate from the lab's CA.
	https bool
	// plain: answered over plain HTTP; otherwise plain HTTP redirects to HTTPS.
	plain bool
	// hsts: Strict-Transport-Security on HTTPS answers.
	hsts bool
	// libs maps a URL prefix to a directory under node_modules served there.
	libs map[string]string
	// dynamic answers the paths that are not static pages; it reports
	// whether it answered.
	dynamic func(s *webServer, w http.ResponseWriter, r *http.Request) bool
}

// hstsValue is the lab's HSTS header: one year, subdomains.
const hstsValue = "max-age=31536000; includeSubDomains"

// vhosts returns the lab's web hosts by name.
func vhosts() map[string]vhost {
	tarteaucitron := map[string]string{"/vendor/tarteaucitron/": LibTarteaucitron}
	cookieconsent := map[string]string{"/vendor/cookieconsent/": LibCookieConsent + "/dist"}
	banners := map[string]string{
		"/vendor/cookieconsent/": LibCookieConsent + "/dist",
		"/vendor/osano/":         LibOsano + "/build",
		"/vendor/orejime/":       LibOrejime + "/dist",
		"/vendor/c15t/":          LibC15t,
		"/vendor/build/":         LibBuild,
	}
	hosts := map[string]vhost{
		HostFounding:      {https: true, hsts: true, libs: tarteaucitron, dynamic: foundingDynamic},
		HostClean:         {https: true, hsts: true, libs: cookieconsent, dynamic: cleanDynamic},
		HostRejectIgnored: {https: true, hsts: true, libs: cookieconsent},
		HostCloaked:       {https: true, dynamic: trackerDynamic},
		HostCloakedTarget: {https: true, dynamic: trackerDynamic},
		HostNoHTTPS:       {plain: true, dynamic: oldSiteDynamic},
		HostVendorCDN:     {https: true},
		HostTagManager:    {https: true, dynamic: tagManagerDynamic},
		HostAnalytics:     {https: true, dynamic: analyticsDynamic},
		HostFonts:         {https: true, dynamic: fontsDynamic},
		HostFontFiles:     {https: true, dynamic: fontFilesDynamic},
		HostVideo:         {https: true, dynamic: videoDynamic},
		HostAds:           {https: true, dynamic: adsDynamic},
		HostCity:          {https: true, hsts: true},
		HostSurveys:       {https: true, hsts: true, dynamic: surveysDynamic},
		HostDecidim:       {https: true, hsts: true, dynamic: decidimDynamic},
		HostLateTags:      {https: true, hsts: true, libs: map[string]string{"/vendor/build/": LibBuild}, dynamic: lateTagsDynamic},
		HostRejectReload:  {https: true, hsts: true, libs: cookieconsent},
		HostDialog:        {https: true, hsts: true},
		HostWebRTC:        {https: true, hsts: true},
		HostBanners:       {https: true, hsts: true, libs: banners},
		HostSourcepoint:   {https: true},
	}
	maps.Copy(hosts, trapHosts())
	maps.Copy(hosts, batchVhosts())
	maps.Copy(hosts, companyVhosts())
	return hosts
}

//go:embed pages
var pagesFS embed.FS

// Page returns a copy of the lab's page file pages/<host>/<name> as it is
// embedded (name is the file's slash-separated path under its host's
// directory, such as "legal.html" or "en/legal.html"). It is for tests that
// read the pages the lab serves: those of the hosts' static pages that hold
// no template action are served byte for byte. It reports an error if there
// is no such file.
func Page(host, name string) ([]byte, error) {
	return fs.ReadFile(pagesFS, "pages/"+host+"/"+name)
}

// pageData is what the pages' templates see.
type pageData struct {
	// Libs is set when the real consent libraries are served; otherwise
	// the pages use the lab's marked in-house fallback banner.
	Libs bool
	// Host is the host the page is served for.
	Host string
	// Canary is the lab's UDP canary ("127.0.0.1:port"), which must hear
	// nothing from a scan.
	Canary string
}

// serveStatic answers a static page of host from pages/<host>/ ("/" is
// index.html, an extensionless path names an .html file), rendering .html
// files as templates; the lab's fallback banner (/lab/…) is shared by every
// host. It reports whether a file was found.
func (s *webServer) serveStatic(w http.ResponseWriter, r *http.Request, host string) bool {
	p := path.Clean("/" + r.URL.Path)
	switch {
	case p == "/":
		p = "/index.html"
	case path.Ext(p) == "":
		p += ".html"
	}
	name := "pages/" + host + p
	if strings.HasPrefix(p, "/lab/") {
		name = "pages/lab-shared" + p
	}
	data, err := fs.ReadFile(pagesFS, name)
	if err != nil {
		return false
	}
	ext := path.Ext(p)
	if ext == ".html" {
		t, err := template.New(name).Parse(string(data))
		if err != nil {
			http.Error(w, "lab page template: "+err.Error(), http.StatusInternalServerError)
			return true
		}
		var b bytes.Buffer
		if err := t.Execute(&b, pageData{Libs: s.libsDir != "", Host: host, Canary: s.canary}); err != nil {
			http.Error(w, "lab page template: "+err.Error(), http.StatusInternalServerError)
			return true
		}
		data = b.Bytes()
	}
	w.Header().Set("Content-Type", contentType(ext))
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
	return true
}

// serveFile answers r with the static file path of host's pages.
func (s *webServer) serveFile(w http.ResponseWriter, r *http.Request, host, path string) bool {
	r2 := r.Clone(r.Context())
	r2.URL.Path = path
	return s.serveStatic(w, r2, host)
}

// contentType returns the media type of a file extension.
func contentType(ext string) string {
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// serveLib answers a file of a consent library from node_modules, confined
// to the library's directory. It reports whether the path was a library's.
func (s *webServer) serveLib(w http.ResponseWriter, r *http.Request, libs map[string]string) bool {
	for prefix, dir := range libs {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			continue
		}
		if s.libsDir == "" {
			http.Error(w, "consent libraries not installed in this lab (see scantest.ConsentLibsDir)", http.StatusNotFound)
			return true
		}
		root, err := os.OpenRoot(filepath.Join(s.libsDir, filepath.FromSlash(dir)))
		if err != nil {
			http.Error(w, "lab: "+err.Error(), http.StatusNotFound)
			return true
		}
		defer root.Close()
		f, err := root.Open(filepath.FromSlash(path.Clean("/" + rest))[1:])
		if err != nil {
			http.NotFound(w, r)
			return true
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return true
		}
		w.Header().Set("Content-Type", contentType(path.Ext(rest)))
		http.ServeContent(w, r, "", st.ModTime(), f)
		return true
	}
	return false
}

// randomID returns n random bytes in hex, for cookie values.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// noContent answers a beacon: 204, readable cross-origin.
func noContent(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	w.WriteHeader(http.StatusNoContent)
}

// foundingDynamic: the portal's session cookie (strictly necessary), the
// cookie page's former address, and the participation form's target, which
// a scan must never post to.
func foundingDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/":
		http.SetCookie(w, &http.Cookie{Name: "PHPSESSID", Value: randomID(16), Path: "/",
			Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	case "/participer":
		if r.Method != http.MethodPost {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return true
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Merci</title><p>Votre participation est enregistrée.</p>")
		return true
	case "/cookies-page":
		// The cookie page's former address.
		http.Redirect(w, r, "/cookies", http.StatusMovedPermanently)
		return true
	case "/sw-precache.json":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"precached":["/static/portal.css"]}`)
		return true
	}
	return false
}

// cleanDynamic: the self-hosted Matomo-like tracker's hit endpoint.
func cleanDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == "/matomo.php" {
		noContent(w, r)
		return true
	}
	return false
}

// trackerDynamic: the CNAME-cloaked tracker's tag, the same under both
// names, and its hit, which sets a long-lived cookie on the first party's
// registrable domain.
func trackerDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == "/col/ea.js" {
		return s.serveFile(w, r, HostCloakedTarget, "/col/ea.js")
	}
	if r.URL.Path != "/col/hit" {
		return false
	}
	if host := requestHost(r); host == HostCloaked {
		http.SetCookie(w, &http.Cookie{Name: "etuix", Value: randomID(12), Domain: CityDomain, Path: "/",
			MaxAge: 400 * 24 * 3600, Secure: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "image/gif")
	_, _ = w.Write(pixelGIF)
	return true
}

// pixelGIF is a transparent 1×1 GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// oldSiteDynamic: the old site's contact form target.
func oldSiteDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == "/contact" && r.Method == http.MethodPost {
		fmt.Fprint(w, "<!doctype html><title>Envoyé</title><p>Message envoyé.</p>")
		return true
	}
	return false
}

// analyticsDynamic: the analytics collection endpoint (GA4's /g/collect).
func analyticsDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == "/g/collect" {
		noContent(w, r)
		return true
	}
	return false
}

// fontsDynamic: the fonts stylesheet, whatever the query.
func fontsDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/css2" && r.URL.Path != "/css" {
		return false
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fmt.Fprintf(w, `/* lab stand-in for a third-party font stylesheet */
@font-face {
  font-family: 'Marianne';
  font-style: normal;
  font-weight: 400;
  font-display: swap;
  src: url(https://%s/s/marianne/v1/marianne-regular.woff2) format('woff2');
}
@font-face {
  font-family: 'Marianne';
  font-style: normal;
  font-weight: 700;
  font-display: swap;
  src: url(https://%s/s/marianne/v1/marianne-bold.woff2) format('woff2');
}
`, HostFontFiles, HostFontFiles)
	return true
}

// fontFilesDynamic: font files (placeholder bytes: the request is what
// matters; the browser falls back to another font).
func fontFilesDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/s/") {
		return false
	}
	w.Header().Set("Content-Type", "font/woff2")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=31536000")
	fmt.Fprint(w, "wOF2 vigie lab placeholder font")
	return true
}

// videoDynamic: the video player embedded as a cross-site iframe; it sets
// its own third-party cookies and calls an advertising tracker.
func videoDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/stats/") {
		noContent(w, r)
		return true
	}
	if !strings.HasPrefix(r.URL.Path, "/embed/") {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: "YSC", Value: randomID(8), Domain: "youtube.com", Path: "/",
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
	http.SetCookie(w, &http.Cookie{Name: "VISITOR_INFO1_LIVE", Value: randomID(8), Domain: "youtube.com", Path: "/",
		MaxAge: 180 * 24 * 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
	return s.serveFile(w, r, HostVideo, "/embed/index.html")
}

// tagManagerDynamic: the analytics tag (gtag.js), whatever its ID.
func tagManagerDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/gtag/js" {
		return false
	}
	return s.serveFile(w, r, HostTagManager, "/gtag.js")
}

// adsDynamic: the advertising tracker the video player calls; it sets IDE.
func adsDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/pagead/id" {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: "IDE", Value: randomID(16), Domain: "doubleclick.net", Path: "/",
		MaxAge: 390 * 24 * 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"%s","ts":%d}`, randomID(6), time.Now().Unix())
	return true
}

// lateTagsDynamic: the single-page app's API (answered after 300 ms, as
// a real back end is not instant) and its client-side routes, which all
// serve the app's page.
func lateTagsDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.URL.Path == "/api/projets":
		select {
		case <-time.After(300 * time.Millisecond):
		case <-r.Context().Done():
			return true
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[{"id":"velo","titre":"Plan vélo"},{"id":"ecoles","titre":"Cours d'écoles végétalisées"},{"id":"marche","titre":"Halle du marché"}]`)
		return true
	case strings.HasPrefix(r.URL.Path, "/projets/"):
		return s.serveFile(w, r, HostLateTags, "/index.html")
	}
	return false
}

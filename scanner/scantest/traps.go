package scantest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// The lab's hosts for hostile and unusual networks: a silent server, a
// site whose legal pages and assets sit on it, a site padding its headers,
// a redirect into a private network, and an internationalised name.
const (
	// HostTarpit accepts connections on 443 and 80 and never answers
	// (Lab.TarpitAddr): a silent server, which must cost each load its own
	// budget, not the whole scan.
	HostTarpit = "lent." + CityDomain
	// HostSlowAssets is a city page whose images, script and legal pages
	// are all on HostTarpit.
	HostSlowAssets = "ralenti." + CityDomain
	// HostPadded is an old site served over plain HTTP whose home page
	// pads its response headers past 64 KiB (within Chromium's 256 KiB)
	// and sets a 13-month _ga cookie: padding must not hide a tracker.
	// Its PathPrivateRedirect redirects into a private network.
	HostPadded = "entetes." + CityDomain
	// PathPrivateRedirect is HostPadded's page that redirects to
	// PrivateRedirectTarget, which no loader may follow.
	PathPrivateRedirect = "/intranet"
	// PrivateRedirectTarget is where PathPrivateRedirect points: a private
	// address.
	PrivateRedirectTarget = "http://10.0.0.1/admin"
	// PaddedHeaderBytes is about how many bytes of headers HostPadded's
	// home page sends.
	PaddedHeaderBytes = 100 << 10
	// HostChallenged is a portal behind a bot-protection edge that
	// answers every path, the browser's included, with the edge's
	// challenge page (HTTP 403, "Just a moment...", Cf-Mitigated:
	// challenge) that never lets the visitor through: a scan sees the
	// edge, not the site, and must say so rather than judge it.
	HostChallenged = "guichet." + CityDomain
	// HostRateLimited is HostRejectReload's agenda behind an edge that
	// rate-limits its home page per visitor: the first load sets a session
	// cookie, and a request for the home page carrying it is answered 429
	// — so the page reloaded after a choice is an error page, not the
	// page.
	HostRateLimited = "inscriptions." + CityDomain
	// HostStaleLink is HostRejectReload's agenda after a redesign that
	// left a stale link: its first link (/evenements) answers 404, the
	// next (/mentions-legales) is a page — the choice must be judged on a
	// page of the site, not on its "page not found".
	HostStaleLink = "sorties." + CityDomain
	// StaleLinkPath is HostStaleLink's link that answers 404.
	StaleLinkPath = "/evenements"
	// HostDeadLink is the same agenda whose first link (/evenements)
	// redirects to DeadLinkTarget, a plain-HTTP address on a name that no
	// longer exists: vigie's proxy, not the site, answers it. The next link
	// (/mentions-legales) is a page.
	HostDeadLink = "fetes." + CityDomain
	// DeadLinkTarget is where HostDeadLink's first link leads: a name
	// without DNS records.
	DeadLinkTarget = "http://ancien-agenda." + CityDomain + "/evenements"
	// HostVendorRedirect is the city's address of a consultation run on
	// its vendor's platform: it redirects (302) to HostVendorPortal, on the
	// vendor's domain, which serves HostRejectReload's agenda — the site
	// the visitor is on, and the one whose links a reader follows, is the
	// vendor's.
	HostVendorRedirect = "consulter." + CityDomain
	// HostVendorPortal is the city's portal on its vendor's domain.
	HostVendorPortal = "ville-exemple." + VendorDomain
	// HostShortcut is the short address the city prints on its posters,
	// on its own hoster's network: it redirects (301) to the founding
	// portal, whose name is a CNAME to the vendor's proxy on a US CDN. The
	// site is the portal, not the shortcut.
	HostShortcut = "participer." + CityDomain
	// IDNDomain is a town whose name has an accent, in A-labels (the form
	// its zone and certificate hold); IDNDomainUnicode is how people
	// write it.
	IDNDomain        = "xn--mairie-vry-h7a.fr"
	IDNDomainUnicode = "mairie-évry.fr"
)

// trapRecords returns the DNS records of the trap hosts and the
// internationalised domain.
func trapRecords() []Record {
	return []Record{
		A(HostTarpit, "203.0.113.35"),
		A(HostSlowAssets, "203.0.113.36"),
		A(HostPadded, "203.0.113.37"),
		A(HostChallenged, "203.0.113.39"),
		A(HostRateLimited, "203.0.113.40"),
		A(HostStaleLink, "203.0.113.41"),
		A(HostVendorRedirect, "203.0.113.42"),
		A(HostVendorPortal, "203.0.113.43"),
		A(HostShortcut, "203.0.113.44"),
		A(HostDeadLink, "203.0.113.45"),
		A(IDNDomain, "203.0.113.38"),
		A("www."+IDNDomain, "203.0.113.38"),
	}
}

// trapHosts returns the web hosts of the traps (HostTarpit is not one: it
// never answers).
func trapHosts() map[string]vhost {
	return map[string]vhost{
		HostSlowAssets:  {https: true, hsts: true},
		HostPadded:      {plain: true, dynamic: paddedDynamic},
		HostChallenged:  {https: true, dynamic: challengedDynamic},
		HostRateLimited: {https: true, dynamic: rateLimitedDynamic},
		HostStaleLink:   {https: true, hsts: true, dynamic: staleLinkDynamic},
		HostDeadLink:    {https: true, hsts: true, dynamic: staleLinkDynamic},
		HostVendorRedirect: {https: true, dynamic: func(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "https://"+HostVendorPortal+r.URL.RequestURI(), http.StatusFound)
			return true
		}},
		HostVendorPortal: {https: true, hsts: true, dynamic: aliasOf(HostRejectReload)},
		HostShortcut: {https: true, dynamic: func(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "https://"+HostFounding+r.URL.RequestURI(), http.StatusMovedPermanently)
			return true
		}},
		IDNDomain: {https: true, hsts: true},
	}
}

// paddedDynamic: the padded home page, and the redirect into a private
// network.
func paddedDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/":
		pad := strings.Repeat("p", 4000)
		for i := range PaddedHeaderBytes / 4000 {
			w.Header().Set(fmt.Sprintf("X-Lab-Padding-%02d", i), pad)
		}
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1." + randomID(5), Path: "/", MaxAge: 395 * 24 * 3600})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Entêtes</title></head>
<body><h1>Ville d'Exemple — ancien portail</h1><p>Ses en-têtes de réponse dépassent 64 Kio.</p></body></html>`)
		return true
	case PathPrivateRedirect:
		http.Redirect(w, r, PrivateRedirectTarget, http.StatusFound)
		return true
	}
	return false
}

// tarpit accepts connections and never answers, reading and discarding
// what it is sent, until closed.
type tarpit struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// startTarpit listens on 127.0.0.1 (a random port).
func startTarpit() (*tarpit, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tarpit listen: %w", err)
	}
	t := &tarpit{ln: ln, conns: map[net.Conn]struct{}{}}
	t.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.mu.Lock()
			t.conns[c] = struct{}{}
			t.mu.Unlock()
			t.wg.Go(func() {
				_, _ = io.Copy(io.Discard, c)
				t.mu.Lock()
				delete(t.conns, c)
				t.mu.Unlock()
				_ = c.Close()
			})
		}
	})
	return t, nil
}

// close stops the tarpit and drops its connections.
func (t *tarpit) close() error {
	err := t.ln.Close()
	t.mu.Lock()
	for c := range t.conns {
		_ = c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
	return err
}

// challengedDynamic answers every path of HostChallenged with a
// bot-protection challenge page that never resolves.
func challengedDynamic(_ *webServer, w http.ResponseWriter, _ *http.Request) bool {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cf-Mitigated", "challenge")
	w.Header().Set("Server", "cloudflare")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprint(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Just a moment...</title></head>
<body><h1>guichet.ville-exemple.fr</h1><p>Vérification que vous êtes un humain. Cela peut prendre quelques secondes.</p>
<script>window._cf_chl_opt = {cvId: "3", cType: "managed"};</script></body></html>`)
	return true
}

// rateLimitedCookie is the session cookie HostRateLimited's edge sets.
const rateLimitedCookie = "edge_session"

// rateLimitedDynamic serves HostRejectReload's pages, but answers 429 to
// a request for the home page that carries the edge's session cookie.
func rateLimitedDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == "/" {
		if _, err := r.Cookie(rateLimitedCookie); err == nil {
			w.Header().Set("Retry-After", "60")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintln(w, "Too many requests")
			return true
		}
		http.SetCookie(w, &http.Cookie{Name: rateLimitedCookie, Value: randomID(8), Path: "/", Secure: true, HttpOnly: true})
	}
	return aliasOf(HostRejectReload)(s, w, r)
}

// staleLinkDynamic serves HostRejectReload's pages, but StaleLinkPath
// answers 404 (HostDeadLink: redirects to DeadLinkTarget) and
// /mentions-legales is a page.
func staleLinkDynamic(s *webServer, w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case StaleLinkPath:
		if strings.EqualFold(r.Host, HostDeadLink) {
			http.Redirect(w, r, DeadLinkTarget, http.StatusFound)
			return true
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Page introuvable</title></head>
<body><h1>Page introuvable</h1><p>Cette page n'existe plus.</p><p><a href="/">Retour à l'accueil</a></p></body></html>`)
		return true
	case "/mentions-legales":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mentions légales</title></head>
<body><h1>Mentions légales</h1><p>Éditeur : Ville d'Exemple, hôtel de ville, 1 place de la Mairie.
Directeur de la publication : le maire. Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix, France.</p>
<p><a href="/">Agenda</a></p></body></html>`)
		return true
	}
	return aliasOf(HostRejectReload)(s, w, r)
}

// Package scantest is vigie's lab: a complete test world served on loopback
// for vigie's tests and `vigie demo`. It holds the founding cases and a
// clean, compliant site as scenarios, with documentation address ranges
// only (RFC 5737, RFC 3849), which are never routable: nothing in the lab
// can reach, or be confused with, a real host.
//
// The lab starts with the DNS server; the RDAP, whois, HTTPS and mail
// servers join it as fields of Lab, each started by Start and stopped by
// Close.
package scantest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Lab is a complete, loopback-only test world for vigie's tests and
// `vigie demo`. Start it with Start; Close stops every server.
type Lab struct {
	// DNSAddr is the DNS server's "127.0.0.1:port", UDP and TCP on the same
	// port. It answers from Zone like a (validating) resolver.
	DNSAddr string
	// Zone is the DNS data served; tests may change it while the lab runs.
	Zone *Zone
	// RDAP serves ip, domain, autnum and entity objects for the lab's
	// networks and domains (RDAP.URL is the base URL for --rdap-server).
	RDAP *RDAPServer
	// Whois answers for the same networks in the registries' whois formats
	// (Whois.Addr is the host:port for --whois-server).
	Whois *WhoisServer
	// HTTPSAddr is the "127.0.0.1:port" serving every lab web host over
	// HTTPS, chosen by SNI and Host, with certificates from CA.
	HTTPSAddr string
	// HTTPAddr is the "127.0.0.1:port" serving them over plain HTTP: a
	// redirect to HTTPS, but for the no-HTTPS site (HostNoHTTPS).
	HTTPAddr string
	// CA is the throwaway certification authority made at Start;
	// CACertPEM is its certificate, also written to CACertFile (removed by
	// Close) for --trust-cert.
	CA         *CA
	CACertPEM  []byte
	CACertFile string
	// ConsentLibs is the node_modules directory the consent libraries are
	// served from; "" when they could not be installed, in which case the
	// pages use the lab's marked in-house fallback banner and
	// ConsentLibsError says why.
	ConsentLibs      string
	ConsentLibsError string
	// TarpitAddr is the "127.0.0.1:port" of HostTarpit: it accepts
	// connections and never answers.
	TarpitAddr string
	// UDPCanary is a loopback UDP listener that must hear nothing: the
	// WebRTC page (HostWebRTC) names it as its STUN and TURN server.
	UDPCanary *UDPCanary

	dns *dnsServer
	web *webServer
	// closers stop what Start started, run in reverse order by Close.
	closers   []func() error
	closeOnce sync.Once
	closeErr  error
}

// Start starts every lab server on 127.0.0.1 with random ports, serving the
// DefaultZone. ctx bounds the start-up only; the servers run until Close.
// When a server cannot start, those already started are stopped.
func Start(ctx context.Context) (*Lab, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l := &Lab{Zone: DefaultZone()}
	d, err := startDNS(ctx, l.Zone)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lab: %w", err), l.Close())
	}
	l.dns, l.DNSAddr = d, d.addr
	l.closers = append(l.closers, d.close)
	if l.RDAP, err = StartRDAPServer(LabRDAP()); err != nil {
		return nil, errors.Join(fmt.Errorf("lab rdap: %w", err), l.Close())
	}
	l.closers = append(l.closers, l.RDAP.Close)
	if l.Whois, err = StartWhoisServer(LabWhois()); err != nil {
		return nil, errors.Join(fmt.Errorf("lab whois: %w", err), l.Close())
	}
	l.closers = append(l.closers, l.Whois.Close)
	if l.UDPCanary, err = startCanary(); err != nil {
		return nil, errors.Join(fmt.Errorf("lab: %w", err), l.Close())
	}
	l.closers = append(l.closers, l.UDPCanary.Close)
	if err := l.startWeb(); err != nil {
		return nil, errors.Join(fmt.Errorf("lab web: %w", err), l.Close())
	}
	pit, err := startTarpit()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lab: %w", err), l.Close())
	}
	l.closers = append(l.closers, pit.close)
	l.TarpitAddr = pit.ln.Addr().String()
	return l, nil
}

// Close stops every server of the lab and frees their ports. It may be
// called more than once; later calls return the first one's result.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		var errs []error
		for i := len(l.closers) - 1; i >= 0; i-- {
			errs = append(errs, l.closers[i]())
		}
		if err := errors.Join(errs...); err != nil {
			l.closeErr = fmt.Errorf("lab close: %w", err)
		}
	})
	return l.closeErr
}

// DNSQueries returns how many queries for name (any case, trailing dot or
// not) and type the lab's DNS server has received, over UDP and TCP: a
// truncated answer retried over TCP counts twice.
func (l *Lab) DNSQueries(name string, qtype uint16) int {
	if l.dns == nil {
		return 0
	}
	return l.dns.queries(name, qtype)
}

// The lab's domains.
const (
	// CityDomain is the French city whose portal is the founding case; its
	// zone is not signed.
	CityDomain = "ville-exemple.fr"
	// VendorDomain is the participation-platform vendor's.
	VendorDomain = "participation-vendor.com"
	// RelayDomain is the US mail relay the vendor sends through.
	RelayDomain = "mandrillapp.com"
	// CleanDomain is the clean, EU-hosted town's; its zone is signed.
	CleanDomain = "commune-propre.fr"
)

// Scenario names, the Name of the Sites.
const (
	// ScenarioFounding is the founding case: a city portal that is a CNAME
	// to a vendor's host on a US CDN.
	ScenarioFounding = "founding"
	// ScenarioClean is a compliant site hosted by its town's EU hoster.
	ScenarioClean = "clean"
	// ScenarioDangling is a name that is a CNAME to a name that does not exist.
	ScenarioDangling = "dangling-cname"
	// ScenarioLoop is a name whose CNAME chain loops.
	ScenarioLoop = "cname-loop"
	// ScenarioRejectIgnored is a site whose trackers load after "reject" too.
	ScenarioRejectIgnored = "reject-ignored"
	// ScenarioCloaked is a page loading a tracker through a first-party
	// name that is a CNAME to the tracker's host.
	ScenarioCloaked = "cname-cloaking"
	// ScenarioNoHTTPS is a site served over plain HTTP, without redirect
	// or HSTS.
	ScenarioNoHTTPS = "no-https"
	// ScenarioSurveyOpen is the town's school survey on an outdated
	// LimeSurvey: public, no participant token, no captcha.
	ScenarioSurveyOpen = "survey-open"
	// ScenarioSurveyToken is a LimeSurvey survey that needs a
	// per-participant access code (token).
	ScenarioSurveyToken = "survey-token"
	// ScenarioSurveyCaptcha is a LimeSurvey survey behind LimeSurvey's own captcha.
	ScenarioSurveyCaptcha = "survey-captcha"
	// ScenarioDecidim is a participatory process on an outdated Decidim,
	// whose questionnaire needs an account.
	ScenarioDecidim = "decidim"
	// ScenarioNoHoster is the city's own site, whose legal notice names
	// no hoster.
	ScenarioNoHoster = "legal-no-hoster"
	// ScenarioLateTags is a single-page consultation whose tags fire late
	// (a timer, a scroll) and whose banner never says "cookie".
	ScenarioLateTags = "late-tags"
	// ScenarioRejectReload is a site whose embedded player loads again on
	// every page view after "reject".
	ScenarioRejectReload = "reject-reload"
	// ScenarioDialog is a page greeting the visitor with an alert() before
	// setting a tracker cookie, without banner.
	ScenarioDialog = "dialog"
)

// Site is one lab scenario: a site to scan and what it stands for.
type Site struct {
	// Name is the scenario's name, one of the Scenario constants.
	Name string
	// URL is the page to scan.
	URL string
	// Description says what the scenario shows.
	Description string
}

// Sites returns the lab's scenarios, the founding case first.
func Sites() []Site {
	return []Site{
		{Name: ScenarioFounding, URL: "https://jeparticipe." + CityDomain + "/",
			Description: "A city's consultation portal: its name is a CNAME to the platform vendor's host, whose addresses are a US CDN's; the vendor sends the city's mail through a US relay."},
		{Name: ScenarioClean, URL: "https://participez." + CleanDomain + "/",
			Description: "A town's consultation portal hosted in the town's own domain by a French hoster, in a DNSSEC-signed zone."},
		{Name: ScenarioDangling, URL: "https://sondage." + CityDomain + "/",
			Description: "A survey name left as a CNAME to a survey host's name that no longer exists: anyone registering it takes the name over."},
		{Name: ScenarioLoop, URL: "https://boucle." + CityDomain + "/",
			Description: "A name whose CNAME chain points back to itself: it never resolves."},
		{Name: ScenarioRejectIgnored, URL: "https://" + HostRejectIgnored + "/",
			Description: "A city consultation whose banner offers reject as plainly as accept, but whose code loads Google-Analytics-like and Eulerian tags after either choice."},
		{Name: ScenarioCloaked, URL: "https://" + HostRejectIgnored + "/resultats",
			Description: "A page loading \"first-party\" measurement from " + HostCloaked + ", a CNAME to the tracker " + HostCloakedTarget + ", before any choice; its hit sets a 400-day cookie on the city's domain."},
		{Name: ScenarioNoHTTPS, URL: "http://" + HostNoHTTPS + "/",
			Description: "An old city site served over plain HTTP: no redirect to HTTPS, no HSTS, no certificate."},
		{Name: ScenarioSurveyOpen, URL: "https://" + HostSurveys + SurveyOpenPath,
			Description: "A town's school survey on LimeSurvey 3.28 (past its support): public, no participant token, no captcha; only a cookie could stop repeat answers."},
		{Name: ScenarioSurveyToken, URL: "https://" + HostSurveys + SurveyTokenPath,
			Description: "A LimeSurvey 6 closed-access survey: each participant needs an access code (token)."},
		{Name: ScenarioSurveyCaptcha, URL: "https://" + HostSurveys + SurveyCaptchaPath,
			Description: "A LimeSurvey survey behind LimeSurvey's own captcha."},
		{Name: ScenarioDecidim, URL: "https://" + HostDecidim + DecidimPath,
			Description: "A participatory budget on Decidim 0.27 (past its support) whose questionnaire needs an account."},
		{Name: ScenarioNoHoster, URL: "https://" + HostCity + "/",
			Description: "The city's own site: its legal notice, in French and German, names the publisher but no hoster."},
		{Name: ScenarioLateTags, URL: "https://" + HostLateTags + "/",
			Description: "A single-page consultation rendered after its API call: its tag manager injects the analytics tag 2.8 s after navigation and an advertising tag fires on scroll, before any choice; its react-cookie-consent banner says \"Avec votre accord … accepter ou refuser\", never \"cookie\"."},
		{Name: ScenarioRejectReload, URL: "https://" + HostRejectReload + "/",
			Description: "A city agenda whose banner stores the refusal, but whose hard-coded video player loads again, with its cookies, on every page view after \"reject\"."},
		{Name: ScenarioDialog, URL: "https://" + HostDialog + "/",
			Description: "A city page greeting the visitor with an alert() before setting a 2-year analytics cookie, without any banner."},
	}
}

// DefaultZone returns the DNS data of the lab world, recursive:
//
//   - ville-exemple.fr (unsigned): NS, MX (mailgate, mailgate2: the city's
//     own mail servers), SPF, DMARC, CAA at the apex, www; and the
//     scenarios: jeparticipe (founding: CNAME to
//     proxy-fallback.participation-vendor.com, a US CDN's addresses),
//     sondage (dangling CNAME), boucle (CNAME loop), long (a chain of 20
//     CNAMEs), nodata (CNAME to a name without addresses), big (40 TXT
//     records, too big for UDP);
//   - participation-vendor.com (the vendor; unsigned): apex, MX, and
//     track, the bounce domain, a CNAME to mandrillapp.com;
//   - mandrillapp.com: the US mail relay;
//   - commune-propre.fr (signed): participez, a CNAME inside the domain to
//     web, at a French hoster; NS, MX, SPF, DMARC, CAA;
//   - the web world (webRecords in sites.go): concertation, vieux,
//     enquetes and budget (the survey hosts) and metrics (a CNAME to
//     ville-exemple.eulerian.net) in ville-exemple.fr, the vendor's CDN,
//     and Google-like hosts on 192.0.2.0/25.
func DefaultZone() *Zone {
	z := newZone()
	for _, r := range defaultRecords() {
		// The records are constants; TestDefaultRecords checks that each is
		// valid, so that none is silently missing here.
		_ = z.Add(r)
	}
	z.Signed(CleanDomain)
	return z
}

// defaultRecords returns the lab world's records.
func defaultRecords() []Record {
	const city, vendor, relay, clean = CityDomain, VendorDomain, RelayDomain, CleanDomain
	rs := []Record{
		// The city.
		NS(city, "ns1."+city),
		A("ns1."+city, "203.0.113.53"),
		MX(city, 10, "mailgate."+city),
		MX(city, 20, "mailgate2."+city),
		A("mailgate."+city, "203.0.113.130"),
		A("mailgate2."+city, "203.0.113.131"),
		TXT(city, "v=spf1 mx -all"),
		TXT("_dmarc."+city, "v=DMARC1; p=quarantine; rua=mailto:dmarc@"+city),
		CAA(city, 0, "issue", "letsencrypt.org"),
		A("www."+city, "203.0.113.140"),

		// Founding case: the portal is the vendor's host on a US CDN.
		CNAME("jeparticipe."+city, "proxy-fallback."+vendor),
		A("proxy-fallback."+vendor, "198.51.100.17"),
		A("proxy-fallback."+vendor, "198.51.100.18"),
		AAAA("proxy-fallback."+vendor, "2001:db8:cf::11"),
		AAAA("proxy-fallback."+vendor, "2001:db8:cf::12"),

		// Dangling CNAME: the target does not exist.
		CNAME("sondage."+city, "ville-exemple.survey-host-lab.com"),

		// CNAME loop.
		CNAME("boucle."+city, "boucle-b."+city),
		CNAME("boucle-b."+city, "boucle."+city),

		// No address at the end of the chain.
		CNAME("nodata."+city, "empty."+vendor),
		TXT("empty."+vendor, "this name has no address"),

		// The vendor.
		A(vendor, "203.0.113.50"),
		MX(vendor, 10, "mx."+vendor),
		A("mx."+vendor, "203.0.113.51"),
		CNAME("track."+vendor, relay),

		// The US mail relay.
		A(relay, "192.0.2.135"),
		A("mail135-7.atl141."+relay, "192.0.2.135"),

		// The clean town, at a French hoster.
		CNAME("participez."+clean, "web."+clean),
		A("web."+clean, "203.0.113.10"),
		AAAA("web."+clean, "2001:db8:f0::10"),
		NS(clean, "ns1."+clean),
		A("ns1."+clean, "203.0.113.54"),
		MX(clean, 10, "mx."+clean),
		A("mx."+clean, "203.0.113.11"),
		TXT(clean, "v=spf1 mx -all"),
		TXT("_dmarc."+clean, "v=DMARC1; p=reject"),
		CAA(clean, 0, "issue", "letsencrypt.org"),
		// The clean town's DKIM key, which signs the MailClean fixture.
		TXT(CleanDKIMSelector+"._domainkey."+clean, CleanDKIMRecord()),
	}

	// A chain too long to follow: long → c1.long → … → c20.long, which has
	// an address.
	long := "long." + city
	prev := long
	for i := 1; i <= 20; i++ {
		next := fmt.Sprintf("c%d.%s", i, long)
		rs = append(rs, CNAME(prev, next))
		prev = next
	}
	rs = append(rs, A(prev, "203.0.113.141"))

	// The web world's hosts (sites.go) and the batch world's (batchsites.go).
	rs = append(rs, webRecords()...)
	rs = append(rs, batchRecords()...)

	// An answer too big for UDP: 40 TXT records of about 100 bytes.
	for i := range 40 {
		rs = append(rs, TXT("big."+city, fmt.Sprintf("lab-padding-%02d-%s", i, strings.Repeat("x", 84))))
	}
	return rs
}

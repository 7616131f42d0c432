package scantest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// The lab's batch world: towns enough for a batch to run many sites at
// once (a batch never scans two sites of one registrable domain at the
// same time, and most scenarios share ville-exemple.fr), a site that
// hangs and a site that serves garbage. None is among Sites, which the
// demo scans one after the other.
const (
	// TownCount is how many towns Towns returns.
	TownCount = 20
	// HostHanging is a site that accepts every connection and never
	// answers (but on /lab/alive, for the lab's own tests): a batch must
	// give up on it at its deadline and go on with the others.
	HostHanging = "www." + HangingDomain
	// HangingDomain is HostHanging's registrable domain.
	HangingDomain = "mairie-muette.fr"
	// HostGarbage is a site that answers its home page with 64 KiB of
	// noise declared as HTML — bytes of every value, broken UTF-8, stray
	// markup — and every other page with the same noise and a 404.
	HostGarbage = "www." + GarbageDomain
	// GarbageDomain is HostGarbage's registrable domain.
	GarbageDomain = "mairie-brouillee.fr"
	// HangingAlivePath is the one path HostHanging answers.
	HangingAlivePath = "/lab/alive"
)

// maxHang bounds how long HostHanging keeps a request: past it the
// client is surely gone.
const maxHang = 10 * time.Minute

// garbageSize is the size of HostGarbage's pages.
const garbageSize = 64 << 10

// TownDomain returns the registrable domain of the i-th town (1 to
// TownCount), such as "commune-07.fr".
func TownDomain(i int) string { return fmt.Sprintf("commune-%02d.fr", i) }

// TownHost returns the web host of the i-th town, such as "www.commune-07.fr".
func TownHost(i int) string { return "www." + TownDomain(i) }

// Towns returns the lab's towns, each a site of its own registrable domain
// at the lab's French hoster (one network for all: a batch of them needs
// one RDAP query for it). Odd towns serve the founding portal's pages
// (trackers before any consent), even towns the reject-ignoring site's
// (trackers after either choice): both have a consent banner with reject
// and accept, so that each is a three-state scan.
func Towns() []Site {
	out := make([]Site, 0, TownCount)
	for i := 1; i <= TownCount; i++ {
		like := "the reject-ignoring city site (" + HostRejectIgnored + ")"
		if i%2 == 1 {
			like = "the founding portal (" + HostFounding + ")"
		}
		out = append(out, Site{Name: fmt.Sprintf("town-%02d", i), URL: "https://" + TownHost(i) + "/",
			Description: "A town's consultation portal on its own domain, with the pages of " + like + "."})
	}
	return out
}

// batchRecords returns the DNS records of the batch world: every town, the
// hanging site and the garbage site on the French hoster's network.
func batchRecords() []Record {
	rs := make([]Record, 0, TownCount+2)
	for i := 1; i <= TownCount; i++ {
		rs = append(rs, A(TownHost(i), fmt.Sprintf("203.0.113.%d", 69+i)))
	}
	return append(rs, A(HostHanging, "203.0.113.90"), A(HostGarbage, "203.0.113.91"))
}

// batchDomains returns the batch world's domain registrations.
func batchDomains() []RDAPDomain {
	var out []RDAPDomain
	for i := 1; i <= TownCount; i++ {
		out = append(out, RDAPDomain{Name: TownDomain(i), Registrar: "OVH SAS",
			Registrant: RDAPEntity{Name: fmt.Sprintf("Commune %02d", i), Kind: "org", Country: "FR"}})
	}
	return append(out,
		RDAPDomain{Name: HangingDomain, Registrar: "OVH SAS", Registrant: RDAPEntity{Name: "Mairie muette", Kind: "org", Country: "FR"}},
		RDAPDomain{Name: GarbageDomain, Registrar: "OVH SAS", Registrant: RDAPEntity{Name: "Mairie brouillée", Kind: "org", Country: "FR"}})
}

// batchVhosts returns the batch world's web hosts.
func batchVhosts() map[string]vhost {
	m := map[string]vhost{
		HostHanging: {https: true, dynamic: hangingDynamic},
		HostGarbage: {https: true, dynamic: garbageDynamic},
	}
	for i := 1; i <= TownCount; i++ {
		origin := HostRejectIgnored
		if i%2 == 1 {
			origin = HostFounding
		}
		m[TownHost(i)] = vhost{https: true, hsts: true, dynamic: aliasOf(origin)}
	}
	return m
}

// aliasOf serves the pages, dynamic paths and consent libraries of the lab
// host origin.
func aliasOf(origin string) func(*webServer, http.ResponseWriter, *http.Request) bool {
	return func(s *webServer, w http.ResponseWriter, r *http.Request) bool {
		v := s.hosts[origin]
		if v.dynamic != nil && v.dynamic(s, w, r) {
			return true
		}
		if s.serveLib(w, r, v.libs) {
			return true
		}
		if s.serveStatic(w, r, origin) {
			return true
		}
		http.NotFound(w, r)
		return true
	}
}

// hangingDynamic keeps every request open without a byte of answer until
// the client goes away (or maxHang), but HangingAlivePath's.
func hangingDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == HangingAlivePath {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "alive")
		return true
	}
	t := time.NewTimer(maxHang)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
	return true
}

// garbageDynamic answers every page with the same noise, declared as HTML:
// 200 for the home page, 404 for the others.
func garbageDynamic(_ *webServer, w http.ResponseWriter, r *http.Request) bool {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.URL.Path != "/" {
		w.WriteHeader(http.StatusNotFound)
	}
	if r.Method != http.MethodHead {
		_, _ = w.Write(garbagePage())
	}
	return true
}

// garbagePage returns garbageSize bytes of noise, the same every time:
// bytes of every value with stray tags, entities and comment openers.
func garbagePage() []byte {
	rng := rand.New(rand.NewPCG(0x5eed, 0x9a7ba9e))
	bits := [][]byte{[]byte("<div "), []byte("</"), []byte("<!--"), []byte("&#x"), []byte("<script>"), []byte("\xff\xfe"), []byte("<a href=\"")}
	out := make([]byte, 0, garbageSize)
	for len(out) < garbageSize {
		if rng.IntN(8) == 0 {
			out = append(out, bits[rng.IntN(len(bits))]...)
			continue
		}
		out = append(out, byte(rng.Uint32()))
	}
	return out[:garbageSize]
}

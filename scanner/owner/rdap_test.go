package owner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/owner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// onlyHost is a transport that lets requests reach one host only: every
// test client uses it, so that no test ever asks anywhere but the server
// it configured (and never IANA's bootstrap).
type onlyHost struct {
	t    *testing.T
	host string
}

func (o onlyHost) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != o.host {
		o.t.Errorf("request to %s, want only %s", req.URL, o.host)
		return nil, fmt.Errorf("test transport: %s is not %s", req.URL.Host, o.host)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// newClient returns a client for server, fast enough for tests, whose
// requests can only go to server.
func newClient(t *testing.T, server string, edit ...func(*owner.RDAPConfig)) *owner.RDAPClient {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	cfg := owner.RDAPConfig{
		Server:    server,
		HTTP:      &http.Client{Transport: onlyHost{t: t, host: u.Host}},
		PerSecond: 1000,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := owner.NewRDAPClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startLab starts the lab's RDAP server for one test.
func startLab(t *testing.T) *scantest.RDAPServer {
	t.Helper()
	s, err := scantest.StartRDAPServer(scantest.LabRDAP())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// withoutEvidence returns the record without Server and Raw, for
// comparisons.
func withoutEvidence[T any](rec *T) T {
	out := *rec
	v := reflect.ValueOf(&out).Elem()
	v.FieldByName("Server").SetString("")
	v.FieldByName("Raw").SetZero()
	return out
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestRDAPIPLab(t *testing.T) {
	tests := []struct {
		ip       string
		want     owner.NetworkRecord
		requests int // HTTP requests, entity links included
	}{
		{"198.51.100.17", owner.NetworkRecord{
			Start: addr("198.51.100.0"), End: addr("198.51.100.255"), CIDRs: []string{"198.51.100.0/24"},
			Name: "CLOUDFLARENET", Handle: "NET-198-51-100-0-1", Country: "US",
			OrgName: "Cloudflare, Inc.", OrgAddress: "101 Townsend Street, San Francisco, CA, 94107, US", OrgCountry: "US",
			ASNs: []uint32{13335}, Abuse: "abuse@cloudflare.com", Source: "rdap",
		}, 2},
		{"2001:db8:cf::11", owner.NetworkRecord{
			Start: addr("2001:db8:cf::"), End: addr("2001:db8:cf:ffff:ffff:ffff:ffff:ffff"), CIDRs: []string{"2001:db8:cf::/48"},
			Name: "CLOUDFLARENET", Handle: "NET6-2001-DB8-CF-1", Country: "US",
			OrgName: "Cloudflare, Inc.", OrgAddress: "101 Townsend Street, San Francisco, CA, 94107, US", OrgCountry: "US",
			ASNs: []uint32{13335}, Abuse: "abuse@cloudflare.com", Source: "rdap",
		}, 2},
		{"203.0.113.10", owner.NetworkRecord{
			Start: addr("203.0.113.0"), End: addr("203.0.113.127"), CIDRs: []string{"203.0.113.0/25"},
			Name: "OVH", Handle: "203.0.113.0 - 203.0.113.127", Country: "FR",
			OrgName: "OVH SAS", OrgAddress: "2 rue Kellermann, 59100 Roubaix, FR", OrgCountry: "FR",
			ASNs: []uint32{16276}, Abuse: "abuse@ovh.net", Source: "rdap",
		}, 1},
		{"2001:db8:f0::10", owner.NetworkRecord{
			Start: addr("2001:db8:f0::"), End: addr("2001:db8:f0:ffff:ffff:ffff:ffff:ffff"), CIDRs: []string{"2001:db8:f0::/48"},
			Name: "OVH", Handle: "2001:db8:f0::/48", Country: "FR",
			OrgName: "OVH SAS", OrgAddress: "2 rue Kellermann, 59100 Roubaix, FR", OrgCountry: "FR",
			ASNs: []uint32{16276}, Abuse: "abuse@ovh.net", Source: "rdap",
		}, 1},
		{"203.0.113.130", owner.NetworkRecord{
			Start: addr("203.0.113.128"), End: addr("203.0.113.255"), CIDRs: []string{"203.0.113.128/25"},
			Name: "CD50-NET", Handle: "203.0.113.128 - 203.0.113.255", Country: "FR",
			OrgName:    "Conseil départemental de la Manche",
			OrgAddress: "98 route de Candol, 50008 Saint-Lô, FR", OrgCountry: "FR",
			ASNs: []uint32{198575}, Abuse: "abuse@manche.fr", Source: "rdap",
		}, 1},
		{"192.0.2.10", owner.NetworkRecord{
			Start: addr("192.0.2.0"), End: addr("192.0.2.127"), CIDRs: []string{"192.0.2.0/25"},
			Name: "GOOGLE", Handle: "NET-192-0-2-0-1", Country: "US",
			OrgName: "Google LLC", OrgAddress: "1600 Amphitheatre Parkway, Mountain View, CA, 94043, US", OrgCountry: "US",
			ASNs: []uint32{15169}, Abuse: "network-abuse@google.com", Source: "rdap",
		}, 1},
		{"192.0.2.135", owner.NetworkRecord{
			Start: addr("192.0.2.128"), End: addr("192.0.2.255"), CIDRs: []string{"192.0.2.128/25"},
			Name: "MANDRILL", Handle: "NET-192-0-2-128-1", Country: "US",
			OrgName:    "The Rocket Science Group, LLC",
			OrgAddress: "675 Ponce de Leon Ave NE, Suite 5000, Atlanta, GA, 30308, US", OrgCountry: "US",
			ASNs: []uint32{14135}, Abuse: "abuse@mailchimp.com", Source: "rdap",
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			lab := startLab(t)
			c := newClient(t, lab.URL)
			rec, err := c.IP(t.Context(), addr(tt.ip))
			if err != nil {
				t.Fatal(err)
			}
			if got := withoutEvidence(rec); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if rec.Server != lab.URL {
				t.Errorf("Server = %q, want %q", rec.Server, lab.URL)
			}
			if c.Requests() != tt.requests || lab.Requests() != tt.requests {
				t.Errorf("client sent %d requests, server got %d, want %d", c.Requests(), lab.Requests(), tt.requests)
			}
			if got, want := lab.Hits("/entity/"), tt.requests-1; got != want {
				t.Errorf("entity fetches %d, want %d", got, want)
			}
			if len(rec.Raw) != tt.requests || !strings.Contains(rec.Raw[0].URL, "/ip/"+tt.ip) {
				t.Fatalf("raw answers %d, first %q", len(rec.Raw), rec.Raw[0].URL)
			}
			if tt.requests == 2 && rec.Raw[1].URL != lab.URL+"/entity/CLOUD14" {
				t.Errorf("followed %q", rec.Raw[1].URL)
			}
			for _, r := range rec.Raw {
				if !bytes.HasPrefix(r.Body, []byte("{")) {
					t.Errorf("raw %s: %q", r.URL, r.Body)
				}
			}
		})
	}
}

func TestRDAPDomainLab(t *testing.T) {
	tests := []struct {
		query string
		want  owner.DomainRecord
	}{
		{"participation-vendor.com", owner.DomainRecord{Domain: "participation-vendor.com",
			Registrar: "Gandi SAS", Registrant: "Participation Vendor SAS", RegistrantCountry: "FR", Source: "rdap"}},
		{"Ville-Exemple.FR.", owner.DomainRecord{Domain: "ville-exemple.fr",
			Registrar: "Gandi SAS", Registrant: "Commune de Ville-Exemple", RegistrantCountry: "FR", Source: "rdap"}},
		{"commune-propre.fr", owner.DomainRecord{Domain: "commune-propre.fr",
			Registrar: "OVH SAS", Registrant: "Commune de Commune-Propre", RegistrantCountry: "FR", Source: "rdap"}},
		{"mandrillapp.com", owner.DomainRecord{Domain: "mandrillapp.com",
			Registrar: "MarkMonitor Inc.", Redacted: true, RegistrantCountry: "US", Source: "rdap"}},
	}
	lab := startLab(t)
	c := newClient(t, lab.URL)
	for _, tt := range tests {
		rec, err := c.Domain(t.Context(), tt.query)
		if err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		if got := withoutEvidence(rec); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tt.query, got, tt.want)
		}
		if rec.Server != lab.URL || len(rec.Raw) != 1 {
			t.Errorf("%s: server %q, %d raw answers", tt.query, rec.Server, len(rec.Raw))
		}
	}
	if c.Requests() != len(tests) {
		t.Errorf("%d requests for %d domains", c.Requests(), len(tests))
	}
}

func TestRDAPNotFound(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.URL)
	ctx := t.Context()
	_, errIP := c.IP(ctx, addr("100.64.0.1"))
	_, errIP6 := c.IP(ctx, addr("2001:db8:ffff::1"))
	_, errDomain := c.Domain(ctx, "unknown.example")
	for i, err := range []error{errIP, errIP6, errDomain} {
		if !errors.Is(err, owner.ErrNotFound) {
			t.Errorf("%d: %v, want ErrNotFound", i, err)
		}
	}
	if !strings.HasPrefix(errIP.Error(), "rdap ip 100.64.0.1: ") || !strings.HasPrefix(errDomain.Error(), "rdap domain unknown.example: ") {
		t.Errorf("errors lack context: %v; %v", errIP, errDomain)
	}
}

func TestRDAPMalformed(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.URL)
	_, err := c.IP(t.Context(), addr(scantest.RDAPMalformedIP))
	if err == nil || !strings.Contains(err.Error(), "malformed RDAP JSON") || errors.Is(err, owner.ErrNotFound) {
		t.Fatalf("got %v, want a malformed-JSON error", err)
	}
	if c.Requests() != 1 {
		t.Errorf("%d requests, want 1", c.Requests())
	}
}

func TestRDAPRetryAfter(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.URL)
	rec, err := c.IP(t.Context(), addr(scantest.RDAPThrottledIP))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name != "GOOGLE" {
		t.Errorf("answered %q", rec.Name)
	}
	if got := lab.Hits("/ip/" + scantest.RDAPThrottledIP); got != 2 {
		t.Errorf("server asked %d times, want 2 (429, then the answer)", got)
	}
}

func TestRDAPRetryAfterForms(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter func() string
		answered   bool
		requests   int
	}{
		{"503 with an HTTP date", http.StatusServiceUnavailable,
			func() string { return time.Now().Add(time.Second).UTC().Format(http.TimeFormat) }, true, 2},
		{"429 with a date past", http.StatusTooManyRequests,
			func() string { return "Mon, 02 Jan 2006 15:04:05 GMT" }, true, 2},
		{"429 asking for an hour", http.StatusTooManyRequests, func() string { return "3600" }, false, 1},
		{"429 without Retry-After", http.StatusTooManyRequests, func() string { return "" }, false, 1},
		{"429 with garbage", http.StatusTooManyRequests, func() string { return "soon" }, false, 1},
	}
	body := readFixture(t, "ripe_ip_ovh.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				first := calls == 1
				mu.Unlock()
				if first {
					if ra := tt.retryAfter(); ra != "" {
						w.Header().Set("Retry-After", ra)
					}
					w.WriteHeader(tt.status)
					return
				}
				io.WriteString(w, body)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL)
			_, err := c.IP(t.Context(), addr("51.68.0.1"))
			if (err == nil) != tt.answered {
				t.Errorf("answered = %v, want %v (%v)", err == nil, tt.answered, err)
			}
			if err != nil && !strings.Contains(err.Error(), strconv.Itoa(tt.status)) {
				t.Errorf("error does not say the status: %v", err)
			}
			if c.Requests() != tt.requests {
				t.Errorf("%d requests, want %d", c.Requests(), tt.requests)
			}
		})
	}
}

func TestRDAPServerDown(t *testing.T) {
	lab := startLab(t)
	lab.SetDown(true)
	c := newClient(t, lab.URL)
	_, err := c.IP(t.Context(), addr("198.51.100.17"))
	if err == nil || errors.Is(err, owner.ErrNotFound) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("got %v, want a 503 error", err)
	}
	if lab.Requests() != 1 {
		t.Errorf("%d requests: a 503 without Retry-After is not retried", lab.Requests())
	}

	lab.Close()
	if _, err := c.IP(t.Context(), addr("198.51.100.17")); err == nil {
		t.Fatal("no error from a closed server")
	}
}

// fixture is a test RDAP server answering canned bodies by path; "{{SELF}}"
// in a body is replaced by the server's URL. Unknown paths get a 404.
type fixture struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

type reply struct {
	status int
	header http.Header
	body   string
}

func startFixture(t *testing.T, routes map[string]reply) *fixture {
	t.Helper()
	f := &fixture{hits: make(map[string]int)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits[r.URL.Path]++
		f.mu.Unlock()
		rep, ok := routes[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Type", "application/rdap+json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errorCode":404,"title":"Not Found"}`)
			return
		}
		for k, v := range rep.header {
			w.Header()[k] = v
		}
		if rep.status != 0 {
			w.WriteHeader(rep.status)
		}
		io.WriteString(w, strings.ReplaceAll(rep.body, "{{SELF}}", f.URL))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fixture) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func (f *fixture) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.hits {
		n += c
	}
	return n
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rdap", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRDAPFixtures(t *testing.T) {
	t.Run("arin ip", func(t *testing.T) {
		f := startFixture(t, map[string]reply{"/ip/104.16.0.1": {body: readFixture(t, "arin_ip_cloudflare.json")}})
		rec, err := newClient(t, f.URL).IP(t.Context(), addr("104.16.0.1"))
		if err != nil {
			t.Fatal(err)
		}
		want := owner.NetworkRecord{
			Start: addr("104.16.0.0"), End: addr("104.31.255.255"), CIDRs: []string{"104.16.0.0/12"},
			Name: "CLOUDFLARENET", Handle: "NET-104-16-0-0-1", Country: "US",
			OrgName: "Cloudflare, Inc.", OrgAddress: "101 Townsend Street, San Francisco, CA, 94107, United States", OrgCountry: "US",
			ASNs: []uint32{13335}, Abuse: "abuse@cloudflare.com", Source: "rdap",
		}
		if got := withoutEvidence(rec); !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if f.total() != 1 {
			t.Errorf("%d requests: the organisation was inline", f.total())
		}
	})
	t.Run("ripe ip", func(t *testing.T) {
		f := startFixture(t, map[string]reply{"/ip/51.68.0.1": {body: readFixture(t, "ripe_ip_ovh.json")}})
		rec, err := newClient(t, f.URL).IP(t.Context(), addr("51.68.0.1"))
		if err != nil {
			t.Fatal(err)
		}
		want := owner.NetworkRecord{
			Start: addr("51.68.0.0"), End: addr("51.68.255.255"), CIDRs: []string{"51.68.0.0/16"},
			Name: "OVH", Handle: "51.68.0.0 - 51.68.255.255", Country: "FR",
			OrgName: "OVH SAS", OrgAddress: "2 rue Kellermann, 59100 Roubaix, France", OrgCountry: "FR",
			Abuse: "abuse@ovh.net", Source: "rdap",
		}
		if got := withoutEvidence(rec); !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if f.total() != 1 {
			t.Errorf("%d requests: nothing was missing, the maintainer and contacts need no fetch", f.total())
		}
	})
	t.Run("odd range", func(t *testing.T) {
		f := startFixture(t, map[string]reply{"/ip/192.0.2.100": {body: readFixture(t, "ip_odd_range.json")}})
		rec, err := newClient(t, f.URL).IP(t.Context(), addr("192.0.2.100"))
		if err != nil {
			t.Fatal(err)
		}
		want := owner.NetworkRecord{
			Start: addr("192.0.2.5"), End: addr("192.0.2.130"),
			CIDRs: []string{"192.0.2.5/32", "192.0.2.6/31", "192.0.2.8/29", "192.0.2.16/28", "192.0.2.32/27",
				"192.0.2.64/26", "192.0.2.128/31", "192.0.2.130/32"},
			Name: "ODD-RANGE", Handle: "NET-192-0-2-5-1", Country: "DE",
			OrgName: "Beispiel GmbH", OrgAddress: "Hauptstraße 1, 2. OG, Berlin, 10115, Germany", OrgCountry: "DE",
			Source: "rdap",
		}
		if got := withoutEvidence(rec); !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("redacted domain", func(t *testing.T) {
		f := startFixture(t, map[string]reply{"/domain/example-relay.com": {body: readFixture(t, "domain_redacted.json")}})
		rec, err := newClient(t, f.URL).Domain(t.Context(), "example-relay.com")
		if err != nil {
			t.Fatal(err)
		}
		want := owner.DomainRecord{Domain: "example-relay.com", Registrar: "MarkMonitor Inc.", Redacted: true,
			RegistrantCountry: "US", Source: "rdap"}
		if got := withoutEvidence(rec); !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("afnic domain", func(t *testing.T) {
		f := startFixture(t, map[string]reply{"/domain/ville-exemple.fr": {body: readFixture(t, "domain_afnic.json")}})
		rec, err := newClient(t, f.URL).Domain(t.Context(), "ville-exemple.fr")
		if err != nil {
			t.Fatal(err)
		}
		want := owner.DomainRecord{Domain: "ville-exemple.fr", Registrar: "GANDI SAS",
			Registrant: "Commune de Ville-Exemple", RegistrantCountry: "FR", Source: "rdap"}
		if got := withoutEvidence(rec); !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
}

// TestRDAPNoForeignHost checks that links and redirects to another host
// are never followed: the entity is fetched from the configured server.
func TestRDAPNoForeignHost(t *testing.T) {
	foreign := startFixture(t, map[string]reply{})
	const answer = `{"objectClassName":"ip network","handle":"NET-X","startAddress":"192.0.2.0","endAddress":"192.0.2.255",
	  "entities":[
	    {"objectClassName":"entity","handle":"ORG-X","roles":["registrant"],
	     "links":[{"rel":"self","href":"{{FOREIGN}}/entity/ORG-X"}]},
	    {"objectClassName":"entity","roles":["abuse"],
	     "links":[{"rel":"related","href":"{{FOREIGN}}/entity/ABUSE-X"}]}],
	  "links":[{"rel":"related","href":"{{FOREIGN}}/ip/192.0.2.1"}]}`
	f := startFixture(t, map[string]reply{
		"/ip/192.0.2.1":   {body: strings.ReplaceAll(answer, "{{FOREIGN}}", foreign.URL)},
		"/entity/ORG-X":   {body: `{"objectClassName":"entity","handle":"ORG-X","vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Same Server Org"]]]}`},
		"/ip/192.0.2.2":   {status: http.StatusFound, header: http.Header{"Location": {foreign.URL + "/ip/192.0.2.2"}}},
		"/ip/192.0.2.3":   {status: http.StatusFound, header: http.Header{"Location": {"/ip/192.0.2.1"}}},
		"/entity/ABUSE-X": {body: `{"objectClassName":"entity"}`},
	})
	// This client's transport would let requests reach the foreign host:
	// only the RDAP client's own rules stop them.
	c, err := owner.NewRDAPClient(owner.RDAPConfig{Server: f.URL, PerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.IP(t.Context(), addr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.OrgName != "Same Server Org" || f.count("/entity/ORG-X") != 1 {
		t.Errorf("organisation %q, fetched %d times from the server", rec.OrgName, f.count("/entity/ORG-X"))
	}
	if _, err := c.IP(t.Context(), addr("192.0.2.2")); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("redirect to another host: %v", err)
	}
	if rec, err := c.IP(t.Context(), addr("192.0.2.3")); err != nil || rec.OrgName != "Same Server Org" {
		t.Errorf("redirect on the same host: %+v, %v", rec, err)
	}
	if n := foreign.total(); n != 0 {
		t.Errorf("the foreign host received %d requests", n)
	}
}

func TestRDAPEntityLinkSameHost(t *testing.T) {
	f := startFixture(t, map[string]reply{
		"/ip/192.0.2.1": {body: `{"objectClassName":"ip network","startAddress":"192.0.2.0","endAddress":"192.0.2.255",
		  "entities":[{"objectClassName":"entity","handle":"ORG-Y","roles":["registrant"],
		    "links":[{"rel":"self","type":"application/rdap+json","href":"{{SELF}}/registry/entity/ORG-Y"}]}]}`},
		"/registry/entity/ORG-Y": {body: `{"objectClassName":"entity","handle":"ORG-Y","vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Linked Org"],
		  ["adr",{"cc":"IE"},"text",["","","1 Main Street","Dublin","","D02","Ireland"]]]],
		  "entities":[{"objectClassName":"entity","roles":["abuse"],"vcardArray":["vcard",[["version",{},"text","4.0"],["email",{},"text","mailto:abuse@linked.example"]]]}]}`},
	})
	c := newClient(t, f.URL)
	rec, err := c.IP(t.Context(), addr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.OrgName != "Linked Org" || rec.OrgCountry != "IE" || rec.Country != "IE" || rec.Abuse != "abuse@linked.example" ||
		rec.OrgAddress != "1 Main Street, Dublin, D02, Ireland" {
		t.Errorf("got %+v", rec)
	}
	if c.Requests() != 2 || f.count("/registry/entity/ORG-Y") != 1 {
		t.Errorf("%d requests", c.Requests())
	}
}

func TestRDAPEntityFetchBound(t *testing.T) {
	var ents []string
	for i := range 10 {
		ents = append(ents, fmt.Sprintf(`{"objectClassName":"entity","handle":"E%d","roles":["registrant"]}`, i))
	}
	body := `{"objectClassName":"ip network","startAddress":"192.0.2.0","endAddress":"192.0.2.255","entities":[` +
		strings.Join(ents, ",") + `]}`
	tests := []struct {
		max, requests int
	}{{0, 1 + 4}, {2, 1 + 2}, {-1, 1}}
	for _, tt := range tests {
		f := startFixture(t, map[string]reply{"/ip/192.0.2.1": {body: body}})
		c := newClient(t, f.URL, func(cfg *owner.RDAPConfig) { cfg.MaxEntityFetches = tt.max })
		rec, err := c.IP(t.Context(), addr("192.0.2.1"))
		if err != nil {
			t.Fatalf("max %d: %v", tt.max, err)
		}
		if c.Requests() != tt.requests || len(rec.Raw) != 1 {
			t.Errorf("max %d: %d requests, %d raw answers; want %d requests", tt.max, c.Requests(), len(rec.Raw), tt.requests)
		}
	}
}

func TestRDAPMaxBody(t *testing.T) {
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rdap+json")
		io.WriteString(w, `{"objectClassName":"ip network","name":"`)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	c := newClient(t, endless.URL, func(cfg *owner.RDAPConfig) { cfg.MaxBody = 64 << 10 })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := c.IP(ctx, addr("192.0.2.1"))
	if err == nil || !strings.Contains(err.Error(), "larger than 65536 bytes") {
		t.Fatalf("got %v, want a size error", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the client waited for the deadline instead of stopping at the limit")
	}
}

func TestRDAPContext(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)

	t.Run("cancel", func(t *testing.T) {
		c := newClient(t, slow.URL)
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-arrived
			cancel()
		}()
		if _, err := c.IP(ctx, addr("192.0.2.1")); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		c := newClient(t, slow.URL)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := c.Domain(ctx, "example.com"); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if c.Requests() != 0 {
			t.Errorf("%d requests after cancel", c.Requests())
		}
	})
	t.Run("per-request timeout", func(t *testing.T) {
		c := newClient(t, slow.URL, func(cfg *owner.RDAPConfig) { cfg.Timeout = 50 * time.Millisecond })
		go func() { <-arrived }()
		if _, err := c.IP(t.Context(), addr("192.0.2.1")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want a deadline error", err)
		}
	})
}

// TestRDAPRateLimit checks that a client over its rate still gets its
// answers: it waits instead of failing.
func TestRDAPRateLimit(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.URL, func(cfg *owner.RDAPConfig) { cfg.PerSecond = 4 })
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Go(func() {
			_, err := c.IP(t.Context(), addr(fmt.Sprintf("203.0.113.%d", 1+i)))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if lab.Requests() != 6 {
		t.Errorf("%d requests, want 6", lab.Requests())
	}
}

func TestNewRDAPClientServer(t *testing.T) {
	for _, bad := range []string{"rdap.example", "ftp://rdap.example/", "http://", "https://user:pw@rdap.example/", "://x", "http://[::1"} {
		if _, err := owner.NewRDAPClient(owner.RDAPConfig{Server: bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	for _, good := range []string{"https://rdap.example/registry/", "http://127.0.0.1:8080", "HTTPS://RDAP.EXAMPLE"} {
		if _, err := owner.NewRDAPClient(owner.RDAPConfig{Server: good}); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestRDAPServerWithPath(t *testing.T) {
	f := startFixture(t, map[string]reply{"/registry/ip/51.68.0.1": {body: readFixture(t, "ripe_ip_ovh.json")}})
	for _, base := range []string{f.URL + "/registry", f.URL + "/registry/"} {
		rec, err := newClient(t, base).IP(t.Context(), addr("51.68.0.1"))
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if rec.Server != base || rec.Raw[0].URL != f.URL+"/registry/ip/51.68.0.1" {
			t.Errorf("%s: server %q, raw URL %q", base, rec.Server, rec.Raw[0].URL)
		}
	}
}

func TestRDAPWrongObject(t *testing.T) {
	f := startFixture(t, map[string]reply{
		"/ip/192.0.2.1":     {body: readFixture(t, "domain_afnic.json")},
		"/ip/192.0.2.2":     {body: readFixture(t, "arin_ip_cloudflare.json")}, // 104.16.0.0/12
		"/domain/x.example": {body: `{"errorCode":500,"title":"Oops"}`},
		"/domain/y.example": {status: http.StatusTeapot},
	})
	c := newClient(t, f.URL)
	if _, err := c.IP(t.Context(), addr("192.0.2.1")); err == nil || !strings.Contains(err.Error(), "not an ip network") {
		t.Errorf("domain for an ip: %v", err)
	}
	if _, err := c.IP(t.Context(), addr("192.0.2.2")); err == nil || !strings.Contains(err.Error(), "does not contain") {
		t.Errorf("network not containing the address: %v", err)
	}
	if _, err := c.Domain(t.Context(), "x.example"); err == nil || !strings.Contains(err.Error(), "RDAP error 500") {
		t.Errorf("error object: %v", err)
	}
	if _, err := c.Domain(t.Context(), "y.example"); err == nil || !strings.Contains(err.Error(), "418") {
		t.Errorf("418: %v", err)
	}
	if _, err := c.Domain(t.Context(), "bad/name"); err == nil {
		t.Error("invalid domain accepted")
	}
	if _, err := c.IP(t.Context(), netip.Addr{}); err == nil {
		t.Error("invalid address accepted")
	}
}

// fakeIANA is a transport that answers IANA's bootstrap files from memory
// and lets requests through to the listed loopback hosts only: the
// bootstrap test never reaches the network.
type fakeIANA struct {
	t       *testing.T
	files   map[string]string // file name → content
	allowed map[string]bool   // host:port
}

func (f fakeIANA) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "data.iana.org" {
		body, ok := f.files[filepath.Base(req.URL.Path)]
		status := http.StatusOK
		if !ok {
			status = http.StatusNotFound
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Request: req,
			Body: io.NopCloser(strings.NewReader(body))}, nil
	}
	if !f.allowed[req.URL.Host] {
		f.t.Errorf("request to %s", req.URL)
		return nil, fmt.Errorf("test transport: %s refused", req.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestRDAPBootstrap checks bootstrap mode: the server comes from IANA's
// registry (served from memory here), a redirect to another registry is
// followed, and entities are then fetched from the registry that
// answered.
func TestRDAPBootstrap(t *testing.T) {
	answering := startFixture(t, map[string]reply{
		"/registry/ip/192.0.2.1": {body: `{"objectClassName":"ip network","startAddress":"192.0.2.0","endAddress":"192.0.2.255",
		  "entities":[{"objectClassName":"entity","handle":"ORG-B","roles":["registrant"]}]}`},
		"/registry/entity/ORG-B": {body: `{"objectClassName":"entity","handle":"ORG-B","vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Registry B Org"]]]}`},
	})
	bootstrapped := startFixture(t, map[string]reply{
		"/rdap/ip/192.0.2.1": {status: http.StatusMovedPermanently,
			header: http.Header{"Location": {answering.URL + "/registry/ip/192.0.2.1"}}},
	})
	host := func(s string) string { u, _ := url.Parse(s); return u.Host }
	transport := fakeIANA{t: t,
		files: map[string]string{"ipv4.json": `{"version":"1.0","publication":"2025-01-01T00:00:00Z",
		  "services":[[["192.0.2.0/24"],["` + bootstrapped.URL + `/rdap/"]]]}`},
		allowed: map[string]bool{host(bootstrapped.URL): true, host(answering.URL): true},
	}
	c, err := owner.NewRDAPClient(owner.RDAPConfig{HTTP: &http.Client{Transport: transport}, PerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.IP(t.Context(), addr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.OrgName != "Registry B Org" || rec.Server != answering.URL+"/registry/" {
		t.Errorf("org %q, server %q", rec.OrgName, rec.Server)
	}
	if bootstrapped.count("/rdap/entity/ORG-B") != 0 || answering.count("/registry/entity/ORG-B") != 1 {
		t.Error("the entity was not fetched from the registry that answered")
	}
	// A second lookup reuses the bootstrap registry: IANA once, then
	// the redirect, the answer and the entity, twice.
	if _, err := c.IP(t.Context(), addr("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if c.Requests() != 1+2*3 {
		t.Errorf("%d requests, want %d", c.Requests(), 1+2*3)
	}
	if _, err := c.IP(t.Context(), addr("198.51.100.1")); err == nil || errors.Is(err, owner.ErrNotFound) {
		t.Errorf("address outside the bootstrap registry: %v", err)
	}
}

// staticTransport answers every request with the same body, without a
// network.
type staticTransport struct{ body []byte }

func (s staticTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/rdap+json"}},
		Body:          io.NopCloser(bytes.NewReader(s.body)),
		ContentLength: int64(len(s.body)),
		Request:       req,
	}, nil
}

// FuzzRDAPAnswer feeds arbitrary answers (and the same answer to every
// entity fetch) through decoding and extraction: no panic, bounded
// results.
func FuzzRDAPAnswer(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "rdap", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"errorCode":404}`, `{"errorCode":"x"}`, `{"objectClassName":7}`,
		`{"objectClassName":"ip network","startAddress":"::","endAddress":"255.255.255.255"}`,
		`{"objectClassName":"ip network","startAddress":"0.0.0.0","endAddress":"255.255.255.254","cidr0_cidrs":[{"v4prefix":"0.0.0.0","length":-1},{"v6prefix":"::","length":1e300},{"length":"8"},7]}`,
		`{"objectClassName":"ip network","startAddress":"::","endAddress":"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe","arin_originas0_originautnums":[-1,1.5,4294967296,"AS","as12",{}]}`,
		`{"objectClassName":"entity","handle":"E","roles":["registrant"],"entities":[{"handle":"E","roles":["registrant","abuse"],"links":[{"rel":"self","href":"/entity/E"}]}]}`,
		`{"objectClassName":"domain","entities":[{"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text",["a",["b",["c",["d"]]]]],["adr",{"label":["x"],"cc":7},"text",[1,2,3]],["org",{},"text",[]]]]}],"redacted":[null,{"name":"x"},{"name":{"type":7}}]}`,
		`{"objectClassName":"autnum","startAutnum":5,"endAutnum":1,"entities":[{"vcardArray":["vcard",[["version"]]]}]}`,
	} {
		f.Add([]byte(s))
	}
	const maxBody = 1 << 20
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := owner.NewRDAPClient(owner.RDAPConfig{
			Server:    "http://rdap.fuzz.invalid/",
			HTTP:      &http.Client{Transport: staticTransport{body: body}},
			PerSecond: 1e9,
			MaxBody:   maxBody,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var raws [][]owner.RawAnswer
		var texts []string
		for _, ip := range []string{"192.0.2.1", "2001:db8::1"} {
			if rec, err := c.IP(ctx, addr(ip)); err == nil {
				raws = append(raws, rec.Raw)
				texts = append(texts, rec.Name, rec.Handle, rec.Country, rec.OrgName, rec.OrgAddress, rec.OrgCountry, rec.Abuse)
				if rec.Start.IsValid() && !rec.Contains(addr(ip)) {
					t.Fatalf("%s outside %s - %s", ip, rec.Start, rec.End)
				}
				for _, p := range rec.CIDRs {
					if _, err := netip.ParsePrefix(p); err != nil {
						t.Fatalf("bad CIDR %q", p)
					}
				}
				if len(rec.CIDRs) > 256 || len(rec.ASNs) > 64 {
					t.Fatalf("%d CIDRs, %d ASNs", len(rec.CIDRs), len(rec.ASNs))
				}
			}
		}
		if rec, err := c.Domain(ctx, "example.com"); err == nil {
			raws = append(raws, rec.Raw)
			texts = append(texts, rec.Registrar, rec.Registrant, rec.RegistrantCountry)
			if rec.Redacted && rec.Registrant != "" {
				t.Fatalf("redacted with registrant %q", rec.Registrant)
			}
		}
		for _, s := range texts {
			if len(s) > 512 || !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") {
				t.Fatalf("bad text %q", s)
			}
		}
		for _, raw := range raws {
			if len(raw) == 0 || len(raw) > 5 {
				t.Fatalf("%d raw answers", len(raw))
			}
			for _, r := range raw {
				if len(r.Body) > maxBody {
					t.Fatalf("raw answer of %d bytes", len(r.Body))
				}
			}
		}
		if c.Requests() > 3*(1+4) {
			t.Fatalf("%d requests for 3 lookups", c.Requests())
		}
	})
}

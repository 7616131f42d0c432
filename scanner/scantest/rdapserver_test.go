package scantest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/openrdap/rdap"
)

// startLabRDAP starts the lab's RDAP server for one test.
func startLabRDAP(t *testing.T) *RDAPServer {
	t.Helper()
	s, err := StartRDAPServer(LabRDAP())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// getRDAP fetches path from s: status, headers and body.
func getRDAP(t *testing.T, s *RDAPServer, path string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// decodeRDAP decodes an answer the way vigie's client does.
func decodeRDAP(t *testing.T, body []byte) any {
	t.Helper()
	obj, err := rdap.NewDecoder(body).Decode()
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return obj
}

func TestRDAPServerNetworks(t *testing.T) {
	s := startLabRDAP(t)
	tests := []struct {
		query, handle, start, end string
		country                   string // "" for ARIN-shaped answers
		inlineOrg                 bool   // the org's vCard is in the answer
	}{
		{"198.51.100.17", "NET-198-51-100-0-1", "198.51.100.0", "198.51.100.255", "", false},
		{"2001:db8:cf::11", "NET6-2001-DB8-CF-1", "2001:db8:cf::", "2001:db8:cf:ffff:ffff:ffff:ffff:ffff", "", false},
		{"203.0.113.10", "203.0.113.0 - 203.0.113.127", "203.0.113.0", "203.0.113.127", "FR", true},
		{"2001:db8:f0::10", "2001:db8:f0::/48", "2001:db8:f0::", "2001:db8:f0:ffff:ffff:ffff:ffff:ffff", "FR", true},
		{"203.0.113.130", "203.0.113.128 - 203.0.113.255", "203.0.113.128", "203.0.113.255", "FR", true},
		{"192.0.2.10", "NET-192-0-2-0-1", "192.0.2.0", "192.0.2.127", "", true},
		{"192.0.2.135", "NET-192-0-2-128-1", "192.0.2.128", "192.0.2.255", "", true},
		{"198.51.100.0/25", "NET-198-51-100-0-1", "198.51.100.0", "198.51.100.255", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, h, body := getRDAP(t, s, "/ip/"+tt.query)
			if status != http.StatusOK || h.Get("Content-Type") != "application/rdap+json" {
				t.Fatalf("status %d, content type %q", status, h.Get("Content-Type"))
			}
			n, ok := decodeRDAP(t, body).(*rdap.IPNetwork)
			if !ok {
				t.Fatalf("not an ip network: %s", body)
			}
			if n.Handle != tt.handle || n.StartAddress != tt.start || n.EndAddress != tt.end || n.Country != tt.country {
				t.Errorf("got handle %q, %s - %s, country %q", n.Handle, n.StartAddress, n.EndAddress, n.Country)
			}
			if n.DecodeData.Value("cidr0_cidrs") == nil || n.DecodeData.Value("arin_originas0_originautnums") == nil {
				t.Errorf("extensions missing: %s", body)
			}
			var org *rdap.Entity
			for i := range n.Entities {
				if n.Entities[i].VCard != nil || strings.HasPrefix(n.Entities[i].Handle, "CLOUD") {
					org = &n.Entities[i]
					break
				}
			}
			if org == nil {
				t.Fatalf("no organisation: %s", body)
			}
			if got := org.VCard != nil; got != tt.inlineOrg {
				t.Errorf("organisation vCard inline = %v, want %v", got, tt.inlineOrg)
			}
			if len(org.Links) == 0 || !strings.HasPrefix(org.Links[0].Href, s.URL+"/entity/") {
				t.Errorf("organisation link %v", org.Links)
			}
		})
	}
}

func TestRDAPServerMostSpecific(t *testing.T) {
	s, err := StartRDAPServer([]RDAPNetwork{
		{CIDR: "198.51.100.0/24", Handle: "NET-BIG", Name: "BIG"},
		{CIDR: "198.51.100.128/25", Handle: "NET-SMALL", Name: "SMALL"},
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for q, want := range map[string]string{"198.51.100.1": "NET-BIG", "198.51.100.200": "NET-SMALL", "198.51.100.0/24": "NET-BIG"} {
		_, _, body := getRDAP(t, s, "/ip/"+q)
		if n, ok := decodeRDAP(t, body).(*rdap.IPNetwork); !ok || n.Handle != want {
			t.Errorf("%s: got %s, want %s", q, body, want)
		}
	}
}

func TestRDAPServerEntity(t *testing.T) {
	s := startLabRDAP(t)
	status, _, body := getRDAP(t, s, "/entity/CLOUD14")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	e, ok := decodeRDAP(t, body).(*rdap.Entity)
	if !ok || e.VCard == nil {
		t.Fatalf("not an entity with a vCard: %s", body)
	}
	if e.VCard.Name() != "Cloudflare, Inc." {
		t.Errorf("fn %q", e.VCard.Name())
	}
	adr := e.VCard.GetFirst("adr")
	if adr == nil || adr.Parameters["cc"][0] != "US" || !strings.Contains(adr.Parameters["label"][0], "101 Townsend Street") {
		t.Errorf("adr %v", adr)
	}
	if len(e.Entities) != 1 || e.Entities[0].Roles[0] != "abuse" || e.Entities[0].VCard.Email() != "abuse@cloudflare.com" {
		t.Errorf("nested abuse contact: %s", body)
	}

	status, _, body = getRDAP(t, s, "/entity/ABUSE-ORG-OS3-RIPE")
	if e, ok := decodeRDAP(t, body).(*rdap.Entity); status != http.StatusOK || !ok || e.VCard.Email() != "abuse@ovh.net" {
		t.Errorf("abuse entity: %d %s", status, body)
	}
}

func TestRDAPServerDomains(t *testing.T) {
	s := startLabRDAP(t)
	tests := []struct {
		domain, registrar, registrant string
		redacted                      bool
	}{
		{VendorDomain, "Gandi SAS", "Participation Vendor SAS", false},
		{CityDomain, "Gandi SAS", "Commune de Ville-Exemple", false},
		{CleanDomain, "OVH SAS", "Commune de Commune-Propre", false},
		{RelayDomain, "MarkMonitor Inc.", "REDACTED FOR PRIVACY", true},
		{"CloudFlare.com.", "Cloudflare, Inc.", "Cloudflare, Inc.", false},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			status, _, body := getRDAP(t, s, "/domain/"+tt.domain)
			d, ok := decodeRDAP(t, body).(*rdap.Domain)
			if status != http.StatusOK || !ok {
				t.Fatalf("%d %s", status, body)
			}
			got := map[string]string{}
			for _, e := range d.Entities {
				got[e.Roles[0]] = e.VCard.Name()
			}
			if got["registrar"] != tt.registrar || got["registrant"] != tt.registrant {
				t.Errorf("entities %v", got)
			}
			if (d.DecodeData.Value("redacted") != nil) != tt.redacted {
				t.Errorf("redacted member: %s", body)
			}
		})
	}
}

func TestRDAPServerAutnums(t *testing.T) {
	s := startLabRDAP(t)
	for asn, name := range map[string]string{"13335": "CLOUDFLARENET", "AS16276": "OVH", "15169": "GOOGLE"} {
		status, _, body := getRDAP(t, s, "/autnum/"+asn)
		a, ok := decodeRDAP(t, body).(*rdap.Autnum)
		if status != http.StatusOK || !ok || a.Name != name || a.StartAutnum == nil || len(a.Entities) != 1 {
			t.Errorf("%s: %d %s", asn, status, body)
		}
	}
}

func TestRDAPServerErrors(t *testing.T) {
	s := startLabRDAP(t)
	tests := []struct {
		path   string
		status int
	}{
		{"/ip/100.64.0.1", http.StatusNotFound},
		{"/ip/2001:db8:ffff::1", http.StatusNotFound},
		{"/ip/not-an-address", http.StatusBadRequest},
		{"/domain/unknown.example", http.StatusNotFound},
		{"/autnum/1", http.StatusNotFound},
		{"/autnum/ASX", http.StatusBadRequest},
		{"/entity/NOBODY", http.StatusNotFound},
		{"/help", http.StatusBadRequest},
	}
	for _, tt := range tests {
		status, h, body := getRDAP(t, s, tt.path)
		if status != tt.status || h.Get("Content-Type") != "application/rdap+json" {
			t.Errorf("%s: status %d, content type %q", tt.path, status, h.Get("Content-Type"))
			continue
		}
		e, ok := decodeRDAP(t, body).(*rdap.Error)
		if !ok || e.ErrorCode == nil || int(*e.ErrorCode) != tt.status {
			t.Errorf("%s: error body %s", tt.path, body)
		}
	}
}

func TestRDAPServerRobustnessPaths(t *testing.T) {
	s := startLabRDAP(t)

	status, _, body := getRDAP(t, s, "/ip/"+RDAPMalformedIP)
	if status != http.StatusOK || json.Valid(body) {
		t.Errorf("malformed: %d, valid JSON %v", status, json.Valid(body))
	}

	status, h, _ := getRDAP(t, s, "/ip/"+RDAPThrottledIP)
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "1" {
		t.Errorf("throttled first: %d, Retry-After %q", status, h.Get("Retry-After"))
	}
	status, _, body = getRDAP(t, s, "/ip/"+RDAPThrottledIP)
	if n, ok := decodeRDAP(t, body).(*rdap.IPNetwork); status != http.StatusOK || !ok || n.Name != "GOOGLE" {
		t.Errorf("throttled second: %d %s", status, body)
	}

	s.SetDown(true)
	if status, _, _ := getRDAP(t, s, "/ip/192.0.2.10"); status != http.StatusServiceUnavailable {
		t.Errorf("down: status %d", status)
	}
	s.SetDown(false)
	if status, _, _ := getRDAP(t, s, "/ip/192.0.2.10"); status != http.StatusOK {
		t.Errorf("up again: status %d", status)
	}

	if got := s.Hits("/ip/"); got != 5 {
		t.Errorf("Hits(/ip/) = %d, want 5", got)
	}
	if got := s.Hits("/ip/" + RDAPThrottledIP); got != 2 {
		t.Errorf("Hits(throttled) = %d, want 2", got)
	}
	if got, want := s.Requests(), 5; got != want {
		t.Errorf("Requests() = %d, want %d", got, want)
	}
}

func TestStartRDAPServerInvalid(t *testing.T) {
	org := RDAPEntity{Handle: "ORG1", Name: "Org One"}
	tests := []struct {
		name     string
		networks []RDAPNetwork
		domains  []RDAPDomain
		autnums  []RDAPAutnum
	}{
		{"bad cidr", []RDAPNetwork{{CIDR: "198.51.100.0/33"}}, nil, nil},
		{"host bits", []RDAPNetwork{{CIDR: "198.51.100.1/24"}}, nil, nil},
		{"duplicate network", []RDAPNetwork{{CIDR: "198.51.100.0/24"}, {CIDR: "198.51.100.0/24"}}, nil, nil},
		{"link without handle", []RDAPNetwork{{CIDR: "198.51.100.0/24", Org: RDAPEntity{Name: "X", Link: true}}}, nil, nil},
		{"conflicting entity", []RDAPNetwork{{CIDR: "198.51.100.0/24", Org: org}},
			nil, []RDAPAutnum{{ASN: 64496, Org: RDAPEntity{Handle: "ORG1", Name: "Another"}}}},
		{"duplicate domain", nil, []RDAPDomain{{Name: "a.example"}, {Name: "A.example."}}, nil},
		{"duplicate autnum", nil, nil, []RDAPAutnum{{ASN: 64496}, {ASN: 64496}}},
	}
	for _, tt := range tests {
		if s, err := StartRDAPServer(tt.networks, tt.domains, tt.autnums); err == nil {
			s.Close()
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestRDAPServerClose(t *testing.T) {
	s, err := StartRDAPServer(LabRDAP())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if resp, err := http.Get(s.URL + "/ip/192.0.2.1"); err == nil {
		resp.Body.Close()
		t.Error("server still answers after Close")
	}
}

// TestLabRDAPMatchesZone checks that every address of the lab's DNS zone
// has an RDAP network, every lab domain a registration, and every network
// the same origin in the lab's whois data.
func TestLabRDAPMatchesZone(t *testing.T) {
	networks, domains, autnums := LabRDAP()
	for _, r := range defaultRecords() {
		if r.Type != dns.TypeA && r.Type != dns.TypeAAAA {
			continue
		}
		a, err := netip.ParseAddr(r.Data)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		found := false
		for _, n := range networks {
			found = found || netip.MustParsePrefix(n.CIDR).Contains(a)
		}
		if !found {
			t.Errorf("%s %s: no lab RDAP network", r.Name, a)
		}
	}
	for _, d := range []string{CityDomain, VendorDomain, RelayDomain, CleanDomain} {
		found := false
		for _, rd := range domains {
			found = found || rd.Name == d
		}
		if !found {
			t.Errorf("%s: no lab RDAP domain", d)
		}
	}
	whois := LabWhois()
	for _, n := range networks {
		answer, ok := whois[n.CIDR]
		if !ok {
			t.Errorf("%s: no lab whois answer", n.CIDR)
		}
		for _, asn := range n.OriginASNs {
			if ok && !strings.Contains(answer, fmt.Sprintf("AS%d\n", asn)) {
				t.Errorf("%s: whois does not give origin AS%d", n.CIDR, asn)
			}
			found := false
			for _, a := range autnums {
				found = found || a.ASN == asn
			}
			if !found {
				t.Errorf("%s: origin AS%d has no lab autnum", n.CIDR, asn)
			}
		}
	}
}

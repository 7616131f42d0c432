package dnsinfo

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// startLab starts the lab for one test and closes it afterwards.
func startLab(t *testing.T) *scantest.Lab {
	t.Helper()
	lab, err := scantest.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Close(); err != nil {
			t.Error(err)
		}
	})
	return lab
}

// newClient returns a client of the resolver at addr.
func newClient(t *testing.T, addr string) *Client {
	t.Helper()
	c, err := New(Config{Server: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startFake serves handler over UDP and TCP on one loopback port for one
// test.
func startFake(t *testing.T, handler dns.HandlerFunc) string {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		up, done := make(chan struct{}), make(chan struct{})
		srv.NotifyStartedFunc = func() { close(up) }
		go func() {
			defer close(done)
			_ = srv.ActivateAndServe()
		}()
		<-up
		t.Cleanup(func() {
			_ = srv.Shutdown()
			<-done
		})
	}
	return pc.LocalAddr().String()
}

func chain(links ...string) []evidence.CNAME {
	var out []evidence.CNAME
	for i := 0; i+1 < len(links); i++ {
		out = append(out, evidence.CNAME{From: links[i], To: links[i+1], TTL: 300})
	}
	return out
}

func TestResolve(t *testing.T) {
	lab := startLab(t)
	long := []string{"long.ville-exemple.fr"}
	for i := 1; i <= 16; i++ {
		long = append(long, "c"+strconv.Itoa(i)+".long.ville-exemple.fr")
	}
	tests := []struct {
		name      string
		status    string
		chain     []evidence.CNAME
		canonical string
		ipv4      []string
		ipv6      []string
		errHas    string
	}{
		{"jeparticipe.ville-exemple.fr", evidence.ResolvedOK,
			chain("jeparticipe.ville-exemple.fr", "proxy-fallback.participation-vendor.com"),
			"proxy-fallback.participation-vendor.com",
			[]string{"198.51.100.17", "198.51.100.18"}, []string{"2001:db8:cf::11", "2001:db8:cf::12"}, ""},
		{"participez.commune-propre.fr", evidence.ResolvedOK,
			chain("participez.commune-propre.fr", "web.commune-propre.fr"), "web.commune-propre.fr",
			[]string{"203.0.113.10"}, []string{"2001:db8:f0::10"}, ""},
		{"sondage.ville-exemple.fr", evidence.ResolvedNXDomain,
			chain("sondage.ville-exemple.fr", "ville-exemple.survey-host-lab.com"), "ville-exemple.survey-host-lab.com",
			nil, nil, "ville-exemple.survey-host-lab.com"},
		{"boucle.ville-exemple.fr", evidence.ResolvedLoop,
			chain("boucle.ville-exemple.fr", "boucle-b.ville-exemple.fr", "boucle.ville-exemple.fr"), "boucle.ville-exemple.fr",
			nil, nil, "loop"},
		{"long.ville-exemple.fr", evidence.ResolvedTooLong, chain(long...), long[16], nil, nil, "16"},
		{"nodata.ville-exemple.fr", evidence.ResolvedNoAddress,
			chain("nodata.ville-exemple.fr", "empty.participation-vendor.com"), "empty.participation-vendor.com",
			nil, nil, "empty.participation-vendor.com"},
		{"WWW.Ville-Exemple.FR.", evidence.ResolvedOK, nil, "www.ville-exemple.fr", []string{"203.0.113.140"}, nil, ""},
		{"track.participation-vendor.com", evidence.ResolvedOK,
			chain("track.participation-vendor.com", "mandrillapp.com"), "mandrillapp.com", []string{"192.0.2.135"}, nil, ""},
		{"absent.ville-exemple.fr", evidence.ResolvedNXDomain, nil, "absent.ville-exemple.fr", nil, nil, "absent.ville-exemple.fr"},
		{"203.0.113.7", evidence.ResolvedOK, nil, "203.0.113.7", []string{"203.0.113.7"}, nil, ""},
		{"[2001:DB8::1]", evidence.ResolvedOK, nil, "[2001:db8::1]", nil, []string{"2001:db8::1"}, ""},
		{"bad..name", evidence.ResolvedError, nil, "bad..name", nil, nil, "empty label"},
	}
	for _, recursive := range []bool{true, false} {
		lab.Zone.SetRecursive(recursive)
		c := newClient(t, lab.DNSAddr) // a fresh cache per mode
		for _, tt := range tests {
			t.Run(tt.name+map[bool]string{true: "/recursive", false: "/authoritative"}[recursive], func(t *testing.T) {
				r := c.Resolve(t.Context(), tt.name)
				n := names.Normalise(tt.name)
				if r.ID != "dns/"+n || r.Name != n {
					t.Errorf("ID %q, Name %q", r.ID, r.Name)
				}
				if r.Status != tt.status {
					t.Errorf("status %q, want %q (error %q)", r.Status, tt.status, r.Error)
				}
				if !slices.Equal(r.Chain, tt.chain) {
					t.Errorf("chain %v, want %v", r.Chain, tt.chain)
				}
				if r.Canonical != tt.canonical {
					t.Errorf("canonical %q, want %q", r.Canonical, tt.canonical)
				}
				if !slices.Equal(r.IPv4, tt.ipv4) || !slices.Equal(r.IPv6, tt.ipv6) {
					t.Errorf("addresses %v %v, want %v %v", r.IPv4, r.IPv6, tt.ipv4, tt.ipv6)
				}
				if !strings.Contains(r.Error, tt.errHas) || (tt.errHas == "") != (r.Error == "") {
					t.Errorf("error %q, want it to mention %q", r.Error, tt.errHas)
				}
				// Every lookup cited is recorded.
				ids := map[string]bool{}
				for _, l := range c.Lookups() {
					ids[l.ID] = true
				}
				for _, id := range r.Lookups {
					if !ids[id] {
						t.Errorf("resolution cites lookup %s, which is not recorded", id)
					}
				}
			})
		}
	}
}

func TestModesAgree(t *testing.T) {
	lab := startLab(t)
	names := []string{
		"jeparticipe.ville-exemple.fr", "participez.commune-propre.fr", "sondage.ville-exemple.fr",
		"boucle.ville-exemple.fr", "long.ville-exemple.fr", "nodata.ville-exemple.fr", "track.participation-vendor.com",
	}
	resolve := func(recursive bool) []evidence.Resolution {
		lab.Zone.SetRecursive(recursive)
		c := newClient(t, lab.DNSAddr)
		var out []evidence.Resolution
		for _, n := range names {
			r := c.Resolve(t.Context(), n)
			r.Lookups = nil // authoritative style needs more lookups
			out = append(out, r)
		}
		return out
	}
	rec, auth := resolve(true), resolve(false)
	for i := range names {
		a, b := rec[i], auth[i]
		if a.Status != b.Status || a.Canonical != b.Canonical || a.Error != b.Error ||
			!slices.Equal(a.Chain, b.Chain) || !slices.Equal(a.IPv4, b.IPv4) || !slices.Equal(a.IPv6, b.IPv6) {
			t.Errorf("%s:\nrecursive     %+v\nauthoritative %+v", names[i], a, b)
		}
	}
}

func TestQueryTruncated(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	l := c.Query(t.Context(), "big.ville-exemple.fr", dns.TypeTXT)
	if !l.Truncated || l.Rcode != "NOERROR" || len(l.Answers) != 40 {
		t.Fatalf("big TXT: truncated %v, rcode %s, %d answers; want true, NOERROR, 40", l.Truncated, l.Rcode, len(l.Answers))
	}
	if n := lab.DNSQueries("big.ville-exemple.fr", dns.TypeTXT); n != 2 {
		t.Errorf("lab saw %d queries, want 2 (udp, then tcp)", n)
	}
	if a := l.Answers[0]; a.Name != "big.ville-exemple.fr" || a.Type != "TXT" || !strings.HasPrefix(a.Data, "lab-padding-") || a.TTL != 300 {
		t.Errorf("first answer %+v", a)
	}
}

func TestQueryRecord(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	l := c.Query(t.Context(), "JEPARTICIPE.ville-exemple.fr.", dns.TypeA)
	want := evidence.Lookup{
		ID: "dns/q/jeparticipe.ville-exemple.fr/A", Name: "jeparticipe.ville-exemple.fr", Type: "A", Rcode: "NOERROR",
		Server: lab.DNSAddr,
		Answers: []evidence.RR{
			{Name: "jeparticipe.ville-exemple.fr", Type: "CNAME", TTL: 300, Data: "proxy-fallback.participation-vendor.com."},
			{Name: "proxy-fallback.participation-vendor.com", Type: "A", TTL: 300, Data: "198.51.100.17"},
			{Name: "proxy-fallback.participation-vendor.com", Type: "A", TTL: 300, Data: "198.51.100.18"},
		},
	}
	if l.ID != want.ID || l.Name != want.Name || l.Type != want.Type || l.Rcode != want.Rcode ||
		l.Server != want.Server || l.Authenticated || l.Truncated || l.Error != "" || !slices.Equal(l.Answers, want.Answers) {
		t.Errorf("lookup\n%+v\nwant\n%+v", l, want)
	}
	if s := c.Query(t.Context(), "participez.commune-propre.fr", dns.TypeA); !s.Authenticated {
		t.Errorf("signed zone answer not authenticated: %+v", s)
	}
	if s := c.Query(t.Context(), "nope.ville-exemple.fr", dns.TypeA); s.Rcode != "NXDOMAIN" {
		t.Errorf("rcode %s, want NXDOMAIN", s.Rcode)
	}
	// The caller's copy is its own.
	l.Answers[0].Data = "changed"
	if again := c.Query(t.Context(), "jeparticipe.ville-exemple.fr", dns.TypeA); again.Answers[0].Data == "changed" {
		t.Error("changing a returned lookup changed the client's record")
	}
}

func TestQueryBadQuestions(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	tests := []struct {
		name  string
		qtype uint16
	}{
		{"", dns.TypeA},
		{".", dns.TypeA},
		{"a..b", dns.TypeA},
		{strings.Repeat("a", 64) + ".fr", dns.TypeA},
		{strings.Repeat("abcdefgh.", 40) + "fr", dns.TypeA},
		{"with space.fr", dns.TypeA},
		{"www.ville-exemple.fr", dns.TypeAXFR},
		{"www.ville-exemple.fr", dns.TypeOPT},
	}
	for _, tt := range tests {
		l := c.Query(t.Context(), tt.name, tt.qtype)
		if l.Rcode != evidence.RcodeError || l.Error == "" {
			t.Errorf("%q %s: rcode %s error %q, want ERROR", tt.name, dns.Type(tt.qtype), l.Rcode, l.Error)
		}
	}
}

func TestServerFailures(t *testing.T) {
	servfail := startFake(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
	})
	wrongQuestion := startFake(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Question[0].Name = "other.example."
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: "other.example.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)})
		_ = w.WriteMsg(m)
	})
	tests := []struct {
		name, addr, rcode, errHas string
	}{
		{"servfail", servfail, "SERVFAIL", "SERVFAIL"},
		{"answer to another question", wrongQuestion, evidence.RcodeError, "question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.addr)
			l := c.Query(t.Context(), "www.example.org", dns.TypeA)
			if l.Rcode != tt.rcode {
				t.Errorf("rcode %s (%s), want %s", l.Rcode, l.Error, tt.rcode)
			}
			r := c.Resolve(t.Context(), "www.example.org")
			if r.Status != evidence.ResolvedError || !strings.Contains(r.Error, tt.errHas) {
				t.Errorf("resolution %s %q, want error mentioning %q", r.Status, r.Error, tt.errHas)
			}
			z := c.Zone(t.Context(), "example.org", "www.example.org")
			if z.DNSSEC != evidence.DNSSECUnknown {
				t.Errorf("zone DNSSEC %s, want unknown", z.DNSSEC)
			}
		})
	}
}

// silentUDP returns the address of a UDP socket that never answers.
func silentUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func TestQueryTimeout(t *testing.T) {
	c, err := New(Config{Server: silentUDP(t), Timeout: 50 * time.Millisecond, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Query(t.Context(), "www.ville-exemple.fr", dns.TypeA)
	if l.Rcode != evidence.RcodeTimeout || !strings.Contains(l.Error, "2 attempts") {
		t.Errorf("rcode %s error %q, want TIMEOUT after 2 attempts", l.Rcode, l.Error)
	}
	if r := c.Resolve(t.Context(), "www.ville-exemple.fr"); r.Status != evidence.ResolvedError || !strings.Contains(r.Error, "TIMEOUT") {
		t.Errorf("resolution %s %q, want error with TIMEOUT", r.Status, r.Error)
	}
}

func TestQueryCancelled(t *testing.T) {
	c, err := New(Config{Server: silentUDP(t), Timeout: time.Minute, Retries: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan evidence.Resolution, 1)
	go func() { got <- c.Resolve(ctx, "www.ville-exemple.fr") }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case r := <-got:
		if r.Status != evidence.ResolvedError || !strings.Contains(r.Error, "canceled") {
			t.Errorf("resolution %s %q, want error: context canceled", r.Status, r.Error)
		}
	case <-time.After(30 * time.Second): // a liveness guard, not a timing assertion
		t.Fatal("Resolve did not return after its context was cancelled")
	}
	// The cut-short lookups are recorded, and a live context asks again.
	var cut int
	for _, l := range c.Lookups() {
		if strings.Contains(l.Error, "canceled") {
			cut++
		}
	}
	if cut != 2 {
		t.Errorf("%d cut-short lookups recorded, want 2 (A, AAAA): %+v", cut, c.Lookups())
	}
}

func TestCancelledLookupNotReused(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if l := c.Query(ctx, "www.ville-exemple.fr", dns.TypeA); l.Rcode != evidence.RcodeError {
		t.Fatalf("query with a cancelled context: %+v", l)
	}
	if l := c.Query(t.Context(), "www.ville-exemple.fr", dns.TypeA); l.Rcode != "NOERROR" || len(l.Answers) != 1 {
		t.Errorf("query after a cancelled one: %+v", l)
	}
	if ls := c.Lookups(); len(ls) != 1 || ls[0].Rcode != "NOERROR" {
		t.Errorf("lookups %+v, want the completed one only", ls)
	}
}

func TestDedup(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	const name = "jeparticipe.ville-exemple.fr"
	var wg sync.WaitGroup
	results := make([]evidence.Resolution, 20)
	for i := range results {
		wg.Go(func() { results[i] = c.Resolve(t.Context(), name) })
	}
	wg.Wait()
	for _, r := range results {
		if r.Status != evidence.ResolvedOK || len(r.Addrs()) != 4 {
			t.Fatalf("resolution %+v", r)
		}
	}
	c.Resolve(t.Context(), name)
	c.Query(t.Context(), name, dns.TypeA)
	if n := lab.DNSQueries(name, dns.TypeA); n != 1 {
		t.Errorf("%d A queries reached the lab, want 1", n)
	}
	if n := lab.DNSQueries(name, dns.TypeAAAA); n != 1 {
		t.Errorf("%d AAAA queries reached the lab, want 1", n)
	}
}

// TestViews: the views of a client share its answers (a question asked by
// one view never reaches the server again) and each reports only the
// lookups its own scan asked for.
func TestViews(t *testing.T) {
	lab := startLab(t)
	root := newClient(t, lab.DNSAddr)
	a, b := root.View(), root.View()
	const site, other = "jeparticipe.ville-exemple.fr", "www.ville-exemple.fr"
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { a.Resolve(t.Context(), site) })
		wg.Go(func() { b.Resolve(t.Context(), site) })
	}
	wg.Wait()
	b.Query(t.Context(), other, dns.TypeA)
	if n := lab.DNSQueries(site, dns.TypeA); n != 1 {
		t.Errorf("%d A queries for %s reached the lab from two views, want 1", n, site)
	}
	ids := func(c *Client) map[string]bool {
		m := map[string]bool{}
		for _, l := range c.Lookups() {
			m[l.ID] = true
		}
		return m
	}
	la, lb := ids(a), ids(b)
	if !la["dns/q/"+site+"/A"] || !lb["dns/q/"+site+"/A"] {
		t.Errorf("a shared answer is missing from a view's lookups: %v, %v", la, lb)
	}
	if la["dns/q/"+other+"/A"] || !lb["dns/q/"+other+"/A"] {
		t.Errorf("view a reports view b's question: %v, %v", la, lb)
	}
	if len(root.Lookups()) != 0 {
		t.Errorf("the root client asked nothing but reports %v", root.Lookups())
	}
}

func TestZone(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	tests := []struct {
		domain, host string
		want         evidence.Zone
	}{
		{"ville-exemple.fr", "jeparticipe.ville-exemple.fr", evidence.Zone{
			ID: "dns/zone/ville-exemple.fr", Domain: "ville-exemple.fr",
			NS:       []string{"ns1.ville-exemple.fr"},
			MX:       []evidence.MX{{Preference: 10, Host: "mailgate.ville-exemple.fr"}, {Preference: 20, Host: "mailgate2.ville-exemple.fr"}},
			SPF:      "v=spf1 mx -all",
			DMARC:    "v=DMARC1; p=quarantine; rua=mailto:dmarc@ville-exemple.fr",
			CAA:      []evidence.CAA{{Flag: 0, Tag: "issue", Value: "letsencrypt.org"}},
			CAAOwner: "ville-exemple.fr",
			DNSSEC:   evidence.DNSSECUnsigned,
			Lookups: []string{
				"dns/q/ville-exemple.fr/NS", "dns/q/ville-exemple.fr/MX", "dns/q/ville-exemple.fr/TXT",
				"dns/q/_dmarc.ville-exemple.fr/TXT", "dns/q/jeparticipe.ville-exemple.fr/CAA",
				"dns/q/ville-exemple.fr/CAA", "dns/q/ville-exemple.fr/DNSKEY",
			},
		}},
		{"Commune-Propre.fr.", "", evidence.Zone{
			ID: "dns/zone/commune-propre.fr", Domain: "commune-propre.fr",
			NS:       []string{"ns1.commune-propre.fr"},
			MX:       []evidence.MX{{Preference: 10, Host: "mx.commune-propre.fr"}},
			SPF:      "v=spf1 mx -all",
			DMARC:    "v=DMARC1; p=reject",
			CAA:      []evidence.CAA{{Flag: 0, Tag: "issue", Value: "letsencrypt.org"}},
			CAAOwner: "commune-propre.fr",
			DNSSEC:   evidence.DNSSECValidated,
			Lookups: []string{
				"dns/q/commune-propre.fr/NS", "dns/q/commune-propre.fr/MX", "dns/q/commune-propre.fr/TXT",
				"dns/q/_dmarc.commune-propre.fr/TXT", "dns/q/commune-propre.fr/CAA", "dns/q/commune-propre.fr/DNSKEY",
			},
		}},
		{"participation-vendor.com", "track.participation-vendor.com", evidence.Zone{
			ID: "dns/zone/participation-vendor.com", Domain: "participation-vendor.com",
			MX:     []evidence.MX{{Preference: 10, Host: "mx.participation-vendor.com"}},
			DNSSEC: evidence.DNSSECUnsigned,
			Lookups: []string{
				"dns/q/participation-vendor.com/NS", "dns/q/participation-vendor.com/MX", "dns/q/participation-vendor.com/TXT",
				"dns/q/_dmarc.participation-vendor.com/TXT", "dns/q/track.participation-vendor.com/CAA",
				"dns/q/participation-vendor.com/CAA", "dns/q/participation-vendor.com/DNSKEY",
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			z := c.Zone(t.Context(), tt.domain, tt.host)
			if !zonesEqual(z, tt.want) {
				t.Errorf("zone\n%+v\nwant\n%+v", z, tt.want)
			}
		})
	}
}

func zonesEqual(a, b evidence.Zone) bool {
	return a.ID == b.ID && a.Domain == b.Domain && slices.Equal(a.NS, b.NS) && slices.Equal(a.MX, b.MX) &&
		a.SPF == b.SPF && a.DMARC == b.DMARC && slices.Equal(a.TXT, b.TXT) && slices.Equal(a.CAA, b.CAA) &&
		a.CAAOwner == b.CAAOwner && a.DNSSEC == b.DNSSEC && slices.Equal(a.Lookups, b.Lookups)
}

func TestCollect(t *testing.T) {
	lab := startLab(t)
	c := newClient(t, lab.DNSAddr)
	d := Collect(t.Context(), c,
		[]string{"jeparticipe.ville-exemple.fr", "sondage.ville-exemple.fr", "JEPARTICIPE.ville-exemple.fr.", "", "participez.commune-propre.fr"},
		[]string{"ville-exemple.fr", "commune-propre.fr", "ville-exemple.fr"})

	var ids []string
	for _, r := range d.Resolutions {
		ids = append(ids, r.ID)
	}
	if want := []string{"dns/jeparticipe.ville-exemple.fr", "dns/participez.commune-propre.fr", "dns/sondage.ville-exemple.fr"}; !slices.Equal(ids, want) {
		t.Errorf("resolutions %v, want %v", ids, want)
	}
	if len(d.Zones) != 2 || d.Zones[0].ID != "dns/zone/commune-propre.fr" || d.Zones[1].ID != "dns/zone/ville-exemple.fr" {
		t.Fatalf("zones %+v", d.Zones)
	}
	// The city's CAA walk started at the first name inside it.
	if z := d.Zone("ville-exemple.fr"); z.CAAOwner != "ville-exemple.fr" || z.Lookups[4] != "dns/q/jeparticipe.ville-exemple.fr/CAA" {
		t.Errorf("city zone %+v", z)
	}
	if r := d.Resolution("sondage.ville-exemple.fr"); r.Status != evidence.ResolvedNXDomain {
		t.Errorf("sondage: %+v", r)
	}
	if !slices.IsSortedFunc(d.Lookups, func(a, b evidence.Lookup) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("lookups not sorted")
	}
	recorded := map[string]bool{}
	for _, l := range d.Lookups {
		if recorded[l.ID] {
			t.Errorf("lookup %s recorded twice", l.ID)
		}
		recorded[l.ID] = true
	}
	for _, r := range d.Resolutions {
		for _, id := range r.Lookups {
			if !recorded[id] {
				t.Errorf("%s cites %s, not recorded", r.ID, id)
			}
		}
	}
	for _, z := range d.Zones {
		for _, id := range z.Lookups {
			if !recorded[id] {
				t.Errorf("%s cites %s, not recorded", z.ID, id)
			}
		}
	}
	if empty := Collect(t.Context(), c, nil, nil); empty.Resolutions != nil || empty.Zones != nil {
		t.Errorf("Collect of nothing: %+v", empty)
	}
	if nothing := Collect(t.Context(), nil, []string{"a.fr"}, nil); nothing.Lookups != nil {
		t.Errorf("Collect with no client: %+v", nothing)
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("# test\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, []byte("# no servers\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		resolv  string
		server  string
		errHas  string
		timeout time.Duration
		retries int
	}{
		{"host:port", Config{Server: "127.0.0.1:5353"}, "", "127.0.0.1:5353", "", 2 * time.Second, 2},
		{"bare ipv4", Config{Server: "192.0.2.1"}, "", "192.0.2.1:53", "", 2 * time.Second, 2},
		{"bare ipv6", Config{Server: "2001:db8::53"}, "", "[2001:db8::53]:53", "", 2 * time.Second, 2},
		{"bracketed ipv6", Config{Server: "[2001:db8::53]"}, "", "[2001:db8::53]:53", "", 2 * time.Second, 2},
		{"ipv6 with port", Config{Server: "[2001:db8::53]:5353"}, "", "[2001:db8::53]:5353", "", 2 * time.Second, 2},
		{"host name", Config{Server: "dns.example.net"}, "", "dns.example.net:53", "", 2 * time.Second, 2},
		{"options", Config{Server: "192.0.2.1:53", Timeout: time.Second, Retries: -1}, "", "192.0.2.1:53", "", time.Second, 0},
		{"many retries", Config{Server: "192.0.2.1:53", Retries: 1000}, "", "192.0.2.1:53", "", 2 * time.Second, maxRetries},
		{"system", Config{}, conf, "192.0.2.53:53", "", 2 * time.Second, 2},
		{"no resolv.conf", Config{}, filepath.Join(dir, "missing"), "", "missing", 0, 0},
		{"empty resolv.conf", Config{}, empty, "", "no nameserver", 0, 0},
		{"bad port", Config{Server: "192.0.2.1:dns"}, "", "", `"192.0.2.1:dns"`, 0, 0},
		{"port 0", Config{Server: "192.0.2.1:0"}, "", "", "bad port", 0, 0},
		{"port too big", Config{Server: "192.0.2.1:65536"}, "", "", "bad port", 0, 0},
		{"no host", Config{Server: ":53"}, "", "", "no host", 0, 0},
		{"url", Config{Server: "https://dns.example/"}, "", "", "https://dns.example/", 0, 0},
		{"space", Config{Server: "192.0.2.1 53"}, "", "", "192.0.2.1 53", 0, 0},
		{"half bracket", Config{Server: "[2001:db8::53"}, "", "", "[2001:db8::53", 0, 0},
		{"negative timeout", Config{Server: "192.0.2.1", Timeout: -time.Second}, "", "", "negative", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.resolv != "" {
				old := resolvConf
				resolvConf = tt.resolv
				t.Cleanup(func() { resolvConf = old })
			}
			c, err := New(tt.cfg)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("New(%+v) = %v, want an error mentioning %q", tt.cfg, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Server() != tt.server || c.timeout != tt.timeout || c.retries != tt.retries {
				t.Errorf("server %q timeout %v retries %d, want %q %v %d", c.Server(), c.timeout, c.retries, tt.server, tt.timeout, tt.retries)
			}
		})
	}
}

func TestAnswerBounds(t *testing.T) {
	addr := startFake(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
			m.Truncated = true // come back over TCP
		} else {
			for i := range 150 {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(192, 0, 2, byte(i)),
				})
			}
		}
		_ = w.WriteMsg(m)
	})
	c := newClient(t, addr)
	if l := c.Query(t.Context(), "many.example", dns.TypeA); !l.Truncated || l.Rcode != "NOERROR" || len(l.Answers) != maxAnswers {
		t.Errorf("150 answers over TCP: truncated %v, rcode %s, %d answers kept; want true, NOERROR, %d",
			l.Truncated, l.Rcode, len(l.Answers), maxAnswers)
	}

	// A UDP-only server whose answers are all truncated.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			req := new(dns.Msg)
			if req.Unpack(buf[:n]) != nil {
				continue
			}
			m := new(dns.Msg)
			m.SetReply(req)
			m.Truncated = true
			if out, err := m.Pack(); err == nil {
				_, _ = pc.WriteTo(out, from)
			}
		}
	}()
	c = newClient(t, pc.LocalAddr().String())
	if l := c.Query(t.Context(), "notcp.example", dns.TypeA); !l.Truncated || l.Rcode != evidence.RcodeError ||
		!strings.Contains(l.Error, "tcp") || len(l.Answers) != 0 {
		t.Errorf("truncated, and no TCP: %+v", l)
	}

	huge := &dns.TXT{Hdr: dns.RR_Header{Name: "t.example.", Rrtype: dns.TypeTXT, Class: dns.ClassINET},
		Txt: slices.Repeat([]string{strings.Repeat("z", 250)}, 20)}
	if rr := toRR(huge); len(rr.Data) != maxData {
		t.Errorf("data of %d bytes kept, want %d", len(rr.Data), maxData)
	}
}

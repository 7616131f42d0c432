package scantest

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestDefaultRecords(t *testing.T) {
	for _, r := range defaultRecords() {
		if _, err := r.parse(); err != nil {
			t.Errorf("default record %+v: %v", r, err)
		}
	}
}

func TestRecordErrors(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
	}{
		{"empty name", A("", "192.0.2.1")},
		{"root", A(".", "192.0.2.1")},
		{"space in name", A("a b.example", "192.0.2.1")},
		{"zone-file directive as name", A("$INCLUDE", "/etc/passwd")},
		{"bad address", A("a.example", "not-an-address")},
		{"ipv6 in A", A("a.example", "2001:db8::1")},
		{"line break in data", Record{Name: "a.example", Type: dns.TypeTXT, Data: "\"x\"\nb.example. A 192.0.2.1"}},
		{"empty data", Record{Name: "a.example", Type: dns.TypeMX}},
		{"label too long", A(strings.Repeat("a", 64)+".example", "192.0.2.1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewZone(tt.rec); err == nil {
				t.Errorf("NewZone(%+v) accepted it", tt.rec)
			}
		})
	}
}

func TestAddAllOrNothing(t *testing.T) {
	z, err := NewZone()
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Add(A("ok.example", "192.0.2.1"), A("bad.example", "nope")); err == nil {
		t.Fatal("Add with an invalid record succeeded")
	}
	if rcode, _, _ := z.answer("ok.example.", dns.TypeA); rcode != dns.RcodeNameError {
		t.Errorf("ok.example was added by a failed Add (rcode %s)", dns.RcodeToString[rcode])
	}
}

func TestTXTSplitsLongStrings(t *testing.T) {
	long := strings.Repeat("y", 600)
	z, err := NewZone(TXT("t.example", long, `with "quotes" and \ backslash`))
	if err != nil {
		t.Fatal(err)
	}
	_, ans, _ := z.answer("t.example.", dns.TypeTXT)
	if len(ans) != 1 {
		t.Fatalf("got %d records, want 1", len(ans))
	}
	txt := ans[0].(*dns.TXT).Txt
	if len(txt) != 4 || strings.Join(txt[:3], "") != long {
		t.Errorf("long string split into %d parts: %q", len(txt), txt)
	}
}

// answerNames summarises an answer as "owner TYPE" strings.
func answerNames(ans []dns.RR) []string {
	var out []string
	for _, rr := range ans {
		out = append(out, strings.TrimSuffix(rr.Header().Name, ".")+" "+dns.Type(rr.Header().Rrtype).String())
	}
	return out
}

func TestZoneAnswer(t *testing.T) {
	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		recursive bool
		rcode     int
		want      []string
		signed    bool
	}{
		{"founding chain, recursive", "jeparticipe.ville-exemple.fr", dns.TypeA, true, dns.RcodeSuccess,
			[]string{"jeparticipe.ville-exemple.fr CNAME", "proxy-fallback.participation-vendor.com A", "proxy-fallback.participation-vendor.com A"}, false},
		{"founding chain, authoritative", "jeparticipe.ville-exemple.fr", dns.TypeA, false, dns.RcodeSuccess,
			[]string{"jeparticipe.ville-exemple.fr CNAME"}, false},
		{"CNAME asked for", "JEPARTICIPE.ville-exemple.fr.", dns.TypeCNAME, true, dns.RcodeSuccess,
			[]string{"jeparticipe.ville-exemple.fr CNAME"}, false},
		{"dangling, recursive", "sondage.ville-exemple.fr", dns.TypeA, true, dns.RcodeNameError,
			[]string{"sondage.ville-exemple.fr CNAME"}, false},
		{"dangling, authoritative", "sondage.ville-exemple.fr", dns.TypeA, false, dns.RcodeSuccess,
			[]string{"sondage.ville-exemple.fr CNAME"}, false},
		{"loop stops", "boucle.ville-exemple.fr", dns.TypeA, true, dns.RcodeSuccess,
			[]string{"boucle.ville-exemple.fr CNAME", "boucle-b.ville-exemple.fr CNAME"}, false},
		{"long chain capped at 8", "long.ville-exemple.fr", dns.TypeA, true, dns.RcodeSuccess,
			[]string{"long.ville-exemple.fr CNAME", "c1.long.ville-exemple.fr CNAME", "c2.long.ville-exemple.fr CNAME",
				"c3.long.ville-exemple.fr CNAME", "c4.long.ville-exemple.fr CNAME", "c5.long.ville-exemple.fr CNAME",
				"c6.long.ville-exemple.fr CNAME", "c7.long.ville-exemple.fr CNAME"}, false},
		{"nodata at chain end", "nodata.ville-exemple.fr", dns.TypeAAAA, true, dns.RcodeSuccess,
			[]string{"nodata.ville-exemple.fr CNAME"}, false},
		{"NODATA", "www.ville-exemple.fr", dns.TypeMX, true, dns.RcodeSuccess, nil, false},
		{"empty non-terminal", "atl141.mandrillapp.com", dns.TypeA, true, dns.RcodeSuccess, nil, false},
		{"NXDOMAIN", "nope.ville-exemple.fr", dns.TypeA, true, dns.RcodeNameError, nil, false},
		{"signed zone", "participez.commune-propre.fr", dns.TypeAAAA, true, dns.RcodeSuccess,
			[]string{"participez.commune-propre.fr CNAME", "web.commune-propre.fr AAAA"}, true},
		{"DNSKEY at signed apex", "commune-propre.fr", dns.TypeDNSKEY, true, dns.RcodeSuccess,
			[]string{"commune-propre.fr DNSKEY"}, true},
		{"no DNSKEY at unsigned apex", "ville-exemple.fr", dns.TypeDNSKEY, true, dns.RcodeSuccess, nil, false},
		{"signed NXDOMAIN", "nope.commune-propre.fr", dns.TypeA, true, dns.RcodeNameError, nil, true},
		{"CAA at apex", "ville-exemple.fr", dns.TypeCAA, true, dns.RcodeSuccess, []string{"ville-exemple.fr CAA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := DefaultZone()
			z.SetRecursive(tt.recursive)
			rcode, ans, signed := z.answer(tt.qname, tt.qtype)
			if rcode != tt.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[rcode], dns.RcodeToString[tt.rcode])
			}
			if got := answerNames(ans); !slices.Equal(got, tt.want) {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
			if signed != tt.signed {
				t.Errorf("signed %v, want %v", signed, tt.signed)
			}
		})
	}
}

func TestAnswerCopies(t *testing.T) {
	z := DefaultZone()
	_, ans, _ := z.answer("www.ville-exemple.fr.", dns.TypeA)
	ans[0].Header().Name = "changed."
	_, again, _ := z.answer("www.ville-exemple.fr.", dns.TypeA)
	if again[0].Header().Name != "www.ville-exemple.fr." {
		t.Errorf("changing an answer changed the zone: %s", again[0].Header().Name)
	}
}

func TestSites(t *testing.T) {
	sites := Sites()
	if len(sites) == 0 || sites[0].Name != ScenarioFounding {
		t.Fatalf("the founding case is not first: %+v", sites)
	}
	z := DefaultZone()
	seen := map[string]bool{}
	for _, s := range sites {
		if seen[s.Name] || s.Name == "" || s.Description == "" {
			t.Errorf("site %+v: duplicate or empty name or description", s)
		}
		seen[s.Name] = true
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			t.Errorf("site %s: bad URL %q", s.Name, s.URL)
			continue
		}
		host := u.Hostname()
		if rcode, _, _ := z.answer(host, dns.TypeCNAME); rcode != dns.RcodeSuccess {
			t.Errorf("site %s: host %s not in the zone", s.Name, host)
		}
	}
}

func FuzzZoneAnswer(f *testing.F) {
	f.Add("jeparticipe.ville-exemple.fr.", uint16(dns.TypeA))
	f.Add("boucle.ville-exemple.fr", uint16(dns.TypeAAAA))
	f.Add("", uint16(0))
	f.Add("..", uint16(dns.TypeCNAME))
	f.Add("\xff.commune-propre.fr", uint16(dns.TypeDNSKEY))
	z := DefaultZone()
	f.Fuzz(func(t *testing.T, name string, qtype uint16) {
		rcode, ans, _ := z.answer(name, qtype)
		if rcode != dns.RcodeSuccess && rcode != dns.RcodeNameError {
			t.Errorf("rcode %d", rcode)
		}
		if len(ans) > 40 {
			t.Errorf("%d answers for %q", len(ans), name)
		}
	})
}

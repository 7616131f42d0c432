package scantest

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startLab starts a lab for one test and closes it afterwards.
func startLab(t *testing.T) *Lab {
	t.Helper()
	lab, err := Start(t.Context())
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

// ask sends one question to the lab over network, with EDNS0 when
// ednsSize is not zero.
func ask(t *testing.T, lab *Lab, network, name string, qtype uint16, ednsSize uint16, do bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	if ednsSize != 0 {
		m.SetEdns0(ednsSize, do)
	}
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, lab.DNSAddr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.Type(qtype), network, err)
	}
	return r
}

func TestDNSServer(t *testing.T) {
	lab := startLab(t)
	tests := []struct {
		name      string
		network   string
		qname     string
		qtype     uint16
		edns      uint16
		do        bool
		rcode     int
		answers   int
		truncated bool
		ad        bool
	}{
		{"founding A", "udp", "jeparticipe.ville-exemple.fr", dns.TypeA, 1232, true, dns.RcodeSuccess, 3, false, false},
		{"NXDOMAIN", "udp", "nope.ville-exemple.fr", dns.TypeA, 1232, true, dns.RcodeNameError, 0, false, false},
		{"NODATA", "udp", "www.ville-exemple.fr", dns.TypeAAAA, 0, false, dns.RcodeSuccess, 0, false, false},
		{"big over udp, 512", "udp", "big.ville-exemple.fr", dns.TypeTXT, 0, false, dns.RcodeSuccess, -1, true, false},
		{"big over udp, edns 1232", "udp", "big.ville-exemple.fr", dns.TypeTXT, 1232, true, dns.RcodeSuccess, -1, true, false},
		{"big over tcp", "tcp", "big.ville-exemple.fr", dns.TypeTXT, 1232, true, dns.RcodeSuccess, 40, false, false},
		{"big over udp, edns 65000", "udp", "big.ville-exemple.fr", dns.TypeTXT, 65000, false, dns.RcodeSuccess, 40, false, false},
		{"signed with DO", "udp", "participez.commune-propre.fr", dns.TypeA, 1232, true, dns.RcodeSuccess, 2, false, true},
		{"signed without DO", "udp", "participez.commune-propre.fr", dns.TypeA, 1232, false, dns.RcodeSuccess, 2, false, false},
		{"signed DNSKEY", "tcp", "commune-propre.fr", dns.TypeDNSKEY, 1232, true, dns.RcodeSuccess, 1, false, true},
		{"ANY refused", "udp", "ville-exemple.fr", dns.TypeANY, 1232, false, dns.RcodeNotImplemented, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ask(t, lab, tt.network, tt.qname, tt.qtype, tt.edns, tt.do)
			if r.Rcode != tt.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			if tt.answers >= 0 && len(r.Answer) != tt.answers {
				t.Errorf("%d answers, want %d", len(r.Answer), tt.answers)
			}
			if r.Truncated != tt.truncated {
				t.Errorf("TC %v, want %v", r.Truncated, tt.truncated)
			}
			if r.AuthenticatedData != tt.ad {
				t.Errorf("AD %v, want %v", r.AuthenticatedData, tt.ad)
			}
			if opt := r.IsEdns0(); (opt != nil) != (tt.edns != 0) {
				t.Errorf("OPT in answer: %v, in query: %v", opt != nil, tt.edns != 0)
			}
		})
	}
}

func TestDNSQueriesCounter(t *testing.T) {
	lab := startLab(t)
	for range 3 {
		ask(t, lab, "udp", "WWW.ville-exemple.fr", dns.TypeA, 0, false)
	}
	ask(t, lab, "tcp", "www.ville-exemple.fr", dns.TypeAAAA, 0, false)
	if n := lab.DNSQueries("www.ville-exemple.fr.", dns.TypeA); n != 3 {
		t.Errorf("A queries: %d, want 3", n)
	}
	if n := lab.DNSQueries("www.ville-exemple.fr", dns.TypeAAAA); n != 1 {
		t.Errorf("AAAA queries: %d, want 1", n)
	}
	if n := lab.DNSQueries("other.example", dns.TypeA); n != 0 {
		t.Errorf("queries never made: %d", n)
	}
}

func TestDNSServerMalformed(t *testing.T) {
	lab := startLab(t)
	noQuestion := new(dns.Msg)
	noQuestion.Id = 7
	nq, err := noQuestion.Pack()
	if err != nil {
		t.Fatal(err)
	}
	twoQuestions := new(dns.Msg)
	twoQuestions.SetQuestion("a.ville-exemple.fr.", dns.TypeA)
	twoQuestions.Question = append(twoQuestions.Question, dns.Question{Name: "b.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
	tq, err := twoQuestions.Pack()
	if err != nil {
		t.Fatal(err)
	}
	notify := new(dns.Msg)
	notify.SetNotify("ville-exemple.fr.")
	nt, err := notify.Pack()
	if err != nil {
		t.Fatal(err)
	}
	valid := new(dns.Msg)
	valid.SetQuestion("www.ville-exemple.fr.", dns.TypeA)
	v, err := valid.Pack()
	if err != nil {
		t.Fatal(err)
	}
	packets := [][]byte{
		{},
		{0x00},
		[]byte("this is not a DNS message at all"),
		nq,
		tq,
		nt,
		v[:len(v)-3],    // a question cut short
		append(v, 0xff), // trailing garbage
		make([]byte, 600),
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, p := range packets {
			conn, err := net.Dial(network, lab.DNSAddr)
			if err != nil {
				t.Fatal(err)
			}
			if network == "tcp" {
				p = append([]byte{byte(len(p) >> 8), byte(len(p))}, p...)
			}
			_, _ = conn.Write(p)
			_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = conn.Read(make([]byte, 2048))
			conn.Close()
		}
	}
	// The server still answers.
	for _, network := range []string{"udp", "tcp"} {
		if r := ask(t, lab, network, "www.ville-exemple.fr", dns.TypeA, 1232, false); len(r.Answer) != 1 {
			t.Errorf("after malformed queries over %s: %d answers, want 1", network, len(r.Answer))
		}
	}
}

func TestDNSServerAuthoritativeMode(t *testing.T) {
	lab := startLab(t)
	lab.Zone.SetRecursive(false)
	r := ask(t, lab, "udp", "jeparticipe.ville-exemple.fr", dns.TypeA, 1232, false)
	if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeCNAME || !r.Authoritative || r.RecursionAvailable {
		t.Errorf("authoritative-style answer: %v", r)
	}
}

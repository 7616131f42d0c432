package owner

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readWhoisFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "whois", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var cloudflareV4 = &WhoisNetwork{
	Registry: "arin",
	Start:    "104.16.0.0",
	End:      "104.31.255.255",
	CIDRs:    []string{"104.16.0.0/12"},
	Name:     "CLOUDFLARENET",
	Handle:   "NET-104-16-0-0-1",
	OrgName:  "Cloudflare, Inc.",
	OrgID:    "CLOUD14",
	Country:  "US",
	Address:  "101 Townsend Street, San Francisco, CA 94107, US",
	ASNs:     []uint32{13335},
	Abuse:    "abuse@cloudflare.com",
}

var ovhV4 = &WhoisNetwork{
	Registry: "ripe",
	Start:    "51.254.0.0",
	End:      "51.255.255.255",
	CIDRs:    []string{"51.254.0.0/15"},
	Name:     "FR-OVH-20150330",
	Handle:   "51.254.0.0 - 51.255.255.255",
	OrgName:  "OVH SAS",
	OrgID:    "ORG-OS3-RIPE",
	Country:  "FR",
	Address:  "2 rue Kellermann, 59100, Roubaix, FRANCE",
	ASNs:     []uint32{16276},
	Abuse:    "abuse@ovh.net",
}

func TestParseIPWhoisFixtures(t *testing.T) {
	tests := []struct {
		file string
		want *WhoisNetwork
	}{
		{"arin_cloudflare_ipv4.txt", cloudflareV4},
		{"arin_cloudflare_ipv6.txt", &WhoisNetwork{
			Registry: "arin",
			Start:    "2606:4700::",
			End:      "2606:4700:ffff:ffff:ffff:ffff:ffff:ffff",
			CIDRs:    []string{"2606:4700::/32"},
			Name:     "CLOUDFLARENET",
			Handle:   "NET6-2606-4700-1",
			OrgName:  "Cloudflare, Inc.",
			OrgID:    "CLOUD14",
			Country:  "US",
			Address:  "101 Townsend Street, San Francisco, CA 94107, US",
			ASNs:     []uint32{13335},
			Abuse:    "abuse@cloudflare.com",
		}},
		// Parent allocation and customer reassignment: the customer's
		// smaller range wins, with the customer's own section; the
		// parent's abuse desk is not attributed to the customer.
		{"arin_reassigned.txt", &WhoisNetwork{
			Registry: "arin",
			Start:    "198.51.100.0",
			End:      "198.51.100.255",
			CIDRs:    []string{"198.51.100.0/24"},
			Name:     "EXBB-CUST-EXAMPLE",
			Handle:   "NET-198-51-100-0-1",
			OrgName:  "Example Customer Corp",
			OrgID:    "C07654321",
			Country:  "CA",
			Address:  "42 Sample Street, Toronto, ON M5V 2T6, CA",
		}},
		{"ripe_ovh_ipv4.txt", ovhV4},
		// Two inet6num objects (allocation and assignment); abuse-c
		// resolved to the role's abuse-mailbox; of the two route6 objects
		// covering the range only the most specific counts.
		{"ripe_example_ipv6.txt", &WhoisNetwork{
			Registry: "ripe",
			Start:    "2001:db8:1234::",
			End:      "2001:db8:1234:ffff:ffff:ffff:ffff:ffff",
			CIDRs:    []string{"2001:db8:1234::/48"},
			Name:     "EXAMPLE-HOSTING-NET",
			Handle:   "2001:db8:1234::/48",
			OrgName:  "Example Hosting GmbH",
			OrgID:    "ORG-EHG1-RIPE",
			Country:  "DE",
			Address:  "Beispielstrasse 1, 60311 Frankfurt am Main, GERMANY",
			ASNs:     []uint32{64511},
			Abuse:    "abuse@hosting.example",
		}},
		{"apnic_cloudflare_labs.txt", &WhoisNetwork{
			Registry: "apnic",
			Start:    "1.1.1.0",
			End:      "1.1.1.255",
			CIDRs:    []string{"1.1.1.0/24"},
			Name:     "APNIC-LABS",
			Handle:   "1.1.1.0 - 1.1.1.255",
			OrgName:  "APNIC Research and Development",
			OrgID:    "ORG-ARAD1-AP",
			Country:  "AU",
			Address:  "6 Cordelia St",
			ASNs:     []uint32{13335},
			Abuse:    "helpdesk@apnic.net",
		}},
		// No organisation: descr names the holder; abuse from the irt.
		{"apnic_example_ipv6.txt", &WhoisNetwork{
			Registry: "apnic",
			Start:    "2001:db8:abcd::",
			End:      "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff",
			CIDRs:    []string{"2001:db8:abcd::/48"},
			Name:     "EXAMPLE-JP-V6",
			Handle:   "2001:db8:abcd::/48",
			OrgName:  "Example Cloud KK",
			Country:  "JP",
			ASNs:     []uint32{64505},
			Abuse:    "abuse@cloud.example",
		}},
		// Abbreviated prefix, owner/ownerid, aut-num in the inetnum,
		// abuse-c resolved to a nic-hdl-br contact's e-mail.
		{"lacnic_nicbr.txt", &WhoisNetwork{
			Registry: "lacnic",
			Start:    "200.160.0.0",
			End:      "200.160.15.255",
			CIDRs:    []string{"200.160.0.0/20"},
			Handle:   "200.160.0.0/20",
			OrgName:  "Núcleo de Inf. e Coord. do Ponto BR - NIC.BR",
			OrgID:    "05.506.560/0001-36",
			Country:  "BR",
			ASNs:     []uint32{22548},
			Abuse:    "cert@cert.example",
		}},
		// ISO-8859-1 and CRLF, three-octet abbreviated prefix.
		{"lacnic_provider_latin1.txt", &WhoisNetwork{
			Registry: "lacnic",
			Start:    "192.0.2.0",
			End:      "192.0.2.255",
			CIDRs:    []string{"192.0.2.0/24"},
			Handle:   "192.0.2.0/24",
			OrgName:  "Provedor Exemplo de Conexão Ltda",
			OrgID:    "BR-PECL-LACNIC",
			Country:  "BR",
			Address:  "Rua Exemplo, 123, Sala 4, 01000-000 - São Paulo - SP",
			ASNs:     []uint32{64500},
			Abuse:    "abuse@provedor.example",
		}},
		{"afrinic_anycast.txt", &WhoisNetwork{
			Registry: "afrinic",
			Start:    "196.216.2.0",
			End:      "196.216.3.255",
			CIDRs:    []string{"196.216.2.0/23"},
			Name:     "AFRINIC-Anycast-Net",
			Handle:   "196.216.2.0 - 196.216.3.255",
			OrgName:  "African Network Information Center - ( AFRINIC )",
			OrgID:    "ORG-AFNC1-AFRINIC",
			Country:  "MU",
			Address:  "11th Floor, Standard Chartered Tower, 19, Cybercity, Ebene",
			ASNs:     []uint32{33764},
			Abuse:    "abusepoc@afrinic.net",
		}},
		// A /25 inside a covering /22 route; abuse from the irt.
		{"afrinic_example.txt", &WhoisNetwork{
			Registry: "afrinic",
			Start:    "203.0.113.0",
			End:      "203.0.113.127",
			CIDRs:    []string{"203.0.113.0/25"},
			Name:     "EXAMPLE-TELECOM-ZA-CUST",
			Handle:   "203.0.113.0 - 203.0.113.127",
			OrgName:  "Example Telecom customer block",
			Country:  "ZA",
			ASNs:     []uint32{64502},
			Abuse:    "abuse@telecom.example",
		}},
		{"arin_nomatch.txt", nil},
		{"ripe_nomatch.txt", nil},
		{"arin_asn_cloudflare.txt", nil},
		{"ripe_asn_ovh.txt", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkIPWhois(t, readWhoisFixture(t, tt.file), tt.want)
		})
	}
}

func checkIPWhois(t *testing.T, raw []byte, want *WhoisNetwork) {
	t.Helper()
	got, err := ParseIPWhois(raw)
	if want == nil {
		if !errors.Is(err, ErrWhoisNoNetwork) || got != nil {
			t.Fatalf("ParseIPWhois = %+v, %v; want ErrWhoisNoNetwork", got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("ParseIPWhois: %v", err)
	}
	if !reflect.DeepEqual(normNetwork(got), normNetwork(want)) {
		t.Errorf("ParseIPWhois =\n %+v\nwant\n %+v", got, want)
	}
}

// normNetwork makes empty and nil slices compare equal.
func normNetwork(n *WhoisNetwork) WhoisNetwork {
	c := *n
	if len(c.CIDRs) == 0 {
		c.CIDRs = nil
	}
	if len(c.ASNs) == 0 {
		c.ASNs = nil
	}
	return c
}

func TestParseIPWhoisVariants(t *testing.T) {
	arin := readWhoisFixture(t, "arin_cloudflare_ipv4.txt")
	ripe := readWhoisFixture(t, "ripe_ovh_ipv4.txt")

	arinRIPEManaged := []byte(`
NetRange:       51.0.0.0 - 51.255.255.255
CIDR:           51.0.0.0/8
NetName:        RIPE-ERX-51
NetHandle:      NET-51-0-0-0-1
NetType:        Early Registrations, Maintained by RIPE NCC
Organization:   RIPE Network Coordination Centre (RIPE)

OrgName:        RIPE Network Coordination Centre
OrgId:          RIPE
Address:        P.O. Box 10096
City:           Amsterdam
Country:        NL

ReferralServer:  whois://whois.ripe.net

OrgAbuseEmail:  abuse@ripe.net

`)

	tests := []struct {
		name string
		raw  []byte
		want *WhoisNetwork
	}{
		{"CRLF", bytes.ReplaceAll(arin, []byte("\n"), []byte("\r\n")), cloudflareV4},
		{"bare CR before LF twice", bytes.ReplaceAll(ripe, []byte("\n"), []byte("\r\r\n")), ovhV4},
		// The seed's copy of the ARIN answer has a blank line after every line.
		{"ARIN with doubled blank lines", bytes.ReplaceAll(arin, []byte("\n"), []byte("\n\n")), cloudflareV4},
		{"ARIN upper-case keys", bytes.ToUpper(arin), &WhoisNetwork{
			Registry: "arin", Start: "104.16.0.0", End: "104.31.255.255",
			CIDRs: []string{"104.16.0.0/12"}, Name: "CLOUDFLARENET", Handle: "NET-104-16-0-0-1",
			OrgName: "CLOUDFLARE, INC.", OrgID: "CLOUD14", Country: "US",
			Address: "101 TOWNSEND STREET, SAN FRANCISCO, CA 94107, US",
			ASNs:    []uint32{13335}, Abuse: "ABUSE@CLOUDFLARE.COM",
		}},
		{"RPSL upper-case keys", []byte(strings.NewReplacer("inetnum:", "INETNUM:", "netname:", "NetName:", "country:", "Country:").Replace(string(ripe))), ovhV4},
		// A referral chain: ARIN's RIPE-managed /8, then RIPE's answer.
		{"ARIN then RIPE referral", append(append([]byte{}, arinRIPEManaged...), ripe...), ovhV4},
		{"RIPE then ARIN", append(append([]byte{}, ripe...), arinRIPEManaged...), ovhV4},
		{"ARIN alone", arinRIPEManaged, &WhoisNetwork{
			Registry: "arin", Start: "51.0.0.0", End: "51.255.255.255",
			CIDRs: []string{"51.0.0.0/8"}, Name: "RIPE-ERX-51", Handle: "NET-51-0-0-0-1",
			OrgName: "RIPE Network Coordination Centre", OrgID: "RIPE", Country: "NL",
			Address: "P.O. Box 10096, Amsterdam, NL", Abuse: "abuse@ripe.net",
		}},
		{"ARIN organization line only, several CIDRs and origins", []byte(
			"NetRange: 192.0.2.0 - 192.0.2.5\nCIDR: 192.0.2.0/30, 192.0.2.4/31\nNetName: X\n" +
				"OriginAS: AS64500, AS64501 AS64500\nOrganization: Example, Inc. (EX-1)\n"),
			&WhoisNetwork{
				Registry: "arin", Start: "192.0.2.0", End: "192.0.2.5",
				CIDRs: []string{"192.0.2.0/30", "192.0.2.4/31"}, Name: "X",
				OrgName: "Example, Inc.", OrgID: "EX-1", ASNs: []uint32{64500, 64501},
			}},
		{"ARIN range without CIDR", []byte("NetRange: 192.0.2.0 - 192.0.2.5\n"),
			&WhoisNetwork{Registry: "arin", Start: "192.0.2.0", End: "192.0.2.5",
				CIDRs: []string{"192.0.2.0/30", "192.0.2.4/31"}}},
		{"RPSL without org: country of the network, role as holder", []byte(
			"inetnum: 192.0.2.0 - 192.0.2.255\nnetname: EX\ncountry: fr # France\nadmin-c: R1-TEST\nabuse-mailbox: abuse@example.net\n\n" +
				"role: Example NOC\nnic-hdl: R1-TEST\n\nperson: Jane Doe\nnic-hdl: P1-TEST\n"),
			&WhoisNetwork{Start: "192.0.2.0", End: "192.0.2.255", CIDRs: []string{"192.0.2.0/24"},
				Name: "EX", Handle: "192.0.2.0 - 192.0.2.255", OrgName: "Example NOC",
				Country: "FR", Abuse: "abuse@example.net"}},
		{"RPSL person contacts never become the holder", []byte(
			"inetnum: 192.0.2.0 - 192.0.2.255\nadmin-c: P1-TEST\n\nperson: Jane Doe\nnic-hdl: P1-TEST\n"),
			&WhoisNetwork{Start: "192.0.2.0", End: "192.0.2.255", CIDRs: []string{"192.0.2.0/24"},
				Handle: "192.0.2.0 - 192.0.2.255"}},
		{"RPSL country from the organisation, continuation lines", []byte(
			"inetnum: 192.0.2.0 - 192.0.2.127\nnetname: EX\norg: ORG-EX1-TEST\nsource: RIPE\n\n" +
				"organisation: ORG-EX1-TEST\norg-name: Example\n+ Networks\n\tSARL\ncountry: fr\naddress: 1 rue\n  de l'Exemple\n"),
			&WhoisNetwork{Registry: "ripe", Start: "192.0.2.0", End: "192.0.2.127", CIDRs: []string{"192.0.2.0/25"},
				Name: "EX", Handle: "192.0.2.0 - 192.0.2.127", OrgName: "Example Networks SARL",
				OrgID: "ORG-EX1-TEST", Country: "FR", Address: "1 rue de l'Exemple"}},
		{"LACNIC two-octet prefix, aut-num N/A", []byte(
			"% Joint Whois - whois.lacnic.net\n\ninetnum: 200.160/12\naut-num: N/A\nowner: Example\nownerid: BR-EX-LACNIC\ncountry: br\n"),
			&WhoisNetwork{Registry: "lacnic", Start: "200.160.0.0", End: "200.175.255.255",
				CIDRs: []string{"200.160.0.0/12"}, Handle: "200.160.0.0/12",
				OrgName: "Example", OrgID: "BR-EX-LACNIC", Country: "BR"}},
		{"LACNIC IPv6 inetnum", []byte("inetnum: 2001:db8::/32\nowner: Example\ncountry: UY\n"),
			&WhoisNetwork{Registry: "lacnic", Start: "2001:db8::", End: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
				CIDRs: []string{"2001:db8::/32"}, Handle: "2001:db8::/32", OrgName: "Example", Country: "UY"}},
		{"abuse note of another range is a fallback only", []byte(
			"% Abuse contact for '192.0.2.0 - 192.0.2.255' is 'wide@example.net'\n\n" +
				"inetnum: 192.0.2.0 - 192.0.2.15\nabuse-c: A1\n\nrole: Abuse\nnic-hdl: A1\nabuse-mailbox: narrow@example.net\n"),
			&WhoisNetwork{Start: "192.0.2.0", End: "192.0.2.15", CIDRs: []string{"192.0.2.0/28"},
				Handle: "192.0.2.0 - 192.0.2.15", Abuse: "narrow@example.net"}},
		{"route origins: inside routes and the most specific covering ones", []byte(
			"inetnum: 192.0.2.0 - 192.0.2.255\n\n" +
				"route: 192.0.0.0/16\norigin: AS64496\n\nroute: 192.0.2.0/24\norigin: AS64497\n\n" +
				"route: 192.0.2.0/24\norigin: AS64498\n\nroute: 192.0.2.128/25\norigin: AS64499\n\n" +
				"route: 198.51.100.0/24\norigin: AS64500\n\nroute6: 2001:db8::/32\norigin: AS64501\n"),
			&WhoisNetwork{Start: "192.0.2.0", End: "192.0.2.255", CIDRs: []string{"192.0.2.0/24"},
				Handle: "192.0.2.0 - 192.0.2.255", ASNs: []uint32{64497, 64498, 64499}}},
		{"range with host bits in a prefix", []byte("inet6num: 2001:db8::1/32\n"),
			&WhoisNetwork{Start: "2001:db8::", End: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
				CIDRs: []string{"2001:db8::/32"}, Handle: "2001:db8::/32"}},
		{"end before start", []byte("NetRange: 192.0.2.9 - 192.0.2.1\n"), nil},
		{"mixed families", []byte("inetnum: 192.0.2.0 - 2001:db8::1\n"), nil},
		{"zone in address", []byte("inetnum: fe80::1%eth0 - fe80::2%eth0\n"), nil},
		{"garbage range", []byte("inetnum: example\nNetRange: x - y\n"), nil},
		{"empty", nil, nil},
		{"only comments", []byte("% inetnum: 192.0.2.0 - 192.0.2.255\n# NetRange: 192.0.2.0 - 192.0.2.255\n"), nil},
		{"absurdly long line is skipped", []byte("inetnum: 192.0.2.0 - 192.0.2.255\nnetname: " + strings.Repeat("x", 5000) + "\nnetname: SHORT\n"),
			&WhoisNetwork{Start: "192.0.2.0", End: "192.0.2.255", CIDRs: []string{"192.0.2.0/24"},
				Name: "SHORT", Handle: "192.0.2.0 - 192.0.2.255"}},
		{"control characters dropped", []byte("inetnum: 192.0.2.0 - 192.0.2.255\nnetname: A\x00B\x1b[31mC\n"),
			&WhoisNetwork{Start: "192.0.2.0", End: "192.0.2.255", CIDRs: []string{"192.0.2.0/24"},
				Name: "AB[31mC", Handle: "192.0.2.0 - 192.0.2.255"}},
		{"whole IPv4 space", []byte("NetRange: 0.0.0.0 - 255.255.255.255\n"),
			&WhoisNetwork{Registry: "arin", Start: "0.0.0.0", End: "255.255.255.255", CIDRs: []string{"0.0.0.0/0"}}},
		{"whole IPv6 space", []byte("inet6num: ::/0\n"),
			&WhoisNetwork{Start: "::", End: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", CIDRs: []string{"::/0"}, Handle: "::/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkIPWhois(t, tt.raw, tt.want) })
	}
}

func TestParseIPWhoisBounds(t *testing.T) {
	net := "inetnum: 192.0.2.0 - 192.0.2.255\n"
	t.Run("line limit", func(t *testing.T) {
		raw := strings.Repeat("% filler\n", maxWhoisParseLines) + net
		if _, err := ParseIPWhois([]byte(raw)); !errors.Is(err, ErrWhoisNoNetwork) {
			t.Fatalf("network after %d lines was read: err = %v", maxWhoisParseLines, err)
		}
		raw = strings.Repeat("% filler\n", maxWhoisParseLines-1) + net
		if _, err := ParseIPWhois([]byte(raw)); err != nil {
			t.Fatalf("network on the last line read: %v", err)
		}
	})
	t.Run("byte limit", func(t *testing.T) {
		filler := strings.Repeat("x", 100) + "\n"
		raw := strings.Repeat(filler, maxWhoisParseBytes/len(filler)+1) + net
		if _, err := ParseIPWhois([]byte(raw)); !errors.Is(err, ErrWhoisNoNetwork) {
			t.Fatalf("network after %d bytes was read: err = %v", maxWhoisParseBytes, err)
		}
	})
	t.Run("huge continuation stays bounded", func(t *testing.T) {
		raw := net + "descr: x\n" + strings.Repeat(" "+strings.Repeat("y", 1000)+"\n", 5000)
		n, err := ParseIPWhois([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if len(n.OrgName) > maxWhoisValueLen {
			t.Fatalf("OrgName is %d bytes", len(n.OrgName))
		}
	})
}

func TestParseASNList(t *testing.T) {
	tests := []struct {
		in   string
		want []uint32
	}{
		{"AS13335", []uint32{13335}},
		{"13335", []uint32{13335}},
		{"AS13335, AS209242", []uint32{13335, 209242}},
		{"AS1 AS2;AS3", []uint32{1, 2, 3}},
		{"AS1.10", []uint32{65546}}, // asdot
		{"AS0", nil},                // AS0 is no AS
		{"AS4294967296", nil},       // too large
		{"AS0.0 AS1.65536", nil},    // asdot out of range
		{"N/A", nil},                // words are skipped
		{"AS64496 # comment AS64497", []uint32{64496}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseASNList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseASNList(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	many := strings.Repeat("AS1 ", 100)
	if got := parseASNList(many); len(got) != 64 {
		t.Errorf("%d numbers kept of 100, want 64", len(got))
	}
}

func TestRangeCIDRs(t *testing.T) {
	tests := []struct {
		start, end string
		want       []string
	}{
		{"192.0.2.0", "192.0.2.255", []string{"192.0.2.0/24"}},
		{"192.0.2.1", "192.0.2.1", []string{"192.0.2.1/32"}},
		{"192.0.2.1", "192.0.2.6", []string{"192.0.2.1/32", "192.0.2.2/31", "192.0.2.4/31", "192.0.2.6/32"}},
		{"255.255.255.255", "255.255.255.255", []string{"255.255.255.255/32"}},
		{"2001:db8::", "2001:db8::1:ffff", []string{"2001:db8::/111"}},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
	}
	for _, tt := range tests {
		s, e, ok := parseRange(tt.start + " - " + tt.end)
		if !ok {
			t.Fatalf("parseRange(%s - %s) failed", tt.start, tt.end)
		}
		if got := rangeCIDRs(s, e); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("rangeCIDRs(%s, %s) = %v, want %v", tt.start, tt.end, got, tt.want)
		}
	}
}

package scanner_test

import (
	"context"
	"testing"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// BenchmarkScanFounding measures a whole scan of the lab's founding case:
// DNS, then ownership through the lab's RDAP server. Most of the time is
// the RDAP client's politeness (2 requests a second per server), by design.
func BenchmarkScanFounding(b *testing.B) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer lab.Close()
	opts := scanner.Options{URL: scantest.Sites()[0].URL, Resolver: lab.DNSAddr,
		RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scanner.Scan(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

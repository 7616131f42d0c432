package scanner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/dnsinfo"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func TestZZVisitDurations(t *testing.T) {
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	url := "https://" + scantest.HostFounding + "/"
	dns, _ := dnsinfo.New(dnsinfo.Config{Server: lab.DNSAddr})
	opts := Options{URL: url, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride()}
	exe, _ := browser.Find("")
	spki, _ := browser.SPKIHashes([]string{lab.CACertFile})
	for i := 0; i < 3; i++ {
		start := time.Now()
		res, err := Scan(context.Background(), opts)
		total := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("RUN %d scan %.1fs", i, total.Seconds())
		for _, v := range res.Evidence.Browser.Visits {
			line += fmt.Sprintf(" %s %.1fs [", v.State, v.Duration.Seconds())
			for _, pv := range v.PageViews {
				if pv.Observation != nil {
					line += fmt.Sprintf(" %s obs %.2fs/%s", pv.Kind, pv.Observation.WallTime.Seconds(), pv.Observation.Clock)
				}
			}
			line += " ]"
		}
		s := &scan{opts: opts, progress: func(string, string) {}, dns: dns}
		start = time.Now()
		if err := bareLoad(s, exe, spki[0], url); err != nil {
			t.Fatal(err)
		}
		line += fmt.Sprintf(" bare %.1fs", time.Since(start).Seconds())
		fmt.Println(line)
	}
}

package batch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/audit"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// benchSites is the benchmark's batch: the lab's towns, three pages each,
// and the founding portal, the clean town and the reject-ignoring city
// site — 63 three-state sites (banner, reject, accept) on 22 registrable
// domains.
func benchSites() []string {
	var out []string
	for _, s := range scantest.Towns() {
		out = append(out, s.URL, s.URL+"?page=2", s.URL+"?page=3")
	}
	return append(out, "https://"+scantest.HostFounding+"/", "https://"+scantest.HostClean+"/", "https://"+scantest.HostRejectIgnored+"/")
}

// BenchmarkBatchLab runs a batch of 63 three-state lab sites with the
// default number of jobs and reports sites per minute, the peak memory of
// vigie and its browser processes together (PSS summed over the process
// tree, sampled from /proc: scantest.SampleMemory; the lab's servers run
// in this process and are counted too), and the RDAP queries for IP networks received by the
// lab's RDAP server per distinct network in the reports (1.0: one query a
// network across the whole batch), with the same for domains, and the
// machine's CPU time per site (scantest.MachineCPU).
// VIGIE_BENCH_JOBS sets --jobs (default: DefaultJobs).
func BenchmarkBatchLab(b *testing.B) {
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			b.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		b.Skipf("browser benchmark skipped: %v", err)
	}
	lab, err := scantest.Start(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer lab.Close()
	l, err := ReadList(strings.NewReader(strings.Join(benchSites(), "\n")), "bench")
	if err != nil {
		b.Fatal(err)
	}
	opts := scanner.Options{Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr,
		TrustCerts: []string{lab.CACertFile}, DialOverride: lab.DialOverride(), Consent: "all"}

	jobs, _ := strconv.Atoi(os.Getenv("VIGIE_BENCH_JOBS"))
	var sites, notDone, ipQueries, networks, domainQueries, domains int
	var elapsed, cpu time.Duration
	var peak int64
	cpuKnown := true
	for b.Loop() {
		out := b.TempDir()
		ip0, dom0 := lab.RDAP.Hits("/ip/"), lab.RDAP.Hits("/domain/")
		stop := scantest.SampleMemory(&peak)
		cpu0, ok0 := scantest.MachineCPU()
		start := time.Now()
		o, err := Run(context.Background(), Config{Sites: l.Sites, Out: out, Scan: opts, Jobs: jobs, Timeout: 2 * time.Minute, Bundle: audit.Settings{Version: "bench"}})
		elapsed += time.Since(start)
		cpu1, ok1 := scantest.MachineCPU()
		cpu += cpu1 - cpu0
		cpuKnown = cpuKnown && ok0 && ok1
		stop()
		if err != nil {
			b.Fatal(err)
		}
		sites += len(o.Records)
		for _, r := range o.Records {
			if r.Status != StatusDone {
				notDone++
				b.Logf("%s: %s %s %q", r.URL, r.Status, r.Error, r.Incomplete)
			}
		}
		nets, doms, err := distinctOwners(out, o.Records)
		if err != nil {
			b.Fatal(err)
		}
		ipQueries += lab.RDAP.Hits("/ip/") - ip0
		domainQueries += lab.RDAP.Hits("/domain/") - dom0
		networks += nets
		domains += doms
	}
	b.ReportMetric(float64(sites)/elapsed.Minutes(), "sites/min")
	if cpuKnown && sites > 0 {
		// What a site cost the machine: vigie, its browser and the lab's
		// servers (BenchmarkBrowserFounding's floor-cpu-s is what its page
		// loads alone cost).
		b.ReportMetric(cpu.Seconds()/float64(sites), "cpu-s/site")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-pss-MiB")
	if networks > 0 {
		b.ReportMetric(float64(ipQueries)/float64(networks), "rdap-ip-queries/network")
	}
	if domains > 0 {
		b.ReportMetric(float64(domainQueries)/float64(domains), "rdap-domain-queries/domain")
	}
	b.ReportMetric(float64(sites)/float64(b.N), "sites")
	b.ReportMetric(float64(notDone)/float64(b.N), "not-done")
}

// distinctOwners counts the distinct IP networks and registrations the
// batch's reports hold.
func distinctOwners(out string, recs []Record) (int, int, error) {
	nets, doms := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		if r.Dir == "" {
			continue
		}
		f, err := os.Open(filepath.Join(out, r.Dir, "report.json"))
		if err != nil {
			return 0, 0, err
		}
		rep, err := reports.ReadJSON(f)
		f.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", r.Dir, err)
		}
		for _, n := range rep.Evidence.Networks {
			if n.Source == "rdap" {
				nets[n.ID] = true
			}
		}
		for _, g := range rep.Evidence.Registrations {
			if g.Source == "rdap" {
				doms[g.Domain] = true
			}
		}
	}
	return len(nets), len(doms), nil
}

package e2e

import (
	"slices"
	"testing"

	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestConcurrencyLosesNothing: the founding portal scanned with every
// stage and page load one after another, and at the same time, yields the
// same findings (by fingerprint) and the same kinds of evidence.
func TestConcurrencyLosesNothing(t *testing.T) {
	url := "https://" + scantest.HostFounding + "/"
	var findings [2][]string
	var collected [2][]evidence.Kind
	for i, sequential := range []bool{true, false} {
		ev, _ := labScan(t, url, scanner.Options{Sequential: sequential})
		for _, f := range judge(ev).outcome.Findings {
			findings[i] = append(findings[i], f.ID+" "+f.Subject+" "+f.Fingerprint)
		}
		slices.Sort(findings[i])
		collected[i] = ev.Collected
	}
	if len(findings[0]) < 10 {
		t.Fatalf("the sequential scan found only %v: the comparison could not fail", findings[0])
	}
	if !slices.Equal(findings[0], findings[1]) {
		t.Errorf("findings differ:\nsequential %q\nconcurrent %q", findings[0], findings[1])
	}
	if !slices.Equal(collected[0], collected[1]) {
		t.Errorf("collected: sequential %v, concurrent %v", collected[0], collected[1])
	}
}

package reports

import (
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/checks"
)

func fps(fs []checks.Finding) string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return strings.Join(ids, ",")
}

func TestDiff(t *testing.T) {
	old := fullReport()
	cur := fullReport()
	// Fixed: the mail relay is gone. New: a finding the old run lacked.
	cur.Findings = slicesDelete(cur.Findings, "mail.third-party-relay")
	cur.Findings = append(cur.Findings, finding("hosting.cdn-proxy", checks.Medium, "org/cloudflare", "CDN", "org/cloudflare"))
	checks.SortFindings(cur.Findings)

	d := Diff(old, cur)
	if got := fps(d.New); got != "hosting.cdn-proxy" {
		t.Errorf("new %q", got)
	}
	if got := fps(d.Fixed); got != "mail.third-party-relay" {
		t.Errorf("fixed %q", got)
	}
	if len(d.Unchanged) != len(old.Findings)-1 {
		t.Errorf("unchanged %q", fps(d.Unchanged))
	}

	// A finding ignored in the baseline counts as new once it is not ignored.
	cur2 := fullReport()
	cur2.Findings = append(cur2.Findings, cur2.Ignored...)
	cur2.Ignored = nil
	if got := fps(Diff(old, cur2).New); got != "dns.no-dnssec" {
		t.Errorf("a finding whose ignore expired is not new: %q", got)
	}
	// A finding newly ignored is neither new nor fixed.
	cur3 := fullReport()
	f := cur3.Findings[0]
	cur3.Findings, cur3.Ignored = cur3.Findings[1:], append(cur3.Ignored, f)
	d3 := Diff(old, cur3)
	if len(d3.New) != 0 || len(d3.Fixed) != 0 {
		t.Errorf("newly ignored: new %q fixed %q", fps(d3.New), fps(d3.Fixed))
	}
}

func TestSetBaseline(t *testing.T) {
	old := fullReport()
	cur := fullReport()
	cur.Findings = append(cur.Findings, finding("hosting.cdn-proxy", checks.Medium, "org/cloudflare", "CDN", "org/cloudflare"))
	cur.SetBaseline("old/report.json", old)
	b := cur.Baseline
	if b == nil || len(b.New) != 1 || len(b.Unchanged) != len(old.Findings) || len(b.Fixed) != 0 || b.File != "old/report.json" {
		t.Fatalf("baseline %+v", b)
	}
	newFP := checks.Fingerprint("hosting.cdn-proxy", "jeparticipe.ville-exemple.fr", "org/cloudflare")
	if !cur.IsNew(newFP) || cur.IsNew(old.Findings[0].Fingerprint) {
		t.Error("IsNew disagrees with the baseline")
	}
	if !old.IsNew(old.Findings[0].Fingerprint) {
		t.Error("without a baseline every finding is new")
	}
	// Every human format marks the new finding.
	for _, format := range []string{"html", "md"} {
		out := string(render(t, format, cur, English, nil))
		if !strings.Contains(out, English.T("find.new")) || !strings.Contains(out, "old/report.json") {
			t.Errorf("%s does not show the baseline comparison", format)
		}
	}
	sarif := string(render(t, "sarif", cur, English, nil))
	if strings.Count(sarif, `"baselineState": "new"`) != 1 || !strings.Contains(sarif, `"baselineState": "unchanged"`) {
		t.Error("SARIF results lack their baseline state")
	}
}

func slicesDelete(fs []checks.Finding, id string) []checks.Finding {
	var out []checks.Finding
	for _, f := range fs {
		if f.ID != id {
			out = append(out, f)
		}
	}
	return out
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner/browser"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// TestScanHumanDefaults checks what a citizen gets from `vigie scan URL`
// with no --format: report.json and report.html, a summary whose last line
// names the HTML file, and — with a C locale (TestMain's) — a French report
// because the founding case's page says <html lang="fr">, the report saying
// why. The scan is the package's shared one (foundingRun), whose command
// line has no --format.
func TestScanHumanDefaults(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	for _, v := range []string{"LC_ALL", "LC_MESSAGES"} {
		if os.Getenv(v) != "" {
			t.Fatalf("%s=%q: the test needs the C locale TestMain sets", v, os.Getenv(v))
		}
	}
	if os.Getenv("LANG") != "C" {
		t.Fatalf("LANG=%q: the test needs the C locale TestMain sets", os.Getenv("LANG"))
	}
	run := sharedFoundingRun(t)
	dir, stdout, stderr := run.dir, run.stdout, run.stderr
	for _, f := range []string{"report.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("no %s by default: %v\n%s", f, err, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err == nil {
		t.Error("report.md written without being asked for")
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; last != "HTML report: "+filepath.Join(dir, "report.html") {
		t.Errorf("the summary's last line is %q, want the HTML report's path", last)
	}
	if !strings.Contains(stdout, `Report language: French, the site's own language (<html lang="fr">)`) {
		t.Errorf("the summary does not say why the report is French:\n%s", stdout)
	}
	r := readReport(t, dir)
	if r.Language == nil || r.Language.Lang != reports.French || r.Language.Rule != reports.LangSite {
		t.Errorf("report.json language %+v, want French chosen by the site", r.Language)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if !strings.Contains(string(page), `<html lang="fr">`) || !strings.Contains(string(page), "Langue du rapport") {
		t.Error("report.html is not French or does not say why")
	}

}

// TestSummaryAskedLanguageNoHTML: with --lang and --format json, the
// report's language is the one asked, and the summary names no HTML file
// (on the founding case scanned once for the package's tests).
func TestSummaryAskedLanguageNoHTML(t *testing.T) {
	t.Parallel()
	res := labScan(t)
	g, err := newGate("", "none", "json")
	if err != nil {
		t.Fatal(err)
	}
	if err := (&reportFlags{lang: "en"}).apply(g); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	var stdout strings.Builder
	if err := g.write(&stdout, dir, res); err != nil {
		t.Fatal(err)
	}
	if r := readReport(t, dir); r.Language == nil || r.Language.Lang != reports.English || r.Language.From != "--lang en" {
		t.Errorf("--lang en: language %+v", r.Language)
	}
	if strings.Contains(stdout.String(), "HTML report:") || strings.Contains(stdout.String(), "Report language:") {
		t.Errorf("--format json names an HTML report or its language:\n%s", stdout.String())
	}
}

// TestHelpDescribesTodaysScan keeps `vigie scan --help` in step with what a
// scan does and what each exit code means.
func TestHelpDescribesTodaysScan(t *testing.T) {
	t.Parallel()
	code, out, _ := vigie(t, "scan", "--help")
	if code != exitOK {
		t.Fatalf("scan --help: exit %d", code)
	}
	for _, want := range []string{"Chromium", "reject", "accept", "legal notice", "--mail", "LimeSurvey", "report.html",
		"0  scan done", "1  scan done, findings", "2  usage", "3  incomplete", "never loaded", "browser never started", "interrupted", "<html lang"} {
		if !strings.Contains(out, want) {
			t.Errorf("scan --help does not mention %q", want)
		}
	}
	if strings.Contains(out, "look up its zone's records") {
		t.Error("scan --help still describes a DNS-only scan")
	}
}

// demoFoundingLine is the demo's last line: the founding case's report.html.
func demoFoundingLine(t *testing.T, stdout, dir string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := filepath.Join(dir, scantest.ScenarioFounding, "report.html")
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("demo's last line %q, want %q", last, want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Error(err)
	}
}

// requireBrowser skips a test without Chromium (fails when
// VIGIE_REQUIRE_BROWSER=1).
func requireBrowser(t testing.TB) {
	t.Helper()
	if _, err := browser.Find(""); err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("VIGIE_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("browser test skipped: %v", err)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// TestOutCheckedBeforeScanning gives --out values that cannot receive a
// bundle: each is a usage error at once, before anything is scanned.
func TestOutCheckedBeforeScanning(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	root := t.TempDir()
	file := filepath.Join(root, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	full := filepath.Join(root, "full")
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "notes.txt"), []byte("mine"), 0o644)
	cases := map[string]struct{ out, want string }{
		"an existing file":        {file, "not a directory"},
		"below a file":            {filepath.Join(file, "b"), "not a directory"},
		"a non-empty directory":   {full, "--force"},
		"an unwritable directory": {"/proc/self/vigie-bundle", "cannot write"},
	}
	if runtime.GOOS != "linux" {
		delete(cases, "an unwritable directory")
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, cmd := range [][]string{
				append([]string{"scan", "https://jeparticipe.ville-exemple.fr/", "--out", tc.out}, labArgs(lab)...),
				{"mail", "--out", tc.out, filepath.Join(root, "none.eml")},
			} {
				start := time.Now()
				code, _, stderr := vigie(t, cmd...)
				if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--out") {
					t.Errorf("%s: exit %d, want %d naming %q:\n%s", cmd[0], code, exitUsage, tc.want, stderr)
				}
				if strings.Contains(stderr, "vigie: dns") || strings.Contains(stderr, "vigie: mail") || time.Since(start) > 20*time.Second {
					t.Errorf("%s: the scan ran before --out was refused:\n%s", cmd[0], stderr)
				}
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(full, "notes.txt")); string(data) != "mine" {
		t.Error("a refused --out was touched")
	}
}

// TestOutForce scans into a directory holding an earlier bundle (a copy of
// the package's shared scan: report.json and report.html) and a file of
// the user's: without --force the scan is refused, with it the earlier
// bundle is replaced, the user's file kept, and the manifest lists this
// run's files only.
func TestOutForce(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dir, os.DirFS(sharedFoundingRun(t).dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Fatalf("the earlier bundle has no report.html: %v", err)
	}
	scan := func(extra ...string) (int, string) {
		args := append(append([]string{"scan", "https://jeparticipe.ville-exemple.fr/", "--out", dir, "--fail-on", "none"}, labArgs(lab)...), extra...)
		code, _, stderr := vigie(t, args...)
		return code, stderr
	}
	planted := filepath.Join(dir, "planted.txt")
	os.WriteFile(planted, []byte("not vigie's"), 0o644)
	if code, stderr := scan(); code != exitUsage || !strings.Contains(stderr, "--force") {
		t.Fatalf("scan without --force: exit %d\n%s", code, stderr)
	}
	// This run writes report.json only: the earlier report.html must go,
	// since it no longer belongs to this bundle.
	if code, stderr := scan("--force", "--format", "json"); code != exitOK {
		t.Fatalf("scan with --force: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); !os.IsNotExist(err) {
		t.Errorf("the earlier bundle's report.html is still there: %v", err)
	}
	if _, err := os.Stat(planted); err != nil {
		t.Errorf("--force removed a file vigie did not write: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, reports.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed, err := reports.ReadManifest(f)
	if err != nil {
		t.Fatal(err)
	}
	if listed["planted.txt"] != "" || listed["report.html"] != "" || listed["report.json"] == "" {
		t.Errorf("manifest lists %v", slices.Sorted(func(yield func(string) bool) {
			for k := range listed {
				if !yield(k) {
					return
				}
			}
		}))
	}
	if code, out, _ := vigie(t, "verify", dir); code != exitFindings || !strings.Contains(out, "planted.txt") {
		t.Errorf("verify must report the file left in the folder: exit %d\n%s", code, out)
	}
}

// TestCheckValidatesAgainstSchema gives `vigie check` reports the published
// schema rejects: each is a usage error naming the problem, and nothing is
// judged.
func TestCheckValidatesAgainstSchema(t *testing.T) {
	t.Parallel()
	good := savedReport(t, evidence.Platform{})
	data, _ := os.ReadFile(good)
	for name, tc := range map[string]struct{ old, new, want string }{
		"null target": {`"target": {`, `"target": null, "was": {`, "/target"},
		"unknown key": {`"schema": "vigie.report/v1",`, `"schema": "vigie.report/v1", "colour": "red",`, "colour"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "report.json")
			os.WriteFile(bad, []byte(strings.Replace(string(data), tc.old, tc.new, 1)), 0o644)
			code, stdout, stderr := vigie(t, "check", bad, "--fail-on", "none")
			if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "schema") || stdout != "" {
				t.Errorf("exit %d, want %d naming %q\nstdout:\n%s\nstderr:\n%s", code, exitUsage, tc.want, stdout, stderr)
			}
		})
	}
}

// TestCheckJudgesAsOfToday re-checks a report written before the transfer
// bloc and the platform support became the checks' judgments: it is
// accepted, and judged with the run's clock and today's tables. Not
// parallel: it sets the package's clock.
func TestCheckJudgesAsOfToday(t *testing.T) {
	saved := savedReport(t, evidence.Platform{ID: "survey/platform/limesurvey", Name: "LimeSurvey", Version: "7.0.1",
		URL: "https://enquetes.ville-exemple.fr/", Signals: []string{"generator meta: LimeSurvey"}})
	// As an earlier vigie wrote it: the judgments frozen in the evidence.
	var m map[string]any
	data, _ := os.ReadFile(saved)
	json.Unmarshal(data, &m)
	ev := m["evidence"].(map[string]any)
	ev["organisations"].([]any)[0].(map[string]any)["bloc"] = "EU" // wrong, and ignored
	pl := ev["survey"].(map[string]any)["platforms"].([]any)[0].(map[string]any)
	pl["outdated"], pl["support"] = false, "version line 7: supported as of 2026-11-21"
	delete(m, "facts")
	data, _ = json.Marshal(m)
	os.WriteFile(saved, data, 0o644)

	defer func(c func() time.Time) { clock = c }(clock)
	for _, tc := range []struct {
		now      time.Time
		severity checks.Severity
	}{
		{time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), checks.Info},
		{time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC), checks.Medium},
	} {
		clock = func() time.Time { return tc.now }
		out := filepath.Join(t.TempDir(), "c")
		code, stdout, stderr := vigie(t, "check", saved, "--fail-on", "none", "--out", out)
		if code != exitOK {
			t.Fatalf("check: exit %d\n%s\n%s", code, stdout, stderr)
		}
		r := readReport(t, out)
		var sev checks.Severity = -1
		for _, f := range r.Findings {
			if f.ID == "survey.platform" {
				sev = f.Severity
			}
		}
		if sev != tc.severity {
			t.Errorf("as of %s: survey.platform %s, want %s", tc.now.Format(time.DateOnly), sev, tc.severity)
		}
		if !has(r, "hosting.operator-outside-eea", "org/cloudflare") {
			t.Errorf("as of %s: the US operator is judged by its country, not the saved bloc: %s", tc.now.Format(time.DateOnly), findingIDs(r))
		}
		if j := r.Facts.Jurisdictions["org/cloudflare"]; j.Bloc != checks.BlocUS {
			t.Errorf("facts: %+v", r.Facts.Jurisdictions)
		}
	}
}

// savedReport writes a report.json of a hand-built scan: a site served by a
// US CDN, and the given survey platform when it has an ID.
func savedReport(t *testing.T, pl evidence.Platform) string {
	t.Helper()
	const site = "enquetes.ville-exemple.fr"
	ev := &evidence.Evidence{
		Target:    evidence.Target{URL: "https://" + site + "/", Host: site, RegistrableDomain: "ville-exemple.fr"},
		Collected: []evidence.Kind{evidence.KindDNS, evidence.KindOwnership},
		DNS: evidence.DNS{Resolutions: []evidence.Resolution{{ID: "dns/" + site, Name: site, Canonical: site,
			Status: evidence.ResolvedOK, IPv4: []string{"198.51.100.17"}}}},
		Hosts: []evidence.Host{{ID: "host/" + site, Name: site, RegistrableDomain: "ville-exemple.fr", Roles: []string{evidence.RoleSite},
			Resolution: "dns/" + site, Operator: "org/cloudflare"}},
		Organisations: []evidence.Organisation{{ID: "org/cloudflare", Name: "Cloudflare", LegalEntity: "Cloudflare, Inc.", Country: "US",
			Categories: []string{"cdn"}, Catalogue: "cloudflare"}},
	}
	if pl.ID != "" {
		ev.Collected = append(ev.Collected, evidence.KindSurvey)
		ev.Survey = &evidence.Survey{Platforms: []evidence.Platform{pl}}
	}
	started := time.Date(2026, 11, 21, 8, 50, 0, 0, time.UTC)
	r := reports.New("test", ev, checks.Run(ev, nil, started), nil, started, started.Add(time.Minute))
	dir := t.TempDir()
	if err := reports.Write(dir, r, reports.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "report.json")
}

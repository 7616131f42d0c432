package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/scantest"
	"github.com/vigie-scan/vigie/schemas"
)

// cli runs the command line like run does, with diff, verify and keygen
// added when newRoot does not register them yet.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	have := map[string]bool{}
	for _, c := range root.Commands() {
		have[c.Name()] = true
	}
	for _, c := range []*cobra.Command{newDiffCmd(&out, &errb), newVerifyCmd(&out, &errb), newKeygenCmd(&out)} {
		if !have[c.Name()] {
			root.AddCommand(c)
		}
	}
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code := exitOK
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.code
		if ee.err != nil {
			errb.WriteString("vigie: " + ee.err.Error() + "\n")
		}
	default:
		code = exitUsage
		errb.WriteString("vigie: " + err.Error() + "\n")
	}
	return code, out.String(), errb.String()
}

// labScan scans the founding case in the lab, as `vigie demo` does, once
// for all the tests here (they only read the result).
func labScan(t *testing.T) *scanner.Result {
	t.Helper()
	res, err := foundingScan()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var foundingScan = sync.OnceValues(func() (*scanner.Result, error) {
	lab, err := sharedLab()
	if err != nil {
		return nil, err
	}
	return scanner.Scan(context.Background(), labOptions(lab, scantest.Sites()[0].URL))
})

func keyPair(t *testing.T) (string, string) {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "k")
	if code, out, errs := cli(t, "keygen", "--out", prefix); code != exitOK || !strings.Contains(out, prefix+".key") {
		t.Fatalf("keygen: exit %d\n%s%s", code, out, errs)
	}
	return prefix + ".key", prefix + ".pub"
}

func TestKeygen(t *testing.T) {
	t.Parallel()
	key, pub := keyPair(t)
	fi, err := os.Stat(key)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private key %v mode %v, want 0600", err, fi.Mode())
	}
	if data, _ := os.ReadFile(pub); !bytes.Contains(data, []byte("BEGIN PUBLIC KEY")) {
		t.Errorf("public key file: %s", data)
	}
	prefix := strings.TrimSuffix(key, ".key")
	if code, _, errs := cli(t, "keygen", "--out", prefix); code != exitUsage || !strings.Contains(errs, "refusing to overwrite") {
		t.Errorf("keygen over existing keys: exit %d %s", code, errs)
	}
}

// TestGateSignedFrenchBundle writes the lab's founding case through the
// gate with --lang fr and --sign-key, then verifies it, tampers with one
// byte and verifies again.
func TestGateSignedFrenchBundle(t *testing.T) {
	t.Parallel()
	res := labScan(t)
	key, pub := keyPair(t)
	g, err := newGate("", "high", strings.Join(reports.Formats, ","))
	if err != nil {
		t.Fatal(err)
	}
	rf := reportFlags{lang: "fr", signKey: key}
	if err := rf.apply(g); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	var stdout bytes.Buffer
	if err := g.write(&stdout, dir, res); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.json", "report.html", "report.md", "report.sarif", "junit.xml", reports.ManifestName, reports.SignatureName} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("bundle lacks %s", f)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if !bytes.Contains(page, []byte(`<html lang="fr">`)) || !bytes.Contains(page, []byte("Qui exploite ce site")) {
		t.Error("--lang fr did not give a French HTML report")
	}
	if code, out, errs := cli(t, "verify", dir, "--pub", pub); code != exitOK || !strings.Contains(out, "signature: valid") {
		t.Fatalf("verify a fresh bundle: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := cli(t, "verify", dir); code != exitOK || !strings.Contains(out, "not checked") {
		t.Errorf("verify without --pub: exit %d %s", code, out)
	}

	// One byte changed: verify fails and names the file.
	p := filepath.Join(dir, "report.html")
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0x20
	os.WriteFile(p, data, 0o644)
	code, out, errs := cli(t, "verify", dir, "--pub", pub)
	if code != exitFindings || !strings.Contains(out, "changed: report.html") {
		t.Errorf("verify after one changed byte: exit %d\n%s%s", code, out, errs)
	}
	// Another key: the signature does not verify.
	_, otherPub := keyPair(t)
	data[len(data)/2] ^= 0x20
	os.WriteFile(p, data, 0o644)
	if code, out, _ := cli(t, "verify", dir, "--pub", otherPub); code != exitFindings || !strings.Contains(out, "INVALID") {
		t.Errorf("verify with another key: exit %d\n%s", code, out)
	}
}

func TestVerifyUsage(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", filepath.Join(empty, "none")}, exitUsage, "no such file"},
		{[]string{"verify", empty}, exitFindings, reports.ManifestName},
		{[]string{"verify", empty, "--pub", filepath.Join(empty, "none.pub")}, exitUsage, "--pub"},
		{[]string{"verify"}, exitUsage, "one bundle directory"},
	} {
		code, _, errs := cli(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d (want %d) %q lacks %q", tc.args, code, tc.code, errs, tc.want)
		}
	}
}

// TestBaselineAndDiff checks --baseline (the gate fails only on new
// findings) and `vigie diff` on two real reports of the lab.
func TestBaselineAndDiff(t *testing.T) {
	t.Parallel()
	res := labScan(t)
	tmp := t.TempDir()
	write := func(name string, rf reportFlags) (*gate, string) {
		t.Helper()
		g, err := newGate("", "medium", "json")
		if err != nil {
			t.Fatal(err)
		}
		if err := rf.apply(g); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(tmp, name)
		var out bytes.Buffer
		if err := g.write(&out, dir, res); err != nil {
			t.Fatal(err)
		}
		return g, filepath.Join(dir, "report.json")
	}
	g, first := write("first", reportFlags{})
	if g.verdict() == nil {
		t.Fatal("the founding case does not fail --fail-on medium: the test needs findings")
	}
	// Same findings against the baseline: nothing new, the gate passes.
	g, second := write("second", reportFlags{baseline: first})
	if err := g.verdict(); err != nil {
		t.Errorf("no new finding, yet the gate fails: %v", err)
	}
	if g.report.Baseline == nil || len(g.report.Baseline.New) != 0 || len(g.report.Baseline.Unchanged) == 0 {
		t.Errorf("baseline not recorded: %+v", g.report.Baseline)
	}
	// A baseline without the most severe finding: it is new, the gate fails.
	old := readReport(t, filepath.Dir(first))
	dropped := old.Findings[0]
	old.Findings = old.Findings[1:]
	edited := filepath.Join(tmp, "edited.json")
	var b bytes.Buffer
	reports.WriteJSON(&b, old)
	os.WriteFile(edited, b.Bytes(), 0o644)
	g, _ = write("third", reportFlags{baseline: edited})
	if !errors.Is(g.verdict(), errFindings) {
		t.Errorf("a new %s finding does not fail the gate", dropped.Severity)
	}

	// vigie diff.
	if code, out, errs := cli(t, "diff", first, second); code != exitOK || !strings.Contains(out, "0 new, 0 fixed") {
		t.Errorf("diff of equal reports: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ := cli(t, "diff", edited, second)
	if code != exitFindings || !strings.Contains(out, "new (1):") || !strings.Contains(out, dropped.Fingerprint) {
		t.Errorf("diff with one new finding: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, "diff", second, edited); code != exitOK || !strings.Contains(out, "fixed (1):") {
		t.Errorf("diff with one fixed finding: exit %d\n%s", code, out)
	}
	if code, _, _ := cli(t, "diff", edited, second, "--fail-on", "critical"); code != exitOK && dropped.Severity.String() != "critical" {
		t.Errorf("--fail-on critical with a new %s finding: exit %d", dropped.Severity, code)
	}
	code, out, _ = cli(t, "diff", edited, second, "--json")
	var d diffJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != exitFindings || len(d.Added) != 1 || d.Added[0].ID != dropped.ID {
		t.Errorf("diff --json: exit %d %v %+v", code, err, d)
	}
	for _, bad := range [][]string{{"diff", first}, {"diff", first, filepath.Join(tmp, "none.json")}, {"diff", first, filepath.Join(filepath.Dir(first), reports.ManifestName)}} {
		if code, _, _ := cli(t, bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, exitUsage)
		}
	}
}

func TestReportFlagsUsage(t *testing.T) {
	t.Parallel()
	notKey := filepath.Join(t.TempDir(), "not.key")
	os.WriteFile(notKey, []byte("hello"), 0o600)
	_, pub := keyPair(t)
	for _, rf := range []reportFlags{
		{lang: "de"},
		{baseline: filepath.Join(t.TempDir(), "none.json")},
		{baseline: notKey},
		{signKey: notKey},
		{signKey: pub},
	} {
		g, _ := newGate("", "high", "json")
		err := rf.apply(g)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage {
			t.Errorf("%+v: %v, want a usage error", rf, err)
		}
	}
	g, _ := newGate("", "high", "json")
	if err := (&reportFlags{lang: "FR"}).apply(g); err != nil || g.Lang != reports.French {
		t.Errorf("--lang FR: %v %s", err, g.Lang)
	}
}

func TestReportFlagsRegister(t *testing.T) {
	t.Parallel()
	cmd := &cobra.Command{Use: "x"}
	var rf reportFlags
	rf.register(cmd, "`DIR`", "json")
	if err := cmd.ParseFlags([]string{"--out", "o", "--policy", "p.yaml", "--format", "html,md", "--fail-on", "low",
		"--lang", "fr", "--baseline", "b.json", "--sign-key", "k.pem"}); err != nil {
		t.Fatal(err)
	}
	want := reportFlags{out: "o", policy: "p.yaml", formats: "html,md", failOn: "low", lang: "fr", baseline: "b.json", signKey: "k.pem"}
	if rf != want {
		t.Errorf("flags bound as %+v, want %+v", rf, want)
	}
}

// TestReportFlagsShared: scan, mail and check take the same report flags,
// with the same defaults and help (but --out's, which says where each
// writes).
func TestReportFlagsShared(t *testing.T) {
	t.Parallel()
	root := newRoot(io.Discard, io.Discard)
	names := []string{"out", "policy", "format", "fail-on", "lang", "baseline", "sign-key"}
	var first map[string]string
	for _, sub := range []string{"scan", "mail", "check"} {
		cmd, _, err := root.Find([]string{sub})
		if err != nil || cmd.Name() != sub {
			t.Fatalf("%s: %v", sub, err)
		}
		got := map[string]string{}
		for _, n := range names {
			f := cmd.Flags().Lookup(n)
			if f == nil {
				t.Fatalf("%s has no --%s", sub, n)
			}
			if n != "out" {
				got[n] = f.DefValue + "|" + f.Usage
			}
		}
		if first == nil {
			first = got
		} else if !maps.Equal(got, first) {
			t.Errorf("%s's report flags differ from scan's:\n%v\n%v", sub, got, first)
		}
	}
}

// TestLabReportsMatchSchemas scans lab scenarios as `vigie demo` does (the
// founding case with its browser visits, a clean site, a dangling CNAME
// and a CNAME loop), writes every format, and validates report.json
// against the published schema (schemas/report.schema.json) and
// report.sarif against SARIF 2.1.0.
func TestLabReportsMatchSchemas(t *testing.T) {
	t.Parallel()
	reportSchema := compileSchema(t, schemas.Report)
	sarifData, err := os.ReadFile("../../reports/testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	sarifSchema := compileSchema(t, sarifData)
	lab := startLab(t)
	// The three scans at the same time, before consent only (the founding
	// case's, shared, has the consent visits), and the founding case's.
	var mu sync.Mutex
	results := map[string]*scanner.Result{}
	var g errgroup.Group
	for _, site := range scantest.Sites() {
		switch site.Name {
		case scantest.ScenarioClean, scantest.ScenarioDangling, scantest.ScenarioLoop:
			g.Go(func() error {
				opts := labOptions(lab, site.URL)
				opts.Consent, opts.Dwell = "none", 3*time.Second
				res, err := scanner.Scan(context.Background(), opts)
				if err != nil {
					return fmt.Errorf("scan %s: %w", site.URL, err)
				}
				mu.Lock()
				defer mu.Unlock()
				results[site.Name] = res
				return nil
			})
		}
	}
	founding := labScan(t)
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	results[scantest.ScenarioFounding] = founding
	for name, res := range results {
		t.Run(name, func(t *testing.T) {
			g, err := newGate("", "none", strings.Join(reports.Formats, ","))
			if err != nil {
				t.Fatal(err)
			}
			g.Policy = &checks.Policy{Ignore: []checks.Ignore{{Check: "dns.no-dnssec", Reason: "accepted", Expires: "2099-01-01"}}}
			dir := t.TempDir()
			var out bytes.Buffer
			if err := g.write(&out, dir, res); err != nil {
				t.Fatal(err)
			}
			for file, s := range map[string]*jsonschema.Schema{"report.json": reportSchema, "report.sarif": sarifSchema} {
				data, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Validate(doc); err != nil {
					t.Errorf("%s of %s does not match its schema: %v", file, name, err)
				}
			}
		})
	}
}

func compileSchema(t *testing.T, data []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("mem:///schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mem:///schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

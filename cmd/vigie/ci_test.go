package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The ready-made CI files are tested as far as this machine allows: parsed,
// their vigie command lines run by the shell against a stub vigie that
// records its arguments, and those arguments parsed by the real `vigie
// scan` flags.

type actionStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	If   string            `yaml:"if"`
}

type action struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Required bool   `yaml:"required"`
		Default  string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

// stubVigie puts on PATH a vigie that writes its arguments, one a line, to
// dir/args, copies report.json into the --out directory, and exits code.
func stubVigie(t *testing.T, code string) (binDir, argsFile string) {
	t.Helper()
	binDir = t.TempDir()
	argsFile = filepath.Join(binDir, "args")
	report, err := filepath.Abs("../../reports/testdata/full.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	script := `#!/bin/sh
printf '%s\n' "$@" > "` + argsFile + `"
out=""
prev=""
for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; done
if [ -n "$out" ]; then mkdir -p "$out" && cp "` + report + `" "$out/report.json" && echo "# report" > "$out/report.md"; fi
exit ` + code + "\n"
	// No process starts while the program is open for writing: one that
	// did (a parallel test's browser) would hold it open, and running the
	// program would then fail with "text file busy".
	syscall.ForkLock.Lock()
	err = os.WriteFile(filepath.Join(binDir, "vigie"), []byte(script), 0o755)
	syscall.ForkLock.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return binDir, argsFile
}

// scanArgs reads the stub's arguments and parses them with `vigie scan`'s
// own flags: an unknown flag fails the test.
func scanArgs(t *testing.T, argsFile string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatalf("vigie was not run: %v", err)
	}
	args := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(args) < 2 || args[0] != "scan" {
		t.Fatalf("want `vigie scan URL …`, got %q", args)
	}
	cmd := newScanCmd(os.Stdout, os.Stderr)
	if err := cmd.ParseFlags(args[1:]); err != nil {
		t.Fatalf("the CI file runs `vigie %s`: %v", strings.Join(args, " "), err)
	}
	got := map[string]string{"URL": cmd.Flags().Arg(0)}
	for _, a := range args {
		if strings.HasPrefix(a, "--") {
			f := cmd.Flags().Lookup(strings.TrimPrefix(a, "--"))
			got[f.Name] = f.Value.String()
		}
	}
	return got
}

var inputRef = regexp.MustCompile(`\$\{\{\s*(?:inputs\.([a-z0-9-]+)|[^}]*inputs\.([a-z0-9-]+))`)

func TestGitHubAction(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" || a.Name == "" {
		t.Errorf("action.yml: runs.using %q, name %q", a.Runs.Using, a.Name)
	}
	for _, in := range []string{"url", "policy", "fail-on", "baseline"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml lacks the %s input", in)
		}
	}
	if !a.Inputs["url"].Required {
		t.Error("the url input is not required")
	}
	for _, m := range inputRef.FindAllStringSubmatch(string(data), -1) {
		name := m[1] + m[2]
		if _, ok := a.Inputs[name]; !ok {
			t.Errorf("action.yml uses inputs.%s, which it does not declare", name)
		}
	}
	var scan *actionStep
	var uses []string
	for i, s := range a.Runs.Steps {
		if s.ID == "scan" {
			scan = &a.Runs.Steps[i]
		}
		if s.Uses != "" {
			uses = append(uses, strings.SplitN(s.Uses, "@", 2)[0])
		}
		if s.Run != "" && strings.Contains(s.Run, "${{") {
			t.Errorf("step %q puts an expression in its script (pass it through env: no script injection)", s.Name)
		}
	}
	for _, want := range []string{"github/codeql-action/upload-sarif", "actions/upload-artifact"} {
		if !slices.Contains(uses, want) {
			t.Errorf("action.yml does not use %s", want)
		}
	}
	if scan == nil {
		t.Fatal("action.yml has no step with id scan")
	}

	// Run the scan step as the runner would, with every input set, then
	// with the optional ones empty.
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		want   map[string]string
		absent []string
	}{
		{"every input", map[string]string{"url": "https://portal.example/", "policy": "vigie.yaml", "fail-on": "medium", "baseline": "old/report.json", "consent": "none", "lang": "fr"},
			map[string]string{"URL": "https://portal.example/", "policy": "vigie.yaml", "fail-on": "medium", "baseline": "old/report.json", "consent": "none", "lang": "fr"}, nil},
		{"defaults", map[string]string{"url": "https://portal.example/", "policy": "", "fail-on": "high", "baseline": "", "consent": "all", "lang": ""},
			map[string]string{"fail-on": "high", "consent": "all"}, []string{"policy", "baseline", "lang"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin, argsFile := stubVigie(t, "1")
			tmp := t.TempDir()
			inputs := map[string]string{"out": filepath.Join(tmp, "out")}
			for k, v := range tc.inputs {
				inputs[k] = v
			}
			env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"),
				"GITHUB_OUTPUT="+filepath.Join(tmp, "output"), "GITHUB_STEP_SUMMARY="+filepath.Join(tmp, "summary"))
			for k, v := range scan.Env {
				m := inputRef.FindStringSubmatch(v)
				if m == nil {
					t.Fatalf("env %s=%s is not an input", k, v)
				}
				env = append(env, k+"="+inputs[m[1]+m[2]])
			}
			cmd := exec.Command("bash", "-e", "-c", scan.Run)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("the scan step failed itself (it must record vigie's exit code, not stop): %v\n%s", err, out)
			}
			got := scanArgs(t, argsFile)
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("--%s = %q, want %q", k, got[k], v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("--%s passed with an empty input", k)
				}
			}
			if !strings.Contains(got["format"], "sarif") || !strings.Contains(got["format"], "html") {
				t.Errorf("--format %q: the SARIF upload and the HTML report need sarif and html", got["format"])
			}
			if out, _ := os.ReadFile(filepath.Join(tmp, "output")); !strings.Contains(string(out), "exit-code=1") {
				t.Errorf("GITHUB_OUTPUT %q lacks vigie's exit code", out)
			}
			if sum, _ := os.ReadFile(filepath.Join(tmp, "summary")); !strings.Contains(string(sum), "# report") {
				t.Error("the job summary does not show report.md")
			}
		})
	}
}

func TestGitLabTemplate(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../ci/gitlab/vigie.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Variables map[string]string `yaml:"variables"`
		Base      struct {
			Image        string   `yaml:"image"`
			BeforeScript []string `yaml:"before_script"`
			Script       []string `yaml:"script"`
			Artifacts    struct {
				When    string            `yaml:"when"`
				Paths   []string          `yaml:"paths"`
				Reports map[string]string `yaml:"reports"`
			} `yaml:"artifacts"`
		} `yaml:".vigie"`
		Job struct {
			Extends string `yaml:"extends"`
			Rules   []struct {
				If string `yaml:"if"`
			} `yaml:"rules"`
		} `yaml:"vigie"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("vigie.gitlab-ci.yml: %v", err)
	}
	for _, v := range []string{"VIGIE_URL", "VIGIE_POLICY", "VIGIE_FAIL_ON", "VIGIE_BASELINE", "VIGIE_OUT", "VIGIE_VERSION"} {
		if _, ok := doc.Variables[v]; !ok {
			t.Errorf("the template lacks the %s variable", v)
		}
	}
	a := doc.Base.Artifacts
	if a.When != "always" || a.Reports["codequality"] == "" || a.Reports["junit"] == "" || len(a.Paths) == 0 {
		t.Errorf("artifacts: %+v", a)
	}
	if doc.Job.Extends != ".vigie" || len(doc.Job.Rules) == 0 || !strings.Contains(doc.Job.Rules[0].If, "VIGIE_URL") {
		t.Errorf("the vigie job: %+v", doc.Job)
	}
	if !strings.Contains(strings.Join(doc.Base.BeforeScript, "\n"), "cmd/vigie@") {
		t.Error("the template does not install vigie with go install")
	}

	// Run the script as GitLab's runner does (errexit), against the stub.
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq not installed: the template's script (which installs it in its image) is not run here")
	}
	bin, argsFile := stubVigie(t, "1")
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	cmd := exec.Command("sh", "-e", "-c", strings.Join(doc.Base.Script, "\n"))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "VIGIE_URL=https://portal.example/", "VIGIE_POLICY=vigie.yaml",
		"VIGIE_FAIL_ON=low", "VIGIE_BASELINE=", "VIGIE_CONSENT=all", "VIGIE_LANG=", "VIGIE_OUT="+out)
	output, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("the script's exit: %v, want vigie's (1)\n%s", err, output)
	}
	got := scanArgs(t, argsFile)
	if got["policy"] != "vigie.yaml" || got["fail-on"] != "low" || !strings.Contains(got["format"], "junit") {
		t.Errorf("vigie ran with %v", got)
	}
	if _, ok := got["baseline"]; ok {
		t.Error("--baseline passed with an empty VIGIE_BASELINE")
	}
	cq, err := os.ReadFile(filepath.Join(out, "gl-code-quality.json"))
	if err != nil {
		t.Fatalf("no Code Quality report: %v\n%s", err, output)
	}
	var issues []struct {
		Description string `json:"description"`
		CheckName   string `json:"check_name"`
		Fingerprint string `json:"fingerprint"`
		Severity    string `json:"severity"`
		Location    struct {
			Path  string `json:"path"`
			Lines struct {
				Begin int `json:"begin"`
			} `json:"lines"`
		} `json:"location"`
	}
	if err := json.Unmarshal(cq, &issues); err != nil || len(issues) == 0 {
		t.Fatalf("Code Quality report: %v\n%s", err, cq)
	}
	for _, is := range issues {
		if is.CheckName == "" || is.Fingerprint == "" || is.Location.Path == "" || is.Location.Lines.Begin != 1 ||
			!slices.Contains([]string{"info", "minor", "major", "critical", "blocker"}, is.Severity) {
			t.Errorf("Code Quality issue %+v", is)
		}
	}
}

func TestGoReleaser(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Env     []string `yaml:"env"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
		Archives []struct {
			Formats         []string `yaml:"formats"`
			FormatOverrides []struct {
				Goos    string   `yaml:"goos"`
				Formats []string `yaml:"formats"`
			} `yaml:"format_overrides"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string `yaml:"algorithm"`
		} `yaml:"checksum"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if doc.Version != 2 || len(doc.Builds) != 1 || len(doc.Archives) == 0 {
		t.Fatalf(".goreleaser.yaml: version %d, %d builds, %d archives", doc.Version, len(doc.Builds), len(doc.Archives))
	}
	b := doc.Builds[0]
	if b.Main != "./cmd/vigie" || b.Binary != "vigie" || !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build: %+v", b)
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, goos) {
			t.Errorf("no %s build", goos)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, arch) {
			t.Errorf("no %s build", arch)
		}
	}
	// -X sets main.version, the variable of version.go: renaming it breaks
	// the build of the line below, not silently the releases.
	if !strings.Contains(strings.Join(b.Ldflags, " "), "-X main.version=") {
		t.Errorf("ldflags %q do not set main.version", b.Ldflags)
	}
	_ = &version
	zipForWindows := false
	for _, o := range doc.Archives[0].FormatOverrides {
		zipForWindows = zipForWindows || o.Goos == "windows" && slices.Contains(o.Formats, "zip")
	}
	if !zipForWindows || !slices.Contains(doc.Archives[0].Formats, "tar.gz") {
		t.Errorf("archives: %+v", doc.Archives[0])
	}
	if doc.Checksum.NameTemplate == "" || doc.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum: %+v", doc.Checksum)
	}
}

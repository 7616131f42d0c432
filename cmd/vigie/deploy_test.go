package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vigie-scan/vigie/batch"
)

// deployDir holds the deployment examples (Kubernetes, GitHub Actions).
const deployDir = "../../deploy"

// yamlDocs reads every YAML document of a file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, d)
	}
}

// get walks a YAML value along keys (map keys, or list indexes as numbers).
func get(v any, keys ...string) any {
	for _, k := range keys {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(m) {
				return nil
			}
			v = m[i]
		default:
			return nil
		}
	}
	return v
}

// Shell expansions in the examples, replaced by plausible values before
// the command lines are parsed.
var (
	ghExpr    = regexp.MustCompile(`\$\{\{[^}]*\}\}`)
	shellArit = regexp.MustCompile(`\$\(\([^)]*\)\)`)
	shellVar  = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
)

// vigieCalls finds the vigie command lines of a shell script and splits
// them into arguments: line continuations joined, quotes removed, shell
// and workflow expansions replaced by 1, a command ending at a shell
// operator.
func vigieCalls(script string) [][]string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	script = ghExpr.ReplaceAllString(script, "1")
	script = shellArit.ReplaceAllString(script, "1")
	script = shellVar.ReplaceAllString(script, "1")
	var calls [][]string
	for _, line := range strings.Split(script, "\n") {
		var words []string
		var cur strings.Builder
		quote := rune(0)
		flush := func() {
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		}
		for _, r := range line {
			switch {
			case quote != 0 && r == quote:
				quote = 0
			case quote != 0:
				cur.WriteRune(r)
			case r == '"' || r == '\'':
				quote = r
			case r == ' ' || r == '\t':
				flush()
			default:
				cur.WriteRune(r)
			}
		}
		flush()
		for i := 0; i < len(words); i++ {
			if words[i] != "vigie" || i+1 >= len(words) {
				continue
			}
			var call []string
			for _, w := range words[i+1:] {
				if w == "||" || w == "&&" || w == ";" || w == "|" {
					break
				}
				call = append(call, w)
			}
			calls = append(calls, call)
		}
	}
	return calls
}

// checkCall parses a vigie command line as vigie would: the subcommand
// exists, every flag exists and takes its value, the arguments are what
// the subcommand wants. It returns the subcommand's name.
func checkCall(t *testing.T, where string, args []string) string {
	t.Helper()
	root := newRoot(io.Discard, io.Discard)
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Errorf("%s: vigie %s: no such command (%v)", where, strings.Join(args, " "), err)
		return ""
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: vigie %s: %v", where, strings.Join(args, " "), err)
		return cmd.Name()
	}
	if cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: vigie %s: %v", where, strings.Join(args, " "), err)
		}
	}
	if f := cmd.Flags().Lookup("shard"); f != nil && f.Changed {
		if _, err := batch.ParseShard(f.Value.String()); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	return cmd.Name()
}

// TestDeployKubernetes: the Indexed Job scans shard index+1 of as many
// shards as it has completions, each into its own folder, and the summary
// job merges them; every vigie command line parses.
func TestDeployKubernetes(t *testing.T) {
	t.Parallel()
	var jobs []map[string]any
	for _, f := range []string{"batch-job.yaml", "summary-job.yaml"} {
		for _, d := range yamlDocs(t, filepath.Join(deployDir, "kubernetes", f)) {
			if d["kind"] == "Job" {
				jobs = append(jobs, d)
			}
		}
	}
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs, want the batch and the summary", len(jobs))
	}
	seen := map[string]bool{}
	for _, job := range jobs {
		name, _ := get(job, "metadata", "name").(string)
		containers, _ := get(job, "spec", "template", "spec", "containers").([]any)
		if len(containers) == 0 {
			t.Fatalf("%s: no container", name)
		}
		var script []string
		for _, key := range []string{"command", "args"} {
			list, _ := get(containers[0], key).([]any)
			for _, v := range list {
				script = append(script, v.(string))
			}
		}
		calls := vigieCalls(strings.Join(script, "\n"))
		if len(calls) != 1 {
			t.Fatalf("%s: %d vigie command lines, want 1: %q", name, len(calls), script)
		}
		sub := checkCall(t, name, calls[0])
		seen[sub] = true
		if sub != "batch" {
			continue
		}
		if get(job, "spec", "completionMode") != "Indexed" {
			t.Errorf("%s: not an Indexed Job", name)
		}
		completions, _ := get(job, "spec", "completions").(int)
		text := strings.Join(script, "\n")
		if !strings.Contains(text, "$((JOB_COMPLETION_INDEX + 1))/"+strconv.Itoa(completions)) {
			t.Errorf("%s: --shard is not JOB_COMPLETION_INDEX+1 of %d completions:\n%s", name, completions, text)
		}
		if !strings.Contains(text, "--resume") || !strings.Contains(text, "shard-$((JOB_COMPLETION_INDEX + 1))") {
			t.Errorf("%s: each index needs its own folder, resumed after a restart", name)
		}
	}
	if !seen["batch"] || !seen["summary"] {
		t.Errorf("commands %v: want batch and summary", seen)
	}
}

// TestDeployGitHubActions: a matrix job scans each shard, and a merge
// job that needs it runs vigie summary; every vigie command line parses.
func TestDeployGitHubActions(t *testing.T) {
	t.Parallel()
	docs := yamlDocs(t, filepath.Join(deployDir, "github", "vigie-batch.yml"))
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	jobs, _ := docs[0]["jobs"].(map[string]any)
	seen := map[string]string{} // subcommand → job
	for name, job := range jobs {
		steps, _ := get(job, "steps").([]any)
		for i, st := range steps {
			run, _ := get(st, "run").(string)
			for _, call := range vigieCalls(run) {
				seen[checkCall(t, name+" step "+strconv.Itoa(i+1), call)] = name
			}
		}
	}
	scan, merge := seen["batch"], seen["summary"]
	if scan == "" || merge == "" {
		t.Fatalf("commands %v: want batch and summary", seen)
	}
	shards, _ := get(jobs[scan], "strategy", "matrix", "shard").([]any)
	if len(shards) < 2 {
		t.Errorf("%s: matrix of %d shards", scan, len(shards))
	}
	for i, s := range shards {
		if s != i+1 {
			t.Errorf("%s: matrix shard %d is %v, want %d", scan, i, s, i+1)
		}
	}
	var runs []string
	for _, st := range get(jobs[scan], "steps").([]any) {
		if r, ok := get(st, "run").(string); ok {
			runs = append(runs, r)
		}
	}
	if !strings.Contains(strings.Join(runs, "\n"), "--shard ${{ matrix.shard }}/"+strconv.Itoa(len(shards))) {
		t.Errorf("%s: --shard does not cover the %d matrix entries", scan, len(shards))
	}
	if needs := get(jobs[merge], "needs"); needs != scan && !(func() bool {
		l, _ := needs.([]any)
		for _, n := range l {
			if n == scan {
				return true
			}
		}
		return false
	})() {
		t.Errorf("%s does not need %s", merge, scan)
	}
}

package architecture

import (
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/vigie-scan/vigie/"

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// listPackages lists the module's packages with their imports.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	readSources(t)
	cmd := exec.Command("go", "list", "-json", "github.com/vigie-scan/vigie/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages: the test could not check anything", len(pkgs))
	}
	return pkgs
}

// ours returns the module's packages among imports, without the module prefix.
func ours(imports []string) []string {
	var out []string
	for _, i := range imports {
		if rel, ok := strings.CutPrefix(i, module); ok {
			out = append(out, rel)
		} else if i == strings.TrimSuffix(module, "/") {
			out = append(out, ".")
		}
	}
	return out
}

// rule is one dependency rule: packages matching from may import (of the
// module) only what allowed accepts.
type rule struct {
	name    string
	from    func(p string) bool
	allowed func(imp string) bool
	tests   bool // the rule holds for the package's tests too
}

func is(names ...string) func(string) bool {
	return func(p string) bool { return slices.Contains(names, p) }
}

func under(prefix string) func(string) bool {
	return func(p string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
}

func not(f func(string) bool) func(string) bool { return func(p string) bool { return !f(p) } }

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(p string) bool {
		for _, f := range fs {
			if f(p) {
				return true
			}
		}
		return false
	}
}

func none(string) bool { return false }

// collectors are the packages that gather evidence.
var collector = func(p string) bool {
	return strings.HasPrefix(p, "scanner/") && !is("scanner/evidence", "scanner/names")(p)
}

var rules = []rule{
	{"the evidence model is a leaf", is("scanner/evidence"), none, false},
	{"the names package is a leaf", is("scanner/names"), none, false},
	{"checks read only the evidence model and the names", under("checks"), is("scanner/evidence", "scanner/names"), false},
	{"reports never reach the scanner or its collectors", under("reports"), not(anyOf(is("scanner"), collector)), false},
	{"collectors never judge nor render", anyOf(is("scanner"), collector), not(anyOf(under("checks"), under("reports"))), true},
	{"nothing imports the command", func(string) bool { return true }, not(under("cmd")), true},
}

// TestDependencies fails when a package imports what ARCHITECTURE.md says
// it must not.
func TestDependencies(t *testing.T) {
	checked := 0
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module)
		for _, r := range rules {
			if !r.from(rel) {
				continue
			}
			checked++
			imports := p.Imports
			if r.tests {
				imports = append(slices.Clone(imports), p.TestImports...)
				imports = append(imports, p.XTestImports...)
			}
			for _, imp := range ours(imports) {
				if imp == rel || strings.HasPrefix(imp, rel+" ") {
					continue
				}
				if !r.allowed(imp) {
					t.Errorf("%s imports %s: %s (ARCHITECTURE.md)", rel, imp, r.name)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d package-rule pairs checked: the rules match nothing", checked)
	}
}

// TestRulesCatch shows that each rule refuses what it is meant to refuse.
func TestRulesCatch(t *testing.T) {
	bad := map[string][2]string{
		"the evidence model is a leaf":                      {"scanner/evidence", "scanner/names"},
		"the names package is a leaf":                       {"scanner/names", "scanner/evidence"},
		"checks read only the evidence model and the names": {"checks", "scanner/entities"},
		"reports never reach the scanner or its collectors": {"reports", "scanner/browser"},
		"collectors never judge nor render":                 {"scanner/legal", "checks"},
		"nothing imports the command":                       {"reports", "cmd/vigie"},
	}
	for _, r := range rules {
		c, ok := bad[r.name]
		if !ok {
			t.Errorf("rule %q has no counter-example", r.name)
			continue
		}
		if !r.from(c[0]) || r.allowed(c[1]) {
			t.Errorf("rule %q lets %s import %s", r.name, c[0], c[1])
		}
	}
}

// readSources reads every Go file of the module, so that the test's cached
// result is dropped when an import changes (go test caches a test by the
// files it opens, and go list runs in another process).
func readSources(t *testing.T) {
	t.Helper()
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var checkID = regexp.MustCompile(`^[a-z]+\.[a-z0-9-]+$`)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if !checkID.MatchString(c.ID) {
			t.Errorf("check ID %q is not area.name", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("duplicate check ID %q", c.ID)
		}
		seen[c.ID] = true
		for field, v := range map[string]string{"Title": c.Title, "Rationale": c.Rationale, "Remediation": c.Remediation} {
			if v == "" {
				t.Errorf("%s: empty %s", c.ID, field)
			}
		}
		if len(c.Refs) == 0 {
			t.Errorf("%s: no references", c.ID)
		}
		if len(c.Needs) == 0 {
			t.Errorf("%s: needs no evidence", c.ID)
		}
		if c.Run == nil {
			t.Errorf("%s: no Run", c.ID)
		}
		if Lookup(c.ID) != c {
			t.Errorf("Lookup(%q) does not return the registered check", c.ID)
		}
	}
	if Lookup("no.such-check") != nil {
		t.Error("Lookup of an unknown ID returned a check")
	}
}

// TestREADMEListsEveryCheck keeps the README's check table honest.
func TestREADMEListsEveryCheck(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range All() {
		if !strings.Contains(string(readme), "`"+c.ID+"`") {
			t.Errorf("README.md does not list %s", c.ID)
		}
	}
}

// TestEachCheckInItsFile keeps the layout a newcomer relies on: every check
// is declared in the file its ID's prefix names (consent.* in consent.go,
// dns.cname-cloaking in dns.go), every declared check is registered, and
// registry.go names every ID in its one list.
func TestEachCheckInItsFile(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]string{} // ID → file
	for _, pkg := range pkgs {
		for name, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Check" {
					return true
				}
				for _, e := range lit.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if k, isIdent := kv.Key.(*ast.Ident); !ok || !isIdent || k.Name != "ID" {
						continue
					}
					if s, ok := kv.Value.(*ast.BasicLit); ok {
						declared[strings.Trim(s.Value, `"`)] = filepath.Base(name)
					}
				}
				return true
			})
		}
	}
	registry, err := os.ReadFile("registry.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(All()) != 30 || len(declared) != len(All()) {
		t.Errorf("%d checks registered, %d declared: want 30 of each", len(All()), len(declared))
	}
	for _, c := range All() {
		prefix, _, _ := strings.Cut(c.ID, ".")
		if file := declared[c.ID]; file != prefix+".go" {
			t.Errorf("%s is declared in %q, want %s.go", c.ID, file, prefix)
		}
		if !strings.Contains(string(registry), "// "+c.ID+"\n") {
			t.Errorf("registry.go does not name %s in its list", c.ID)
		}
	}
}

func TestSelect(t *testing.T) {
	var ids []string
	for _, c := range Select("consent.no-banner", "survey.", "access") {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "consent.no-banner survey.platform survey.open-participation" {
		t.Errorf("Select = %s", got)
	}
}

// TestImportsOnlyTheModelAndNames keeps checks a pure function of the
// evidence: of vigie's packages it imports the evidence model and the
// names leaf, nothing else (no collector, no catalogue).
func TestImportsOnlyTheModelAndNames(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"github.com/vigie-scan/vigie/scanner/evidence": true, "github.com/vigie-scan/vigie/scanner/names": true}
	for _, pkg := range pkgs {
		for name, f := range pkg.Files {
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				if strings.HasPrefix(p, "github.com/vigie-scan/vigie/") && !allowed[p] {
					t.Errorf("%s imports %s", name, p)
				}
			}
		}
	}
}

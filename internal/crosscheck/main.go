// Command crosscheck type-checks the module's packages, their tests
// included, as they build on other platforms, from source and without
// compiling anything: a call to an API a platform lacks (syscall.Kill on
// Windows), or a build-tagged file without its counterpart there, fails in
// seconds, where a cross build costs minutes of compilation on a cold
// cache. `make test` runs it; `make cross` builds the real binaries.
//
// Dependencies (the standard library included) are checked for their API
// only: their function bodies are skipped, as they build on every
// platform at the versions go.sum pins.
//
// Usage:
//
//	go run ./internal/crosscheck [GOOS/GOARCH ...]
//
// without arguments it checks linux/arm64, and darwin and windows on amd64
// and arm64.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// defaultPlatforms are checked when none is given.
var defaultPlatforms = []string{"linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	platforms := args
	if len(platforms) == 0 {
		platforms = defaultPlatforms
	}
	failed := false
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok || goos == "" || goarch == "" {
			fmt.Fprintf(stderr, "crosscheck: platform %q: want GOOS/GOARCH\n", p)
			return 2
		}
		start := time.Now()
		n, problems, err := check(ctx, goos, goarch)
		if err != nil {
			fmt.Fprintf(stderr, "crosscheck %s: %v\n", p, err)
			return 2
		}
		for _, pr := range problems {
			fmt.Fprintf(stderr, "crosscheck %s: %s\n", p, pr)
		}
		if len(problems) > 0 {
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "crosscheck %s: %d packages type-check (%s)\n", p, n, time.Since(start).Round(10*time.Millisecond))
	}
	if failed {
		return 1
	}
	return 0
}

// listed is what `go list -json` says of a package.
type listed struct {
	ImportPath string
	Dir        string
	Name       string
	GoFiles    []string
	CgoFiles   []string
	ImportMap  map[string]string
	Imports    []string
	Standard   bool
	Module     *struct {
		Main      bool
		GoVersion string
	}
	Error *struct{ Err string }
}

// check lists the module's packages and tests with their dependencies for
// goos/goarch and type-checks them; it returns how many packages it
// checked and the problems found.
func check(ctx context.Context, goos, goarch string) (int, []string, error) {
	pkgs, err := list(ctx, goos, goarch)
	if err != nil {
		return 0, nil, err
	}
	sizes := types.SizesFor("gc", goarch)
	if sizes == nil {
		return 0, nil, fmt.Errorf("unknown GOARCH %q", goarch)
	}
	done := make(map[string]chan struct{}, len(pkgs))
	checked := make(map[string]*types.Package, len(pkgs))
	for _, p := range pkgs {
		done[p.ImportPath] = make(chan struct{})
	}
	var mu sync.Mutex
	var problems []string
	seen := map[string]bool{} // a package and its test variant say the same
	report := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[s] && len(problems) < 100 {
			seen[s] = true
			problems = append(problems, s)
		}
	}
	fset := token.NewFileSet()
	var g errgroup.Group
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, p := range pkgs {
		g.Go(func() error {
			defer close(done[p.ImportPath])
			resolve := func(path string) string {
				if id, ok := p.ImportMap[path]; ok {
					return id
				}
				return path
			}
			for _, imp := range p.Imports {
				if ch, ok := done[resolve(imp)]; ok {
					<-ch
				}
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			own := p.Module != nil && p.Module.Main
			if p.Error != nil {
				report(fmt.Sprintf("%s: %s", p.ImportPath, p.Error.Err))
				return nil
			}
			if len(p.CgoFiles) > 0 {
				report(fmt.Sprintf("%s: needs cgo, which a cross build does not have", p.ImportPath))
				return nil
			}
			files := make([]*ast.File, 0, len(p.GoFiles))
			for _, name := range p.GoFiles {
				f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
				if err != nil {
					report(err.Error())
					return nil
				}
				files = append(files, f)
			}
			conf := types.Config{
				IgnoreFuncBodies: !own,
				Sizes:            sizes,
				Importer: importerFunc(func(path string) (*types.Package, error) {
					if path == "unsafe" {
						return types.Unsafe, nil
					}
					mu.Lock()
					tp := checked[resolve(path)]
					mu.Unlock()
					if tp == nil {
						return nil, fmt.Errorf("%s not checked", path)
					}
					return tp, nil
				}),
				Error: func(err error) { report(err.Error()) },
			}
			if p.Module != nil && p.Module.GoVersion != "" {
				conf.GoVersion = "go" + p.Module.GoVersion
			}
			tp, _ := conf.Check(strings.TrimSuffix(p.ImportPath, " ["+forTest(p.ImportPath)+"]"), fset, files, nil)
			mu.Lock()
			checked[p.ImportPath] = tp
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, nil, err
	}
	return len(pkgs), problems, nil
}

// forTest returns what a test variant's ID is for: "p.test" in
// "q [p.test]", "" for a plain package.
func forTest(id string) string {
	if i := strings.Index(id, " ["); i >= 0 && strings.HasSuffix(id, "]") {
		return id[i+2 : len(id)-1]
	}
	return ""
}

// list runs `go list -deps -test` on the module for goos/goarch, without
// cgo, and returns the packages in dependency order, test mains left out.
func list(ctx context.Context, goos, goarch string) ([]listed, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-deps", "-test", "-json=ImportPath,Dir,Name,GoFiles,CgoFiles,ImportMap,Imports,Standard,Module,Error", "./...")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		if strings.HasSuffix(p.ImportPath, ".test") {
			continue // the generated test main
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// importerFunc adapts a function to types.Importer.
type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

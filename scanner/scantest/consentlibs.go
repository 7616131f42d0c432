package scantest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The consent libraries the lab's banners are built with, installed from the
// npm registry by the test setup (never committed): consentlibs/package.json
// pins them and consentlibs/package-lock.json pins their integrity. The
// React-based ones are bundled with React by esbuild (pinned there too)
// from consentlibs/src into node_modules/.vigie-build (`npm run build`).
const (
	// LibTarteaucitron is tarteaucitron.js, French public sites' favourite.
	LibTarteaucitron = "tarteaucitronjs"
	// LibCookieConsent is orestbida's vanilla-cookieconsent.
	LibCookieConsent = "vanilla-cookieconsent"
	// LibOsano is Osano's (formerly Insites') cookieconsent.
	LibOsano = "cookieconsent"
	// LibOrejime is Orejime, an accessible consent manager.
	LibOrejime = "orejime"
	// LibReactCookieConsent is react-cookie-consent, a React component.
	LibReactCookieConsent = "react-cookie-consent"
	// LibC15t is c15t's React consent banner (@c15t/react).
	LibC15t = "@c15t/react"
	// LibBuild is the directory, under node_modules, of the bundles built
	// from consentlibs/src.
	LibBuild = ".vigie-build"
)

// consentLibPackages are the pinned packages whose installed versions
// are checked.
var consentLibPackages = []string{LibTarteaucitron, LibCookieConsent, LibOsano, LibOrejime, LibReactCookieConsent, LibC15t, "react", "react-dom", "esbuild"}

// consentLibFiles are the files the lab serves from each library; an
// installation missing one is redone.
var consentLibFiles = []string{
	LibTarteaucitron + "/tarteaucitron.js",
	LibTarteaucitron + "/tarteaucitron.services.js",
	LibTarteaucitron + "/lang/tarteaucitron.fr.js",
	LibTarteaucitron + "/css/tarteaucitron.css",
	LibCookieConsent + "/dist/cookieconsent.umd.js",
	LibCookieConsent + "/dist/cookieconsent.css",
	LibOsano + "/build/cookieconsent.min.js",
	LibOsano + "/build/cookieconsent.min.css",
	LibOrejime + "/dist/orejime-standard-fr.js",
	LibOrejime + "/dist/orejime-standard.css",
	LibC15t + "/styles.css",
	LibBuild + "/react-cookie-consent.js",
	LibBuild + "/c15t.js",
}

// npmTimeout bounds the installation.
const npmTimeout = 3 * time.Minute

// npmRetryAfter is how long a failed installation is not retried, so that
// the test binaries of a `go test ./...` without a registry do not each wait
// for npm to fail.
const npmRetryAfter = 10 * time.Minute

var consentLibs struct {
	once sync.Once
	dir  string
	err  error
}

// ConsentLibsDir returns the node_modules directory holding the consent
// libraries (scanner/scantest/consentlibs/node_modules in the source tree),
// running `npm ci` there first when it is missing or stale. The installation
// runs once per process and under a file lock, so that test binaries of
// several packages started together install it once. It returns a clear
// error when the source tree, npm or the registry is not available: the lab
// then serves its minimal in-house banners instead, marked as such.
func ConsentLibsDir() (string, error) {
	consentLibs.once.Do(func() {
		consentLibs.dir, consentLibs.err = installConsentLibs()
	})
	return consentLibs.dir, consentLibs.err
}

// consentLibsRoot returns scanner/scantest/consentlibs in the source tree
// this package was built from.
func consentLibsRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("consent libraries: cannot locate the source tree")
	}
	root := filepath.Join(filepath.Dir(file), "consentlibs")
	if _, err := os.Stat(filepath.Join(root, "package-lock.json")); err != nil {
		return "", fmt.Errorf("consent libraries: source tree not available (%w)", err)
	}
	return root, nil
}

func installConsentLibs() (string, error) {
	root, err := consentLibsRoot()
	if err != nil {
		return "", err
	}
	modules := filepath.Join(root, "node_modules")
	if consentLibsInstalled(root) == nil {
		return modules, nil
	}
	unlock, err := lockFile(filepath.Join(root, ".npm-install.lock"))
	if err != nil {
		return "", fmt.Errorf("consent libraries: %w", err)
	}
	defer unlock()
	// Another process may have installed them while we waited, or failed
	// to a moment ago: then its error stands, without another slow try.
	if consentLibsInstalled(root) == nil {
		return modules, nil
	}
	failed := filepath.Join(root, ".npm-install.failed")
	if st, err := os.Stat(failed); err == nil && time.Since(st.ModTime()) < npmRetryAfter {
		msg, _ := os.ReadFile(failed)
		return "", fmt.Errorf("%s (failed at %s; retried after %s)", strings.TrimSpace(string(msg)), st.ModTime().Format(time.RFC3339), npmRetryAfter)
	}
	dir, err := runNPM(root)
	if err != nil {
		_ = os.WriteFile(failed, []byte(err.Error()+"\n"), 0o644)
		return "", err
	}
	_ = os.Remove(failed)
	return dir, nil
}

// runNPM runs npm ci in root and checks the result.
func runNPM(root string) (string, error) {
	modules := filepath.Join(root, "node_modules")
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("consent libraries: npm not found on PATH (install Node.js and npm, then rerun): %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts",
		"--loglevel=error", "--fetch-retries=1", "--fetch-timeout=30000")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1", "npm_config_update_notifier=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("consent libraries: npm ci in %s failed (is the npm registry reachable?): %w: %s",
			root, err, tail(out.String(), 800))
	}
	out.Reset()
	build := exec.CommandContext(ctx, npm, "run", "build", "--silent")
	build.Dir, build.Env = root, cmd.Env
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("consent libraries: npm run build in %s failed: %w: %s", root, err, tail(out.String(), 800))
	}
	if err := consentLibsInstalled(root); err != nil {
		return "", fmt.Errorf("consent libraries: after npm ci: %w", err)
	}
	return modules, nil
}

// consentLibsInstalled checks that node_modules holds the files served, in
// the versions package-lock.json pins.
func consentLibsInstalled(root string) error {
	lockData, err := os.ReadFile(filepath.Join(root, "package-lock.json"))
	if err != nil {
		return err
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(lockData, &lock); err != nil {
		return fmt.Errorf("package-lock.json: %w", err)
	}
	for _, lib := range consentLibPackages {
		want := lock.Packages["node_modules/"+lib].Version
		if want == "" {
			return fmt.Errorf("package-lock.json does not pin %s", lib)
		}
		data, err := os.ReadFile(filepath.Join(root, "node_modules", lib, "package.json"))
		if err != nil {
			return err
		}
		var pkg struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(data, &pkg); err != nil || pkg.Version != want {
			return fmt.Errorf("%s: installed %q, want %s", lib, pkg.Version, want)
		}
	}
	for _, f := range consentLibFiles {
		if _, err := os.Stat(filepath.Join(root, "node_modules", filepath.FromSlash(f))); err != nil {
			return err
		}
	}
	// A bundle older than its source is rebuilt.
	srcs, _ := filepath.Glob(filepath.Join(root, "src", "*.js"))
	for _, src := range srcs {
		out := filepath.Join(root, "node_modules", LibBuild, filepath.Base(src))
		si, err1 := os.Stat(src)
		oi, err2 := os.Stat(out)
		if err1 != nil || err2 != nil || oi.ModTime().Before(si.ModTime()) {
			return fmt.Errorf("%s: not built from %s", out, src)
		}
	}
	return nil
}

// tail returns the end of s, at most n bytes, on one line.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// TB is the part of testing.TB that RequireConsentLibs needs.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// RequireConsentLibs makes sure the consent libraries are installed (see
// ConsentLibsDir). When they cannot be, the test is skipped, or fails when
// VIGIE_REQUIRE_BROWSER=1 (as in CI): a banner from the real libraries is
// then required.
func RequireConsentLibs(t TB) string {
	t.Helper()
	dir, err := ConsentLibsDir()
	if err != nil {
		if os.Getenv("VIGIE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%v (VIGIE_REQUIRE_BROWSER=1)", err)
		}
		t.Skipf("%v", err)
	}
	return dir
}

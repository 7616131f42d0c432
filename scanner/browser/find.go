package browser

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Candidates are the program names Find looks for on PATH, in order: the
// full browsers first (the evidence should come from the browser citizens
// run), then the old headless shell.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell", "chrome-headless-shell"}

// ErrNotFound is returned by Find when no browser is installed.
var ErrNotFound = errors.New("no Chrome or Chromium browser found on PATH (looked for " +
	strings.Join(Candidates, ", ") + "); install one (Debian/Ubuntu: apt-get install chromium) or give its path with --browser")

// Find returns the browser binary to run: path when it is given (it must be
// an executable file), else the first of Candidates found on PATH.
func Find(path string) (string, error) {
	if path != "" {
		st, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("--browser: %w", err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("--browser %s: not an executable file", path)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", fmt.Errorf("--browser %s: %w", path, err)
		}
		return abs, nil
	}
	for _, name := range Candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// isHeadlessShell reports whether the binary is Chromium's old headless
// shell rather than the full browser.
func isHeadlessShell(path string) bool {
	base := filepath.Base(path)
	return strings.Contains(base, "headless_shell") || strings.Contains(base, "headless-shell")
}

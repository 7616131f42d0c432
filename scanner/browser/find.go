package browser

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Candidates are the program names Find looks for on PATH, in order:
// Chromium's headless shell first, then the full browsers. The shell runs
// the engine of the browser citizens run (Blink, V8 and the network stack
// of the same version) without the windowing of the full browser's
// --headless mode, which costs that mode about two and a half times the
// CPU for each page (see the README's figures); the evidence records
// which one ran (evidence.Browser: product and headless mode).
var Candidates = []string{"chromium-headless-shell", "chrome-headless-shell", "headless_shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNotFound is returned by Find when no browser is installed.
var ErrNotFound = errors.New("no Chrome or Chromium browser found on PATH (looked for " +
	strings.Join(Candidates, ", ") + "); install one (Debian/Ubuntu: apt-get install chromium-headless-shell, or chromium) or give its path with --browser")

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

// IsHeadlessShell reports whether the binary at path is Chromium's
// headless shell (the old headless mode) rather than the full browser.
func IsHeadlessShell(path string) bool {
	base := filepath.Base(path)
	return strings.Contains(base, "headless_shell") || strings.Contains(base, "headless-shell")
}

package browser

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Chromium binds its singleton socket (one browser per profile) at
// $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket (Chrome's directory,
// com.google.Chrome.XXXXXX, is shorter), and the browser's TMPDIR is the
// per-scan directory's tmp. A Unix socket path is bounded (sun_path): past
// the bound Chromium dies at start ("Socket path too long"). So the
// per-scan directory goes where that path fits: under the TMPDIR given,
// else under a short fallback.

// rootPattern names the per-scan directory; os.MkdirTemp replaces the * by
// up to 10 digits.
const rootPattern = "vigie-browser-*"

// socketTail is what Chromium adds to the per-scan directory for its
// singleton socket, at its longest.
var socketTail = string(filepath.Separator) + filepath.Join("tmp", "org.chromium.Chromium.XXXXXX", "SingletonSocket")

// maxSocketPath is the longest Unix socket path the platform can bind
// (sun_path less its terminating NUL); 0 when Chromium uses no such socket.
func maxSocketPath() int {
	switch runtime.GOOS {
	case "windows":
		return 0
	case "linux", "android":
		return 107
	default: // macOS and the BSDs
		return 103
	}
}

// socketPathLen is the length of Chromium's socket path under the per-scan
// directory root.
func socketPathLen(root string) int { return len(root) + len(socketTail) }

// fallbackBases are the short places tried, in order, when the TMPDIR
// given is too long: /tmp, then the user's runtime directory (often a
// small tmpfs).
func fallbackBases() []string {
	if runtime.GOOS == "windows" {
		return nil
	}
	out := []string{"/tmp"}
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		out = append(out, d)
	}
	return out
}

// makeRoot makes the per-scan directory under base (os.TempDir when
// empty), or under the first fallback where Chromium's socket path fits
// when it does not fit under base. The error says why no place would do.
func makeRoot(base string) (string, error) {
	if base == "" {
		base = os.TempDir()
	}
	limit := maxSocketPath()
	// The longest name MkdirTemp can give.
	longest := func(b string) int {
		abs, err := filepath.Abs(b)
		if err != nil {
			abs = b
		}
		return socketPathLen(filepath.Join(abs, strings.Replace(rootPattern, "*", "4294967295", 1)))
	}
	if limit == 0 || longest(base) <= limit {
		return mkRoot(base)
	}
	var errs []error
	for _, b := range fallbackBases() {
		if b == base || longest(b) > limit {
			continue
		}
		root, err := mkRoot(b)
		if err == nil {
			return root, nil
		}
		errs = append(errs, err)
	}
	msg := fmt.Sprintf("browser: the temporary directory %s is too long for Chromium: its socket path would be %d bytes, over the %d a Unix socket allows",
		base, longest(base), limit)
	if len(errs) > 0 {
		return "", fmt.Errorf("%s, and no shorter place was usable (%w); set TMPDIR to a shorter directory", msg, errors.Join(errs...))
	}
	return "", fmt.Errorf("%s; set TMPDIR to a shorter directory", msg)
}

// mkRoot makes a per-scan directory under base, as an absolute path.
func mkRoot(base string) (string, error) {
	root, err := os.MkdirTemp(base, rootPattern)
	if err != nil {
		return "", fmt.Errorf("browser: temporary directory: %w", err)
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return root, nil
}

// startError explains why the browser did not start. Chromium says why it
// died in a FATAL line of its output, which chromedp returns with the rest
// of the output: that line is the cause.
func startError(exe string, err error) error {
	for line := range strings.SplitSeq(err.Error(), "\n") {
		_, fatal, ok := strings.Cut(line, ":FATAL:")
		if !ok {
			continue
		}
		if _, msg, ok := strings.Cut(fatal, "] "); ok {
			fatal = msg
		}
		fatal = strings.TrimSpace(fatal)
		if strings.Contains(fatal, "Socket path too long") {
			fatal += " (the temporary directory's path is too long for a Unix socket; set TMPDIR to a shorter directory)"
		}
		return fmt.Errorf("browser %s did not start: Chromium: %s", exe, fatal)
	}
	return fmt.Errorf("browser %s did not start: %w", exe, err)
}

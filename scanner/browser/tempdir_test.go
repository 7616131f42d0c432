package browser

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// longDir returns an existing directory whose path is at least n bytes.
func longDir(t *testing.T, n int) string {
	t.Helper()
	d := t.TempDir()
	for len(d) < n {
		d = filepath.Join(d, "a-rather-long-directory-name")
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMakeRoot(t *testing.T) {
	limit := maxSocketPath()
	if limit == 0 {
		t.Skip("no Unix socket path bound on this platform")
	}
	short := t.TempDir()
	long := longDir(t, 90)
	tests := []struct {
		name, base string
		under      string // the root's parent; "" for any short place
	}{
		{"short base kept", short, short},
		{"long base replaced", long, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := makeRoot(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(root)
			if tt.under != "" && filepath.Dir(root) != tt.under {
				t.Errorf("root %s, want it under %s", root, tt.under)
			}
			if strings.HasPrefix(root, long) {
				t.Errorf("root %s under the long base", root)
			}
			if n := socketPathLen(root); n > limit {
				t.Errorf("socket path of %d bytes under %s, over %d", n, root, limit)
			}
			if st, err := os.Stat(root); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
				t.Errorf("root %s: %v, %v", root, st, err)
			}
		})
	}
}

func TestStartError(t *testing.T) {
	tests := []struct {
		name, out, want string
	}{
		{"socket path", "chrome failed to start:\n/usr/bin/chromium: 9: [: 25276035072: unexpected operator\n" +
			"[18313:18313:1202/215214.627891:FATAL:chrome/browser/process_singleton_posix.cc:315] Socket path too long: /tmp/x/SingletonSocket.\n" +
			"[1202/215214.831184:ERROR:third_party/crashpad/crashpad/util/file/file_io_posix.cc:145] open /sys/x: No such file or directory (2)\n",
			"browser /usr/bin/chromium did not start: Chromium: Socket path too long: /tmp/x/SingletonSocket. (the temporary directory's path is too long for a Unix socket; set TMPDIR to a shorter directory)"},
		{"other fatal", "chrome failed to start:\n[1:1:0101/000000.000000:FATAL:ozone_platform_x11.cc:240] Missing X server or $DISPLAY\n",
			"browser /usr/bin/chromium did not start: Chromium: Missing X server or $DISPLAY"},
		{"no fatal line", "exec: \"/usr/bin/chromium\": permission denied",
			"browser /usr/bin/chromium did not start: exec: \"/usr/bin/chromium\": permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := startError("/usr/bin/chromium", errors.New(tt.out)).Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestStartLongTMPDIR: with a TMPDIR of 70+ bytes Chromium's singleton
// socket path would overflow sun_path and Chromium would die at start; the
// browser starts all the same, its socket in a short place, and a visit
// records the page.
func TestStartLongTMPDIR(t *testing.T) {
	exe := requireBrowser(t)
	w, err := newWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.handle("long.tmp.test", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		rw.Write([]byte(`<html><body><p>hello</p></body></html>`))
	}))
	long := longDir(t, 75)
	t.Setenv("TMPDIR", long)

	b, err := Start(t.Context(), Config{Exec: exe, Proxy: w.proxy.Addr().String(), TrustCerts: []string{w.caFile},
		Timing: testTiming, StartTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("TMPDIR of %d bytes: %v", len(long), err)
	}
	dir, profile := b.Dir(), b.Profile()
	if strings.HasPrefix(dir, long) {
		t.Errorf("per-scan directory %s under the long TMPDIR", dir)
	}
	if IsHeadlessShell(exe) {
		// The headless shell binds no singleton socket: the browser
		// starting and its visit are what is tested.
	} else if target, err := os.Readlink(filepath.Join(profile, "SingletonSocket")); err != nil {
		t.Errorf("no singleton socket link: %v", err)
	} else if limit := maxSocketPath(); limit > 0 && len(target) > limit {
		t.Errorf("socket path %s is %d bytes, over %d", target, len(target), limit)
	}
	res := b.Visit(t.Context(), VisitSpec{ID: "visit/initial", State: evidence.StateInitial, URL: "https://long.tmp.test/", Name: "initial"})
	if res.Visit.Error != "" || res.Visit.Status != http.StatusOK {
		t.Errorf("visit: status %d, error %q", res.Visit.Status, res.Visit.Error)
	}
	if err := b.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if pids := ProfileProcesses(profile); len(pids) > 0 {
		t.Errorf("Chromium processes left: %v", pids)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("per-scan directory %s left behind (%v)", dir, err)
	}
}

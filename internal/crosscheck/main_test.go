package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// module writes a one-package module into a temporary directory and makes
// it the working directory.
func module(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.test/m\n\ngo 1.22\n"
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

func TestCrosscheck(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		platforms []string
		code      int
		say       string // in stderr
	}{
		{"portable", map[string]string{"a.go": "package m\n\nimport \"os\"\n\nfunc Pid() int { return os.Getpid() }\n",
			"a_test.go": "package m\n\nimport \"testing\"\n\nfunc TestPid(t *testing.T) { _ = Pid() }\n"},
			[]string{"windows/amd64", "darwin/arm64"}, 0, ""},
		{"syscall.Kill on Windows", map[string]string{"a.go": "package m\n\nimport \"syscall\"\n\nfunc Kill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }\n"},
			[]string{"linux/arm64", "windows/amd64"}, 1, "crosscheck windows/amd64: " /* and not linux */},
		{"a build-tagged file without its Windows counterpart", map[string]string{
			"a.go":      "package m\n\nfunc Stop() { stop() }\n",
			"a_unix.go": "//go:build unix\n\npackage m\n\nfunc stop() {}\n"},
			[]string{"darwin/amd64", "windows/arm64"}, 1, "undefined: stop"},
		{"an error in an external test", map[string]string{"a.go": "package m\n",
			"x_test.go": "package m_test\n\nimport (\n\t\"testing\"\n\n\tm \"example.test/m\"\n)\n\nfunc TestX(t *testing.T) { m.Missing() }\n"},
			[]string{"windows/amd64"}, 1, "undefined: m.Missing"},
		{"a bad platform", map[string]string{"a.go": "package m\n"}, []string{"windows"}, 2, "want GOOS/GOARCH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			module(t, tt.files)
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tt.platforms, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.say) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if tt.code == 1 && strings.Contains(stderr.String(), "linux/arm64") {
				t.Errorf("linux/arm64 has syscall.Kill:\n%s", stderr.String())
			}
			if tt.code == 0 && strings.Count(stdout.String(), "type-check") != len(tt.platforms) {
				t.Errorf("stdout:\n%s", stdout.String())
			}
		})
	}
}

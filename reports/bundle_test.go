package reports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/checks"
)

func listedFiles(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed, err := ReadManifest(f)
	if err != nil {
		t.Fatal(err)
	}
	return sortedKeys(listed)
}

// TestManifestListsThisRunOnly writes a bundle over an earlier one, into a
// directory that also holds a planted file: the earlier bundle's files go,
// the planted file stays, and the manifest lists exactly what this run
// wrote — never a file found in the folder.
func TestManifestListsThisRunOnly(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, fullReport(), Options{Formats: Formats}, fullArtifacts(t)); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "planted.html"), "<script>evil()</script>")
	write(t, filepath.Join(dir, "screenshots", "mine.png"), "not vigie's")

	ev := foundingEvidence()
	r := New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	if err := Write(dir, r, Options{}, nil); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a non-empty directory was written into without force: %v", err)
	}
	if err := Write(dir, r, Options{Force: true}, []Artifact{{Path: "rdap/ip-198.51.100.17.json", Data: []byte("{}")}}); err != nil {
		t.Fatal(err)
	}
	if got := listedFiles(t, dir); !slices.Equal(got, []string{"rdap/ip-198.51.100.17.json", "report.json"}) {
		t.Errorf("manifest lists %v, want this run's two files", got)
	}
	for _, gone := range []string{"report.html", "report.md", "junit.xml", "screenshots/initial-load.png"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("the earlier bundle's %s is still there: %v", gone, err)
		}
	}
	for _, kept := range []string{"planted.html", "screenshots/mine.png"} {
		if _, err := os.Stat(filepath.Join(dir, kept)); err != nil {
			t.Errorf("a file vigie did not write was removed: %s: %v", kept, err)
		}
	}
	v, err := VerifyBundle(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK() || !slices.Equal(v.Added, []string{"planted.html", "screenshots/mine.png"}) {
		t.Errorf("verify: ok=%v added=%v: the files left in the folder must be reported, not signed", v.OK(), v.Added)
	}
}

// TestForceRemovesOnlyInside checks that a doctored earlier manifest cannot
// make --force remove files outside the bundle or through a link.
func TestForceRemovesOnlyInside(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside.txt")
	write(t, outside, "precious")
	target := filepath.Join(root, "elsewhere")
	write(t, filepath.Join(target, "x.json"), "precious too")
	dir := filepath.Join(root, "bundle")
	write(t, filepath.Join(dir, ManifestName),
		strings.Repeat("0", 64)+"  ../outside.txt\n"+strings.Repeat("0", 64)+"  link/x.json\n")
	if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	ev := foundingEvidence()
	r := New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	if err := Write(dir, r, Options{Force: true}, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{outside, filepath.Join(target, "x.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	// Nor may a link make Write write outside.
	if err := Write(dir, r, Options{Force: true}, []Artifact{{Path: "link/y.json", Data: []byte("{}")}}); err == nil {
		t.Error("an artefact was written through a symbolic link")
	}
	if _, err := os.Stat(filepath.Join(target, "y.json")); err == nil {
		t.Error("a file was written outside the bundle")
	}
}

func TestCheckDir(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	write(t, file, "x")
	full := filepath.Join(root, "full")
	write(t, filepath.Join(full, "a"), "x")
	readOnly := filepath.Join(root, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(readOnly, "probe")
	roWorks := os.WriteFile(probe, nil, 0o644) != nil // root writes anyway
	os.Remove(probe)
	for _, tc := range []struct {
		name, dir string
		force     bool
		want      string // "" for ok, else a substring of the error
	}{
		{"absent, parent writable", filepath.Join(root, "new", "deeper"), false, ""},
		{"empty", t.TempDir(), false, ""},
		{"not empty", full, false, "not empty"},
		{"not empty, forced", full, true, ""},
		{"a file", file, false, "not a directory"},
		{"below a file", filepath.Join(file, "x"), false, "not a directory"},
		{"read-only", filepath.Join(readOnly, "x"), false, "cannot write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "read-only" && !roWorks {
				t.Skip("running as a user who writes in read-only directories")
			}
			err := CheckDir(tc.dir, tc.force)
			if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CheckDir: %v, want %q", err, tc.want)
			}
			if tc.want == "" {
				if _, err := os.Stat(filepath.Join(root, "new")); err == nil {
					t.Error("CheckDir created the directory")
				}
			}
		})
	}
}

// TestFormatsTable keeps the command line, the bundle and the writers in
// step: every format has a file and a writer, and FileName finds it.
func TestFormatsTable(t *testing.T) {
	if Formats[0] != "json" {
		t.Errorf("formats %v: json must come first (always written)", Formats)
	}
	seen := map[string]bool{}
	for _, f := range formats {
		if f.name == "" || f.file == "" || f.write == nil || seen[f.file] || FileName(f.name) != f.file {
			t.Errorf("format %+v", f)
		}
		seen[f.file] = true
	}
	if FileName("pdf") != "" {
		t.Error("FileName of an unknown format")
	}
}

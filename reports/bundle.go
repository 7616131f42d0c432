package reports

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Artifact is a raw file kept in the bundle (an RDAP answer, a screenshot).
type Artifact struct {
	// Path is bundle-relative, slash-separated, made by vigie from sanitised
	// names; Write rejects absolute paths and "..".
	Path string
	Data []byte
}

// format is one report format: the name --format takes, the bundle file it
// is written to and its writer. Adding a format is adding a row to formats
// (and the file with its writer); the command line, the bundle and the
// manifest follow.
type format struct {
	name, file string
	write      func(w io.Writer, r *Report, o Options, files map[string][]byte) error
}

// formats are the report formats, report.json first: it is always written.
var formats = []format{
	{"json", "report.json", func(w io.Writer, r *Report, _ Options, _ map[string][]byte) error { return WriteJSON(w, r) }},
	{"html", "report.html", func(w io.Writer, r *Report, o Options, files map[string][]byte) error {
		return WriteHTML(w, r, HTMLOptions{Lang: o.Lang, Files: files})
	}},
	{"md", "report.md", func(w io.Writer, r *Report, o Options, _ map[string][]byte) error { return WriteMarkdown(w, r, o.Lang) }},
	{"sarif", "report.sarif", func(w io.Writer, r *Report, _ Options, _ map[string][]byte) error { return WriteSARIF(w, r) }},
	{"junit", "junit.xml", func(w io.Writer, r *Report, _ Options, _ map[string][]byte) error { return WriteJUnit(w, r) }},
}

// Formats lists the names of the report formats Write can produce, json
// (always written) first.
var Formats = func() []string {
	var names []string
	for _, f := range formats {
		names = append(names, f.name)
	}
	return names
}()

// formatNamed returns the format with the given name.
func formatNamed(name string) (format, bool) {
	i := slices.IndexFunc(formats, func(f format) bool { return f.name == name })
	if i < 0 {
		return format{}, false
	}
	return formats[i], true
}

// FileName returns the bundle file a format is written to ("" for an
// unknown format).
func FileName(name string) string {
	f, _ := formatNamed(name)
	return f.file
}

// ManifestName is the name of the bundle's hash list.
const ManifestName = "MANIFEST.sha256"

// Options says how Write writes a bundle.
type Options struct {
	// Formats lists the formats asked for; json is always written.
	Formats []string
	// Lang is the language of the HTML and Markdown reports' own text.
	Lang Lang
	// SignKey, when set, signs the manifest (MANIFEST.sha256.sig).
	SignKey ed25519.PrivateKey
	// Force lets Write use a directory that is not empty: the files an
	// earlier vigie bundle there lists in its manifest are removed first;
	// other files are left alone, and not listed in the new manifest.
	Force bool
}

// Write writes the bundle into dir (created if needed): report.json, the
// other formats asked for, the artefacts, then MANIFEST.sha256 listing
// exactly the files it wrote and, with a key, its signature. dir must be
// absent or empty unless o.Force (see CheckDir). The HTML report embeds the
// screenshots among the artefacts, so that it stands alone.
func Write(dir string, r *Report, o Options, artifacts []Artifact) error {
	for _, f := range o.Formats {
		if _, ok := formatNamed(f); !ok {
			return fmt.Errorf("unknown report format %q (supported: %s)", f, strings.Join(Formats, ", "))
		}
	}
	files := map[string][]byte{}
	for _, a := range artifacts {
		files[path.Clean(a.Path)] = a.Data
	}
	var out []Artifact
	for _, f := range formats {
		if f.name != "json" && !slices.Contains(o.Formats, f.name) {
			continue
		}
		if _, clash := files[f.file]; clash {
			return fmt.Errorf("report bundle: artefact %q would overwrite the %s report", f.file, f.name)
		}
		var buf strings.Builder
		if err := f.write(&buf, r, o, files); err != nil {
			return err
		}
		out = append(out, Artifact{Path: f.file, Data: []byte(buf.String())})
	}
	out = append(out, artifacts...)
	for _, a := range out {
		if _, err := bundlePath(a.Path); err != nil {
			return err
		}
	}
	if err := CheckDir(dir, o.Force); err != nil {
		return err
	}
	if err := removeBundle(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report bundle: %w", err)
	}
	sums := map[string]string{}
	for _, a := range out {
		clean, err := writeFile(dir, a)
		if err != nil {
			return err
		}
		h := sha256.Sum256(a.Data)
		sums[clean] = hex.EncodeToString(h[:])
	}
	if err := WriteManifest(dir, sums); err != nil {
		return err
	}
	if o.SignKey != nil {
		return SignManifest(dir, o.SignKey)
	}
	return nil
}

// CheckDir says whether dir can receive a bundle, without changing
// anything: it must be absent (its parent then must be a writable
// directory), an empty writable directory, or — with force — a writable
// directory whose earlier bundle Write will replace. A file, an
// unwritable place or a directory with files in it (without force) is an
// error naming the problem. Run it before a scan, so that a bad --out
// fails at once.
func CheckDir(dir string, force bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(filepath.Clean(dir))
		for {
			pfi, perr := os.Stat(parent)
			if perr == nil {
				if !pfi.IsDir() {
					return fmt.Errorf("report bundle %s: %s is not a directory", dir, parent)
				}
				return probeWritable(dir, parent)
			}
			if !errors.Is(perr, fs.ErrNotExist) || filepath.Dir(parent) == parent {
				return fmt.Errorf("report bundle %s: %w", dir, perr)
			}
			parent = filepath.Dir(parent)
		}
	case err != nil:
		return fmt.Errorf("report bundle %s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("report bundle %s: it exists and is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("report bundle %s: %w", dir, err)
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("report bundle %s: the directory is not empty (give --force to replace an earlier vigie bundle there; other files are left alone)", dir)
	}
	return probeWritable(dir, dir)
}

// probeWritable creates and removes a file in parent, the nearest existing
// directory of the bundle dir: permissions and read-only file systems are
// both caught.
func probeWritable(dir, parent string) error {
	f, err := os.CreateTemp(parent, ".vigie-write-test-*")
	if err != nil {
		return fmt.Errorf("report bundle %s: cannot write in %s: %w", dir, parent, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("report bundle %s: %w", dir, err)
	}
	return nil
}

// removeBundle removes the earlier bundle in dir: the files its manifest
// lists (only regular files inside dir), the manifest, its signature, and
// the directories they leave empty. Files the manifest does not list are
// left alone. A directory without a manifest has no earlier bundle.
func removeBundle(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report bundle %s: %w", dir, err)
	}
	listed, err := ReadManifest(strings.NewReader(string(data)))
	if err != nil {
		return fmt.Errorf("report bundle %s: earlier %s: %w (remove the earlier bundle by hand)", dir, ManifestName, err)
	}
	parents := map[string]bool{}
	for _, p := range sortedKeys(listed) {
		clean, err := bundlePath(p)
		if err != nil || throughLink(dir, clean) {
			continue // not a path vigie writes: not vigie's to remove
		}
		full := filepath.Join(dir, filepath.FromSlash(clean))
		if fi, err := os.Lstat(full); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(full); err != nil {
			return fmt.Errorf("report bundle %s: remove the earlier %s: %w", dir, clean, err)
		}
		for d := path.Dir(clean); d != "."; d = path.Dir(d) {
			parents[d] = true
		}
	}
	for _, name := range []string{ManifestName, SignatureName} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("report bundle %s: %w", dir, err)
		}
	}
	// Deepest first, so that a/b goes before a; a directory still holding
	// something stays.
	ds := make([]string, 0, len(parents))
	for d := range parents {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range ds {
		_ = os.Remove(filepath.Join(dir, filepath.FromSlash(d)))
	}
	return nil
}

// bundlePath cleans a bundle-relative path, refusing what would leave the
// bundle or replace its manifest.
func bundlePath(p string) (string, error) {
	clean := path.Clean(p)
	if p == "" || !filepath.IsLocal(filepath.FromSlash(clean)) || clean == ManifestName || clean == SignatureName {
		return "", fmt.Errorf("report bundle: refusing artefact path %q", p)
	}
	return clean, nil
}

// throughLink reports whether the bundle path clean, inside dir, is or
// goes through a symbolic link (one an unknown file left in dir may be).
func throughLink(dir, clean string) bool {
	q := dir
	for _, part := range strings.Split(clean, "/") {
		q = filepath.Join(q, part)
		if fi, err := os.Lstat(q); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return true
		}
	}
	return false
}

// writeFile writes one file of the bundle and returns its cleaned path. It
// never writes through a symbolic link a directory may hold.
func writeFile(dir string, a Artifact) (string, error) {
	clean, err := bundlePath(a.Path)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("report bundle: %w", err)
	}
	if throughLink(dir, clean) {
		return "", fmt.Errorf("report bundle: %s is or goes through a symbolic link: refusing to write through it", p)
	}
	if err := os.WriteFile(p, a.Data, 0o644); err != nil {
		return "", fmt.Errorf("report bundle: %w", err)
	}
	return clean, nil
}

// WriteManifest writes MANIFEST.sha256 in dir: one "<sha256>  <path>" line
// per file of sums, the bundle-relative paths and hashes of the files a run
// wrote (sha256sum's format, so `sha256sum -c` checks it), sorted by path.
func WriteManifest(dir string, sums map[string]string) error {
	var b strings.Builder
	for _, p := range sortedKeys(sums) {
		fmt.Fprintf(&b, "%s  %s\n", sums[p], p)
	}
	return os.WriteFile(filepath.Join(dir, ManifestName), []byte(b.String()), 0o644)
}

// HashTree returns the SHA-256 of every regular file under dir except the
// manifest and its signature, keyed by slash-separated relative path.
func HashTree(dir string) (map[string]string, error) {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestName || rel == ManifestName+".sig" {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		sums[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash bundle %s: %w", dir, err)
	}
	return sums, nil
}

// ReadManifest parses a MANIFEST.sha256.
func ReadManifest(rd io.Reader) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(rd)
	for n := 1; sc.Scan(); n++ {
		sum, p, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || p == "" {
			return nil, fmt.Errorf("manifest line %d: malformed", n)
		}
		sums[p] = sum
	}
	return sums, sc.Err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

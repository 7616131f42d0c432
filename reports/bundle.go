package reports

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// Formats lists the report formats Write can produce besides report.json.
var Formats = []string{"json"}

// ManifestName is the name of the bundle's hash list.
const ManifestName = "MANIFEST.sha256"

// Write writes the bundle into dir (created if needed): report.json, the
// artefacts, then MANIFEST.sha256 over every file written. formats lists
// the formats asked for; json is always written.
func Write(dir string, r *Report, formats []string, artifacts []Artifact) error {
	for _, f := range formats {
		if !slices.Contains(Formats, f) {
			return fmt.Errorf("unknown report format %q (supported: %s)", f, strings.Join(Formats, ", "))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report bundle: %w", err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		return err
	}
	files := append([]Artifact{{Path: "report.json", Data: buf.Bytes()}}, artifacts...)
	for _, a := range files {
		if err := writeFile(dir, a); err != nil {
			return err
		}
	}
	return WriteManifest(dir)
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	return nil
}

// ReadJSON reads a report.json.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report.json: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("report.json: schema %q, want %q", r.Schema, Schema)
	}
	if r.Evidence == nil {
		return nil, fmt.Errorf("report.json: no evidence")
	}
	return &r, nil
}

func writeFile(dir string, a Artifact) error {
	clean := path.Clean(a.Path)
	if a.Path == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || clean == ManifestName {
		return fmt.Errorf("report bundle: refusing artefact path %q", a.Path)
	}
	p := filepath.Join(dir, filepath.FromSlash(clean))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("report bundle: %w", err)
	}
	if err := os.WriteFile(p, a.Data, 0o644); err != nil {
		return fmt.Errorf("report bundle: %w", err)
	}
	return nil
}

// WriteManifest writes MANIFEST.sha256 in dir: one "<sha256>  <path>" line
// per file of the bundle (sha256sum's format, so `sha256sum -c` checks it),
// sorted by path.
func WriteManifest(dir string) error {
	sums, err := HashTree(dir)
	if err != nil {
		return err
	}
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

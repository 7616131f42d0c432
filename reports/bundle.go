package reports

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// Formats lists the report formats Write can produce: report.json (always
// written), report.html, report.md, report.sarif and junit.xml.
var Formats = []string{"json", "html", "md", "sarif", "junit"}

// FileName returns the bundle file a format is written to.
func FileName(format string) string {
	switch format {
	case "html":
		return "report.html"
	case "md":
		return "report.md"
	case "sarif":
		return "report.sarif"
	case "junit":
		return "junit.xml"
	}
	return "report.json"
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
}

// Write writes the bundle into dir (created if needed): report.json, the
// other formats asked for, the artefacts, then MANIFEST.sha256 over every
// file written and, with a key, its signature. The HTML report embeds the
// screenshots among the artefacts, so that it stands alone.
func Write(dir string, r *Report, o Options, artifacts []Artifact) error {
	for _, f := range o.Formats {
		if !slices.Contains(Formats, f) {
			return fmt.Errorf("unknown report format %q (supported: %s)", f, strings.Join(Formats, ", "))
		}
	}
	files := map[string][]byte{}
	for _, a := range artifacts {
		files[path.Clean(a.Path)] = a.Data
	}
	var reports []Artifact
	for _, f := range append([]string{"json"}, o.Formats...) {
		name := FileName(f)
		if slices.ContainsFunc(reports, func(a Artifact) bool { return a.Path == name }) {
			continue
		}
		if _, clash := files[name]; clash {
			return fmt.Errorf("report bundle: artefact %q would overwrite the %s report", name, f)
		}
		var buf bytes.Buffer
		var err error
		switch f {
		case "json":
			err = WriteJSON(&buf, r)
		case "html":
			err = WriteHTML(&buf, r, HTMLOptions{Lang: o.Lang, Files: files})
		case "md":
			err = WriteMarkdown(&buf, r, o.Lang)
		case "sarif":
			err = WriteSARIF(&buf, r)
		case "junit":
			err = WriteJUnit(&buf, r)
		}
		if err != nil {
			return err
		}
		reports = append(reports, Artifact{Path: name, Data: buf.Bytes()})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report bundle: %w", err)
	}
	for _, a := range append(reports, artifacts...) {
		if err := writeFile(dir, a); err != nil {
			return err
		}
	}
	if err := WriteManifest(dir); err != nil {
		return err
	}
	if o.SignKey != nil {
		return SignManifest(dir, o.SignKey)
	}
	// A signature left by an earlier run into the same directory no longer
	// matches: remove it rather than leave a false alarm (or a false trust).
	if err := os.Remove(filepath.Join(dir, SignatureName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("report bundle: %w", err)
	}
	return nil
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
	if a.Path == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || clean == ManifestName || clean == SignatureName {
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

package summary

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// shards lays out two batch folders from the testdata results in a
// temporary folder made the working directory, and returns their names.
func shards(t *testing.T) []string {
	t.Helper()
	root := t.TempDir()
	for _, s := range []string{"shard-1", "shard-2"} {
		data, err := os.ReadFile(filepath.Join("testdata", s+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(root, s), 0o755)
		if err := os.WriteFile(filepath.Join(root, s, "results.jsonl"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	return []string{"shard-1", "shard-2"}
}

var generated = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// TestGolden: the merged summary of two shards, in each format.
func TestGolden(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	dirs := shards(t)
	s, err := Load(dirs, generated)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write("merged"); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := s.WriteText(&text, "merged"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join("merged", "summary.txt"), text.Bytes(), 0o644)
	for _, name := range []string{CSVFile, JSONFile, HTMLFile, "summary.txt"} {
		got, err := os.ReadFile(filepath.Join("merged", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(golden, name+".golden")
		if *update {
			os.MkdirAll(golden, 0o755)
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run with -update if intended):\n%s", name, path, got)
		}
	}
}

// TestMerge checks what the golden files rest on: one row per URL (the
// latest record of a URL wins), a cut last line ignored, totals, links
// relative to the summary's folder, nothing outside the batch folder
// linked, hostile text escaped.
func TestMerge(t *testing.T) {
	dirs := shards(t)
	s, err := Load(dirs, generated)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write("merged"); err != nil {
		t.Fatal(err)
	}
	if len(s.Sites) != 6 {
		t.Fatalf("%d rows, want 6", len(s.Sites))
	}
	byURL := map[string]Row{}
	for _, r := range s.Sites {
		byURL[r.URL] = r
	}
	if r := byURL["https://www.commune-01.fr/"]; r.Status != "done" || r.Report != "../shard-1/www.commune-01.fr/report.html" {
		t.Errorf("commune-01: %s %q", r.Status, r.Report)
	}
	if r := byURL["https://sondage.ville-exemple.fr/"]; r.Report != "" {
		t.Errorf("a report path leaving the batch folder was linked: %q", r.Report)
	}
	tt := s.Totals
	if tt.ByStatus["done"] != 3 || tt.ByStatus["failed"] != 1 || tt.ByStatus["timeout"] != 1 || tt.ByStatus["incomplete"] != 1 {
		t.Errorf("by status %v", tt.ByStatus)
	}
	if a := tt.TrackersBeforeConsent; a.Yes != 1 || a.No != 2 || a.Unknown != 3 || a.Share < 0.33 || a.Share > 0.34 {
		t.Errorf("trackers before consent %+v", a)
	}
	if len(tt.TopThirdParties) == 0 || tt.TopThirdParties[0] != (Count{"Google", 2}) {
		t.Errorf("top third parties %v", tt.TopThirdParties)
	}
	if c := tt.OperatorsByCountry; len(c) != 2 || c[0].Country != "FR" || c[0].Sites != 3 || c[1].Country != "US" {
		t.Errorf("operators by country %+v", c)
	}
	html, _ := os.ReadFile(filepath.Join("merged", HTMLFile))
	for _, bad := range []string{"<script>alert", "<b>SAS", "\x1b"} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("summary.html holds %q unescaped", bad)
		}
	}
	csv, _ := os.ReadFile(filepath.Join("merged", CSVFile))
	if !bytes.Contains(csv, []byte("'=HYPERLINK")) {
		t.Errorf("a cell starting with = is not neutralised:\n%s", csv)
	}
	var back Summary
	js, _ := os.ReadFile(filepath.Join("merged", JSONFile))
	if err := json.Unmarshal(js, &back); err != nil || back.Schema != Schema || len(back.Sites) != 6 {
		t.Errorf("summary.json: %v", err)
	}

	if _, err := Load([]string{"nowhere"}, generated); err == nil || !strings.Contains(err.Error(), "not a batch") {
		t.Errorf("a folder without results: %v", err)
	}
	if _, err := Load(nil, generated); err == nil {
		t.Error("no folder: no error")
	}
}

func TestCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+33 1": "'+33 1", "-x": "'-x", "@SUM": "'@SUM", "a=b": "a=b", "x\ty\n": "x y ", "": ""} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

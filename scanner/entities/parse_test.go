package entities_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/scanner/entities"
)

const validEntry = `
  - key: my-host
    name: My Host
    legal_entity: My Host SAS
    country: FR
    categories: [hosting]
    domains: [myhost.example]
    org_names: ["My Host SAS"]
    asns: [64496000]
    aliases: ["MyHost"]
    sources: ["legal notice"]
    note: a test entry
`

func TestParseValid(t *testing.T) {
	got, err := entities.Parse(strings.NewReader("entities:" + validEntry))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d entries", len(got))
	}
	e := got[0]
	if e.Key != "my-host" || e.LegalEntity != "My Host SAS" || e.Country != "FR" ||
		len(e.ASNs) != 1 || e.ASNs[0] != 64496000 || e.Note != "a test entry" {
		t.Errorf("decoded %+v", e)
	}
}

// Each error must name the entry it concerns, and the field.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{
			name: "unknown field",
			yaml: `entities:
  - key: my-host
    name: My Host
    country: FR
    colour: blue
    categories: [hosting]
    domains: [myhost.example]
    sources: ["x"]
`,
			want: []string{`entry "my-host"`, "line 5", "colour", "unknown field"},
		},
		{
			name: "unknown field in second entry",
			yaml: "entities:" + validEntry + `
  - key: other-host
    name: Other
    country: FR
    categories: [hosting]
    domains: [other.example]
    sources: ["x"]
    website: https://other.example
`,
			want: []string{`entry "other-host"`, "website", "unknown field"},
		},
		{
			name: "unknown top-level field",
			yaml: "version: 2\nentities:" + validEntry,
			want: []string{"line 1", `"version"`},
		},
		{
			name: "lower-case country",
			yaml: strings.Replace("entities:"+validEntry, "country: FR", "country: fr", 1),
			want: []string{`entry "my-host"`, "country", `"fr"`},
		},
		{
			name: "country name",
			yaml: strings.Replace("entities:"+validEntry, "country: FR", "country: France", 1),
			want: []string{`entry "my-host"`, "country"},
		},
		{
			name: "UK is not ISO",
			yaml: strings.Replace("entities:"+validEntry, "country: FR", "country: UK", 1),
			want: []string{`entry "my-host"`, "country", `"GB"`},
		},
		{
			name: "missing country",
			yaml: strings.Replace("entities:"+validEntry, "country: FR", "", 1),
			want: []string{`entry "my-host"`, "country: missing"},
		},
		{
			name: "unknown category",
			yaml: strings.Replace("entities:"+validEntry, "[hosting]", "[hosting, webhosting]", 1),
			want: []string{`entry "my-host"`, "categories", `"webhosting"`},
		},
		{
			name: "no category",
			yaml: strings.Replace("entities:"+validEntry, "[hosting]", "[]", 1),
			want: []string{`entry "my-host"`, "categories"},
		},
		{
			name: "duplicate key",
			yaml: "entities:" + validEntry + strings.Replace(validEntry, "myhost.example", "other.example", 1),
			want: []string{`entry "my-host"`, "duplicate key", "entry #1"},
		},
		{
			name: "no domain",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", "[]", 1),
			want: []string{`entry "my-host"`, "domains", "at least one"},
		},
		{
			name: "domain with scheme",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", `["https://myhost.example"]`, 1),
			want: []string{`entry "my-host"`, "domains", "scheme"},
		},
		{
			name: "domain with path",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", `[google.com/recaptcha]`, 1),
			want: []string{`entry "my-host"`, "domains", "path"},
		},
		{
			name: "upper-case domain",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", `[MyHost.example]`, 1),
			want: []string{`entry "my-host"`, "domains", "lower case"},
		},
		{
			name: "top-level domain",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", `[com]`, 1),
			want: []string{`entry "my-host"`, "domains", "too broad"},
		},
		{
			name: "public suffix",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", `[co.uk]`, 1),
			want: []string{`entry "my-host"`, "domains", "public suffix"},
		},
		{
			name: "wildcard domain",
			yaml: strings.Replace("entities:"+validEntry, "[myhost.example]", `["*.myhost.example"]`, 1),
			want: []string{`entry "my-host"`, "domains", "wildcard"},
		},
		{
			name: "bad key",
			yaml: strings.Replace("entities:"+validEntry, "key: my-host", "key: My Host", 1),
			want: []string{`entry "My Host"`, "key", "slug"},
		},
		{
			name: "missing key",
			yaml: strings.Replace("entities:"+validEntry, "key: my-host", "", 1),
			want: []string{"entry #1", "key: missing"},
		},
		{
			name: "no source",
			yaml: strings.Replace("entities:"+validEntry, `sources: ["legal notice"]`, "", 1),
			want: []string{`entry "my-host"`, "sources"},
		},
		{
			name: "private ASN",
			yaml: strings.Replace("entities:"+validEntry, "[64496000]", "[64512]", 1),
			want: []string{`entry "my-host"`, "asns", "private"},
		},
		{
			name: "ASN as text",
			yaml: strings.Replace("entities:"+validEntry, "[64496000]", "[AS13335]", 1),
			want: []string{`entry "my-host"`, "uint32"},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{"empty catalogue"},
		},
		{
			name: "empty list",
			yaml: "entities: []\n",
			want: []string{"no entries"},
		},
		{
			name: "list at top level",
			yaml: "- key: my-host\n",
			want: []string{"line 1", `mapping with an "entities" list`},
		},
		{
			name: "syntax error",
			yaml: "entities:\n  - key: [unclosed\n",
			want: []string{"entities:"},
		},
		{
			name: "two documents",
			yaml: "entities:" + validEntry + "---\nentities:" + validEntry,
			want: []string{"more than one YAML document"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := entities.Parse(strings.NewReader(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	y := strings.NewReplacer("country: FR", "country: fr", "[hosting]", "[hosting, nope]").Replace("entities:" + validEntry)
	_, err := entities.Parse(strings.NewReader(y))
	var ee *entities.EntryError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v carries no EntryError", err)
	}
	for _, w := range []string{"country", "nope"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if ee.Line != 2 {
		t.Errorf("EntryError.Line = %d, want 2 (the entry's first line)", ee.Line)
	}
}

func TestParseTooLarge(t *testing.T) {
	big := strings.NewReader("entities:\n#" + strings.Repeat("x", 17<<20))
	if _, err := entities.Parse(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	got, err := entities.LoadFile("testdata/user-entities.yaml")
	if err != nil || len(got) != 2 {
		t.Fatalf("LoadFile: %d entries, %v", len(got), err)
	}
	if _, err := entities.LoadFile("testdata/does-not-exist.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("entities:\n  - key: x\n    colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = entities.LoadFile(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `entry "x"`) {
		t.Errorf("bad file: err = %v, want the path and the entry", err)
	}
}

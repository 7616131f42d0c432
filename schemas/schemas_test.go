package schemas_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/schemas"
)

var update = flag.Bool("update", false, "regenerate report.schema.json from the Go types")

// Compile compiles one of the package's schemas for validation.
func compile(t testing.TB, name string, data []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemas.Base+name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemas.Base + name)
	if err != nil {
		t.Fatalf("%s does not compile: %v", name, err)
	}
	return s
}

// TestReportSchemaUpToDate regenerates the report schema from the Go types
// (field names, omitempty, doc comments) and the overlay below, and
// compares it with the published file: a field added to the evidence model
// fails here until the schema is regenerated with -update.
func TestReportSchemaUpToDate(t *testing.T) {
	got, err := generateReportSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("report.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Descriptions (doc comments) may lag; the structure may not.
	if !bytes.Equal(withoutDescriptions(t, got), withoutDescriptions(t, schemas.Report)) {
		t.Errorf("report.schema.json is out of date with the Go types: run `go test ./schemas -update` and review the diff")
	}
	compile(t, "report.schema.json", schemas.Report)
}

func withoutDescriptions(t *testing.T, schema []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(schema, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "description")
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	b, _ := json.Marshal(v)
	return b
}

// fixtures are real report.json files: the report package's goldens (a
// DNS-only scan and the founding case with every kind of evidence).
var fixtures = []string{"../reports/testdata/report.golden.json", "../reports/testdata/full.golden.json"}

func TestReportSchemaValidatesReports(t *testing.T) {
	s := compile(t, "report.schema.json", schemas.Report)
	for _, f := range fixtures {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := validateJSON(s, data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		// And it rejects what is not a report.
		for name, mutate := range map[string]func(map[string]any){
			"other schema":    func(m map[string]any) { m["schema"] = "vigie.report/v9" },
			"unknown field":   func(m map[string]any) { m["colour"] = "red" },
			"no evidence":     func(m map[string]any) { delete(m, "evidence") },
			"bad status":      func(m map[string]any) { m["results"].([]any)[0].(map[string]any)["status"] = "maybe" },
			"bad severity":    func(m map[string]any) { m["results"].([]any)[0].(map[string]any)["severity"] = "urgent" },
			"unknown in host": func(m map[string]any) { m["evidence"].(map[string]any)["target"].(map[string]any)["port"] = 443 },
		} {
			var m map[string]any
			json.Unmarshal(data, &m)
			mutate(m)
			b, _ := json.Marshal(m)
			if validateJSON(s, b) == nil {
				t.Errorf("%s with %s: accepted", filepath.Base(f), name)
			}
		}
	}
}

func validateJSON(s *jsonschema.Schema, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

// TestPolicySchema checks the policy schema against vigie's own policy
// parser: every sample is accepted by both or refused by both, and the
// README's example policies are accepted.
func TestPolicySchema(t *testing.T) {
	s := compile(t, "policy.schema.json", schemas.Policy)
	samples := []struct {
		name, yaml string
		ok         bool
	}{
		{"empty", "", true},
		{"full", "organisation:\n  name: Ville\n  domains: [ville-exemple.fr, Metropole.FR]\nallowed:\n  countries: [EEA, ch, adequate]\n  processors: [matomo-cloud]\nseverity:\n  dns.no-dnssec: medium\nignore:\n  - check: hosting.third-party-cname\n    subject: proxy.example.com\n    reason: contract\n    expires: 2027-06-30\n", true},
		{"fingerprint ignore", "ignore:\n  - check: dns.no-dnssec\n    fingerprint: cd9e837ca6500a6dbe97d766\n    reason: accepted\n", true},
		{"unknown key", "colour: red\n", false},
		{"unknown nested key", "organisation:\n  city: Lyon\n", false},
		{"ignore without reason", "ignore:\n  - check: dns.no-dnssec\n", false},
		{"blank reason", "ignore:\n  - check: dns.no-dnssec\n    reason: \"  \"\n", false},
		{"bad date", "ignore:\n  - check: dns.no-dnssec\n    reason: r\n    expires: next year\n", false},
		{"bad country", "allowed:\n  countries: [France]\n", false},
		{"bad severity", "severity:\n  dns.no-dnssec: urgent\n", false},
		{"bad domain", "organisation:\n  domains: [\"not a domain\"]\n", false},
	}
	for _, ex := range readmePolicies(t) {
		samples = append(samples, struct {
			name, yaml string
			ok         bool
		}{"README example", ex, true})
	}
	for _, tc := range samples {
		_, parseErr := checks.ParsePolicy(strings.NewReader(tc.yaml))
		schemaErr := validateYAML(s, tc.yaml)
		if (parseErr == nil) != tc.ok || (schemaErr == nil) != tc.ok {
			t.Errorf("%s: vigie says %v, the schema says %v; want ok=%v\n%s", tc.name, parseErr, schemaErr, tc.ok, tc.yaml)
		}
	}
}

// validateYAML validates a YAML document as yaml-language-server does:
// scalars as YAML 1.2 gives them (a date stays a string).
func validateYAML(s *jsonschema.Schema, src string) error {
	var doc any
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return err
	}
	b, err := json.Marshal(jsonable(doc))
	if err != nil {
		return err
	}
	return validateJSON(s, b)
}

func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return v
}

// readmePolicies returns the README's YAML examples that are policies.
func readmePolicies(t *testing.T) []string {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		if strings.Contains(m[1], "\norganisation:") || strings.HasPrefix(m[1], "organisation:") || strings.Contains(m[1], "# vigie.yaml") {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		t.Fatal("no example policy found in README.md")
	}
	return out
}

// ---- the report schema generator ----

// defNames renames Go types whose names would collide in $defs.
var defNames = map[reflect.Type]string{
	reflect.TypeOf(checks.Organisation{}): "PolicyOrganisation",
	reflect.TypeOf(checks.Allowed{}):      "PolicyAllowed",
	reflect.TypeOf(checks.Ignore{}):       "PolicyIgnore",
}

// overlay adds what the types cannot say: enums, patterns, formats.
// Keys are "Def" or "Def.property".
var overlay = map[string]map[string]any{
	"Report.schema":          {"const": reports.Schema},
	"Result.status":          {"enum": []string{"pass", "fail", "not-evaluated", "error"}},
	"IgnoreStatus.status":    {"enum": []string{checks.IgnoreApplied, checks.IgnoreExpired, checks.IgnoreUnused}},
	"Finding.fingerprint":    {"pattern": "^[0-9a-f]{24}$"},
	"Finding.id":             {"pattern": `^[a-z]+\.[a-z0-9-]+$`},
	"Result.check":           {"pattern": `^[a-z]+\.[a-z0-9-]+$`},
	"PolicyIgnore.expires":   {"pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`},
	"IgnoreStatus.expires":   {"pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`},
	"Resolution.status":      {"enum": []string{"ok", "nxdomain", "no-address", "loop", "too-long", "error"}},
	"Zone.dnssec":            {"enum": []string{"signed-validated", "signed", "unsigned", "unknown"}},
	"Jurisdiction.bloc":      {"enum": []string{checks.BlocEU, checks.BlocEEA, checks.BlocAdequate, checks.BlocUS, checks.BlocOther}},
	"PlatformSupport.status": {"enum": []string{checks.Supported, checks.Outdated}},
	"PlatformSupport.as_of":  {"format": "date"},
	"Facts.as_of":            {"format": "date"},
	"Processor.declared":     {"enum": []string{checks.DeclaredNamed, checks.DeclaredNotNamed, checks.DeclaredUnknown}},
	"Processor.roles":        {"items": map[string]any{"enum": []string{checks.RoleSiteOperator, checks.RoleDomainOwner, checks.RoleThirdParty, checks.RoleMailRelay}}},
	"Naming.how": {"enum": []string{checks.NamedHoster, checks.NamedPublisher, checks.NamedMention, checks.NamedCompany,
		checks.NamedSameCompany, checks.NamedGroup}},
	"Mention.as": {"enum": []string{evidence.MentionName, evidence.MentionOrgName, evidence.MentionLegalEntity,
		evidence.MentionEUEstablishment, evidence.MentionGroup}},
	"ThirdParty.first_state": {"enum": []string{"initial", "reject", "accept", "crawl"}},
	"ThirdParty.first_phase": {"enum": []string{"before-action", "after-action"}},
	"Visit.state":            {"enum": []string{"initial", "reject", "accept", "crawl"}},
	"Request.phase":          {"enum": []string{"before-action", "after-action"}},
	"Cookie.phase":           {"enum": []string{"before-action", "after-action"}},
	"StorageItem.phase":      {"enum": []string{"before-action", "after-action"}},
	"Evidence.collected":     {"items": map[string]any{"type": "string", "pattern": "^[a-z]+$"}},
	"Baseline.new":           {"items": map[string]any{"type": "string", "pattern": "^[0-9a-f]{24}$"}},
	"Baseline.unchanged":     {"items": map[string]any{"type": "string", "pattern": "^[0-9a-f]{24}$"}},
	"Baseline.started_at":    {"format": "date-time"},
	"Report.results":         {"type": "array"},
	"Report.findings":        {"type": "array"},
	"Report.errors":          {"type": "array"},
	"Report.evidence":        {"anyOf": nil, "$ref": "#/$defs/Evidence"},
	"Severity":               {"type": "string", "enum": []string{"info", "low", "medium", "high", "critical"}},
}

// legacy lists properties that reports written by earlier versions of
// vigie carry and this one no longer writes: judgments the collectors used
// to freeze into the evidence, now made by the checks at each run. They
// stay valid, so that `vigie check` re-judges saved evidence, and are
// ignored when read. Keys are "Def.property".
var legacy = map[string]map[string]any{
	"Organisation.bloc": {"type": "string", "deprecated": true,
		"description": "Written by vigie before the transfer bloc became the checks' judgment (facts.jurisdictions); ignored when read."},
	"Platform.outdated": {"type": "boolean", "deprecated": true,
		"description": "Written by vigie before the support status became the checks' judgment (facts.platforms); ignored when read."},
	"Platform.support": {"type": "string", "deprecated": true,
		"description": "Written by vigie before the support status became the checks' judgment (facts.platforms); ignored when read."},
}

type generator struct {
	defs  map[string]map[string]any
	names map[reflect.Type]string
	docs  map[string]string // "pkgdir.Type" and "pkgdir.Type.Field" → doc
	fset  *token.FileSet
}

func generateReportSchema() ([]byte, error) {
	g := &generator{defs: map[string]map[string]any{}, names: map[reflect.Type]string{}, docs: map[string]string{}, fset: token.NewFileSet()}
	for _, dir := range []string{"scanner/evidence", "checks", "reports"} {
		if err := g.readDocs(dir); err != nil {
			return nil, err
		}
	}
	root := g.schemaFor(reflect.TypeOf(reports.Report{}))
	g.defs["Severity"] = map[string]any{"description": "How serious a finding is, from info to critical."}
	for key, extra := range overlay {
		def, prop, hasProp := strings.Cut(key, ".")
		d, ok := g.defs[def]
		if !ok {
			return nil, fmt.Errorf("overlay %s: no definition %s", key, def)
		}
		target := d
		if hasProp {
			props, _ := d["properties"].(map[string]any)
			p, ok := props[prop].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("overlay %s: no property %s in %s", key, prop, def)
			}
			target = p
		}
		for k, v := range extra {
			if v == nil {
				delete(target, k) // nil removes what the types said
				continue
			}
			target[k] = v
		}
	}
	for key, prop := range legacy {
		def, name, _ := strings.Cut(key, ".")
		props, ok := g.defs[def]["properties"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("legacy %s: no definition %s", key, def)
		}
		if _, clash := props[name]; clash {
			return nil, fmt.Errorf("legacy %s: the types still have it", key)
		}
		props[name] = prop
	}
	out := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         schemas.Base + "report.schema.json",
		"title":       "vigie report (" + reports.Schema + ")",
		"description": "report.json, the machine contract of a vigie report bundle: the evidence a scan collected, every check's outcome, the findings with the evidence records behind them, what the policy ignored, and what could not be collected. Generated from vigie's Go types; descriptions are their doc comments.",
		"$ref":        root["$ref"],
		"$defs":       g.defs,
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (g *generator) readDocs(dir string) error {
	entries, err := os.ReadDir(filepath.Join("..", dir))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(g.fset, filepath.Join("..", dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				g.docs[dir+"."+ts.Name.Name] = oneLine(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					d := oneLine(field.Doc)
					if d == "" {
						d = oneLine(field.Comment)
					}
					for _, n := range field.Names {
						g.docs[dir+"."+ts.Name.Name+"."+n.Name] = d
					}
				}
			}
		}
	}
	return nil
}

func oneLine(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.Join(strings.Fields(cg.Text()), " ")
}

// pkgDir is a type's package directory inside the module.
func pkgDir(t reflect.Type) string {
	return strings.TrimPrefix(t.PkgPath(), "github.com/vigie-scan/vigie/")
}

func (g *generator) schemaFor(t reflect.Type) map[string]any {
	switch t {
	case reflect.TypeOf(time.Time{}):
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeOf(time.Duration(0)):
		return map[string]any{"type": "integer"}
	case reflect.TypeOf(checks.Severity(0)):
		return map[string]any{"$ref": "#/$defs/Severity"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaFor(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schemaFor(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schemaFor(t.Elem())}
	case reflect.Struct:
		name, ok := g.names[t]
		if !ok {
			name = t.Name()
			if n, renamed := defNames[t]; renamed {
				name = n
			}
			for other, n := range g.names {
				if n == name && other != t {
					panic(fmt.Sprintf("schema: %s and %s would share $defs/%s: add one to defNames", t, other, name))
				}
			}
			g.names[t] = name
			def := map[string]any{"type": "object", "additionalProperties": false}
			g.defs[name] = def
			props := map[string]any{}
			var required []string
			g.fields(t, props, &required)
			def["properties"] = props
			if len(required) > 0 {
				def["required"] = required
			}
			if d := g.docs[pkgDir(t)+"."+t.Name()]; d != "" {
				def["description"] = d
			}
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	panic(fmt.Sprintf("schema: no JSON type for %s", t))
}

func (g *generator) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			g.fields(f.Type, props, required)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schemaFor(f.Type)
		optional := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		if !optional {
			*required = append(*required, name)
			switch f.Type.Kind() {
			case reflect.Slice, reflect.Map, reflect.Pointer:
				// A nil slice, map or pointer is written as null.
				if typ, ok := s["type"]; ok {
					s["type"] = []any{typ, "null"}
				} else {
					s = map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
				}
			}
		}
		if d := g.docs[pkgDir(t)+"."+t.Name()+"."+f.Name]; d != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"$ref": s["$ref"], "description": d}
			} else {
				s["description"] = d
			}
		}
		props[name] = s
	}
}

// TestReportSchemaAcceptsLegacyJudgments keeps reports written before the
// transfer bloc and the platform support status became the checks'
// judgments valid: `vigie check` re-judges them.
func TestReportSchemaAcceptsLegacyJudgments(t *testing.T) {
	s := compile(t, "report.schema.json", schemas.Report)
	data, err := os.ReadFile("../reports/testdata/full.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	ev := m["evidence"].(map[string]any)
	ev["organisations"].([]any)[0].(map[string]any)["bloc"] = "US"
	ev["survey"] = map[string]any{"platforms": []any{map[string]any{"id": "survey/platform/limesurvey", "name": "LimeSurvey", "version": "3.28.64",
		"outdated": true, "support": "version line 3: outdated as of 2026-11-21", "url": "https://s.example/", "signals": []any{"generator meta"}}}}
	delete(m, "facts")
	b, _ := json.Marshal(m)
	if err := validateJSON(s, b); err != nil {
		t.Errorf("a report of an earlier vigie is refused: %v", err)
	}
}

func TestValidateReport(t *testing.T) {
	data, err := os.ReadFile("../reports/testdata/full.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.ValidateReport(data); err != nil {
		t.Fatalf("a report vigie wrote: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(map[string]any)
		want   string
	}{
		"null target": {func(m map[string]any) { m["target"] = nil }, "/target"},
		"unknown key": {func(m map[string]any) { m["colour"] = "red" }, "colour"},
		"bad status":  {func(m map[string]any) { m["results"].([]any)[0].(map[string]any)["status"] = "maybe" }, "/results/0/status"},
	} {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		tc.mutate(m)
		b, _ := json.Marshal(m)
		err := schemas.ValidateReport(b)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line naming %q", name, err, tc.want)
		}
	}
	if err := schemas.ValidateReport([]byte("{not json")); err == nil {
		t.Error("not JSON accepted")
	}
}

package entities

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/publicsuffix"

	"github.com/vigie-scan/vigie/scanner/names"
)

// maxCatalogueBytes bounds what Parse reads: a catalogue is a hand-written file, and a user's
// --entities file should not exhaust memory.
const maxCatalogueBytes = 16 << 20

// maxReportedErrors bounds how many entry problems one error reports.
const maxReportedErrors = 50

// An EntryError reports a problem with one catalogue entry, naming the entry by key (or by
// position when it has none), its line when known, and the field at fault.
type EntryError struct {
	Key   string // the entry's key, possibly empty or invalid
	Index int    // position of the entry in its list, from 0
	Line  int    // line of the entry (or of the problem) in the file; 0 when unknown
	Field string // YAML field name; empty when the problem concerns the whole entry
	Msg   string
}

// Error says which entry, line and field are at fault, and why.
func (e *EntryError) Error() string {
	who := fmt.Sprintf("entry %q", e.Key)
	if e.Key == "" {
		who = fmt.Sprintf("entry #%d", e.Index+1)
	}
	if e.Line > 0 {
		who += fmt.Sprintf(" (line %d)", e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("entities: %s: %s", who, e.Msg)
	}
	return fmt.Sprintf("entities: %s: %s: %s", who, e.Field, e.Msg)
}

// document is the catalogue file's top level.
type document struct {
	Entities []Entity `yaml:"entities"`
}

// LoadFile reads and validates a catalogue file such as the one given with --entities.
func LoadFile(path string) ([]Entity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

// Parse decodes a catalogue (a YAML mapping whose "entities" key holds the list of entries)
// strictly: an unknown field is an error. Each entry is then validated: key a lower-case slug,
// country two upper-case letters, categories from the vocabulary, at least one domain, domains
// lower-case host names without scheme, path or port, at least one source. Errors name the entry
// and the field.
func Parse(r io.Reader) ([]Entity, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCatalogueBytes+1))
	if err != nil {
		return nil, fmt.Errorf("entities: read: %w", err)
	}
	if len(data) > maxCatalogueBytes {
		return nil, fmt.Errorf("entities: catalogue larger than %d bytes", maxCatalogueBytes)
	}
	return parse(data)
}

func parse(data []byte) (entries []Entity, err error) {
	// The YAML decoder works on untrusted files; a fault in it must not take the scan down.
	defer func() {
		if r := recover(); r != nil {
			entries, err = nil, fmt.Errorf("entities: YAML decoder failed: %v", r)
		}
	}()

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("entities: %w", err)
	}
	spans := entrySpans(&root)

	var doc document
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New(`entities: empty catalogue: want a mapping with an "entities" list`)
		}
		return nil, decodeError(err, spans)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, errors.New("entities: more than one YAML document")
	}
	if len(doc.Entities) == 0 {
		return nil, errors.New(`entities: no entries: want a mapping with a non-empty "entities" list`)
	}

	var errs []error
	first := make(map[string]int, len(doc.Entities))
	for i := range doc.Entities {
		e := &doc.Entities[i]
		line := 0
		if i < len(spans) {
			line = spans[i].line
		}
		for _, p := range e.problems() {
			errs = append(errs, &EntryError{Key: e.Key, Index: i, Line: line, Field: p.field, Msg: p.msg})
		}
		if e.Key == "" {
			continue
		}
		if j, dup := first[e.Key]; dup {
			msg := fmt.Sprintf("duplicate key, first used by entry #%d", j+1)
			if j < len(spans) {
				msg += fmt.Sprintf(" (line %d)", spans[j].line)
			}
			errs = append(errs, &EntryError{Key: e.Key, Index: i, Line: line, Field: "key", Msg: msg})
			continue
		}
		first[e.Key] = i
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return doc.Entities, nil
}

// span locates one entry of the "entities" list in the file.
type span struct {
	line int
	key  string
}

// entrySpans finds where each entry of the "entities" list starts, and its key, so that decoder
// errors, which only give a line, can name the entry.
func entrySpans(root *yaml.Node) []span {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil
	}
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "entities" {
			list = top.Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	spans := make([]span, 0, len(list.Content))
	for _, item := range list.Content {
		s := span{line: item.Line}
		if item.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(item.Content); i += 2 {
				if item.Content[i].Value == "key" && item.Content[i+1].Kind == yaml.ScalarNode {
					s.key = item.Content[i+1].Value
				}
			}
		}
		spans = append(spans, s)
	}
	return spans
}

var (
	lineMsgRE      = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type`)
)

// decodeError rewrites the YAML decoder's type errors so that each names the entry it occurs in.
func decodeError(err error, spans []span) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("entities: %w", err)
	}
	var errs []error
	for _, msg := range te.Errors {
		m := lineMsgRE.FindStringSubmatch(msg)
		if m == nil {
			errs = append(errs, fmt.Errorf("entities: %s", msg))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		idx := -1
		for i, s := range spans {
			if s.line <= line {
				idx = i
			}
		}
		field, problem := "", m[2]
		if u := unknownFieldRE.FindStringSubmatch(m[2]); u != nil {
			field, problem = u[1], "unknown field (known fields: "+strings.Join(entityFields, ", ")+")"
		}
		if idx < 0 {
			switch {
			case field != "":
				problem = fmt.Sprintf("unknown field %q (the top level holds only \"entities\")", field)
			case strings.Contains(problem, "into entities.document"):
				problem = `the top level must be a mapping with an "entities" list`
			}
			errs = append(errs, fmt.Errorf("entities: line %d: %s", line, problem))
			continue
		}
		errs = append(errs, &EntryError{Key: spans[idx].key, Index: idx, Line: line, Field: field, Msg: problem})
	}
	return joinErrors(errs)
}

var entityFields = []string{
	"key", "name", "legal_entity", "eu_establishment", "country", "parent", "categories", "domains",
	"urls", "org_names", "asns", "aliases", "sources", "note",
}

func joinErrors(errs []error) error {
	if len(errs) > maxReportedErrors {
		n := len(errs) - maxReportedErrors
		errs = append(errs[:maxReportedErrors:maxReportedErrors], fmt.Errorf("entities: … and %d more problems", n))
	}
	return errors.Join(errs...)
}

// problem is one validation failure of an entry field.
type problem struct{ field, msg string }

var (
	slugRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
)

// problems lists what is wrong with an entry, field by field.
func (e *Entity) problems() []problem {
	var ps []problem
	add := func(field, format string, args ...any) {
		ps = append(ps, problem{field, fmt.Sprintf(format, args...)})
	}

	switch {
	case e.Key == "":
		add("key", "missing")
	case len(e.Key) > 64 || !slugRE.MatchString(e.Key):
		add("key", "%q: want a lower-case slug such as \"ovhcloud\" (letters, digits, single hyphens, at most 64 characters)", e.Key)
	}
	if strings.TrimSpace(e.Name) == "" {
		add("name", "missing")
	}
	switch {
	case e.Country == "":
		add("country", "missing: give the ISO 3166-1 alpha-2 code of the legal seat")
	case e.Country == "UK":
		add("country", `"UK" is not an ISO 3166-1 code: use "GB"`)
	case e.Country == "EU":
		add("country", `"EU" is not a country: give the legal seat's country`)
	case !countryRE.MatchString(e.Country):
		add("country", "%q: want an ISO 3166-1 alpha-2 code in upper case, such as \"FR\"", e.Country)
	}

	if len(e.Categories) == 0 {
		add("categories", "at least one required")
	}
	seen := map[string]bool{}
	for _, c := range e.Categories {
		switch {
		case !IsCategory(c):
			add("categories", "unknown category %q (known: %s)", c, strings.Join(categories, ", "))
		case seen[c]:
			add("categories", "%q listed twice", c)
		}
		seen[c] = true
	}

	if len(e.Domains) == 0 {
		add("domains", "at least one required")
	}
	seen = map[string]bool{}
	for _, d := range e.Domains {
		if msg := domainProblem(d); msg != "" {
			add("domains", "%q: %s", d, msg)
		} else if seen[d] {
			add("domains", "%q listed twice", d)
		}
		seen[d] = true
	}

	seen = map[string]bool{}
	for _, u := range e.URLs {
		if msg := urlRuleProblem(u); msg != "" {
			add("urls", "%q: %s", u, msg)
		} else if seen[u] {
			add("urls", "%q listed twice", u)
		}
		seen[u] = true
	}
	for _, n := range []struct{ field, name string }{{"legal_entity", e.LegalEntity}, {"eu_establishment", e.EUEstablishment}, {"parent", e.Parent}} {
		if n.name != "" && names.NormaliseOrg(n.name) == "" {
			add(n.field, "%q: empty once normalised", n.name)
		}
	}
	for _, o := range e.OrgNames {
		if names.NormaliseOrg(o) == "" {
			add("org_names", "%q: empty once normalised", o)
		}
	}
	for _, a := range e.Aliases {
		if names.NormaliseOrg(a) == "" {
			add("aliases", "%q: empty once normalised", a)
		}
	}

	seenASN := map[uint32]bool{}
	for _, asn := range e.ASNs {
		if msg := asnProblem(asn); msg != "" {
			add("asns", "AS%d: %s", asn, msg)
		} else if seenASN[asn] {
			add("asns", "AS%d listed twice", asn)
		}
		seenASN[asn] = true
	}

	if len(e.Sources) == 0 {
		add("sources", "at least one required: say where the facts were published")
	}
	for i, s := range e.Sources {
		if strings.TrimSpace(s) == "" {
			add("sources", "source #%d is empty", i+1)
		}
	}
	return ps
}

// domainProblem says what is wrong with a catalogue domain, or "" when it is a valid lower-case
// host suffix.
func domainProblem(d string) string {
	switch {
	case d == "":
		return "empty"
	case strings.Contains(d, "://"):
		return "give the host name only, without scheme"
	case strings.ContainsAny(d, "/?#"):
		return "give the host name only, without path"
	case strings.ContainsAny(d, ":@"):
		return "give the host name only, without port or user"
	case strings.Contains(d, "*"):
		return "no wildcard: a domain already matches all its subdomains"
	case d != strings.ToLower(d):
		return "must be lower case"
	case strings.HasPrefix(d, ".") || strings.HasSuffix(d, "."):
		return "no leading or trailing dot"
	case len(d) > 253:
		return "longer than 253 characters"
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "a top-level domain is too broad: give a registrable domain or a host suffix"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "each label must have 1 to 63 characters"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "a label may not start or end with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "labels hold only a-z, 0-9 and hyphens (write IDNs in punycode)"
			}
		}
	}
	if suffix, icann := publicsuffix.PublicSuffix(d); icann && suffix == d {
		return "a public suffix is too broad: give a registrable domain or a host suffix"
	}
	return ""
}

// asnProblem says why an AS number cannot designate an organisation, or "".
func asnProblem(asn uint32) string {
	switch {
	case asn == 0:
		return "reserved (RFC 7607)"
	case asn == 23456:
		return "AS_TRANS (RFC 6793), not a real network"
	case asn >= 64496 && asn <= 64511, asn >= 65536 && asn <= 65551:
		return "reserved for documentation (RFC 5398)"
	case asn >= 64512 && asn <= 65534, asn >= 4200000000 && asn <= 4294967294:
		return "private use (RFC 6996)"
	case asn == 65535, asn == 4294967295:
		return "reserved (RFC 7300)"
	}
	return ""
}

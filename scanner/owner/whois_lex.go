package owner

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Lexing a whois answer: lines → attributes → objects, indexed by key.

// whoisAttr is one "key: value" line of an answer.
type whoisAttr struct {
	key   string // lower case
	value string // trimmed
}

// whoisObject is a run of attributes between blank lines (an RPSL object,
// or an ARIN section).
type whoisObject struct {
	attrs []whoisAttr
	hint  string // registry named by the comments before the object
}

func (o *whoisObject) class() string {
	if len(o.attrs) == 0 {
		return ""
	}
	return o.attrs[0].key
}

func (o *whoisObject) primaryKey() string {
	if len(o.attrs) == 0 {
		return ""
	}
	return refKey(o.attrs[0].value)
}

// first returns the first non-empty value of key.
func (o *whoisObject) first(key string) string {
	for _, a := range o.attrs {
		if a.key == key && a.value != "" {
			return a.value
		}
	}
	return ""
}

// all returns the non-empty values of key, in order.
func (o *whoisObject) all(key string) []string {
	var vs []string
	for _, a := range o.attrs {
		if a.key == key && a.value != "" {
			vs = append(vs, a.value)
		}
	}
	return vs
}

// abuseNote is a "% Abuse contact for 'range' is 'mail'" comment (RIPE,
// APNIC, AFRINIC).
type abuseNote struct {
	start, end netip.Addr // invalid when the note is not about a range
	email      string
}

// whoisDoc is a lexed answer with its objects indexed by reference.
type whoisDoc struct {
	objects  []*whoisObject
	abuse    []abuseNote
	orgs     map[string]*whoisObject // organisation objects by key
	irts     map[string]*whoisObject // irt objects by key
	contacts map[string]*whoisObject // role, person, LACNIC contacts by handle
	routes   []whoisRoute            // route and route6 objects
}

// whoisRoute is a route or route6 object: a prefix and its origins.
type whoisRoute struct {
	prefix      netip.Prefix
	first, last netip.Addr
	origins     []uint32
}

var abuseNoteRE = regexp.MustCompile(`(?i)^%+\s*abuse contact for '([^']*)' is '([^']*)'`)

func lexWhois(raw []byte) *whoisDoc {
	if len(raw) > maxWhoisParseBytes {
		raw = raw[:maxWhoisParseBytes]
	}
	doc := &whoisDoc{}
	var cur *whoisObject
	hint := ""
	for lines := 0; len(raw) > 0 && lines < maxWhoisParseLines; lines++ {
		var b []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			b, raw = raw[:i], raw[i+1:]
		} else {
			b, raw = raw, nil
		}
		if len(b) > maxWhoisLineLen {
			continue
		}
		line := cleanText(b)
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			cur = nil
			continue
		}
		if trimmed[0] == '%' || trimmed[0] == '#' {
			if m := abuseNoteRE.FindStringSubmatch(trimmed); m != nil {
				if email := cleanEmail(m[2]); email != "" && len(doc.abuse) < maxWhoisAbuseNotes {
					s, e, _ := parseRange(m[1])
					doc.abuse = append(doc.abuse, abuseNote{start: s, end: e, email: email})
				}
			} else if h := registryHint(trimmed); h != "" {
				hint = h
			}
			continue
		}
		// RPSL continuation: a line starting with white space or '+'.
		if (line[0] == ' ' || line[0] == '\t' || line[0] == '+') && cur != nil && len(cur.attrs) > 0 {
			more := strings.TrimSpace(strings.TrimPrefix(trimmed, "+"))
			last := &cur.attrs[len(cur.attrs)-1]
			if more != "" && len(last.value)+len(more) < maxWhoisValueLen {
				if last.value == "" {
					last.value = more
				} else {
					last.value += " " + more
				}
			}
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		if !ok || key == "" || len(key) > maxWhoisKeyLen || strings.ContainsAny(key, " \t") {
			continue
		}
		if cur == nil {
			cur = &whoisObject{hint: hint}
			doc.objects = append(doc.objects, cur)
		}
		cur.attrs = append(cur.attrs, whoisAttr{key: key, value: strings.TrimSpace(value)})
	}
	doc.index()
	return doc
}

// index fills the reference maps; the first object with a key wins.
func (d *whoisDoc) index() {
	d.orgs = map[string]*whoisObject{}
	d.irts = map[string]*whoisObject{}
	d.contacts = map[string]*whoisObject{}
	add := func(m map[string]*whoisObject, key string, o *whoisObject) {
		if _, dup := m[key]; key != "" && !dup {
			m[key] = o
		}
	}
	for _, o := range d.objects {
		switch o.class() {
		case "organisation":
			add(d.orgs, o.primaryKey(), o)
		case "irt":
			add(d.irts, o.primaryKey(), o)
		case "role", "person":
			add(d.contacts, refKey(o.first("nic-hdl")), o)
		case "nic-hdl", "nic-hdl-br":
			add(d.contacts, o.primaryKey(), o)
		case "route", "route6":
			p, err := netip.ParsePrefix(expandPrefix(o.attrs[0].value))
			if err != nil {
				continue
			}
			p = p.Masked()
			r := whoisRoute{prefix: p, first: p.Addr(), last: lastAddr(p)}
			for _, v := range o.all("origin") {
				r.origins = append(r.origins, parseASNList(v)...)
			}
			d.routes = append(d.routes, r)
		}
	}
}

// cleanText turns one line of an answer into valid UTF-8 without control
// characters. Answers that are not UTF-8 are read as ISO-8859-1, the usual
// encoding of LACNIC and NIC.br answers.
func cleanText(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	valid := utf8.Valid(b)
	for len(b) > 0 {
		var r rune
		if valid {
			var size int
			r, size = utf8.DecodeRune(b)
			b = b[size:]
		} else {
			r = rune(b[0])
			b = b[1:]
		}
		switch {
		case r == '\t':
			sb.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// control characters, CR included: dropped
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// registryHint names the registry a comment line identifies, if any.
func registryHint(comment string) string {
	c := strings.ToLower(comment)
	switch {
	case strings.Contains(c, "arin whois data"), strings.Contains(c, "american registry for internet numbers"):
		return registryARIN
	case strings.Contains(c, "ripe database"), strings.Contains(c, "whois.ripe.net"):
		return registryRIPE
	case strings.Contains(c, "afrinic"):
		return registryAFRINIC
	case strings.Contains(c, "apnic"):
		return registryAPNIC
	case strings.Contains(c, "lacnic"), strings.Contains(c, "nic.br"):
		return registryLACNIC
	}
	return ""
}

// registryFromSource maps an RPSL source: value to its RIR; national
// registries of the APNIC region count as APNIC.
func registryFromSource(source string) string {
	s := strings.ToUpper(firstToken(source))
	switch {
	case strings.HasPrefix(s, "RIPE"):
		return registryRIPE
	case strings.HasPrefix(s, "AFRINIC"):
		return registryAFRINIC
	case strings.HasPrefix(s, "APNIC"), s == "JPNIC", s == "KRNIC", s == "TWNIC", s == "IDNIC", s == "CNNIC", s == "IRINN", s == "VNNIC":
		return registryAPNIC
	case strings.HasPrefix(s, "LACNIC"):
		return registryLACNIC
	case strings.HasPrefix(s, "ARIN"):
		return registryARIN
	}
	return ""
}

// registryFromHandle guesses the RIR from the suffix of an RPSL handle.
func registryFromHandle(handle string) string {
	h := strings.ToUpper(handle)
	switch {
	case strings.HasSuffix(h, "-RIPE"):
		return registryRIPE
	case strings.HasSuffix(h, "-AFRINIC"):
		return registryAFRINIC
	case strings.HasSuffix(h, "-AP"):
		return registryAPNIC
	case strings.HasSuffix(h, "-LACNIC"):
		return registryLACNIC
	case strings.HasSuffix(h, "-ARIN"):
		return registryARIN
	}
	return ""
}

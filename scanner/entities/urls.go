package entities

import (
	"net/url"
	"slices"
	"strings"
)

// maxURLBytes bounds the part of a request URL ByURL reads: URLs come from the scanned site and
// may be megabytes long; a rule's host, path and parameter are at their start.
const maxURLBytes = 8 << 10

// urlRule is one parsed URL rule of an entry: "host/path" or "host/path?param=prefix".
type urlRule struct {
	rule   string // as written in the catalogue
	host   string // a host name or suffix, matched on label boundaries like Domains
	path   string // a path prefix, matched on segment boundaries
	param  string // a query parameter whose first value must start with prefix; "" for none
	prefix string
	ent    int
}

// specificity orders the rules of one host: a longer path first, then a rule with a
// parameter before one without.
func (r urlRule) specificity() int {
	n := 2 * len(r.path)
	if r.param != "" {
		n += 1 + 2*len(r.prefix)
	}
	return n
}

// parseURLRule splits a rule; ok is false when it is malformed (urlRuleProblem says why).
func parseURLRule(s string) (urlRule, bool) {
	host, rest, ok := strings.Cut(s, "/")
	if !ok || host == "" {
		return urlRule{}, false
	}
	r := urlRule{rule: s, host: host, path: "/" + rest}
	if p, q, hasQuery := strings.Cut(r.path, "?"); hasQuery {
		r.path = p
		name, prefix, ok := strings.Cut(q, "=")
		if !ok || name == "" || prefix == "" || strings.ContainsAny(prefix, "=&?") || strings.ContainsAny(name, "&?") {
			return urlRule{}, false
		}
		r.param, r.prefix = name, prefix
	}
	return r, true
}

// urlRuleProblem says what is wrong with a URL rule, or "" when it is valid: a host name as
// in domains, then a path starting with "/", then optionally one "?param=prefix".
func urlRuleProblem(s string) string {
	switch {
	case s == "":
		return "empty"
	case strings.Contains(s, "://"):
		return `give "host/path", without scheme`
	case strings.ContainsAny(s, "#*"):
		return "no fragment and no wildcard: the path and the parameter value are prefixes"
	case strings.ContainsAny(s, " \t\r\n"):
		return "no spaces"
	}
	host, _, ok := strings.Cut(s, "/")
	if !ok {
		return `give a path: "host/path" or "host/path?param=prefix"`
	}
	if msg := domainProblem(host); msg != "" {
		return "host: " + msg
	}
	if _, ok := parseURLRule(s); !ok {
		return `the query must be one "param=prefix", both non-empty`
	}
	return ""
}

// indexURLs indexes the claimed URL rules by host, most specific first.
func (c *Catalogue) indexURLs() {
	c.rules = map[string][]urlRule{}
	for s, i := range c.byURL {
		if r, ok := parseURLRule(s); ok {
			r.ent = i
			c.rules[r.host] = append(c.rules[r.host], r)
		}
	}
	for h := range c.rules {
		slices.SortFunc(c.rules[h], func(a, b urlRule) int {
			if d := b.specificity() - a.specificity(); d != 0 {
				return d
			}
			return strings.Compare(a.rule, b.rule)
		})
	}
}

// ByURL returns the entry a URL rule designates for a request URL, with the rule that matched:
// "https://www.googletagmanager.com/gtag/js?id=G-X" gives google-analytics by the rule
// "googletagmanager.com/gtag/js?id=G-". The host matches as in ByHost, the longest suffix
// first; within one host the longest path wins, a path matching on segment boundaries ("/gtag/js"
// matches "/gtag/js" and "/gtag/js/x", not "/gtag/jsx"); a parameter's first value must start
// with the rule's prefix, case-insensitively. Only http and https URLs match, and only their
// first 8 KiB are read. It reports false when no rule matches: the host's entry (ByHost) then
// stands.
func (c *Catalogue) ByURL(raw string) (*Entity, string, bool) {
	if c == nil || len(c.rules) == 0 {
		return nil, "", false
	}
	if len(raw) > maxURLBytes {
		raw = raw[:maxURLBytes]
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, "", false
	}
	h := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	var query url.Values
	for h != "" {
		for _, r := range c.rules[h] {
			if !pathHasPrefix(u.Path, r.path) {
				continue
			}
			if r.param != "" {
				if query == nil {
					query, _ = url.ParseQuery(u.RawQuery)
				}
				v := query[r.param]
				if len(v) == 0 || len(v[0]) < len(r.prefix) || !strings.EqualFold(v[0][:len(r.prefix)], r.prefix) {
					continue
				}
			}
			e := c.entities[r.ent].clone()
			return &e, r.rule, true
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			break
		}
		h = h[dot+1:]
	}
	return nil, "", false
}

// pathHasPrefix reports whether p is prefix or below it on a segment boundary.
func pathHasPrefix(p, prefix string) bool {
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	return len(p) == len(prefix) || strings.HasSuffix(prefix, "/") || p[len(prefix)] == '/'
}

package mail

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces a personal value in the evidence.
const Redacted = "[redacted]"

// placeholder stands for Redacted while secrets are being replaced, so
// that no later secret matches inside an earlier replacement.
const placeholder = "\x00"

// secrets are the personal values of one message: the recipient's names,
// the local parts of their addresses, codes, tokens and unique ids.
type secrets struct {
	names  []string
	values []string
}

// minSecret is the shortest value replaced wherever it appears: shorter
// ones are redacted where they stand (addresses, parameters) only.
const minSecret = 3

// name records a recipient's name, whole and word by word.
func (s *secrets) name(n string) {
	n = strings.TrimSpace(n)
	if len(n) < minSecret {
		return
	}
	s.names = append(s.names, n)
	for _, w := range strings.Fields(n) {
		w = strings.Trim(w, `.,;:"'()<>`)
		if len(w) >= minSecret && !notNames[strings.ToLower(w)] {
			s.names = append(s.names, w)
		}
	}
}

// address records the local part of a recipient's address.
func (s *secrets) address(addr string) {
	addr = strings.Trim(addr, "<> ")
	if l := localPart(addr); l != "" {
		s.value(l)
	} else if !strings.Contains(addr, "@") {
		s.value(addr)
	}
}

func (s *secrets) code(v string) { s.value(v) }
func (s *secrets) id(v string)   { s.value(v) }

func (s *secrets) value(v string) {
	if v = strings.TrimSpace(v); len(v) >= minSecret {
		s.values = append(s.values, v)
	}
}

// replacer returns a function replacing every secret in a string: names
// as whole words, other values anywhere, case-insensitively, longest first.
func (s *secrets) replacer() func(string) string {
	type pat struct {
		text string
		word bool
	}
	var pats []pat
	values := slices.Clone(s.values)
	for _, v := range s.values {
		if e := url.QueryEscape(v); e != v {
			values = append(values, e)
		}
	}
	names := slices.Clone(s.names)
	byLen := func(a, b string) int { return len(b) - len(a) }
	slices.SortFunc(values, byLen)
	slices.SortFunc(names, byLen)
	for _, v := range slices.Compact(values) {
		pats = append(pats, pat{v, false})
	}
	for _, n := range slices.Compact(names) {
		pats = append(pats, pat{n, true})
	}
	return func(str string) string {
		if len(pats) == 0 {
			return str
		}
		// Markers already in place are left alone: a secret could be part
		// of the marker's own text.
		pieces := strings.Split(str, Redacted)
		for i, piece := range pieces {
			for _, p := range pats {
				piece = replaceFold(piece, p.text, p.word)
			}
			pieces[i] = strings.ReplaceAll(piece, placeholder, Redacted)
		}
		return strings.Join(pieces, Redacted)
	}
}

// replaceFold replaces each case-insensitive occurrence of secret in s by
// the placeholder; with word set, only where it is a whole word (no letter
// or digit right before or after).
func replaceFold(s, secret string, word bool) string {
	n := len(secret)
	if n == 0 || len(s) < n {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+n <= len(s); {
		if strings.EqualFold(s[i:i+n], secret) && (!word || wordAt(s, i, i+n)) {
			b.WriteString(s[last:i])
			b.WriteString(placeholder)
			i += n
			last = i
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// wordAt reports whether s[start:end] is not preceded or followed by a
// letter or a digit.
func wordAt(s string, start, end int) bool {
	if start > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:start]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// redact replaces the personal values of the record: the recipient's
// names and local parts, codes and tokens, unique ids (Message-ID and
// Return-Path local parts, MTA ids, tracking parameters, random path
// segments). Domains and the structure of addresses and URLs are kept.
func (a *analysis) redact() {
	m := &a.mail
	rep := a.secrets.replacer()
	for i := range m.To {
		if m.To[i].Name != "" {
			m.To[i].Name = Redacted
		}
		m.To[i].Address = redactAddr(m.To[i].Address)
	}
	for i := range m.ReplyTo {
		m.ReplyTo[i].Name, m.ReplyTo[i].Address = rep(m.ReplyTo[i].Name), rep(m.ReplyTo[i].Address)
	}
	m.Subject = rep(m.Subject)
	m.MessageID = redactAddr(m.MessageID)
	m.ReturnPath = redactAddr(m.ReturnPath)
	for i := range m.Hops {
		h := &m.Hops[i]
		h.Raw = rep(h.Raw)
		if h.For != "" {
			h.For = redactAddr(h.For)
		}
		if h.MTAID != "" {
			h.MTAID = Redacted
		}
	}
	m.ListUnsubscribe = redactList(m.ListUnsubscribe, rep)
	for i := range m.Links {
		l := &m.Links[i]
		l.URL = redactURL(l.URL, l.Redirector != "", rep)
		l.Destination = redactURL(l.Destination, false, rep)
		l.Text = rep(l.Text)
	}
	for i := range m.Images {
		m.Images[i].URL = redactURL(m.Images[i].URL, m.Images[i].Pixel, rep)
	}
	for i := range m.Codes {
		m.Codes[i].Value = Redacted
	}
	for i := range m.RecipientNamed {
		s := &m.RecipientNamed[i]
		if strings.HasSuffix(s.Source, "/header/to") {
			s.Text = Redacted
		} else {
			s.Text = rep(s.Text)
		}
	}
	for i := range m.Providers {
		for j, s := range m.Providers[i].Signals {
			m.Providers[i].Signals[j] = rep(s)
		}
	}
	m.Redacted = true
}

// redactAddr replaces an address's local part, keeping its domain.
func redactAddr(addr string) string {
	if addr == "" {
		return ""
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return Redacted + addr[i:]
	}
	return Redacted
}

// redactList redacts the URLs of a List-Unsubscribe value (<mailto:…>, <https://…>).
func redactList(v string, rep func(string) string) string {
	if v == "" {
		return ""
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			b.WriteString(rep(v))
			return b.String()
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			b.WriteString(rep(v))
			return b.String()
		}
		b.WriteString(rep(v[:i+1]))
		inner := v[i+1 : i+j]
		if strings.HasPrefix(strings.ToLower(inner), "mailto:") {
			addr, query, _ := strings.Cut(inner[len("mailto:"):], "?")
			inner = "mailto:" + redactAddr(addr)
			if query != "" {
				inner += "?" + rep(query)
			}
		} else {
			inner = redactURL(inner, true, rep)
		}
		b.WriteString(inner + ">")
		v = v[i+j+1:]
	}
}

// redactURL redacts a URL's personal values and unique ids: code
// parameters and random path segments always; for a tracking link
// (redirector or pixel) every parameter value and every long opaque
// segment. The scheme, host, parameter names and the rest of the path stay.
func redactURL(raw string, tracking bool, rep func(string) string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return rep(raw)
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		b.WriteString(Redacted + "@")
	}
	b.WriteString(u.Host)
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		if randomSegment(s) || (tracking && opaque(s)) {
			segs[i] = Redacted
		}
	}
	b.WriteString(strings.Join(segs, "/"))
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, v, hasValue := strings.Cut(p, "=")
			if !hasValue || v == "" {
				continue
			}
			dv, err := url.QueryUnescape(v)
			if err != nil {
				dv = v
			}
			dk, _ := url.QueryUnescape(k)
			if tracking || (isCodeParam(dk) && codeLike(dv)) || randomSegment(dv) {
				parts[i] = k + "=" + Redacted
			}
		}
		b.WriteString("?" + strings.Join(parts, "&"))
	}
	if u.Fragment != "" {
		if tracking || randomSegment(u.Fragment) {
			b.WriteString("#" + Redacted)
		} else {
			b.WriteString("#" + u.EscapedFragment())
		}
	}
	return rep(b.String())
}

// opaque reports whether a path segment of a tracking link is an
// identifier: long, or mixing letters and digits, and not a host name.
func opaque(s string) bool {
	if validHost(strings.ToLower(s)) {
		return false
	}
	if len(s) >= 20 {
		return true
	}
	return len(s) >= 12 && strings.ContainsAny(s, "0123456789") && strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
}

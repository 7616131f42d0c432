package mail

import (
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decoders for non-UTF-8 charsets
	gomail "github.com/emersion/go-message/mail"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// maxAddresses bounds the addresses kept per header.
const maxAddresses = 50

// readHeader reads the header block, bounded by MaxHeaderBytes. An unknown
// charset or transfer encoding is not an error: the body is read as is.
func readHeader(raw []byte) (*message.Entity, error) {
	e, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: MaxHeaderBytes})
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("header: %s", oneLine(err.Error()))
	}
	if e == nil {
		return nil, fmt.Errorf("header: unreadable")
	}
	return e, nil
}

// oneLine makes a parser's message one bounded line of printable text.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return clip(strings.TrimSpace(s))
}

// fields lists the header fields top first, values unfolded and bounded.
func fields(e *message.Entity) []field {
	var out []field
	fs := e.Header.Fields()
	for fs.Next() {
		out = append(out, field{key: fs.Key(), value: clip(strings.TrimSpace(fs.Value()))})
		if len(out) > MaxHeaderFields {
			break
		}
	}
	return out
}

// wordDecoder decodes RFC 2047 encoded words with every charset go-message knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: message.CharsetReader}

// decodeText decodes encoded words in an unstructured header value; on
// failure the value is kept as it is.
func decodeText(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// readAddresses reads From, To, Reply-To, Subject, Date and Message-ID, and
// the recipient's addresses (To, Cc, Delivered-To, X-Original-To), whose
// domains tell the recipient's side of the Received chain.
func (a *analysis) readAddresses(e *message.Entity) {
	h := gomail.Header{Header: e.Header}
	if from := a.addresses("From"); len(from) > 0 {
		a.mail.From = from[0]
	}
	a.mail.To = a.addresses("To")
	a.mail.ReplyTo = a.addresses("Reply-To")
	a.mail.Subject = clip(decodeText(a.first("Subject")))
	if d, err := h.Date(); err == nil {
		a.mail.Date = d.UTC()
	} else if d, ok := parseDate(a.first("Date")); ok {
		a.mail.Date = d
	}
	if id := messageID(a.first("Message-Id")); id != "" {
		a.mail.MessageID = id
		if _, dom, ok := splitAddress(id); ok && validHost(dom) {
			a.mail.MessageIDDomain = dom
		}
		a.secrets.id(localPart(id))
	}

	var recipients []evidence.MailAddr
	recipients = append(recipients, a.mail.To...)
	for _, k := range []string{"Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"} {
		recipients = append(recipients, a.addresses(k)...)
	}
	for _, r := range recipients {
		a.secrets.address(r.Address)
		a.secrets.name(r.Name)
		if r.Domain != "" {
			if d, err := names.RegistrableDomain(r.Domain); err == nil && !contains(a.recipientDomains, d) {
				a.recipientDomains = append(a.recipientDomains, d)
			}
		}
	}
}

// addresses parses the address list of every field named key. A list the
// strict parser rejects is read address by address, and an address it
// still rejects is kept as far as it can be read.
func (a *analysis) addresses(key string) []evidence.MailAddr {
	var out []evidence.MailAddr
	for _, v := range a.values(key) {
		for _, addr := range parseAddressList(v) {
			if len(out) == maxAddresses {
				a.noteLimit("more than %d addresses in %s: the rest were not read", maxAddresses, key)
				return out
			}
			out = append(out, addr)
		}
	}
	return out
}

// parseAddressList parses an address list leniently.
func parseAddressList(v string) []evidence.MailAddr {
	if list, err := gomail.ParseAddressList(v); err == nil {
		out := make([]evidence.MailAddr, 0, len(list))
		for _, ad := range list {
			out = append(out, mailAddr(ad.Name, ad.Address))
		}
		return out
	}
	var out []evidence.MailAddr
	for _, part := range splitList(v) {
		if ad, err := gomail.ParseAddress(part); err == nil {
			out = append(out, mailAddr(ad.Name, ad.Address))
			continue
		}
		if m := looseAddress(part); m.Address != "" || m.Name != "" {
			out = append(out, m)
		}
	}
	return out
}

// splitList splits an address list at the commas outside quotes and angle brackets.
func splitList(v string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	parts = append(parts, v[start:])
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// looseAddress reads "Name <addr>" or a bare addr without validating.
func looseAddress(s string) evidence.MailAddr {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		addr := s[i+1:]
		if j := strings.IndexByte(addr, '>'); j >= 0 {
			addr = addr[:j]
		}
		name := strings.Trim(strings.TrimSpace(s[:i]), `"`)
		return mailAddr(decodeText(name), addr)
	}
	if strings.Contains(s, "@") && !strings.ContainsAny(s, " \t") {
		return mailAddr("", s)
	}
	return evidence.MailAddr{Name: clip(decodeText(s))}
}

// mailAddr builds an address record, the domain in lower case.
func mailAddr(name, addr string) evidence.MailAddr {
	addr = strings.TrimSpace(addr)
	m := evidence.MailAddr{Name: clip(strings.TrimSpace(name)), Address: clip(addr)}
	if _, dom, ok := splitAddress(addr); ok && validHost(dom) {
		m.Domain = dom
	}
	return m
}

// splitAddress splits local@domain at the last @, the domain normalised.
func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], names.Normalise(strings.TrimSpace(addr[i+1:])), true
}

// localPart returns the part of addr before its last @, or "".
func localPart(addr string) string {
	l, _, ok := splitAddress(addr)
	if !ok {
		return ""
	}
	return l
}

// messageID reads a Message-ID value: the first <…>, else the trimmed value.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return clip(v[i+1 : i+j])
		}
	}
	if strings.ContainsAny(v, " \t") {
		return ""
	}
	return clip(v)
}

// validHost reports whether s looks like a DNS host name with a dot: only
// letters, digits, '-', '_' and '.', no empty label.
func validHost(s string) bool {
	if len(s) < 3 || len(s) > 253 || !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	// A numeric last label is an address, not a name.
	return strings.IndexFunc(last, unicode.IsLetter) >= 0
}

// dateLayouts are the forms of dates met in Received and Date headers.
var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04 -0700", "Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05.000 -0700", "Mon, 02 Jan 2006 15:04:05 -0700",
}

// parseDate reads a date leniently: comments removed, spaces collapsed.
func parseDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(stripComments(s)), " ")
	if s == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t.UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// maxCommentDepth bounds the nesting of parenthesised comments.
const maxCommentDepth = 16

// stripComments removes RFC 5322 comments (parenthesised, nested, with
// quoted pairs), keeping quoted strings intact.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (depth > 0 || quoted):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case quoted:
			b.WriteByte(c)
			if c == '"' {
				quoted = false
			}
		case c == '(':
			depth++
			if depth > maxCommentDepth {
				return b.String()
			}
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			quoted = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

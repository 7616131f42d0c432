// Package mail analyses the messages a site sends — account confirmations,
// invitations, participation letters — given as .eml or mbox files: who
// relayed them (the Received chain, DKIM signatures, Authentication-Results,
// email-service-provider fingerprints), who tracks them (click redirectors
// and open pixels), and whether one message carries both the recipient's
// identity and a participation code.
//
// Everything in a message is hostile input: sizes and counts are bounded
// (see the Max constants), a malformed message is an error for that message
// alone, and the personal values found (recipient names and addresses,
// codes, tokens and unique ids) are redacted in the returned evidence unless
// Options.NoRedact is set. MIME and charsets are decoded with
// github.com/emersion/go-message, DKIM is verified and
// Authentication-Results parsed with github.com/emersion/go-msgauth.
package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// Bounds on what is read from a file and analysed in a message.
const (
	// MaxFileBytes bounds a mail file (.eml or mbox).
	MaxFileBytes = 64 << 20
	// MaxMessages bounds the messages read from one mbox file.
	MaxMessages = 1000
	// MaxMessageBytes bounds one message.
	MaxMessageBytes = 16 << 20
	// MaxHeaderBytes bounds a message's header block.
	MaxHeaderBytes = 256 << 10
	// MaxHeaderFields bounds the number of header fields of a message.
	MaxHeaderFields = 1000
	// MaxMIMEDepth bounds the nesting of multipart bodies.
	MaxMIMEDepth = 8
	// MaxParts bounds the MIME parts visited in one message.
	MaxParts = 200
	// MaxTextBytes bounds the decoded text and HTML analysed in one message.
	MaxTextBytes = 4 << 20
	// MaxHops bounds the Received headers kept.
	MaxHops = 100
	// MaxLinks and MaxImages bound the links and remote images kept.
	MaxLinks  = 500
	MaxImages = 300
	// MaxCodes bounds the participation codes and tokens kept.
	MaxCodes = 50
	// MaxDKIM bounds the DKIM signatures kept and verified.
	MaxDKIM = 8
	// MaxAuthResults bounds the Authentication-Results verdicts kept.
	MaxAuthResults = 100
	// maxValue bounds any single string kept from a header or a body.
	maxValue = 2048
)

// Options configures the analysis of a message.
type Options struct {
	// LookupTXT returns the TXT records of a name. It is used to fetch DKIM
	// keys through vigie's resolver; nil leaves signatures unverified
	// (result "none"): the analysis never uses the system resolver itself.
	// An error that is a net.Error with Temporary() true is a temporary
	// failure (temperror); any other error means no key (permerror).
	LookupTXT func(ctx context.Context, name string) ([]string, error)
	// OrgDomains are the organisation's own domains (the scanned site's and
	// the policy's): hops received by their hosts are on the sender's side.
	OrgDomains []string
	// NoRedact keeps personal values (recipient names and addresses, codes,
	// tokens, unique ids) in the evidence.
	NoRedact bool
}

// Message is one raw message read from a file.
type Message struct {
	// File is the file it came from; Index its position in the file (0 for
	// an .eml).
	File  string
	Index int
	// Raw is the message as stored, header and body.
	Raw []byte
}

// ReadFile reads an .eml or mbox file and splits it into messages. A file
// larger than MaxFileBytes is an error; an mbox with more than MaxMessages
// messages returns the first ones and an error saying the rest were not read.
func ReadFile(path string) ([]Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mail file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("mail file %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("mail file %s: larger than %d MiB, not read", path, MaxFileBytes>>20)
	}
	return Split(path, data)
}

// Split splits a file's content into messages: an mbox (the file starts
// with a "From " line) gives one message per "From " separator, with
// mboxrd ">From " quoting undone; anything else is one message.
func Split(file string, data []byte) ([]Message, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(data, []byte("From ")) {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, fmt.Errorf("mail file %s: empty", file)
		}
		return []Message{{File: file, Raw: data}}, nil
	}
	var (
		out  []Message
		cur  []byte
		prev = []byte{} // the previous line; empty before the first
		in   bool
	)
	flush := func() {
		if in {
			out = append(out, Message{File: file, Index: len(out), Raw: cur})
		}
		cur, in = nil, true
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if bytes.HasPrefix(line, []byte("From ")) && len(bytes.TrimSpace(prev)) == 0 {
			if len(out) == MaxMessages {
				return out, fmt.Errorf("mail file %s: more than %d messages; the rest were not read", file, MaxMessages)
			}
			flush()
			prev = line
			continue
		}
		if q := bytes.TrimLeft(line, ">"); len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
			line = line[1:] // mboxrd: one level of quoting undone
		}
		cur = append(cur, line...)
		prev = line
	}
	flush()
	return out, nil
}

// Analyse parses one message into the evidence record id ("mail/<n>"). When
// the message cannot be parsed, the record carries the error (Error) and so
// does the returned error; the other messages are unaffected. Analyse never
// panics on any input.
func Analyse(ctx context.Context, id string, msg Message, opts Options) (m evidence.Mail, err error) {
	sum := sha256.Sum256(msg.Raw)
	m = evidence.Mail{ID: id, File: msg.File, Index: msg.Index, SHA256: hex.EncodeToString(sum[:]), FirstExternalHop: -1}
	defer func() {
		// A bug in a parser must cost one message, not the scan.
		if r := recover(); r != nil {
			m = evidence.Mail{ID: id, File: msg.File, Index: msg.Index, SHA256: m.SHA256, FirstExternalHop: -1}
			err = fmt.Errorf("%s: the message could not be analysed (internal error: %v)", where(msg), r)
			m.Error = err.Error()
		}
	}()
	a, err := analyse(ctx, id, msg, opts)
	if err != nil {
		err = fmt.Errorf("%s: %w", where(msg), err)
		m.Error = err.Error()
		return m, err
	}
	a.mail.SHA256 = m.SHA256
	return a.mail, nil
}

// where names a message for errors: the file, and its index in an mbox.
func where(msg Message) string {
	if msg.Index > 0 || strings.HasSuffix(strings.ToLower(msg.File), ".mbox") {
		return fmt.Sprintf("%s message %d", msg.File, msg.Index+1)
	}
	return msg.File
}

// analysis carries one message's state between the steps of analyse.
type analysis struct {
	mail  evidence.Mail
	opts  Options
	limit map[string]bool
	// secrets collects the personal values to redact.
	secrets secrets
	// recipientDomains are the recipient's mailbox domains (To, Delivered-To …).
	recipientDomains []string
	// headers are the message's header fields, top first.
	headers []field
	// plain and html are the decoded text/plain and text/html parts;
	// htmlText the visible text of each HTML part.
	plain, html, htmlText []string
}

// field is one header field, unfolded.
type field struct{ key, value string }

// noteLimit records a bound the message reached, once.
func (a *analysis) noteLimit(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if a.limit == nil {
		a.limit = map[string]bool{}
	}
	if !a.limit[s] {
		a.limit[s] = true
		a.mail.Limits = append(a.mail.Limits, s)
	}
}

// errNotMail is returned for input that has no header a message must have.
var errNotMail = errors.New("not a mail message: no From, Date, Received or Message-ID header")

func analyse(ctx context.Context, id string, msg Message, opts Options) (*analysis, error) {
	if len(msg.Raw) > MaxMessageBytes {
		return nil, fmt.Errorf("message larger than %d MiB, not analysed", MaxMessageBytes>>20)
	}
	if len(bytes.TrimSpace(msg.Raw)) == 0 {
		return nil, errors.New("empty message")
	}
	a := &analysis{mail: evidence.Mail{ID: id, File: msg.File, Index: msg.Index, FirstExternalHop: -1}, opts: opts}
	ent, err := readHeader(msg.Raw)
	if err != nil {
		return nil, err
	}
	a.headers = fields(ent)
	if len(a.headers) > MaxHeaderFields {
		return nil, fmt.Errorf("%d header fields, more than %d", len(a.headers), MaxHeaderFields)
	}
	if !a.has("From") && !a.has("Date") && !a.has("Received") && !a.has("Message-Id") {
		return nil, errNotMail
	}
	a.readAddresses(ent)
	a.readRoute()
	a.readAuth(ctx, msg.Raw)
	a.readBody(ent)
	a.findLinks()
	a.matchProviders()
	a.customRedirects()
	a.findIdentity()
	a.findDisplayNameDomains()
	if !opts.NoRedact {
		a.redact()
	}
	return a, nil
}

// has reports whether the header has a field named key (canonical form).
func (a *analysis) has(key string) bool {
	for _, f := range a.headers {
		if strings.EqualFold(f.key, key) {
			return true
		}
	}
	return false
}

// values returns the values of the fields named key, top first.
func (a *analysis) values(key string) []string {
	var out []string
	for _, f := range a.headers {
		if strings.EqualFold(f.key, key) {
			out = append(out, f.value)
		}
	}
	return out
}

// first returns the value of the first field named key, or "".
func (a *analysis) first(key string) string {
	for _, f := range a.headers {
		if strings.EqualFold(f.key, key) {
			return f.value
		}
	}
	return ""
}

// clip bounds a string kept in the evidence, on a UTF-8 boundary, with
// control characters (terminal escapes, NULs, line breaks) made spaces:
// what a mail says may end up on a terminal.
func clip(s string) string {
	tail := ""
	if len(s) > maxValue {
		s, tail = s[:maxValue], "…"
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsFunc(s, unicode.IsControl) {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	return s + tail
}

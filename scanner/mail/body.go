package mail

import (
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// maxTextBytes is MaxTextBytes, lowered by tests.
var maxTextBytes = MaxTextBytes

// readBody walks the MIME tree (bounded in depth, parts and decoded size)
// and keeps the decoded text/plain and text/html parts that are not
// attachments, in UTF-8. Transfer encodings (quoted-printable, base64) and
// charsets are decoded by go-message; a part it cannot decode is read as it
// is and noted in Limits.
func (a *analysis) readBody(root *message.Entity) {
	w := &walker{a: a, budget: maxTextBytes}
	w.walk(root, 0)
}

type walker struct {
	a      *analysis
	budget int
	parts  int
}

func (w *walker) walk(e *message.Entity, depth int) {
	w.parts++
	if w.parts > MaxParts {
		w.a.noteLimit("more than %d MIME parts: the rest were not analysed", MaxParts)
		return
	}
	if mr := e.MultipartReader(); mr != nil {
		if depth >= MaxMIMEDepth {
			w.a.noteLimit("MIME parts nested deeper than %d were not analysed", MaxMIMEDepth)
			return
		}
		for w.parts <= MaxParts {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				w.a.noteLimit("malformed multipart body: %s", clip(err.Error()))
				return
			}
			if err != nil {
				w.a.noteLimit("a part's charset or transfer encoding is unknown (%s): it was read undecoded", clip(err.Error()))
			}
			if p == nil {
				return
			}
			w.walk(p, depth+1)
		}
		return
	}
	mt, _, err := e.Header.ContentType()
	if err != nil || mt == "" {
		mt = "text/plain"
	}
	if disp, _, _ := e.Header.ContentDisposition(); strings.EqualFold(disp, "attachment") {
		return
	}
	if mt != "text/plain" && mt != "text/html" {
		return
	}
	if w.budget <= 0 {
		w.a.noteLimit("more than %d KiB of text: the rest was not analysed", maxTextBytes>>10)
		return
	}
	data, err := io.ReadAll(io.LimitReader(e.Body, int64(w.budget)+1))
	if err != nil {
		w.a.noteLimit("a %s part could not be fully decoded (%s): what was read is analysed", mt, clip(err.Error()))
	}
	if len(data) > w.budget {
		data = data[:w.budget]
		w.a.noteLimit("more than %d KiB of text: the rest was not analysed", maxTextBytes>>10)
	}
	w.budget -= len(data)
	text := strings.ToValidUTF8(string(data), "\uFFFD")
	if mt == "text/html" {
		w.a.html = append(w.a.html, text)
	} else {
		w.a.plain = append(w.a.plain, text)
	}
}

package batch

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigie-scan/vigie/scanner"
)

// Site is one site of a batch: the URL to scan, where the list gave it,
// and the folder its bundle goes to.
type Site struct {
	// URL is the URL as scanner.ParseTarget normalises it: the batch's key
	// for a site (--resume, --shard, duplicates).
	URL string
	// Host and Domain are the URL's host and registrable domain; sites of
	// one Domain are never scanned at the same time.
	Host, Domain string
	// Line is where the list gave it (1 for the first line).
	Line int
	// Dir is the bundle's folder under the batch's output: the host, with
	// -2, -3… for the later sites of one host (AssignDirs).
	Dir string
}

// List is a batch's list of sites, in the order given, each URL once.
type List struct {
	Sites []Site
	// Duplicates counts the lines whose URL an earlier line already gave:
	// each site is scanned once.
	Duplicates int
}

// Bounds on a list: a line longer than maxLineBytes or more than maxSites
// sites is an error, not a batch that never ends.
const (
	maxLineBytes = 64 << 10
	maxSites     = 1_000_000
	// maxListErrors is how many bad lines an error names.
	maxListErrors = 10
)

// ListError names the lines of a list that are not URLs vigie can scan.
type ListError struct {
	// Name is the list's file name ("-" for standard input).
	Name string
	// Lines holds one message a bad line, "LINE: what is wrong", the
	// first maxListErrors of them.
	Lines []string
	// More counts the bad lines not in Lines.
	More int
}

func (e *ListError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d line(s) are not URLs to scan: ", e.Name, len(e.Lines)+e.More)
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Name + ":" + l)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	return b.String()
}

// ReadList reads a batch's list from r (name says where it comes from, in
// errors): one URL a line, blank lines and lines starting with # ignored;
// or a CSV file (comma, semicolon or tab separated) whose header has a
// column named url, rows with an empty url ignored. URLs without a scheme
// get https://. A line that is not a URL vigie can scan is an error
// naming it (a *ListError): the batch does not start.
func ReadList(r io.Reader, name string) (*List, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := firstLine(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	col, comma := csvHeader(head)
	var l listBuilder
	l.name, l.seen = name, map[string]bool{}
	if col >= 0 {
		err = l.readCSV(br, comma, col)
	} else {
		err = l.readLines(br)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(l.bad.Lines) > 0 {
		return nil, &l.bad
	}
	return &l.list, nil
}

// firstLine peeks at the first line that is neither blank nor a comment,
// within the list's first 64 KiB ("" when there is none).
func firstLine(br *bufio.Reader) (string, error) {
	b, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	whole := errors.Is(err, io.EOF)
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	for len(b) > 0 {
		line, rest, found := bytes.Cut(b, []byte("\n"))
		if !found && !whole {
			break // the line goes on past what was peeked
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return string(t), nil
		}
		b = rest
	}
	return "", nil
}

// csvHeader finds the url column of a CSV header: its index and the
// separator, or -1 when line is not such a header.
func csvHeader(line string) (int, rune) {
	for _, comma := range []rune{',', ';', '\t'} {
		if !strings.ContainsRune(line, comma) && !strings.EqualFold(strings.TrimSpace(line), "url") {
			continue
		}
		rd := csv.NewReader(strings.NewReader(line))
		rd.Comma, rd.LazyQuotes = comma, true
		fields, err := rd.Read()
		if err != nil {
			continue
		}
		for i, f := range fields {
			if strings.EqualFold(strings.TrimSpace(f), "url") {
				return i, comma
			}
		}
	}
	return -1, 0
}

// listBuilder collects a list's sites and its bad lines.
type listBuilder struct {
	name string
	list List
	seen map[string]bool
	bad  ListError
}

func (l *listBuilder) readLines(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLineBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := l.add(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("a line is longer than %d bytes: not a list of URLs", maxLineBytes)
		}
		return err
	}
	return nil
}

func (l *listBuilder) readCSV(r io.Reader, comma rune, col int) error {
	rd := csv.NewReader(&limitedLines{r: bufio.NewReader(r)})
	rd.Comma, rd.Comment, rd.FieldsPerRecord, rd.LazyQuotes, rd.ReuseRecord = comma, '#', -1, true, true
	header := true
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				return fmt.Errorf("a line is longer than %d bytes: not a list of URLs", maxLineBytes)
			}
			return fmt.Errorf("CSV: %w", err)
		}
		if header {
			header = false
			continue
		}
		if col >= len(rec) {
			continue
		}
		u := strings.TrimSpace(rec[col])
		if u == "" {
			continue
		}
		if err := l.add(line, u); err != nil {
			return err
		}
	}
}

// add records the URL of line n.
func (l *listBuilder) add(n int, raw string) error {
	t, err := scanner.ParseTarget(raw)
	if err != nil {
		if len(l.bad.Lines) < maxListErrors {
			l.bad.Name = l.name
			l.bad.Lines = append(l.bad.Lines, fmt.Sprintf("%d: %v", n, err))
		} else {
			l.bad.More++
		}
		return nil
	}
	if l.seen[t.URL] {
		l.list.Duplicates++
		return nil
	}
	if len(l.list.Sites) >= maxSites {
		return fmt.Errorf("more than %d sites: split the list", maxSites)
	}
	l.seen[t.URL] = true
	l.list.Sites = append(l.list.Sites, Site{URL: t.URL, Host: t.Host, Domain: t.RegistrableDomain, Line: n})
	return nil
}

// errLineTooLong stops a CSV reader at a line longer than maxLineBytes.
var errLineTooLong = errors.New("line too long")

// limitedLines passes r through, failing on a line longer than maxLineBytes.
type limitedLines struct {
	r   *bufio.Reader
	run int // bytes since the last newline
}

func (l *limitedLines) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			l.run = 0
		} else if l.run++; l.run > maxLineBytes {
			return 0, errLineTooLong
		}
	}
	return n, err
}

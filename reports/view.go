package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// view is what the HTML and Markdown reports show, computed once from a
// Report: rows of plain strings, never markup. Each writer escapes every
// string it prints; the view decides nothing a check has not decided.
type view struct {
	L Lang
	R *Report

	Target       string
	Scanned      string
	Verdict      verdictView
	Counts       []countView
	NotCollected []string
	Incomplete   int

	Operators operatorsView
	Findings  []findingView
	Ignored   []findingView
	// Groups and IgnoredGroups gather the findings by check, so that a
	// check's explanation, legal basis and fix are said once.
	Groups        []findingGroup
	IgnoredGroups []findingGroup
	Ignores       []ignoreView
	Fixed         []findingView
	ThirdParties  thirdPartyView
	Consent       consentView
	Banner        bannerView
	Mail          mailView
	Declared      declaredView
	Survey        surveyView
	Checks        []checkView
	Errors        []evidence.Error
	Records       []recordView
	Run           []metaRow
	Stages        []stageRow

	// index maps every record ID of the evidence to its record; linked
	// collects the IDs the report links to, rendered as records.
	index  map[string]any
	linked map[string]bool
	files  map[string][]byte
	// facts are the checks' conclusions the sections show (never nil).
	facts *checks.Facts
}

// section says whether a section's evidence was collected.
type section struct {
	// Collected is false when the kind of evidence the section shows was
	// not gathered: the section then says so instead of "nothing found".
	Collected bool
	// Missing names the kind that was not collected.
	Missing string
}

type verdictView struct {
	// Class is problems, inventory or clean; Max the worst severity.
	Class    string
	Headline string
	Lines    []string
	Max      string
}

type countView struct {
	Severity string // machine name, for CSS
	Label    string
	N        int
}

// ref is a link to an evidence record: Anchor is empty when the ID is not
// a record of this report (then it is shown as text).
type ref struct {
	ID     string
	Anchor string
}

type findingView struct {
	Anchor      string
	ID          string
	Severity    string
	SevLabel    string
	Title       string
	Subject     string
	Summary     string
	Rationale   string
	Refs        []string
	Remediation string
	Evidence    []ref
	Fingerprint string
	// Baseline is new or unchanged when a baseline was given.
	Baseline string
	// Ignore is the policy entry that suppressed the finding, if any.
	Reason, Expires string
}

type ignoreView struct {
	Check, Subject, Fingerprint, Reason, Expires string
	Status, StatusLabel                          string
	Matched                                      int
}

type checkView struct {
	ID, Title, Status, StatusLabel, Severity, SevLabel, Reason string
	Findings, Ignored                                          int
}

type metaRow struct{ Label, Value string }

type recordView struct {
	ID, Anchor, Kind, JSON string
}

// maxRows bounds every table; the rest is in report.json.
const maxRows = 200

// maxText bounds a string quoted from the scanned site, a mail or a
// registry in a report.
const maxText = 500

func newView(r *Report, l Lang, files map[string][]byte) *view {
	v := &view{L: l, R: r, linked: map[string]bool{}, files: files, Target: text(targetName(r)), Scanned: formatTime(r.StartedAt), facts: r.Facts}
	if v.facts == nil {
		v.facts = &checks.Facts{}
	}
	ev := r.Evidence
	if ev == nil {
		ev = &evidence.Evidence{}
	}
	v.index = indexRecords(ev)
	v.buildSummary(ev)
	v.buildOperators(ev)
	v.buildFindings()
	v.buildThirdParties(ev)
	v.buildConsent(ev)
	v.buildBanner(ev)
	v.buildMail(ev)
	v.buildDeclared(ev)
	v.buildSurvey(ev)
	v.buildChecks()
	for _, e := range r.Errors {
		v.Errors = append(v.Errors, evidence.Error{Stage: text(e.Stage), Target: text(e.Target), Error: clip(e.Error, 4*maxText)})
	}
	v.buildRun(ev)
	v.buildRecords() // last: collects what the sections linked
	return v
}

// ref links to record id when it is a record of this report.
func (v *view) ref(id string) ref {
	if _, ok := v.index[id]; !ok || id == "" {
		return ref{ID: text(id)}
	}
	v.linked[id] = true
	return ref{ID: text(id), Anchor: anchor("ev", id)}
}

var anchorSafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// anchor makes an HTML id from a record ID: readable, with a hash suffix
// when characters had to be replaced, so that two IDs never collide.
func anchor(prefix, id string) string {
	safe := anchorSafe.ReplaceAllString(id, "-")
	if safe != id {
		sum := sha256.Sum256([]byte(id))
		safe += "-" + hex.EncodeToString(sum[:4])
	}
	if len(safe) > 120 {
		sum := sha256.Sum256([]byte(id))
		safe = safe[:100] + "-" + hex.EncodeToString(sum[:8])
	}
	return prefix + "-" + safe
}

// clip bounds a hostile string for display: valid UTF-8, no control
// characters, at most n runes.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		if hostileRune(r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > n {
		rs := []rune(s)
		s = string(rs[:n]) + "…"
	}
	return s
}

// hostileRune reports the characters a report never shows from a site, a
// mail or a registry: control characters (C0, DEL, C1), the line and
// paragraph separators, and the bidirectional embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069) that can make text read in
// another order than it is written ("Trojan Source").
func hostileRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// stripHostile removes the hostile characters from a whole rendered
// document, keeping its own line breaks and tabs: whatever string reached
// it, none of them does.
func stripHostile(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && r != '\r' && hostileRune(r) {
			return -1
		}
		return r
	}, s)
}

func text(s string) string { return clip(s, maxText) }

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ---- summary ----

// kindsShown are the kinds of evidence the report's sections show; with
// those the checks need, they are listed when not collected.
var kindsShown = []evidence.Kind{evidence.KindDNS, evidence.KindOwnership, evidence.KindBrowser, evidence.KindConsent, evidence.KindMail, evidence.KindLegal}

func (v *view) buildSummary(ev *evidence.Evidence) {
	l, r := v.L, v.R
	want := slices.Clone(kindsShown)
	for _, c := range checks.All() {
		for _, k := range c.Needs {
			if !slices.Contains(want, k) {
				want = append(want, k)
			}
		}
	}
	for _, k := range want {
		if !ev.Has(k) {
			v.NotCollected = append(v.NotCollected, l.Kind(k))
		}
	}
	for _, res := range r.Results {
		if res.Status == checks.StatusNotEvaluated || res.Status == checks.StatusError {
			v.Incomplete++
		}
	}
	counts := checks.CountBySeverity(r.Findings)
	for s := checks.Critical; s >= checks.Info; s-- {
		v.Counts = append(v.Counts, countView{Severity: s.String(), Label: l.Severity(s), N: counts[s]})
	}
	max, any := checks.MaxSeverity(r.Findings)
	switch {
	case any && max > checks.Info:
		v.Verdict = verdictView{Class: "problems", Headline: l.T("verdict.problems"), Max: max.String()}
	case any:
		v.Verdict = verdictView{Class: "inventory", Headline: l.T("verdict.inventory"), Max: max.String()}
	default:
		v.Verdict = verdictView{Class: "clean", Headline: l.T("verdict.clean")}
	}
	if r.Evidence != nil && len(r.Evidence.Incomplete) > 0 {
		reasons := r.Evidence.Incomplete
		// A scan that could not see says so first, whatever it found.
		v.Verdict.Class, v.Verdict.Headline = "incomplete", l.T("verdict.incomplete")
		for _, why := range reasons {
			v.Verdict.Lines = append(v.Verdict.Lines, text(why))
		}
	}
	if any {
		v.Verdict.Lines = append(v.Verdict.Lines, l.Tf("verdict.findings", len(r.Findings), l.Severity(max)))
	}
	if n := len(r.Ignored); n > 0 {
		v.Verdict.Lines = append(v.Verdict.Lines, l.Tf("verdict.ignored", n))
	}
	if b := r.Baseline; b != nil {
		v.Verdict.Lines = append(v.Verdict.Lines, l.Tf("verdict.baseline", text(b.File), len(b.New), len(b.Unchanged), len(b.Fixed)))
	}
	if v.Incomplete > 0 {
		v.Verdict.Lines = append(v.Verdict.Lines, l.Tf("nc.incomplete", v.Incomplete))
	}
	if n := len(r.Errors); n > 0 {
		v.Verdict.Lines = append(v.Verdict.Lines, l.Tf("verdict.errors", n))
	}
}

package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
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

// ---- findings ----

func (v *view) finding(f checks.Finding) findingView {
	fv := findingView{
		Anchor: anchor("finding", f.ID+"/"+f.Fingerprint), ID: f.ID,
		Severity: f.Severity.String(), SevLabel: v.L.Severity(f.Severity),
		Title: f.Title, Subject: text(f.Subject), Summary: clip(f.Summary, 4*maxText),
		Refs: f.References, Remediation: f.Remediation, Fingerprint: f.Fingerprint,
	}
	if c := checks.Lookup(f.ID); c != nil {
		fv.Rationale = c.Rationale
	}
	for _, id := range f.Evidence {
		fv.Evidence = append(fv.Evidence, v.ref(id))
	}
	if f.Ignore != nil {
		fv.Reason, fv.Expires = text(f.Ignore.Reason), f.Ignore.Expires
	}
	return fv
}

func (v *view) buildFindings() {
	r := v.R
	for _, f := range r.Findings {
		fv := v.finding(f)
		if r.Baseline != nil {
			fv.Baseline = "unchanged"
			if r.IsNew(f.Fingerprint) {
				fv.Baseline = "new"
			}
		}
		v.Findings = append(v.Findings, fv)
	}
	for _, f := range r.Ignored {
		v.Ignored = append(v.Ignored, v.finding(f))
	}
	for _, st := range r.Ignores {
		v.Ignores = append(v.Ignores, ignoreView{Check: st.Check, Subject: text(st.Subject), Fingerprint: st.Fingerprint,
			Reason: text(st.Reason), Expires: st.Expires, Status: st.Status, StatusLabel: v.L.T("ign." + st.Status), Matched: st.Matched})
	}
	if r.Baseline != nil {
		for _, f := range r.Baseline.Fixed {
			fv := v.finding(f)
			fv.Evidence = nil // records of the earlier report are not in this one
			v.Fixed = append(v.Fixed, fv)
		}
	}
	v.Groups, v.IgnoredGroups = groupFindings(v.Findings), groupFindings(v.Ignored)
}

// findingGroup is the findings of one check: what the check says once,
// then each finding.
type findingGroup struct {
	Anchor      string
	ID          string
	Title       string
	Severity    string // the most severe of its findings
	SevLabel    string
	Rationale   string
	Refs        []string
	Remediation string
	Items       []findingView
	// New counts the items new against the baseline.
	New int
}

// groupFindings groups findings by check, in the order of their first
// (most severe) finding.
func groupFindings(fs []findingView) []findingGroup {
	var groups []findingGroup
	at := map[string]int{}
	for _, f := range fs {
		i, ok := at[f.ID]
		if !ok {
			i = len(groups)
			at[f.ID] = i
			groups = append(groups, findingGroup{Anchor: anchor("check", f.ID), ID: f.ID, Title: f.Title, Severity: f.Severity, SevLabel: f.SevLabel,
				Rationale: f.Rationale, Refs: f.Refs, Remediation: f.Remediation})
		}
		g := &groups[i]
		g.Items = append(g.Items, f)
		if f.Baseline == "new" {
			g.New++
		}
	}
	return groups
}

func (v *view) buildChecks() {
	for _, res := range v.R.Results {
		cv := checkView{ID: res.Check, Status: string(res.Status), StatusLabel: v.L.Status(res.Status),
			Severity: res.Severity.String(), SevLabel: v.L.Severity(res.Severity), Reason: text(res.Reason),
			Findings: res.Findings, Ignored: res.Ignored}
		if c := checks.Lookup(res.Check); c != nil {
			cv.Title = c.Title
		}
		v.Checks = append(v.Checks, cv)
	}
}

// ---- organisations and hosts ----

func (v *view) org(id string) *evidence.Organisation {
	ev := v.R.Evidence
	if ev == nil || id == "" {
		return nil
	}
	for i := range ev.Organisations {
		if ev.Organisations[i].ID == id {
			return &ev.Organisations[i]
		}
	}
	return nil
}

func (v *view) host(name string) *evidence.Host {
	ev := v.R.Evidence
	if ev == nil {
		return nil
	}
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

// orgView is an organisation as the report names it.
type orgView struct {
	Ref      ref
	Name     string
	Legal    string
	Country  string
	Bloc     string
	Category string
}

func (v *view) orgView(o *evidence.Organisation) orgView {
	if o == nil {
		return orgView{}
	}
	ov := orgView{Ref: v.ref(o.ID), Name: text(o.Name), Country: o.Country, Category: strings.Join(o.Categories, ", ")}
	if j, ok := v.facts.Jurisdiction(o.ID); ok {
		ov.Bloc = j.Bloc
	}
	if o.LegalEntity != "" && o.LegalEntity != o.Name {
		ov.Legal = text(o.LegalEntity)
	}
	return ov
}

// Label is "Name (Legal entity, CC)".
func (o orgView) Label() string {
	if o.Name == "" {
		return ""
	}
	var parts []string
	if o.Legal != "" {
		parts = append(parts, o.Legal)
	}
	if o.Country != "" {
		parts = append(parts, o.Country)
	}
	if len(parts) == 0 {
		return o.Name
	}
	return o.Name + " (" + strings.Join(parts, ", ") + ")"
}

// firstParty reports whether host belongs to the organisation, as the
// checks decided it.
func (v *view) firstParty(host string) bool { return v.facts.IsFirstParty(host) }

// ---- operators ----

type operatorsView struct {
	section
	// NoSite is set for a mail-only analysis: no site was scanned.
	NoSite   bool
	Resolved bool
	Status   string
	Chain    []hostRow
	Addrs    []addrRow
	Diagram  *diagram
	Zones    []zoneView
	// Ownership is false when RDAP/whois evidence was not collected: the
	// operator columns are then empty for that reason.
	Ownership bool
}

type hostRow struct {
	Ref      ref
	Name     string
	Roles    string
	Operator orgView
	Owner    orgView
}

type addrRow struct {
	Ref      ref
	IP       string
	ASN      string
	NetRef   ref
	Network  string
	Country  string
	Operator orgView
}

type zoneView struct {
	Ref                        ref
	Domain, NS, MX, SPF, DMARC string
	CAA, DNSSEC                string
}

func (v *view) buildOperators(ev *evidence.Evidence) {
	op := &v.Operators
	op.Collected = ev.Has(evidence.KindDNS)
	op.Missing = v.L.Kind(evidence.KindDNS)
	op.Ownership = ev.Has(evidence.KindOwnership)
	op.NoSite = ev.Target.Host == ""
	for _, z := range ev.DNS.Zones {
		zv := zoneView{Ref: v.ref(z.ID), Domain: text(z.Domain), NS: text(strings.Join(z.NS, ", ")), SPF: text(z.SPF), DMARC: text(z.DMARC), DNSSEC: z.DNSSEC}
		var mx, caa []string
		for _, m := range z.MX {
			mx = append(mx, fmt.Sprintf("%d %s", m.Preference, m.Host))
		}
		for _, c := range z.CAA {
			caa = append(caa, fmt.Sprintf("%d %s %q", c.Flag, c.Tag, c.Value))
		}
		zv.MX, zv.CAA = text(strings.Join(mx, ", ")), text(strings.Join(caa, ", "))
		op.Zones = append(op.Zones, zv)
	}
	res := ev.DNS.Resolution(ev.Target.Host)
	if res == nil || op.NoSite {
		return
	}
	op.Resolved, op.Status = true, res.Status
	names := []string{res.Name}
	for _, c := range res.Chain {
		names = append(names, c.To)
	}
	for _, n := range names {
		row := hostRow{Name: text(n)}
		if h := v.host(n); h != nil {
			row.Ref, row.Roles = v.ref(h.ID), strings.Join(h.Roles, ", ")
			row.Operator, row.Owner = v.orgView(v.org(h.Operator)), v.orgView(v.org(h.DomainOwner))
		} else if r := ev.DNS.Resolution(n); r != nil {
			row.Ref = v.ref(r.ID)
		}
		op.Chain = append(op.Chain, row)
	}
	nets := map[string]*evidence.Network{}
	for i := range ev.Networks {
		nets[ev.Networks[i].ID] = &ev.Networks[i]
	}
	addrs := map[string]*evidence.Address{}
	for i := range ev.Addresses {
		addrs[ev.Addresses[i].IP] = &ev.Addresses[i]
	}
	for _, ip := range res.Addrs() {
		row := addrRow{IP: ip}
		if a := addrs[ip]; a != nil {
			row.Ref = v.ref(a.ID)
			if a.ASN != 0 {
				row.ASN = fmt.Sprintf("AS%d", a.ASN)
			}
			if n := nets[a.Network]; n != nil {
				row.NetRef = v.ref(n.ID)
				row.Network = text(netLabel(n))
				row.Country = n.Country
				row.Operator = v.orgView(v.org(n.Organisation))
			}
		}
		op.Addrs = append(op.Addrs, row)
	}
	op.Diagram = v.buildDiagram(ev, res, names, nets, addrs)
}

func netLabel(n *evidence.Network) string {
	s := n.Name
	if len(n.CIDRs) > 0 {
		if s != "" {
			s += " "
		}
		s += n.CIDRs[0]
	} else if s == "" {
		s = n.Start + "–" + n.End
	}
	return s
}

// ---- third parties ----

type thirdPartyView struct {
	section
	Rows []thirdPartyRow
	More int
}

type thirdPartyRow struct {
	Ref       ref
	Host      string
	Owner     orgView
	Country   string
	Category  string
	FirstSeen string
	Before    bool // first seen before any choice
	Requests  int
}

func (v *view) buildThirdParties(ev *evidence.Evidence) {
	tp := &v.ThirdParties
	tp.Collected, tp.Missing = ev.Has(evidence.KindBrowser) && ev.Browser != nil, v.L.Kind(evidence.KindBrowser)
	if !tp.Collected {
		return
	}
	all := v.facts.ThirdPartiesByInteraction()
	for i, t := range all {
		if i >= maxRows {
			tp.More = len(all) - maxRows
			break
		}
		row := thirdPartyRow{Host: text(t.Host), Requests: t.Requests, Before: t.BeforeConsent, FirstSeen: v.L.State(t.FirstState)}
		if t.FirstState != evidence.StateInitial && t.FirstState != evidence.StateCrawl {
			if t.FirstPhase == evidence.PhaseAfterAction {
				row.FirstSeen += ", " + v.L.T("tp.after")
			} else {
				row.FirstSeen += ", " + v.L.T("tp.before")
			}
		}
		if t.Record != "" {
			row.Ref = v.ref(t.Record)
		}
		if o := v.org(t.Owner); o != nil {
			row.Owner = v.orgView(o)
			row.Country, row.Category = o.Country, strings.Join(o.Categories, ", ")
		}
		tp.Rows = append(tp.Rows, row)
	}
}

// ---- consent ----

type consentView struct {
	section
	// OnlyInitial is set when the browser ran but not the reject and
	// accept visits.
	OnlyInitial bool
	Columns     []consentColumn
}

type consentColumn struct {
	State       string
	Label       string
	Visited     bool
	Ref         ref
	URL         string
	Error       string
	Action      string
	Screenshots []shotView
	Cookies     []cookieRow
	CookiesMore int
	Storage     []storageRow
	Hosts       []hostCount
}

type shotView struct {
	Label string
	// Data is a data: URI of the image, when the bundle's bytes were at
	// hand; Path the bundle-relative link otherwise.
	Data    string
	Path    string
	Missing string
}

type cookieRow struct {
	Ref        ref
	Name       string
	Domain     string
	Expires    string
	ThirdParty bool
	After      bool
}

type storageRow struct {
	Ref               ref
	Kind, Origin, Key string
	After             bool
}

type hostCount struct {
	Host     string
	Requests int
	After    bool
}

// screenshotPath accepts only the bundle paths vigie's browser writes.
var screenshotPath = regexp.MustCompile(`^screenshots/[A-Za-z0-9][A-Za-z0-9._/-]{0,200}\.(png|jpe?g)$`)

// maxEmbedded bounds one screenshot embedded in the HTML report.
const maxEmbedded = 8 << 20

func (v *view) shot(s evidence.Screenshot) shotView {
	sv := shotView{Label: text(s.Label)}
	p := s.Path
	if !screenshotPath.MatchString(p) || strings.Contains(p, "..") {
		sv.Missing = v.L.Tf("consent.shot-missing", text(p))
		return sv
	}
	data, ok := v.files[p]
	switch {
	case ok && len(data) <= maxEmbedded && bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		sv.Data = "data:image/png;base64," + base64Std(data)
	case ok && len(data) <= maxEmbedded && bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		sv.Data = "data:image/jpeg;base64," + base64Std(data)
	case ok || v.files == nil:
		// Too big or not an image we embed, or no bytes at hand: link it.
		sv.Path = p
	default:
		sv.Missing = v.L.Tf("consent.shot-missing", p)
	}
	return sv
}

func (v *view) buildConsent(ev *evidence.Evidence) {
	cv := &v.Consent
	cv.Collected, cv.Missing = ev.Has(evidence.KindBrowser) && ev.Browser != nil, v.L.Kind(evidence.KindBrowser)
	if !cv.Collected {
		return
	}
	cv.OnlyInitial = !ev.Has(evidence.KindConsent)
	for _, state := range []string{evidence.StateInitial, evidence.StateReject, evidence.StateAccept} {
		col := consentColumn{State: state, Label: v.L.State(state)}
		vis := ev.Browser.Visit(state)
		if vis == nil {
			cv.Columns = append(cv.Columns, col)
			continue
		}
		col.Visited, col.Ref, col.URL, col.Error = true, v.ref(vis.ID), text(vis.URL), text(vis.Error)
		switch a := vis.Action; {
		case a == nil:
			col.Action = v.L.T("consent.no-action")
		case a.Done:
			col.Action = v.L.Tf("consent.clicked", text(a.Button))
		default:
			col.Action = v.L.Tf("consent.not-done", text(a.Error))
		}
		for _, s := range vis.Screenshots {
			col.Screenshots = append(col.Screenshots, v.shot(s))
		}
		for i, c := range vis.Cookies {
			if i >= maxRows {
				col.CookiesMore = len(vis.Cookies) - maxRows
				break
			}
			row := cookieRow{Ref: v.ref(c.ID), Name: text(c.Name), Domain: text(c.Domain), After: c.Phase == evidence.PhaseAfterAction,
				ThirdParty: !v.firstParty(strings.TrimPrefix(c.Domain, "."))}
			if c.Session || c.Expires.IsZero() {
				row.Expires = v.L.T("consent.session")
			} else {
				row.Expires = c.Expires.UTC().Format("2006-01-02")
			}
			col.Cookies = append(col.Cookies, row)
		}
		for i, s := range vis.Storage {
			if i >= maxRows {
				break
			}
			col.Storage = append(col.Storage, storageRow{Ref: v.ref(s.ID), Kind: text(s.Kind), Origin: text(s.Origin), Key: text(s.Key), After: s.Phase == evidence.PhaseAfterAction})
		}
		for _, t := range v.facts.ThirdParties {
			for _, vc := range t.Visits {
				if vc.Visit == vis.ID {
					col.Hosts = append(col.Hosts, hostCount{Host: text(t.Host), Requests: vc.Requests, After: !vc.BeforeAction})
				}
			}
		}
		slices.SortFunc(col.Hosts, func(a, b hostCount) int { return strings.Compare(a.Host, b.Host) })
		if len(col.Hosts) > maxRows {
			col.Hosts = col.Hosts[:maxRows]
		}
		cv.Columns = append(cv.Columns, col)
	}
}

// ---- banner ----

type bannerView struct {
	section
	Found   bool
	Ref     ref
	Engine  string
	Text    string
	Buttons []buttonRow
	// Ratio is reject's area as a share of accept's, in percent; 0 when
	// either is missing.
	Ratio float64
	// TCF is set when the page exposes the IAB TCF API.
	TCF bool
}

type buttonRow struct {
	Role, Label, Kind, Size string
	Area                    string
	Font                    string
	Color, Background       string // validated rgb()/rgba() values, or ""
	ColorText               string
	Contrast                string
}

var cssColour = regexp.MustCompile(`^rgba?\(\s*[0-9]{1,3}(\.[0-9]+)?\s*,\s*[0-9]{1,3}(\.[0-9]+)?\s*,\s*[0-9]{1,3}(\.[0-9]+)?\s*(,\s*[0-9.]{1,5}\s*)?\)$`)

func (v *view) buildBanner(ev *evidence.Evidence) {
	bv := &v.Banner
	bv.Collected, bv.Missing = ev.Has(evidence.KindBrowser) && ev.Browser != nil, v.L.Kind(evidence.KindBrowser)
	if !bv.Collected {
		return
	}
	bv.TCF = ev.Browser.TCF
	var b *evidence.Banner
	var visitID string
	for _, state := range []string{evidence.StateInitial, evidence.StateReject, evidence.StateAccept} {
		if vis := ev.Browser.Visit(state); vis != nil && vis.Banner != nil {
			b, visitID = vis.Banner, vis.ID
			break
		}
	}
	if b == nil {
		return
	}
	bv.Found, bv.Ref, bv.Engine, bv.Text = true, v.ref(visitID), text(b.Engine), text(b.Text)
	var accept, reject float64
	for i, btn := range b.Buttons {
		if i >= 20 {
			break
		}
		area := btn.Box.W * btn.Box.H
		row := buttonRow{Role: text(btn.Role), Label: text(btn.Label), Kind: v.L.T("banner.button"),
			Size: fmt.Sprintf("%.0f × %.0f", btn.Box.W, btn.Box.H), Area: fmt.Sprintf("%.0f px²", area)}
		if btn.IsLink {
			row.Kind = v.L.T("banner.link")
		}
		if btn.FontSize > 0 {
			row.Font = fmt.Sprintf("%.0f px", btn.FontSize)
		}
		if btn.Contrast > 0 {
			row.Contrast = fmt.Sprintf("%.1f:1", btn.Contrast)
		}
		if cssColour.MatchString(btn.Color) {
			row.Color = btn.Color
		}
		if cssColour.MatchString(btn.Background) {
			row.Background = btn.Background
		}
		row.ColorText = text(strings.TrimSpace(btn.Color + " / " + btn.Background))
		switch btn.Role {
		case "accept":
			if accept == 0 {
				accept = area
			}
		case "reject":
			if reject == 0 {
				reject = area
			}
		}
		bv.Buttons = append(bv.Buttons, row)
	}
	if accept > 0 && reject > 0 {
		bv.Ratio = math.Round(100 * reject / accept)
	}
}

// ---- mail ----

type mailView struct {
	section
	Mails []mailItem
}

type mailItem struct {
	Ref                                          ref
	File, Subject, From, To, ReplyTo, ReturnPath string
	Bounce, MsgIDDomain, Date, Error             string
	Providers                                    []providerRow
	Hops                                         []hopRow
	DKIM                                         []string
	Auth                                         []string
	Clicks                                       []linkRow
	Pixels                                       []linkRow
	Codes                                        []string
	Named                                        []string
	// Limits lists the analysis bounds the message reached.
	Limits string
}

type providerRow struct {
	Org     orgView
	Entity  string
	Signals string
}

type hopRow struct {
	Ref                             ref
	N                               int
	From, By, With, IP, Time, Delay string
	// Side is whose infrastructure received the message here (sender,
	// relay, recipient), translated.
	Side          string
	Operator      orgView
	FirstExternal bool
}

type linkRow struct {
	Ref                         ref
	URL, Via, Destination, Note string
}

func addr(a evidence.MailAddr) string {
	switch {
	case a.Name != "" && a.Address != "":
		return a.Name + " <" + a.Address + ">"
	case a.Address != "":
		return a.Address
	}
	return a.Name
}

func (v *view) ipOperator(ip string) orgView {
	ev := v.R.Evidence
	if ev == nil || ip == "" {
		return orgView{}
	}
	for _, a := range ev.Addresses {
		if a.IP != ip {
			continue
		}
		for _, n := range ev.Networks {
			if n.ID == a.Network {
				return v.orgView(v.org(n.Organisation))
			}
		}
	}
	return orgView{}
}

func (v *view) buildMail(ev *evidence.Evidence) {
	mv := &v.Mail
	mv.Collected, mv.Missing = ev.Has(evidence.KindMail), v.L.Kind(evidence.KindMail)
	for i, m := range ev.Mails {
		if i >= 50 {
			break
		}
		it := mailItem{Ref: v.ref(m.ID), File: text(m.File), Subject: text(m.Subject), From: text(addr(m.From)),
			ReturnPath: text(m.ReturnPath), Bounce: text(m.BounceDomain), MsgIDDomain: text(m.MessageIDDomain),
			Date: formatTime(m.Date), Error: text(m.Error), Limits: text(strings.Join(m.Limits, ", "))}
		var to, rt []string
		for _, a := range m.To {
			to = append(to, addr(a))
		}
		for _, a := range m.ReplyTo {
			rt = append(rt, addr(a))
		}
		it.To, it.ReplyTo = text(strings.Join(to, ", ")), text(strings.Join(rt, ", "))
		for _, p := range m.Providers {
			it.Providers = append(it.Providers, providerRow{Org: v.orgView(v.org(p.Organisation)), Entity: text(p.Entity), Signals: text(strings.Join(p.Signals, "; "))})
		}
		for j, h := range m.Hops {
			if j >= 50 {
				break
			}
			hr := hopRow{Ref: v.ref(h.ID), N: j + 1, From: text(h.From), By: text(h.By), With: text(h.With), IP: text(h.IP),
				Time: formatTime(h.Time), FirstExternal: j == m.FirstExternalHop, Operator: v.ipOperator(h.IP), Side: v.L.Side(h.Side)}
			if h.Delay != 0 {
				hr.Delay = h.Delay.String()
			}
			if hr.Operator.Name == "" {
				if hh := v.host(names.Normalise(h.By)); hh != nil {
					hr.Operator = v.orgView(v.org(hh.Operator))
				}
			}
			it.Hops = append(it.Hops, hr)
		}
		for _, d := range m.DKIM {
			it.DKIM = append(it.DKIM, text(fmt.Sprintf("d=%s s=%s: %s", d.Domain, d.Selector, d.Result)))
		}
		for _, a := range m.AuthResults {
			s := a.Method + "=" + a.Result
			if a.Domain != "" {
				s += " (" + a.Domain + ")"
			}
			it.Auth = append(it.Auth, text(s))
		}
		for _, ln := range m.Links {
			if ln.Redirector != "" && len(it.Clicks) < 20 {
				it.Clicks = append(it.Clicks, linkRow{Ref: v.ref(ln.ID), URL: text(ln.URL), Via: text(ln.Redirector), Destination: text(ln.Destination)})
			}
		}
		for _, im := range m.Images {
			if im.Pixel && len(it.Pixels) < 20 {
				it.Pixels = append(it.Pixels, linkRow{Ref: v.ref(im.ID), URL: text(im.URL), Via: text(im.Host), Note: text(im.Reason)})
			}
		}
		for _, c := range m.Codes {
			it.Codes = append(it.Codes, text(fmt.Sprintf("%s (%s): %s", c.Kind, c.Where, c.Value)))
		}
		for _, s := range m.RecipientNamed {
			it.Named = append(it.Named, text(s.Text))
		}
		mv.Mails = append(mv.Mails, it)
	}
}

// ---- declared vs observed ----

type declaredView struct {
	// Legal is the legal pages' section state; Observed is always shown.
	Legal     section
	Hoster    string
	HosterRef ref
	Publisher string
	Director  string
	Mentions  []string
	Transfers []string
	Pages     []pageRow
	Observed  []observedRow
}

type pageRow struct {
	Ref                        ref
	Kind, URL, FoundBy, Status string
}

type observedRow struct {
	Org   orgView
	Roles string
	// Named says whether the legal pages name it (as the checks judged),
	// "" when they were not collected; Quote and QuoteRef cite where.
	Named    string
	Quote    string
	QuoteRef ref
}

func declared(d *evidence.DeclaredOrg) string {
	if d == nil {
		return ""
	}
	parts := []string{d.Name}
	if d.Address != "" {
		parts = append(parts, d.Address)
	}
	if pc := strings.TrimSpace(d.Postcode + " " + d.City); pc != "" {
		parts = append(parts, pc)
	}
	for _, extra := range []string{d.Phone, d.Email, d.Register, d.VATID} {
		if extra != "" {
			parts = append(parts, extra)
		}
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		s = d.Span.Text
	}
	return text(s)
}

func (v *view) buildDeclared(ev *evidence.Evidence) {
	dv := &v.Declared
	dv.Legal = section{Collected: ev.Has(evidence.KindLegal) && ev.Legal != nil, Missing: v.L.Kind(evidence.KindLegal)}
	lg := ev.Legal
	if dv.Legal.Collected {
		dv.Hoster, dv.Publisher = declared(lg.Hoster), declared(lg.Publisher)
		if lg.Hoster != nil {
			dv.HosterRef = v.ref(lg.Hoster.Span.Source)
		}
		if lg.Director != nil {
			dv.Director = text(lg.Director.Text)
		}
		seen := map[string]bool{}
		for _, m := range lg.Mentions {
			if !seen[m.Name] && len(dv.Mentions) < 50 {
				seen[m.Name] = true
				dv.Mentions = append(dv.Mentions, text(m.Name))
			}
		}
		for i, t := range lg.Transfers {
			if i >= 20 {
				break
			}
			dv.Transfers = append(dv.Transfers, text(t.Text))
		}
		for _, p := range lg.Pages {
			pr := pageRow{Ref: v.ref(p.ID), Kind: text(p.Kind), URL: text(p.URL), FoundBy: text(p.FoundBy)}
			if p.FinalURL != "" && p.FinalURL != p.URL {
				pr.URL = text(p.URL + " → " + p.FinalURL)
			}
			if p.Status != 0 {
				pr.Status = fmt.Sprint(p.Status)
			}
			if p.Error != "" {
				pr.Status = strings.TrimSpace(pr.Status + " " + text(p.Error))
			}
			dv.Pages = append(dv.Pages, pr)
		}
	}
	// Observed: the processors the checks observed, and whether the legal
	// pages name each, as legal.processor-undeclared judged it.
	for i, pr := range v.facts.Processors {
		if i >= maxRows {
			break
		}
		ov := v.orgView(v.org(pr.Organisation))
		if ov.Name == "" {
			ov = orgView{Ref: v.ref(pr.Organisation), Name: text(pr.Name)}
		}
		var roles []string
		for _, r := range pr.Roles {
			roles = append(roles, v.L.T(processorRoleKeys[r]))
		}
		row := observedRow{Org: ov, Roles: strings.Join(roles, "; ")}
		switch {
		case pr.Declared == checks.DeclaredNamed:
			row.Named = v.L.T("decl.named")
			if n := pr.NamedBy; n != nil {
				row.Quote, row.QuoteRef = text(n.Span.Text), v.ref(n.Span.Source)
			}
		case pr.Declared == checks.DeclaredNotNamed:
			row.Named = v.L.T("decl.not-named")
		case dv.Legal.Collected:
			row.Named = v.L.T("decl.unknown")
		}
		dv.Observed = append(dv.Observed, row)
	}
}

// processorRoleKeys maps a processor's roles to their labels' keys.
var processorRoleKeys = map[string]string{
	checks.RoleSiteOperator: "decl.role.site",
	checks.RoleDomainOwner:  "decl.role.domain",
	checks.RoleThirdParty:   "decl.role.third",
	checks.RoleMailRelay:    "decl.role.mail",
}

// ---- survey and access ----

type surveyView struct {
	section
	Platforms []surveyPlatform
	Forms     []surveyForm
	Access    *accessView
}

type surveyPlatform struct {
	Ref                     ref
	Name, Version, URL, Sig string
	// Outdated is set when the checks judged the version past its support;
	// Support says why.
	Outdated bool
	Support  string
}

type surveyForm struct {
	Ref                        ref
	URL, Login, Token, Captcha string
	Duplicate                  string
}

type accessView struct {
	Ref                    ref
	Proxy, Direct, Proxied string
}

func (v *view) yesNo(b bool) string {
	if b {
		return v.L.T("doc.yes")
	}
	return v.L.T("doc.no")
}

func accessLabel(a evidence.AccessLoad) string {
	var parts []string
	if a.Status != 0 {
		parts = append(parts, fmt.Sprint(a.Status))
	}
	if a.Title != "" {
		parts = append(parts, "“"+a.Title+"”")
	}
	if a.Challenge != "" {
		parts = append(parts, "challenge: "+a.Challenge)
	}
	if a.Error != "" {
		parts = append(parts, a.Error)
	}
	return text(strings.Join(parts, " — "))
}

func (v *view) buildSurvey(ev *evidence.Evidence) {
	sv := &v.Survey
	sv.Collected, sv.Missing = ev.Has(evidence.KindSurvey) && ev.Survey != nil, v.L.Kind(evidence.KindSurvey)
	if ev.Survey != nil {
		for _, p := range ev.Survey.Platforms {
			row := surveyPlatform{Ref: v.ref(p.ID), Name: text(p.Name), Version: text(p.Version), URL: text(p.URL), Sig: text(strings.Join(p.Signals, "; "))}
			if sup, ok := v.facts.Support(p.ID); ok && sup.Outdated() {
				row.Outdated, row.Support = true, text(sup.Text())
			}
			sv.Platforms = append(sv.Platforms, row)
		}
		for _, f := range ev.Survey.Forms {
			sv.Forms = append(sv.Forms, surveyForm{Ref: v.ref(f.ID), URL: text(f.URL), Login: v.yesNo(f.LoginRequired), Token: v.yesNo(f.TokenRequired), Captcha: text(f.Captcha), Duplicate: text(f.DuplicateControl)})
		}
	}
	if a := ev.Access; a != nil {
		sv.Access = &accessView{Ref: v.ref(a.ID), Proxy: text(a.Proxy), Direct: accessLabel(a.Direct), Proxied: accessLabel(a.Proxied)}
	}
}

// ---- run metadata ----

func (v *view) buildRun(ev *evidence.Evidence) {
	l, r := v.L, v.R
	add := func(key, val string) {
		if val != "" {
			v.Run = append(v.Run, metaRow{Label: l.T(key), Value: text(val)})
		}
	}
	add("run.tool", r.Tool.Name+" "+r.Tool.Version)
	add("run.started", formatTime(r.StartedAt))
	add("run.finished", formatTime(r.FinishedAt))
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		add("run.duration", r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String())
	}
	var kinds []string
	for _, k := range ev.Collected {
		kinds = append(kinds, l.Kind(k))
	}
	if len(kinds) == 0 {
		kinds = []string{l.T("doc.none")}
	}
	add("run.collected", strings.Join(kinds, ", "))
	env := ev.Environment
	add("run.resolver", env.Resolver)
	add("run.rdap", or(env.RDAPServer, l.T("run.bootstrap")))
	add("run.whois", or(env.WhoisServer, l.T("run.registries")))
	add("run.proxy", env.Proxy)
	add("run.timeout", env.Timeout)
	if b := ev.Browser; b != nil {
		add("run.browser", strings.TrimSpace(b.Product+" "+b.Version))
		add("run.headless", b.Headless)
		add("run.ua", b.UserAgent)
		add("run.locale", strings.Trim(b.Locale+" / "+b.TimeZone, " /"))
		add("run.3pc", b.ThirdPartyCookies)
		add("run.flags", strings.Join(b.Flags, " "))
	}
	if p := r.Policy; p != nil {
		add("run.org-domains", strings.Join(p.Organisation.Domains, ", "))
		add("run.allowed", strings.Join(p.Allowed.Countries, ", "))
	} else {
		add("run.policy", l.T("run.no-policy"))
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ---- evidence records ----

func (v *view) buildRecords() {
	ids := make([]string, 0, len(v.linked))
	for id := range v.linked {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rec := v.index[id]
		v.Records = append(v.Records, recordView{ID: text(id), Anchor: anchor("ev", id), Kind: text(recordKind(id)), JSON: recordJSON(rec)})
	}
}

// recordKind is the ID's prefix: dns, host, ip, net, req, cookie, mail …
func recordKind(id string) string {
	k, _, _ := strings.Cut(id, "/")
	return k
}

// maxRecord bounds one record's JSON in the HTML report.
const maxRecord = 8 << 10

func recordJSON(rec any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // html/template escapes; keep the text readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec); err != nil {
		return fmt.Sprintf("(cannot show: %v)", err)
	}
	s := strings.TrimSpace(strings.ToValidUTF8(b.String(), "\uFFFD"))
	// Inside JSON strings, show the hostile characters as escapes: the
	// evidence says they were there, and they cannot act on the page.
	var esc strings.Builder
	for _, r := range s {
		if r != '\n' && hostileRune(r) {
			fmt.Fprintf(&esc, "\\u%04x", r)
			continue
		}
		esc.WriteRune(r)
	}
	s = esc.String()
	if len(s) > maxRecord {
		cut := maxRecord
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "\n…"
	}
	return s
}

// indexRecords maps every record ID of ev to a copy of its record, nested
// lists left out (they are records of their own).
func indexRecords(ev *evidence.Evidence) map[string]any {
	idx := map[string]any{}
	put := func(id string, rec any) {
		if id != "" {
			if _, dup := idx[id]; !dup {
				idx[id] = rec
			}
		}
	}
	for _, r := range ev.DNS.Lookups {
		put(r.ID, r)
	}
	for _, r := range ev.DNS.Resolutions {
		put(r.ID, r)
	}
	for _, r := range ev.DNS.Zones {
		put(r.ID, r)
	}
	for _, r := range ev.Hosts {
		put(r.ID, r)
	}
	for _, r := range ev.Addresses {
		put(r.ID, r)
	}
	for _, r := range ev.Networks {
		put(r.ID, r)
	}
	for _, r := range ev.Registrations {
		put(r.ID, r)
	}
	for _, r := range ev.Organisations {
		put(r.ID, r)
	}
	if b := ev.Browser; b != nil {
		for _, vis := range b.Visits {
			for _, r := range vis.Requests {
				put(r.ID, r)
			}
			for _, r := range vis.Cookies {
				put(r.ID, r)
			}
			for _, r := range vis.Storage {
				put(r.ID, r)
			}
			summary := vis
			summary.Requests, summary.Cookies, summary.Storage = nil, nil, nil
			put(vis.ID, summary)
		}
		for _, r := range b.Connections {
			put(r.ID, r)
		}
	}
	for _, m := range ev.Mails {
		for _, r := range m.Hops {
			put(r.ID, r)
		}
		for _, r := range m.Links {
			put(r.ID, r)
		}
		for _, r := range m.Images {
			put(r.ID, r)
		}
		summary := m
		summary.Hops, summary.Links, summary.Images = nil, nil, nil
		put(m.ID, summary)
	}
	if lg := ev.Legal; lg != nil {
		for _, p := range lg.Pages {
			if len(p.Text) > 2000 {
				p.Text = p.Text[:2000] + "…"
			}
			put(p.ID, p)
		}
	}
	if s := ev.Survey; s != nil {
		for _, r := range s.Platforms {
			put(r.ID, r)
		}
		for _, r := range s.Forms {
			put(r.ID, r)
		}
	}
	if a := ev.Access; a != nil {
		put(a.ID, *a)
	}
	return idx
}

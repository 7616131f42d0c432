package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// This file builds the run metadata and the evidence records the report
// cites.

// ---- run metadata ----

func (v *view) buildRun(ev *evidence.Evidence) {
	l, r := v.L, v.R
	add := func(key, val string) {
		if val != "" {
			v.Run = append(v.Run, metaRow{Label: l.T(key), Value: text(val)})
		}
	}
	add("run.tool", r.Tool.Name+" "+r.Tool.Version)
	if c := r.Language; c != nil {
		add("run.lang", c.Describe(l))
	}
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
	add("run.allowed-networks", strings.Join(env.AllowedNetworks, ", "))
	add("run.timeout", env.Timeout)
	if b := ev.Browser; b != nil {
		add("run.browser", strings.TrimSpace(b.Product+" "+b.Version))
		add("run.headless", b.Headless)
		add("run.ua", b.UserAgent)
		add("run.locale", strings.Trim(b.Locale+" / "+b.TimeZone, " /"))
		add("run.3pc", b.ThirdPartyCookies)
		add("run.webrtc", b.WebRTC)
		add("run.flags", strings.Join(b.Flags, " "))
	}
	v.buildStages(ev)
	if p := r.Policy; p != nil {
		add("run.org-domains", strings.Join(p.Organisation.Domains, ", "))
		add("run.allowed", strings.Join(p.Allowed.Countries, ", "))
	} else {
		add("run.policy", l.T("run.no-policy"))
	}
}

// stageRow is one stage of the scan and where its time went.
type stageRow struct {
	Stage, Start, Duration, Status, Note string
	// Share is the stage's duration as a share of the whole scan, in
	// percent (for the bar).
	Share int
}

// buildStages lists the scan's stages in the order they started, with
// their start (from the scan's start) and duration: where the time went.
func (v *view) buildStages(ev *evidence.Evidence) {
	total := v.R.FinishedAt.Sub(v.R.StartedAt)
	for i, st := range ev.Environment.Stages {
		if i >= maxRows {
			break
		}
		row := stageRow{Stage: text(st.Stage), Duration: st.Duration.Round(time.Millisecond).String(),
			Status: text(st.Status), Note: text(st.Note)}
		if !v.R.StartedAt.IsZero() && !st.Started.IsZero() {
			row.Start = "+" + st.Started.Sub(v.R.StartedAt).Round(time.Millisecond).String()
		}
		if total > 0 {
			row.Share = int(min(100, max(0, 100*st.Duration/total)))
		}
		v.Stages = append(v.Stages, row)
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

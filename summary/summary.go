// Package summary merges the results of batch runs — one folder, or the
// folders of several shards — into one overview of many sites:
// summary.csv, summary.json and summary.html, one row per site (status,
// verdict, worst severity, operator and country, trackers before consent,
// reject respected, link to its report) under totals (top third parties,
// operators by country, share of sites with trackers before consent).
//
// It reads only the batches' results.jsonl files (package batch's
// records), never the bundles, so that thousands of sites merge in
// moments; it presents, and decides nothing the records do not say.
package summary

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vigie-scan/vigie/batch"
	"github.com/vigie-scan/vigie/checks"
)

// Schema identifies summary.json's format.
const Schema = "vigie.summary/v1"

// Summary is the overview of the sites of one or more batch folders.
type Summary struct {
	Schema string `json:"schema"`
	// GeneratedAt is when the summary was made.
	GeneratedAt time.Time `json:"generated_at"`
	// Sources lists the batch folders merged, as given.
	Sources []string `json:"sources"`
	Totals  Totals   `json:"totals"`
	// Sites has one row per site, sorted by URL.
	Sites []Row `json:"sites"`
}

// Row is one site.
type Row struct {
	URL      string `json:"url"`
	FinalURL string `json:"final_url,omitempty"`
	Host     string `json:"host"`
	// Status is the batch's: done, incomplete, timeout or failed.
	Status string `json:"status"`
	// Verdict is pass or fail against the batch's --fail-on; empty when
	// no report was written.
	Verdict string `json:"verdict,omitempty"`
	// Worst is the highest severity among the findings.
	Worst    string         `json:"worst_severity,omitempty"`
	Findings map[string]int `json:"findings"`
	// FindingIDs lists the checks that found something, sorted.
	FindingIDs []string `json:"finding_ids"`
	Operator   string   `json:"operator,omitempty"`
	Country    string   `json:"country,omitempty"`
	// TrackersBeforeConsent and RejectRespected are yes, no or unknown.
	TrackersBeforeConsent string   `json:"trackers_before_consent"`
	RejectRespected       string   `json:"reject_respected"`
	ThirdParties          []string `json:"third_parties,omitempty"`
	// Report links the site's report, relative to the summary's folder;
	// empty when no report was written.
	Report string `json:"report,omitempty"`
	// Error says why a site failed; Incomplete why its scan is incomplete.
	Error      string   `json:"error,omitempty"`
	Incomplete []string `json:"incomplete,omitempty"`
	DurationMS int64    `json:"duration_ms"`

	// bundle is the report's path as found (source folder joined with
	// the record's path), for Write to make Report relative to.
	bundle string
	// started orders two records of one URL: the later wins.
	started time.Time
}

// Totals sum up the sites.
type Totals struct {
	Sites int `json:"sites"`
	// ByStatus, ByVerdict and ByWorst count the sites by status, verdict
	// and worst severity ("none" for no finding).
	ByStatus  map[string]int `json:"by_status"`
	ByVerdict map[string]int `json:"by_verdict"`
	ByWorst   map[string]int `json:"by_worst_severity"`
	// TrackersBeforeConsent and RejectRespected count the answers.
	TrackersBeforeConsent Answers `json:"trackers_before_consent"`
	RejectRespected       Answers `json:"reject_respected"`
	// TopThirdParties are the third parties contacted by the most sites.
	TopThirdParties []Count `json:"top_third_parties"`
	// OperatorsByCountry groups the sites' operators by country, the
	// countries with the most sites first.
	OperatorsByCountry []Country `json:"operators_by_country"`
}

// Answers counts a yes/no/unknown question over the sites.
type Answers struct {
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Unknown int `json:"unknown"`
	// Share is Yes ÷ (Yes + No): among the sites where it could be told;
	// 0 when none could.
	Share float64 `json:"share"`
}

// Count is a name and how many sites.
type Count struct {
	Name  string `json:"name"`
	Sites int    `json:"sites"`
}

// Country is a country's operators and how many sites each operates.
type Country struct {
	Country   string  `json:"country"`
	Sites     int     `json:"sites"`
	Operators []Count `json:"operators"`
}

// maxTopThirdParties is how many third parties the totals name.
const maxTopThirdParties = 20

// Load reads the results.jsonl of each batch folder and merges them: one
// row per URL (a URL in several folders keeps its latest record), sorted
// by URL. A folder without results.jsonl is an error: it is not a batch's.
// now is the summary's time.
func Load(dirs []string, now time.Time) (*Summary, error) {
	if len(dirs) == 0 {
		return nil, errors.New("summary: no batch folder given")
	}
	rows := map[string]Row{}
	for _, dir := range dirs {
		path := filepath.Join(dir, batch.ResultsFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("summary: %s has no %s: not a batch's output folder", dir, batch.ResultsFile)
		}
		recs, err := batch.ReadResults(path)
		if err != nil {
			return nil, fmt.Errorf("summary: %w", err)
		}
		for _, rec := range recs {
			r := rowOf(dir, rec)
			if old, ok := rows[r.URL]; ok && old.started.After(r.started) {
				continue
			}
			rows[r.URL] = r
		}
	}
	s := &Summary{Schema: Schema, GeneratedAt: now.UTC(), Sources: slices.Clone(dirs), Sites: []Row{}}
	for _, r := range rows {
		s.Sites = append(s.Sites, r)
	}
	slices.SortFunc(s.Sites, func(a, b Row) int { return cmp.Compare(a.URL, b.URL) })
	s.Totals = totals(s.Sites)
	return s, nil
}

// rowOf makes a record of folder dir a row, its text stripped of control
// characters and clipped: it came from sites and registries.
func rowOf(dir string, rec batch.Record) Row {
	r := Row{URL: rec.URL, FinalURL: rec.FinalURL, Host: rec.Host, Status: rec.Status, Verdict: rec.Verdict, Worst: rec.Worst,
		Findings: rec.Findings, FindingIDs: rec.FindingIDs, Operator: rec.Operator, Country: rec.Country,
		TrackersBeforeConsent: orUnknown(rec.TrackersBeforeConsent), RejectRespected: orUnknown(rec.RejectRespected),
		ThirdParties: rec.ThirdParties, Error: rec.Error, DurationMS: rec.DurationMS, started: rec.Started}
	for _, f := range []*string{&r.URL, &r.FinalURL, &r.Host, &r.Status, &r.Verdict, &r.Worst, &r.Operator, &r.Country, &r.Error} {
		*f = clip(*f)
	}
	r.ThirdParties = slices.Clone(rec.ThirdParties)
	for i := range r.ThirdParties {
		r.ThirdParties[i] = clip(r.ThirdParties[i])
	}
	for _, why := range rec.Incomplete {
		r.Incomplete = append(r.Incomplete, clip(why))
	}
	if r.Findings == nil {
		r.Findings = map[string]int{}
	}
	if r.FindingIDs == nil {
		r.FindingIDs = []string{}
	}
	if rec.Report != "" && filepath.IsLocal(filepath.FromSlash(rec.Report)) {
		r.bundle = filepath.Join(dir, filepath.FromSlash(rec.Report))
	}
	return r
}

// Why is the row's error, or the first reason its scan is incomplete.
func (r Row) Why() string {
	if r.Error != "" || len(r.Incomplete) == 0 {
		return r.Error
	}
	return r.Incomplete[0]
}

// orUnknown is yes, no, or unknown for anything else.
func orUnknown(s string) string {
	if s == batch.Yes || s == batch.No {
		return s
	}
	return batch.Unknown
}

// totals sums rows up.
func totals(rows []Row) Totals {
	t := Totals{Sites: len(rows), ByStatus: map[string]int{}, ByVerdict: map[string]int{}, ByWorst: map[string]int{}}
	third := map[string]int{}
	countries := map[string]map[string]int{}
	for _, r := range rows {
		t.ByStatus[r.Status]++
		if r.Verdict != "" {
			t.ByVerdict[r.Verdict]++
			t.ByWorst[cmp.Or(r.Worst, "none")]++
		}
		count(&t.TrackersBeforeConsent, r.TrackersBeforeConsent)
		count(&t.RejectRespected, r.RejectRespected)
		for _, p := range r.ThirdParties {
			third[p]++
		}
		if r.Operator != "" {
			c := cmp.Or(r.Country, "?")
			if countries[c] == nil {
				countries[c] = map[string]int{}
			}
			countries[c][r.Operator]++
		}
	}
	t.TopThirdParties = ranked(third)
	if len(t.TopThirdParties) > maxTopThirdParties {
		t.TopThirdParties = t.TopThirdParties[:maxTopThirdParties]
	}
	t.OperatorsByCountry = []Country{}
	for c, ops := range countries {
		country := Country{Country: c, Operators: ranked(ops)}
		for _, n := range ops {
			country.Sites += n
		}
		t.OperatorsByCountry = append(t.OperatorsByCountry, country)
	}
	slices.SortFunc(t.OperatorsByCountry, func(a, b Country) int {
		return cmp.Or(cmp.Compare(b.Sites, a.Sites), cmp.Compare(a.Country, b.Country))
	})
	return t
}

func count(a *Answers, v string) {
	switch v {
	case batch.Yes:
		a.Yes++
	case batch.No:
		a.No++
	default:
		a.Unknown++
	}
	if a.Yes+a.No > 0 {
		a.Share = float64(a.Yes) / float64(a.Yes+a.No)
	}
}

// ranked lists m's names, the most sites first, then by name.
func ranked(m map[string]int) []Count {
	out := []Count{}
	for n, c := range m {
		out = append(out, Count{Name: n, Sites: c})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Sites, a.Sites), cmp.Compare(a.Name, b.Name)) })
	return out
}

// severityOrder lists the severity names, most severe first.
func severityOrder() []string {
	var out []string
	for s := checks.Critical; s >= checks.Info; s-- {
		out = append(out, s.String())
	}
	return out
}

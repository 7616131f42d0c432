package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// This file judges whether a recognised survey platform's version is still
// supported. The evidence keeps the platform and the version it exposes (a
// fact); the support table is vigie's knowledge, kept here so that
// re-checking saved evidence applies today's table and today's date.

// VersionTableDate is the date the version table below was written. A line
// with an end-of-support date is judged against the run's date; one without
// keeps the status it had on this date. A version newer than every line of
// the table is not judged.
const VersionTableDate = "2026-11-21"

// Support statuses of a version line.
const (
	Supported = "supported"
	Outdated  = "outdated"
)

// versionLine is one version line of a platform and its support status.
type versionLine struct {
	// Platform is the signature key (limesurvey, decidim).
	Platform string
	// Line is the version line: a major version for LimeSurvey ("3"), a
	// minor one for Decidim ("0.27").
	Line string
	// Status is Supported or Outdated as of VersionTableDate.
	Status string
	// EndOfSupport is the date security fixes ended (or are announced to
	// end), when known.
	EndOfSupport string
	// Source says where the facts come from, and how sure they are.
	Source string
}

// versionTable is the support status of the version lines of the platforms
// that publish a support policy. Written on VersionTableDate; update it when
// a line's support ends or a new line is released.
//
// LimeSurvey. Policy (manual.limesurvey.org/LimeSurvey_roadmap, as
// summarised by endoflife.date, products/limesurvey.md): each major version
// gets at least two years of normal support from its first release, then at
// least one more year of security-only fixes; within a major version only the
// latest minor release is supported. Dates below are endoflife.date's
// (revision of 2026-08, "Security Support" column), which could not be
// checked against the roadmap page itself:
//   - 1.x, 2.x (including the 2.06 LTS sold to paying customers only): long
//     unsupported.
//   - 3.x (former LTS): extended support prolonged to 2023-07-31 (LimeSurvey
//     Cloud customers to 2023-09-30).
//   - 4.x: replaced by 5.0 on 2021-05-26; no LTS.
//   - 5.x: security support ended 2024-06-25 (last release 5.6.68+240625).
//   - 6.x: released 2023-04-05; security support ended 2026-08-31 per the
//     2026-08 revision (an earlier revision said 2026-04-30). Single
//     source — the least certain line of this table.
//   - 7.x: released 2026-05-26; security support to 2029-05-26 per the same
//     source. Third-party repositories confirm 7.0.x (June 2026) and 7.1.x
//     (September 2026) releases.
//
// Decidim. Policy (SECURITY.md of github.com/decidim/decidim): "Until we
// have the version 1.0 we support only the last three minor versions with
// security updates" (an older copy of the file said two). Releases (rubygems
// decidim): 0.29.0 2024-09-10, 0.30.0 2025-04-29, 0.31.0 2025-11-20; 0.32.x
// is in use by 2026-09 (0.32.1 named by third-party repositories; its
// release date was not checked). So the supported minors are taken to be
// 0.30, 0.31 and 0.32; if 0.33 has been released since, 0.30 is outdated too
// and this table is out of date.
var versionTable = []versionLine{
	{Platform: "limesurvey", Line: "1", Status: Outdated, EndOfSupport: "", Source: "long unsupported (PHPSurveyor / LimeSurvey 1.x)"},
	{Platform: "limesurvey", Line: "2", Status: Outdated, EndOfSupport: "", Source: "community support long ended; 2.06 LTS for paying customers only"},
	{Platform: "limesurvey", Line: "3", Status: Outdated, EndOfSupport: "2023-07-31", Source: "endoflife.date/limesurvey (LimeSurvey roadmap)"},
	{Platform: "limesurvey", Line: "4", Status: Outdated, EndOfSupport: "2021-05-26", Source: "endoflife.date/limesurvey: superseded by 5.0, no LTS"},
	{Platform: "limesurvey", Line: "5", Status: Outdated, EndOfSupport: "2024-06-25", Source: "endoflife.date/limesurvey (LimeSurvey roadmap)"},
	{Platform: "limesurvey", Line: "6", Status: Outdated, EndOfSupport: "2026-08-31", Source: "endoflife.date/limesurvey, 2026-08 revision (single source; earlier revision: 2026-04-30)"},
	{Platform: "limesurvey", Line: "7", Status: Supported, EndOfSupport: "2029-05-26", Source: "endoflife.date/limesurvey, 2026-08 revision"},
	{Platform: "decidim", Line: "0.30", Status: Supported, Source: "decidim SECURITY.md: last three minor versions"},
	{Platform: "decidim", Line: "0.31", Status: Supported, Source: "decidim SECURITY.md: last three minor versions"},
	{Platform: "decidim", Line: "0.32", Status: Supported, Source: "decidim SECURITY.md: last three minor versions"},
}

// decidimOldestSupported is the oldest Decidim minor version supported as of
// VersionTableDate: every 0.x below it is outdated.
const decidimOldestSupported = 30

// supportLine returns the support line of a platform's version and whether the
// table has one. A generation such as "2.x" is judged by its line. Versions
// newer than the table knows, and platforms without a published policy,
// have none.
func supportLine(platform, version string) (versionLine, bool) {
	major, minor, ok := parseVersion(version)
	if !ok {
		return versionLine{}, false
	}
	switch platform {
	case "limesurvey":
		line := strconv.Itoa(major)
		for _, l := range versionTable {
			if l.Platform == platform && l.Line == line {
				return l, true
			}
		}
	case "decidim":
		if minor < 0 {
			return versionLine{}, false
		}
		line := fmt.Sprintf("%d.%d", major, minor)
		for _, l := range versionTable {
			if l.Platform == platform && l.Line == line {
				return l, true
			}
		}
		if major == 0 && minor < decidimOldestSupported {
			return versionLine{Platform: platform, Line: line, Status: Outdated,
				Source: "decidim SECURITY.md: only the last three minor versions (0.30–0.32) get security updates"}, true
		}
	}
	return versionLine{}, false
}

// parseVersion reads the major and minor numbers of "3.28.64+230705",
// "0.27", "2.x" or "6"; minor is -1 when absent.
func parseVersion(v string) (major, minor int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(strings.ToLower(v)), "v")
	if i := strings.IndexAny(v, "+-"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) == 0 || len(parts[0]) == 0 || len(parts[0]) > 4 {
		return 0, 0, false
	}
	major, err := strconv.Atoi(parts[0])
	if err != nil || major < 0 {
		return 0, 0, false
	}
	minor = -1
	if len(parts) > 1 && parts[1] != "x" && len(parts[1]) <= 4 {
		if m, err := strconv.Atoi(parts[1]); err == nil && m >= 0 {
			minor = m
		}
	}
	return major, minor, true
}

// PlatformSupport is vigie's judgment of a recognised platform's version.
type PlatformSupport struct {
	// Platform is the ID of the platform record (survey/platform/<key>).
	Platform string `json:"platform"`
	// Line is the version line judged: a major version for LimeSurvey
	// ("3"), a minor one for Decidim ("0.27").
	Line string `json:"line"`
	// Status is supported or outdated, as of AsOf.
	Status string `json:"status"`
	// AsOf is the date the status holds at: the run's date when the line's
	// end of support decides, else the date of vigie's table.
	AsOf string `json:"as_of"`
	// EndOfSupport is the date security fixes end or ended, when known.
	EndOfSupport string `json:"end_of_support,omitempty"`
	// Source says where the facts come from, and how sure they are.
	Source string `json:"source,omitempty"`
}

// Outdated reports whether the version is past its support.
func (s PlatformSupport) Outdated() bool { return s.Status == Outdated }

// JudgeSupport judges a platform's version at time now; false when the
// table does not cover it (no version exposed, a platform without a
// published policy, a version newer than the table).
func JudgeSupport(pl evidence.Platform, now time.Time) (PlatformSupport, bool) {
	key := strings.TrimPrefix(pl.ID, "survey/platform/")
	l, ok := supportLine(key, pl.Version)
	if !ok {
		return PlatformSupport{}, false
	}
	s := PlatformSupport{Platform: pl.ID, Line: l.Line, Status: l.Status, AsOf: VersionTableDate, EndOfSupport: l.EndOfSupport, Source: l.Source}
	if end, err := time.Parse(time.DateOnly, l.EndOfSupport); err == nil && !now.IsZero() {
		s.AsOf = now.UTC().Format(time.DateOnly)
		s.Status = Supported
		if !now.Before(end) {
			s.Status = Outdated
		}
	}
	return s, true
}

// Text explains the judgment for a finding's summary.
func (s PlatformSupport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "version line %s: %s as of %s", s.Line, s.Status, s.AsOf)
	if s.EndOfSupport != "" {
		if s.Outdated() {
			fmt.Fprintf(&b, " (support ended %s)", s.EndOfSupport)
		} else {
			fmt.Fprintf(&b, " (support until %s)", s.EndOfSupport)
		}
	}
	if s.Source != "" {
		fmt.Fprintf(&b, "; source: %s", s.Source)
	}
	return b.String()
}

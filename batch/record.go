package batch

import (
	"slices"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/reports"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// The checks whose results the summary shows for each site.
const (
	checkTrackerBeforeConsent = "consent.tracker-before-consent"
	checkRejectNotRespected   = "consent.reject-not-respected"
)

// maxThirdParties bounds Record.ThirdParties.
const maxThirdParties = 100

// FailOn is the --fail-on threshold: a site fails when a finding is at or
// above Severity; with Never, no site fails.
type FailOn struct {
	Severity checks.Severity
	Never    bool
}

// fill completes rec from the site's report: verdict, findings, operator,
// consent answers and third parties.
func (rec *Record) fill(rep *reports.Report, failOn FailOn, orgDomains []string) {
	ev := rep.Evidence
	rec.Findings = map[string]int{}
	var ids []string
	for _, f := range rep.Findings {
		rec.Findings[f.Severity.String()]++
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	rec.FindingIDs = slices.Compact(ids)
	if rec.FindingIDs == nil {
		rec.FindingIDs = []string{}
	}
	rec.Verdict = VerdictPass
	if worst, any := checks.MaxSeverity(rep.Findings); any {
		rec.Worst = worst.String()
		if !failOn.Never && worst >= failOn.Severity {
			rec.Verdict = VerdictFail
		}
	}
	if ev == nil {
		return
	}
	rec.Incomplete = slices.Clone(ev.Incomplete)
	if ev.Browser != nil {
		if v := ev.Browser.Visit(evidence.StateInitial); v != nil {
			rec.FinalURL = v.FinalURL
		}
	}
	rec.Operator, rec.Country = operator(ev)
	rec.TrackersBeforeConsent, rec.RejectRespected = Unknown, Unknown
	for _, r := range rep.Results {
		switch {
		case r.Check == checkTrackerBeforeConsent && r.Status == checks.StatusFail:
			rec.TrackersBeforeConsent = Yes
		case r.Check == checkTrackerBeforeConsent && r.Status == checks.StatusPass:
			rec.TrackersBeforeConsent = No
		case r.Check == checkRejectNotRespected && r.Status == checks.StatusFail:
			rec.RejectRespected = No
		case r.Check == checkRejectNotRespected && r.Status == checks.StatusPass:
			rec.RejectRespected = Yes
		}
	}
	rec.ThirdParties = thirdParties(ev, orgDomains)
}

// operator returns the organisation operating the addresses at the end of
// the site's CNAME chain (the host the target redirected to, if it did),
// and its country (the network's when the organisation has none).
func operator(ev *evidence.Evidence) (string, string) {
	res := ev.DNS.Resolution(ev.Target.SiteHost())
	if res == nil {
		return "", ""
	}
	canonical := res.Canonical
	if canonical == "" {
		canonical = res.Name
	}
	for _, h := range ev.Hosts {
		if h.Name != canonical || h.Operator == "" {
			continue
		}
		for _, o := range ev.Organisations {
			if o.ID == h.Operator {
				return o.Name, o.Country
			}
		}
	}
	return "", ""
}

// thirdParties lists who the pages contacted outside the organisation:
// each host's domain owner (or operator) by name, else its registrable
// domain; sorted, each once.
func thirdParties(ev *evidence.Evidence, orgDomains []string) []string {
	first := append([]string{ev.Target.RegistrableDomain}, orgDomains...)
	orgs := map[string]string{}
	for _, o := range ev.Organisations {
		orgs[o.ID] = o.Name
	}
	var out []string
	for _, h := range ev.Hosts {
		if !slices.Contains(h.Roles, evidence.RoleThirdParty) || names.InDomains(h.Name, first) {
			continue
		}
		name := orgs[h.DomainOwner]
		if name == "" {
			name = orgs[h.Operator]
		}
		if name == "" {
			name = h.RegistrableDomain
		}
		if name == "" {
			name = h.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > maxThirdParties {
		out = out[:maxThirdParties]
	}
	return out
}

// Fails reports whether rec has a finding at or above the threshold,
// from its counts by severity: a record written under another --fail-on
// is judged by this one.
func (f FailOn) Fails(rec Record) bool {
	if f.Never {
		return false
	}
	for name, n := range rec.Findings {
		if sev, err := checks.ParseSeverity(name); err == nil && n > 0 && sev >= f.Severity {
			return true
		}
	}
	return false
}

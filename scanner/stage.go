package scanner

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// Artifact is a raw file the scan kept for the bundle (an RDAP answer, a
// screenshot), with a bundle-relative path.
type Artifact struct {
	Path string
	Data []byte
}

// Result is a scan's outcome.
type Result struct {
	Evidence  *evidence.Evidence
	Artifacts []Artifact
	Started   time.Time
	Finished  time.Time
}

// TargetUnreachable reports whether the scan could not reach the target at
// all (its name does not resolve).
func (r *Result) TargetUnreachable() bool {
	return !reachable(r.Evidence)
}

// Incomplete reports whether the scan did not see what it set out to see
// (Evidence.Incomplete says why): the CLI exits with its own code, which
// no --fail-on threshold turns into a pass.
func (r *Result) Incomplete() bool { return len(r.Evidence.Incomplete) > 0 }

// reachable reports whether the target can be visited: it is an IP
// address, or its name resolved.
func reachable(ev *evidence.Evidence) bool {
	if ev.Target.Host == "" {
		return false
	}
	if net.ParseIP(strings.Trim(ev.Target.Host, "[]")) != nil {
		return true
	}
	res := ev.DNS.Resolution(ev.Target.Host)
	return res != nil && res.Status == evidence.ResolvedOK
}

// stageResult is what one stage returns: its part of the evidence, the
// kinds of evidence it collected, its errors, the hosts it met (with the
// roles they played) and the files it keeps for the bundle. Stages never
// write into shared state; Scan merges each result once (Result.merge).
type stageResult struct {
	// collected lists the kinds of evidence the stage gathered.
	collected []evidence.Kind
	// errors lists what the stage could not do.
	errors []evidence.Error
	// incomplete says why the stage leaves the scan blind, one reason a
	// sentence (the target page never loaded …); most stages have none.
	incomplete []string
	// hosts are the host names the stage met, with their roles.
	hosts []evidence.Host
	// dns holds the resolutions and zones the stage looked up.
	dns evidence.DNS
	// artifacts are the stage's files for the bundle.
	artifacts []Artifact

	// The parts of the evidence a stage owns; at most one stage sets each.
	browser   *evidence.Browser
	legal     *evidence.Legal
	survey    *evidence.Survey
	access    *evidence.Access
	mails     []evidence.Mail
	ownership *ownership
	// landed is the host the target redirected the browser to
	// (evidence.Target.Landed).
	landed string

	// skipped says why the stage had nothing to do; note sums up what it did.
	skipped, note string
	// run is the stage's timing, set by scan.stage.
	run *evidence.StageRun
	// progress reports the stage's errors as they are added.
	progress func(stage, message string)
}

// ownership is what the ownership stage attributes: addresses, networks,
// registrations, the organisations behind them, and each host's operator
// and domain owner.
type ownership struct {
	addresses     []evidence.Address
	networks      []evidence.Network
	registrations []evidence.Registration
	organisations []evidence.Organisation
}

// fail records that the stage could not do something.
func (r *stageResult) fail(stage, target string, err error) {
	r.errors = append(r.errors, evidence.Error{Stage: stage, Target: target, Error: err.Error()})
	if r.progress != nil {
		r.progress(stage, "error: "+err.Error())
	}
}

// addHost records that the stage met host name in the given role, in the
// record seenIn.
func (r *stageResult) addHost(name, role, seenIn string) {
	name = names.Normalise(name)
	if name == "" {
		return
	}
	h := evidence.Host{ID: "host/" + name, Name: name, Roles: []string{role}}
	if rd, err := names.RegistrableDomain(name); err == nil {
		h.RegistrableDomain = rd
	}
	if seenIn != "" {
		h.SeenIn = []string{seenIn}
	}
	r.hosts = mergeHosts(r.hosts, []evidence.Host{h})
}

// merge adds more (a sub-step's result) to r.
func (r *stageResult) merge(more stageResult) {
	r.collected = append(r.collected, more.collected...)
	r.errors = append(r.errors, more.errors...)
	r.incomplete = append(r.incomplete, more.incomplete...)
	r.hosts = mergeHosts(r.hosts, more.hosts)
	r.dns = mergeDNS(r.dns, more.dns)
	r.artifacts = append(r.artifacts, more.artifacts...)
}

// stage runs one stage with progress lines at its start and end, and
// records its timing and outcome in the result it returns. Stages report
// progress through r.progress (the scan's, safe from any goroutine).
func (s *scan) stage(ctx context.Context, name string, f func(ctx context.Context) stageResult) stageResult {
	start := s.now()
	s.progress(name, "started")
	r := f(ctx)
	run := evidence.StageRun{Stage: name, Started: start.UTC(), Duration: s.now().Sub(start), Note: r.note}
	switch {
	case r.skipped != "":
		run.Status, run.Note = evidence.StageSkipped, r.skipped
	case len(r.errors) > 0 && len(r.collected) == 0:
		run.Status = evidence.StageFailed
	case len(r.errors) > 0:
		run.Status = evidence.StagePartial
	default:
		run.Status = evidence.StageOK
	}
	r.run = &run
	msg := fmt.Sprintf("%s in %s", run.Status, run.Duration.Round(time.Millisecond))
	if run.Note != "" {
		msg += ": " + run.Note
	}
	s.progress(name, msg)
	return r
}

// newStage returns an empty result whose errors are reported as progress.
func (s *scan) newStage() stageResult { return stageResult{progress: s.progress} }

// merge adds a stage's result to the scan's evidence. It is called once per
// stage, from Scan's goroutine, after the stage ended.
func (res *Result) merge(r stageResult) {
	ev := res.Evidence
	if r.run != nil {
		ev.Environment.Stages = append(ev.Environment.Stages, *r.run)
	}
	ev.Collected = append(ev.Collected, r.collected...)
	ev.Errors = append(ev.Errors, r.errors...)
	ev.Incomplete = append(ev.Incomplete, r.incomplete...)
	ev.DNS = mergeDNS(ev.DNS, r.dns)
	ev.Hosts = mergeHosts(ev.Hosts, r.hosts)
	res.Artifacts = append(res.Artifacts, r.artifacts...)
	if r.browser != nil {
		ev.Browser = r.browser
	}
	if r.landed != "" {
		ev.Target.Landed = r.landed
	}
	if r.legal != nil {
		ev.Legal = r.legal
	}
	if r.survey != nil {
		ev.Survey = r.survey
	}
	if r.access != nil {
		ev.Access = r.access
	}
	ev.Mails = append(ev.Mails, r.mails...)
	if o := r.ownership; o != nil {
		ev.Addresses = append(ev.Addresses, o.addresses...)
		ev.Networks = append(ev.Networks, o.networks...)
		ev.Registrations = append(ev.Registrations, o.registrations...)
		ev.Organisations = append(ev.Organisations, o.organisations...)
	}
}

// addError records an error of the scan itself (not of a stage).
func (res *Result) addError(stage, target string, err error) {
	res.Evidence.Errors = append(res.Evidence.Errors, evidence.Error{Stage: stage, Target: target, Error: err.Error()})
}

// mergeHosts adds the hosts of more to hosts, uniting the roles and
// sightings of a host listed in both (and keeping the first operator and
// domain owner known), sorted by ID.
func mergeHosts(hosts, more []evidence.Host) []evidence.Host {
	if len(more) == 0 {
		return hosts
	}
	idx := map[string]int{}
	out := slices.Clone(hosts)
	for i, h := range out {
		idx[h.Name] = i
	}
	for _, h := range more {
		i, ok := idx[h.Name]
		if !ok {
			idx[h.Name] = len(out)
			h.Roles, h.SeenIn = slices.Clone(h.Roles), slices.Clone(h.SeenIn)
			out = append(out, h)
			continue
		}
		o := &out[i]
		for _, r := range h.Roles {
			if !slices.Contains(o.Roles, r) {
				o.Roles = append(o.Roles, r)
			}
		}
		for _, s := range h.SeenIn {
			if !slices.Contains(o.SeenIn, s) {
				o.SeenIn = append(o.SeenIn, s)
			}
		}
		o.Resolution = orElse(o.Resolution, h.Resolution)
		o.Operator = orElse(o.Operator, h.Operator)
		o.DomainOwner = orElse(o.DomainOwner, h.DomainOwner)
		if len(o.ByURL) == 0 {
			o.ByURL = h.ByURL
		}
		if o.RegistrableDomain == "" {
			o.RegistrableDomain = h.RegistrableDomain
		}
	}
	for i := range out {
		slices.Sort(out[i].Roles)
		slices.Sort(out[i].SeenIn)
	}
	slices.SortFunc(out, func(a, b evidence.Host) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// orElse returns a unless it is empty, else b.
func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mergeDNS adds the resolutions and zones of more to d, once each (by ID),
// sorted by ID. Lookups are the resolver's log, set once at the end.
func mergeDNS(d, more evidence.DNS) evidence.DNS {
	for _, r := range more.Resolutions {
		if d.Resolution(r.Name) == nil {
			d.Resolutions = append(d.Resolutions, r)
		}
	}
	for _, z := range more.Zones {
		if !slices.ContainsFunc(d.Zones, func(o evidence.Zone) bool { return o.ID == z.ID }) {
			d.Zones = append(d.Zones, z)
		}
	}
	slices.SortFunc(d.Resolutions, func(a, b evidence.Resolution) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Zones, func(a, b evidence.Zone) int { return strings.Compare(a.ID, b.ID) })
	return d
}

// linkResolutions points every host at its name's resolution, when one
// was made.
func linkResolutions(ev *evidence.Evidence) {
	for i := range ev.Hosts {
		if r := ev.DNS.Resolution(ev.Hosts[i].Name); r != nil {
			ev.Hosts[i].Resolution = r.ID
		}
	}
}

// incompleteReasons says why a finished scan did not see what it set out
// to: the inputs the user gave that could not be read. The stages record
// their own reasons (the target page, the browser); the deadline is
// Scan's.
func incompleteReasons(ev *evidence.Evidence, opts Options) []string {
	var out []string
	if len(opts.Mails) > 0 && !ev.Has(evidence.KindMail) {
		out = append(out, "no message of the mail files given (--mail) could be read")
	}
	return out
}

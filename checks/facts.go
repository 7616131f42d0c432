package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// Facts are the conclusions vigie draws from the evidence before judging
// it: which hosts are first party, which third parties the pages contacted
// and when, which organisations handle the visitors' data and whether the
// legal pages name them, what each organisation's country means for
// transfers, whether a survey platform's version is supported. They are
// derived once per run (DeriveFacts), read by every check that needs them —
// as go/analysis hands a pass's result to the analyzers that require it —
// and carried in the Outcome, so that the reports show the very
// conclusions the findings rest on and decide nothing themselves.
type Facts struct {
	// AsOf is the run's date (YYYY-MM-DD): the date the judgments that
	// depend on time (a version's end of support) were made at.
	AsOf string `json:"as_of,omitempty"`
	// FirstPartyDomains are the organisation's domains: the target's
	// registrable domain and the policy's. A host in one of them, or below
	// it, is first party.
	FirstPartyDomains []string `json:"first_party_domains"`
	// ThirdParties lists the hosts outside those domains that the pages
	// contacted, in order of first contact.
	ThirdParties []ThirdParty `json:"third_parties,omitempty"`
	// Processors lists the organisations observed handling the site's
	// visitors or mail, and whether the legal pages name each.
	Processors []Processor `json:"processors,omitempty"`
	// Jurisdictions gives, by organisation ID, what the organisation's
	// country means for transfers of personal data from the EU.
	Jurisdictions map[string]Jurisdiction `json:"jurisdictions,omitempty"`
	// Platforms gives the support status of each recognised survey
	// platform version that vigie's table covers.
	Platforms []PlatformSupport `json:"platforms,omitempty"`
	// Error is set when deriving the facts failed part-way (a bug): the
	// facts are then incomplete, and the checks that read them say less.
	Error string `json:"error,omitempty"`

	// byURL gives, by request ID, the organisation and the catalogue rule
	// a URL designates when it is not the host's (evidence.Host.ByURL).
	byURL map[string]evidence.URLAttribution
}

// ThirdParty is one host outside the organisation's domains that the pages
// contacted.
type ThirdParty struct {
	Host string `json:"host"`
	// Record is the ID of the host's record, when there is one.
	Record string `json:"record,omitempty"`
	// Owner is the ID of the organisation behind its first request: the
	// one a catalogue URL rule designates (the GA4 tag on
	// www.googletagmanager.com is Google Analytics), else the owner of its
	// domain, else the operator of its network.
	Owner string `json:"owner,omitempty"`
	// Owners lists every organisation behind its requests, in order of
	// first request, when there are several (Google Analytics and Tag
	// Manager on www.googletagmanager.com).
	Owners []string `json:"owners,omitempty"`
	// Country and Categories are the owner's, as the evidence records them.
	Country    string   `json:"country,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// BeforeConsent is set when it was contacted before any choice: in a
	// visit without interaction, or before the visit's consent action.
	BeforeConsent bool `json:"before_consent"`
	// FirstState and FirstPhase say in which visit state and phase it was
	// seen with the least interaction: before any action first, then in
	// the order initial, reject, accept, crawl.
	FirstState string `json:"first_state"`
	FirstPhase string `json:"first_phase"`
	// Requests counts the requests to it, across every visit.
	Requests int `json:"requests"`
	// RequestIDs lists the IDs of the first of them (at most 20).
	RequestIDs []string `json:"request_ids"`
	// Types lists the resource types requested (Script, Image, Font …).
	Types []string `json:"types,omitempty"`
	// Visits says, for each visit that contacted it, how.
	Visits []VisitContact `json:"visits"`
}

// VisitContact is how one visit contacted a third party.
type VisitContact struct {
	// Visit is the visit's ID, State its state.
	Visit    string `json:"visit"`
	State    string `json:"state"`
	Requests int    `json:"requests"`
	// BeforeAction is set when at least one request came before the
	// visit's consent action (every request of a visit without one).
	BeforeAction bool `json:"before_action"`
}

// maxThirdPartyRequestIDs bounds ThirdParty.RequestIDs.
const maxThirdPartyRequestIDs = 20

// DeriveFacts derives the facts of ev under policy p (nil for none) at
// time now. RunChecks calls it once and carries the result in the Outcome.
func DeriveFacts(ev *evidence.Evidence, p *Policy, now time.Time) (f *Facts) {
	f = &Facts{FirstPartyDomains: firstPartyDomains(ev, p), Jurisdictions: map[string]Jurisdiction{}}
	if !now.IsZero() {
		f.AsOf = now.UTC().Format(time.DateOnly)
	}
	defer func() {
		// A bug here must not lose the checks: they run on what was derived.
		if r := recover(); r != nil {
			f.Error = fmt.Sprintf("deriving the facts failed: %v", r)
		}
	}()
	for _, o := range ev.Organisations {
		if j := JudgeCountry(o.Country); j.Bloc != "" {
			f.Jurisdictions[o.ID] = j
		}
	}
	f.byURL = requestAttributions(ev)
	f.ThirdParties = f.thirdParties(ev)
	f.Processors = f.processors(ev)
	if ev.Survey != nil {
		for _, pl := range ev.Survey.Platforms {
			if s, ok := JudgeSupport(pl, now); ok {
				f.Platforms = append(f.Platforms, s)
			}
		}
	}
	return f
}

// firstPartyDomains lists the domains counted as the organisation's.
func firstPartyDomains(ev *evidence.Evidence, p *Policy) []string {
	var ds []string
	if d := ev.Target.RegistrableDomain; d != "" {
		ds = append(ds, d)
	}
	if p != nil {
		for _, d := range p.Organisation.Domains {
			if !slices.Contains(ds, d) {
				ds = append(ds, d)
			}
		}
	}
	return ds
}

// IsFirstParty reports whether host belongs to the organisation: it is one
// of FirstPartyDomains or a name below one.
func (f *Facts) IsFirstParty(host string) bool {
	return f != nil && names.InDomains(host, f.FirstPartyDomains)
}

// Jurisdiction returns what the country of organisation id means for
// transfers, and whether it is known.
func (f *Facts) Jurisdiction(id string) (Jurisdiction, bool) {
	if f == nil {
		return Jurisdiction{}, false
	}
	j, ok := f.Jurisdictions[id]
	return j, ok
}

// Support returns the support status of the platform record id, when
// vigie's table judges its version.
func (f *Facts) Support(id string) (PlatformSupport, bool) {
	if f == nil {
		return PlatformSupport{}, false
	}
	for _, s := range f.Platforms {
		if s.Platform == id {
			return s, true
		}
	}
	return PlatformSupport{}, false
}

// Processor returns the processor fact for organisation id, or nil.
func (f *Facts) Processor(id string) *Processor {
	if f == nil {
		return nil
	}
	for i := range f.Processors {
		if f.Processors[i].Organisation == id {
			return &f.Processors[i]
		}
	}
	return nil
}

// ThirdPartiesByInteraction returns the third parties ordered as a reader
// wants them: those seen with the least interaction first (before any
// choice, in the initial visit first), then by host name.
func (f *Facts) ThirdPartiesByInteraction() []ThirdParty {
	if f == nil {
		return nil
	}
	out := slices.Clone(f.ThirdParties)
	slices.SortStableFunc(out, func(a, b ThirdParty) int {
		if d := contactRank(a.FirstState, a.FirstPhase) - contactRank(b.FirstState, b.FirstPhase); d != 0 {
			return d
		}
		return strings.Compare(a.Host, b.Host)
	})
	return out
}

// thirdParty returns the third-party fact for host, or nil.
func (f *Facts) thirdParty(host string) *ThirdParty {
	for i := range f.ThirdParties {
		if f.ThirdParties[i].Host == host {
			return &f.ThirdParties[i]
		}
	}
	return nil
}

// contactRank orders the moments a host can be seen at, least interaction
// first: before any action (initial, then reject and accept before their
// click, then further pages), then after an action.
func contactRank(state, phase string) int {
	r := 3
	switch state {
	case evidence.StateInitial:
		r = 0
	case evidence.StateReject:
		r = 1
	case evidence.StateAccept:
		r = 2
	}
	if phase == evidence.PhaseAfterAction {
		r += 10
	}
	return r
}

// thirdParties lists the third-party hosts contacted in every visit, in
// order of first contact.
func (f *Facts) thirdParties(ev *evidence.Evidence) []ThirdParty {
	if ev.Browser == nil {
		return nil
	}
	var out []ThirdParty
	idx := map[string]int{}
	for _, v := range ev.Browser.Visits {
		for _, r := range v.Requests {
			if r.Host == "" || f.IsFirstParty(r.Host) {
				continue
			}
			i, ok := idx[r.Host]
			if !ok {
				tp := ThirdParty{Host: r.Host, FirstState: v.State, FirstPhase: r.Phase}
				if h := host(ev, r.Host); h != nil {
					tp.Record = h.ID
				}
				tp.Owner = f.requestOrg(ev, &r)
				if o := organisation(ev, tp.Owner); o != nil {
					tp.Country, tp.Categories = o.Country, o.Categories
				}
				i = len(out)
				idx[r.Host] = i
				out = append(out, tp)
			}
			tp := &out[i]
			if org := f.requestOrg(ev, &r); org != "" && tp.Owner != "" && org != tp.Owner && !slices.Contains(tp.Owners, org) {
				if len(tp.Owners) == 0 {
					tp.Owners = append(tp.Owners, tp.Owner)
				}
				tp.Owners = append(tp.Owners, org)
			}
			tp.Requests++
			if len(tp.RequestIDs) < maxThirdPartyRequestIDs {
				tp.RequestIDs = append(tp.RequestIDs, r.ID)
			}
			if r.Type != "" && !slices.Contains(tp.Types, r.Type) {
				tp.Types = append(tp.Types, r.Type)
			}
			before := r.Phase != evidence.PhaseAfterAction
			tp.BeforeConsent = tp.BeforeConsent || before
			if contactRank(v.State, r.Phase) < contactRank(tp.FirstState, tp.FirstPhase) {
				tp.FirstState, tp.FirstPhase = v.State, r.Phase
			}
			if n := len(tp.Visits); n == 0 || tp.Visits[n-1].Visit != v.ID {
				tp.Visits = append(tp.Visits, VisitContact{Visit: v.ID, State: v.State})
			}
			vc := &tp.Visits[len(tp.Visits)-1]
			vc.Requests++
			vc.BeforeAction = vc.BeforeAction || before
		}
	}
	return out
}

// requestAttributions indexes the hosts' URL attributions by request ID.
func requestAttributions(ev *evidence.Evidence) map[string]evidence.URLAttribution {
	out := map[string]evidence.URLAttribution{}
	for _, h := range ev.Hosts {
		for _, a := range h.ByURL {
			for _, id := range a.Requests {
				out[id] = evidence.URLAttribution{Organisation: a.Organisation, Rule: a.Rule}
			}
		}
	}
	return out
}

// requestOrg returns the ID of the organisation behind a request: the one
// a catalogue URL rule designates, else its host's domain owner, else the
// operator of the host's network; "" when unknown.
func (f *Facts) requestOrg(ev *evidence.Evidence, r *evidence.Request) string {
	if a, ok := f.byURL[r.ID]; ok {
		return a.Organisation
	}
	if h := host(ev, r.Host); h != nil {
		if h.DomainOwner != "" {
			return h.DomainOwner
		}
		return h.Operator
	}
	return ""
}

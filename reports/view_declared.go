package reports

import (
	"fmt"
	"strings"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// This file builds the "declared vs observed" section (the legal pages and
// the processors the checks observed) and the consultation-platform section.

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
	// Read says how the page was read: as served, or rendered by the
	// browser (evidence.LegalPage.Loader).
	Read string
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
			pr := pageRow{Ref: v.ref(p.ID), Kind: text(p.Kind), URL: text(p.URL), FoundBy: text(p.FoundBy), Read: text(p.Loader)}
			if _, ok := messages["decl.loader."+p.Loader]; ok {
				pr.Read = v.L.T("decl.loader." + p.Loader)
			}
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
				row.Named += " — " + v.namedAs(n)
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

// namedAs renders how the checks found a processor declared: "declared as
// “Google Ireland Limited” (privacy page; its company)".
func (v *view) namedAs(n *checks.Naming) string {
	page := v.L.T("decl.page")
	if n.Page != "" {
		if k := "decl.page." + n.Page; v.L.T(k) != k {
			page = v.L.T(k)
		}
	}
	how := v.L.T("decl.how." + n.How)
	if how == "decl.how."+n.How {
		how = n.How
	}
	as := n.As
	if as == "" {
		as = n.Span.Text
	}
	return text(v.L.Tf("decl.named-as", legalName(as), page, how))
}

// legalName bounds a name quoted from a page to one line of 120 characters.
func legalName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
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

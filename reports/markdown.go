package reports

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
)

// mdRows bounds each Markdown table: the file is meant for a pull-request
// comment (GitHub caps them at 65 536 characters) or a CI job summary.
const mdRows = 30

// mdEscaper makes a string inert in GitHub-flavoured Markdown: the
// characters that open links, images, emphasis, code, tables, math and
// headings are backslash-escaped, HTML is entity-encoded, and @ cannot
// mention anyone.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`|`, `\|`, `~`, `\~`, `#`, `\#`, `$`, `\$`,
	`<`, `&lt;`, `>`, `&gt;`, `&`, `&amp;`, `@`, `&#64;`,
)

// md escapes a string for Markdown text or a table cell, on one line.
// What a renderer would turn into a link by itself — a URL, a www. name,
// an e-mail address — goes into a code span: a report never links to
// what a site chose.
func md(s string) string {
	s = clip(s, maxText)
	var b strings.Builder
	last := 0
	for _, m := range autolinkable.FindAllStringIndex(s, -1) {
		end := m[0] + linkEnd(s[m[0]:m[1]])
		b.WriteString(mdEscaper.Replace(s[last:m[0]]))
		b.WriteString(mdCode(s[m[0]:end]))
		last = end
	}
	b.WriteString(mdEscaper.Replace(s[last:]))
	return b.String()
}

// autolinkable matches what GitHub-flavoured Markdown links without being
// asked (its autolink extension): URLs with a scheme, names starting with
// www., e-mail addresses.
var autolinkable = regexp.MustCompile(`(?i)\b(?:https?|ftp|mailto|xmpp):[^\s<]*|\bwww\.[^\s<]*|[a-z0-9._+-]+@[a-z0-9_-]+(?:\.[a-z0-9_-]+)+`)

// linkEnd returns how much of an autolinkable match is the link, as GFM
// reads it: trailing punctuation — the sentence's full stop, a comma, a
// closing parenthesis without its opening one — is the text's, and stays
// outside the code span.
func linkEnd(m string) int {
	for len(m) > 0 {
		last := m[len(m)-1]
		switch {
		case strings.IndexByte(".,:;!?*_~'\"", last) >= 0:
		case last == ')' && strings.Count(m, ")") > strings.Count(m, "("):
		default:
			return len(m)
		}
		m = m[:len(m)-1]
	}
	return 0
}

// mdCode renders s as a code span, where Markdown sees no link, markup,
// mention or math: the fence is longer than any run of backticks in s,
// and a pipe, which would end a table cell even there, is written %7C
// (the same URL).
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "|", "%7C")
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdHTML escapes a string for the inside of an HTML block of a Markdown
// file (a <summary>), where Markdown is not interpreted: HTML entities,
// @ cannot mention anyone and $ cannot open math.
func mdHTML(s string) string {
	return mdHTMLEscaper.Replace(html.EscapeString(clip(s, maxText)))
}

var mdHTMLEscaper = strings.NewReplacer("@", "&#64;", "$", "&#36;")

// WriteMarkdown writes a summary of r in GitHub-flavoured Markdown for
// pull-request comments and CI job summaries: the verdict, the findings
// (each with its explanation, references and fix), what was ignored, what
// could not be evaluated and why, and the key evidence. Strings from the
// scanned site, mails and registries are escaped so that they stay text.
func WriteMarkdown(w io.Writer, r *Report, l Lang) error {
	if l == "" {
		l = English
	}
	v := newView(r, l, nil)
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# %s — %s\n\n", l.T("doc.title"), md(v.Target))
	p("**%s: %s**\n\n", l.T("verdict.title"), md(v.Verdict.Headline))
	for _, line := range v.Verdict.Lines {
		p("- %s\n", md(line))
	}
	if len(v.Verdict.Lines) > 0 {
		p("\n")
	}
	var head, sep, vals []string
	for _, c := range v.Counts {
		head = append(head, md(c.Label))
		sep = append(sep, "---:")
		vals = append(vals, fmt.Sprint(c.N))
	}
	p("| %s |\n| %s |\n| %s |\n\n", strings.Join(head, " | "), strings.Join(sep, " | "), strings.Join(vals, " | "))
	if len(v.NotCollected) > 0 {
		var kinds []string
		for _, k := range v.NotCollected {
			kinds = append(kinds, md(k))
		}
		p("> **%s:** %s — %s\n\n", l.T("nc.title"), strings.Join(kinds, ", "), md(l.T("nc.list")))
	}

	// Who operates the site.
	p("## %s\n\n", l.T("ops.title"))
	switch op := v.Operators; {
	case op.NoSite:
		p("%s\n\n", md(l.T("ops.no-site")))
	case !op.Collected:
		p("%s\n\n", md(l.Tf("nc.section", op.Missing)))
	case !op.Resolved:
		p("%s\n\n", md(l.T("ops.no-resolution")))
	default:
		if r := op.Redirect; r != nil {
			p("- %s\n", md(l.Tf("ops.redirect", r.From, r.To)))
		}
		var chain []string
		for _, h := range op.Chain {
			chain = append(chain, md(h.Name))
		}
		p("- %s: %s (%s)\n", l.T("ops.col.name"), strings.Join(chain, " → "), md(op.Status))
		for _, a := range op.Addrs {
			line := md(a.IP)
			if a.Network != "" {
				line += " — " + md(a.Network)
			}
			if o := a.Operator.Label(); o != "" {
				line += " — " + md(o)
			}
			p("- %s\n", line)
		}
		for _, h := range op.Chain {
			if o := h.Owner.Label(); o != "" {
				p("- %s %s: %s\n", l.T("ops.domain-owner"), md(h.Name), md(o))
			}
		}
		if !op.Ownership {
			p("- %s\n", md(l.Tf("nc.partial", l.T("kind.ownership"))))
		}
		p("\n")
	}

	// Findings.
	p("## %s\n\n", l.T("find.title"))
	if len(v.Findings) == 0 {
		p("%s\n\n", l.T("find.none"))
	} else {
		p("| %s | %s | %s | %s |\n|---|---|---|---|\n", l.T("find.severity"), l.T("find.check"), l.T("find.what"), l.T("find.subject"))
		for i, f := range v.Findings {
			if i == mdRows {
				p("\n%s\n", md(l.Tf("doc.more-rows", len(v.Findings)-mdRows)))
				break
			}
			badge := ""
			if f.Baseline == "new" {
				badge = " **" + l.T("find.new") + "**"
			}
			p("| %s | `%s`%s | %s | %s |\n", md(f.SevLabel), f.ID, badge, md(f.Title), md(f.Subject))
		}
		p("\n")
		for i, g := range v.Groups {
			if i == mdRows {
				break
			}
			writeMDGroup(&b, l, g)
		}
	}

	// Ignored.
	if len(v.Ignored) > 0 || len(v.Ignores) > 0 {
		p("## %s\n\n", l.T("ign.title"))
		for _, f := range v.Ignored {
			exp := f.Expires
			if exp == "" {
				exp = l.T("ign.never")
			}
			p("- %s `%s` — %s (%s) — %s: %s; %s: %s\n", md(f.SevLabel), f.ID, md(f.Title), md(f.Subject), l.T("ign.reason"), md(f.Reason), l.T("ign.expires"), md(exp))
		}
		for _, ig := range v.Ignores {
			if ig.Status != "applied" {
				p("- `%s` %s: %s (%s)\n", ig.Check, md(ig.Subject), md(ig.StatusLabel), md(ig.Reason))
			}
		}
		p("\n")
	}
	if v.R.Baseline != nil && len(v.Fixed) > 0 {
		p("## %s\n\n", l.T("fixed.title"))
		for _, f := range v.Fixed {
			p("- `%s` — %s (%s)\n", f.ID, md(f.Title), md(f.Subject))
		}
		p("\n")
	}

	// Third parties and consent.
	p("## %s\n\n", l.T("tp.title"))
	switch tp := v.ThirdParties; {
	case !tp.Collected:
		p("%s\n\n", md(l.Tf("nc.section", tp.Missing)))
	case len(tp.Rows) == 0:
		p("%s\n\n", l.T("tp.none"))
	default:
		p("| %s | %s | %s | %s | %s |\n|---|---|---|---|---:|\n", l.T("tp.host"), l.T("tp.owner"), l.T("tp.category"), l.T("tp.first-seen"), l.T("tp.requests"))
		for i, row := range tp.Rows {
			if i == mdRows {
				break
			}
			p("| %s | %s | %s | %s | %d |\n", md(row.Host), md(row.Owner.Label()), md(row.Category), md(row.FirstSeen), row.Requests)
		}
		if n := len(tp.Rows) + tp.More - mdRows; n > 0 {
			p("\n%s\n", md(l.Tf("doc.more-rows", n)))
		}
		p("\n")
	}
	p("## %s\n\n", l.T("consent.title"))
	switch cv := v.Consent; {
	case !cv.Collected:
		p("%s\n\n", md(l.Tf("nc.section", cv.Missing)))
	default:
		if cv.OnlyInitial {
			p("%s\n\n", md(l.T("consent.only-initial")))
		}
		p("| | %s | %s | %s |\n|---|---|---:|---:|\n", l.T("consent.action"), l.T("consent.cookies"), l.T("consent.third"))
		for _, c := range cv.Columns {
			if !c.Visited {
				p("| %s | %s | | |\n", md(c.Label), md(l.T("consent.not-visited")))
				continue
			}
			p("| %s | %s | %d | %d |\n", md(c.Label), md(c.Action), len(c.Cookies)+c.CookiesMore, len(c.Hosts))
		}
		p("\n")
		for _, c := range cv.Columns {
			if len(c.PageViews) < 2 && len(c.Dialogs) == 0 && len(c.WebRTC) == 0 {
				continue
			}
			p("**%s**\n\n", md(c.Label))
			for _, pv := range c.PageViews {
				p("- %s %s", md(pv.Kind), mdCode(pv.URL))
				if len(pv.Third) > 0 {
					p(" — %s: %s", l.T("pv.third"), md(strings.Join(pv.Third, ", ")))
				}
				if pv.Error != "" {
					p(" — %s", md(l.Tf("pv.error", pv.Error)))
				}
				p("\n")
			}
			for _, d := range c.Dialogs {
				p("- %s: %s\n", l.T("dialog.title"), md(d))
			}
			for _, w := range c.WebRTC {
				p("- %s: %s\n", l.T("webrtc.title"), md(w))
			}
			p("\n")
		}
		if bv := v.Banner; bv.Found {
			p("%s: %s", l.T("banner.engine"), md(bv.Engine))
			if bv.Reason != "" {
				p(" (%s)", md(bv.Reason))
			}
			if bv.Ratio > 0 {
				p(" — %s", md(l.Tf("banner.ratio", bv.Ratio)))
			}
			p("\n\n")
		} else if bv.Collected {
			p("%s\n\n", l.T("banner.none"))
		}
	}

	// Mail.
	p("## %s\n\n", l.T("mail.title"))
	switch mv := v.Mail; {
	case !mv.Collected:
		p("%s\n\n", md(l.Tf("nc.section", mv.Missing)))
	case len(mv.Mails) == 0:
		p("%s\n\n", l.T("mail.none"))
	default:
		for _, m := range mv.Mails {
			p("- **%s** — %s: %s; %s: %s\n", md(or(m.Subject, m.File)), l.T("mail.from"), md(m.From), l.T("mail.return"), md(m.ReturnPath))
			var relays []string
			for _, pr := range m.Providers {
				relays = append(relays, md(or(pr.Org.Label(), pr.Entity)))
			}
			if len(relays) > 0 {
				p("  - %s: %s\n", l.T("mail.providers"), strings.Join(relays, ", "))
			}
			p("  - %s: %d\n", l.T("mail.hops"), len(m.Hops))
			if len(m.Clicks) > 0 || len(m.Pixels) > 0 {
				p("  - %s: %s %d, %s %d\n", l.T("mail.tracking"), l.T("mail.click"), len(m.Clicks), l.T("mail.pixel"), len(m.Pixels))
			}
		}
		p("\n")
	}

	// Declared vs observed.
	p("## %s\n\n", l.T("decl.title"))
	dv := v.Declared
	p("**%s**\n\n", l.T("decl.declared"))
	if !dv.Legal.Collected {
		p("%s\n\n", md(l.Tf("nc.section", dv.Legal.Missing)))
	} else {
		p("- %s: %s\n", l.T("decl.hoster"), md(or(dv.Hoster, l.T("decl.none"))))
		p("- %s: %s\n\n", l.T("decl.publisher"), md(or(dv.Publisher, l.T("decl.none"))))
	}
	p("**%s**\n\n", l.T("decl.observed"))
	if len(dv.Observed) == 0 {
		p("%s\n", l.T("doc.none"))
	}
	for i, o := range dv.Observed {
		if i == mdRows {
			break
		}
		line := md(o.Org.Label()) + " — " + md(o.Roles)
		if o.Named != "" {
			line += " — " + md(o.Named)
		}
		if o.Quote != "" {
			line += ": “" + md(o.Quote) + "” (" + md(o.QuoteRef.ID) + ")"
		}
		p("- %s\n", line)
	}
	p("\n")

	// Checks that could not run, errors, run.
	var notEval []checkView
	for _, c := range v.Checks {
		if c.Status == "not-evaluated" || c.Status == "error" {
			notEval = append(notEval, c)
		}
	}
	p("## %s\n\n", l.T("checks.title"))
	pass, fail := 0, 0
	for _, c := range v.Checks {
		switch c.Status {
		case "pass":
			pass++
		case "fail":
			fail++
		}
	}
	p("%s %d · %s %d · %s %d\n\n", l.Status("pass"), pass, l.Status("fail"), fail, l.Status("not-evaluated"), len(notEval))
	for _, c := range notEval {
		p("- `%s` — %s: %s\n", c.ID, md(c.StatusLabel), md(c.Reason))
	}
	if len(notEval) > 0 {
		p("\n")
	}
	if len(v.Errors) > 0 {
		p("## %s\n\n", l.T("err.title"))
		for i, e := range v.Errors {
			if i == mdRows {
				p("- %s\n", md(l.Tf("doc.more-rows", len(v.Errors)-mdRows)))
				break
			}
			p("- %s %s: %s\n", md(e.Stage), md(e.Target), md(e.Error))
		}
		p("\n")
	}
	p("<sub>")
	for i, m := range v.Run {
		if i == 4 {
			break
		}
		if i > 0 {
			p(" · ")
		}
		p("%s: %s", md(m.Label), md(m.Value))
	}
	p("</sub>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMDGroup writes one check's findings, collapsed: each finding with
// its subject, summary, evidence and fingerprint, then the check's
// explanation, legal basis and fix once.
func writeMDGroup(b *strings.Builder, l Lang, g findingGroup) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	var subjects []string
	for _, f := range g.Items {
		subjects = append(subjects, mdHTML(f.Subject))
	}
	p("<details><summary>%s · <code>%s</code> — %s (%s)</summary>\n\n", mdHTML(g.SevLabel), g.ID, mdHTML(g.Title), clip(strings.Join(subjects, ", "), maxText))
	for i, f := range g.Items {
		if i == mdRows {
			p("- %s\n", md(l.Tf("doc.more-rows", len(g.Items)-mdRows)))
			break
		}
		badge := ""
		if f.Baseline == "new" {
			badge = " **" + l.T("find.new") + "**"
		}
		p("- **%s**%s — %s", md(f.Subject), badge, md(f.Summary))
		if len(f.Evidence) > 0 {
			var ids []string
			for j, e := range f.Evidence {
				if j == 12 {
					ids = append(ids, fmt.Sprintf("+%d", len(f.Evidence)-12))
					break
				}
				ids = append(ids, md(e.ID))
			}
			p(" %s: %s.", l.T("find.evidence"), strings.Join(ids, ", "))
		}
		p(" %s: `%s`\n", l.T("find.fingerprint"), f.Fingerprint)
	}
	p("\n")
	if g.Rationale != "" {
		p("**%s.** %s\n\n", l.T("find.why"), md(g.Rationale))
	}
	if len(g.Refs) > 0 {
		var refs []string
		for _, r := range g.Refs {
			refs = append(refs, md(r))
		}
		p("**%s.** %s\n\n", l.T("find.legal"), strings.Join(refs, "; "))
	}
	if g.Remediation != "" {
		p("**%s.** %s\n\n", l.T("find.fix"), md(g.Remediation))
	}
	p("</details>\n\n")
}

package reports

import (
	"fmt"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

// diagram is the "who operates this site" figure, laid out in four
// columns — names (the site's name and its CNAME chain), addresses,
// networks, operators — and drawn as inline SVG by the HTML template.
// Coordinates are computed here; every text is escaped by html/template.
type diagram struct {
	Width, Height int
	Title         string
	Columns       []diagramColumn
	Boxes         []diagramBox
	Edges         []diagramEdge
}

type diagramColumn struct {
	X     int
	Label string
}

type diagramBox struct {
	X, Y, W, H int
	// Lines are the visible texts (clipped); Full is the tooltip.
	Line1, Line2 string
	Full         string
	// Class colours the box: name, first, addr, net, org-eu, org-us,
	// org-other, org-unknown, more.
	Class string
	// Href links the box to its evidence record, when rendered.
	Href string
}

type diagramEdge struct {
	D string // SVG path
}

// Diagram geometry, in SVG user units.
const (
	dgBoxW     = 240
	dgBoxH     = 40
	dgColGap   = 50
	dgRowGap   = 14
	dgTop      = 34
	dgMargin   = 10
	dgMaxItems = 8 // per column; the rest is summarised in one box
	dgMaxChars = 31
)

func clipRunes(s string, n int) string { return clip(s, n) }

// orgClass colours an organisation's box by the transfer bloc the checks
// judged its country to be in.
func (v *view) orgClass(o *evidence.Organisation) string {
	j, ok := v.facts.Jurisdiction(o.ID)
	if !ok {
		return "org-unknown"
	}
	switch j.Bloc {
	case checks.BlocEU, checks.BlocEEA:
		return "org-eu"
	case checks.BlocUS:
		return "org-us"
	case checks.BlocAdequate, checks.BlocOther:
		return "org-other"
	}
	return "org-unknown"
}

func (v *view) boxHref(id string) string {
	if r := v.ref(id); r.Anchor != "" {
		return "#" + r.Anchor
	}
	return ""
}

// buildDiagram lays out the figure for the site's resolution res.
func (v *view) buildDiagram(ev *evidence.Evidence, res *evidence.Resolution, names []string,
	nets map[string]*evidence.Network, addrs map[string]*evidence.Address) *diagram {
	l := v.L
	d := &diagram{Title: l.Tf("ops.diagram", clip(res.Name, 100))}
	colX := func(i int) int { return dgMargin + i*(dgBoxW+dgColGap) }
	for i, key := range []string{"ops.col.name", "ops.col.addr", "ops.col.net", "ops.col.org"} {
		d.Columns = append(d.Columns, diagramColumn{X: colX(i), Label: l.T(key)})
	}
	rowY := func(i int) int { return dgTop + i*(dgBoxH+dgRowGap) }
	type pos struct{ x, y int }
	// Column 0: names, the chain top-down.
	namePos := map[string]pos{}
	shown := names
	if len(shown) > dgMaxItems*2 {
		shown = shown[:dgMaxItems*2]
	}
	for i, n := range shown {
		class := "name"
		if v.firstParty(n) {
			class = "first"
		}
		line2 := ""
		if i > 0 {
			line2 = "CNAME"
		}
		href := ""
		if h := v.host(n); h != nil {
			href = v.boxHref(h.ID)
			// The owner of the name's domain, on the box's second line.
			if o := v.org(h.DomainOwner); o != nil {
				owner := l.T("ops.domain-owner") + ": " + clipRunes(o.Name, 16)
				if o.Country != "" {
					owner += " · " + o.Country
				}
				line2 = owner
				if i > 0 {
					line2 = "CNAME · " + owner
				}
			}
		}
		b := diagramBox{X: colX(0), Y: rowY(i), W: dgBoxW, H: dgBoxH, Line1: clipRunes(n, dgMaxChars), Line2: line2, Full: clip(n, 300), Class: class, Href: href}
		d.Boxes = append(d.Boxes, b)
		namePos[n] = pos{b.X, b.Y}
		if i > 0 {
			// Vertical arrow from the previous name.
			x := colX(0) + dgBoxW/2
			d.Edges = append(d.Edges, diagramEdge{D: fmt.Sprintf("M %d %d L %d %d", x, rowY(i-1)+dgBoxH, x, rowY(i)-2)})
		}
	}
	last := shown[len(shown)-1]
	// Column 1: addresses of the canonical name.
	all := res.Addrs()
	addrPos := map[string]pos{}
	for i, ip := range all {
		if i == dgMaxItems {
			d.Boxes = append(d.Boxes, diagramBox{X: colX(1), Y: rowY(i), W: dgBoxW, H: dgBoxH, Line1: fmt.Sprintf("+%d", len(all)-dgMaxItems), Class: "more"})
			break
		}
		b := diagramBox{X: colX(1), Y: rowY(i), W: dgBoxW, H: dgBoxH, Line1: clipRunes(ip, dgMaxChars), Full: ip, Class: "addr"}
		if a := addrs[ip]; a != nil {
			b.Href = v.boxHref(a.ID)
			if a.ASN != 0 {
				b.Line2 = fmt.Sprintf("AS%d", a.ASN)
			}
		}
		d.Boxes = append(d.Boxes, b)
		addrPos[ip] = pos{b.X, b.Y}
		if p, ok := namePos[last]; ok {
			d.Edges = append(d.Edges, curve(p.x+dgBoxW, p.y+dgBoxH/2, b.X, b.Y+dgBoxH/2))
		}
	}
	// Column 2: the networks of those addresses; column 3: operators and
	// the owners of the chain's domains.
	netPos := map[string]pos{}
	orgPos := map[string]pos{}
	var netOrder, orgOrder []string
	addOrg := func(id string) (pos, bool) {
		if p, ok := orgPos[id]; ok {
			return p, true
		}
		o := v.org(id)
		if o == nil || len(orgOrder) >= dgMaxItems {
			return pos{}, false
		}
		b := diagramBox{X: colX(3), Y: rowY(len(orgOrder)), W: dgBoxW, H: dgBoxH, Line1: clipRunes(o.Name, dgMaxChars), Full: clip(o.Name+" "+o.LegalEntity+" "+o.Country, 300), Class: v.orgClass(o), Href: v.boxHref(o.ID)}
		b.Line2 = o.Country
		if o.LegalEntity != "" && o.LegalEntity != o.Name {
			b.Line2 = clipRunes(o.LegalEntity, dgMaxChars-4) + " · " + o.Country
		}
		if o.Country == "" {
			b.Line2 = l.T("doc.unknown")
		}
		d.Boxes = append(d.Boxes, b)
		orgOrder = append(orgOrder, id)
		orgPos[id] = pos{b.X, b.Y}
		return orgPos[id], true
	}
	for _, ip := range all {
		a, ok := addrs[ip]
		ap, shownAddr := addrPos[ip]
		if !ok || !shownAddr {
			continue
		}
		n := nets[a.Network]
		if n == nil {
			continue
		}
		np, seen := netPos[n.ID]
		if !seen {
			if len(netOrder) >= dgMaxItems {
				continue
			}
			b := diagramBox{X: colX(2), Y: rowY(len(netOrder)), W: dgBoxW, H: dgBoxH, Line1: clipRunes(or(n.Name, n.Handle), dgMaxChars), Full: clip(netLabel(n)+" "+n.OrgName, 300), Class: "net", Href: v.boxHref(n.ID)}
			if len(n.CIDRs) > 0 {
				b.Line2 = clipRunes(n.CIDRs[0], dgMaxChars-5)
			}
			if n.Country != "" {
				b.Line2 += " · " + n.Country
			}
			d.Boxes = append(d.Boxes, b)
			netOrder = append(netOrder, n.ID)
			np = pos{b.X, b.Y}
			netPos[n.ID] = np
			if op, ok := addOrg(n.Organisation); ok {
				d.Edges = append(d.Edges, curve(np.x+dgBoxW, np.y+dgBoxH/2, op.x, op.y+dgBoxH/2))
			}
		}
		d.Edges = append(d.Edges, curve(ap.x+dgBoxW, ap.y+dgBoxH/2, np.x, np.y+dgBoxH/2))
	}
	rows := len(shown)
	for _, n := range []int{len(all), len(netOrder), len(orgOrder)} {
		rows = max(rows, min(n, dgMaxItems+1))
	}
	d.Width = colX(4) - dgColGap + dgMargin
	d.Height = rowY(rows) + dgMargin
	return d
}

// curve is a horizontal S-curve from (x1,y1) to (x2,y2).
func curve(x1, y1, x2, y2 int) diagramEdge {
	mid := (x2 - x1) / 2
	return diagramEdge{D: fmt.Sprintf("M %d %d C %d %d, %d %d, %d %d", x1, y1, x1+mid, y1, x2-mid, y2, x2-2, y2)}
}

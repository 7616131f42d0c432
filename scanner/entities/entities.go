// Package entities is vigie's catalogue of known organisations: hosters, clouds, CDNs,
// audience-measurement and advertising vendors, email service providers, consultation and
// survey platforms, consent platforms and the other third parties a public consultation site
// meets.
//
// The scanner observes host names, RDAP and whois organisation names and autonomous system
// numbers; the checks need to say who operates them, under which country's law, and what they
// do for the site. The catalogue maps the former to the latter. It is data (catalogue.yaml,
// embedded and decoded strictly), written from the public sources each entry names, and users
// extend or correct it with their own file (--entities FILE) through LoadFile and
// Catalogue.With.
package entities

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/vigie-scan/vigie/scanner/names"
)

//go:embed catalogue.yaml
var catalogueYAML []byte

// Categories say what an organisation does for a site. They are a fixed vocabulary so that
// checks can select entities by role (e.g. every "analytics" vendor) without string guessing.
const (
	CategoryHosting      = "hosting"      // hosts servers, sites or mailboxes
	CategoryCloud        = "cloud"        // infrastructure or platform cloud
	CategoryCDN          = "cdn"          // content delivery network or reverse proxy: sees traffic in clear
	CategoryAnalytics    = "analytics"    // audience measurement, session recording, A/B testing
	CategoryTagManager   = "tag-manager"  // loads other vendors' scripts
	CategoryAdvertising  = "advertising"  // ad serving, retargeting, conversion tracking
	CategorySocial       = "social"       // social network, embeds and share buttons
	CategoryFonts        = "fonts"        // web-font delivery
	CategoryScriptCDN    = "script-cdn"   // public JavaScript/CSS library delivery
	CategoryEmail        = "email"        // relays, sends or hosts mail
	CategorySurvey       = "survey"       // forms and surveys
	CategoryConsultation = "consultation" // participatory-democracy and consultation platforms
	CategoryConsent      = "consent"      // consent management platform (cookie banner)
	CategoryCaptcha      = "captcha"      // bot detection challenge
	CategoryVideo        = "video"        // video hosting and embeds
	CategoryMaps         = "maps"         // map tiles and map APIs
	CategoryMonitoring   = "monitoring"   // error tracking, performance monitoring, real-user monitoring
	CategoryRegistrar    = "registrar"    // domain-name registrar or DNS host
	CategoryPlatform     = "platform"     // general service platform (site builder, office suite, chat, …)
)

var categories = []string{
	CategoryHosting, CategoryCloud, CategoryCDN, CategoryAnalytics, CategoryTagManager,
	CategoryAdvertising, CategorySocial, CategoryFonts, CategoryScriptCDN, CategoryEmail,
	CategorySurvey, CategoryConsultation, CategoryConsent, CategoryCaptcha, CategoryVideo,
	CategoryMaps, CategoryMonitoring, CategoryRegistrar, CategoryPlatform,
}

// IsCategory reports whether c belongs to the category vocabulary.
func IsCategory(c string) bool { return slices.Contains(categories, c) }

// Entity is one known organisation: who it is, where its legal seat is, what it does for a
// site, and the host names, registry names and networks by which the scanner recognises it.
type Entity struct {
	// Key is a stable slug identifying the entry in reports and in user overrides.
	Key string `yaml:"key" json:"key"`
	// Name is the organisation's or service's usual name.
	Name string `yaml:"name" json:"name"`
	// LegalEntity is the registered name of the operating or contracting company; empty when
	// it was not verified.
	LegalEntity string `yaml:"legal_entity,omitempty" json:"legal_entity,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code of the legal entity's seat.
	Country string `yaml:"country" json:"country"`
	// EUEstablishment is the group company established in the EU or EEA that contracts with
	// or serves the EU's users or customers, when it is not LegalEntity (Google Ireland Limited
	// for Google LLC's services). A legal page naming it names the recipient of the data as
	// surely as one naming LegalEntity.
	EUEstablishment string `yaml:"eu_establishment,omitempty" json:"eu_establishment,omitempty"`
	// Parent is the owning group (Alphabet Inc. for Google LLC), if any: the group of an entry
	// is its Parent, or without one the company itself. A legal page naming the group names
	// every company in it.
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
	// Categories say what the organisation does for a site (see the Category constants).
	Categories []string `yaml:"categories" json:"categories"`
	// Domains are registrable domains or host suffixes the organisation operates; ByHost
	// matches them on label boundaries, longest first.
	Domains []string `yaml:"domains" json:"domains"`
	// OrgNames are the organisation names as RDAP or whois print them.
	OrgNames []string `yaml:"org_names,omitempty" json:"org_names,omitempty"`
	// Aliases are other names used in prose, to find mentions in legal pages.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Sources name the public documents the facts come from.
	Sources []string `yaml:"sources" json:"sources"`
	// URLs are URL rules ("host/path" or "host/path?param=prefix") that designate this entry
	// for some requests to a host another entry's domain covers: the host says whose
	// server it is, the path which service is loaded. "googletagmanager.com/gtag/js?id=G-"
	// makes the gtag.js loader of a GA4 property Google Analytics, not Tag Manager. ByURL
	// matches them.
	URLs []string `yaml:"urls,omitempty" json:"urls,omitempty"`
	// ASNs are the autonomous systems the organisation operates.
	ASNs []uint32 `yaml:"asns,omitempty" json:"asns,omitempty"`
	// Note records caveats: contracting entities that differ by region, uncertain facts.
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Has reports whether the entity carries the given category.
func (e *Entity) Has(category string) bool {
	return e != nil && slices.Contains(e.Categories, category)
}

func (e *Entity) clone() Entity {
	c := *e
	c.Categories = slices.Clone(e.Categories)
	c.Domains = slices.Clone(e.Domains)
	c.OrgNames = slices.Clone(e.OrgNames)
	c.Aliases = slices.Clone(e.Aliases)
	c.Sources = slices.Clone(e.Sources)
	c.ASNs = slices.Clone(e.ASNs)
	c.URLs = slices.Clone(e.URLs)
	return c
}

// Catalogue is an immutable, indexed set of entities. Lookups return copies, so a Catalogue is
// safe for concurrent use and callers cannot alter it.
type Catalogue struct {
	entities []Entity // sorted by key
	byKey    map[string]int
	byDomain map[string]int
	byASN    map[uint32]int
	byOrg    map[string]int // names.NormaliseOrg(name) → entity
	byURL    map[string]int // URL rule → entity
	// rules holds the URL rules by host, most specific first.
	rules map[string][]urlRule
}

var defaultCatalogue = sync.OnceValues(func() (*Catalogue, error) {
	entries, err := Parse(bytes.NewReader(catalogueYAML))
	if err != nil {
		return &Catalogue{}, fmt.Errorf("embedded catalogue: %w", err)
	}
	c, err := New(entries)
	if err != nil {
		return &Catalogue{}, fmt.Errorf("embedded catalogue: %w", err)
	}
	return c, nil
})

// Default returns the catalogue embedded in vigie, parsed once. The embedded file is checked by
// the package tests; should it ever fail to parse, Default returns an empty catalogue rather
// than stopping a scan.
func Default() *Catalogue {
	c, _ := defaultCatalogue()
	return c
}

// New validates entries and indexes them. It rejects invalid entries, duplicate keys, and a
// domain, ASN or RDAP organisation name claimed by two entries, since a lookup could then not
// say which organisation is meant.
func New(entries []Entity) (*Catalogue, error) {
	return build(entries)
}

// With returns a new catalogue holding c's entries plus extra. An extra entry replaces the entry
// with the same key; otherwise it is added. Where an extra entry claims a domain, ASN or
// organisation name that a remaining entry of c also claims, the extra entry wins. c itself is
// not changed.
func (c *Catalogue) With(extra []Entity) (*Catalogue, error) {
	override := make(map[string]bool, len(extra))
	for _, e := range extra {
		override[e.Key] = true
	}
	var kept []Entity
	for i := range c.list() {
		if !override[c.entities[i].Key] {
			kept = append(kept, c.entities[i])
		}
	}
	return build(extra, kept)
}

func (c *Catalogue) list() []Entity {
	if c == nil {
		return nil
	}
	return c.entities
}

// Entities returns a copy of every entity, sorted by key.
func (c *Catalogue) Entities() []Entity {
	out := make([]Entity, 0, len(c.list()))
	for i := range c.list() {
		out = append(out, c.entities[i].clone())
	}
	return out
}

// ByHost returns the entity operating a host name. The longest matching domain suffix wins, on
// label boundaries only: with entries for gstatic.com and fonts.gstatic.com, "fonts.gstatic.com"
// gives the latter and "www.gstatic.com" the former, and "evilcloudflare.com" does not match
// cloudflare.com. Case and a trailing dot are ignored. host is a host name, not a URL.
func (c *Catalogue) ByHost(host string) (*Entity, bool) {
	if c == nil {
		return nil, false
	}
	h := strings.TrimRight(strings.ToLower(strings.TrimSpace(host)), ".")
	for h != "" {
		if e, ok := c.lookup(c.byDomain, h); ok {
			return e, true
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			break
		}
		h = h[dot+1:]
	}
	return nil, false
}

// ByOrgName returns the entity an organisation name designates, as RDAP or whois print it or as
// a legal page writes it. Names are compared after NormaliseOrg, so "Cloudflare, Inc." and
// "CLOUDFLARE INC" are the same. Org names win over legal entities, which win over EU
// establishments, which win over names, which win over aliases; within one kind, the entry with
// the smallest key wins.
func (c *Catalogue) ByOrgName(name string) (*Entity, bool) {
	if c == nil {
		return nil, false
	}
	n := names.NormaliseOrg(name)
	if n == "" {
		return nil, false
	}
	return c.lookup(c.byOrg, n)
}

// ByASN returns the entity operating an autonomous system.
func (c *Catalogue) ByASN(asn uint32) (*Entity, bool) {
	if c == nil {
		return nil, false
	}
	i, ok := c.byASN[asn]
	if !ok {
		return nil, false
	}
	e := c.entities[i].clone()
	return &e, true
}

func (c *Catalogue) lookup(index map[string]int, k string) (*Entity, bool) {
	i, ok := index[k]
	if !ok {
		return nil, false
	}
	e := c.entities[i].clone()
	return &e, true
}

// build indexes groups of entries. Earlier groups take precedence over later ones where they
// claim the same domain, ASN or organisation name; within one group such a double claim is an
// error, as is a duplicate key anywhere.
func build(groups ...[]Entity) (*Catalogue, error) {
	type member struct {
		e     Entity
		group int
	}
	var all []member
	var errs []error
	for g, entries := range groups {
		for i := range entries {
			e := entries[i].clone()
			for _, p := range e.problems() {
				errs = append(errs, &EntryError{Key: e.Key, Index: i, Field: p.field, Msg: p.msg})
			}
			all = append(all, member{e, g})
		}
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].e.Key < all[j].e.Key })

	c := &Catalogue{
		entities: make([]Entity, len(all)),
		byKey:    make(map[string]int, len(all)),
		byDomain: make(map[string]int),
		byASN:    make(map[uint32]int),
		byOrg:    make(map[string]int),
		byURL:    make(map[string]int),
	}
	for i, m := range all {
		c.entities[i] = m.e
		if _, dup := c.byKey[m.e.Key]; dup {
			errs = append(errs, &EntryError{Key: m.e.Key, Index: i, Field: "key", Msg: "duplicate key"})
			continue
		}
		c.byKey[m.e.Key] = i
	}

	// Exclusive claims: a domain, an ASN and an RDAP organisation name each designate one
	// organisation.
	claim := func(index map[string]int, k string, i int, field string) {
		j, taken := index[k]
		switch {
		case !taken:
			index[k] = i
		case j != i && all[j].group == all[i].group:
			errs = append(errs, &EntryError{Key: all[i].e.Key, Field: field,
				Msg: fmt.Sprintf("%q is already claimed by entry %q", k, all[j].e.Key)})
		}
	}
	for g := range groups {
		for i, m := range all {
			if m.group != g {
				continue
			}
			for _, d := range m.e.Domains {
				claim(c.byDomain, d, i, "domains")
			}
			for _, asn := range m.e.ASNs {
				j, taken := c.byASN[asn]
				switch {
				case !taken:
					c.byASN[asn] = i
				case j != i && all[j].group == g:
					errs = append(errs, &EntryError{Key: m.e.Key, Field: "asns",
						Msg: fmt.Sprintf("AS%d is already claimed by entry %q", asn, all[j].e.Key)})
				}
			}
			for _, o := range m.e.OrgNames {
				claim(c.byOrg, names.NormaliseOrg(o), i, "org_names")
			}
			for _, u := range m.e.URLs {
				claim(c.byURL, u, i, "urls")
			}
		}
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}

	c.indexURLs()

	// Weaker names fill the gaps, by kind, then by group, then by key.
	kinds := []func(e *Entity) []string{
		func(e *Entity) []string { return []string{e.LegalEntity} },
		nil, // EU establishments: below
		func(e *Entity) []string { return []string{e.Name} },
		func(e *Entity) []string { return e.Aliases },
	}
	for _, namesOf := range kinds {
		if namesOf == nil {
			// An EU establishment designates the entry its company's legal
			// entity designates, when that entry has it too ("Amazon Web
			// Services EMEA SARL" is aws, not amazon-ses); else the first.
			for g := range groups {
				for i := range all {
					n := names.NormaliseOrg(all[i].e.EUEstablishment)
					if _, taken := c.byOrg[n]; all[i].group != g || n == "" || taken {
						continue
					}
					c.byOrg[n] = i
					if j, ok := c.byOrg[names.NormaliseOrg(all[i].e.LegalEntity)]; ok && names.NormaliseOrg(all[j].e.EUEstablishment) == n {
						c.byOrg[n] = j
					}
				}
			}
			continue
		}
		for g := range groups {
			for i := range all {
				if all[i].group != g {
					continue
				}
				for _, name := range namesOf(&all[i].e) {
					n := names.NormaliseOrg(name)
					if _, taken := c.byOrg[n]; n != "" && !taken {
						c.byOrg[n] = i
					}
				}
			}
		}
	}
	return c, nil
}

package owner

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openrdap/rdap"
)

// rdapNetworkRecord extracts a NetworkRecord from a decoded ip network.
func rdapNetworkRecord(n *rdap.IPNetwork) *NetworkRecord {
	rec := &NetworkRecord{Name: rdapClean(n.Name), Handle: rdapClean(n.Handle)}
	start, err1 := netip.ParseAddr(strings.TrimSpace(n.StartAddress))
	end, err2 := netip.ParseAddr(strings.TrimSpace(n.EndAddress))
	if err1 == nil && err2 == nil {
		start, end = start.Unmap().WithZone(""), end.Unmap().WithZone("")
		if start.Is4() == end.Is4() && start.Compare(end) <= 0 {
			rec.Start, rec.End = start, end
		}
	}
	rec.CIDRs = rdapCIDR0(n.DecodeData, rec.Start, rec.End)
	if len(rec.CIDRs) == 0 && rec.Start.IsValid() {
		rec.CIDRs = rdapRangeToCIDRs(rec.Start, rec.End)
	}
	if cc := rdapClean(n.Country); rdapIsCountryCode(cc) {
		rec.Country = strings.ToUpper(cc)
	}
	if c, ok := rdapHolder(n.Entities, rdapNetworkNeeds.orgRoles); ok {
		rec.OrgName, rec.OrgAddress, rec.OrgCountry = c.name, c.address, c.country
	}
	if rec.Country == "" && rdapIsCountryCode(rec.OrgCountry) {
		rec.Country = rec.OrgCountry
	}
	rec.Abuse = rdapAbuseEmail(n.Entities)
	rec.ASNs = rdapOriginASNs(n.DecodeData)
	return rec
}

// rdapDomainRecord extracts a DomainRecord for name from a decoded domain.
func rdapDomainRecord(d *rdap.Domain, name string) *DomainRecord {
	rec := &DomainRecord{Domain: name}
	rdapWalkEntities(d.Entities, func(e *rdap.Entity, _ int) bool {
		if !rdapHasRole(e, "registrar") || e.VCard == nil {
			return true
		}
		rec.Registrar = rdapVCardText(e.VCard, "fn")
		if rec.Registrar == "" {
			rec.Registrar = rdapVCardOrg(e.VCard)
		}
		return rec.Registrar == ""
	})
	var registrant, country string
	masked := false
	rdapWalkEntities(d.Entities, func(e *rdap.Entity, _ int) bool {
		if !rdapHasRole(e, "registrant") || e.VCard == nil {
			return true
		}
		for _, s := range []string{rdapVCardOrg(e.VCard), rdapVCardText(e.VCard, "fn")} {
			switch {
			case s == "":
			case rdapIsRedacted(s):
				masked = true
			case registrant == "":
				registrant = s
			}
		}
		if _, cc := rdapVCardAddress(e.VCard); country == "" && cc != "" && !rdapIsRedacted(cc) {
			country = cc
		}
		return registrant == ""
	})
	switch {
	case registrant != "":
		rec.Registrant = registrant
	case masked || rdapRedactedMentions(d.DecodeData, "registrant"):
		rec.Redacted = true
	}
	rec.RegistrantCountry = country
	return rec
}

// rdapRedactedMentions reports whether the RFC 9537 "redacted" member lists a
// field whose name or path mentions word (such as "registrant").
func rdapRedactedMentions(dd *rdap.DecodeData, word string) bool {
	if dd == nil {
		return false
	}
	list, _ := dd.Value("redacted").([]any)
	for i, item := range list {
		if i >= maxRDAPEntities {
			break
		}
		m, _ := item.(map[string]any)
		name, _ := m["name"].(map[string]any)
		for _, s := range []any{name["type"], name["description"], m["prePath"], m["path"], m["postPath"]} {
			if str, ok := s.(string); ok && strings.Contains(strings.ToLower(str), word) {
				return true
			}
		}
	}
	return false
}

// rdapRedactionMarkers are what registrars put in place of a withheld
// registrant (lower case).
var rdapRedactionMarkers = []string{
	"redacted", "data protected", "not disclosed", "non-public", "withheld",
	"gdpr masked", "statutory masking", "whois privacy", "privacy service",
	"contact privacy", "domains by proxy", "whoisguard", "privacyguardian",
	"identity protect", "private registrant",
}

func rdapIsRedacted(s string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc(rdapRedactionMarkers, func(m string) bool { return strings.Contains(s, m) })
}

// rdapCIDR0 reads the cidr0 extension's prefixes that lie within start-end
// (when the range is known).
func rdapCIDR0(dd *rdap.DecodeData, start, end netip.Addr) []string {
	if dd == nil {
		return nil
	}
	list, _ := dd.Value("cidr0_cidrs").([]any)
	var out []string
	for _, item := range list {
		if len(out) >= maxRDAPCIDRs {
			break
		}
		m, _ := item.(map[string]any)
		s, _ := m["v4prefix"].(string)
		if s == "" {
			s, _ = m["v6prefix"].(string)
		}
		length, ok := m["length"].(float64)
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if !ok || err != nil {
			continue
		}
		a = a.Unmap().WithZone("")
		if length != math.Trunc(length) || length < 0 || length > float64(a.BitLen()) {
			continue
		}
		p := netip.PrefixFrom(a, int(length)).Masked()
		if start.IsValid() && (p.Addr().Is4() != start.Is4() || p.Addr().Compare(start) < 0 || rdapLastAddr(p).Compare(end) > 0) {
			continue
		}
		if ps := p.String(); !slices.Contains(out, ps) {
			out = append(out, ps)
		}
	}
	return out
}

// rdapRangeToCIDRs returns the fewest prefixes covering start-end exactly
// (start <= end, same family).
func rdapRangeToCIDRs(start, end netip.Addr) []string {
	var out []string
	for len(out) < maxRDAPCIDRs {
		bits := start.BitLen()
		for bits > 0 {
			wider := netip.PrefixFrom(start, bits-1).Masked()
			if wider.Addr() != start || rdapLastAddr(wider).Compare(end) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(start, bits)
		out = append(out, p.String())
		last := rdapLastAddr(p)
		if last.Compare(end) >= 0 {
			break
		}
		if start = last.Next(); !start.IsValid() {
			break
		}
	}
	return out
}

// rdapLastAddr returns the last address of p.
func rdapLastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr()
	b := a.As16()
	first := p.Bits()
	if a.Is4() {
		first += 96
	}
	for i := first; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	if a.Is4() {
		return netip.AddrFrom16(b).Unmap()
	}
	return netip.AddrFrom16(b)
}

// rdapOriginASNs reads ARIN's arin_originas0 extension: the networks' origin
// autonomous systems.
func rdapOriginASNs(dd *rdap.DecodeData) []uint32 {
	if dd == nil {
		return nil
	}
	list, _ := dd.Value("arin_originas0_originautnums").([]any)
	var out []uint32
	for _, v := range list {
		if len(out) >= maxRDAPASNs {
			break
		}
		var asn uint32
		switch x := v.(type) {
		case float64:
			if x < 0 || x > math.MaxUint32 || x != math.Trunc(x) {
				continue
			}
			asn = uint32(x)
		case string:
			s := strings.TrimSpace(x)
			if len(s) > 2 && strings.EqualFold(s[:2], "AS") {
				s = s[2:]
			}
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				continue
			}
			asn = uint32(n)
		default:
			continue
		}
		if !slices.Contains(out, asn) {
			out = append(out, asn)
		}
	}
	return out
}

// rdapVCardText returns the first non-empty value of the property name.
func rdapVCardText(v *rdap.VCard, name string) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Get(name) {
		if s := rdapClean(rdapFlatten(p.Value, " ")); s != "" {
			return s
		}
	}
	return ""
}

// rdapVCardOrg returns the organisation name: the first component of the org
// property (the others are units).
func rdapVCardOrg(v *rdap.VCard) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Get("org") {
		val := p.Value
		if list, ok := val.([]any); ok && len(list) > 0 {
			val = list[0]
		}
		if s := rdapClean(rdapFlatten(val, " ")); s != "" {
			return s
		}
	}
	return ""
}

// rdapVCardEmail returns the first e-mail address of the vCard.
func rdapVCardEmail(v *rdap.VCard) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Get("email") {
		s := rdapClean(rdapFlatten(p.Value, " "))
		if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
			s = s[7:]
		}
		if strings.Contains(s, "@") && !strings.ContainsAny(s, " <>") {
			return s
		}
	}
	return ""
}

// rdapVCardAddress returns the vCard's postal address on one line (its label
// when given, else its components) and its country: the cc parameter, the
// country component, or the label's last line when it names a country.
func rdapVCardAddress(v *rdap.VCard) (address, country string) {
	if v == nil {
		return "", ""
	}
	p := v.GetFirst("adr")
	if p == nil {
		return "", ""
	}
	var comps [7]string
	if list, ok := p.Value.([]any); ok {
		for i := 0; i < len(list) && i < len(comps); i++ {
			comps[i] = rdapClean(rdapFlatten(list[i], ", "))
		}
	}
	var lines []string
	if labels := p.Parameters["label"]; len(labels) > 0 {
		for line := range strings.Lines(labels[0]) {
			if l := rdapClean(line); l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		lines = slices.DeleteFunc(slices.Clone(comps[:]), func(s string) bool { return s == "" })
	}
	address = rdapClean(strings.Join(lines, ", "))
	if cc := p.Parameters["cc"]; len(cc) > 0 && rdapIsCountryCode(rdapClean(cc[0])) {
		country = strings.ToUpper(rdapClean(cc[0]))
	} else if comps[6] != "" {
		country = comps[6]
		if code, ok := rdapCountryByName[strings.ToLower(country)]; ok {
			country = code
		} else if rdapIsCountryCode(country) {
			country = strings.ToUpper(country)
		}
	} else if n := len(lines); n > 0 {
		// Only a full name: a two-letter last line is as likely a region
		// (ARIN's "CA" is California).
		country = rdapCountryByName[strings.ToLower(lines[n-1])]
	}
	return address, country
}

// rdapFlatten joins the strings of a jCard value, structured or not.
func rdapFlatten(v any, sep string) string {
	var parts []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			if s := strings.TrimSpace(x); s != "" {
				parts = append(parts, s)
			}
		case []any:
			if depth > 4 {
				return
			}
			for _, y := range x {
				walk(y, depth+1)
			}
		}
	}
	walk(v, 0)
	return strings.Join(parts, sep)
}

// rdapClean makes a registry string fit for a record: control characters
// dropped, white space collapsed, bounded to maxRDAPFieldLen bytes.
func rdapClean(s string) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)), " ")
	if len(s) > maxRDAPFieldLen {
		i := maxRDAPFieldLen
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

func rdapIsCountryCode(s string) bool {
	return len(s) == 2 && rdapIsLetter(s[0]) && rdapIsLetter(s[1])
}

func rdapIsLetter(b byte) bool {
	return ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// rdapCountryByName maps the country names registries write in addresses (lower
// case) to ISO 3166 codes; the countries that most often operate networks
// and those of the EEA, whose operators policies allow.
var rdapCountryByName = map[string]string{
	"united states": "US", "united states of america": "US", "usa": "US",
	"canada": "CA", "mexico": "MX", "brazil": "BR", "argentina": "AR",
	"united kingdom": "GB", "great britain": "GB", "switzerland": "CH",
	"russia": "RU", "russian federation": "RU", "ukraine": "UA", "turkey": "TR", "türkiye": "TR",
	"china": "CN", "hong kong": "HK", "taiwan": "TW", "japan": "JP",
	"korea, republic of": "KR", "republic of korea": "KR", "south korea": "KR",
	"singapore": "SG", "india": "IN", "israel": "IL", "australia": "AU",
	"new zealand": "NZ", "south africa": "ZA", "united arab emirates": "AE",
	"austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR",
	"cyprus": "CY", "czech republic": "CZ", "czechia": "CZ", "denmark": "DK",
	"estonia": "EE", "finland": "FI", "france": "FR", "germany": "DE",
	"greece": "GR", "hungary": "HU", "ireland": "IE", "italy": "IT",
	"latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "malta": "MT",
	"netherlands": "NL", "the netherlands": "NL", "netherlands (kingdom of the)": "NL",
	"poland": "PL", "portugal": "PT", "romania": "RO", "slovakia": "SK",
	"slovenia": "SI", "spain": "ES", "sweden": "SE", "iceland": "IS",
	"liechtenstein": "LI", "norway": "NO",
}

package survey

import (
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

// maxRawMatch bounds the raw HTML that raw-text signals scan.
const maxRawMatch = 512 << 10

// Recognise names the consultation and survey platforms an observation
// shows — the page's own software or a form it embeds — each with the
// signals that matched and its version when the page exposes it (whether
// that version is supported is the checks' judgment). A platform is
// recognised only on structural traces (markup, asset paths, cookies, URL
// shapes, generator meta): a page that merely names a platform in its text
// is not taken for one running it.
func Recognise(obs Observation) []evidence.Platform {
	return recognise(obs, parsePage(obs.HTML))
}

func recognise(obs Observation, p *page) []evidence.Platform {
	values := observed(obs, p)
	var out []evidence.Platform
	for _, sig := range signatures {
		score := 0
		var signals []string
		var version, generation string
		generations := map[string]bool{}
		for _, s := range sig.Signals {
			val, ver, ok := s.match(values[s.Kind])
			if !ok {
				continue
			}
			// Words in the visible text are reported, and may give the
			// version, but never decide: a page about a platform is not
			// the platform.
			if s.Kind != inText {
				score += s.Weight
			}
			signals = append(signals, s.Name+": "+printable(val, 120))
			if s.Version && ver != "" && version == "" {
				version = ver
			}
			if s.Generation != "" {
				generations[s.Generation] = true
				generation = s.Generation
			}
		}
		if score < detectThreshold {
			continue
		}
		if version == "" && len(generations) == 1 {
			version = generation
		}
		pl := evidence.Platform{
			ID:      "survey/platform/" + sig.Key,
			Name:    sig.Name,
			Version: version,
			URL:     redactToken(pageURL(obs)),
			Signals: signals,
		}
		out = append(out, pl)
	}
	return out
}

// match returns the first value that the signal's pattern matches, the
// part of it that matched for free text, and the captured version.
func (s signal) match(values []string) (matched, version string, ok bool) {
	for _, v := range values {
		m := s.Pattern.FindStringSubmatchIndex(v)
		if m == nil {
			continue
		}
		matched = v
		if s.Kind == inText || s.Kind == inRaw {
			matched = v[m[0]:m[1]]
		}
		if s.Version && len(m) >= 4 && m[2] >= 0 {
			version = v[m[2]:m[3]]
		}
		return matched, version, true
	}
	return "", "", false
}

// observed gathers, for each signal kind, the values an observation offers.
func observed(obs Observation, p *page) map[signalKind][]string {
	v := map[signalKind][]string{}
	v[inGenerator] = p.generators
	refs := slices.Clone(p.refs)
	for i, r := range obs.Requests {
		if i >= maxRequests {
			break
		}
		refs = append(refs, redactToken(r))
	}
	v[inRef] = refs
	for _, u := range []string{obs.URL, obs.FinalURL} {
		u = redactToken(u)
		if u == "" || slices.Contains(v[inPageURL], u) {
			continue
		}
		v[inPageURL] = append(v[inPageURL], u)
		if h := hostOf(u); h != "" && !slices.Contains(v[inHost], h) {
			v[inHost] = append(v[inHost], h)
		}
	}
	for _, c := range obs.Cookies {
		v[inCookie] = append(v[inCookie], c.Name)
	}
	markers := make([]string, 0, len(p.markers))
	for m := range p.markers {
		markers = append(markers, m)
	}
	slices.Sort(markers)
	v[inMarker] = markers
	v[inComment] = p.comments
	v[inText] = []string{p.text}
	raw := p.raw
	if len(raw) > maxRawMatch {
		raw = raw[:maxRawMatch]
	}
	v[inRaw] = []string{string(raw)}
	return v
}

// pageURL is where the observation's load ended.
func pageURL(obs Observation) string {
	if obs.FinalURL != "" {
		return obs.FinalURL
	}
	return obs.URL
}

// hostOf returns the lower-case host name of a URL, without port or
// trailing dot, or "".
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

// printable clips s to n bytes and replaces control characters, so that a
// value taken from a hostile page can be quoted in evidence.
func printable(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, clip(s, n))
	return strings.TrimSpace(s)
}

package mail

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// maxTokens bounds the tokens read from one Received header.
const maxTokens = 200

// token is a word or a parenthesised comment of a Received header.
type token struct {
	text    string
	comment bool
}

// tokenize splits a Received header's clauses into words and comments.
// Comments nest (bounded); an unclosed comment runs to the end.
func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s) && len(out) < maxTokens; {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			depth, j := 0, i
			for ; j < len(s); j++ {
				if s[j] == '\\' {
					j++
					continue
				}
				if s[j] == '(' {
					depth++
				} else if s[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			end := min(j, len(s))
			out = append(out, token{text: s[i+1 : end], comment: true})
			i = end + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n' && s[j] != '(' {
				j++
			}
			out = append(out, token{text: s[i:j]})
			i = j
		}
	}
	return out
}

// receivedKeywords are the clause names of a Received header (RFC 5321 §4.4).
var receivedKeywords = map[string]bool{"from": true, "by": true, "via": true, "with": true, "id": true, "for": true}

// parseReceived reads one Received header value: from (the sending host's
// name and address), by, with, id, for and the time after the last ';'.
// It accepts the forms MTAs write in practice (Postfix, Exim, Sendmail,
// Exchange, Gmail, the ESPs') and never fails: what it cannot read stays
// empty, and Raw keeps the whole value.
func parseReceived(raw string) evidence.Hop {
	raw = clip(strings.Join(strings.Fields(raw), " "))
	h := evidence.Hop{Raw: raw}
	clauses := raw
	if i := strings.LastIndexByte(raw, ';'); i >= 0 {
		clauses = raw[:i]
		if t, ok := parseDate(raw[i+1:]); ok {
			h.Time = t
		}
	}
	var (
		clause string
		fresh  bool // the clause's value is still to come
		with   []string
		fromIP string
	)
	for _, t := range tokenize(clauses) {
		if !t.comment {
			if kw := strings.ToLower(t.text); receivedKeywords[kw] {
				clause, fresh = kw, true
				continue
			}
		}
		switch clause {
		case "from":
			if t.comment {
				if fromIP == "" {
					fromIP = findIP(t.text)
				}
				if h.From == "" {
					if f := strings.Fields(t.text); len(f) > 0 {
						if n := hostOf(f[0]); validHost(n) {
							h.From = n
						}
					}
				}
				continue
			}
			if fresh {
				if ip := bracketIP(t.text); ip != "" {
					if fromIP == "" {
						fromIP = ip
					}
				} else if n := hostOf(t.text); validHost(n) {
					h.From = n
				}
			}
		case "by":
			if !t.comment && fresh {
				if ip := bracketIP(t.text); ip != "" {
					h.By = ip
				} else {
					h.By = hostOf(t.text)
				}
			}
		case "with":
			if !t.comment && len(with) < 4 {
				with = append(with, t.text)
			}
		case "id":
			if !t.comment && fresh {
				h.MTAID = strings.Trim(t.text, "<>;")
			}
		case "for":
			if !t.comment && fresh {
				h.For = strings.Trim(t.text, "<>;")
			}
		}
		if !t.comment {
			fresh = false
		}
	}
	h.With = strings.Join(with, " ")
	h.IP = fromIP
	return h
}

// hostOf normalises a host word: brackets, angle brackets and a trailing
// dot removed, lower case.
func hostOf(s string) string {
	s = strings.Trim(s, "<>[];,")
	return names.Normalise(s)
}

// bracketIP returns the address of a "[203.0.113.5]" or "[IPv6:2001:db8::1]"
// literal, or "".
func bracketIP(s string) string {
	s = strings.TrimRight(s, ";,")
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return ""
	}
	return parseIP(s[1 : len(s)-1])
}

// findIP returns the first address in a comment: a bracketed literal, or a
// bare word that is an address ("(2001:db8::17)", "(helo=x) [203.0.113.5]").
func findIP(comment string) string {
	for _, w := range strings.Fields(comment) {
		w = strings.Trim(w, ",;")
		if ip := bracketIP(w); ip != "" {
			return ip
		}
		if i := strings.IndexByte(w, '['); i >= 0 {
			if j := strings.IndexByte(w[i:], ']'); j > 0 {
				if ip := parseIP(w[i+1 : i+j]); ip != "" {
					return ip
				}
			}
		}
		if ip := parseIP(w); ip != "" {
			return ip
		}
	}
	return ""
}

// parseIP parses an address, with an optional "IPv6:" prefix, in canonical form.
func parseIP(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "IPv6:"), "ipv6:")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return ""
	}
	return a.Unmap().String()
}

// readRoute reads the Received chain (oldest first, with delays and sides),
// Return-Path and bounce domain, List-Unsubscribe and Feedback-ID.
func (a *analysis) readRoute() {
	rs := a.values("Received")
	if len(rs) > MaxHops {
		a.noteLimit("more than %d Received headers: the oldest were not read", MaxHops)
		rs = rs[:MaxHops]
	}
	hops := make([]evidence.Hop, len(rs))
	for i, r := range rs {
		hops[len(rs)-1-i] = parseReceived(r) // headers are newest first
	}
	for i := range hops {
		hops[i].ID = fmt.Sprintf("%s/hop/%d", a.mail.ID, i)
		if i > 0 && !hops[i].Time.IsZero() && !hops[i-1].Time.IsZero() {
			hops[i].Delay = hops[i].Time.Sub(hops[i-1].Time)
		}
		a.secrets.address(hops[i].For)
		a.secrets.id(hops[i].MTAID)
	}
	a.mail.Hops = hops

	if rp := a.first("Return-Path"); rp != "" {
		addr := strings.TrimSpace(strings.Trim(strings.TrimSpace(stripComments(rp)), "<>"))
		a.mail.ReturnPath = clip(addr)
		if _, dom, ok := splitAddress(addr); ok && validHost(dom) {
			a.mail.BounceDomain = dom
		}
		a.secrets.id(localPart(addr))
	}
	a.mail.ListUnsubscribe = a.first("List-Unsubscribe")
	a.mail.FeedbackID = a.first("Feedback-Id")
	a.setSides()
}

// setSides tells, for each hop, whose infrastructure received the message,
// and finds the first hop outside the sender's. Hops are the recipient's
// from the newest one back while their receiving host is in a recipient
// domain (To, Delivered-To …, the receiving host of the newest hop, the
// topmost Authentication-Results' server); the others are the sender's
// when received by a host of the From domain or the organisation, relays
// otherwise.
func (a *analysis) setSides() {
	hops := a.mail.Hops
	if len(hops) == 0 {
		return
	}
	recipient := append([]string(nil), a.recipientDomains...)
	if d := registrable(hops[len(hops)-1].By); d != "" {
		recipient = append(recipient, d)
	}
	if ar := a.values("Authentication-Results"); len(ar) > 0 {
		if id := authServID(ar[0]); id != "" {
			if d := registrable(id); d != "" {
				recipient = append(recipient, d)
			}
		}
	}
	sender := append([]string{}, a.opts.OrgDomains...)
	if d := registrable(a.mail.From.Domain); d != "" {
		sender = append(sender, d)
	}
	last := len(hops)
	for i := len(hops) - 1; i >= 0; i-- {
		by := hops[i].By
		if i == len(hops)-1 || inDomains(by, recipient) {
			hops[i].Side = evidence.HopRecipient
			last = i
			continue
		}
		break
	}
	// Walking back from the recipient, a hop whose receiving host has no
	// name (an internal host of the sender's or of a relay) takes the side
	// of the nearest named host after it.
	side := func(host string) string {
		if inDomains(host, sender) {
			return evidence.HopSender
		}
		return evidence.HopRelay
	}
	current := evidence.HopSender
	if last < len(hops) && validHost(hops[last].From) {
		current = side(hops[last].From)
	}
	for i := last - 1; i >= 0; i-- {
		if validHost(hops[i].By) {
			hops[i].Side = side(hops[i].By)
		} else {
			hops[i].Side = current
		}
		if validHost(hops[i].From) {
			current = side(hops[i].From)
		} else {
			current = hops[i].Side
		}
	}
	for i, h := range hops {
		if h.Side != evidence.HopSender {
			a.mail.FirstExternalHop = i
			break
		}
	}
}

// registrable returns host's registrable domain, or "" for names without one.
func registrable(host string) string {
	if !validHost(host) {
		return ""
	}
	d, err := names.RegistrableDomain(host)
	if err != nil {
		return ""
	}
	return d
}

// inDomains reports whether host is one of domains or below one.
func inDomains(host string, domains []string) bool { return names.InDomains(host, domains) }

package mail

import (
	"bytes"
	"context"
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/names"
)

// DKIM results recorded besides pass, fail, temperror and permerror.
const dkimNotVerified = "none"

// readAuth reads the DKIM signatures (verifying them when a resolver is
// given), the Authentication-Results and the ARC-Authentication-Results.
func (a *analysis) readAuth(ctx context.Context, raw []byte) {
	for _, v := range a.values("Dkim-Signature") {
		if len(a.mail.DKIM) == MaxDKIM {
			a.noteLimit("more than %d DKIM signatures: the rest were not read", MaxDKIM)
			break
		}
		tags := tagList(v)
		a.mail.DKIM = append(a.mail.DKIM, evidence.DKIMSignature{
			Domain:   clip(names.Normalise(stripSpace(tags["d"]))),
			Selector: clip(stripSpace(tags["s"])),
			Result:   dkimNotVerified,
		})
	}
	if len(a.mail.DKIM) > 0 {
		a.verifyDKIM(ctx, raw)
	}
	for _, v := range a.values("Authentication-Results") {
		a.addAuthResults(parseAuthResults(v, "authentication-results"))
	}
	for _, v := range a.values("Arc-Authentication-Results") {
		a.addAuthResults(parseAuthResults(v, "arc"))
	}
}

func (a *analysis) addAuthResults(rs []evidence.AuthResult) {
	for _, r := range rs {
		if len(a.mail.AuthResults) == MaxAuthResults {
			a.noteLimit("more than %d authentication results: the rest were not read", MaxAuthResults)
			return
		}
		a.mail.AuthResults = append(a.mail.AuthResults, r)
	}
}

// verifyDKIM verifies the signatures against the keys LookupTXT returns. The
// outcome of each is recorded, failures included; without a resolver the
// signatures stay "none" (not verified): the system resolver is never used.
func (a *analysis) verifyDKIM(ctx context.Context, raw []byte) {
	if a.opts.LookupTXT == nil {
		for i := range a.mail.DKIM {
			a.mail.DKIM[i].Error = "not verified: no resolver given"
		}
		return
	}
	lookup := func(name string) ([]string, error) { return a.opts.LookupTXT(ctx, name) }
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(toCRLF(raw)), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: MaxDKIM})
	if err != nil && err != dkim.ErrTooManySignatures {
		for i := range a.mail.DKIM {
			a.mail.DKIM[i].Error = clip("not verified: " + err.Error())
		}
		return
	}
	for i, v := range verifs {
		if i >= len(a.mail.DKIM) || v == nil {
			break
		}
		s := &a.mail.DKIM[i]
		if v.Domain != "" && names.Normalise(v.Domain) != s.Domain {
			continue // not the signature we read: leave it unverified
		}
		switch {
		case v.Err == nil:
			s.Result = "pass"
		case dkim.IsTempFail(v.Err):
			s.Result = "temperror"
		case dkim.IsPermFail(v.Err):
			s.Result = "permerror"
		default:
			s.Result = "fail"
		}
		if v.Err != nil {
			s.Error = clip(v.Err.Error())
		}
	}
}

// toCRLF returns raw with every bare LF made CRLF: messages saved to files
// often lose the CRs that DKIM signed.
func toCRLF(raw []byte) []byte {
	if !bytes.Contains(raw, []byte("\n")) {
		return raw
	}
	var b bytes.Buffer
	b.Grow(len(raw) + bytes.Count(raw, []byte("\n")))
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(c)
	}
	return b.Bytes()
}

// tagList parses a DKIM tag list ("v=1; d=example.com; s=sel; …"). Later
// duplicates do not override earlier tags.
func tagList(v string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[k]; !dup && k != "" {
			out[k] = strings.TrimSpace(val)
		}
	}
	return out
}

// stripSpace removes all white space.
func stripSpace(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// parseAuthResults reads one Authentication-Results (source
// "authentication-results") or ARC-Authentication-Results (source "arc")
// value: the authentication service and each method's verdict, with the
// domain it is about. Comments are removed first; what cannot be read is
// left out.
func parseAuthResults(v, source string) []evidence.AuthResult {
	v = stripComments(v)
	if source == "arc" {
		v = dropInstance(v)
	}
	id, results, _ := authres.Parse(v) // results read before an error are kept
	id = clip(strings.ToLower(strings.TrimSpace(id)))
	var out []evidence.AuthResult
	for _, r := range results {
		ar := evidence.AuthResult{Source: source, Server: id}
		switch r := r.(type) {
		case *authres.SPFResult:
			ar.Method, ar.Result, ar.Domain = "spf", string(r.Value), domainOf(r.From)
			if ar.Domain == "" {
				ar.Domain = domainOf(r.Helo)
			}
		case *authres.DKIMResult:
			ar.Method, ar.Result, ar.Domain = "dkim", string(r.Value), domainOf(r.Domain)
			if ar.Domain == "" {
				ar.Domain = domainOf(r.Identifier)
			}
		case *authres.DMARCResult:
			ar.Method, ar.Result, ar.Domain = "dmarc", string(r.Value), domainOf(r.From)
		case *authres.ARCResult:
			ar.Method, ar.Result = "arc", string(r.Value)
		case *authres.IPRevResult:
			ar.Method, ar.Result = "iprev", string(r.Value)
		case *authres.AuthResult:
			ar.Method, ar.Result = "auth", string(r.Value)
		case *authres.SenderIDResult:
			ar.Method, ar.Result = "sender-id", string(r.Value)
		case *authres.DomainKeysResult:
			ar.Method, ar.Result, ar.Domain = "domainkeys", string(r.Value), domainOf(r.Domain)
		case *authres.GenericResult:
			ar.Method, ar.Result = strings.ToLower(r.Method), string(r.Value)
			for _, k := range []string{"header.from", "header.d", "smtp.mailfrom"} {
				if d := domainOf(r.Params[k]); d != "" {
					ar.Domain = d
					break
				}
			}
		default:
			continue
		}
		ar.Method, ar.Result = clip(ar.Method), clip(strings.ToLower(ar.Result))
		if ar.Method == "" {
			continue
		}
		out = append(out, ar)
		if len(out) == MaxAuthResults {
			break
		}
	}
	return out
}

// dropInstance removes the leading "i=<n>;" of an ARC header.
func dropInstance(v string) string {
	t := strings.TrimSpace(v)
	if strings.HasPrefix(strings.ToLower(t), "i=") {
		if _, rest, ok := strings.Cut(t, ";"); ok {
			return rest
		}
	}
	return v
}

// authServID returns the authentication service of an
// Authentication-Results value (its first element), lower case.
func authServID(v string) string {
	v = strings.TrimSpace(stripComments(v))
	id, _, _ := strings.Cut(v, ";")
	f := strings.Fields(id)
	if len(f) == 0 {
		return ""
	}
	return names.Normalise(f[0])
}

// domainOf returns the domain of an address, "@domain" or domain, lower
// case; "" when it is not a host name.
func domainOf(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"<>`)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = names.Normalise(s)
	if !validHost(s) {
		return ""
	}
	return s
}

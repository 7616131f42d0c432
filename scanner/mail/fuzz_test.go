package mail

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// seedMails adds every lab mail fixture to a fuzz corpus.
func seedMails(f *testing.F) {
	for _, name := range scantest.Mails() {
		b, err := scantest.MailFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("From: a@b.fr\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; boundary=x\n\n--x--\n"))
	f.Add([]byte("From: =?x-unknown?B?////?= <a@b>\nTo: ,,,<<>>\"\nDKIM-Signature: v=1; d=; s=; b=; bh=; h=from; a=rsa-sha256\n\n"))
}

// FuzzAnalyse runs the whole analysis of one message — header, addresses,
// Received chain, DKIM verification against a fixed key, MIME walk, links,
// codes, providers, redaction — on arbitrary bytes. It calls analyse, not
// Analyse, so that a panic is not recovered but reported.
func FuzzAnalyse(f *testing.F) {
	seedMails(f)
	record := scantest.CleanDKIMRecord()
	lookup := func(context.Context, string) ([]string, error) { return []string{record}, nil }
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, noRedact := range []bool{false, true} {
			a, err := analyse(context.Background(), "mail/0", Message{File: "f.eml", Raw: raw}, Options{LookupTXT: lookup, NoRedact: noRedact})
			if err != nil {
				if err.Error() == "" || strings.ContainsAny(err.Error(), "\r\n") {
					t.Fatalf("error %q is not one clear line", err)
				}
				continue
			}
			checkMail(t, a.mail)
		}
	})
}

// checkMail checks the invariants of an analysed mail.
func checkMail(t *testing.T, m evidence.Mail) {
	t.Helper()
	if _, err := json.Marshal(m); err != nil {
		t.Fatalf("the record does not marshal: %v", err)
	}
	if len(m.Hops) > MaxHops || len(m.Links) > MaxLinks || len(m.Images) > MaxImages || len(m.Codes) > MaxCodes ||
		len(m.DKIM) > MaxDKIM || len(m.AuthResults) > MaxAuthResults || len(m.To) > maxAddresses || len(m.RecipientNamed) > maxNamed {
		t.Fatalf("a bound is exceeded: %d hops, %d links, %d images, %d codes, %d dkim, %d auth, %d to",
			len(m.Hops), len(m.Links), len(m.Images), len(m.Codes), len(m.DKIM), len(m.AuthResults), len(m.To))
	}
	if m.FirstExternalHop < -1 || m.FirstExternalHop >= len(m.Hops) {
		t.Fatalf("first external hop %d of %d", m.FirstExternalHop, len(m.Hops))
	}
	values := []string{m.Subject, m.From.Name, m.From.Address, m.MessageID, m.ReturnPath, m.ListUnsubscribe}
	for _, h := range m.Hops {
		values = append(values, h.Raw, h.MTAID, h.For)
	}
	for _, l := range m.Links {
		values = append(values, l.URL, l.Text, l.Destination)
	}
	for _, s := range values {
		if len(s) > maxValue+len("…")+64 || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			t.Fatalf("value not bounded, not UTF-8 or with control characters: %q", s)
		}
	}
	for _, l := range m.Links {
		if l.Host == "" || !strings.HasPrefix(l.URL, "http") {
			t.Fatalf("link %+v", l)
		}
	}
}

// FuzzHeader parses arbitrary header blocks: the fields, the address lists
// and the dates.
func FuzzHeader(f *testing.F) {
	f.Add("From: Ville de Ville-Exemple <assistance@participation-vendor.com>\nTo: Marie Dupont <m@example.net>, \"Dupont, M.\" <x@y.fr>\nDate: Wed, 03 Nov 2021 15:24:27 +0000\n\n")
	f.Add("To: =?utf-8?Q?=C3=A9?= <a@b>, bad<<, \"unterminated\nDate: (((\n\n")
	f.Add("From: (comment (nested)) a@b.fr\nReturn-Path: <>\nMessage-Id: <@>\n\n")
	f.Fuzz(func(t *testing.T, h string) {
		ent, err := readHeader([]byte(h))
		if err != nil {
			return
		}
		a := &analysis{mail: evidence.Mail{ID: "mail/0"}}
		a.headers = fields(ent)
		a.readAddresses(ent)
		for _, to := range a.mail.To {
			if !utf8.ValidString(to.Name) || !utf8.ValidString(to.Address) {
				t.Fatalf("address %+v not UTF-8", to)
			}
		}
		for _, v := range splitList(h) {
			_ = parseAddressList(v)
		}
		_, _ = parseDate(h)
		_ = stripComments(h)
	})
}

// FuzzParseReceived parses arbitrary Received values.
func FuzzParseReceived(f *testing.F) {
	for _, s := range []string{
		"from mail135-7.atl141.mandrillapp.com (mail135-7.atl141.mandrillapp.com [192.0.2.135]) by mx1.example.net (Postfix) with ESMTPS id 4HkrD02xQbz9sWn for <m@example.net>; Wed,  3 Nov 2021 15:24:29 +0000 (UTC)",
		"from [203.0.113.50] by mandrillapp.com id 0c5d; Wed, 03 Nov 2021 15:24:27 +0000",
		"from x (y [IPv6:2001:db8::1]) (helo=z) by w with esmtpa id 1p; Mon, 3 Apr 2023",
		"by 2001:db8::42 with SMTP id x; Tue, 28 Mar 2023 06:22:08 -0700 (PDT)",
		"from ((((((((((((((((((((( by ))))))) ;;; ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h := parseReceived(raw)
		if len(h.Raw) > maxValue+len("…") || !utf8.ValidString(h.Raw) {
			t.Fatalf("raw not bounded or not UTF-8: %d bytes", len(h.Raw))
		}
		if h.IP != "" && parseIP(h.IP) != h.IP {
			t.Fatalf("IP %q is not a canonical address", h.IP)
		}
		if h.From != "" && !validHost(h.From) {
			t.Fatalf("from %q is not a host name", h.From)
		}
	})
}

// FuzzParseAuthResults parses arbitrary Authentication-Results and
// ARC-Authentication-Results values.
func FuzzParseAuthResults(f *testing.F) {
	for _, s := range []string{
		"mx.google.com; dkim=pass header.i=@mandrillapp.com header.s=mandrill; spf=pass (comment; with semicolon) smtp.mailfrom=a@b.fr; dmarc=pass header.from=b.fr",
		"i=1; mx.google.com; arc=pass header.oldest-pass=0",
		"x; dkim=pass header.d=\"quoted\\\" (x)\"; =; ==; spf",
		"mx 1; none",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, arc bool) {
		source := "authentication-results"
		if arc {
			source = "arc"
		}
		rs := parseAuthResults(raw, source)
		if len(rs) > MaxAuthResults {
			t.Fatalf("%d results", len(rs))
		}
		for _, r := range rs {
			if r.Method == "" || r.Source != source || (r.Domain != "" && !validHost(r.Domain)) {
				t.Fatalf("result %+v", r)
			}
		}
		_ = authServID(raw)
	})
}

// FuzzSplit splits arbitrary files into messages.
func FuzzSplit(f *testing.F) {
	seedMails(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, _ := Split("f", data)
		if len(msgs) > MaxMessages {
			t.Fatalf("%d messages", len(msgs))
		}
		total := 0
		for _, m := range msgs {
			total += len(m.Raw)
		}
		if total > len(data) {
			t.Fatalf("%d bytes of messages from %d bytes", total, len(data))
		}
	})
}

package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/entities"
	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// fixture reads a lab mail fixture.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := scantest.MailFixture(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// analyseFixture analyses the single message of a lab fixture.
func analyseFixture(t testing.TB, name string, opts Options) evidence.Mail {
	t.Helper()
	msgs, err := Split(name, fixture(t, name))
	if err != nil || len(msgs) != 1 {
		t.Fatalf("split %s: %d messages, %v", name, len(msgs), err)
	}
	m, err := Analyse(context.Background(), "mail/0", msgs[0], opts)
	if err != nil {
		t.Fatalf("analyse %s: %v", name, err)
	}
	return m
}

func providerKeys(m evidence.Mail) []string {
	var out []string
	for _, p := range m.Providers {
		out = append(out, p.Entity)
	}
	return out
}

// TestProviderShapes: each provider-shaped fixture is recognised as its
// provider and as no other; the ProtonMail message (X-Pm-Message-Id) is
// Proton's, not Postmark's.
func TestProviderShapes(t *testing.T) {
	shapes := map[string]string{scantest.MailFounding: "mandrill", scantest.MailClean: ""}
	for k, v := range scantest.MailProviderShapes {
		shapes[k] = v
	}
	for name, want := range shapes {
		t.Run(name, func(t *testing.T) {
			m := analyseFixture(t, name, Options{})
			got := providerKeys(m)
			if want == "" && len(got) != 0 || want != "" && !slices.Equal(got, []string{want}) {
				t.Errorf("providers %v, want [%s]", got, want)
			}
			for _, p := range m.Providers {
				if len(p.Signals) == 0 || p.Organisation != "org/"+p.Entity {
					t.Errorf("provider %+v: no signals or wrong organisation ID", p)
				}
			}
		})
	}
}

// TestProviderWeakSignals: weak headers alone match nothing; beside a
// strong signal they are listed.
func TestProviderWeakSignals(t *testing.T) {
	base := "From: A <a@ville-exemple.fr>\nTo: b@example.net\nDate: Mon, 3 Apr 2023 09:00:00 +0000\n"
	tests := []struct {
		name    string
		headers string
		want    []string
	}{
		{"X-PM-Message-Id alone is not Postmark", "X-PM-Message-Id: 1a2b\n", nil},
		{"X-PM-Message-Id beside a Postmark complaint address", "X-PM-Message-Id: 1a2b\nX-Complaints-To: abuse@postmarkapp.com\n", []string{"postmark"}},
		{"ProtonMail headers", "X-Pm-Message-Id: 1a2b\nX-Pm-Origin: internal\n", []string{"proton"}},
		{"a Microsoft tenant header alone", "X-MS-Exchange-CrossTenant-Id: 4d3c\n", nil},
		{"Feedback-ID of Amazon SES", "Feedback-ID: 1.eu-west-1.AbC=:AmazonSES\n", []string{"amazon-ses"}},
		{"Feedback-ID of another service", "Feedback-ID: 1.2.3:other\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Analyse(context.Background(), "mail/0", Message{File: "x.eml", Raw: []byte(base + tt.headers + "\nbody\n")}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := providerKeys(m); !slices.Equal(got, tt.want) {
				t.Errorf("providers %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFounding checks every fact the founding case's mail must yield.
func TestFounding(t *testing.T) {
	m := analyseFixture(t, scantest.MailFounding, Options{NoRedact: true, OrgDomains: []string{"ville-exemple.fr"}})
	if m.From.Name != "Ville de Ville-Exemple" || m.From.Address != "assistance@participation-vendor.com" || m.From.Domain != "participation-vendor.com" {
		t.Errorf("From %+v", m.From)
	}
	if m.Subject != "Confirmez votre adresse électronique" {
		t.Errorf("subject %q (encoded word not decoded?)", m.Subject)
	}
	if !m.Date.Equal(time.Date(2021, 11, 3, 15, 24, 27, 0, time.UTC)) {
		t.Errorf("date %v", m.Date)
	}
	if m.BounceDomain != "track.participation-vendor.com" || !strings.HasPrefix(m.ReturnPath, "bounce-md_30495209.") {
		t.Errorf("return path %q bounce %q", m.ReturnPath, m.BounceDomain)
	}
	if m.MessageIDDomain != "mail135-7.atl141.mandrillapp.com" {
		t.Errorf("message-id domain %q", m.MessageIDDomain)
	}
	type hop struct{ from, by, ip, side string }
	var hops []hop
	for _, h := range m.Hops {
		hops = append(hops, hop{h.From, h.By, h.IP, h.Side})
	}
	want := []hop{
		{"", "mandrillapp.com", "203.0.113.50", evidence.HopRelay},
		{"pmta14.mandrill.prod.atl01.rsglab.com", "mail135-7.atl141.mandrillapp.com", "127.0.0.1", evidence.HopRelay},
		{"mail135-7.atl141.mandrillapp.com", "mx1.example.net", "192.0.2.135", evidence.HopRecipient},
	}
	if !slices.Equal(hops, want) {
		t.Errorf("hops (oldest first):\n got %+v\nwant %+v", hops, want)
	}
	if m.FirstExternalHop != 0 {
		t.Errorf("first external hop %d, want 0 (mandrillapp.com)", m.FirstExternalHop)
	}
	if h := m.Hops[1]; h.With != "ESMTP" || h.MTAID != "4HkrCw4l1czHXYqTt" || h.For != "marie.dupont@example.net" || h.Delay != time.Second || h.ID != "mail/0/hop/1" {
		t.Errorf("hop 1: %+v", h)
	}
	if len(m.DKIM) != 2 || m.DKIM[0].Domain != "mandrillapp.com" || m.DKIM[1].Domain != "participation-vendor.com" || m.DKIM[0].Selector != "mandrill" || m.DKIM[0].Result != "none" {
		t.Errorf("DKIM %+v", m.DKIM)
	}
	ar := map[string]string{}
	for _, r := range m.AuthResults {
		ar[r.Method+" "+r.Domain] = r.Result
		if r.Server != "mx1.example.net" || r.Source != "authentication-results" {
			t.Errorf("auth result %+v", r)
		}
	}
	if ar["spf track.participation-vendor.com"] != "pass" || ar["dmarc participation-vendor.com"] != "pass" || ar["dkim mandrillapp.com"] != "pass" {
		t.Errorf("auth results %v", ar)
	}
	if len(m.Providers) != 1 || m.Providers[0].Entity != "mandrill" {
		t.Fatalf("providers %+v", m.Providers)
	}
	for _, sig := range []string{"header X-Mandrill-User", "relay mail135-7.atl141.mandrillapp.com (mail/0/hop/1)", "dkim d=mandrillapp.com",
		"message-id @mail135-7.atl141.mandrillapp.com", "return-path bounce-md_… (local part)", "link mandrillapp.com"} {
		if !slices.Contains(m.Providers[0].Signals, sig) {
			t.Errorf("signal %q missing from %v", sig, m.Providers[0].Signals)
		}
	}
	if len(m.Links) != 1 {
		t.Fatalf("links %+v (text and HTML parts hold the same link)", m.Links)
	}
	l := m.Links[0]
	if l.Redirector != "mandrill" || l.Destination != "https://jeparticipe.ville-exemple.fr/email/confirm?token=9f4c2a7e81b34d6fa0c5e2b7d19a3f68" ||
		l.Host != "mandrillapp.com" || l.Text != "Confirmer mon adresse électronique" {
		t.Errorf("link %+v", l)
	}
	if len(m.Images) != 1 || !m.Images[0].Pixel || !strings.Contains(m.Images[0].URL, "/track/open.php") {
		t.Errorf("images %+v", m.Images)
	}
	var codes []string
	for _, c := range m.Codes {
		codes = append(codes, c.Kind+" "+c.Value+" "+c.Where)
	}
	if !slices.Equal(codes, []string{"url-parameter 9f4c2a7e81b34d6fa0c5e2b7d19a3f68 mail/0/link/0", "text 4821-3957 mail/0/text"}) {
		t.Errorf("codes %q", codes)
	}
	var named []string
	for _, s := range m.RecipientNamed {
		named = append(named, s.Source+" "+s.Text)
	}
	for _, w := range []string{"mail/0/header/to Marie Dupont", "mail/0/header/to marie.dupont@example.net", "mail/0/text Bonjour Marie Dupont,", "mail/0/html Bonjour Marie Dupont,"} {
		if !slices.Contains(named, w) {
			t.Errorf("recipient not found named at %q: %q", w, named)
		}
	}
	if !slices.Equal(m.DisplayNameDomains, []string{"ville-exemple.fr"}) {
		t.Errorf("display name domains %v", m.DisplayNameDomains)
	}
	if m.Redacted || len(m.Limits) != 0 || m.Error != "" || m.SHA256 == "" {
		t.Errorf("redacted %v, limits %v, error %q, sha %q", m.Redacted, m.Limits, m.Error, m.SHA256)
	}
}

// TestClean: the clean town's mail is its own: sender-side hops, no
// provider, no tracking, no code.
func TestClean(t *testing.T) {
	m := analyseFixture(t, scantest.MailClean, Options{})
	if len(m.Hops) != 2 || m.Hops[0].Side != evidence.HopSender || m.Hops[1].Side != evidence.HopRecipient || m.FirstExternalHop != 1 {
		t.Errorf("hops %+v, first external %d", m.Hops, m.FirstExternalHop)
	}
	if len(m.Providers)+len(m.Images)+len(m.Codes) != 0 {
		t.Errorf("providers %v images %v codes %v", m.Providers, m.Images, m.Codes)
	}
	for _, l := range m.Links {
		if l.Redirector != "" {
			t.Errorf("link %+v goes through a redirector", l)
		}
	}
	if len(m.Links) != 2 || m.BounceDomain != "commune-propre.fr" || !slices.Equal(m.DisplayNameDomains, []string{"commune-propre.fr"}) {
		t.Errorf("links %v bounce %q domains %v", m.Links, m.BounceDomain, m.DisplayNameDomains)
	}
}

// founding's personal values: the recipient's name and address, the code,
// the token, and the unique ids in the route, the links and the pixel.
var foundingSecrets = []string{
	"Marie", "Dupont", "marie.dupont", "4821-3957", "9f4c2a7e81b34d6fa0c5e2b7d19a3f68", "0c5d1e7b8a9f4e2d96b3a1c7e5f80d24",
	"4HkrCw4l1czHXYqTt", "4HkrD02xQbz9sWn", "61828a3c8d2e47", "bounce-md_30495209", "eyJwIjoi",
}

// TestRedaction: by default no personal value of the founding mail is left
// in its evidence, domains and structure are; with NoRedact they all are.
func TestRedaction(t *testing.T) {
	red := analyseFixture(t, scantest.MailFounding, Options{})
	b, err := json.Marshal(red)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, v := range foundingSecrets {
		if strings.Contains(strings.ToLower(s), strings.ToLower(v)) {
			t.Errorf("personal value %q left in the redacted evidence", v)
		}
	}
	if !red.Redacted {
		t.Error("Redacted not set")
	}
	for _, keep := range []string{
		"track.participation-vendor.com", "mail135-7.atl141.mandrillapp.com", "example.net",
		"https://jeparticipe.ville-exemple.fr/email/confirm?token=[redacted]",
		"https://mandrillapp.com/track/click/30495209/jeparticipe.ville-exemple.fr?p=[redacted]",
		"https://mandrillapp.com/track/open.php?u=[redacted]\\u0026id=[redacted]",
		"Bonjour [redacted],", "Ville de Ville-Exemple",
	} {
		if !strings.Contains(s, keep) {
			t.Errorf("redaction lost %q", keep)
		}
	}

	plain := analyseFixture(t, scantest.MailFounding, Options{NoRedact: true})
	b, _ = json.Marshal(plain)
	for _, v := range foundingSecrets[:6] {
		if !strings.Contains(string(b), v) {
			t.Errorf("--no-redact lost %q", v)
		}
	}
	if plain.Redacted {
		t.Error("Redacted set with NoRedact")
	}
}

func TestRedactURL(t *testing.T) {
	rep := (&secrets{values: []string{"marie.dupont"}}).replacer()
	tests := []struct {
		in       string
		tracking bool
		want     string
	}{
		{"https://jeparticipe.ville-exemple.fr/consultations/plan-velo?utm_source=mail", false, "https://jeparticipe.ville-exemple.fr/consultations/plan-velo?utm_source=mail"},
		{"https://site.fr/confirm?token=9f4c2a7e81b3&lang=fr", false, "https://site.fr/confirm?token=[redacted]&lang=fr"},
		{"https://site.fr/invitation/0c5d1e7b8a9f4e2d96b3a1c7/accept", false, "https://site.fr/invitation/[redacted]/accept"},
		{"https://t.example/open?u=1&id=abc", true, "https://t.example/open?u=[redacted]&id=[redacted]"},
		{"https://site.fr/unsub?email=marie.dupont%40example.net", false, "https://site.fr/unsub?email=[redacted]%40example.net"},
		{"https://user:pw@site.fr/#k7QF29XM0c5d1e7b8a9f", false, "https://[redacted]@site.fr/#[redacted]"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in, tt.tracking, rep); got != tt.want {
			t.Errorf("redactURL(%q, %v) = %q, want %q", tt.in, tt.tracking, got, tt.want)
		}
	}
}

func TestSplitMbox(t *testing.T) {
	msgs, err := Split(scantest.MailMbox, fixture(t, scantest.MailMbox))
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	var errs []string
	for i, msg := range msgs {
		if msg.Index != i {
			t.Errorf("message %d has index %d", i, msg.Index)
		}
		m, err := Analyse(context.Background(), fmt.Sprintf("mail/%d", i), msg, Options{})
		if (err != nil) != (m.Error != "") {
			t.Errorf("message %d: error %v but record error %q", i, err, m.Error)
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if i == 0 && !strings.Contains(string(msg.Raw), "\nFrom the mbox: this line was quoted.") {
			t.Error("mboxrd >From quoting not undone")
		}
		if i == 2 && m.Subject != "Troisième message €" {
			t.Errorf("ISO-8859-15 subject decoded as %q", m.Subject)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "several.mbox message 2") || !strings.Contains(errs[0], "malformed") {
		t.Errorf("errors %q, want one clear error for message 2", errs)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name, data string
		n          int
		err        bool
	}{
		{"an .eml", "From: a@b.fr\n\nbody\n", 1, false},
		{"a byte-order mark", "\xef\xbb\xbfFrom: a@b.fr\n\nbody\n", 1, false},
		{"From inside a body is no separator", "From x Mon Apr  3 09:00:00 2023\nFrom: a@b.fr\n\nline\nFrom here on\n", 1, false},
		{"two messages", "From x\nFrom: a@b.fr\n\none\n\nFrom y\nFrom: c@d.fr\n\ntwo\n", 2, false},
		{"empty", "  \n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := Split("f", []byte(tt.data))
			if len(msgs) != tt.n || (err != nil) != tt.err {
				t.Errorf("%d messages, %v; want %d, error %v", len(msgs), err, tt.n, tt.err)
			}
		})
	}
	many := strings.Repeat("From x\nFrom: a@b.fr\n\nbody\n\n", MaxMessages+2)
	msgs, err := Split("big.mbox", []byte(many))
	if len(msgs) != MaxMessages || err == nil {
		t.Errorf("%d messages, %v; want %d and an error", len(msgs), err, MaxMessages)
	}
}

// TestMalformed: input that is not a message, or beyond the bounds, is a
// clear error for that message.
func TestMalformed(t *testing.T) {
	tests := []struct {
		name, raw, err string
	}{
		{"empty", "\n\n", "empty message"},
		{"not a header", "hello world\n", "malformed MIME header line"},
		{"no mail header", "X-Foo: bar\n\nbody\n", "not a mail message"},
		{"too many header fields", "From: a@b.fr\n" + strings.Repeat("X-A: b\n", MaxHeaderFields+1) + "\n", "header fields"},
		{"header too big", "From: a@b.fr\nX-Big: " + strings.Repeat("a", MaxHeaderBytes) + "\n\n", "header"},
		{"message too big", "From: a@b.fr\n\n" + strings.Repeat("a", MaxMessageBytes), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Analyse(context.Background(), "mail/3", Message{File: "bad.eml", Raw: []byte(tt.raw)}, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "bad.eml") {
				t.Fatalf("error %v, want one about %q naming the file", err, tt.err)
			}
			if m.ID != "mail/3" || m.Error != err.Error() || m.FirstExternalHop != -1 {
				t.Errorf("record %+v", m)
			}
		})
	}
}

// TestBodyBounds: MIME depth, part count and text size are bounded and
// reported in Limits; what lies within them is analysed.
func TestBodyBounds(t *testing.T) {
	nest := func(depth int) string {
		var b strings.Builder
		b.WriteString("From: a@ville-exemple.fr\nMIME-Version: 1.0\n")
		for i := range depth {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\nhttps://deep.example/page\n")
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\n", i)
		}
		return b.String()
	}
	parts := func(n int) string {
		var b strings.Builder
		b.WriteString("From: a@ville-exemple.fr\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n")
		for i := range n {
			fmt.Fprintf(&b, "--x\nContent-Type: text/plain\n\nhttps://p%d.example/\n", i)
		}
		b.WriteString("--x--\n")
		return b.String()
	}
	links := "From: a@ville-exemple.fr\n\n"
	for i := range MaxLinks + 5 {
		links += fmt.Sprintf("https://l%d.example/\n", i)
	}
	tests := []struct {
		name, raw, limit string
		links            int
	}{
		{"shallow nesting", nest(3), "", 1},
		{"nesting past the bound", nest(MaxMIMEDepth + 2), "nested deeper", 0},
		{"parts within the bound", parts(10), "", 10},
		{"parts past the bound", parts(MaxParts + 10), "MIME parts", MaxParts - 1},
		{"links past the bound", links, "links", MaxLinks},
		{"text past the bound", "From: a@ville-exemple.fr\n\nhttps://a.example/ " + strings.Repeat("x", 64<<10) + " https://b.example/\n", "text", 1},
	}
	defer func(n int) { maxTextBytes = n }(maxTextBytes)
	maxTextBytes = 64 << 10
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Analyse(context.Background(), "mail/0", Message{File: "b.eml", Raw: []byte(tt.raw)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			hit := slices.ContainsFunc(m.Limits, func(s string) bool { return strings.Contains(s, tt.limit) })
			if tt.limit == "" && len(m.Limits) > 0 || tt.limit != "" && !hit {
				t.Errorf("limits %q, want one about %q", m.Limits, tt.limit)
			}
			if len(m.Links) != tt.links {
				t.Errorf("%d links, want %d", len(m.Links), tt.links)
			}
		})
	}
}

func TestParseReceived(t *testing.T) {
	tests := []struct {
		raw                      string
		from, by, with, id, for_ string
		ip                       string
		time                     string
	}{
		{"from mail135-7.atl141.mandrillapp.com (mail135-7.atl141.mandrillapp.com [192.0.2.135]) by mx1.example.net (Postfix) with ESMTPS id 4HkrD02xQbz9sWn for <m@example.net>; Wed,  3 Nov 2021 15:24:29 +0000 (UTC)",
			"mail135-7.atl141.mandrillapp.com", "mx1.example.net", "ESMTPS", "4HkrD02xQbz9sWn", "m@example.net", "192.0.2.135", "2021-11-03T15:24:29Z"},
		{"from [203.0.113.50] by mandrillapp.com id 0c5d; Wed, 03 Nov 2021 15:24:27 +0000",
			"", "mandrillapp.com", "", "0c5d", "", "203.0.113.50", "2021-11-03T15:24:27Z"},
		{"from [203.0.113.9] (helo=web.ville.fr) by smtp.ville.fr with esmtpa (Exim 4.96) (envelope-from <x@ville.fr>) id 1pXyZ-0003Ab-2c; Mon, 03 Apr 2023 10:00:00 +0200",
			"", "smtp.ville.fr", "esmtpa", "1pXyZ-0003Ab-2c", "", "203.0.113.9", "2023-04-03T08:00:00Z"},
		{"from PR3PR02MB6123.eurprd02.prod.outlook.com (2001:db8:e5::6123) by PR3PR02MB6124.eurprd02.prod.outlook.com (2001:db8:e5::6124) with Microsoft SMTP Server (version=TLS1_2) id 15.20.6178.37; Mon, 27 Mar 2023 10:01:54 +0000",
			"pr3pr02mb6123.eurprd02.prod.outlook.com", "pr3pr02mb6124.eurprd02.prod.outlook.com", "Microsoft SMTP Server", "15.20.6178.37", "", "2001:db8:e5::6123", "2023-03-27T10:01:54Z"},
		{"from x.example.org (x.example.org [IPv6:2001:db8::25]) by y.example.net; Tue, 4 Apr 2023 12:00:00 -0400 (EDT)",
			"x.example.org", "y.example.net", "", "", "", "2001:db8::25", "2023-04-04T16:00:00Z"},
		{"by 2001:db8:e5::42 with SMTP id x12mr1234567ejy.5.1680009728123; Tue, 28 Mar 2023 06:22:08 -0700 (PDT)",
			"", "2001:db8:e5::42", "SMTP", "x12mr1234567ejy.5.1680009728123", "", "", "2023-03-28T13:22:08Z"},
		{"from localhost (unknown [(((((((", "", "", "", "", "", "", ""},
		{"garbage without clauses", "", "", "", "", "", "", ""},
		{"", "", "", "", "", "", "", ""},
	}
	for _, tt := range tests {
		h := parseReceived(tt.raw)
		var ts string
		if !h.Time.IsZero() {
			ts = h.Time.Format(time.RFC3339)
		}
		got := []string{h.From, h.By, h.With, h.MTAID, h.For, h.IP, ts}
		want := []string{tt.from, tt.by, tt.with, tt.id, tt.for_, tt.ip, tt.time}
		if !slices.Equal(got, want) {
			t.Errorf("parseReceived(%q)\n got %q\nwant %q", tt.raw, got, want)
		}
	}
}

func TestParseAuthResults(t *testing.T) {
	tests := []struct {
		raw, source string
		want        []string // method result domain @server
	}{
		{"mx.google.com; dkim=pass header.i=@mandrillapp.com header.s=mandrill header.b=Xq3p; spf=pass (google.com: domain of bounce@track.v.com designates 192.0.2.135 as permitted sender; more) smtp.mailfrom=bounce@track.v.com; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=v.com",
			"authentication-results", []string{"dkim pass mandrillapp.com @mx.google.com", "spf pass track.v.com @mx.google.com", "dmarc pass v.com @mx.google.com"}},
		{"i=1; mx.google.com; dkim=fail header.d=a.fr; arc=none", "arc", []string{"dkim fail a.fr @mx.google.com", "arc none  @mx.google.com"}},
		{"mx1.example.net; none", "authentication-results", nil},
		{"mx1.example.net 2; spf=pass smtp.mailfrom=a.fr", "authentication-results", nil},
		{"mx1.example.net; x-custom=PASS header.from=c.fr; spf", "authentication-results", []string{"x-custom pass c.fr @mx1.example.net"}},
		{"", "authentication-results", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range parseAuthResults(tt.raw, tt.source) {
			if r.Source != tt.source {
				t.Errorf("source %q", r.Source)
			}
			got = append(got, fmt.Sprintf("%s %s %s @%s", r.Method, r.Result, r.Domain, r.Server))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseAuthResults(%q)\n got %q\nwant %q", tt.raw, got, tt.want)
		}
	}
}

func TestRedirect(t *testing.T) {
	tests := []struct {
		link, entity, dest string
	}{
		{"https://mandrillapp.com/track/click/1/x.fr?p=eyJwIjoie1widXJsXCI6XCJodHRwczpcXC9cXC94LmZyXFwvYVwifSJ9", "mandrill", "https://x.fr/a"},
		{"https://mandrillapp.com/track/click/1/x.fr?p=eyJ1cmwiOiJodHRwczovL3guZnIvYiJ9", "mandrill", "https://x.fr/b"},
		{"https://mandrillapp.com/track/click/1/x.fr?p=!!!", "mandrill", ""},
		{"https://mandrillapp.com/track/click/1/x.fr?p=eyJ1cmwiOiJqYXZhc2NyaXB0OmFsZXJ0KDEpIn0", "mandrill", ""}, // javascript: is no destination
		{"https://a1.r.eu-west-1.awstrack.me/L0/https:%2F%2Fx.fr%2Fp%3Fq=1/1/abc/def=1", "amazon-ses", "https://x.fr/p?q=1"},
		{"https://click.pstmrk.it/3s/x.fr%2Fagenda/AbCd", "postmark", "https://x.fr/agenda"},
		{"https://click.pstmrk.it/2/x.fr%2Fa/AbCd", "postmark", "http://x.fr/a"},
		{"https://email.mailgun.net/c/eJyrVipNLsnMzytWsopWKkpVslJKTqpM1UvPz8pRSMsvTQIAYoIHwA", "mailgun", ""},
		{"https://u1.ct.sendgrid.net/ls/click?upn=abc", "sendgrid", ""},
		{"https://x.us21.list-manage.com/track/click?u=1&id=2&e=3", "mailchimp", ""},
		{"https://x.r.sp1-brevo.net/mk/cl/f/abc", "brevo", ""},
		{"https://x8k2p.mjt.lu/lnk/AVc/1/abc", "mailjet", ""},
		{"https://spgo.io/f/a/AbCd/~/AAAA", "sparkpost", ""},
		{"https://mandrillapp.com/contact", "", ""},
		{"https://example.com/track/click?url=https://x.fr", "", ""},
	}
	for _, tt := range tests {
		u, _, ok := webURL(tt.link)
		if !ok {
			t.Fatalf("webURL(%q) failed", tt.link)
		}
		entity, dest := redirect(u)
		if entity != tt.entity || dest != tt.dest {
			t.Errorf("redirect(%q) = %q %q, want %q %q", tt.link, entity, dest, tt.entity, tt.dest)
		}
	}
}

func TestMailgunZlibDestination(t *testing.T) {
	// {"url": "https://x.fr/jeunes"} compressed with zlib, base64url.
	u, _, _ := webURL("https://email.mailgun.org/c/eJyrViotylGyUlDKKCkpKLbS16_QSyvSz0otzUstVqoFAJjGCjA")
	if entity, dest := redirect(u); entity != "mailgun" || dest != "https://x.fr/jeunes" {
		t.Errorf("redirect %q %q", entity, dest)
	}
}

func TestPixel(t *testing.T) {
	tests := []struct {
		src    string
		attrs  map[string]string
		pixel  bool
		reason string
	}{
		{"https://mandrillapp.com/track/open.php?u=1&id=2", nil, true, "known open-tracking path (mandrill)"},
		{"https://img.example/p.gif", map[string]string{"width": "1", "height": "1px"}, true, "1×1 image"},
		{"https://img.example/p.gif", map[string]string{"style": "width: 1px; height: 1px"}, true, "1×1 image"},
		{"https://img.example/p.gif", map[string]string{"style": "display:none"}, true, "hidden image"},
		{"https://img.example/logo.png", map[string]string{"width": "120", "height": "1"}, false, ""},
		{"https://img.example/logo.png", nil, false, ""},
	}
	for _, tt := range tests {
		u, _, _ := webURL(tt.src)
		if p, r := pixel(u, tt.attrs); p != tt.pixel || r != tt.reason {
			t.Errorf("pixel(%q, %v) = %v %q", tt.src, tt.attrs, p, r)
		}
	}
}

// TestIdentity: codes and recipient names, positive and negative cases
// side by side.
func TestIdentity(t *testing.T) {
	tests := []struct {
		name, to, body string
		codes          []string // kind value
		named          bool
	}{
		{"greeting and printed code", "b@example.net", "Bonjour Marie Dupont,\nVotre code de participation : 4821-3957\n", []string{"text 4821-3957"}, true},
		{"generic greeting", "b@example.net", "Bonjour,\nMadame, Monsieur,\nChers habitants,\n", nil, false},
		{"civility and name", "b@example.net", "Madame Dupont,\nbienvenue.\n", nil, true},
		{"To display name", "Paul Martin <b@example.net>", "Bonjour,\n", nil, true},
		{"name-like To address", "paul.martin@example.net", "Bonjour,\n", nil, true},
		{"opaque To address", "x7k2@example.net", "Bonjour,\n", nil, false},
		{"English code", "b@example.net", "Hello,\nyour access code is K7QF29XM\n", []string{"text K7QF29XM"}, false},
		{"postal code is no code", "b@example.net", "Code postal : 50100\n", nil, false},
		{"phone number is no code", "b@example.net", "Numéro de téléphone : 0233000000\n", nil, false},
		{"a word is no code", "b@example.net", "Le code est simple : lisez.\n", nil, false},
		{"token link", "b@example.net", "https://site.fr/vote?sid=a81b34d6fa0c&lang=fr\n", []string{"url-parameter a81b34d6fa0c"}, false},
		{"flag parameter is no code", "b@example.net", "https://site.fr/vote?invitation=true&confirm=1\n", nil, false},
		{"random path segment", "b@example.net", "https://site.fr/i/9f4c2a7e81b34d6fa0c5e2b7/\n", []string{"path-segment 9f4c2a7e81b34d6fa0c5e2b7"}, false},
		{"slug is no token", "b@example.net", "https://site.fr/consultation-plan-velo-2024/\n", nil, false},
		{"name written in the text", "Paul Martin <b@example.net>", "Compte de Paul Martin créé.\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: Mairie <m@ville.fr>\nTo: " + tt.to + "\nContent-Type: text/plain; charset=utf-8\n\n" + tt.body
			m, err := Analyse(context.Background(), "mail/0", Message{File: "x.eml", Raw: []byte(raw)}, Options{NoRedact: true})
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, c := range m.Codes {
				codes = append(codes, c.Kind+" "+c.Value)
			}
			if !slices.Equal(codes, tt.codes) {
				t.Errorf("codes %q, want %q", codes, tt.codes)
			}
			if named := len(m.RecipientNamed) > 0; named != tt.named {
				t.Errorf("named %v (%+v), want %v", named, m.RecipientNamed, tt.named)
			}
		})
	}
}

// tempErr is a temporary resolver failure (a net.Error).
type tempErr struct{}

func (tempErr) Error() string   { return "timeout" }
func (tempErr) Timeout() bool   { return true }
func (tempErr) Temporary() bool { return true }

func TestDKIMVerification(t *testing.T) {
	record := scantest.CleanDKIMRecord()
	name := scantest.CleanDKIMSelector + "._domainkey.commune-propre.fr"
	clean := fixture(t, scantest.MailClean)
	tampered := []byte(strings.Replace(string(clean), "plan vélo", "plan voiture", 1))
	tests := []struct {
		name   string
		raw    []byte
		lookup func(ctx context.Context, n string) ([]string, error)
		result string
	}{
		{"the lab key verifies", clean, func(_ context.Context, n string) ([]string, error) {
			if n != name {
				return nil, fmt.Errorf("no such name %s", n)
			}
			return []string{record}, nil
		}, "pass"},
		{"a changed body fails", tampered, func(context.Context, string) ([]string, error) { return []string{record}, nil }, "fail"},
		{"no key is a permanent error", clean, func(context.Context, string) ([]string, error) { return nil, fmt.Errorf("no such name") }, "permerror"},
		{"a resolver failure is temporary", clean, func(context.Context, string) ([]string, error) { return nil, tempErr{} }, "temperror"},
		{"without a resolver, not verified", clean, nil, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Analyse(context.Background(), "mail/0", Message{File: "clean.eml", Raw: tt.raw}, Options{LookupTXT: tt.lookup})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.DKIM) != 1 || m.DKIM[0].Result != tt.result || m.DKIM[0].Domain != "commune-propre.fr" {
				t.Errorf("DKIM %+v, want %s", m.DKIM, tt.result)
			}
		})
	}
}

func TestHosts(t *testing.T) {
	m := analyseFixture(t, scantest.MailFounding, Options{})
	got := map[string]bool{}
	for _, h := range Hosts(&m) {
		got[h.Role+" "+h.Name] = true
	}
	for _, w := range []string{
		"mail-relay mail135-7.atl141.mandrillapp.com", "mail-relay mandrillapp.com", "mail-relay 192.0.2.135", "mail-relay 203.0.113.50",
		"mail-sender participation-vendor.com", "mail-sender track.participation-vendor.com", "mail-sender mandrillapp.com",
		"mail-link mandrillapp.com", "mail-link jeparticipe.ville-exemple.fr",
	} {
		if !got[w] {
			t.Errorf("host %q missing", w)
		}
	}
	for _, no := range []string{"mail-relay mx1.example.net", "mail-relay 127.0.0.1", "mail-relay localhost"} {
		if got[no] {
			t.Errorf("host %q listed: the recipient's servers and local addresses are not the sender's", no)
		}
	}
	if Hosts(&evidence.Mail{Error: "x", Links: []evidence.MailLink{{Host: "a.fr"}}}) != nil {
		t.Error("a mail that failed has hosts")
	}
}

// TestFingerprintData: every provider, redirector and pixel form names an
// entity of the catalogue, so that reports can name its owner and country;
// host lists are lower-case names.
func TestFingerprintData(t *testing.T) {
	keys := map[string]bool{}
	for _, e := range entities.Default().Entities() {
		keys[e.Key] = true
	}
	check := func(what, key string, hosts ...[]string) {
		if !keys[key] {
			t.Errorf("%s %q is not a catalogue key", what, key)
		}
		for _, list := range hosts {
			for _, h := range list {
				if !validHost(h) {
					t.Errorf("%s %s: %q is not a lower-case host name", what, key, h)
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, fp := range Fingerprints {
		if seen[fp.Entity] {
			t.Errorf("fingerprint %s listed twice", fp.Entity)
		}
		seen[fp.Entity] = true
		check("fingerprint", fp.Entity, fp.Relays, fp.DKIM, fp.MessageIDs, fp.Bounces, fp.Links)
		strong := false
		for _, h := range fp.Headers {
			strong = strong || !h.Weak
			if h.Contains != strings.ToLower(h.Contains) {
				t.Errorf("%s: header value %q must be lower case", fp.Entity, h.Contains)
			}
		}
		if len(fp.Headers) > 0 && !strong && len(fp.Relays)+len(fp.DKIM) == 0 {
			t.Errorf("%s can never match", fp.Entity)
		}
	}
	for _, r := range redirectors {
		check("redirector", r.entity, r.hosts)
	}
	for _, p := range pixelPaths {
		check("pixel", p.entity, p.hosts)
	}
}

// TestSides: whose infrastructure each hop is, with and without the
// organisation's domains.
func TestSides(t *testing.T) {
	msg := "Received: from mx.ville.fr (mx.ville.fr [203.0.113.11]) by mx1.example.net; Mon, 3 Apr 2023 09:00:02 +0000\n" +
		"Received: from relay.esp.com (relay.esp.com [192.0.2.9]) by mx.ville.fr; Mon, 3 Apr 2023 09:00:01 +0000\n" +
		"Received: from app.vendor.com (app.vendor.com [203.0.113.50]) by relay.esp.com; Mon, 3 Apr 2023 09:00:00 +0000\n" +
		"From: Ville <a@vendor.com>\nTo: b@example.net\n\nbody\n"
	tests := []struct {
		name  string
		org   []string
		sides []string
		first int
	}{
		{"the vendor's mail through an ESP and the city's MX", []string{"ville.fr"},
			[]string{evidence.HopRelay, evidence.HopSender, evidence.HopRecipient}, 0},
		{"without the organisation's domains", nil,
			[]string{evidence.HopRelay, evidence.HopRelay, evidence.HopRecipient}, 0},
		{"the ESP as the organisation's own", []string{"ville.fr", "esp.com"},
			[]string{evidence.HopSender, evidence.HopSender, evidence.HopRecipient}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Analyse(context.Background(), "mail/0", Message{File: "x.eml", Raw: []byte(msg)}, Options{OrgDomains: tt.org})
			if err != nil {
				t.Fatal(err)
			}
			var sides []string
			for _, h := range m.Hops {
				sides = append(sides, h.Side)
			}
			if !slices.Equal(sides, tt.sides) || m.FirstExternalHop != tt.first {
				t.Errorf("sides %v first %d, want %v %d", sides, m.FirstExternalHop, tt.sides, tt.first)
			}
		})
	}
}

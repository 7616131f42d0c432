package scantest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

var updateMails = flag.Bool("update", false, "re-sign the clean mail fixture with the lab DKIM key")

// TestMailFixtures checks that every fixture named by the package exists,
// and that the clean mail's DKIM signature verifies against the key the lab
// DNS serves. With -update, the clean mail is signed again first (after an
// edit of its signed headers or body).
func TestMailFixtures(t *testing.T) {
	names := Mails()
	for _, n := range append([]string{MailFounding, MailClean, MailMbox}, keys(MailProviderShapes)...) {
		if !slices.Contains(names, n) {
			t.Errorf("fixture %s is missing from scantest/mails", n)
		}
	}
	if _, err := MailFixture("no-such.eml"); err == nil {
		t.Error("MailFixture of an unknown name did not fail")
	}
	if *updateMails {
		signClean(t)
	}

	lab, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	lookup := func(name string) ([]string, error) {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
		in, err := dns.Exchange(m, lab.DNSAddr)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, rr := range in.Answer {
			if txt, ok := rr.(*dns.TXT); ok {
				out = append(out, strings.Join(txt.Txt, ""))
			}
		}
		return out, nil
	}
	raw, err := MailFixture(MailClean)
	if err != nil {
		t.Fatal(err)
	}
	if *updateMails {
		raw, _ = os.ReadFile(filepath.Join("mails", MailClean))
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(crlf(raw)), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != CleanDomain {
		for _, v := range vs {
			t.Errorf("clean mail DKIM: d=%s: %v", v.Domain, v.Err)
		}
		t.Fatalf("the clean mail's DKIM signature does not verify against the lab key (%d signatures); run go test ./scanner/scantest -run TestMailFixtures -update", len(vs))
	}
}

// signClean replaces the DKIM-Signature of mails/clean.eml with a fresh
// one made with CleanDKIMKey.
func signClean(t *testing.T) {
	t.Helper()
	path := filepath.Join("mails", MailClean)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	at := -1
	var kept []string
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(strings.ToLower(lines[i]), "dkim-signature:") {
			at = len(kept)
			for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
				i++
			}
			continue
		}
		kept = append(kept, lines[i])
	}
	if at < 0 {
		t.Fatal("clean.eml has no DKIM-Signature line to replace")
	}
	msg := strings.Join(kept, "")
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain: CleanDomain, Selector: CleanDKIMSelector, Signer: CleanDKIMKey(),
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(crlf([]byte(msg))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sig := strings.ReplaceAll(s.Signature(), "\r\n", "\n")
	out := slices.Concat(kept[:at], []string{sig}, kept[at:])
	if err := os.WriteFile(path, []byte(strings.Join(out, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("re-signed %s", path)
}

// crlf makes every bare LF a CRLF, as on the wire.
func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

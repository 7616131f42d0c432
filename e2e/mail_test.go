package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// mailFiles writes lab mail fixtures into a temporary directory.
func mailFiles(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for _, n := range names {
		p, err := scantest.WriteMailFixture(dir, n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestMailFounding: vigie mail on the founding mail fails exactly the six
// mail checks the founding audit describes; its DKIM signatures align.
func TestMailFounding(t *testing.T) {
	l, _ := lab(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := scanner.ScanMail(ctx, scanner.Options{Mails: mailFiles(t, scantest.MailFounding),
		Resolver: l.DNSAddr, RDAPServer: l.RDAP.URL, WhoisServer: l.Whois.Addr})
	if err != nil {
		t.Fatal(err)
	}
	j := judge(res.Evidence)
	var failed []string
	for _, r := range j.outcome.Results {
		if r.Status == checks.StatusFail {
			failed = append(failed, r.Check)
		}
	}
	if len(failed) != 6 || slices.Contains(failed, "mail.auth-misaligned") {
		t.Errorf("failed checks %v", failed)
	}
}

// TestMailWithSite: a scan of the founding portal with its mail names the
// relay and its owner, and the city's own mail servers that were not used.
func TestMailWithSite(t *testing.T) {
	ev, _ := labScan(t, "https://"+scantest.HostFounding+"/", scanner.Options{Consent: "none", Mails: mailFiles(t, scantest.MailFounding)})
	j := judge(ev)
	var relay *checks.Finding
	for i := range j.outcome.Findings {
		if j.outcome.Findings[i].ID == "mail.third-party-relay" {
			relay = &j.outcome.Findings[i]
		}
	}
	if relay == nil || !strings.Contains(relay.Summary, "Mandrill (Mailchimp Transactional) (The Rocket Science Group LLC, US)") ||
		!strings.Contains(relay.Summary, "ville-exemple.fr has its own mail servers (MX mailgate.ville-exemple.fr, mailgate2.ville-exemple.fr)") ||
		!slices.Contains(relay.Evidence, "dns/zone/ville-exemple.fr") {
		t.Errorf("relay finding %+v", relay)
	}
}

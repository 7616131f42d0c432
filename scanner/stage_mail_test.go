package scanner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/scanner/evidence"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

func startMailLab(t *testing.T) *scantest.Lab {
	t.Helper()
	lab, err := scantest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lab.Close() })
	return lab
}

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

func mailLabOptions(lab *scantest.Lab, files ...string) Options {
	return Options{Mails: files, Resolver: lab.DNSAddr, RDAPServer: lab.RDAP.URL, WhoisServer: lab.Whois.Addr, Timeout: 30 * time.Second}
}

func hostByName(ev *evidence.Evidence, name string) *evidence.Host {
	for i := range ev.Hosts {
		if ev.Hosts[i].Name == name {
			return &ev.Hosts[i]
		}
	}
	return nil
}

// TestScanMailFounding: vigie mail on the founding mail names the relay
// and who owns it, the sender's and the city's zones, records the DKIM
// lookups, and keeps no personal value.
func TestScanMailFounding(t *testing.T) {
	lab := startMailLab(t)
	res, err := ScanMail(context.Background(), mailLabOptions(lab, mailFiles(t, scantest.MailFounding)...))
	if err != nil {
		t.Fatal(err)
	}
	ev := res.Evidence
	if !ev.Has(evidence.KindMail) || len(ev.Errors) != 0 || len(ev.Mails) != 1 {
		t.Fatalf("collected %v, errors %v, %d mails", ev.Collected, ev.Errors, len(ev.Mails))
	}
	if len(ev.Target.MailFiles) != 1 || ev.Target.URL != "" {
		t.Errorf("target %+v", ev.Target)
	}
	tests := []struct {
		host, role, operator, owner string
	}{
		{"mail135-7.atl141.mandrillapp.com", evidence.RoleMailRelay, "org/mailchimp", "org/mandrill"},
		{"192.0.2.135", evidence.RoleMailRelay, "org/mailchimp", ""},
		{"track.participation-vendor.com", evidence.RoleMailSender, "org/mailchimp", "org/participation-vendor"},
		{"participation-vendor.com", evidence.RoleMailSender, "org/ovhcloud", "org/participation-vendor"},
		{"jeparticipe.ville-exemple.fr", evidence.RoleMailLink, "org/cloudflare", "org/commune-de-ville-exemple"},
		{"mailgate.ville-exemple.fr", evidence.RoleMailServers, "org/conseil-departemental-de-la-manche", "org/commune-de-ville-exemple"},
	}
	for _, tt := range tests {
		h := hostByName(ev, tt.host)
		if h == nil {
			t.Errorf("host %s missing", tt.host)
			continue
		}
		if !slices.Contains(h.Roles, tt.role) || h.Operator != tt.operator || h.DomainOwner != tt.owner {
			t.Errorf("host %s: roles %v operator %q owner %q; want %s %q %q", tt.host, h.Roles, h.Operator, h.DomainOwner, tt.role, tt.operator, tt.owner)
		}
	}
	if hostByName(ev, "mx1.example.net") != nil || hostByName(ev, "127.0.0.1") != nil {
		t.Error("the recipient's server or a loopback address went to the ownership stage")
	}
	for _, z := range []string{"participation-vendor.com", "ville-exemple.fr"} {
		if ev.DNS.Zone(z) == nil {
			t.Errorf("zone %s not gathered", z)
		}
	}
	if z := ev.DNS.Zone("ville-exemple.fr"); z != nil && (len(z.MX) != 2 || z.MX[0].Host != "mailgate.ville-exemple.fr") {
		t.Errorf("the city's MX %+v", z.MX)
	}
	m := ev.Mails[0]
	for i, want := range []string{"mandrillapp.com", "participation-vendor.com"} {
		if m.DKIM[i].Domain != want || m.DKIM[i].Result != "permerror" || !strings.Contains(m.DKIM[i].Error, "no key") {
			t.Errorf("DKIM %d: %+v", i, m.DKIM[i])
		}
	}
	lookups := map[string]bool{}
	for _, l := range ev.DNS.Lookups {
		lookups[l.ID] = true
	}
	if !lookups["dns/q/mandrill._domainkey.mandrillapp.com/TXT"] {
		t.Error("the DKIM key lookup is not in the evidence")
	}
	var mandrill *evidence.Organisation
	for i := range ev.Organisations {
		if ev.Organisations[i].ID == m.Providers[0].Organisation {
			mandrill = &ev.Organisations[i]
		}
	}
	if mandrill == nil || mandrill.Country != "US" || mandrill.Catalogue != "mandrill" {
		t.Errorf("the provider's organisation %+v", mandrill)
	}
	b, _ := json.Marshal(ev)
	for _, v := range []string{"Marie", "Dupont", "marie.dupont", "4821-3957", "9f4c2a7e81b34d6fa0c5e2b7d19a3f68", "0c5d1e7b8a9f4e2d96b3a1c7e5f80d24"} {
		if strings.Contains(string(b), v) {
			t.Errorf("personal value %q in the evidence", v)
		}
	}
}

func TestScanMailLab(t *testing.T) {
	lab := startMailLab(t)
	bad := filepath.Join(t.TempDir(), "bad.eml")
	if err := os.WriteFile(bad, []byte("this is not a mail\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		files     []string
		noRedact  bool
		collected bool
		mails     int
		errors    []string // targets of the mail errors (suffixes)
		check     func(t *testing.T, ev *evidence.Evidence)
	}{
		{"the clean mail verifies", mailFiles(t, scantest.MailClean), false, true, 1, nil, func(t *testing.T, ev *evidence.Evidence) {
			m := ev.Mails[0]
			if len(m.DKIM) != 1 || m.DKIM[0].Result != "pass" || len(m.Providers) != 0 {
				t.Errorf("DKIM %+v providers %+v", m.DKIM, m.Providers)
			}
			if h := hostByName(ev, "mx.commune-propre.fr"); h == nil || !slices.Contains(h.Roles, evidence.RoleMailRelay) || h.Operator != "org/ovhcloud" {
				t.Errorf("the town's own relay: %+v", h)
			}
		}},
		{"no redaction", mailFiles(t, scantest.MailFounding), true, true, 1, nil, func(t *testing.T, ev *evidence.Evidence) {
			if m := ev.Mails[0]; m.Redacted || m.To[0].Name != "Marie Dupont" {
				t.Errorf("redacted %v, To %+v", m.Redacted, m.To)
			}
		}},
		{"an mbox with a malformed message", mailFiles(t, scantest.MailMbox), false, true, 3, []string{"several.mbox#2"}, func(t *testing.T, ev *evidence.Evidence) {
			if ev.Mails[1].Error == "" || ev.Mails[0].Error != "" || ev.Mails[2].Error != "" || ev.Mails[2].ID != "mail/2" {
				t.Errorf("mails %+v", ev.Mails)
			}
		}},
		{"several files", append(mailFiles(t, scantest.MailClean), bad), false, true, 2, []string{"bad.eml"}, nil},
		{"nothing readable", []string{bad}, false, false, 1, []string{"bad.eml"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := mailLabOptions(lab, tt.files...)
			opts.NoRedact = tt.noRedact
			res, err := ScanMail(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			ev := res.Evidence
			if ev.Has(evidence.KindMail) != tt.collected || len(ev.Mails) != tt.mails {
				t.Fatalf("collected %v, %d mails", ev.Collected, len(ev.Mails))
			}
			var errs []string
			for _, e := range ev.Errors {
				if e.Stage == "mail" {
					errs = append(errs, e.Target)
				}
			}
			if len(errs) != len(tt.errors) {
				t.Fatalf("mail errors %v, want %v", errs, tt.errors)
			}
			for i, e := range errs {
				if !strings.HasSuffix(e, tt.errors[i]) {
					t.Errorf("error target %q, want …%s", e, tt.errors[i])
				}
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
}

func TestScanMailConfig(t *testing.T) {
	for _, opts := range []Options{{}, {Mails: []string{filepath.Join(t.TempDir(), "missing.eml")}}} {
		if _, err := ScanMail(context.Background(), opts); err == nil {
			t.Errorf("ScanMail(%v) did not fail", opts.Mails)
		} else if _, ok := err.(*ConfigError); !ok {
			t.Errorf("error %v is not a configuration error", err)
		}
	}
}

// TestCollectMailWithSite runs the stages as Scan runs them with --mail
// but without the browser: DNS, mail, then ownership. The site and the
// mail share one evidence; the relays are attributed; the site's domain is
// the organisation's, whose own mail servers are gathered.
func TestCollectMailWithSite(t *testing.T) {
	lab := startMailLab(t)
	opts := mailLabOptions(lab, mailFiles(t, scantest.MailFounding)...)
	url := "https://jeparticipe.ville-exemple.fr/"
	opts.URL = url
	target, err := ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newScan(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	res := s.newResult(target)
	res.merge(s.stage(ctx, "dns", func(ctx context.Context) stageResult { return s.siteDNS(ctx, target) }))
	res.merge(s.stage(ctx, "mail", s.mailStage))
	res.merge(s.stage(ctx, "ownership", func(ctx context.Context) stageResult { return s.ownershipStage(ctx, res.Evidence) }))
	ev := res.Evidence

	for _, k := range []evidence.Kind{evidence.KindDNS, evidence.KindMail, evidence.KindOwnership} {
		if !ev.Has(k) {
			t.Errorf("%s not collected (%v)", k, ev.Errors)
		}
	}
	if h := hostByName(ev, "jeparticipe.ville-exemple.fr"); h == nil || !slices.Contains(h.Roles, evidence.RoleSite) || !slices.Contains(h.Roles, evidence.RoleMailLink) {
		t.Errorf("the site's host %+v lacks its site or mail-link role", h)
	}
	if h := hostByName(ev, "mail135-7.atl141.mandrillapp.com"); h == nil || h.Operator != "org/mailchimp" {
		t.Errorf("the relay %+v is not attributed", h)
	}
	for _, mx := range []string{"mailgate.ville-exemple.fr", "mailgate2.ville-exemple.fr"} {
		if h := hostByName(ev, mx); h == nil || !slices.Contains(h.Roles, evidence.RoleMailServers) {
			t.Errorf("the city's mail server %s: %+v", mx, h)
		}
	}
	if sides := []string{ev.Mails[0].Hops[0].Side, ev.Mails[0].Hops[2].Side}; !slices.Equal(sides, []string{evidence.HopRelay, evidence.HopRecipient}) {
		t.Errorf("sides %v", sides)
	}
	var stages []string
	for _, st := range ev.Environment.Stages {
		stages = append(stages, st.Stage+":"+st.Status)
	}
	if !slices.Equal(stages, []string{"dns:ok", "mail:ok", "ownership:ok"}) {
		t.Errorf("stages %v", stages)
	}
}

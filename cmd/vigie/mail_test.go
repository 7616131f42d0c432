package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/scantest"
)

// vigieMail runs the command line like vigie does, with the mail command
// added to the root when newRoot does not have it yet.
func vigieMail(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	if c, _, err := root.Find([]string{"mail"}); err != nil || c == root {
		root.AddCommand(newMailCmd(&out, &errb))
	}
	root.SetArgs(args)
	code := exitOK
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitUsage
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if msg := err.Error(); msg != "" {
			errb.WriteString("vigie: " + msg + "\n")
		}
	}
	return code, out.String(), errb.String()
}

// mailLabArgs points vigie mail at the lab's servers, without the user's cache.
func mailLabArgs(lab *scantest.Lab) []string {
	return []string{"--resolver", lab.DNSAddr, "--rdap-server", lab.RDAP.URL, "--whois-server", lab.Whois.Addr, "--cache-dir="}
}

// mailChecksRegistered reports whether the registry runs the mail checks
// (checks/registry.go lists checks.MailChecks).
func mailChecksRegistered() bool { return checks.Lookup("mail.code-with-identity") != nil }

// foundingPersonal are the founding mail's personal values.
var foundingPersonal = []string{"Marie", "Dupont", "marie.dupont", "4821-3957", "9f4c2a7e81b34d6fa0c5e2b7d19a3f68", "0c5d1e7b8a9f4e2d96b3a1c7e5f80d24"}

func TestMailCommand(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	dir := t.TempDir()
	founding, err := scantest.WriteMailFixture(dir, scantest.MailFounding)
	if err != nil {
		t.Fatal(err)
	}
	clean, _ := scantest.WriteMailFixture(dir, scantest.MailClean)
	bad := filepath.Join(dir, "bad.eml")
	os.WriteFile(bad, []byte("not a mail\n"), 0o644)

	mailFindings := []string{"mail.code-with-identity", "mail.sender-identity-mismatch", "mail.third-party-relay",
		"mail.click-tracking", "mail.open-tracking", "mail.bounce-domain-third-party"}
	tests := []struct {
		name     string
		args     []string
		code     int // when the mail checks are registered
		findings []string
	}{
		{"founding mail, every format", []string{founding, "--format", "json,html,md,sarif,junit"}, exitFindings, mailFindings},
		{"founding mail, fail-on none", []string{founding, "--fail-on", "none"}, exitOK, mailFindings},
		{"clean mail", []string{clean, "--fail-on", "info"}, exitOK, nil},
		{"nothing readable", []string{bad}, exitIncomplete, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bundle")
			args := append(append([]string{"mail", "--out", out}, mailLabArgs(lab)...), tt.args...)
			code, stdout, stderr := vigieMail(t, args...)
			want := tt.code
			if !mailChecksRegistered() && want == exitFindings {
				want = exitOK // no mail check runs until the registry lists them
			}
			if code != want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
			}
			r := readReport(t, out)
			if len(r.Evidence.Mails) != 1 || len(r.Target.MailFiles) != 1 {
				t.Fatalf("%d mails, target %+v", len(r.Evidence.Mails), r.Target)
			}
			if !strings.Contains(stdout, out) || strings.Contains(stdout, "vigie: mail") || !strings.Contains(stderr, "vigie: mail") {
				t.Errorf("stdout carries the summary, stderr the progress:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
			if mailChecksRegistered() {
				var got []string
				for _, f := range r.Findings {
					if strings.HasPrefix(f.ID, "mail.") {
						got = append(got, f.ID)
						if !slices.ContainsFunc(f.Evidence, func(id string) bool { return strings.HasPrefix(id, "mail/0") }) {
							t.Errorf("%s cites %v", f.ID, f.Evidence)
						}
					}
				}
				slices.Sort(got)
				if w := slices.Sorted(slices.Values(tt.findings)); !slices.Equal(got, w) {
					t.Errorf("mail findings %v\nwant %v", got, w)
				}
			}
			// No personal value in any file of the bundle, whatever its format.
			filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Error(err)
					return nil
				}
				for _, v := range foundingPersonal {
					if bytes.Contains(b, []byte(v)) {
						t.Errorf("%s carries the personal value %q", filepath.Base(p), v)
					}
				}
				return nil
			})
		})
	}

	// The relay's name, owner and country are in the report.
	out := filepath.Join(t.TempDir(), "b")
	vigieMail(t, append(append([]string{"mail", "--out", out, "--fail-on", "none"}, mailLabArgs(lab)...), founding)...)
	r := readReport(t, out)
	if m := r.Evidence.Mails[0]; !m.Redacted || len(m.Providers) != 1 || m.Providers[0].Entity != "mandrill" {
		t.Errorf("mail %+v", m)
	}
	if mailChecksRegistered() {
		for _, f := range r.Findings {
			if f.ID == "mail.third-party-relay" && !strings.Contains(f.Summary, "Mandrill (Mailchimp Transactional) (The Rocket Science Group LLC, US)") {
				t.Errorf("relay finding does not name Mandrill with owner and country: %s", f.Summary)
			}
		}
	}

	// --no-redact keeps the personal values.
	out = filepath.Join(t.TempDir(), "c")
	vigieMail(t, append(append([]string{"mail", "--out", out, "--fail-on", "none", "--no-redact"}, mailLabArgs(lab)...), founding)...)
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if !bytes.Contains(b, []byte("Marie Dupont")) || !bytes.Contains(b, []byte("4821-3957")) {
		t.Error("--no-redact lost the personal values")
	}
}

func TestMailUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"mail"}, "eml"},
		{"missing file", []string{"mail", "/nonexistent/x.eml"}, "x.eml"},
		{"bad fail-on", []string{"mail", "x.eml", "--fail-on", "severe"}, "severe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := vigieMail(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q should name %q", code, exitUsage, stderr, tt.want)
			}
		})
	}
}

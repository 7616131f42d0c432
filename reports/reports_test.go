package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-scan/vigie/checks"
	"github.com/vigie-scan/vigie/scanner/evidence"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	started  = time.Date(2026, 11, 21, 9, 50, 27, 0, time.FixedZone("CET", 3600))
	finished = started.Add(3 * time.Second)
)

// foundingEvidence is the founding case's DNS evidence, built by hand.
func foundingEvidence() *evidence.Evidence {
	return &evidence.Evidence{
		Target:      evidence.Target{URL: "https://jeparticipe.ville-exemple.fr/", Host: "jeparticipe.ville-exemple.fr", RegistrableDomain: "ville-exemple.fr"},
		Collected:   []evidence.Kind{evidence.KindDNS},
		Environment: evidence.Environment{Resolver: "127.0.0.1:5353", Timeout: "2m0s"},
		DNS: evidence.DNS{
			Lookups: []evidence.Lookup{{ID: "dns/q/jeparticipe.ville-exemple.fr/A", Name: "jeparticipe.ville-exemple.fr", Type: "A", Rcode: "NOERROR",
				Answers: []evidence.RR{
					{Name: "jeparticipe.ville-exemple.fr", Type: "CNAME", TTL: 900, Data: "proxy-fallback.participation-vendor.com."},
					{Name: "proxy-fallback.participation-vendor.com", Type: "A", TTL: 300, Data: "198.51.100.17"},
				}}},
			Resolutions: []evidence.Resolution{{ID: "dns/jeparticipe.ville-exemple.fr", Name: "jeparticipe.ville-exemple.fr",
				Chain:     []evidence.CNAME{{From: "jeparticipe.ville-exemple.fr", To: "proxy-fallback.participation-vendor.com", TTL: 900}},
				Canonical: "proxy-fallback.participation-vendor.com", Status: evidence.ResolvedOK,
				IPv4: []string{"198.51.100.17"}, Lookups: []string{"dns/q/jeparticipe.ville-exemple.fr/A"}}},
			Zones: []evidence.Zone{{ID: "dns/zone/ville-exemple.fr", Domain: "ville-exemple.fr", DNSSEC: evidence.DNSSECUnsigned,
				MX: []evidence.MX{{Preference: 10, Host: "mailgate.ville-exemple.fr"}}, SPF: "v=spf1 mx -all"}},
		},
		Errors: []evidence.Error{{Stage: "rdap", Target: "198.51.100.17", Error: "connection refused"}},
	}
}

func TestReportJSONGolden(t *testing.T) {
	ev := foundingEvidence()
	p := &checks.Policy{Ignore: []checks.Ignore{{Check: "dns.no-dnssec", Reason: "registrar migration in 2027", Expires: "2027-03-01"}}}
	out := checks.Run(ev, p, started)
	r := New("test", ev, out, p, started, finished)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/report.golden.json", buf.Bytes())

	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.StartedAt.Location() != time.UTC || len(back.Findings) != 1 || back.Findings[0].ID != "hosting.third-party-cname" {
		t.Errorf("round trip lost data: %+v", back.Findings)
	}
}

func TestReadJSONRejects(t *testing.T) {
	for _, in := range []string{`{"schema":"other/v9","evidence":{}}`, `{"schema":"vigie.report/v1"}`, `not json`} {
		if _, err := ReadJSON(strings.NewReader(in)); err == nil {
			t.Errorf("ReadJSON(%s) accepted", in)
		}
	}
	// What the schema rejects is no evidence to judge: a null target, a
	// key vigie never writes.
	ev := foundingEvidence()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, New("test", ev, checks.Run(ev, nil, started), nil, started, finished)); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ old, new, want string }{
		"null target": {`"target": {`, `"target": null, "x": {`, "/target"},
		"unknown key": {`"schema": "vigie.report/v1",`, `"schema": "vigie.report/v1", "colour": "red",`, "colour"},
	} {
		in := strings.Replace(buf.String(), tc.old, tc.new, 1)
		if _, err := ReadJSON(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", name, err, tc.want)
		}
	}
}

func TestWriteBundle(t *testing.T) {
	dir := t.TempDir()
	ev := foundingEvidence()
	r := New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	arts := []Artifact{{Path: "rdap/ip-198.51.100.17.json", Data: []byte(`{"x":1}`)}}
	if err := Write(dir, r, Options{Formats: []string{"json"}}, arts); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed, err := ReadManifest(f)
	if err != nil {
		t.Fatal(err)
	}
	actual, err := HashTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed["report.json"] == "" || listed["rdap/ip-198.51.100.17.json"] != actual["rdap/ip-198.51.100.17.json"] {
		t.Errorf("manifest %v does not match the files %v", listed, actual)
	}

	for _, bad := range []string{"../escape", "/etc/passwd", "", "a/../../x", ManifestName, SignatureName} {
		if err := Write(t.TempDir(), r, Options{}, []Artifact{{Path: bad}}); err == nil {
			t.Errorf("artefact path %q accepted", bad)
		}
	}
	if err := Write(t.TempDir(), r, Options{Formats: []string{"html"}}, []Artifact{{Path: "report.html", Data: []byte("x")}}); err == nil {
		t.Errorf("an artefact named report.html was allowed to overwrite the HTML report")
	}
	if err := Write(t.TempDir(), r, Options{Formats: []string{"pdf"}}, nil); err == nil || !strings.Contains(err.Error(), "pdf") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestSummary(t *testing.T) {
	ev := foundingEvidence()
	r := New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	var buf bytes.Buffer
	if err := WriteSummary(&buf, r, "/tmp/bundle"); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"2 finding(s): 1 medium, 1 low", "hosting.third-party-cname", "error: rdap 198.51.100.17", "/tmp/bundle"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test ./reports -update after checking the change):\n%s", path, got)
	}
}

// A target that redirected the browser to another host: "who operates
// this site" says so and describes the host the pages came from — its
// CNAME chain and addresses — in every format.
func TestRedirectedOperators(t *testing.T) {
	ev := fullEvidence()
	ev.Target.URL, ev.Target.Host = "https://participer.ville-exemple.fr/", "participer.ville-exemple.fr"
	ev.Target.Landed = "jeparticipe.ville-exemple.fr"
	ev.DNS.Resolutions = append(ev.DNS.Resolutions, evidence.Resolution{ID: "dns/participer.ville-exemple.fr", Name: "participer.ville-exemple.fr",
		Canonical: "participer.ville-exemple.fr", Status: evidence.ResolvedOK, IPv4: []string{"203.0.113.44"}})
	r := New("test", ev, checks.Run(ev, nil, started), nil, started, finished)
	var html, md, sum bytes.Buffer
	if err := WriteHTML(&html, r, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r, English); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(&sum, r, "/tmp/bundle"); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"html": html.String(), "md": md.String(), "summary": sum.String()} {
		ops := out
		if i := strings.Index(ops, "jeparticipe.ville-exemple.fr"); i < 0 {
			t.Errorf("%s: the host landed on is not named", name)
			continue
		}
		if name != "summary" && !strings.Contains(out, "The address participer.ville-exemple.fr redirects its visitors to jeparticipe.ville-exemple.fr") {
			t.Errorf("%s: no redirect line", name)
		}
		if name == "summary" && !strings.Contains(out, "Redirects to: jeparticipe.ville-exemple.fr") {
			t.Errorf("summary: no redirect line:\n%s", out)
		}
		if !strings.Contains(out, "198.51.100.17") || strings.Contains(out, "203.0.113.44") {
			t.Errorf("%s: the addresses shown are not the landed host's (198.51.100.17) alone", name)
		}
	}
}

package batch

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgress: plain lines name each finished site; the live line says
// done/total, failures, rate and ETA, and log lines go above it; text
// from a site cannot drive the terminal.
func TestProgress(t *testing.T) {
	clock := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	done := Record{URL: "https://a.fr/", Status: StatusDone, DurationMS: 1500, Worst: "high", FindingIDs: []string{"x", "y"}}
	failed := Record{URL: "https://b.fr/", Status: StatusFailed, Error: "boom\x1b[31m\nsecond line"}

	var plain bytes.Buffer
	p := NewProgress(&plain, false)
	p.now = now
	p.start(4, 1, 2)
	p.begin(Site{})
	p.begin(Site{})
	clock = clock.Add(30 * time.Second)
	p.end(done)
	p.end(failed)
	p.finish()
	want := []string{
		"vigie: batch  4 site(s), 2 at a time, 1 already done (--resume)",
		"vigie: batch  [2/4] done       https://a.fr/ (1.5s, 2 kind(s) of finding, worst high)",
		"vigie: batch  [3/4] failed     https://b.fr/ (0.0s): boom[31m second line",
		"vigie: batch  3/4 done, 1 not done · 4.0 sites/min · ETA 15s · 30s",
	}
	if got := strings.Split(strings.TrimSpace(plain.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plain progress:\n%s\nwant:\n%s", plain.String(), strings.Join(want, "\n"))
	}

	var live bytes.Buffer
	clock = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p = NewProgress(&live, true)
	p.now = now
	p.start(2, 0, 1)
	p.begin(Site{})
	clock = clock.Add(time.Minute)
	p.end(failed)
	p.logf("a note")
	p.finish()
	out := live.String()
	for _, w := range []string{"\r\x1b[Kvigie: batch  0/2 done, 1 running · 0s", "vigie: batch  failed", "\r\x1b[Kvigie: batch  a note\n", "1/2 done, 1 not done · 1.0 sites/min · ETA 1m0s · 1m0s\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("live progress lacks %q:\n%q", w, out)
		}
	}
	if strings.Contains(out, "\x1b[31m") {
		t.Errorf("a site's escape sequence reached the terminal: %q", out)
	}
	var nilP *Progress
	nilP.start(1, 0, 1)
	nilP.end(done)
	nilP.finish()
}

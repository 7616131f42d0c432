package e2e

import (
	"net"
	"testing"

	"github.com/vigie-scan/vigie/scanner"
)

// TestTargetPortClosedJudged: with nothing listening on the target's port,
// the checks that need the site's pages are not evaluated. vigie's proxy
// answered 502 for every load, and that answer was once judged as the
// site's: legal.notice-missing (high, "16 pages tried … HTTP status 502")
// and web.no-https fired on a site nobody saw.
func TestTargetPortClosedJudged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	ev, _ := labScan(t, url, scanner.Options{Consent: "none"})
	if len(ev.Incomplete) == 0 {
		t.Errorf("a scan that never saw its target is not incomplete: %+v", ev.Errors)
	}
	j := judge(ev)
	expect{
		silent:  []string{"legal.", "web.", "consent."},
		notEval: []string{"legal.notice-missing", "web.no-https", "consent.no-banner"},
	}.assert(t, j)
}

package scantest

import (
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/idna"
)

func TestTraps(t *testing.T) {
	l := webLab(t)
	c := labClient(l)

	// The tarpit accepts and never answers.
	conn, err := net.Dial("tcp", l.DialOverride()[HostTarpit+":443"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("\x16\x03\x01 hello"))
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the tarpit answered: %v", err)
	}

	// The padded page: more than 64 KiB of headers, and the _ga cookie.
	resp, body := fetch(t, c, http.MethodGet, "http://"+HostPadded+"/")
	size := 0
	for k, vs := range resp.Header {
		for _, v := range vs {
			size += len(k) + len(v) + 4
		}
	}
	if resp.StatusCode != 200 || size < 64<<10 || size > 256<<10 || !strings.Contains(body, "64 Kio") {
		t.Errorf("padded page: %d, %d bytes of headers", resp.StatusCode, size)
	}
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].Name != "_ga" || cs[0].MaxAge < 390*24*3600 {
		t.Errorf("padded page cookies %v", cs)
	}
	resp, _ = fetch(t, c, http.MethodGet, "http://"+HostPadded+PathPrivateRedirect)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != PrivateRedirectTarget {
		t.Errorf("private redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The slow page's assets and legal pages are all on the tarpit.
	_, body = fetch(t, c, http.MethodGet, "https://"+HostSlowAssets+"/")
	if strings.Count(body, "https://"+HostTarpit+"/") != 5 {
		t.Errorf("slow page: %d links to the tarpit", strings.Count(body, HostTarpit))
	}

	// The internationalised domain: its A-label is its U-label's.
	if a, err := idna.Lookup.ToASCII(IDNDomainUnicode); err != nil || a != IDNDomain {
		t.Errorf("%s → %q, %v; want %s", IDNDomainUnicode, a, err, IDNDomain)
	}
	resp, body = fetch(t, c, http.MethodGet, "https://"+IDNDomain+"/mentions-legales")
	if resp.StatusCode != 200 || !strings.Contains(body, "Hébergeur") {
		t.Errorf("IDN legal notice: %d", resp.StatusCode)
	}
}

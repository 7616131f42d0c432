package scantest

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The canary hears a datagram sent to it (a silent canary proves
// something only if it can hear), and the WebRTC page names it.
func TestUDPCanary(t *testing.T) {
	l := webLab(t)
	before := len(l.UDPCanary.Packets())
	c, err := net.Dial("udp", l.UDPCanary.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("stun?")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(l.UDPCanary.Packets()) == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := l.UDPCanary.Packets(); len(got) != before+1 || !strings.HasPrefix(got[before], "5 bytes from 127.0.0.1:") {
		t.Errorf("canary heard %v", got)
	}
	resp, body := fetch(t, labClient(l), http.MethodGet, "https://"+HostWebRTC+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "'"+l.UDPCanary.Addr+"'") {
		t.Errorf("the WebRTC page does not name the canary %s: %d %.300s", l.UDPCanary.Addr, resp.StatusCode, body)
	}
}

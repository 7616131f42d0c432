package scantest

import (
	"context"
	"net"
	"testing"

	"github.com/miekg/dns"
)

func TestStartCloseTwice(t *testing.T) {
	for i := range 2 {
		lab, err := Start(t.Context())
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if r := ask(t, lab, "udp", "www.ville-exemple.fr", dns.TypeA, 0, false); len(r.Answer) != 1 {
			t.Errorf("start %d: lab does not answer: %v", i, r)
		}
		addr := lab.DNSAddr
		if err := lab.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
		if err := lab.Close(); err != nil {
			t.Errorf("second close %d: %v", i, err)
		}

		// Close freed the port, UDP and TCP.
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatalf("udp port %s still taken after Close: %v", addr, err)
		}
		pc.Close()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("tcp port %s still taken after Close: %v", addr, err)
		}
		ln.Close()
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if lab, err := Start(ctx); err == nil {
		lab.Close()
		t.Error("Start with a cancelled context succeeded")
	}
}

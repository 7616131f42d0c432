package scantest

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// UDPCanary is a UDP listener on loopback that must hear nothing: the lab's
// WebRTC page (HostWebRTC) names it as its STUN and TURN server, and a
// browser that keeps WebRTC inside vigie's proxy never reaches it (UDP
// cannot go through the proxy).
type UDPCanary struct {
	// Addr is its "127.0.0.1:port".
	Addr string

	pc      net.PacketConn
	mu      sync.Mutex
	packets []string
	done    chan struct{}
}

// maxCanaryPackets bounds what the canary keeps.
const maxCanaryPackets = 1000

// startCanary listens on a random loopback UDP port.
func startCanary() (*UDPCanary, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("udp canary: %w", err)
	}
	c := &UDPCanary{Addr: pc.LocalAddr().String(), pc: pc, done: make(chan struct{})}
	go c.serve()
	return c, nil
}

func (c *UDPCanary) serve() {
	defer close(c.done)
	buf := make([]byte, 2048)
	for {
		n, from, err := c.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		c.mu.Lock()
		if len(c.packets) < maxCanaryPackets {
			c.packets = append(c.packets, fmt.Sprintf("%d bytes from %s", n, from))
		}
		c.mu.Unlock()
	}
}

// Packets returns what the canary heard, one line per datagram.
func (c *UDPCanary) Packets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.packets...)
}

// Close stops the canary.
func (c *UDPCanary) Close() error {
	err := c.pc.Close()
	<-c.done
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

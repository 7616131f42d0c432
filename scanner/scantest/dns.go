package scantest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

const (
	// labUDPSize is the EDNS0 buffer size the lab server advertises.
	labUDPSize = 1232
	// maxCounted bounds the distinct questions the query counter tracks.
	maxCounted = 100000
	// listenTries bounds the attempts to find a port free for UDP and TCP.
	listenTries = 10
	// shutdownGrace bounds how long Close waits for connections to end.
	shutdownGrace = 5 * time.Second
)

// dnsServer serves a Zone over UDP and TCP on one loopback port.
type dnsServer struct {
	zone *Zone
	addr string
	udp  *dns.Server
	tcp  *dns.Server
	// served receives each server's ActivateAndServe result.
	served chan error

	mu     sync.Mutex
	counts map[question]int
}

// question is a counted DNS question.
type question struct {
	name  string // lower case, no trailing dot
	qtype uint16
}

// startDNS starts serving zone on 127.0.0.1, UDP and TCP on the same
// random port. ctx bounds the start only.
func startDNS(ctx context.Context, zone *Zone) (*dnsServer, error) {
	pc, ln, err := listenPair(ctx)
	if err != nil {
		return nil, err
	}
	s := &dnsServer{
		zone:   zone,
		addr:   pc.LocalAddr().String(),
		served: make(chan error, 2),
		counts: make(map[question]int),
	}
	udpUp, tcpUp := make(chan struct{}), make(chan struct{})
	s.udp = &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: func() { close(udpUp) }}
	s.tcp = &dns.Server{Listener: ln, Handler: s, NotifyStartedFunc: func() { close(tcpUp) }}
	go func() { s.served <- s.udp.ActivateAndServe() }()
	go func() { s.served <- s.tcp.ActivateAndServe() }()

	for range 2 {
		select {
		case <-udpUp:
			udpUp = nil
		case <-tcpUp:
			tcpUp = nil
		case err := <-s.served:
			// One server could not start. Closing the sockets makes the
			// other return too, whether it had started or not.
			pc.Close()
			ln.Close()
			select {
			case <-s.served:
			case <-time.After(shutdownGrace):
			}
			if err == nil {
				err = errors.New("server stopped at start")
			}
			return nil, fmt.Errorf("dns server: %w", err)
		}
	}
	return s, nil
}

// listenPair opens a UDP socket and a TCP listener on the same random
// loopback port, trying again when the TCP port is taken.
func listenPair(ctx context.Context) (net.PacketConn, net.Listener, error) {
	var lc net.ListenConfig
	var lastErr error
	for range listenTries {
		pc, err := lc.ListenPacket(ctx, "udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dns server: udp listen: %w", err)
		}
		ln, err := lc.Listen(ctx, "tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, nil, fmt.Errorf("dns server: no port free for both udp and tcp after %d tries: %w", listenTries, lastErr)
}

// close stops both servers and waits for them to return; the port is free
// afterwards.
func (s *dnsServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var errs []error
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		if err := srv.ShutdownContext(ctx); err != nil && !strings.Contains(err.Error(), "server not started") {
			errs = append(errs, err)
		}
	}
	// Each server's listener is closed once ActivateAndServe returns.
	for range 2 {
		select {
		case err := <-s.served:
			if err != nil && !isClosedErr(err) {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("dns server did not stop: %w", ctx.Err()))
			return errors.Join(errs...)
		}
	}
	return errors.Join(errs...)
}

// isClosedErr reports whether err only says the listener was closed.
func isClosedErr(err error) bool { return errors.Is(err, net.ErrClosed) }

// count records one question received.
func (s *dnsServer) count(name string, qtype uint16) {
	q := question{strings.TrimSuffix(strings.ToLower(name), "."), qtype}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.counts[q]; ok || len(s.counts) < maxCounted {
		s.counts[q]++
	}
}

// queries returns how many times a question was received.
func (s *dnsServer) queries(name string, qtype uint16) int {
	q := question{strings.TrimSuffix(strings.ToLower(name), "."), qtype}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[q]
}

// ServeDNS answers one query from the zone. It implements dns.Handler.
func (s *dnsServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp := new(dns.Msg)
	if req.Opcode != dns.OpcodeQuery || len(req.Question) != 1 {
		resp.SetRcode(req, dns.RcodeNotImplemented)
		if len(req.Question) != 1 {
			resp.Rcode = dns.RcodeFormatError
		}
		_ = w.WriteMsg(resp)
		return
	}
	q := req.Question[0]
	s.count(q.Name, q.Qtype)
	resp.SetReply(req)

	opt := req.IsEdns0()
	switch {
	case q.Qclass != dns.ClassINET:
		resp.Rcode = dns.RcodeRefused
	case q.Qtype == dns.TypeANY || q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR:
		resp.Rcode = dns.RcodeNotImplemented
	default:
		rcode, ans, signed := s.zone.answer(q.Name, q.Qtype)
		resp.Rcode, resp.Answer = rcode, ans
		resp.AuthenticatedData = signed && opt != nil && opt.Do()
	}
	recursive := s.zone.Recursive()
	resp.RecursionAvailable, resp.Authoritative = recursive, !recursive

	size := dns.MinMsgSize
	if opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		resp.SetEdns0(labUDPSize, opt.Do())
	}
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		size = dns.MaxMsgSize
	}
	resp.Truncate(size)
	_ = w.WriteMsg(resp)
}

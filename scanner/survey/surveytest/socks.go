package surveytest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// socksHandshake reads a SOCKS5 greeting and CONNECT request (RFC 1928;
// username/password authentication, RFC 1929, is accepted and ignored, as
// Tor's stream isolation uses it), answers success and returns the target
// as host:port. Other commands are refused.
func socksHandshake(br *bufio.Reader, w io.Writer) (string, error) {
	var head [2]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return "", err
	}
	if head[0] != 5 {
		return "", fmt.Errorf("socks: version %d", head[0])
	}
	methods := make([]byte, head[1])
	if _, err := io.ReadFull(br, methods); err != nil {
		return "", err
	}
	method := byte(0xff)
	for _, m := range methods {
		if m == 0x00 {
			method = 0x00
			break
		}
		if m == 0x02 {
			method = 0x02
		}
	}
	if _, err := w.Write([]byte{5, method}); err != nil || method == 0xff {
		return "", errors.Join(err, errors.New("socks: no acceptable method"))
	}
	if method == 0x02 {
		// RFC 1929: VER ULEN UNAME PLEN PASSWD; any credentials pass.
		var v [2]byte
		if _, err := io.ReadFull(br, v[:]); err != nil {
			return "", err
		}
		if _, err := io.CopyN(io.Discard, br, int64(v[1])); err != nil {
			return "", err
		}
		var plen [1]byte
		if _, err := io.ReadFull(br, plen[:]); err != nil {
			return "", err
		}
		if _, err := io.CopyN(io.Discard, br, int64(plen[0])); err != nil {
			return "", err
		}
		if _, err := w.Write([]byte{1, 0}); err != nil {
			return "", err
		}
	}
	var req [4]byte
	if _, err := io.ReadFull(br, req[:]); err != nil {
		return "", err
	}
	if req[0] != 5 || req[1] != 1 { // CONNECT only
		_, _ = w.Write([]byte{5, 7, 0, 1, 0, 0, 0, 0, 0, 0})
		return "", fmt.Errorf("socks: command %d not supported", req[1])
	}
	var host string
	switch req[3] {
	case 1, 4: // IPv4, IPv6
		n := 4
		if req[3] == 4 {
			n = 16
		}
		ip := make([]byte, n)
		if _, err := io.ReadFull(br, ip); err != nil {
			return "", err
		}
		host = net.IP(ip).String()
	case 3: // domain name
		var l [1]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return "", err
		}
		name := make([]byte, l[0])
		if _, err := io.ReadFull(br, name); err != nil {
			return "", err
		}
		host = string(name)
	default:
		_, _ = w.Write([]byte{5, 8, 0, 1, 0, 0, 0, 0, 0, 0})
		return "", fmt.Errorf("socks: address type %d", req[3])
	}
	var port [2]byte
	if _, err := io.ReadFull(br, port[:]); err != nil {
		return "", err
	}
	if _, err := w.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}); err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port[0])<<8|int(port[1]))), nil
}

package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// readBufSize is the size of the buffer reading the browser's requests.
const readBufSize = 4096

// errHeaderTooLarge is returned by limitedReader past its limit.
var errHeaderTooLarge = errors.New("request headers too large")

// limitedReader reads from r, failing once more than n bytes were read;
// n < 0 lifts the limit. It bounds a request's line and headers.
type limitedReader struct {
	r   io.Reader
	n   int64
	hit bool
}

func (l *limitedReader) Read(b []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(b)
	}
	if l.n == 0 {
		l.hit = true
		return 0, errHeaderTooLarge
	}
	if int64(len(b)) > l.n {
		b = b[:l.n]
	}
	n, err := l.r.Read(b)
	l.n -= int64(n)
	return n, err
}

// serveConn serves one connection from the browser: a CONNECT request takes
// the connection over as a tunnel; a plain-HTTP request is forwarded, and
// the connection closed after its answer (forward reports whether another
// request may follow). Malformed or oversized requests are answered 400 or
// 431; an idle or closed connection is dropped silently.
func (p *Proxy) serveConn(c net.Conn, label string) {
	lr := &limitedReader{r: c}
	br := bufio.NewReaderSize(lr, readBufSize)
	for p.ctx.Err() == nil {
		lr.n, lr.hit = int64(p.cfg.MaxHeaderBytes)+readBufSize, false
		_ = c.SetReadDeadline(time.Now().Add(p.cfg.IdleTimeout))
		req, err := http.ReadRequest(br)
		if err != nil {
			switch {
			case lr.hit:
				p.reply(c, http.StatusRequestHeaderFieldsTooLarge, "request headers too large")
			case errors.Is(err, io.EOF), errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed):
				// The browser closed or went idle: nothing to answer.
			default:
				p.reply(c, http.StatusBadRequest, "malformed request")
			}
			return
		}
		lr.n = -1
		_ = c.SetReadDeadline(time.Time{})
		if req.Method == http.MethodConnect {
			p.tunnel(c, br, req, label)
			return
		}
		if !p.forward(c, req, label) {
			return
		}
	}
}

// reply writes a short error response and asks the browser to close.
func (p *Proxy) reply(c net.Conn, status int, msg string) {
	body := msg + "\n"
	_ = c.SetWriteDeadline(time.Now().Add(p.cfg.IdleTimeout))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: %d\r\n%s: %s\r\n\r\n%s",
		status, http.StatusText(status), len(body), AnswerHeader, headerSafe(msg), body)
}

// headerSafe makes msg fit in a header value: printable ASCII, bounded.
func headerSafe(msg string) string {
	var b strings.Builder
	for _, r := range msg {
		if b.Len() >= 200 {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// target parses a request's authority ("host:port"), with defaultPort when
// it has none (0: the port is required). It validates the host name's
// characters, so that garbage never reaches the resolver.
func target(authority string, defaultPort int) (host string, port int, ok bool) {
	h, ps, err := net.SplitHostPort(authority)
	if err != nil {
		if defaultPort == 0 || strings.Contains(authority, ":") && !strings.HasPrefix(authority, "[") {
			return "", 0, false
		}
		h, ps = strings.TrimSuffix(strings.TrimPrefix(authority, "["), "]"), strconv.Itoa(defaultPort)
	}
	port, err = strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, false
	}
	host = normaliseHost(h)
	if !validHost(host) {
		return "", 0, false
	}
	return host, port, true
}

// validHost accepts IP literals and names of letters, digits, '-', '_' and
// dots, at most 253 bytes.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if _, err := parseIP(h); err == nil {
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// tunnel serves a CONNECT request: it connects to the destination, answers
// 200 and copies bytes both ways, undecrypted, until both sides are done,
// one fails, the tunnel is idle for IdleTimeout or the proxy closes.
func (p *Proxy) tunnel(c net.Conn, br *bufio.Reader, req *http.Request, label string) {
	host, port, ok := target(req.Host, 0)
	if !ok {
		p.reply(c, http.StatusBadRequest, "CONNECT wants host:port")
		return
	}
	r := p.newRecord(host, port, label)
	defer p.finish(r)
	up, status, err := p.connect(r, host, port, false)
	if err != nil {
		p.reply(c, status, err.Error())
		return
	}
	if !p.track(up) {
		_ = up.Close()
		return
	}
	defer p.untrack(up)
	_ = c.SetWriteDeadline(time.Now().Add(p.cfg.IdleTimeout))
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		p.update(r, func(r *record) { r.err = joinNote(r.err, "browser: "+err.Error()) })
		return
	}

	st := &tunnelState{received: &r.received}
	st.last.Store(time.Now().UnixNano())
	done := make(chan error, 1)
	p.wg.Go(func() {
		err := p.copyIdle(c, up, up, &r.received, st, nil)
		if err == nil {
			closeWrite(c)
		} else {
			// The destination's side failed (or stayed silent): tear
			// the tunnel down, which ends the other direction too. A
			// silent destination is marked first, so that the load the
			// teardown ends finds it marked (loaders waiting on it skip it).
			if errors.Is(err, errSilent) {
				p.markSilent(r)
			}
			_ = up.Close()
			_ = c.Close()
		}
		done <- err
	})
	err = p.copyIdle(up, br, c, &r.sent, st, up)
	// The browser dropping its side (a tab closed, a connection reset
	// once the exchange is over) ends the tunnel; it is no failure of the
	// destination's, and the record keeps only the destination's errors.
	browserGone := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	if err == nil {
		closeWrite(up)
	} else {
		// The browser's side failed: tear the tunnel down.
		if errors.Is(err, errSilent) {
			p.markSilent(r)
		}
		_ = up.Close()
		_ = c.Close()
	}
	err2 := <-done
	if (err == nil || browserGone) && r.received.Load() > 0 && errors.Is(err2, syscall.ECONNRESET) {
		// The destination reset the connection once the browser was done
		// with it and had its answer: an abrupt close, not a failure.
		err2 = nil
	}
	if err2 != nil && (err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err2, errSilent)) {
		// The destination's failure is the tunnel's (the browser's side
		// then fails for the teardown).
		err = err2
		_ = c.Close()
	}
	if browserGone && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		err = nil
	}
	silent := errors.Is(err, errSilent)
	if silent {
		err = fmt.Errorf("%s sent nothing within %s of the browser's first bytes (a silent server)", r.host, p.cfg.SilentTimeout)
	}
	if err != nil && p.ctx.Err() == nil {
		p.update(r, func(r *record) { r.err = joinNote(r.err, "tunnel: "+err.Error()) })
	}
	if silent {
		p.markSilent(r)
	}
}

// tunnelState is what both directions of a tunnel share.
type tunnelState struct {
	// last is the last activity either way, in UnixNano.
	last atomic.Int64
	// firstSent is when the browser's first bytes went out, in UnixNano
	// (0: not yet); received counts the destination's bytes.
	firstSent atomic.Int64
	received  *atomic.Int64
}

// silentSince returns when the destination started owing an answer: the
// browser's first bytes, while nothing came back; zero otherwise.
func (st *tunnelState) silentSince() time.Time {
	if st.received.Load() > 0 {
		return time.Time{}
	}
	if t := st.firstSent.Load(); t != 0 {
		return time.Unix(0, t)
	}
	return time.Time{}
}

// closeWrite half-closes c when it can, so that the other side sees the end
// of the stream while the opposite direction goes on.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// errIdle reports a tunnel closed for inactivity; errSilent one whose
// destination never answered the browser's first bytes.
var (
	errIdle   = errors.New("idle timeout")
	errSilent = errors.New("silent destination")
)

// copyIdle copies src (read from srcConn, or through a buffer over it) to
// dst, counting the bytes written, until EOF (nil) or an error. It gives up
// when neither direction has moved for IdleTimeout (st.last is shared by
// both directions), and when the destination has sent nothing
// SilentTimeout after the browser's first bytes. dest is set on the
// browser-to-destination direction: the destination's connection, whose
// reads are to time out once it owes an answer.
func (p *Proxy) copyIdle(dst net.Conn, src io.Reader, srcConn net.Conn, n *atomic.Int64, st *tunnelState, dest net.Conn) error {
	buf := make([]byte, 32<<10)
	idle, silent := p.cfg.IdleTimeout, p.cfg.SilentTimeout
	for {
		deadline := time.Unix(0, st.last.Load()).Add(idle)
		if dest == nil {
			if since := st.silentSince(); !since.IsZero() && since.Add(silent).Before(deadline) {
				deadline = since.Add(silent)
			}
		}
		_ = srcConn.SetReadDeadline(deadline)
		k, err := src.Read(buf)
		if k > 0 {
			st.last.Store(time.Now().UnixNano())
			_ = dst.SetWriteDeadline(time.Now().Add(idle))
			w, werr := dst.Write(buf[:k])
			n.Add(int64(w))
			if werr != nil {
				return werr
			}
			st.last.Store(time.Now().UnixNano())
			if dest != nil && w > 0 && st.firstSent.CompareAndSwap(0, time.Now().UnixNano()) && st.received.Load() == 0 {
				// The destination now owes an answer: wake its reader
				// with the shorter deadline.
				_ = dest.SetReadDeadline(time.Now().Add(silent))
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			if dest == nil {
				if since := st.silentSince(); !since.IsZero() && time.Since(since) >= silent {
					return errSilent
				}
			}
			if time.Since(time.Unix(0, st.last.Load())) < idle {
				continue // the other direction moved: keep going
			}
			return errIdle
		default:
			return err
		}
	}
}

// forward serves a plain-HTTP request (absolute-form URI) over a new
// upstream connection, and reports whether the browser's connection may
// carry another request.
func (p *Proxy) forward(c net.Conn, req *http.Request, label string) bool {
	if req.URL == nil || req.URL.Scheme != "http" || req.URL.Host == "" {
		p.reply(c, http.StatusBadRequest, "a proxy request wants an absolute http:// URL or CONNECT")
		return false
	}
	host, port, ok := target(req.URL.Host, 80)
	if !ok {
		p.reply(c, http.StatusBadRequest, "invalid host in request URL")
		return false
	}
	r := p.newRecord(host, port, label)
	defer p.finish(r)
	up, status, err := p.connect(r, host, port, true)
	if err != nil {
		p.reply(c, status, err.Error())
		return false
	}
	if !p.track(up) {
		_ = up.Close()
		return false
	}
	defer p.untrack(up)
	counted := &countingConn{Conn: up, read: &r.received, written: &r.sent, idle: p.cfg.IdleTimeout,
		captureMax: p.cfg.MaxResponseHeaderBytes}
	var dialed atomic.Bool
	t := &http.Transport{
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			if dialed.Swap(true) {
				return nil, errors.New("proxy: one upstream connection per request")
			}
			return counted, nil
		},
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: int64(p.cfg.MaxResponseHeaderBytes),
		ResponseHeaderTimeout:  p.headerTimeout(),
	}
	defer t.CloseIdleConnections()
	if p.upstream != nil && (p.upstream.Scheme == "http" || p.upstream.Scheme == "https") {
		t.Proxy = http.ProxyURL(p.upstream)
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: upstreamRootCAs}
	}

	out := req.Clone(p.ctx)
	out.RequestURI = ""
	out.Close = false
	removeHopByHop(out.Header)
	resp, err := t.RoundTrip(out)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && r.received.Load() == 0 && p.ctx.Err() == nil {
			p.markSilent(r)
			err = fmt.Errorf("%s sent no answer within %s (a silent server)", host, p.headerTimeout())
		}
		if p.ctx.Err() == nil {
			p.update(r, func(r *record) { r.err = joinNote(r.err, "upstream: "+err.Error()) })
			p.reply(c, http.StatusBadGateway, "upstream: "+err.Error())
		}
		return false
	}
	defer resp.Body.Close()
	// Go's client drops a response's Connection header when it holds
	// "close": read the tokens it named from the raw bytes.
	for _, name := range connectionTokens(counted.captured()) {
		resp.Header.Del(name)
	}
	removeHopByHop(resp.Header)
	// Only the proxy's own answers carry its mark.
	resp.Header.Del(AnswerHeader)
	// One upstream connection per request, so that each is recorded with
	// its own visit; the browser's connection is closed after the answer,
	// which keeps the framing of every answer unambiguous.
	resp.Close = true
	w := &countingConn{Conn: c, idle: p.cfg.IdleTimeout}
	if err := resp.Write(w); err != nil && p.ctx.Err() == nil {
		p.update(r, func(r *record) { r.err = joinNote(r.err, "response: "+err.Error()) })
	}
	return false
}

// headerTimeout bounds the wait for a forwarded request's response
// headers: three times SilentTimeout, at most IdleTimeout.
func (p *Proxy) headerTimeout() time.Duration {
	return min(p.cfg.IdleTimeout, 3*p.cfg.SilentTimeout)
}

// hopByHop lists the headers that concern one connection only (RFC 9110
// 7.6.1), removed from forwarded requests and responses.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopByHop removes the hop-by-hop headers from h, including those
// the Connection header names.
func removeHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}

// connectionTokens returns the header names listed in the Connection
// header of the final (non-1xx) response at the start of raw, as far as raw
// holds it.
func connectionTokens(raw []byte) []string {
	tr := textproto.NewReader(bufio.NewReader(strings.NewReader(string(raw))))
	for range 8 {
		status, err := tr.ReadLine()
		if err != nil {
			return nil
		}
		h, err := tr.ReadMIMEHeader()
		if err != nil && len(h) == 0 {
			return nil
		}
		if _, code, _ := strings.Cut(status, " "); strings.HasPrefix(code, "1") && !strings.HasPrefix(code, "101") {
			continue // an interim response: the final one follows
		}
		var out []string
		for _, v := range h.Values("Connection") {
			for name := range strings.SplitSeq(v, ",") {
				if name = textproto.TrimString(name); name != "" {
					out = append(out, name)
				}
			}
		}
		return out
	}
	return nil
}

// countingConn counts the bytes read and written through a connection and
// refreshes its deadlines before each, so that a stalled peer is dropped
// after the idle timeout. With captureMax, it keeps the first bytes read,
// up to captureMax.
type countingConn struct {
	net.Conn
	read, written *atomic.Int64 // may be nil
	idle          time.Duration
	captureMax    int

	mu      sync.Mutex
	capture []byte
}

func (c *countingConn) Read(b []byte) (int, error) {
	_ = c.SetReadDeadline(time.Now().Add(c.idle))
	n, err := c.Conn.Read(b)
	if c.read != nil {
		c.read.Add(int64(n))
	}
	if n > 0 && c.captureMax > 0 {
		c.mu.Lock()
		if room := c.captureMax - len(c.capture); room > 0 {
			c.capture = append(c.capture, b[:min(n, room)]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

// captured returns a copy of the bytes captured so far.
func (c *countingConn) captured() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.capture...)
}

func (c *countingConn) Write(b []byte) (int, error) {
	_ = c.SetWriteDeadline(time.Now().Add(c.idle))
	n, err := c.Conn.Write(b)
	if c.written != nil {
		c.written.Add(int64(n))
	}
	return n, err
}

package owner

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// maxLimiterHosts bounds how many hosts a hostLimiter remembers; idle
// buckets (full again) are forgotten first.
const maxLimiterHosts = 256

// hostLimiter is a token bucket per server host. Registries throttle, and
// sometimes ban, clients that ask too fast, and one scan can ask a registry
// hundreds of questions: each host gets rate requests a second, in bursts
// of at most burst. It is safe for concurrent use.
type hostLimiter struct {
	rate  float64 // tokens added per second
	burst float64 // bucket capacity
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*tokenBucket
}

// tokenBucket is one host's bucket. tokens goes negative when callers have
// reserved tokens not yet earned: they wait for them.
type tokenBucket struct {
	tokens float64
	last   time.Time
}

// newHostLimiter returns a limiter allowing perSecond requests a second per
// host, in bursts of burst. A perSecond that is not positive means 2; a
// burst below 1 means 1.
func newHostLimiter(perSecond float64, burst int) *hostLimiter {
	if !(perSecond > 0) { // also NaN
		perSecond = defaultRDAPPerSecond
	}
	perSecond = math.Min(perSecond, 1e9) // +Inf would make the arithmetic NaN
	return &hostLimiter{
		rate:    perSecond,
		burst:   float64(max(burst, 1)),
		now:     time.Now,
		buckets: make(map[string]*tokenBucket),
	}
}

// Wait blocks until host may be sent one more request, or ctx is done. It
// fails at once, without waiting, when the wait would outlast ctx's
// deadline.
func (l *hostLimiter) Wait(ctx context.Context, host string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.reserve(host)
	if d <= 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && l.now().Add(d).After(deadline) {
		l.release(host)
		return fmt.Errorf("rate limit for %s: the next request is %s away, past the deadline: %w",
			host, d.Round(time.Millisecond), context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.release(host)
		return ctx.Err()
	}
}

// reserve takes one token from host's bucket and returns how long the
// caller must wait before the token is earned (0: at once).
func (l *hostLimiter) reserve(host string) time.Duration {
	host = strings.ToLower(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[host]
	if b == nil {
		if len(l.buckets) >= maxLimiterHosts {
			l.prune(now)
		}
		b = &tokenBucket{tokens: l.burst, last: now}
		l.buckets[host] = b
	}
	l.refill(b, now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / l.rate * float64(time.Second))
}

// release gives back a token reserved by a caller that gave up waiting.
func (l *hostLimiter) release(host string) {
	host = strings.ToLower(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[host]; b != nil {
		b.tokens = math.Min(b.tokens+1, l.burst)
	}
}

// refill adds the tokens earned since b was last looked at. The caller
// holds l.mu.
func (l *hostLimiter) refill(b *tokenBucket, now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
}

// prune forgets the buckets that are full again (their hosts idle), and if
// that is not enough, all of them: forgetting a bucket only lets its host
// have one more burst. The caller holds l.mu.
func (l *hostLimiter) prune(now time.Time) {
	for host, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, host)
		}
	}
	if len(l.buckets) >= maxLimiterHosts {
		clear(l.buckets)
	}
}

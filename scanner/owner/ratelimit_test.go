package owner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

// limiterClock is a clock tests move by hand.
type limiterClock struct{ t time.Time }

func (c *limiterClock) now() time.Time          { return c.t }
func (c *limiterClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClockedLimiter(perSecond float64, burst int) (*hostLimiter, *limiterClock) {
	clock := &limiterClock{t: time.Now()}
	l := newHostLimiter(perSecond, burst)
	l.now = clock.now
	return l, clock
}

// immediateReservations counts how many of n reservations for host need no wait.
func immediateReservations(l *hostLimiter, host string, n int) int {
	free := 0
	for range n {
		if l.reserve(host) == 0 {
			free++
		}
	}
	return free
}

func TestHostLimiterBurstAndRefill(t *testing.T) {
	l, clock := newClockedLimiter(2, 2)
	if got := immediateReservations(l, "rdap.arin.net", 5); got != 2 {
		t.Errorf("burst: %d immediate of 5, want 2", got)
	}
	if got := immediateReservations(l, "RDAP.db.ripe.net", 3); got != 2 {
		t.Errorf("other host: %d immediate of 3, want 2 (hosts are independent)", got)
	}
	if got := immediateReservations(l, "rdap.db.ripe.net", 1); got != 0 {
		t.Errorf("host names are case-insensitive: %d immediate", got)
	}

	// The ARIN bucket owes 3 tokens (5 taken, 2 held); 2 s earn 4.
	clock.advance(2 * time.Second)
	if got := immediateReservations(l, "rdap.arin.net", 3); got != 1 {
		t.Errorf("after 2 s: %d immediate of 3, want 1", got)
	}
	// A long idle time earns no more than a burst.
	clock.advance(time.Hour)
	if got := immediateReservations(l, "rdap.arin.net", 10); got != 2 {
		t.Errorf("after an hour: %d immediate of 10, want 2", got)
	}
}

func TestHostLimiterRelease(t *testing.T) {
	for _, release := range []bool{false, true} {
		l, clock := newClockedLimiter(2, 2)
		immediateReservations(l, "h", 2)
		if l.reserve("h") == 0 {
			t.Fatal("third reservation needs no wait")
		}
		if release {
			l.release("h")
		}
		clock.advance(500 * time.Millisecond) // one token earned
		want := 0
		if release {
			want = 1
		}
		if got := immediateReservations(l, "h", 1); got != want {
			t.Errorf("release %v: %d immediate, want %d", release, got, want)
		}
	}
}

func TestHostLimiterWait(t *testing.T) {
	l, _ := newClockedLimiter(1, 1)
	ctx := t.Context()
	if err := l.Wait(ctx, "h"); err != nil {
		t.Fatalf("first wait: %v", err)
	}

	// The next token is a second away: past a 1 ms deadline, Wait fails
	// at once and gives the token back.
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if err := l.Wait(short, "h"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("short deadline: %v", err)
	}

	cancelled, cancel2 := context.WithCancel(ctx)
	cancel2()
	if err := l.Wait(cancelled, "h"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// Neither took a token: the bucket owes nothing more than before.
	l.mu.Lock()
	tokens := l.buckets["h"].tokens
	l.mu.Unlock()
	if tokens != 0 {
		t.Errorf("bucket holds %v tokens, want 0", tokens)
	}

	// A wait cancelled while waiting returns and gives the token back.
	waiting, cancel3 := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- l.Wait(waiting, "h") }()
	cancel3()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while waiting: %v", err)
	}
}

func TestHostLimiterRates(t *testing.T) {
	for _, rate := range []float64{0, -1, math.NaN()} {
		if l := newHostLimiter(rate, 0); l.rate != defaultRDAPPerSecond || l.burst != 1 {
			t.Errorf("rate %v: got %v/s burst %v", rate, l.rate, l.burst)
		}
	}
	l, _ := newClockedLimiter(math.Inf(1), 3)
	if got := immediateReservations(l, "h", 3); got != 3 {
		t.Errorf("infinite rate: %d immediate of 3", got)
	}
	if d := l.reserve("h"); d < 0 || d > time.Millisecond {
		t.Errorf("infinite rate: wait %v", d)
	}
}

func TestHostLimiterBounded(t *testing.T) {
	l, clock := newClockedLimiter(2, 2)
	for i := range 3 * maxLimiterHosts {
		l.reserve(fmt.Sprintf("h%d", i))
		if i%maxLimiterHosts == 0 {
			clock.advance(time.Second)
		}
	}
	if n := len(l.buckets); n > maxLimiterHosts {
		t.Errorf("%d buckets kept, want at most %d", n, maxLimiterHosts)
	}
}

package browser

import (
	"context"
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigie-scan/vigie/scanner/evidence"
)

//go:embed js/scroll.js
var scrollJS string

// DefaultDwell is how much of its own time a page is observed after its
// load event when no dwell is given: tag managers' timer and "window
// loaded" triggers fire within it.
const DefaultDwell = 5 * time.Second

// afterScroll is the page time given after the reader's scroll, for the
// tags a scroll triggers after a delay.
const afterScroll = time.Second

// maxScrollSteps bounds the reader's scroll (an endless page grows).
const maxScrollSteps = 30

// starvation is how many tasks may run before virtual time is pushed
// forward anyway (a page that always has work would hold it still).
const starvation = 100

// pageClock runs the page time of one tab. A dwell runs on Chromium's
// virtual time: the page's timers fire without waiting for them in real
// time, and page time pauses while requests are pending, so that a
// response is never outrun. Virtual time cannot be turned off once on, so
// between dwells page time is made to follow the wall clock, a slice at a
// time (the page's storage, animations and callbacks then run as in any
// browser). When virtual time cannot be had, or stalls, dwells run on the
// wall clock.
type pageClock struct {
	// mu orders the policy changes of the dwell and of the follower.
	mu sync.Mutex
	// on is set once virtual time is enabled in the tab.
	on bool
	// following is set while page time follows the wall clock.
	following bool
	// wall is set once dwells use the wall clock; note says why.
	wall bool
	note string
	// expired receives the budget expirations (Emulation events).
	expired chan struct{}
}

func newPageClock() pageClock { return pageClock{expired: make(chan struct{}, 1)} }

// onEvent notes a budget expiration; it runs in the event loop.
func (c *pageClock) onEvent(ev any) {
	if _, ok := ev.(*emulation.EventVirtualTimeBudgetExpired); ok {
		select {
		case c.expired <- struct{}{}:
		default:
		}
	}
}

// label returns the clock dwells use and why, for the evidence.
func (c *pageClock) label() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall {
		return evidence.ClockWall, c.note
	}
	return evidence.ClockVirtual, ""
}

// setPolicy sets the tab's virtual-time policy; a budget of zero sets
// none.
func (v *visit) setPolicy(policy emulation.VirtualTimePolicy, budget time.Duration) error {
	p := emulation.SetVirtualTimePolicyParams{Policy: policy}
	if policy != emulation.VirtualTimePolicyPause {
		p.MaxVirtualTimeTaskStarvationCount = starvation
	}
	if budget > 0 {
		ms := float64(budget.Milliseconds())
		p.Budget = &ms
	}
	return v.step(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetVirtualTimePolicy, p)
		return err
	})
}

// startDwell stops page time and gives it a budget of d: it fails when
// virtual time is unavailable. Page time stood still first, so that a
// budget expiration read afterwards is this budget's: the events of the
// earlier slices came before the pause's answer.
func (v *visit) startDwell(d time.Duration) error {
	c := &v.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	c.following = false
	if c.on {
		if err := v.setPolicy(emulation.VirtualTimePolicyPause, 0); err != nil {
			return err
		}
	}
	select {
	case <-c.expired:
	default:
	}
	if err := v.setPolicy(emulation.VirtualTimePolicyPauseIfNetworkFetchesPending, d); err != nil {
		return err
	}
	if !c.on {
		c.on = true
		go v.follow()
	}
	if dwellStarted != nil {
		dwellStarted(v)
	}
	return nil
}

// dwellStarted, when set (by tests only), is called each time a dwell's
// budget is set.
var dwellStarted func(v *visit)

// endDwell makes page time follow the wall clock again; with note, dwells
// use the wall clock from then on.
func (v *visit) endDwell(note string) {
	c := &v.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	c.following = c.on
	if note != "" && !c.wall {
		c.wall, c.note = true, note
	}
}

// follow makes the tab's page time follow the wall clock while following
// is set: the page is given, a step at a time, the page time that passed
// in real time. A step is given once the previous one was used up (its
// budget expired): a new budget replaces the one running, so on a starved
// machine giving one every tick would lose the unused part and page time
// would fall behind. It ends with the tab.
func (v *visit) follow() {
	t := time.NewTicker(wallSlice)
	defer t.Stop()
	last := time.Now()
	var owed time.Duration // real time not yet given as page time
	var given time.Time    // when the running step was given; zero: none
	c := &v.clock
	for {
		select {
		case <-v.ctx.Done():
			return
		case now := <-t.C:
			owed = min(owed+now.Sub(last), maxOwed)
			last = now
			c.mu.Lock()
			if !c.following {
				owed, given = 0, time.Time{}
				c.mu.Unlock()
				continue
			}
			if !given.IsZero() {
				select {
				case <-c.expired:
					given = time.Time{}
				default:
					if now.Sub(given) > stepStale {
						given = time.Time{} // its expiration was lost: give another
					}
				}
			}
			if given.IsZero() && owed > 0 {
				step := min(owed, maxSlice)
				if v.setPolicy(emulation.VirtualTimePolicyAdvance, step) == nil {
					owed -= step
					given = now
				}
			}
			c.mu.Unlock()
		}
	}
}

// wallSlice is the tick at which page time follows the wall clock;
// maxSlice bounds one step (page time catches up without leaping), maxOwed
// the page time owed to a tab that could not take it (a long stall is not
// replayed at once), stepStale how long a step may run before another is
// given anyway. A step can be held, not only starved: in the lab an
// IndexedDB answer (IndexedDB.requestDatabaseNames, or the page's own
// indexedDB.databases()) kept the step's budget from expiring until the
// next step was given, so each storage snapshot waited for stepStale
// (three seconds of every page view when it was 3 s; 150 ms now, where a
// step replaced on a starved machine only lets page time fall a little
// behind the wall clock between dwells).
const (
	wallSlice = 100 * time.Millisecond
	maxSlice  = 2 * time.Second
	maxOwed   = 10 * time.Second
	stepStale = 150 * time.Millisecond
)

// runPageTime lets the page run for d of its own time and returns the
// page time that passed, read on the page's own clock (ok is false when
// that clock could not be read: d is then assumed). It runs on virtual time
// when the browser grants it (quickly: the page's timers fire without
// waiting), else on the wall clock. A budget expiration is not trusted
// alone: an earlier budget's can arrive late, on a starved machine, and
// end a dwell at once; the page's clock says whether d passed, and when it
// did not, the rest is given. Virtual time that does not run out within
// max(d, 2s) of real time — a request that never ends holds it, or the
// machine is too busy — gives way to the wall clock for the rest of the
// visit.
func (v *visit) runPageTime(d time.Duration) (passed time.Duration, ok bool) {
	if d <= 0 {
		return 0, true
	}
	t0, ok := v.pageNow()
	elapsed := func() (time.Duration, bool) {
		if !ok {
			return 0, false
		}
		t1, ok1 := v.pageNow()
		if !ok1 || t1.Before(t0) {
			// Another document (a navigation to another renderer) or
			// no clock: what passed is unknown.
			return 0, false
		}
		return t1.Sub(t0), true
	}
	v.clock.mu.Lock()
	wall := v.clock.wall
	v.clock.mu.Unlock()
	rest := d
	if !wall {
		limit := max(d, 2*time.Second)
		t := time.NewTimer(limit)
		defer t.Stop()
		for !wall {
			if err := v.startDwell(rest); err != nil {
				v.endDwell("virtual time unavailable: " + err.Error())
				break
			}
			select {
			case <-v.clock.expired:
				v.endDwell("")
				p, known := elapsed()
				if !known {
					return d, false
				}
				if p >= d-clockSlack {
					v.virtualDone = true
					return p, true
				}
				// An earlier budget's expiration: give the rest.
				rest = d - p
				continue
			case <-v.ctx.Done():
				v.endDwell("")
				p, known := elapsed()
				return p, known
			case <-t.C:
				v.endDwell(fmt.Sprintf("virtual time did not run out within %s of real time (a request that never ends holds it, or the machine is too busy): wall clock from then on", limit))
			}
			wall = true
		}
		if p, known := elapsed(); known {
			rest = max(0, d-p)
		}
	}
	// The wall clock: page time follows real time meanwhile. A starved
	// tab's page time lags; it is given up to catchUp × d more real time
	// to catch up, and what passed is reported.
	t := time.NewTimer(rest)
	defer t.Stop()
	select {
	case <-v.ctx.Done():
		return elapsed()
	case <-t.C:
	}
	deadline := time.Now().Add(catchUp * d)
	for {
		p, known := elapsed()
		if !known {
			return d, false
		}
		if p >= d-clockSlack || !time.Now().Before(deadline) {
			return p, true
		}
		t.Reset(min(d-p, time.Until(deadline)))
		select {
		case <-v.ctx.Done():
			return elapsed()
		case <-t.C:
		}
	}
}

// catchUp bounds, in dwells, the real time a lagging page clock is given
// to catch up on the wall clock.
const catchUp = 2

// clockSlack is how far short of a dwell the page's clock may read (it
// counts in whole milliseconds) for the dwell to count as done.
const clockSlack = 20 * time.Millisecond

// pageNow reads the page's clock — Date.now() in vigie's isolated world
// of the main frame, out of the page scripts' reach — which runs on
// virtual time while it is on.
func (v *visit) pageNow() (time.Time, bool) {
	for try := 0; try < 2; try++ {
		if v.clockWorld == 0 {
			frames := v.frames()
			if len(frames) == 0 {
				return time.Time{}, false
			}
			id, err := v.world(frames[0].ID)
			if err != nil {
				return time.Time{}, false
			}
			v.clockWorld = id
		}
		var ms float64
		if err := v.eval(v.clockWorld, "Date.now()", &ms); err == nil && ms > 0 {
			return time.UnixMilli(int64(ms)), true
		}
		// The world went with its document: make one in the new one.
		v.clockWorld = 0
	}
	return time.Time{}, false
}

// Bounds on the reader's gestures: a page whose frames stall (virtual
// time held by a request that never ends can stop them) costs this much,
// not a command timeout per gesture.
const (
	gestureTimeout = time.Second
	scrollTimeout  = 3 * time.Second
)

// interact behaves as a reader would without choosing anything: moves the
// mouse over the page (tags that wait for a first interaction load on
// it), then, with scroll, scrolls to the bottom a screen at a time and
// back to the top (tags that fire on scroll or on sight load). It clicks
// nothing and types nothing. It returns what was done, for the evidence.
func (v *visit) interact(scroll bool) (moved, scrolled bool) {
	w, h := float64(v.b.cfg.Width), float64(v.b.cfg.Height)
	if w <= 0 || h <= 0 {
		w, h = DefaultWidth, DefaultHeight
	}
	moved = true
	for _, p := range [][2]float64{{w * 0.1, h * 0.1}, {w * 0.5, h * 0.4}, {w * 0.6, h * 0.45}} {
		ctx, cancel := context.WithTimeout(v.ctx, gestureTimeout)
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: p[0], Y: p[1]})
		cancel()
		if err != nil {
			moved = false
			break
		}
	}
	if !scroll {
		return moved, false
	}
	frames := v.frames()
	if len(frames) == 0 {
		return moved, false
	}
	id, err := v.world(frames[0].ID)
	if err != nil {
		return moved, false
	}
	ctx, cancel := context.WithTimeout(v.ctx, scrollTimeout)
	defer cancel()
	r, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
		Expression: fmt.Sprintf("(%s)(%d)", scrollJS, maxScrollSteps), ContextID: id, ReturnByValue: ptr(true), AwaitPromise: ptr(true), Silent: ptr(true)})
	return moved, err == nil && r.ExceptionDetails == nil
}

// dwell lets the page run for d of its own time, counted in the current
// page view's observation.
func (v *visit) dwell(d time.Duration) {
	if v.obs == nil || d <= 0 {
		return
	}
	start := time.Now()
	v.virtualDone = false
	passed, known := v.runPageTime(d)
	v.obs.PageTime += passed
	v.obs.Planned += d
	v.obs.WallTime += time.Since(start)
	v.obs.Clock, v.obs.ClockNote = v.clock.label()
	if !known {
		v.obs.Unmeasured = true
	}
}

// read makes the reader's gestures (interact) and gives the page the
// time they may trigger tags in, counted in the current page view's
// observation.
func (v *visit) read(scroll bool) {
	if v.obs == nil {
		return
	}
	start := time.Now()
	moved, scrolled := v.interact(scroll)
	if moved {
		v.obs.Interaction = "mouse moved over the page (no click, no key)"
	}
	v.obs.Scrolled = v.obs.Scrolled || scrolled
	v.obs.WallTime += time.Since(start)
	v.dwell(afterScroll)
}

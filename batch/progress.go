package batch

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Progress shows a batch's progress on w (stderr): on a terminal (live),
// one line redrawn in place — done/total, failures, rate, ETA — with log
// lines above it; otherwise one plain line per finished site. A nil
// *Progress shows nothing.
type Progress struct {
	w    io.Writer
	live bool
	now  func() time.Time

	mu                    sync.Mutex
	total, skipped, jobs  int
	finished, failed, run int
	started               time.Time
	drawn                 bool
	stop                  chan struct{}
	wg                    sync.WaitGroup
}

// NewProgress returns a progress display writing to w; live redraws one
// line in place (for a terminal).
func NewProgress(w io.Writer, live bool) *Progress {
	return &Progress{w: w, live: live, now: time.Now}
}

// redrawEvery is how often the live line is redrawn between sites.
const redrawEvery = time.Second

func (p *Progress) start(total, skipped, jobs int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.total, p.skipped, p.jobs, p.started = total, skipped, jobs, p.now()
	msg := fmt.Sprintf("vigie: batch  %d site(s), %d at a time", total, jobs)
	if skipped > 0 {
		msg += fmt.Sprintf(", %d already done (--resume)", skipped)
	}
	p.printLocked(msg)
	p.mu.Unlock()
	if p.live {
		p.stop = make(chan struct{})
		p.wg.Go(func() {
			t := time.NewTicker(redrawEvery)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-t.C:
					p.mu.Lock()
					p.drawLocked()
					p.mu.Unlock()
				}
			}
		})
	}
}

func (p *Progress) begin(Site) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run++
	p.drawLocked()
}

func (p *Progress) end(rec Record) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run--
	p.finished++
	if rec.Status != StatusDone {
		p.failed++
	}
	if p.live {
		if rec.Status != StatusDone {
			p.printLocked(fmt.Sprintf("vigie: batch  %-10s %s%s", rec.Status, rec.URL, reason(rec)))
		}
		p.drawLocked()
		return
	}
	msg := fmt.Sprintf("vigie: batch  [%d/%d] %-10s %s (%.1fs", p.skipped+p.finished, p.total, rec.Status, rec.URL, float64(rec.DurationMS)/1000)
	if n := len(rec.FindingIDs); rec.Worst != "" {
		msg += fmt.Sprintf(", %d kind(s) of finding, worst %s", n, rec.Worst)
	}
	p.printLocked(msg + ")" + reason(rec))
}

func (p *Progress) interrupted(s Site) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run--
	p.printLocked("vigie: batch  interrupted " + s.URL + " (no record: --resume scans it)")
}

// logf prints a log line (above the live line).
func (p *Progress) logf(format string, args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printLocked("vigie: batch  " + fmt.Sprintf(format, args...))
}

func (p *Progress) finish() {
	if p == nil {
		return
	}
	if p.stop != nil {
		close(p.stop)
		p.wg.Wait()
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.lineLocked()
	if p.live {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, line)
	p.drawn = false
}

// printLocked prints a whole line, above the live line.
func (p *Progress) printLocked(line string) {
	if p.live && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintln(p.w, line)
	p.drawLocked()
}

// drawLocked redraws the live line.
func (p *Progress) drawLocked() {
	if !p.live || p.started.IsZero() {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K"+p.lineLocked())
	p.drawn = true
}

// lineLocked is the state of the batch in one line.
func (p *Progress) lineLocked() string {
	done := p.skipped + p.finished
	s := fmt.Sprintf("vigie: batch  %d/%d done", done, p.total)
	if p.failed > 0 {
		s += fmt.Sprintf(", %d not done", p.failed)
	}
	if p.run > 0 {
		s += fmt.Sprintf(", %d running", p.run)
	}
	elapsed := p.now().Sub(p.started)
	if p.finished > 0 && elapsed > 0 {
		rate := float64(p.finished) / elapsed.Minutes()
		s += fmt.Sprintf(" · %.1f sites/min", rate)
		if left := p.total - done; left > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Minute))
			s += " · ETA " + eta.Round(time.Second).String()
		}
	}
	return s + " · " + elapsed.Round(time.Second).String()
}

// reason is a record's error or first incomplete reason, for a log line.
func reason(rec Record) string {
	switch {
	case rec.Error != "":
		return ": " + clip(rec.Error, 200)
	case len(rec.Incomplete) > 0:
		return ": " + clip(rec.Incomplete[0], 200)
	}
	return ""
}

// clean strips control characters (text from a site or a registry must
// not drive the terminal) and keeps a message to one line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// clip cleans s and cuts it to n runes.
func clip(s string, n int) string {
	s = clean(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

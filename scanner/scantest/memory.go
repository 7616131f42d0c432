package scantest

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SampleMemory samples the memory of this process and its descendants (a
// browser and its renderers) every memoryTick, keeping the highest sum in peak
// (bytes), until the returned func is called: their proportional set
// size (PSS: pages shared by n processes count 1/n in each), so that the
// many processes of one Chromium, which share most of their pages, are
// not counted many times over; RSS where the kernel gives no PSS. It is
// for benchmarks over the lab; it reads /proc and measures nothing
// elsewhere.
func SampleMemory(peak *int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(memoryTick)
		defer t.Stop()
		for {
			v := TreeMemory(os.Getpid())
			for {
				old := atomic.LoadInt64(peak)
				if v <= old || atomic.CompareAndSwapInt64(peak, old, v) {
					break
				}
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// memoryTick is SampleMemory's period. Reading every process's
// smaps_rollup makes the kernel walk its page tables: at 50 ms the sampler
// took about a quarter of a core from the scan it measured (1.1 CPU-s and
// 0.35 s of a 4 s founding scan on 2 vCPUs); at 250 ms it is within the
// scan's own spread, and a batch's peak lasts far longer than that.
const memoryTick = 250 * time.Millisecond

// TreeMemory sums the memory (PSS, else RSS) of process root and its
// descendants, in bytes, from /proc (0 where there is no /proc).
func TreeMemory(root int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	var total int64
	page := int64(os.Getpagesize())
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, children[pid]...)
		if pss, ok := processPSS(pid); ok {
			total += pss
			continue
		}
		statm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
		if err != nil {
			continue
		}
		f := strings.Fields(string(statm))
		if len(f) > 1 {
			rss, _ := strconv.ParseInt(f[1], 10, 64)
			total += rss * page
		}
	}
	return total
}

// processPSS reads a process's proportional set size from
// /proc/PID/smaps_rollup (Linux 4.14 and later).
func processPSS(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "Pss:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

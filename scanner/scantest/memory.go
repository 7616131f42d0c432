package scantest

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SampleRSS samples the resident memory of this process and its
// descendants (a browser and its renderers) every 20 ms, keeping the
// highest sum in peak, until the returned func is called. It is for
// benchmarks over the lab; it reads /proc and measures nothing elsewhere.
func SampleRSS(peak *int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			v := TreeRSS(os.Getpid())
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

// TreeRSS sums the resident memory of process root and its descendants,
// in bytes, from /proc (0 where there is no /proc).
func TreeRSS(root int) int64 {
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

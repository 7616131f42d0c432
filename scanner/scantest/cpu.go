package scantest

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// MachineCPU returns the CPU time the whole machine has spent busy (user,
// nice, system and interrupt time; not idle, I/O wait, time stolen by a
// hypervisor, nor guest time, which user time already counts) since boot, from /proc/stat, and false where there is no /proc. It is for
// benchmarks over the lab on an otherwise quiet machine: the difference
// of two readings is what a scan cost the machine — vigie, its browser's
// processes and the lab's servers together — which per-process counters
// miss once a renderer has exited.
func MachineCPU() (time.Duration, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system idle iowait irq softirq
		if i >= len(f) {
			break
		}
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	return time.Duration(ticks) * 10 * time.Millisecond, true
}

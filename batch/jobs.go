package batch

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// What the default number of jobs rests on: each site in flight keeps a
// CPU busy (its three visits, legal and survey pages load at the same
// time: about five tabs of the one shared browser; measured on two busy
// cores, four sites at once made the browser too slow to open tabs,
// two did not) and costs memoryPerSite (its browser contexts and
// renderers, the proxy, the evidence); the batch keeps baseMemory for the
// shared browser and vigie itself.
const (
	memoryPerSite = 256 << 20
	baseMemory    = 512 << 20
	maxJobs       = 16
)

// DefaultJobs is how many sites a batch scans at once unless --jobs says:
// one per CPU, no more than the memory available allows — (available −
// 512 MiB) ÷ 256 MiB, "available" being the smaller of the machine's
// MemAvailable and what the cgroup's memory limit leaves (containers,
// Kubernetes) — and between 1 and 16.
func DefaultJobs() int {
	return defaultJobs(runtime.NumCPU(), availableMemory())
}

func defaultJobs(cpus int, avail int64) int {
	n := cpus
	if avail > 0 {
		if m := int((avail - baseMemory) / memoryPerSite); m < n {
			n = m
		}
	}
	return min(max(n, 1), maxJobs)
}

// availableMemory returns the memory vigie may still use, in bytes, or 0
// when it cannot tell.
func availableMemory() int64 {
	avail := meminfo("/proc/meminfo", "MemAvailable:")
	// cgroup v2, then v1: the limit minus what is in use.
	for _, p := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		limit, ok1 := readInt(p[0])
		used, ok2 := readInt(p[1])
		if ok1 && ok2 && limit > used && limit < 1<<50 {
			if left := limit - used; avail == 0 || left < avail {
				avail = left
			}
			break
		}
	}
	return avail
}

// meminfo reads a field of /proc/meminfo (in kB there), in bytes.
func meminfo(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == field {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// readInt reads a file holding one integer ("max" is not one).
func readInt(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

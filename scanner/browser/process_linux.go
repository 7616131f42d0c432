//go:build linux

package browser

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processesUsing lists (and with kill, kills) the processes whose command
// line carries --user-data-dir=profile, read from /proc.
func processesUsing(profile string, kill bool) []int {
	want := "--user-data-dir=" + profile
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == selfPID {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			if arg == want {
				if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && zombie(st) {
					break
				}
				pids = append(pids, pid)
				if kill {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
				break
			}
		}
	}
	return pids
}

// zombie reports whether a /proc/PID/stat line is a zombie's (already dead,
// waiting for its parent to reap it).
func zombie(stat []byte) bool {
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// trackRoot is not needed where command lines can be read.
func trackRoot(string, *os.Process) {}

func forgetRoot(string) {}

//go:build unix && !linux

package browser

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// processesUsing lists (and with kill, kills) the processes whose command
// line carries --user-data-dir=profile. macOS and the BSDs have no /proc
// with command lines: they come from ps.
func processesUsing(profile string, kill bool) []int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ps", "-axww", "-o", "pid=,stat=,command=").Output()
	if err != nil {
		return nil
	}
	pids := psMatches(string(out), "--user-data-dir="+profile)
	if kill {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return pids
}

// trackRoot is not needed where command lines can be read.
func trackRoot(string, *os.Process) {}

func forgetRoot(string) {}

package browser

import (
	"os"
	"time"
)

// No Chromium process may outlive its Browser: a renderer or the network
// service can survive the main process when it is killed, and keep writing
// in the profile. Chromium passes --user-data-dir to every child, and the
// profile directory is unique to one Browser, so the processes still using
// it are what is left of this browser. How they are found is the
// platform's (process_*.go): /proc on Linux, ps on macOS and the BSDs, the
// process tree of the browser on Windows.

// ProfileProcesses returns the PIDs of the processes started with this
// profile directory still running (for tests: none after Close).
func ProfileProcesses(profile string) []int {
	return processesUsing(profile, false)
}

// killProfile kills every process started with the profile directory,
// until none is left for a few passes (a child can fork as its parent dies).
func killProfile(profile string) {
	deadline := time.Now().Add(3 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); {
		if len(processesUsing(profile, true)) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(10 * time.Millisecond)
	}
	forgetRoot(profile)
}

// selfPID is this program's PID, never a browser's.
var selfPID = os.Getpid()

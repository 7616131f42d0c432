//go:build windows

package browser

import (
	"math"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows does not let a program read other processes' command lines
// without walking their memory, so the processes of a browser are found as
// its process tree instead: the main process recorded when it started, and
// every process descended from it. Windows does not re-parent orphans, so
// the tree is still found after the main process died; a PID can be
// reused, so a process created before its recorded parent is not its child.

// roots maps a profile directory to its browser's main process.
var roots sync.Map

// rootProcess is a browser's main process: its PID and creation time.
type rootProcess struct {
	pid     uint32
	created int64
}

// trackRoot records the main process of the browser using profile.
func trackRoot(profile string, p *os.Process) {
	if p == nil {
		return
	}
	if created, ok := creationTime(uint32(p.Pid)); ok {
		roots.Store(profile, rootProcess{pid: uint32(p.Pid), created: created})
	}
}

// forgetRoot drops the record of trackRoot once nothing is left of it.
func forgetRoot(profile string) { roots.Delete(profile) }

// processesUsing lists (and with kill, terminates) the processes of the
// browser started with profile: its main process and its descendants.
func processesUsing(profile string, kill bool) []int {
	v, ok := roots.Load(profile)
	if !ok {
		return nil
	}
	root := v.(rootProcess)
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(snap)
	children := map[uint32][]uint32{}
	alive := map[uint32]bool{}
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err := windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		alive[e.ProcessID] = true
		if e.ProcessID != e.ParentProcessID {
			children[e.ParentProcessID] = append(children[e.ParentProcessID], e.ProcessID)
		}
	}
	var pids []int
	// reusedAt is when another process took the main process's PID: its
	// children are not the browser's.
	reusedAt := int64(math.MaxInt64)
	if alive[root.pid] {
		if c, ok := creationTime(root.pid); ok && c == root.created {
			pids = append(pids, int(root.pid))
		} else if ok {
			reusedAt = c
		}
	}
	type node struct {
		pid     uint32
		created int64
	}
	queue := []node{{root.pid, root.created}}
	seen := map[uint32]bool{root.pid: true}
	for len(queue) > 0 && len(seen) < 4096 {
		parent := queue[0]
		queue = queue[1:]
		for _, pid := range children[parent.pid] {
			if seen[pid] || pid == uint32(selfPID) {
				continue
			}
			seen[pid] = true
			c, ok := creationTime(pid)
			if !ok || c < parent.created || (parent.pid == root.pid && c >= reusedAt) {
				continue
			}
			pids = append(pids, int(pid))
			queue = append(queue, node{pid, c})
		}
	}
	if kill {
		for _, pid := range pids {
			terminate(uint32(pid))
		}
	}
	return pids
}

// creationTime returns when the process pid was created.
func creationTime(pid uint32) (int64, bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return 0, false
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, false
	}
	return created.Nanoseconds(), true
}

// terminate ends the process pid at once.
func terminate(pid uint32) {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, pid)
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	_ = windows.TerminateProcess(h, 1)
}

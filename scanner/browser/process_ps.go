package browser

import (
	"strconv"
	"strings"
)

// psMatches reads the lines of "ps -o pid=,stat=,command=" and returns the
// live (not zombie) processes other than this one whose command line has
// the argument want. ps separates arguments by spaces: want must be a
// whole word of the line.
func psMatches(out, want string) []int {
	var pids []int
	for line := range strings.SplitSeq(out, "\n") {
		pidText, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		stat, command, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == selfPID || stat == "" || stat[0] == 'Z' {
			continue
		}
		if strings.Contains(" "+command+" ", " "+want+" ") {
			pids = append(pids, pid)
		}
	}
	return pids
}

package browser

import (
	"slices"
	"strconv"
	"testing"
)

func TestPSMatches(t *testing.T) {
	const want = "--user-data-dir=/tmp/vigie-browser-1/profile"
	out := "    1 Ss   /sbin/launchd\n" +
		"  101 S    /Applications/Chromium.app/Contents/MacOS/Chromium --headless " + want + " --no-first-run\n" +
		"  102 S    /Applications/Chromium.app/Contents/Frameworks/Helper --type=renderer " + want + "\n" +
		"  103 Z    (Chromium Helper) " + want + "\n" + // a zombie: already dead
		"  104 S    /x/Chromium --user-data-dir=/tmp/vigie-browser-1/profile2\n" + // another profile
		"  105 S    /x/Chromium --user-data-dir=/tmp/vigie-browser-1/profile/sub\n" +
		"  " + strconv.Itoa(selfPID) + " S    /usr/local/bin/vigie " + want + "\n" + // this program
		"garbage line\n\n"
	if got := psMatches(out, want); !slices.Equal(got, []int{101, 102}) {
		t.Errorf("psMatches = %v, want [101 102]", got)
	}
}

package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAllowNetworkUsage: a range that is not one, or that would open
// everything, is a usage error naming the flag, before any traffic.
func TestAllowNetworkUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value, want string
	}{
		{"intranet", "is not a CIDR range"},
		{"0.0.0.0/0", "not inside a private, loopback"},
		{"8.8.8.0/24", "public addresses need no allowing"},
		{"10.1.2.3/8", "did you mean 10.0.0.0/8"},
		{"224.0.0.0/4", "multicast"},
	} {
		t.Run(tt.value, func(t *testing.T) {
			code, _, stderr := vigie(t, "scan", "https://x.fr/", "--allow-network", tt.value, "--out", t.TempDir())
			if code != exitUsage || !strings.Contains(stderr, "--allow-network") || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d naming --allow-network and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestAllowNetworkRecorded: the ranges allowed are in the report.
func TestAllowNetworkRecorded(t *testing.T) {
	t.Parallel()
	lab := startLab(t)
	dir := filepath.Join(t.TempDir(), "b")
	// A name that does not resolve: the scan ends at once, its report written.
	vigie(t, append([]string{"scan", "https://sondage.ville-exemple.fr/", "--out", dir,
		"--allow-network", "10.20.0.0/16", "--allow-network", "fd00:1::/64"}, labArgs(lab)...)...)
	r := readReport(t, dir)
	if got := r.Evidence.Environment.AllowedNetworks; !slices.Equal(got, []string{"10.20.0.0/16", "fd00:1::/64"}) {
		t.Errorf("allowed networks in the report: %v", got)
	}
}

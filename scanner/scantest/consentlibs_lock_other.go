//go:build !unix

package scantest

// lockFile is a no-op where flock is not available: concurrent first
// installations are then the caller's to avoid.
func lockFile(string) (func(), error) { return func() {}, nil }

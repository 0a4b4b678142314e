//go:build !unix

package cli

// lockDir does not lock where flock is not available; the writer still
// tolerates files that vanish under it.
func lockDir(dir string, exclusive bool) (unlock func()) { return func() {} }

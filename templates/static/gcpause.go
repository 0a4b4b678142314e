//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// gc: pause. The collector scans only the goroutine's current stack, not the
// stacks of suspended threads, so it is paused while any runtime of this
// package runs (see the package doc).

import (
	"errors"
	"math"
	"runtime/debug"
	"sync"
)

// ErrGCDuringRun: a garbage collection completed while Run was active
// with the collector paused (gc: pause), forced by runtime.GC or
// debug.FreeOSMemory somewhere in the program. The collector did not see
// the suspended threads' stacks, so objects only they referred to may
// have been freed. Run returns it (joined to its own error, if any) when
// the process survived the collection; usually it does not (see the
// package doc).
var ErrGCDuringRun = errors.New(errPrefix + "a garbage collection ran during Run with the collector paused (gc: pause): objects only a suspended thread referred to may have been freed")

var gc struct {
	sync.Mutex
	depth   int
	percent int
	limit   int64
}

// gcPause stops the collector while any runtime of this package runs: it
// scans only the goroutine's current stack and would free objects that only a
// suspended thread's stack refers to.
func gcPause() {
	gc.Lock()
	defer gc.Unlock()
	if gc.depth == 0 {
		gc.percent = debug.SetGCPercent(-1)
		gc.limit = debug.SetMemoryLimit(math.MaxInt64)
	}
	gc.depth++
}

// gcResume ends a gcPause; the last one restores the collector's settings.
func gcResume() {
	gc.Lock()
	defer gc.Unlock()
	gc.depth--
	if gc.depth == 0 {
		debug.SetGCPercent(gc.percent)
		debug.SetMemoryLimit(gc.limit)
	}
}

//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The g and m offsets the switcher installs (gStackLo, ...), goVersion and
// the other facts of the Go runtime this package relies on are in the file of
// each supported Go release (goruntime_go1_*.go), of which the build
// constraints select one; checkLayout verifies them at start-up. The assembly
// reads them from go_asm.h as const_gStackLo and so on.

// stackGuard is the runtime's StackGuard (g.stackguard0 - g.stack.lo), read
// from a fresh goroutine at start-up rather than assumed.
var stackGuard uintptr

var layout struct {
	once sync.Once
	err  error
}

// checkLayout verifies once that the running Go runtime keeps the g fields
// where the switcher expects them.
func checkLayout() error {
	layout.once.Do(func() { layout.err = probeLayout() })
	return layout.err
}

type layoutProbe struct {
	lo, hi, guard, topsp, local          uintptr
	deferOut, deferIn, panicOut, panicIn uintptr
	status, goid, procid, tid, locks     uintptr
	header                               string
}

func probeLayout() error {
	if v := runtime.Version(); !strings.HasPrefix(v, goVersion+".") && v != goVersion {
		return &LayoutError{Detail: "built with " + v}
	}
	var p layoutProbe
	for try := 0; ; try++ {
		done := make(chan layoutProbe)
		go func() {
			var q layoutProbe
			var here byte
			q.local = uintptr(unsafe.Pointer(&here))
			q.lo, q.hi = gword(gStackLo), gword(gStackHi)
			q.guard, q.topsp = gword(gStackguard0), gword(gStktopsp)
			q.deferOut, q.panicOut = gword(gDefer), gword(gPanic)
			q.status, q.goid = gword(gStatus)&0xffffffff, gword(gGoid)
			runtime.LockOSThread()
			q.procid, q.tid, q.locks = mword(mProcid), uintptr(unix.Gettid()), mword(mLocks)&0xffffffff
			runtime.UnlockOSThread()
			buf := make([]byte, 64)
			q.header = string(buf[:runtime.Stack(buf, false)])
			func() {
				for i := 0; i < 1; i++ {
					defer func() {}() // a defer in a loop is a record on g._defer
				}
				q.deferIn = gword(gDefer)
			}()
			func() {
				defer func() {
					q.panicIn = gword(gPanic)
					recover()
				}()
				panic("layout probe")
			}()
			done <- q
		}()
		p = <-done
		if p.guard != ^uintptr(1313) || try == 3 {
			break
		}
	}
	switch {
	case !(p.lo < p.local && p.local < p.hi):
		return &LayoutError{Detail: fmt.Sprintf("g.stack [%#x, %#x) does not hold a local at %#x", p.lo, p.hi, p.local)}
	case p.guard <= p.lo || p.guard-p.lo > 4096:
		return &LayoutError{Detail: fmt.Sprintf("g.stackguard0 %#x is not just above g.stack.lo %#x", p.guard, p.lo)}
	case p.topsp <= p.local || p.topsp > p.hi || p.hi-p.topsp > 1024:
		return &LayoutError{Detail: fmt.Sprintf("g.stktopsp %#x is not near the top of [%#x, %#x)", p.topsp, p.lo, p.hi)}
	case p.deferOut != 0 || p.deferIn == 0:
		return &LayoutError{Detail: "g._defer does not follow defer records"}
	case p.panicOut != 0 || p.panicIn == 0:
		return &LayoutError{Detail: "g._panic does not follow panics"}
	case p.status != gStatusRunning:
		return &LayoutError{Detail: fmt.Sprintf("g.atomicstatus is %d, not _Grunning", p.status)}
	case p.procid != p.tid:
		return &LayoutError{Detail: fmt.Sprintf("m.procid %d is not the thread ID %d", p.procid, p.tid)}
	case p.locks != 0:
		return &LayoutError{Detail: fmt.Sprintf("m.locks is %d in ordinary code", p.locks)}
	case !strings.HasPrefix(p.header, fmt.Sprintf("goroutine %d ", p.goid)):
		return &LayoutError{Detail: fmt.Sprintf("g.goid %d does not match %q", p.goid, p.header)}
	}
	stackGuard = p.guard - p.lo
	return nil
}

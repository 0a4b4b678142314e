//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// gc: collect. The collector keeps running while threads exist. It scans
// goroutines, not stacks, so New starts NumThreads+1 holder goroutines,
// parked on a channel receive for the runtime's whole life; at most
// NumThreads execution contexts (the threads, and Run's own goroutine stack
// while a thread runs) are suspended at a time. While a context is
// suspended, one holder's g describes the context's stack and resume point,
// and the collector scans that stack as the holder's; the running context is
// carried by the goroutine that calls Run, as usual. Holders never run
// thread code. The functions below say what each step guards against.

import (
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The g offsets, status values and goroutineProfiled states this file uses
// (gSyscallsp, gStatusWaiting, profAbsent, ...) are in the file of each
// supported Go release (goruntime_go1_*.go), checked by probeGC at start-up
// and against the runtime's DWARF by the tests.

// writeBarrier is the runtime's write-barrier flag: enabled exactly while a
// mark phase is active (_GCmark and _GCmarktermination). The runtime keeps it
// linkname-accessible on purpose (go.dev/issue/67401, "do not remove or change
// the type signature"), so the linker accepts this reference.
//
//go:linkname writeBarrier runtime.writeBarrier
var writeBarrier struct {
	enabled bool
	pad     [3]byte
	alignme uint64
}

// gobj is an opaque runtime g; *gobj points at one.
type gobj struct{}

// GCModeError is returned when gc: collect cannot run safely; Fix says what to do.
type GCModeError struct {
	Detail, Fix string
}

func (e *GCModeError) Error() string {
	return errPrefix + "gc: collect: " + e.Detail + "; " + e.Fix
}

var gcProbe struct {
	once sync.Once
	err  error
}

// probeGC checks the g fields and status values gc: collect relies on, once:
// a parked goroutine is _Gwaiting and, after a collection, gcscandone; a
// goroutine blocked in a system call is _Gsyscall with syscallsp, syscallpc
// and syscallbp on its stack (syscallbp 0 on riscv64, which keeps no frame
// pointer); goroutineProfiled holds a valid state.
func probeGC() error {
	gcProbe.once.Do(func() { gcProbe.err = probeGCOnce() })
	return gcProbe.err
}

func probeGCOnce() error {
	return func() error {
		parked, done := make(chan *gobj), make(chan struct{})
		go func() {
			parked <- getg()
			<-done
		}()
		pg := <-parked
		defer close(done)
		for try := 0; gstatus(pg) != gStatusWaiting; try++ {
			if try > 1e6 {
				return &LayoutError{Detail: "g.atomicstatus of a parked goroutine is not _Gwaiting"}
			}
			runtime.Gosched()
		}
		// A cycle started by allocation elsewhere may reset the flag right
		// after runtime.GC returns (the next one starts at once under GOGC=1
		// with other goroutines allocating); it must be seen set at least
		// once, so look again after pauses that let the collector scan pg.
		runtime.GC()
		for try := 0; !gscandone(pg); try++ {
			if try == 20000 { // about a second
				return &LayoutError{Detail: "g.gcscandone of a parked goroutine is not set after a collection"}
			}
			if try%100 == 99 {
				runtime.GC()
			}
			time.Sleep(50 * time.Microsecond)
		}
		if v := *(*uint32)(unsafe.Add(unsafe.Pointer(pg), gGoroutineProfiled)); v > profSatisfied {
			return &LayoutError{Detail: "g.goroutineProfiled holds no valid state"}
		}
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
			return err
		}
		defer unix.Close(fds[0])
		defer unix.Close(fds[1])
		type sys struct {
			g                  *gobj
			lo, hi, sp, pc, bp uintptr
		}
		got := make(chan *gobj)
		res := make(chan sys)
		go func() {
			got <- getg()
			var b [1]byte
			unix.Read(fds[0], b[:]) // blocks in the system call
			res <- sys{}
		}()
		sg := <-got
		var in sys
		for try := 0; ; try++ {
			if gstatus(sg) == gStatusSyscall {
				in = sys{sg, *gfield(sg, gStackLo), *gfield(sg, gStackHi), *gfield(sg, gSyscallsp), *gfield(sg, gSyscallpc), *gfield(sg, gSyscallbp)}
				if gstatus(sg) == gStatusSyscall && in.sp != 0 {
					break
				}
			}
			if try > 1e6 {
				unix.Write(fds[1], []byte{0})
				<-res
				return &LayoutError{Detail: "a goroutine blocked in read(2) is not _Gsyscall"}
			}
			runtime.Gosched()
		}
		unix.Write(fds[1], []byte{0})
		<-res
		switch {
		case !(in.lo < in.sp && in.sp < in.hi):
			return &LayoutError{Detail: "g.syscallsp is not on the goroutine's stack"}
		case runtime.GOARCH == "riscv64" && in.bp != 0:
			// Go keeps no frame pointer on riscv64: entersyscall records 0
			// (getfp), and a published context has none either.
			return &LayoutError{Detail: "g.syscallbp is not 0 on riscv64"}
		case runtime.GOARCH != "riscv64" && !(in.lo < in.bp && in.bp < in.hi):
			return &LayoutError{Detail: "g.syscallbp is not on the goroutine's stack"}
		case in.pc == 0 || runtime.FuncForPC(in.pc) == nil:
			return &LayoutError{Detail: "g.syscallpc is not a code address"}
		}
		return nil
	}()
}

//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// gc: collect, the holders: parked goroutines whose g describes a suspended
// context to the collector, and the m.locks discipline around them.

import (
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// holder is one parked goroutine. There is one more holder than suspended
// contexts can exist, so a free one is always at hand.
type holder struct {
	g         *gobj
	published bool // the g describes a suspended context, not the holder
	claimed   bool // acquire took goroutineProfiled from absent
	locked    bool // acquire took the scan bit
	// The holder's own g values while published: stack lo, hi, stktopsp,
	// _panic, _defer, syscallsp, syscallpc, syscallbp.
	own [8]uintptr
}

// heldFields are the g offsets publish replaces, in holder.own order.
var heldFields = [8]uintptr{gStackLo, gStackHi, gStktopsp, gPanic, gDefer, gSyscallsp, gSyscallpc, gSyscallbp}

// gcState is the collector side of a Runtime.
type gcState struct {
	holders [NumThreads + 1]holder
	done    chan struct{}  // closed by Close: the holders return
	exited  sync.WaitGroup // the holders that have not returned yet
	// free has a bit per unpublished holder (context.held says which holder
	// publishes a context).
	free uint64
	// The switch in progress, finished on the incoming stack: the contexts
	// (from -1: the outgoing one has finished) and the one holder it uses
	// (-1: none).
	from, to, h int8
	// runner is the g of the goroutine in Run (bind).
	runner *gobj
	// fast: the switch in progress took the fast path (fastSwitch), and
	// switchTo published the outgoing resume point itself. Other switches
	// have it write that into scratch.
	fast    bool
	scratch [gSyscallbp/unsafe.Sizeof(uintptr(0)) + 1]uintptr
	// waits counts switches that the ordering rule deferred, waited the
	// time they spent waiting.
	waits  uint64
	waited time.Duration
}

// schedHolder is the scheduler's context index (ctxOf).
const schedHolder = NumThreads

// startHolders starts one parked holder per context and waits until all are
// parked, so that publishing never spins on a holder that is still running.
func (rt *Runtime) startHolders() error {
	rt.gcs.done = make(chan struct{})
	for i := range rt.gcs.holders {
		h := &rt.gcs.holders[i]
		rt.ctxOf(int8(i)).held = -1
		rt.gcs.free |= 1 << i
		got := make(chan *gobj)
		rt.gcs.exited.Add(1)
		go func(done <-chan struct{}) {
			defer rt.gcs.exited.Done()
			got <- getg()
			<-done
		}(rt.gcs.done)
		h.g = <-got
	}
	for i := range rt.gcs.holders {
		h := &rt.gcs.holders[i]
		for try := 0; gstatus(h.g) != gStatusWaiting; try++ {
			if try > 1e6 {
				rt.stopHolders()
				return &LayoutError{Detail: "a holder goroutine does not reach _Gwaiting"}
			}
			runtime.Gosched()
		}
	}
	return nil
}

// stopHolders lets the holder goroutines return and waits until they have;
// none is published then.
func (rt *Runtime) stopHolders() {
	if rt.gcs.done != nil {
		close(rt.gcs.done)
		rt.gcs.done = nil
		rt.gcs.exited.Wait()
	}
}

//go:nosplit
func gfield(g *gobj, off uintptr) *uintptr {
	return (*uintptr)(unsafe.Add(unsafe.Pointer(g), off))
}

//go:nosplit
func gstatus(g *gobj) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Add(unsafe.Pointer(g), gStatus)))
}

//go:nosplit
func gscandone(g *gobj) bool {
	return *(*bool)(unsafe.Add(unsafe.Pointer(g), gGcscandone))
}

// bind records, at the start of Run, the running goroutine's g.
func (s *gcState) bind() {
	s.runner = getg()
}

// mlocks returns the m.locks of the M that runs the goroutine in Run now.
// While m.locks is above zero the runtime neither preempts the goroutine
// (asynchronously or at a prologue) nor stops the world, so nothing can
// observe a switch half done, and the goroutine stays on that M. Without
// time slices Run does not lock its OS thread: between switches the
// goroutine may move to another M, so each switch reads its M again. Every
// function that calls mlocks
// is nosplit, so the runtime cannot preempt it asynchronously between the
// read and the increment (internal/emit checks it).
//
//go:nosplit
func (s *gcState) mlocks() *int32 {
	m := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(s.runner), gM))
	return (*int32)(unsafe.Add(m, mLocks))
}

// preemptPoint lets the runtime preempt the goroutine in Run when it has
// asked it to stop (stackPreempt in its stackguard0), as the prologue of a
// function that is not nosplit does: it calls one, preemptPrologue, whose
// stack check then enters the runtime's own preemption path (newstack:
// park for a stack scan that asked for the stop, else yield). Without it,
// threads that do little but Yield (which is nosplit) would leave the
// runtime only its asynchronous preemption, which almost never finds them
// at a safe point, and every stop-the-world and stack scan of that
// goroutine would wait that long. (runtime.Gosched would not do for a
// stack scan: it leaves the goroutine runnable for a moment only, and the
// scan keeps missing it.)
//
//go:nosplit
func (s *gcState) preemptPoint() {
	if *(*int)(unsafe.Add(unsafe.Pointer(s.runner), gStackguard0)) == stackPreempt {
		preemptPrologue()
	}
}

// preemptPrologue is nothing but a prologue with a stack check: a leaf
// function with a small frame gets none, so it calls preemptNop.
//
//go:noinline
func preemptPrologue() { preemptNop() }

//go:noinline
func preemptNop() {}

// scanLocking reports whether a switch must take the holder's scan bit:
// during a mark phase (the collector takes it to scan a goroutine) and
// while the execution tracer runs (it takes it to record a goroutine's
// stack). Neither can begin while m.locks is raised: both begin with a
// stop-the-world.
//
//go:nosplit
func scanLocking(marking bool) bool {
	return marking || trace.IsEnabled()
}

// acquire takes, during a mark phase, h's scan bit (_Gwaiting ->
// _Gwaiting|_Gscan, the lock suspendG takes before the collector scans a
// goroutine), spinning while the collector holds it; and, when a goroutine
// profile may be in progress, the goroutine profiler's claim: the profiler
// walks a waiting goroutine's stack without the scan bit.
//
// Outside a mark phase and without the execution tracer nothing takes the
// scan bit of a parked goroutine, and neither can begin while m.locks is
// raised, since both begin with a stop-the-world: the scan bit is then not
// needed (scanLocking).
//
//go:nosplit
func (h *holder) acquire(profiling, lock bool) {
	h.locked = lock
	if lock {
		st := (*uint32)(unsafe.Add(unsafe.Pointer(h.g), gStatus))
		for !atomic.CompareAndSwapUint32(st, gStatusWaiting, gStatusWaiting|gStatusScan) {
		}
	}
	h.claimed = false
	if !profiling {
		return
	}
	pf := (*uint32)(unsafe.Add(unsafe.Pointer(h.g), gGoroutineProfiled))
	for {
		switch atomic.LoadUint32(pf) {
		case profSatisfied: // this profile has it already, or none is running
			h.claimed = false
			return
		case profAbsent:
			if atomic.CompareAndSwapUint32(pf, profAbsent, profInProgress) {
				h.claimed = true
				return
			}
		}
	}
}

//go:nosplit
func (h *holder) release() {
	if !h.locked && !h.claimed {
		return
	}
	claimed, locked := uintptr(0), uintptr(0)
	if h.claimed {
		claimed = 1
	}
	if h.locked {
		locked = 1
	}
	releaseG(h.g, claimed, locked)
}

// profiling reports whether a goroutine profile may be in progress, from the
// running goroutine's own goroutineProfiled: while a profile is active, every
// goroutine is recorded (satisfied) before it runs again after the profiler's
// stop-the-world (execute, exitsyscall), and goroutines created meanwhile
// start satisfied; between profiles every state is back to absent. No profile
// can start while m.locks is raised, since starting one stops the world.
//
//go:nosplit
func (s *gcState) profiling() bool {
	return atomic.LoadUint32((*uint32)(unsafe.Add(unsafe.Pointer(s.runner), gGoroutineProfiled))) != profAbsent
}

// publish makes h's g describe the suspended context c. h is acquired.
//
//go:nosplit
func (h *holder) publish(c *context) {
	for i, off := range heldFields {
		h.own[i] = *gfield(h.g, off)
	}
	h.replace(c)
	h.published = true
}

// replace makes the published h describe the suspended context c instead.
// c's resume point is the shape entersyscall records and the runtime's
// unwinder (unwinder.initAt) starts from: pc the return address into the
// function that called switchTo, sp that function's SP — on amd64 just above
// the return address; on arm64 and riscv64, where the unwinder then starts
// without a link register, the SP at whose 0(SP) that function's prologue
// saved its own return address — and bp its frame pointer (0 on riscv64,
// which keeps none, as entersyscall records there).
//
//go:nosplit
func (h *holder) replace(c *context) {
	g := unsafe.Pointer(h.g)
	describeStack(g, c, c.panicp, c.deferp)
	*(*uintptr)(unsafe.Add(g, gSyscallsp)) = c.sp
	*(*uintptr)(unsafe.Add(g, gSyscallpc)) = c.pc
	*(*uintptr)(unsafe.Add(g, gSyscallbp)) = c.bp
}

// describeStack makes the holder g g describe c's stack: its bounds and
// stktopsp, and the _panic and _defer chains given (c's saved ones, or on the
// fast path the running goroutine's, which switchTo is about to save).
//
//go:nosplit
func describeStack(g unsafe.Pointer, c *context, panicp, deferp uintptr) {
	*(*uintptr)(unsafe.Add(g, gStackLo)) = c.lo
	*(*uintptr)(unsafe.Add(g, gStackHi)) = c.hi
	*(*uintptr)(unsafe.Add(g, gStktopsp)) = c.topsp
	*(*uintptr)(unsafe.Add(g, gPanic)) = panicp
	*(*uintptr)(unsafe.Add(g, gDefer)) = deferp
}

// withdraw gives h's g its own values back. h is acquired.
//
//go:nosplit
func (h *holder) withdraw() {
	for i, off := range heldFields {
		*gfield(h.g, off) = h.own[i]
	}
	// suspendG may have rewritten stackguard0 while the holder was published.
	*gfield(h.g, gStackguard0) = h.own[0] + stackGuard
	h.published = false
}

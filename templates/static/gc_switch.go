//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// gc: collect, the switch paths: every switch publishes the outgoing context
// in a holder and withdraws the incoming one, on a fast path outside mark
// phases and a slow one that takes scan bits and claims.

import (
	"math/bits"
	"runtime"
	"runtime/trace"
	"time"
	"unsafe"
)

// ctxOf returns the context of holder index i.
//
//go:nosplit
func (rt *Runtime) ctxOf(i int8) *context {
	if i == schedHolder {
		return &rt.sched
	}
	return &rt.threads[i].ctx
}

// gcSwitch switches from context index from (-1 when that context has
// finished and needs no publishing) to index to, retrying while the ordering
// rule refuses the switch. A refusal yields the goroutine to the Go
// scheduler, which lets the collector scan what it must first.
func (rt *Runtime) gcSwitch(from, to int8, fromCtx, toCtx *context) {
	if !rt.tryGCSwitch(from, to, fromCtx, toCtx) {
		rt.gcWait(from, to, fromCtx, toCtx)
	}
}

// gcWait retries a switch that the ordering rule refused.
func (rt *Runtime) gcWait(from, to int8, fromCtx, toCtx *context) {
	rt.gcs.waits++
	start, base := time.Now(), rt.gcs.waited
	for {
		runtime.Gosched()
		// Updated before each attempt: a successful one returns only when
		// this context runs again.
		rt.gcs.waited = base + time.Since(start)
		if rt.tryGCSwitch(from, to, fromCtx, toCtx) {
			return
		}
	}
}

// tryGCSwitch does the switch, or returns false when it would move a stack
// that the current mark phase has not scanned into a goroutine it has
// scanned: the incoming context into the running goroutine, or the outgoing
// context into a holder.
//
// A switch touches one holder: the outgoing context is published in the
// holder that the incoming one leaves (or in a free holder when the
// incoming context is new), and a finished outgoing context leaves the
// incoming context's holder free.
//
//go:nosplit
func (rt *Runtime) tryGCSwitch(from, to int8, fromCtx, toCtx *context) bool {
	if from >= 0 && rt.fastSwitch(fromCtx, toCtx) {
		return true
	}
	return rt.trySlowSwitch(from, to, fromCtx, toCtx)
}

// slowSwitch is gcSwitch for a caller that has just found the fast path
// closed (Yield, switchThread): the first attempt goes straight to the slow
// path.
func (rt *Runtime) slowSwitch(from, to int8, fromCtx, toCtx *context) {
	if !rt.trySlowSwitch(from, to, fromCtx, toCtx) {
		rt.gcWait(from, to, fromCtx, toCtx)
	}
}

// trySlowSwitch is tryGCSwitch off the fast path.
//
//go:nosplit
func (rt *Runtime) trySlowSwitch(from, to int8, fromCtx, toCtx *context) bool {
	s := &rt.gcs
	locks := s.mlocks()
	*locks++
	if !rt.slowPrepare(from, to, toCtx.held) {
		*locks--
		return false
	}
	switchTo(fromCtx, toCtx, (*gobj)(unsafe.Pointer(&s.scratch)))
	s.switched(rt)
	return true
}

// fastSwitch does the common switch, from a live context to one that a
// holder publishes, outside a mark phase and with neither the execution
// tracer nor a goroutine profile running; or returns false, having done
// nothing, when the switch must take the slow path. Yield has its own copy;
// switchThread calls it first, then slowSwitch.
//
// Nothing can look at a holder during such a switch (each of those begins
// with a stop-the-world, which the raised m.locks holds off), so the holder
// needs no scan bit and no claim: the outgoing context is published in it
// before the switch, all but the resume point, which switchTo writes into
// it as it saves it.
//
//go:nosplit
func (rt *Runtime) fastSwitch(fromCtx, toCtx *context) bool {
	s := &rt.gcs
	locks := s.mlocks()
	*locks++
	if hi := toCtx.held; hi < 0 || writeBarrier.enabled || trace.IsEnabled() || s.profiling() {
		*locks--
		return false
	} else {
		s.fast = true
		g, r := s.holders[hi].g, unsafe.Pointer(s.runner)
		// _panic and _defer as switchTo is about to save them.
		describeStack(unsafe.Pointer(g), fromCtx, *(*uintptr)(unsafe.Add(r, gPanic)), *(*uintptr)(unsafe.Add(r, gDefer)))
		fromCtx.held, toCtx.held = hi, -1
		switchTo(fromCtx, toCtx, g)
		s.switched(rt)
	}
	return true
}

// slowPrepare prepares a switch off the fast path: takes hi, or a free
// holder for a new context, with its scan bit and claim as needed, or
// returns false when the ordering rule refuses the switch.
//
//go:nosplit
func (rt *Runtime) slowPrepare(from, to, hi int8) bool {
	s := &rt.gcs
	if from == schedHolder {
		// Run's switch into the threads: switchTo saves only _panic and
		// _defer (a thread's stack bounds never change), and Run's stack may
		// have moved since the last Run. Nothing can move it between here
		// and the switch: no prologue checks the stack on this path.
		r := unsafe.Pointer(s.runner)
		rt.sched.lo = *(*uintptr)(unsafe.Add(r, gStackLo))
		rt.sched.hi = *(*uintptr)(unsafe.Add(r, gStackHi))
		rt.sched.topsp = *(*uintptr)(unsafe.Add(r, gStktopsp))
	}
	if hi < 0 && from >= 0 {
		hi = int8(bits.TrailingZeros64(s.free))
	}
	if hi >= 0 {
		h := &s.holders[hi]
		marking := writeBarrier.enabled
		h.acquire(s.profiling(), scanLocking(marking))
		if marking {
			r, hs := gscandone(s.runner), gscandone(h.g)
			if from >= 0 && hs && !r || h.published && r && !hs {
				h.release()
				return false
			}
		}
	}
	s.fast, s.from, s.to, s.h = false, from, to, hi
	return true
}

// switched finishes a switch on the incoming stack: it lowers m.locks
// after a fast one (fastSwitch); otherwise gcSwitchedSlow publishes the
// outgoing context in the switch's holder, or withdraws the incoming one
// from it, and releases the holder. It is inlined at every switch
// (TestHotPathInlines).
//
//go:nosplit
func (s *gcState) switched(rt *Runtime) {
	if s.fast {
		*s.mlocks()--
	} else {
		rt.gcSwitchedSlow()
	}
}

// gcSwitchedSlow is switched off the fast path.
//
//go:nosplit
func (rt *Runtime) gcSwitchedSlow() {
	s := &rt.gcs
	rt.ctxOf(s.to).held = -1
	if s.h >= 0 {
		h := &s.holders[s.h]
		switch {
		case s.from < 0:
			h.withdraw()
			s.free |= 1 << s.h
		case h.published:
			h.replace(rt.ctxOf(s.from))
		default:
			h.publish(rt.ctxOf(s.from))
			s.free &^= 1 << s.h
		}
		if s.from >= 0 {
			rt.ctxOf(s.from).held = s.h
		}
		h.release()
	}
	*s.mlocks()--
}

// threadEntered runs first on a new thread's stack, called by threadStart.
//
//go:nosplit
func threadEntered(t *thread) {
	t.rt.gcs.switched(t.rt)
}

// withdrawAll takes back what stopped threads left published when Run ended.
func (rt *Runtime) withdrawAll() {
	for i := range int8(NumThreads + 1) {
		if c := rt.ctxOf(i); c.held >= 0 {
			rt.withdrawCtx(c)
		}
	}
}

// withdrawCtx gives the holder that publishes c its own values back. It is
// nosplit, like every function that raises m.locks: the Go runtime cannot
// preempt it between reading the M and raising its m.locks.
//
//go:nosplit
func (rt *Runtime) withdrawCtx(c *context) {
	h := &rt.gcs.holders[c.held]
	locks := rt.gcs.mlocks()
	*locks++
	h.acquire(rt.gcs.profiling(), scanLocking(writeBarrier.enabled))
	h.withdraw()
	h.release()
	*locks--
	rt.gcs.free |= 1 << c.held
	c.held = -1
}

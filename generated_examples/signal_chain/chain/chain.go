// Package chain starts and ends the Runs of the signal_chain example: Runs
// of two generated packages with time slices (generated_examples/
// preemption's rtos, 10 ms slices, and the example's twin, 2 ms), each on a
// goroutine of its own, whose threads spin without yielding and count how
// often the CPU passed from one to another.
//
// The example's program (generated_examples/signal_chain) overlaps them in
// two orders; the conformance suite (conformance/signalchain) in every
// order, twice over. The thread bodies are defined here, so the time slices
// preempt them in this package's code, whichever package starts the Runs.
package chain

import (
	"sync/atomic"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
	"github.com/gthreadgen/gthreadgen/generated_examples/signal_chain/twin"
)

// Run is one active Run of either package: threads that spin until told to
// stop, counting how often the CPU passed from one to another.
type Run struct {
	Name  string // "rtos" or "twin": the package
	turns atomic.Int64
	last  atomic.Int64
	stop  atomic.Bool
	done  chan error
}

// spin is a thread body: a loop that never yields, so only the timer makes
// the threads take turns.
func (r *Run) spin(self int64) {
	for !r.stop.Load() {
		if r.last.Load() != self {
			r.last.Store(self)
			r.turns.Add(1)
		}
	}
}

// StartRtos starts a Run of generated_examples/preemption's package (10 ms
// slices) on a goroutine of its own.
func StartRtos() *Run {
	r := &Run{Name: "rtos", done: make(chan error, 1)}
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		r.spin(int64(self))
	}
	idle := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{SpinA: body, SpinB: body, SpinC: body,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
	if err != nil {
		r.done <- err
		return r
	}
	go func() {
		defer rt.Close()
		r.done <- rt.Run()
	}()
	return r
}

// StartTwin starts a Run of the example's package twin (2 ms slices) on a
// goroutine of its own.
func StartTwin() *Run {
	r := &Run{Name: "twin", done: make(chan error, 1)}
	body := func(rt *twin.Runtime) {
		self, _ := rt.Self()
		r.spin(int64(self))
	}
	rt, err := twin.New(twin.Threads{Left: body, Right: body})
	if err != nil {
		r.done <- err
		return r
	}
	go func() {
		defer rt.Close()
		r.done <- rt.Run()
	}()
	return r
}

// End stops the threads and returns what Run returned.
func (r *Run) End() error {
	r.stop.Store(true)
	return <-r.done
}

// alternations counts the turns the threads took during d.
func (r *Run) alternations(d time.Duration) int64 {
	before := r.turns.Load()
	time.Sleep(d)
	return r.turns.Load() - before
}

// Window is how long Preempting watches a Run alternate; with 10 ms slices
// (rtos) that is about 20 turns, with 2 ms (twin) about 100.
const Window = 200 * time.Millisecond

// Preempting reports whether r's threads took turns at least 4 times in a
// Window, trying up to 10 windows. Without a handler a Run's threads never
// take turns (they never yield); the low bar and the retries keep a loaded
// machine, which can stall the process for a window, from failing it.
func (r *Run) Preempting() bool {
	for range 10 {
		if r.alternations(Window) >= 4 {
			return true
		}
	}
	return false
}

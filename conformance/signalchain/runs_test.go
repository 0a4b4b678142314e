package signalchain

import (
	"sync/atomic"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
	"github.com/gthreadgen/gthreadgen/generated_examples/signal_chain/twin"
)

// The Runs of the signal_chain example (generated_examples/signal_chain,
// chain.go there), which the tests start and end in every order. Their
// thread bodies must be in this package: the time slices preempt only the
// package that holds a body.

// run is one active Run of either package: threads that spin until told to
// stop, counting how often the CPU passed from one to another.
type run struct {
	name  string
	turns atomic.Int64
	last  atomic.Int64
	stop  atomic.Bool
	done  chan error
}

// spin is a thread body: a loop that never yields, so only the timer makes
// the threads take turns.
func (r *run) spin(self int64) {
	for !r.stop.Load() {
		if r.last.Load() != self {
			r.last.Store(self)
			r.turns.Add(1)
		}
	}
}

// startRtos starts a Run of generated_examples/preemption's package (10 ms
// slices) on a goroutine of its own.
func startRtos() *run {
	r := &run{name: "rtos", done: make(chan error, 1)}
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

// startTwin starts a Run of this example's package twin (2 ms slices).
func startTwin() *run {
	r := &run{name: "twin", done: make(chan error, 1)}
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

// end stops the threads and returns what Run returned.
func (r *run) end() error {
	r.stop.Store(true)
	return <-r.done
}

// alternations counts the turns the threads took during d.
func (r *run) alternations(d time.Duration) int64 {
	before := r.turns.Load()
	time.Sleep(d)
	return r.turns.Load() - before
}

// window is how long the tests watch a Run alternate; with 10 ms slices
// (rtos) that is about 20 turns, with 2 ms (twin) about 100.
const window = 200 * time.Millisecond

// preempting reports whether r's threads took turns at least 4 times in a
// window, trying up to 10 windows. Without a handler a Run's threads never
// take turns (they never yield); the low bar and the retries keep a loaded
// machine, which can stall the process for a window, from failing it.
func preempting(r *run) bool {
	for range 10 {
		if r.alternations(window) >= 4 {
			return true
		}
	}
	return false
}

package preempt

import (
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
)

// TestYieldTakesPendingSlice: a slice end left pending (the thread was in
// library code at every tick and retry) belongs to the thread whose slice
// ended. When that thread yields, the next thread starts a slice of its
// own: its first Check must not take the other thread's slice end.
func TestYieldTakesPendingSlice(t *testing.T) {
	var checkTook uint64
	var yielded bool
	a := func(rt *rtos.Runtime) {
		// Two and a half slices in library code (the runner goroutine
		// blocked in time.Sleep, on its locked OS thread): the slice ends
		// where the thread cannot be preempted, and stays pending.
		time.Sleep(5 * rtos.TimeSlice / 2)
		yielded = true
		rt.Yield()
	}
	b := func(rt *rtos.Runtime) {
		if !yielded {
			return // not switched in by a's Yield: nothing to test
		}
		before := rt.Stats().Preemptions
		rt.Check()
		checkTook = rt.Stats().Preemptions - before
	}
	rt, err := rtos.New(rtos.Threads{SpinA: a, SpinB: b, SpinC: idle,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if !yielded {
		t.Fatal("spin_a never yielded")
	}
	if checkTook != 0 {
		t.Errorf("spin_b's first Check, right after spin_a yielded, ended a slice: it took spin_a's pending slice end")
	}
}

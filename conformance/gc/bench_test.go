package gc

// The cost of gc: collect on the switch, measured in the same run as the
// gc: pause switch and iter.Pull. One op is one switch between two threads.

import (
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gthreadgen/gthreadgen/generated_examples/gc/rtos"
	pause "github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
	"github.com/gthreadgen/gthreadgen/internal/gcstress"
)

func BenchmarkYield(b *testing.B) {
	b.Run("gc=pause", benchPause)
	b.Run("gc=collect", func(b *testing.B) { benchCollect(b, false) })
	// The same while another goroutine calls runtime.GC in a loop: switches
	// then also wait for the ordering rule during mark phases.
	b.Run("gc=collect/GC-looping", func(b *testing.B) { benchCollect(b, true) })
	b.Run("iter.Pull", benchPull)
}

// benchPause: two threads of the gc: pause max example yield to each other.
func benchPause(b *testing.B) {
	n := b.N
	body := func(rt *pause.Runtime) {
		for range n / 2 {
			rt.Yield()
		}
	}
	rt, err := pauseRuntime(2, body)
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	b.ResetTimer()
	if err := rt.Run(); err != nil {
		b.Fatal(err)
	}
}

func benchCollect(b *testing.B, loop bool) {
	n := b.N
	body := func(rt *rtos.Runtime) {
		for range n / 2 {
			rt.Yield()
		}
	}
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{Lists: body, Maps: body, Pointers: nop, Strings: nop})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	var wg sync.WaitGroup
	done := make(chan struct{})
	var gcs atomic.Int64
	if loop {
		wg.Add(1)
		go gcstress.Pressure(done, &wg, &gcs)
	}
	b.ResetTimer()
	err = rt.Run()
	b.StopTimer()
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rt.Stats().GCWaits), "waits")
	if loop {
		// The collections the loop completed during the run: the switch
		// must leave the runtime its stop-the-worlds.
		b.ReportMetric(float64(gcs.Load()), "GCs")
	}
}

// benchPull: next and yield of iter.Pull, one switch each.
func benchPull(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for yield(0) {
		}
	})
	defer stop()
	b.ResetTimer()
	for range b.N / 2 {
		next()
	}
	runtime.KeepAlive(next)
}

// BenchmarkActivate: lists restarts maps (an empty body) and joins it, b.N
// times, as conformance/core's BenchmarkActivate does for gc: pause. Both
// switches of an op take gc: collect's slow path: maps enters as a new
// context (no holder publishes it) and leaves finished (its holder is
// freed).
func BenchmarkActivate(b *testing.B) {
	var failed error
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{Lists: func(rt *rtos.Runtime) {
		rt.Join(rtos.Maps) // every thread starts with Run: let maps finish first
		for range b.N {
			if err := rt.Activate(rtos.Maps); err != nil {
				failed = err
				return
			}
			if err := rt.Join(rtos.Maps); err != nil {
				failed = err
				return
			}
		}
	}, Maps: nop, Pointers: nop, Strings: nop})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	b.ReportAllocs()
	b.ResetTimer()
	err = rt.Run()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if failed != nil {
		b.Fatal(failed)
	}
}

package core

// Benchmarks of the generated runtime, and of the mechanisms it competes
// with, measured in the same run. In every benchmark one op is one switch
// (one handover of the CPU from one context to another), except
// BenchmarkActivate and BenchmarkPeerGoroutineSpawn, where one op is one
// thread (goroutine) start plus its join.

import (
	"fmt"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
)

// BenchmarkYield: k threads of equal priority yield to each other
// round-robin; together they call Yield b.N times, and every Yield switches
// to the next thread, so one op is one switch. The k initial entries and k
// final exits add 2k switches to the b.N, reported as switches/op.
func BenchmarkYield(b *testing.B) {
	for _, k := range []int{2, 8, 32} {
		b.Run(fmt.Sprintf("threads=%d", k), func(b *testing.B) { benchYield(b, k) })
	}
}

func benchYield(b *testing.B, k int) {
	n := b.N
	var failed atomic.Value
	rt, err := rtos.New(threadsOf(func(id rtos.ThreadID, rt *rtos.Runtime) {
		loops := n / k
		if int(id) < n%k {
			loops++
		}
		for range loops {
			if err := rt.Yield(); err != nil {
				failed.Store(err)
				return
			}
		}
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	for id := range k {
		if err := rt.Activate(rtos.ThreadID(id)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	err = rt.Run()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rt.Stats().Switches)/float64(b.N), "switches/op")
}

// BenchmarkActivate: thread t00 restarts thread t01 (an empty body) and joins
// it, b.N times. One op is Activate + t01 running to completion + Join, which
// is two switches (t00 -> t01 when t00 blocks in Join, t01 -> t00 when t01
// finishes).
func BenchmarkActivate(b *testing.B) {
	var failed error
	rt, err := rtos.New(threadsOf(func(id rtos.ThreadID, rt *rtos.Runtime) {
		if id != rtos.T00 {
			return
		}
		for range b.N {
			if err := rt.Activate(rtos.T01); err != nil {
				failed = err
				return
			}
			if err := rt.Join(rtos.T01); err != nil {
				failed = err
				return
			}
		}
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Activate(rtos.T00); err != nil {
		b.Fatal(err)
	}
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
	if got := rt.Stats().Threads[rtos.T01].Activations; got != uint64(b.N) {
		b.Fatalf("t01 started %d times, want %d", got, b.N)
	}
}

// BenchmarkPeerIterPull: the runtime's own coroutine switch. Each call of
// next is two switches (into the iterator goroutine, and back at its yield),
// so the loop calls next b.N/2 times: one op is one switch.
func BenchmarkPeerIterPull(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		if _, ok := next(); !ok {
			b.Fatal("iterator ended")
		}
	}
}

// BenchmarkPeerChannelPingPong: two goroutines hand a token back and forth
// over unbuffered channels. Each round trip is two handovers, so the loop
// makes b.N/2 round trips: one op is one handover.
func BenchmarkPeerChannelPingPong(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range ping {
			pong <- struct{}{}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		ping <- struct{}{}
		<-pong
	}
	b.StopTimer()
	close(ping)
	<-done
}

// BenchmarkPeerOSThreads: the same ping-pong between two goroutines locked
// to their own OS threads, so every handover parks one thread and wakes the
// other through a futex: one op is one handover.
func BenchmarkPeerOSThreads(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(done)
		for range ping {
			pong <- struct{}{}
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 2 {
		ping <- struct{}{}
		<-pong
	}
	b.StopTimer()
	close(ping)
	<-done
}

// BenchmarkPeerGosched: two goroutines call runtime.Gosched in turn under
// GOMAXPROCS(1), b.N calls between them: one op is one Gosched, i.e. one
// switch to the other goroutine.
func BenchmarkPeerGosched(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loops := b.N / 2
			if g < b.N%2 {
				loops++
			}
			for range loops {
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
}

// BenchmarkPeerGoroutineSpawn: one op is starting a goroutine and waiting
// for it to finish (the goroutine counterpart of BenchmarkActivate).
func BenchmarkPeerGoroutineSpawn(b *testing.B) {
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		wg.Add(1)
		go func() { wg.Done() }()
		wg.Wait()
	}
}

// TestAllocs: Yield and Activate+Join allocate nothing. testing.AllocsPerRun
// runs inside a thread around a loop of 1000 operations, so even one
// allocation per 1000 operations would show.
func TestAllocs(t *testing.T) {
	const loop = 1000
	var yieldAllocs, activateAllocs float64
	var stop atomic.Bool
	var failed atomic.Value
	check := func(err error) {
		if err != nil {
			failed.Store(err)
		}
	}
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		switch id {
		case rtos.T00: // measures Yield; T01 is its partner
			yieldAllocs = testing.AllocsPerRun(10, func() {
				for range loop {
					check(rt.Yield())
				}
			})
			stop.Store(true)
		case rtos.T01:
			for !stop.Load() {
				check(rt.Yield())
			}
		case rtos.T02: // measures Activate+Join of the empty T03
			activateAllocs = testing.AllocsPerRun(10, func() {
				for range loop {
					check(rt.Activate(rtos.T03))
					check(rt.Join(rtos.T03))
				}
			})
		}
	})
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	activate(t, rt, rtos.T02)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	st := rt.Stats()
	if st.Threads[rtos.T01].Switches < 10*loop || st.Threads[rtos.T03].Activations < 10*loop {
		t.Fatalf("the loops did not run: t01 switched in %d times, t03 started %d times", st.Threads[rtos.T01].Switches, st.Threads[rtos.T03].Activations)
	}
	if yieldAllocs != 0 {
		t.Errorf("%v allocations per %d Yields, want 0", yieldAllocs, loop)
	}
	if activateAllocs != 0 {
		t.Errorf("%v allocations per %d Activate+Join, want 0", activateAllocs, loop)
	}
}

// BenchmarkMemory reports the memory the runtime needs beyond the configured
// stacks: per thread (the Runtime value divided by the thread count) and the
// address space mapped against the sum of the configured stacks (the
// difference is one guard page per thread).
func BenchmarkMemory(b *testing.B) {
	rt, err := rtos.New(threadsOf(func(id rtos.ThreadID, r *rtos.Runtime) {}))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	var st rtos.Stats
	for i := 0; i < b.N; i++ {
		st = rt.Stats()
	}
	var stacks uintptr
	for _, t := range st.Threads {
		stacks += t.StackSize
	}
	b.ReportMetric(float64(st.Control)/rtos.NumThreads, "control-B/thread")
	b.ReportMetric(float64(st.Mapped), "mapped-B")
	b.ReportMetric(float64(stacks), "stacks-B")
}

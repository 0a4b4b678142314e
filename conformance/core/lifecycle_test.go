package core

// The lifecycle from several goroutines at once, and what a Run leaves for
// the next one.

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
)

// TestRoundRobinResetsEachRun: a Run that stopped on a panic in the middle of
// a round leaves no round-robin position behind: the next Run starts the
// level at its first thread, in table order, like the first Run did.
func TestRoundRobinResetsEachRun(t *testing.T) {
	var order []rtos.ThreadID
	panicking := true
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		order = append(order, id)
		if id == 1 && panicking {
			panic("stop the Run after t01's turn")
		}
		mustYield(rt)
	})
	activate(t, rt, 0, 1, 2)
	var pe *rtos.PanicError
	if err := rt.Run(); !errors.As(err, &pe) {
		t.Fatalf("first Run: %v, want a *PanicError", err)
	}
	panicking = false
	order = order[:0]
	activate(t, rt, 0, 1, 2)
	if err := rt.Run(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if len(order) < 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Errorf("second Run's first turns %v, want t00, t01, t02 (table order)", order)
	}
}

// TestLifecycleRaces: Stats against Close, Close against a starting Run, and
// two Runs at once, each from two goroutines many times. Every outcome is a
// typed error or success, never a crash: before the lifecycle became one
// guarded state, Stats read unmapped stacks (SIGSEGV) and concurrent Runs
// shared one scheduler.
func TestLifecycleRaces(t *testing.T) {
	const rounds = 300
	body := func(id rtos.ThreadID, rt *rtos.Runtime) {
		for range 200 {
			mustYield(rt)
		}
	}
	both := func(a, b func()) {
		var wg sync.WaitGroup
		wg.Go(a)
		wg.Go(b)
		wg.Wait()
	}
	t.Run("StatsClose", func(t *testing.T) {
		for range rounds {
			rt, err := rtos.New(threadsOf(body))
			if err != nil {
				t.Fatal(err)
			}
			var closed atomic.Bool
			both(func() {
				for !closed.Load() {
					s := rt.Stats()
					if s.Threads[0].StackSize == 0 {
						t.Error("Stats lost the configured stack size")
					}
				}
			}, func() {
				runtime.Gosched()
				if err := rt.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				closed.Store(true)
			})
		}
	})
	t.Run("CloseRun", func(t *testing.T) {
		for range rounds {
			rt, err := rtos.New(threadsOf(body))
			if err != nil {
				t.Fatal(err)
			}
			activate(t, rt, 0, 1)
			var runErr, closeErr error
			both(func() { runErr = rt.Run() }, func() { closeErr = rt.Close() })
			switch {
			case runErr == nil && errors.Is(closeErr, rtos.ErrRunning):
				// Run first: Close refused while it ran.
			case runErr == nil && closeErr == nil:
				// Run finished before Close.
			case errors.Is(runErr, rtos.ErrClosed) && closeErr == nil:
				// Close first.
			default:
				t.Fatalf("Run: %v, Close: %v", runErr, closeErr)
			}
			if err := rt.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		}
	})
	t.Run("RunRun", func(t *testing.T) {
		rt := newRuntime(t, body)
		for range rounds {
			activate(t, rt, 0, 1)
			var errA, errB error
			both(func() { errA = rt.Run() }, func() { errB = rt.Run() })
			// One ran the threads, the other was refused or came after.
			if errA != nil && !errors.Is(errA, rtos.ErrRunning) || errB != nil && !errors.Is(errB, rtos.ErrRunning) {
				t.Fatalf("Runs: %v, %v", errA, errB)
			}
		}
	})
	t.Run("StatsDuringRun", func(t *testing.T) {
		rt := newRuntime(t, body)
		for range rounds / 4 {
			activate(t, rt, 0, 1, 2, 3)
			var runErr error
			both(func() { runErr = rt.Run() }, func() {
				for range 20 {
					_ = rt.Stats()
				}
			})
			if runErr != nil {
				t.Fatalf("Run: %v", runErr)
			}
		}
	})
	t.Run("ActivateDuringRun", func(t *testing.T) {
		rt := newRuntime(t, body)
		activate(t, rt, 0)
		started := make(chan struct{})
		rt2 := rt
		var runErr error
		both(func() { runErr = rt2.Run(); close(started) }, func() {
			// From another goroutine: before the Run it marks, during it
			// it is refused; either way no state is torn.
			if err := rt.Activate(5); err != nil && !errors.Is(err, rtos.ErrNotInThread) {
				t.Errorf("Activate from another goroutine: %v", err)
			}
		})
		<-started
		if runErr != nil {
			t.Fatalf("Run: %v", runErr)
		}
	})
}

// TestAbandonedAfterError: when a thread's panic stops Run, the threads that
// were ready or blocked are reported as abandoned (their deferred calls did
// not run: they were not resumed), not as ready or blocked after Run has
// returned; the next Run starts them afresh.
func TestAbandonedAfterError(t *testing.T) {
	deferRan := false
	first := true
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		switch id {
		case 0: // blocked in Join when the panic comes
			if err := rt.Join(2); err != nil {
				t.Errorf("Join: %v", err)
			}
		case 1: // ready, with a deferred call pending
			defer func() { deferRan = true }()
			for range 3 {
				mustYield(rt)
			}
		case 2:
			mustYield(rt)
			if first {
				panic("stop")
			}
		}
	})
	activate(t, rt, 0, 1, 2)
	var pe *rtos.PanicError
	if err := rt.Run(); !errors.As(err, &pe) {
		t.Fatalf("Run: %v, want a *PanicError", err)
	}
	st := rt.Stats()
	for id, want := range map[rtos.ThreadID]rtos.State{0: rtos.Abandoned, 1: rtos.Abandoned, 2: rtos.Finished, 3: rtos.Inactive} {
		if got := st.Threads[id].State; got != want {
			t.Errorf("after the panic, %s is %s, want %s", id, got, want)
		}
	}
	if deferRan {
		t.Error("an abandoned thread's deferred call ran; the documented semantics say it does not")
	}
	first = false
	activate(t, rt, 0, 1, 2)
	if err := rt.Run(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	for id := range rtos.ThreadID(3) {
		if got := rt.Stats().Threads[id].State; got != rtos.Finished {
			t.Errorf("after the second Run, %s is %s, want finished", id, got)
		}
	}
	if !deferRan {
		t.Error("t01's deferred call did not run in the second Run")
	}
}

// gcDeep calls runtime.GC with at least n KiB of the thread's stack in use.
//
//go:noinline
func gcDeep(n int) byte {
	var pad [1024]byte
	pad[n%1024] = byte(n)
	if n > 0 {
		return gcDeep(n-1) + pad[0]
	}
	runtime.GC()
	return pad[0]
}

// TestGCDuringRunReported: a collection while Run is active (gc: pause)
// is not supported. Usually it kills the process (it shrinks the goroutine's
// stack, which is a thread's: "stack size not a power of 2"); when the
// thread uses a quarter of its stack or more, the collector leaves the stack
// alone and the process lives on, with objects that only a suspended
// thread referred to possibly freed. Run must report that collection.
func TestGCDuringRunReported(t *testing.T) {
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		gcDeep(8) // 8 KiB of 16
	})
	activate(t, rt, rtos.T00)
	if err := rt.Run(); !errors.Is(err, rtos.ErrGCDuringRun) {
		t.Errorf("Run = %v, want ErrGCDuringRun", err)
	}
	rt2 := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {})
	activate(t, rt2, rtos.T00)
	if err := rt2.Run(); err != nil {
		t.Errorf("a Run without a collection: %v", err)
	}
}

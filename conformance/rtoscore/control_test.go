package rtoscore

// Tests of Suspend, Resume and SetPriority (scheduler.suspend and
// scheduler.set_priority) in the runtime generated from
// configs/rtos_core.yaml: worker 2, monitor 1, mutex lock (ceiling 2).

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/rtos_core/rtos"
)

// TestSuspendSelfAndResume: a thread that suspends itself runs again only
// when another resumes it, at once when it is more urgent.
func TestSuspendSelfAndResume(t *testing.T) {
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		order = append(order, "worker suspends itself")
		if err := rt.Suspend(rtos.Worker); err != nil {
			t.Error(err)
		}
		order = append(order, "worker resumed")
	}, func(rt *rtos.Runtime) {
		if s := rt.Stats().Threads[rtos.Worker].State; s != rtos.Suspended {
			t.Errorf("worker state %v, want suspended", s)
		}
		order = append(order, "monitor resumes worker")
		if err := rt.Resume(rtos.Worker); err != nil {
			t.Error(err)
		}
		order = append(order, "monitor goes on")
	})
	runWithin(t, rt, 5*time.Second)
	want := []string{"worker suspends itself", "monitor resumes worker", "worker resumed", "monitor goes on"}
	if !slices.Equal(order, want) {
		t.Fatalf("order %q, want %q", order, want)
	}
}

// TestSuspendReadyThread: a ready thread of the caller's level is taken
// off the scheduler: Yield does not reach it until Resume.
func TestSuspendReadyThread(t *testing.T) {
	var workerRuns, seenSuspended, seenResumed int
	rt := newRT(t, func(rt *rtos.Runtime) {
		rt.Kicks().Acquire(rtos.Forever)
		for range 20 {
			workerRuns++
			rt.Yield()
		}
	}, func(rt *rtos.Runtime) {
		if err := rt.SetPriority(rtos.Worker, 1); err != nil { // now equal: round-robin
			t.Error(err)
		}
		rt.Kicks().Release() // the worker is ready, the monitor still runs
		if err := rt.Suspend(rtos.Worker); err != nil {
			t.Error(err)
		}
		before := workerRuns
		for range 10 {
			rt.Yield()
		}
		seenSuspended = workerRuns - before
		if err := rt.Resume(rtos.Worker); err != nil {
			t.Error(err)
		}
		before = workerRuns
		for range 5 {
			rt.Yield()
		}
		seenResumed = workerRuns - before
	})
	runWithin(t, rt, 5*time.Second)
	if seenSuspended != 0 || seenResumed != 5 {
		t.Fatalf("worker ran %d times while suspended (want 0) and %d times in 5 yields after Resume (want 5)", seenSuspended, seenResumed)
	}
}

// TestSuspendBlockedThread: a thread suspended in Sleep stays suspended
// when its sleep ends, and returns from Sleep only after Resume.
func TestSuspendBlockedThread(t *testing.T) {
	start := time.Now()
	var woke, resumed time.Duration
	rt := newRT(t, func(rt *rtos.Runtime) {
		rt.Sleep(5 * time.Millisecond)
		woke = time.Since(start)
	}, func(rt *rtos.Runtime) {
		if err := rt.Suspend(rtos.Worker); err != nil { // blocked in Sleep
			t.Error(err)
		}
		rt.Sleep(30 * time.Millisecond)
		if s := rt.Stats().Threads[rtos.Worker].State; s != rtos.Suspended {
			t.Errorf("worker state after its sleep ended: %v, want suspended", s)
		}
		resumed = time.Since(start)
		rt.Resume(rtos.Worker)
	})
	runWithin(t, rt, 5*time.Second)
	if woke < resumed {
		t.Fatalf("worker returned from Sleep at %v, before Resume at %v", woke, resumed)
	}
}

// TestSuspendErrors: the typed errors of misuse, and a holder of a mutex
// refused (the ceiling protocol).
func TestSuspendErrors(t *testing.T) {
	rt := newRT(t, func(rt *rtos.Runtime) {}, func(rt *rtos.Runtime) {
		for _, c := range []struct {
			what string
			err  error
			want error
		}{
			{"Suspend(99)", rt.Suspend(99), rtos.ErrNoSuchThread},
			{"Suspend(finished worker)", rt.Suspend(rtos.Worker), rtos.ErrThreadInactive},
			{"Resume(monitor)", rt.Resume(rtos.Monitor), rtos.ErrNotSuspended},
			{"Resume(99)", rt.Resume(99), rtos.ErrNoSuchThread},
		} {
			if !errors.Is(c.err, c.want) {
				t.Errorf("%s = %v, want %v", c.what, c.err, c.want)
			}
		}
		rt.Lock().Lock()
		if err := rt.Suspend(rtos.Monitor); !errors.Is(err, rtos.ErrHoldsMutex) {
			t.Errorf("Suspend of a mutex holder = %v, want ErrHoldsMutex", err)
		}
		rt.Lock().Unlock()
	})
	if err := rt.Suspend(rtos.Worker); !errors.Is(err, rtos.ErrNotInThread) {
		t.Errorf("Suspend from a goroutine = %v, want ErrNotInThread", err)
	}
	runWithin(t, rt, 5*time.Second)
}

// TestSuspendedDeadlock: with the only other thread finished, a suspended
// thread can never be resumed: a DeadlockError names it.
func TestSuspendedDeadlock(t *testing.T) {
	rt := newRT(t, func(rt *rtos.Runtime) { rt.Suspend(rtos.Worker) }, nil)
	var d *rtos.DeadlockError
	if err := rt.Run(); !errors.As(err, &d) || !slices.Equal(d.Suspended, []rtos.ThreadID{rtos.Worker}) {
		t.Fatalf("Run = %v, want a *DeadlockError naming the suspended worker", err)
	}
}

// TestSetPriorityRaisesAtOnce: raising a ready thread above the caller is
// a scheduling point; lowering oneself below a ready thread too.
func TestSetPriorityRaisesAtOnce(t *testing.T) {
	var order []string
	// The worker, more urgent, waits for the monitor's units.
	rt2 := newRT(t, func(rt *rtos.Runtime) {
		rt.Kicks().Acquire(rtos.Forever)
		order = append(order, "worker")
		rt.Kicks().Acquire(rtos.Forever)
		order = append(order, "worker again")
	}, func(rt *rtos.Runtime) {
		rt.SetPriority(rtos.Worker, 0)
		rt.Kicks().Release() // the worker is ready now, below the monitor
		order = append(order, "monitor raises worker")
		rt.SetPriority(rtos.Worker, 2) // runs at once
		order = append(order, "monitor lowers itself")
		rt.SetPriority(rtos.Worker, 1)
		rt.Kicks().Release() // equal: the worker waits its turn
		order = append(order, "monitor below worker")
		rt.SetPriority(rtos.Monitor, 0) // the worker runs at once
		order = append(order, "monitor last")
	})
	runWithin(t, rt2, 5*time.Second)
	want := []string{"monitor raises worker", "worker", "monitor lowers itself", "monitor below worker", "worker again", "monitor last"}
	if !slices.Equal(order, want) {
		t.Fatalf("order %q,\nwant %q", order, want)
	}
}

// TestSetPriorityCeiling: a user of a mutex cannot be raised above its
// ceiling (a *CeilingError); a holder lowered below the ceiling stays at
// the ceiling until it unlocks, then runs at its new base priority; Run
// starts from the configured priorities again.
func TestSetPriorityCeiling(t *testing.T) {
	prio := func(rt *rtos.Runtime, id rtos.ThreadID) int { return rt.Stats().Threads[id].Priority }
	for run := range 2 {
		rt := newRT(t, nil, func(rt *rtos.Runtime) {
			if p := prio(rt, rtos.Monitor); p != 1 {
				t.Errorf("run %d: monitor starts at %d, want its configured 1", run, p)
			}
			var ce *rtos.CeilingError
			if err := rt.SetPriority(rtos.Monitor, 3); !errors.As(err, &ce) || ce.Ceiling != 2 || ce.Mutex != "lock" {
				t.Errorf("SetPriority above the ceiling = %v, want a *CeilingError for lock, ceiling 2", err)
			}
			if err := rt.SetPriority(rtos.Monitor, 32); !errors.Is(err, rtos.ErrPriorityRange) {
				t.Errorf("SetPriority(32) = %v, want ErrPriorityRange", err)
			}
			rt.Lock().Lock()
			rt.SetPriority(rtos.Monitor, 0)
			if p := prio(rt, rtos.Monitor); p != 2 {
				t.Errorf("holder lowered to 0 runs at %d, want the ceiling 2", p)
			}
			rt.Lock().Unlock()
			if p := prio(rt, rtos.Monitor); p != 0 {
				t.Errorf("after Unlock the monitor runs at %d, want its new base 0", p)
			}
		})
		runWithin(t, rt, 5*time.Second)
	}
	if err := newRT(t, nil, nil).SetPriority(rtos.Worker, 1); !errors.Is(err, rtos.ErrNotInThread) {
		t.Errorf("SetPriority from a goroutine = %v, want ErrNotInThread", err)
	}
}

// TestSemaphoreServesPriorityNotTableOrder: Release hands its unit to the
// most urgent waiter, not to the one first in table order nor to the one
// that waited first. The worker (2, first in the table) waits first, the
// ticker (3, last in the table) after it; each Release of the monitor (1)
// wakes one of them, who runs at once, being more urgent. Flags, not
// sleep lengths, order the waits: a waiter sets its flag right before
// Acquire blocks it, and nothing runs in between.
func TestSemaphoreServesPriorityNotTableOrder(t *testing.T) {
	var order []string
	var workerWaits, tickerWaits bool
	waitFor := func(rt *rtos.Runtime, flag *bool) {
		for !*flag {
			if err := rt.Sleep(time.Millisecond); err != nil {
				t.Error(err)
				return
			}
		}
	}
	rt, err := rtos.New(rtos.Threads{
		Worker: func(rt *rtos.Runtime) {
			workerWaits = true
			if err := rt.Kicks().Acquire(rtos.Forever); err != nil {
				t.Error(err)
			}
			order = append(order, "worker got it")
		},
		Monitor: func(rt *rtos.Runtime) {
			waitFor(rt, &tickerWaits)
			order = append(order, "release 1")
			rt.Kicks().Release()
			order = append(order, "release 2")
			rt.Kicks().Release()
			order = append(order, "monitor done")
		},
		Ticker: func(rt *rtos.Runtime) {
			waitFor(rt, &workerWaits)
			tickerWaits = true
			if err := rt.Kicks().Acquire(rtos.Forever); err != nil {
				t.Error(err)
			}
			order = append(order, "ticker got it")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	runWithin(t, rt, 5*time.Second)
	want := []string{"release 1", "ticker got it", "release 2", "worker got it", "monitor done"}
	if !slices.Equal(order, want) {
		t.Fatalf("order %q,\nwant %q", order, want)
	}
}

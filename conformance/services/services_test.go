package services

// Tests of Sleep, SleepUntil, semaphores, event flags and deadlock reports
// in the runtime generated from configs/periodic.yaml (threads fast: 2,
// slow: 1, logger: 0; semaphore ticks, initial 0; events done, initial 0).
// Each test checks an observable effect, so it fails when the feature breaks.

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/periodic/rtos"
)

// newRT builds a runtime from the three bodies (nil: return at once).
func newRT(t *testing.T, fast, slow, logger func(rt *rtos.Runtime)) *rtos.Runtime {
	t.Helper()
	nop := func(*rtos.Runtime) {}
	for _, f := range []*func(*rtos.Runtime){&fast, &slow, &logger} {
		if *f == nil {
			*f = nop
		}
	}
	rt, err := rtos.New(rtos.Threads{Fast: fast, Slow: slow, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// TestSleepDuration: Sleep lasts at least d and not much longer.
func TestSleepDuration(t *testing.T) {
	var e suite.Errors
	var took time.Duration
	rt := newRT(t, func(rt *rtos.Runtime) {
		start := time.Now()
		if err := rt.Sleep(20 * time.Millisecond); err != nil {
			e.Add("Sleep: %v", err)
		}
		took = time.Since(start)
	}, nil, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if took < 20*time.Millisecond || took > 500*time.Millisecond {
		t.Errorf("Sleep(20ms) took %v", took)
	}
}

// cpuTime returns the CPU time the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSleepIsTickless: while every thread sleeps the runtime waits in the
// kernel; a spinning idle loop would burn about as much CPU as wall time.
func TestSleepIsTickless(t *testing.T) {
	sleep := func(rt *rtos.Runtime) { rt.Sleep(200 * time.Millisecond) }
	rt := newRT(t, sleep, sleep, sleep)
	cpu0, wall0 := cpuTime(t), time.Now()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
	if wall < 200*time.Millisecond {
		t.Fatalf("Run took %v, want at least the 200ms sleep", wall)
	}
	if cpu > wall/4 {
		t.Errorf("Run used %v of CPU in %v: the idle runtime spins", cpu, wall)
	}
}

// TestDueSleeperRunsAtNextSwitch: while less urgent threads keep yielding,
// a sleeping more urgent thread runs at the first switch after its wake-up
// time, not when they finish.
func TestDueSleeperRunsAtNextSwitch(t *testing.T) {
	var e suite.Errors
	woke := false
	var late time.Duration
	yields := 0
	spin := func(rt *rtos.Runtime) {
		for deadline := time.Now().Add(2 * time.Second); !woke && time.Now().Before(deadline); yields++ {
			if err := rt.Yield(); err != nil {
				e.Add("Yield: %v", err)
				return
			}
		}
		if !woke {
			e.Add("the sleeper did not run within 2s of yields")
		}
	}
	rt := newRT(t, func(rt *rtos.Runtime) {
		due := time.Now().Add(5 * time.Millisecond)
		rt.SleepUntil(due)
		late = time.Since(due)
		woke = true
	}, spin, spin)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if late < 0 || late > 50*time.Millisecond {
		t.Errorf("the sleeper ran %v after its wake-up time", late)
	}
	if yields == 0 {
		t.Errorf("the spinners never yielded: the test tested nothing")
	}
}

// TestSleepUntilPastReturnsAtOnce and Sleep(0): no switch.
func TestSleepUntilPastReturnsAtOnce(t *testing.T) {
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		rt.SleepUntil(time.Now().Add(-time.Second))
		rt.Sleep(0)
		order = append(order, "fast")
	}, func(rt *rtos.Runtime) { order = append(order, "slow") }, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "fast,slow" {
		t.Errorf("order %v, want fast before slow", order)
	}
}

// TestSleepersWakeInDeadlineOrder: threads sleeping different times wake in
// the order of their deadlines, whatever their priorities.
func TestSleepersWakeInDeadlineOrder(t *testing.T) {
	var order []string
	sleeper := func(name string, d time.Duration) func(rt *rtos.Runtime) {
		return func(rt *rtos.Runtime) {
			rt.Sleep(d)
			order = append(order, name)
		}
	}
	// 30 ms apart: each Sleep starts when its thread first runs, so a stall
	// of the whole process between the threads' starts shifts the later
	// deadlines (10 ms apart, a loaded machine once swapped two).
	rt := newRT(t, sleeper("fast", 70*time.Millisecond), sleeper("slow", 10*time.Millisecond), sleeper("logger", 40*time.Millisecond))
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "slow,logger,fast" {
		t.Errorf("wake order %s, want slow,logger,fast", got)
	}
}

func TestNotInThread(t *testing.T) {
	rt := newRT(t, nil, nil, nil)
	for name, err := range map[string]error{
		"Sleep":      rt.Sleep(time.Millisecond),
		"SleepUntil": rt.SleepUntil(time.Now()),
		"Acquire":    rt.Ticks().Acquire(0),
		"Release":    rt.Ticks().Release(),
		"Set":        rt.Done().Set(1),
		"Clear":      rt.Done().Clear(1),
	} {
		if !errors.Is(err, rtos.ErrNotInThread) {
			t.Errorf("%s outside a thread = %v, want ErrNotInThread", name, err)
		}
	}
	if _, err := rt.Done().Wait(1, false, 0); !errors.Is(err, rtos.ErrNotInThread) {
		t.Errorf("Wait outside a thread = %v", err)
	}
}

// TestSemaphoreTimeout: Acquire without a unit fails at once with timeout 0
// and after the timeout otherwise.
func TestSemaphoreTimeout(t *testing.T) {
	var e suite.Errors
	var took time.Duration
	rt := newRT(t, func(rt *rtos.Runtime) {
		if err := rt.Ticks().Acquire(0); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("Acquire(0) = %v, want ErrTimeout", err)
		}
		start := time.Now()
		if err := rt.Ticks().Acquire(15 * time.Millisecond); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("Acquire(15ms) = %v, want ErrTimeout", err)
		}
		took = time.Since(start)
	}, nil, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if took < 15*time.Millisecond {
		t.Errorf("Acquire(15ms) timed out after %v", took)
	}
}

// TestSemaphoreCounting: Release without waiters counts up, Acquire counts
// down, and every Run starts again from the configured initial count.
func TestSemaphoreCounting(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, func(rt *rtos.Runtime) {
		s := rt.Ticks()
		if s.Count() != 0 {
			e.Add("count at start %d, want the initial 0", s.Count())
		}
		for range 3 {
			s.Release()
		}
		for i := range 3 {
			if err := s.Acquire(0); err != nil {
				e.Add("Acquire %d: %v", i, err)
			}
		}
		if err := s.Acquire(0); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("fourth Acquire = %v, want ErrTimeout", err)
		}
		s.Release()
	}, nil, nil)
	for run := range 2 {
		if err := rt.Run(); err != nil {
			t.Fatal(err)
		}
		if got := rt.Ticks().Count(); got != 1 {
			t.Errorf("run %d: count after Run %d, want 1", run, got)
		}
	}
	e.Report(t)
}

// TestSemaphoreWakesMostUrgent: Release hands the unit to the most urgent
// waiter, which runs at once when it is more urgent than the releaser.
func TestSemaphoreWakesMostUrgent(t *testing.T) {
	var order []string
	waiter := func(name string) func(rt *rtos.Runtime) {
		return func(rt *rtos.Runtime) {
			if err := rt.Ticks().Acquire(rtos.Forever); err != nil {
				panic(err)
			}
			order = append(order, name+" got it")
		}
	}
	rt := newRT(t, func(rt *rtos.Runtime) {
		// fast waits first, releases twice once slow and logger wait.
		rt.Sleep(5 * time.Millisecond)
		order = append(order, "release 1")
		rt.Ticks().Release()
		order = append(order, "release 2")
		rt.Ticks().Release()
		order = append(order, "fast done")
	}, waiter("slow"), waiter("logger"))
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	// fast is the most urgent: slow and logger run only after it finishes,
	// slow (1) first, with the unit handed to it, then logger (0).
	if got, want := strings.Join(order, ", "), "release 1, release 2, fast done, slow got it, logger got it"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
}

// TestSemaphoreServesPriorityNotArrival: of two waiters, the first Release
// hands its unit to the more urgent one even when the other has waited
// longer. logger (0) waits first, slow (1) after it; fast (2) releases one
// unit and sleeps, so that whoever got it runs, then releases the second.
// Flags, not sleep lengths, order the waits: a waiter sets its flag right
// before Acquire blocks it, and nothing runs in between.
func TestSemaphoreServesPriorityNotArrival(t *testing.T) {
	var e suite.Errors
	var order []string
	var loggerWaits, slowWaits bool
	waitFor := func(rt *rtos.Runtime, flag *bool) {
		for !*flag {
			if err := rt.Sleep(time.Millisecond); err != nil {
				e.Add("Sleep: %v", err)
				return
			}
		}
	}
	rt := newRT(t, func(rt *rtos.Runtime) {
		waitFor(rt, &slowWaits)
		order = append(order, "release 1")
		rt.Ticks().Release() // slow gets it: fast, more urgent, goes on
		rt.Sleep(time.Millisecond)
		order = append(order, "release 2")
		rt.Ticks().Release()
		order = append(order, "fast done")
	}, func(rt *rtos.Runtime) {
		waitFor(rt, &loggerWaits)
		slowWaits = true
		if err := rt.Ticks().Acquire(rtos.Forever); err != nil {
			e.Add("slow Acquire: %v", err)
		}
		order = append(order, "slow got it")
	}, func(rt *rtos.Runtime) {
		loggerWaits = true
		if err := rt.Ticks().Acquire(rtos.Forever); err != nil {
			e.Add("logger Acquire: %v", err)
		}
		order = append(order, "logger got it")
	})
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if got, want := strings.Join(order, ", "), "release 1, slow got it, release 2, fast done, logger got it"; got != want {
		t.Errorf("order %s,\nwant %s", got, want)
	}
}

// TestReleasePreempts: a released waiter more urgent than the releaser runs
// before Release returns.
func TestReleasePreempts(t *testing.T) {
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		rt.Ticks().Acquire(rtos.Forever)
		order = append(order, "fast woke")
	}, nil, func(rt *rtos.Runtime) {
		order = append(order, "logger releases")
		rt.Ticks().Release()
		order = append(order, "logger continues")
	})
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ", "), "logger releases, fast woke, logger continues"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
}

// TestEvents: Wait for any or all flags, with a timeout; Set wakes the
// waiters it satisfies; flags reset at every Run.
func TestEvents(t *testing.T) {
	var e suite.Errors
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		d := rt.Done()
		if d.Flags() != 0 {
			e.Add("flags at start %#x, want 0", d.Flags())
		}
		got, err := d.Wait(0x6, false, rtos.Forever)
		order = append(order, fmt.Sprintf("fast any %#x %v", got, err))
		got, err = d.Wait(0x3, true, 10*time.Millisecond)
		if !errors.Is(err, rtos.ErrTimeout) || got != 0x1 {
			e.Add("Wait all 0x3 with 0x1 set = %#x, %v; want 0x1, ErrTimeout", got, err)
		}
	}, func(rt *rtos.Runtime) {
		d := rt.Done()
		order = append(order, "slow sets 0x1")
		d.Set(0x1) // satisfies nobody
		order = append(order, "slow sets 0x4")
		d.Set(0x4) // wakes fast, which is more urgent: it runs at once
		order = append(order, "slow clears 0x4")
		d.Clear(0x4)
	}, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if got, want := strings.Join(order, ", "), "slow sets 0x1, slow sets 0x4, fast any 0x4 <nil>, slow clears 0x4"; got != want {
		t.Errorf("order %s,\nwant %s", got, want)
	}
	if rt.Done().Flags() != 0x1 {
		t.Errorf("flags after Run %#x, want 0x1", rt.Done().Flags())
	}
}

// TestEventsSetWakesEveryWaiter: one Set that satisfies two waiters wakes
// both, the one waiting for any flag and the one waiting for all of them.
func TestEventsSetWakesEveryWaiter(t *testing.T) {
	var e suite.Errors
	var order []string
	var slowWaits, loggerWaits bool
	rt := newRT(t, func(rt *rtos.Runtime) {
		for !slowWaits || !loggerWaits {
			if err := rt.Sleep(time.Millisecond); err != nil {
				e.Add("Sleep: %v", err)
				return
			}
		}
		order = append(order, "fast sets 0x3")
		rt.Done().Set(0x3) // both are less urgent: fast goes on
		order = append(order, "fast done")
	}, func(rt *rtos.Runtime) {
		slowWaits = true
		got, err := rt.Done().Wait(0x1, false, rtos.Forever)
		order = append(order, fmt.Sprintf("slow any 0x1: %#x %v", got, err))
	}, func(rt *rtos.Runtime) {
		loggerWaits = true
		got, err := rt.Done().Wait(0x3, true, rtos.Forever)
		order = append(order, fmt.Sprintf("logger all 0x3: %#x %v", got, err))
	})
	if err := rt.Run(); err != nil {
		t.Fatalf("Run = %v (a waiter the Set satisfied was left blocked?)", err)
	}
	e.Report(t)
	if got, want := strings.Join(order, ", "), "fast sets 0x3, fast done, slow any 0x1: 0x1 <nil>, logger all 0x3: 0x3 <nil>"; got != want {
		t.Errorf("order %s,\nwant %s", got, want)
	}
}

// TestDeadlockReport: when every live thread waits and no timeout is
// pending, Run returns a *DeadlockError naming each thread and its wait.
func TestDeadlockReport(t *testing.T) {
	rt := newRT(t, func(rt *rtos.Runtime) {
		rt.Join(rtos.Slow)
	}, func(rt *rtos.Runtime) {
		rt.Ticks().Acquire(rtos.Forever)
	}, func(rt *rtos.Runtime) {
		rt.Done().Wait(1, true, rtos.Forever)
	})
	err := rt.Run()
	var d *rtos.DeadlockError
	if !errors.As(err, &d) {
		t.Fatalf("Run = %v, want a *DeadlockError", err)
	}
	want := []rtos.Wait{
		{Thread: rtos.Fast, On: rtos.Slow},
		{Thread: rtos.Slow, What: "semaphore ticks"},
		{Thread: rtos.Logger, What: "events done"},
	}
	if fmt.Sprint(d.Waits) != fmt.Sprint(want) {
		t.Errorf("Waits = %v, want %v", d.Waits, want)
	}
	if got, want := err.Error(), "rtos: deadlock: every live thread is blocked: fast joins slow, slow waits on semaphore ticks, logger waits on events done"; got != want {
		t.Errorf("Error() = %q,\nwant %q", got, want)
	}
	// The next Run starts from the initial state and ends the same way.
	if err2 := rt.Run(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Run = %v, want the same deadlock", err2)
	}
}

// TestErrorWhileOthersWait: a panic stops Run at once even while other
// threads sleep or wait with timeouts, and the next Run starts afresh:
// no stale sleeper, waiter or count survives.
func TestErrorWhileOthersWait(t *testing.T) {
	runs := 0
	var states []rtos.State
	rt := newRT(t, func(rt *rtos.Runtime) {
		runs++
		rt.Ticks().Release()
		rt.Sleep(time.Millisecond)
		states = append(states, rt.Stats().Threads[rtos.Slow].State, rt.Stats().Threads[rtos.Logger].State)
		if runs == 1 {
			panic("boom")
		}
	}, func(rt *rtos.Runtime) {
		if runs == 1 {
			rt.Sleep(time.Hour)
		}
	}, func(rt *rtos.Runtime) {
		if runs == 1 {
			rt.Done().Wait(1, true, time.Hour)
		}
	})
	start := time.Now()
	var pe *rtos.PanicError
	if err := rt.Run(); !errors.As(err, &pe) {
		t.Fatalf("first Run = %v, want a *PanicError", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the panic took %v to stop Run: it waited for the sleepers", d)
	}
	if c := rt.Ticks().Count(); c != 1 {
		t.Errorf("count after the first Run %d, want 1", c)
	}
	if err := rt.Run(); err != nil {
		t.Fatalf("second Run = %v", err)
	}
	if fmt.Sprint(states) != "[blocked blocked finished finished]" {
		t.Errorf("states of slow and logger seen by fast: %v", states)
	}
}

// TestNoDeadlockWhileTimeoutPending: a thread waiting forever is not a
// deadlock while another waits with a timeout that will let it go on.
func TestNoDeadlockWhileTimeoutPending(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, nil, func(rt *rtos.Runtime) {
		if err := rt.Ticks().Acquire(rtos.Forever); err != nil {
			e.Add("slow Acquire: %v", err)
		}
	}, func(rt *rtos.Runtime) {
		if _, err := rt.Done().Wait(1, true, 10*time.Millisecond); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("logger Wait = %v, want ErrTimeout", err)
		}
		rt.Ticks().Release()
	})
	if err := rt.Run(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	e.Report(t)
}

// TestSleepUntilDoesNotDrift: a periodic loop on SleepUntil with
// next = next.Add(period) ends after n periods, not n periods plus n times
// the wake-up latency and the work done in each period.
func TestSleepUntilDoesNotDrift(t *testing.T) {
	const period, n = 2 * time.Millisecond, 25
	// A drifting loop takes n*1.5 periods plus latencies in every attempt; a
	// loaded machine can stretch one attempt of a correct loop: up to five
	// attempts, the first within bounds passes.
	var tries []time.Duration
	for range 5 {
		var took time.Duration
		var e suite.Errors
		rt := newRT(t, func(rt *rtos.Runtime) {
			start := time.Now()
			next := start
			for range n {
				next = next.Add(period)
				if err := rt.SleepUntil(next); err != nil {
					e.Add("SleepUntil: %v", err)
				}
				for end := time.Now().Add(period / 2); time.Now().Before(end); {
					// half a period of work
				}
			}
			took = time.Since(start)
		}, nil, nil)
		if err := rt.Run(); err != nil {
			t.Fatal(err)
		}
		e.Report(t)
		if want := n * period; took < want {
			t.Fatalf("%d periods of %v took %v: SleepUntil returned early", n, period, took)
		} else if took <= want+5*period {
			return
		}
		tries = append(tries, took)
	}
	t.Errorf("%d periods of %v took %v in five attempts, want %v plus at most the last period's work", n, period, tries, n*period)
}

// TestJoinTimeout: JoinTimeout gives up after its timeout while the target
// runs on, returns nil when the target finishes in time, and a timed-out
// joiner is not woken later by the target's end.
func TestJoinTimeout(t *testing.T) {
	var e suite.Errors
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		if err := rt.JoinTimeout(rtos.Slow, 0); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("JoinTimeout(0) = %v", err)
		}
		if err := rt.JoinTimeout(rtos.Slow, 5*time.Millisecond); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("JoinTimeout(5ms) of a thread sleeping 30ms = %v", err)
		}
		order = append(order, "fast timed out")
		// Now wait on something else: slow's end must not wake this wait.
		if err := rt.Ticks().Acquire(rtos.Forever); err != nil {
			e.Add("Acquire: %v", err)
		}
		order = append(order, "fast acquired")
		if err := rt.JoinTimeout(rtos.Logger, 100*time.Millisecond); err != nil {
			e.Add("JoinTimeout of a thread that ends in time = %v", err)
		}
		order = append(order, "fast joined logger")
		// The join's deadline must be gone: nothing sets the flag, so this
		// is a deadlock, not a time-out 100ms later.
		_, err := rt.Done().Wait(1, true, rtos.Forever)
		e.Add("Wait(Forever) with nobody to set the flag returned: %v", err)
	}, func(rt *rtos.Runtime) {
		rt.Sleep(30 * time.Millisecond)
		order = append(order, "slow done")
	}, func(rt *rtos.Runtime) {
		rt.Sleep(60 * time.Millisecond)
		order = append(order, "logger releases")
		rt.Ticks().Release()
		rt.Sleep(10 * time.Millisecond)
		order = append(order, "logger done")
	})
	err := rt.Run()
	if want := "rtos: deadlock: every live thread is blocked: fast waits on events done"; err == nil || err.Error() != want {
		t.Errorf("Run = %v, want %s", err, want)
	}
	e.Report(t)
	want := "fast timed out, slow done, logger releases, fast acquired, logger done, fast joined logger"
	if got := strings.Join(order, ", "); got != want {
		t.Errorf("order %s,\nwant %s", got, want)
	}
}

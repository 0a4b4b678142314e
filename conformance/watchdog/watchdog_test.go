package watchdog

import (
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/rtos"
	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/scenario"
)

// TestSleeperPreemptsAtOnce: with 100 ms slices (a tick every 50 ms), a
// sleeper that comes due preempts threads that never yield and never call a
// service within a few milliseconds, not at the next tick or slice end.
//
// A loaded machine can stall the whole process for tens of milliseconds, so
// the test asks for most wake-ups, not all, to be prompt; waiting for ticks
// would make only about one in ten prompt.
func TestSleeperPreemptsAtOnce(t *testing.T) {
	const (
		wakes = 100
		every = 2 * time.Millisecond
	)
	var late []time.Duration
	done := false
	spin := func(rt *rtos.Runtime) {
		for !done { // body code only, no calls: only the timer takes the CPU away
		}
	}
	rt, err := rtos.New(rtos.Threads{
		Auditor: func(*rtos.Runtime) {},
		Alarm:   func(*rtos.Runtime) {},
		WorkerA: spin,
		WorkerB: spin,
		Watchdog: func(rt *rtos.Runtime) {
			next := time.Now()
			for range wakes {
				next = next.Add(every)
				rt.SleepUntil(next)
				late = append(late, time.Since(next))
			}
			done = true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.SetTimeSlice(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if len(late) != wakes {
		t.Fatalf("%d wake-ups, want %d", len(late), wakes)
	}
	prompt := 0
	for _, d := range late {
		if d < 5*time.Millisecond {
			prompt++
		}
	}
	if prompt < wakes/2 {
		t.Errorf("only %d of %d wake-ups within 5 ms; late by %v", prompt, wakes, late)
	}
	t.Logf("%d of %d wake-ups within 5 ms", prompt, wakes)
}

// TestWatchdogNeverSeesTornState runs the example's scenario several times
// with critical sections long enough that slices end inside them: a worker
// holding the mutex runs at its ceiling, so neither the watchdog nor the
// other worker may run until it unlocks.
func TestWatchdogNeverSeesTornState(t *testing.T) {
	for run := 0; run < 5; run++ {
		var s scenario.State
		rt, err := rtos.New(s.Threads())
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.SetTimeSlice(2 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		err = rt.Run()
		st := rt.Stats()
		rt.Close()
		if err != nil {
			t.Fatal(err)
		}
		if s.Torn != 0 || len(s.Errs) != 0 || s.Checks != scenario.Periods {
			t.Fatalf("run %d: %d of %d checks torn, errors %v", run, s.Torn, s.Checks, s.Errs)
		}
		if st.Preemptions == 0 {
			t.Fatalf("run %d: no slice ended: the test proves nothing", run)
		}
	}
}

// TestHolderKeepsCPUAgainstEqualPriority: a worker whose slice ends while it
// holds the mutex runs at the mutex's ceiling (5), and a ready thread of that
// same priority must not get the CPU until it unlocks. The watchdog (table
// index 0) and the auditor (1) both wake often and lock the mutex; the
// auditor comes after the watchdog in the round-robin order, so at a slice end
// it is the one a scheduler without the holder rule would switch to, and its
// Lock would then fail with ErrLocked.
func TestHolderKeepsCPUAgainstEqualPriority(t *testing.T) {
	for run := 0; run < 3; run++ {
		s := scenario.State{Critical: 3000000} // critical sections longer than a slice
		th := s.Threads()
		audits := 0
		th.Auditor = func(rt *rtos.Runtime) {
			next := time.Now()
			for !s.Done {
				next = next.Add(3 * time.Millisecond)
				if err := rt.SleepUntil(next); err != nil {
					s.Errs = append(s.Errs, err)
					return
				}
				if err := rt.Shared().Lock(); err != nil {
					s.Errs = append(s.Errs, err)
					return
				}
				if s.A != s.B {
					s.Torn++
				}
				audits++
				rt.Shared().Unlock()
			}
		}
		rt, err := rtos.New(th)
		if err != nil {
			t.Fatal(err)
		}
		rt.Activate(rtos.Auditor)
		if err := rt.SetTimeSlice(time.Millisecond); err != nil {
			t.Fatal(err)
		}
		err = rt.Run()
		st := rt.Stats()
		rt.Close()
		if err != nil {
			t.Fatal(err)
		}
		if s.Torn != 0 || len(s.Errs) != 0 {
			t.Fatalf("run %d: %d torn checks, errors %v", run, s.Torn, s.Errs)
		}
		// About 66 audits on an idle machine (every 3 ms for 40 periods of
		// 5 ms); fewer when other processes take the CPU during the long
		// critical sections. A quarter of the periods still lands audits in
		// the middle of critical sections, which is what the rule is about.
		if audits < scenario.Periods/4 || st.Preemptions == 0 {
			t.Fatalf("run %d: %d audits, %d slice ends: the test proves nothing", run, audits, st.Preemptions)
		}
	}
}

// TestHolderResumesAfterUrgentSleeper: worker_a holds "shared" (ceiling 5)
// through long critical sections; alarm (9, above the ceiling) comes due
// every millisecond and its wake-up timer preempts worker_a in the middle of
// one; the auditor (5, a user of "shared") is ready by then. When alarm goes
// back to sleep, worker_a must resume before the auditor, whose round-robin
// turn it is: before, the auditor ran next and its Lock found "shared" held.
func TestHolderResumesAfterUrgentSleeper(t *testing.T) {
	var done bool
	var errs []error
	var alarms, audits, sections int
	rt, err := rtos.New(rtos.Threads{
		Watchdog: func(*rtos.Runtime) {},
		WorkerB:  func(*rtos.Runtime) {},
		Alarm: func(rt *rtos.Runtime) {
			for range 40 {
				if err := rt.Sleep(time.Millisecond); err != nil {
					errs = append(errs, err)
				}
				alarms++
			}
			done = true
		},
		Auditor: func(rt *rtos.Runtime) {
			for !done {
				if err := rt.Sleep(700 * time.Microsecond); err != nil {
					errs = append(errs, err)
					return
				}
				if err := rt.Shared().Lock(); err != nil {
					errs = append(errs, err)
					return
				}
				audits++
				rt.Shared().Unlock()
			}
		},
		WorkerA: func(rt *rtos.Runtime) {
			for !done {
				if err := rt.Shared().Lock(); err != nil {
					errs = append(errs, err)
					return
				}
				// A few milliseconds of plain computation, where the timer can
				// preempt it (a loop around time.Now would run in the vDSO,
				// where it cannot).
				for i := 0; i < 5_000_000 && !done; i++ {
					spinSink++
				}
				sections++
				rt.Shared().Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, id := range []rtos.ThreadID{rtos.Alarm, rtos.Auditor} {
		if err := rt.Activate(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("%d errors, the first: %v", len(errs), errs[0])
	}
	if alarms != 40 || sections == 0 || audits == 0 {
		t.Fatalf("%d alarms, %d critical sections, %d audits: the test proves nothing", alarms, sections, audits)
	}
}

var spinSink int

// TestPreemptionCounters: a more urgent sleeper's wake-ups that preempt a
// spinning thread count as preemptions (WakePreemptions of them) with a
// latency sample each; ticks while every thread sleeps are not deferrals.
func TestPreemptionCounters(t *testing.T) {
	run := func(spin bool) rtos.Stats {
		t.Helper()
		var done bool
		th := rtos.Threads{
			Watchdog: func(*rtos.Runtime) {}, WorkerB: func(*rtos.Runtime) {}, Auditor: func(*rtos.Runtime) {},
			Alarm: func(rt *rtos.Runtime) {
				for range 40 {
					if err := rt.Sleep(2 * time.Millisecond); err != nil {
						t.Error(err)
					}
				}
				done = true
			},
			WorkerA: func(rt *rtos.Runtime) { // starts with every Run
				for spin && !done {
					spinSink++
				}
			},
		}
		rt, err := rtos.New(th)
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		if err := rt.SetTimeSlice(2 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := rt.Activate(rtos.Alarm); err != nil {
			t.Fatal(err)
		}
		if err := rt.Run(); err != nil {
			t.Fatal(err)
		}
		st := rt.Stats()
		if spin && rt.Latency().Samples < 10 {
			t.Errorf("%d latency samples for %d wake-up preemptions, want most of them", rt.Latency().Samples, st.WakePreemptions)
		}
		return st
	}
	st := run(true)
	if st.WakePreemptions < 20 || st.Preemptions < st.WakePreemptions {
		t.Errorf("spinning: %d preemptions, %d of them wake-ups; want most of the 40 wake-ups counted", st.Preemptions, st.WakePreemptions)
	}
	st = run(false)
	if st.PreemptionsDeferred != 0 || st.Preemptions != 0 {
		t.Errorf("every thread asleep: %d preemptions, %d deferred; want none", st.Preemptions, st.PreemptionsDeferred)
	}
}

// TestPostPreemptsSpinner: with 20 ms slices (a tick every 10 ms), a post
// from a goroutine wakes the alarm thread (priority 9), waiting on a queue,
// at the next tick, although the only other live thread spins without a
// call and nothing sleeps: the signal handler looks at the posts too.
func TestPostPreemptsSpinner(t *testing.T) {
	const posts = 20
	var lat []time.Duration
	start := time.Now()
	spun := false
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{
		Watchdog: nop,
		Auditor:  nop,
		WorkerB:  nop,
		WorkerA: func(rt *rtos.Runtime) {
			for i := 0; len(lat) < posts; i++ { // body code only: no call, no scheduling point
				if i%(1<<22) == 0 && time.Since(start) > 5*time.Second {
					spun = true
					return
				}
			}
		},
		Alarm: func(rt *rtos.Runtime) {
			for range posts {
				v, err := rt.Alerts().Receive(rtos.Forever)
				if err != nil {
					t.Error(err)
					return
				}
				lat = append(lat, time.Since(start)-time.Duration(v))
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Activate(rtos.Alarm); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range posts {
			time.Sleep(7 * time.Millisecond)
			rt.Alerts().Post(int64(time.Since(start)), rtos.Forever)
		}
	}()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if spun || len(lat) != posts {
		t.Fatalf("the alarm received %d of %d posts before the spinner gave up after 5 s", len(lat), posts)
	}
	prompt := 0
	for _, d := range lat {
		if d < 15*time.Millisecond { // a tick (10 ms) and some
			prompt++
		}
	}
	if prompt < posts/2 {
		t.Errorf("only %d of %d posts taken within 15 ms; latencies %v", prompt, posts, lat)
	}
	t.Logf("%d of %d posts taken within 15 ms; latencies %v", prompt, posts, lat)
}

package rtoscore

// Tests of the software timers in the runtime generated from
// configs/rtos_core.yaml: tick (1 ms, periodic) and once (5 ms, one-shot),
// both served by the thread ticker (priority 3).

import (
	"errors"
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/rtos_core/rtos"
)

var long = flag.Bool("long", false, "run TestTimerDrift for 10 s instead of 0.5 s")

func newTimerRT(t testing.TB, ticker, monitor func(rt *rtos.Runtime)) *rtos.Runtime {
	t.Helper()
	nop := func(*rtos.Runtime) {}
	if monitor == nil {
		monitor = nop
	}
	rt, err := rtos.New(rtos.Threads{Worker: nop, Monitor: monitor, Ticker: ticker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// TestTimerDrift: the 1 ms periodic timer's n-th callback is due n ms after
// Start; its lateness stays bounded instead of accumulating. 0.5 s here,
// 10 s with -long (the figure docs/runtime.md gives):
//
//	go test -v -run TestTimerDrift ./conformance/rtoscore -args -long
func TestTimerDrift(t *testing.T) {
	d := 500 * time.Millisecond
	if *long {
		d = 10 * time.Second
	}
	n := int(d / time.Millisecond)
	type expiry struct {
		at   time.Duration // since Start
		k    uint64        // its number on the period's grid
		skip bool          // periods were skipped at it
	}
	at := make([]expiry, 0, n)
	var overruns uint64
	var start time.Time
	var self rtos.ThreadID
	rt := newTimerRT(t, func(rt *rtos.Runtime) {
		start = time.Now()
		rt.Tick().Start()
		if err := rt.ServeTimers(); err != nil {
			t.Error(err)
		}
	}, nil)
	rt.Tick().SetFunc(func(rt *rtos.Runtime) {
		o := rt.Tick().Overruns()
		at = append(at, expiry{time.Since(start), rt.Tick().Expirations() + o, o != overruns})
		overruns = o
		self, _ = rt.Self()
		if len(at) == n {
			rt.Tick().Stop()
		}
	})
	runWithin(t, rt, d+10*time.Second)
	if self != rtos.Ticker {
		t.Errorf("callback ran in thread %v, want ticker", self)
	}
	// Expiry k is due k ms after Start (the callback of an expiry that
	// skipped periods runs for an earlier grid point: left out).
	var late []time.Duration
	for _, e := range at {
		if !e.skip {
			late = append(late, e.at-time.Duration(e.k)*time.Millisecond)
		}
	}
	skipped := rt.Tick().Overruns()
	final := late[len(late)-1]
	sorted := slices.Clone(late)
	slices.Sort(sorted)
	p50, p99, worst := sorted[len(sorted)/2], sorted[len(sorted)*99/100], sorted[len(sorted)-1]
	t.Logf("%d expiries over %v: lateness p50 %v, p99 %v, max %v, of the last one %v; %d periods skipped", len(at), d, p50, p99, worst, final, skipped)
	if final > 2*time.Millisecond {
		t.Errorf("the last expiry came %v late: the timer drifts", final)
	}
	if len(at) != n {
		t.Errorf("%d expiries, want %d", len(at), n)
	}
}

// TestOneShot: the one-shot timer expires once, a period after Start;
// ServeTimers then returns, no timer of the thread running.
func TestOneShot(t *testing.T) {
	var fired int
	var after time.Duration
	rt := newTimerRT(t, func(rt *rtos.Runtime) {
		start := time.Now()
		rt.Once().Start()
		if err := rt.ServeTimers(); err != nil {
			t.Error(err)
		}
		after = time.Since(start)
		if rt.Once().Active() || rt.Once().Expirations() != 1 {
			t.Errorf("after ServeTimers: active %v, %d expirations; want false, 1", rt.Once().Active(), rt.Once().Expirations())
		}
	}, nil)
	rt.Once().SetFunc(func(*rtos.Runtime) { fired++ })
	runWithin(t, rt, 5*time.Second)
	if fired != 1 || after < 5*time.Millisecond {
		t.Fatalf("fired %d times, ServeTimers returned after %v; want once, after 5ms", fired, after)
	}
}

// TestStopWakesServer: another thread's Stop of the only running timer
// ends ServeTimers at once, not at the old deadline; Reset and Start
// likewise move the deadline.
func TestStopWakesServer(t *testing.T) {
	// A loaded machine can delay the monitor's Reset past the expiry it
	// was to move; such an attempt proves nothing about Reset and is run
	// again.
	for attempt := 1; ; attempt++ {
		var served time.Duration
		var resetErr, lateErr error
		var expired, resetAt time.Duration
		start := time.Now()
		rt := newTimerRT(t, func(rt *rtos.Runtime) {
			rt.Once().Start()
			rt.ServeTimers() // the monitor stops once
			served = time.Since(start)
			rt.Once().Start()
			rt.ServeTimers() // the monitor resets it: it expires a period (5 ms) after the Reset
			expired = time.Since(start)
		}, func(rt *rtos.Runtime) {
			resetErr = rt.Tick().Reset() // never started
			rt.Once().Stop()
			rt.Sleep(3 * time.Millisecond)
			resetAt = time.Since(start) // the Reset comes after this
			lateErr = rt.Once().Reset()
		})
		runWithin(t, rt, 5*time.Second)
		if served > 4*time.Millisecond && attempt < 10 {
			continue
		}
		if served > 4*time.Millisecond {
			t.Errorf("ServeTimers returned %v after the Stop, want at once", served)
		}
		if !errors.Is(resetErr, rtos.ErrTimerStopped) {
			t.Errorf("Reset of a stopped timer = %v, want ErrTimerStopped", resetErr)
		}
		if lateErr != nil { // the one-shot had expired before the Reset
			if attempt < 10 {
				continue
			}
			t.Fatalf("in 10 attempts the monitor's Reset never came before the expiry (last: reset at %v, expiry at %v)", resetAt, expired)
		}
		if expired-resetAt < 5*time.Millisecond {
			t.Errorf("the reset one-shot expired %v after the Reset, want at least its 5 ms period", expired-resetAt)
		}
		return
	}
}

// TestTimerErrors: the typed errors of misuse.
func TestTimerErrors(t *testing.T) {
	rt := newTimerRT(t, func(*rtos.Runtime) {}, func(rt *rtos.Runtime) {
		if err := rt.ServeTimers(); !errors.Is(err, rtos.ErrNotTimerThread) {
			t.Errorf("ServeTimers from monitor = %v, want ErrNotTimerThread", err)
		}
		rt.Tick().Start()
	})
	runWithin(t, rt, 5*time.Second)
	if err := rt.Tick().Start(); !errors.Is(err, rtos.ErrNotInThread) {
		t.Errorf("Start from a goroutine = %v, want ErrNotInThread", err)
	}
	if err := rt.Tick().SetFunc(nil); err != nil {
		t.Errorf("SetFunc between Runs = %v, want nil", err)
	}
	// The last Run left tick running; every Run starts with it stopped.
	if !rt.Tick().Active() {
		t.Error("tick is not active after the Run that started it")
	}
	rt2 := newTimerRT(t, func(rt *rtos.Runtime) {
		if rt.Tick().Active() {
			t.Error("a timer runs at the start of a Run")
		}
		rt.Tick().Start()
	}, nil)
	for range 2 {
		runWithin(t, rt2, 5*time.Second)
	}
}

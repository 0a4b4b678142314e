// Package scenario is the watchdog example's scenario: two workers that
// never yield share the CPU under time slices and now and then update two
// counters together under the ceiling mutex "shared", while the more urgent
// watchdog wakes every Period, preempting them, and checks under the mutex
// that the counters agree.
//
// The example's program (generated_examples/watchdog) runs it once; the
// conformance suite (conformance/watchdog) runs it with its own slices and
// critical sections, and adds an auditor. The workers are defined here, as
// is the busy loop of their critical sections, so the time slices preempt
// them in this package's code, whichever package runs the scenario.
package scenario

import (
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/rtos"
)

const (
	Period  = 5 * time.Millisecond // the watchdog's period
	Periods = 40                   // the watchdog's checks; then the workers stop
)

// State is the shared state and what the threads saw. Threads that check
// it (the watchdog, the tests' auditor) lock "shared" first.
type State struct {
	A, B     uint64               // updated together under the mutex
	Checks   int                  // watchdog periods run
	Torn     int                  // checks that found A != B
	Errs     []error              // errors the threads met
	Done     bool                 // the watchdog has finished: the workers stop
	Turns    [rtos.NumThreads]int // times each worker found the CPU after the other
	Critical int                  // busy-loop iterations inside the critical section; 0: 200000

	last rtos.ThreadID
}

// Threads returns the scenario's thread bodies: worker_a and worker_b, the
// watchdog, and an auditor and an alarm that do nothing (the tests give
// them work).
func (s *State) Threads() rtos.Threads {
	if s.Critical == 0 {
		s.Critical = 200000
	}
	worker := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for i := 0; !s.Done; i++ {
			if s.last != self { // body code only: the timer preempts it anywhere
				s.last = self
				s.Turns[self]++
			}
			if i%4096 == 0 {
				if err := rt.Shared().Lock(); err != nil {
					s.Errs = append(s.Errs, err)
					return
				}
				s.A++
				busy(s.Critical) // a long critical section: slices end inside it
				s.B++
				if err := rt.Shared().Unlock(); err != nil {
					s.Errs = append(s.Errs, err)
					return
				}
			}
		}
	}
	return rtos.Threads{
		Auditor: func(*rtos.Runtime) {}, // started by the tests only
		Alarm:   func(*rtos.Runtime) {}, // started by the tests only
		WorkerA: worker,
		WorkerB: worker,
		Watchdog: func(rt *rtos.Runtime) {
			next := time.Now()
			for s.Checks < Periods {
				next = next.Add(Period)
				if err := rt.SleepUntil(next); err != nil {
					s.Errs = append(s.Errs, err)
					break
				}
				if err := rt.Shared().Lock(); err != nil {
					s.Errs = append(s.Errs, err)
					break
				}
				if s.A != s.B {
					s.Torn++
				}
				s.Checks++
				rt.Shared().Unlock()
			}
			s.Done = true
		},
	}
}

// busy burns CPU in this package's code, where the timer may preempt.
//
//go:noinline
func busy(n int) (x int) {
	for i := 0; i < n; i++ {
		x += i ^ x>>3
	}
	return x
}

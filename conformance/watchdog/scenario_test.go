package watchdog

import (
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/rtos"
)

// The scenario of the watchdog example (generated_examples/watchdog), which
// the tests run with their own critical sections. Its thread bodies must be
// in this package: the time slices preempt only the package that holds a
// body.

const (
	period  = 5 * time.Millisecond
	periods = 40
)

// scenario is the shared state and what the threads saw.
type scenario struct {
	a, b      uint64 // updated together under the mutex
	checks    int    // watchdog periods run
	torn      int    // checks that found a != b
	errs      []error
	done      bool
	turns     [rtos.NumThreads]int // times each worker found the CPU after the other
	last      rtos.ThreadID
	slicesEnd uint64 // Stats().Preemptions when the watchdog last ran
	critical  int    // busy-loop iterations inside the critical section
}

func (s *scenario) threads() rtos.Threads {
	if s.critical == 0 {
		s.critical = 200000
	}
	worker := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for i := 0; !s.done; i++ {
			if s.last != self { // body code only: the timer preempts it anywhere
				s.last = self
				s.turns[self]++
			}
			if i%4096 == 0 {
				if err := rt.Shared().Lock(); err != nil {
					s.errs = append(s.errs, err)
					return
				}
				s.a++
				busy(s.critical) // a long critical section: slices end inside it
				s.b++
				if err := rt.Shared().Unlock(); err != nil {
					s.errs = append(s.errs, err)
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
			for s.checks < periods {
				next = next.Add(period)
				if err := rt.SleepUntil(next); err != nil {
					s.errs = append(s.errs, err)
					break
				}
				if err := rt.Shared().Lock(); err != nil {
					s.errs = append(s.errs, err)
					break
				}
				if s.a != s.b {
					s.torn++
				}
				s.checks++
				rt.Shared().Unlock()
			}
			s.done = true
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

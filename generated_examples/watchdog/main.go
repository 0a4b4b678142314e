// Command watchdog runs the runtime generated from configs/watchdog.yaml:
// two workers that never yield share the CPU under 20 ms slices, while a
// more urgent watchdog wakes every 5 ms, preempting them, and checks their
// shared state under a ceiling mutex.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/watchdog.yaml -out rtos

import (
	"fmt"
	"os"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/rtos"
)

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

func main() {
	var s scenario
	rt, err := rtos.New(s.threads())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	st := rt.Stats()
	fmt.Printf("watchdog checked the shared state %d times, every %v\n", s.checks, period)
	fmt.Printf("it never found it half updated: %v\n", s.torn == 0 && len(s.errs) == 0)
	fmt.Printf("the workers, which never yield, both ran and took turns: %v\n", s.turns[rtos.WorkerA] > 1 && s.turns[rtos.WorkerB] > 1)
	fmt.Printf("the watchdog ran far more often than slices ended: %v\n", uint64(s.checks) > 2*st.Preemptions)
	for _, err := range s.errs {
		fmt.Println("error:", err)
	}
}

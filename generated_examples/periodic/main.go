// Command periodic runs the runtime generated from configs/periodic.yaml:
// two periodic threads on SleepUntil, a semaphore that counts the fast
// thread's periods and event flags that announce the end. It prints counts
// and the order of events, not times, so its output is deterministic.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/periodic.yaml -out rtos

import (
	"fmt"
	"os"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/periodic/rtos"
)

const (
	fastPeriod  = 2 * time.Millisecond
	fastPeriods = 10
	slowPeriod  = 5 * time.Millisecond
	slowPeriods = 3
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// periodic runs body n times, once per period: it sleeps until the next
// release time, computed from the previous one so that it does not drift.
func periodic(rt *rtos.Runtime, period time.Duration, n int, body func(i int)) {
	next := time.Now()
	for i := 1; i <= n; i++ {
		next = next.Add(period)
		must(rt.SleepUntil(next))
		body(i)
	}
}

func main() {
	var fastRuns, slowRuns int
	rt, err := rtos.New(rtos.Threads{
		Fast: func(rt *rtos.Runtime) {
			periodic(rt, fastPeriod, fastPeriods, func(int) {
				fastRuns++
				must(rt.Ticks().Release())
			})
			must(rt.Done().Set(1 << 0))
		},
		Slow: func(rt *rtos.Runtime) {
			periodic(rt, slowPeriod, slowPeriods, func(int) { slowRuns++ })
			must(rt.Done().Set(1 << 1))
		},
		Logger: func(rt *rtos.Runtime) {
			for i := 1; i <= fastPeriods; i++ {
				must(rt.Ticks().Acquire(time.Second))
				fmt.Printf("logger: tick %d\n", i)
			}
			flags, err := rt.Done().Wait(1<<0|1<<1, true, time.Second)
			must(err)
			fmt.Printf("logger: both periodic threads done (flags %#x)\n", flags)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("fast ran %d periods, slow ran %d periods\n", fastRuns, slowRuns)
}

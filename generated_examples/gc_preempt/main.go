// Command gc_preempt runs the runtime generated from configs/gc_preempt.yaml
// (gc: collect with 1 ms time slices): three threads that never yield keep
// lists, maps and slices of pointers only on their own stacks, and heap
// objects only in registers, while the timer preempts them at arbitrary
// instructions and another goroutine allocates and calls runtime.GC in a
// loop; a sleeper wakes every 2 ms. Every structure is checked after every
// step.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/gc_preempt.yaml -out rtos

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/gc_preempt/rtos"
	"github.com/gthreadgen/gthreadgen/internal/gcstress"
)

func main() {
	res, err := run(runOptions{minGCs: 20, minPreemptions: 100, minWakes: 50})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, s := range res.lines {
		fmt.Println(s)
	}
	fmt.Println("the collector ran at least 20 times during Run:", res.gcs >= 20)
	fmt.Println("the timer preempted the spinners at least 100 times:", res.preemptions >= 100)
	if res.failed {
		os.Exit(1)
	}
}

type runOptions struct {
	minGCs, minPreemptions, minWakes int64
}

type runResult struct {
	lines            []string
	failed           bool
	gcs, preemptions int64
}

// run runs the spinners and the sleeper until the collector, the timer and
// the sleeper have each done at least what opt asks.
func run(opt runOptions) (runResult, error) {
	var (
		stop atomic.Bool
		gcs  atomic.Int64
		res  runResult
		mu   sync.Mutex
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go gcstress.Pressure(done, &wg, &gcs)
	lines := make([]string, rtos.NumThreads)
	fail := func(self rtos.ThreadID, err error) {
		mu.Lock()
		res.failed = true
		lines[self] = fmt.Sprintf("%s: CORRUPTED: %v", self, err)
		mu.Unlock()
		stop.Store(true)
	}
	spinner := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		_, err := gcstress.Body(int(self), 0, func() {
			if err := churn(int(self)); err != nil {
				fail(self, err)
			}
		}, &stop)
		if err != nil {
			fail(self, err)
		} else if lines[self] == "" {
			lines[self] = fmt.Sprintf("%s: list, map, slice and register-held objects intact after every step: true", self)
		}
	}
	var wakes int64
	var base int64
	sleeper := func(rt *rtos.Runtime) {
		for !stop.Load() {
			if err := rt.Sleep(2 * time.Millisecond); err != nil {
				fail(rtos.Sleeper, err)
				return
			}
			wakes++
			if wakes >= opt.minWakes && gcs.Load()-base >= opt.minGCs && int64(rt.Stats().Preemptions) >= opt.minPreemptions {
				stop.Store(true)
			}
		}
		lines[rtos.Sleeper] = fmt.Sprintf("sleeper: woke up at least %d times while the spinners ran: %v", opt.minWakes, wakes >= opt.minWakes)
	}
	rt, err := rtos.New(rtos.Threads{Lists: spinner, Maps: spinner, Pointers: spinner, Sleeper: sleeper})
	if err != nil {
		return res, err
	}
	defer rt.Close()
	base = gcs.Load()
	err = rt.Run()
	close(done)
	wg.Wait()
	if err != nil {
		return res, err
	}
	res.lines = lines
	res.gcs = gcs.Load() - base
	res.preemptions = int64(rt.Stats().Preemptions)
	return res, nil
}

// churn holds freshly allocated objects only in its locals, which the
// compiler keeps in registers through the loop, for a few microseconds of
// work: a preemption in the loop leaves them reachable only from the saved
// registers. It reports an object the collector freed and reused.
func churn(seed int) error {
	a, b := gcstress.NewItem(seed, -1), gcstress.NewItem(seed, -2)
	sum := 0
	for i := range 4096 {
		sum += a.Vals[i&7] ^ b.Vals[(i>>3)&7]
	}
	want := 0
	for i := range 4096 {
		want += (seed*1000003 - 31 + i&7) ^ (seed*1000003 - 62 + (i>>3)&7)
	}
	if sum != want {
		return fmt.Errorf("objects held in registers changed under the thread (sum %d, want %d)", sum, want)
	}
	if err := a.Check(seed, -1); err != nil {
		return err
	}
	return b.Check(seed, -2)
}

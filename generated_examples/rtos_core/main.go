// Command rtos_core runs the runtime generated from configs/rtos_core.yaml:
// ordinary goroutines hand work to green threads. A goroutine receives items
// on a Go channel (standing in for a network handler) and posts each to the
// queue "items"; the worker thread receives them. Another goroutine posts
// to the semaphore "kicks", which the monitor thread waits on; after three
// kicks the monitor raises its own priority, suspends the worker for 2 ms,
// resumes it and sets the event flag "stop" the worker waits for at the
// end. The output is deterministic: only the worker prints during Run, in
// the order of the items.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/rtos_core.yaml -out rtos

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/rtos_core/rtos"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

const last = -1 // the item that ends the stream

func main() {
	var kicks, raised int
	var resumed bool
	var stopFlags uint32
	rt, err := rtos.New(rtos.Threads{
		Worker: func(rt *rtos.Runtime) {
			l, err := rt.Local() // the worker's own slot: struct{ Items, Sum int }
			must(err)
			for {
				v, err := rt.Items().Receive(rtos.Forever)
				must(err)
				if v == last {
					break
				}
				l.Items++
				l.Sum += v
				fmt.Printf("worker: item %d\n", v)
			}
			fmt.Printf("worker: %d items, sum %d\n", l.Items, l.Sum)
			flags, err := rt.Stop().Wait(1, true, rtos.Forever)
			must(err)
			stopFlags = flags
		},
		Ticker: func(rt *rtos.Runtime) {
			must(rt.Tick().Start())
			must(rt.ServeTimers()) // returns when no timer of ticker runs
		},
		Monitor: func(rt *rtos.Runtime) {
			for range 3 {
				must(rt.Kicks().Acquire(rtos.Forever))
				kicks++
			}
			// Raise the monitor's own priority while it runs, to the
			// worker's (2, the ceiling of lock: no higher is allowed).
			must(rt.SetPriority(rtos.Monitor, 2))
			raised = rt.Stats().Threads[rtos.Monitor].Priority
			// Suspend the worker, wherever it is (waiting for an item or
			// ready), for 2 ms: items posted meanwhile wait in the queue.
			must(rt.Suspend(rtos.Worker))
			must(rt.Sleep(2 * time.Millisecond))
			must(rt.Resume(rtos.Worker)) // ErrNotSuspended if it had not been
			resumed = true
			must(rt.Stop().Set(1)) // the worker may finish
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	// The idle hook runs before each idle wait (no thread ready).
	idles := 0
	must(rt.SetIdleHook(func() { idles++ }))
	// A 1 ms periodic timer, stopped after 20 expiries by its callback,
	// which runs in the ticker thread (priority 3).
	ticks := 0
	must(rt.Tick().SetFunc(func(rt *rtos.Runtime) {
		if ticks++; ticks == 20 {
			must(rt.Tick().Stop())
		}
	}))

	network := make(chan int)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // the "network": items arrive on a Go channel
		defer wg.Done()
		for i := 1; i <= 5; i++ {
			network <- i * 10
		}
		close(network)
	}()
	go func() { // the handler: hands each item to the worker thread
		defer wg.Done()
		for v := range network {
			must(rt.Items().Post(v, rtos.Forever))
		}
		must(rt.Items().Post(last, rtos.Forever))
	}()
	go func() { // a controller: three kicks
		defer wg.Done()
		for range 3 {
			rt.Kicks().Post()
		}
	}()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wg.Wait()
	fmt.Printf("monitor: %d kicks, raised itself to priority %d, suspended and resumed the worker: %v\n", kicks, raised, resumed)
	fmt.Printf("worker: stopped by flags %#x\n", stopFlags)
	fmt.Printf("ticker: %d expiries of the 1ms timer tick\n", ticks)
	fmt.Printf("the idle hook ran: %v\n", idles > 0)
}

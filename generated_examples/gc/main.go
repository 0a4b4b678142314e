// Command gc runs the runtime generated from configs/gc.yaml (gc: collect):
// four threads keep lists, maps and slices of pointers only on their own
// stacks across thousands of switches, while another goroutine allocates and
// calls runtime.GC in a loop; every structure is checked after every switch.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/gc.yaml -out rtos

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gthreadgen/gthreadgen/generated_examples/gc/rtos"
	"github.com/gthreadgen/gthreadgen/internal/gcstress"
)

const rounds = 2000

func main() {
	// New checks the threads after the runtime-wide checks, and turns the
	// collector's stack shrinking off for this process (no GODEBUG needed).
	rt, err := rtos.New(rtos.Threads{})
	if err == nil || err.Error() != "rtos: threads without a function: Lists, Maps, Pointers, Strings" {
		fmt.Fprintln(os.Stderr, "unexpected:", err)
		os.Exit(1)
	}

	var stop atomic.Bool
	var gcs atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go gcstress.Pressure(done, &wg, &gcs)
	results := make([]string, rtos.NumThreads)
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		yield := func() { rt.Yield() }
		n, err := gcstress.Body(int(self), rounds, yield, &stop)
		if err != nil {
			panic(err)
		}
		// Keep switching until the collector has run a few times while
		// every thread was alive.
		for gcs.Load() < 10 {
			rt.Yield()
		}
		results[self] = fmt.Sprintf("%s: %d rounds, list, map and slice intact after every switch", self, n)
	}
	rt, err = rtos.New(rtos.Threads{Lists: body, Maps: body, Pointers: body, Strings: body})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	before := gcs.Load()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	close(done)
	wg.Wait()
	for _, r := range results {
		fmt.Println(r)
	}
	fmt.Println("the collector ran during Run:", gcs.Load()-before >= 10)
	runtime.KeepAlive(rt)
}

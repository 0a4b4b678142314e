//go:generate go run ../../cmd/gthreadgen -config ../../configs/max.yaml -out rtos

// Command max runs the runtime generated from configs/max.yaml: all 32
// threads are activated before Run and each hands the CPU on 1000 times with
// Yield, counting its turns. Everything runs inside the one goroutine that
// calls Run; the output is deterministic.
package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
)

const yields = 1000

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "max:", err)
		os.Exit(1)
	}
}

// run prints the report to w: what expected_output.txt holds.
func run(w io.Writer) error {
	var (
		turns      [rtos.NumThreads]int
		goroutines [rtos.NumThreads]int
	)
	var fns rtos.Threads
	v := reflect.ValueOf(&fns).Elem()
	for i := 0; i < rtos.NumThreads; i++ {
		v.Field(i).Set(reflect.ValueOf(func(rt *rtos.Runtime) {
			goroutines[i] = runtime.NumGoroutine()
			for range yields {
				turns[i]++
				if err := rt.Yield(); err != nil {
					panic(err)
				}
			}
		}))
	}
	rt, err := rtos.New(fns)
	if err != nil {
		return err
	}
	defer rt.Close()
	for id := rtos.ThreadID(0); id < rtos.NumThreads; id++ {
		if err := rt.Activate(id); err != nil {
			return err
		}
	}
	before := stableGoroutines()
	if err := rt.Run(); err != nil {
		return err
	}
	st := rt.Stats()
	fmt.Fprintf(w, "%d threads x %d yields: %d switches\n", rtos.NumThreads, yields, st.Switches)

	for i, n := range turns {
		if n != yields {
			return fmt.Errorf("thread %s counted %d turns, want %d", rtos.ThreadID(i), n, yields)
		}
		if s := st.Threads[i].State; s != rtos.Finished {
			return fmt.Errorf("thread %s is %s after Run, want finished", rtos.ThreadID(i), s)
		}
	}
	fmt.Fprintf(w, "every thread counted %d turns: ok\n", yields)

	for _, t := range st.Threads {
		if t.StackUsed == 0 || t.StackUsed >= t.StackSize {
			return fmt.Errorf("thread %s used %d bytes of its %d-byte stack", t.Name, t.StackUsed, t.StackSize)
		}
	}
	fmt.Fprintf(w, "every stack within its %d KiB: ok\n", st.Threads[0].StackSize/1024)

	for i, n := range goroutines {
		// More would be a goroutine per thread; fewer is a goroutine New
		// started to probe the runtime that ended late (slow machines, qemu).
		if n > before {
			return fmt.Errorf("thread %s saw %d goroutines during Run, %d before", rtos.ThreadID(i), n, before)
		}
	}
	fmt.Fprintln(w, "goroutines during Run: none added (1 runner)")
	return nil
}

// stableGoroutines returns runtime.NumGoroutine once it has stopped changing:
// a goroutine that New started to probe the runtime may still be exiting.
func stableGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

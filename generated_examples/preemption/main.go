// Command preemption runs the runtime generated from configs/preemption.yaml:
// three threads spin in loops that never yield, and the 10 ms time slice
// still makes them take turns.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/preemption.yaml -out rtos

import (
	"fmt"
	"os"
	"strings"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
)

const slices = 12 // stop after this many slices in all

func main() {
	var (
		owners []rtos.ThreadID // who ran in each slice, in order
		last   = rtos.ThreadID(255)
		spins  [rtos.NumThreads]uint64
		done   bool
	)
	spin := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for !done {
			// A busy loop: no call, no yield. Only the timer can end the slice.
			if last != self {
				if len(owners) == slices {
					done = true
					break
				}
				last = self
				owners = append(owners, self)
			}
			spins[self]++
		}
	}
	rt, err := rtos.New(rtos.Threads{SpinA: spin, SpinB: spin, SpinC: spin})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var names []string
	for _, id := range owners {
		names = append(names, id.String())
	}
	fmt.Printf("slices in order: %s\n", strings.Join(names, " "))
	st := rt.Stats()
	fmt.Printf("every thread spun in its slices: %v\n", spins[0] > 0 && spins[1] > 0 && spins[2] > 0)
	fmt.Printf("preempted by the timer at least %d times: %v\n", slices-rtos.NumThreads, st.Preemptions >= slices-rtos.NumThreads)
}

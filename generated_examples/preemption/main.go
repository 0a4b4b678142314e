// Command preemption runs the runtime generated from configs/preemption.yaml:
// three threads spin in loops that never yield, and the 10 ms time slice
// still makes them take turns; then the mixed scenario of package mixed
// (printing, allocating, floating point, SHA-256, panic and recover beside
// the spinners) checks every result it computes under preemption.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/preemption.yaml -out rtos

import (
	"fmt"
	"os"
	"strings"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/mixed"
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
	idle := func(*rtos.Runtime) {} // the mixed scenario's threads, not started here
	rt, err := rtos.New(rtos.Threads{SpinA: spin, SpinB: spin, SpinC: spin,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
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
	fmt.Printf("preempted by the timer at least %d times: %v\n", slices-3, st.Preemptions >= slices-3)

	fmt.Println()
	fmt.Println("mixed work under 10 ms slices: spinning, printing, allocating, floating point, SHA-256, panic/recover")
	res, err := mixed.Run(mixed.DevNull())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, f := range res.Failures {
		fmt.Println("FAILED:", f)
	}
	fmt.Printf("every result verified as it was computed: %v\n", len(res.Failures) == 0)
	fmt.Printf("work units: printer %d, allocator %d, floater %d, hasher %d, panicker %d\n",
		res.Units[rtos.Printer], res.Units[rtos.Allocator], res.Units[rtos.Floater], res.Units[rtos.Hasher], res.Units[rtos.Panicker])
	fmt.Printf("the spinners shared the CPU with them: %v\n", res.Units[rtos.SpinA] > 0 && res.Units[rtos.SpinB] > 0 && res.Units[rtos.SpinC] > 0)
	if len(res.Failures) > 0 {
		os.Exit(1)
	}
}

// Command stress runs the runtime generated from configs/stress.yaml: ten
// threads on 8 KiB stacks yield as fast as they can while the example checks
// that the round-robin is exact and every stack stays within bounds.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/stress.yaml -out rtos

import (
	"fmt"
	"os"
	"reflect"

	"github.com/gthreadgen/gthreadgen/generated_examples/stress/rtos"
)

const rounds = 20000

func main() {
	var turns [rtos.NumThreads]int
	worst := 0 // largest lead of one thread over another, in turns
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		seen := map[int]int{} // some ordinary Go on a small stack
		for i := 0; i < rounds; i++ {
			turns[self]++
			seen[i%7]++
			lo, hi := turns[0], turns[0]
			for _, n := range turns {
				lo, hi = min(lo, n), max(hi, n)
			}
			worst = max(worst, hi-lo)
			rt.Yield()
		}
		if seen[0] == 0 {
			panic("map lost its entries")
		}
	}
	var threads rtos.Threads
	v := reflect.ValueOf(&threads).Elem()
	for i := range v.NumField() {
		v.Field(i).Set(reflect.ValueOf(body))
	}
	rt, err := rtos.New(threads)
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
	fmt.Printf("%d threads x %d yields: %d switches\n", rtos.NumThreads, rounds, st.Switches)
	fmt.Printf("largest lead of one thread over another: %d turn(s)\n", worst)
	ok := true
	for i, t := range st.Threads {
		if turns[i] != rounds || t.StackUsed >= t.StackSize {
			ok = false
			fmt.Printf("%s: %d turns, stack high-water %d of %d bytes\n", t.Name, turns[i], t.StackUsed, t.StackSize)
		}
	}
	fmt.Printf("every thread got exactly %d turns and stayed within its 8 KiB stack: %v\n", rounds, ok)
}

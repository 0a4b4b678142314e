// Command basic runs the runtime generated from configs/basic.yaml: three
// threads of equal priority print in turn, handing the CPU on with Yield.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/basic.yaml -out rtos

import (
	"fmt"
	"os"

	"github.com/gthreadgen/gthreadgen/generated_examples/basic/rtos"
)

func main() {
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for step := 1; step <= 3; step++ {
			fmt.Printf("%s: step %d\n", self, step)
			if err := rt.Yield(); err != nil {
				panic(err)
			}
		}
		fmt.Printf("%s: done\n", self)
	}
	rt, err := rtos.New(rtos.Threads{Alpha: body, Beta: body, Gamma: body})
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
	fmt.Printf("Run returned after %d switches\n", st.Switches)
	for _, t := range st.Threads {
		fmt.Printf("%-5s %s, switched in %d times, stack high-water within %d bytes: %v\n",
			t.Name, t.State, t.Switches, t.StackSize, t.StackUsed > 0 && t.StackUsed < t.StackSize)
	}
}

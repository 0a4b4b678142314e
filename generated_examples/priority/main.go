// Command priority runs the runtime generated from configs/priority.yaml: the
// highest ready priority runs first, a thread activated at a higher priority
// runs at once, and equal priorities take turns.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/priority.yaml -out rtos

import (
	"fmt"
	"os"

	"github.com/gthreadgen/gthreadgen/generated_examples/priority/rtos"
)

func main() {
	logger := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for i := 1; i <= 3; i++ {
			fmt.Printf("%s: entry %d\n", self, i)
			rt.Yield()
		}
	}
	rt, err := rtos.New(rtos.Threads{
		Control: func(rt *rtos.Runtime) {
			fmt.Println("control: runs at once, ahead of sensor")
		},
		Sensor: func(rt *rtos.Runtime) {
			for i := 1; i <= 3; i++ {
				fmt.Printf("sensor: reading %d\n", i)
				if i == 2 {
					fmt.Println("sensor: activating control")
					if err := rt.Activate(rtos.Control); err != nil {
						panic(err)
					}
					fmt.Println("sensor: back after control")
				}
				rt.Yield() // nothing else at priority 10: returns at once
			}
		},
		LoggerA: logger,
		LoggerB: logger,
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
	for _, t := range rt.Stats().Threads {
		fmt.Printf("%-8s priority %2d, %s, switched in %d times\n", t.Name, t.Priority, t.State, t.Switches)
	}
}

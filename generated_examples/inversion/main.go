// Command inversion runs the runtime generated from configs/inversion.yaml:
// the classic priority-inversion scenario, which the immediate priority
// ceiling protocol of the generated mutexes resolves. It prints the order of
// events and each thread's priority as it goes.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/inversion.yaml -out rtos

import (
	"fmt"
	"os"

	"github.com/gthreadgen/gthreadgen/generated_examples/inversion/rtos"
)

// say prints what the calling thread does, with its current priority.
func say(rt *rtos.Runtime, what string) {
	self, _ := rt.Self()
	fmt.Printf("%-6s (priority %d): %s\n", self, rt.Stats().Threads[self].Priority, what)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	rt, err := rtos.New(rtos.Threads{
		High: func(rt *rtos.Runtime) {
			say(rt, "runs, locks bus")
			must(rt.Bus().Lock())
			say(rt, "has bus, unlocks it")
			must(rt.Bus().Unlock())
		},
		Medium: func(rt *rtos.Runtime) {
			say(rt, "runs (does not use bus)")
		},
		Low: func(rt *rtos.Runtime) {
			say(rt, fmt.Sprintf("locks bus (ceiling %d)", rt.Bus().Ceiling()))
			must(rt.Bus().Lock())
			say(rt, "in the critical section, starts high")
			must(rt.Activate(rtos.High))
			say(rt, "still running: high is not above the ceiling; starts medium")
			must(rt.Activate(rtos.Medium))
			say(rt, "still running: medium is below the ceiling; yields")
			must(rt.Yield())
			say(rt, "unlocks bus")
			must(rt.Bus().Unlock())
			say(rt, "runs again after high and medium")
		},
		PeerA: func(rt *rtos.Runtime) {},
		PeerB: func(rt *rtos.Runtime) {},
		// Started by the tests only.
		Imu: func(rt *rtos.Runtime) {}, Baro: func(rt *rtos.Runtime) {}, Fusion: func(rt *rtos.Runtime) {}, Watchdog: func(rt *rtos.Runtime) {},
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
}

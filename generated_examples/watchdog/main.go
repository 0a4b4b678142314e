// Command watchdog runs the runtime generated from configs/watchdog.yaml:
// two workers that never yield share the CPU under 20 ms slices, while a
// more urgent watchdog wakes every 5 ms, preempting them, and checks their
// shared state under a ceiling mutex. The threads and their state are in
// package scenario.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/watchdog.yaml -out rtos

import (
	"fmt"
	"os"

	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/rtos"
	"github.com/gthreadgen/gthreadgen/generated_examples/watchdog/scenario"
)

func main() {
	var s scenario.State
	rt, err := rtos.New(s.Threads())
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
	fmt.Printf("watchdog checked the shared state %d times, every %v\n", s.Checks, scenario.Period)
	fmt.Printf("it never found it half updated: %v\n", s.Torn == 0 && len(s.Errs) == 0)
	fmt.Printf("the workers, which never yield, both ran and took turns: %v\n", s.Turns[rtos.WorkerA] > 1 && s.Turns[rtos.WorkerB] > 1)
	fmt.Printf("the watchdog ran far more often than slices ended: %v\n", uint64(s.Checks) > 2*st.Preemptions)
	for _, err := range s.Errs {
		fmt.Println("error:", err)
	}
}

// Command signal_chain runs Runs of two generated packages with time slices
// (generated_examples/preemption's rtos and this example's twin) that
// overlap without nesting: A starts, B starts, A ends while B runs, and the
// other way round. Both keep their time slices throughout; after both have
// ended, signal 40 sent from outside still reaches os/signal. Package chain
// starts and ends the Runs.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/signal_chain.yaml -out twin

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/signal_chain/chain"
)

func main() {
	orders := []struct {
		name        string
		first, next func() *chain.Run
	}{
		{"rtos then twin", chain.StartRtos, chain.StartTwin},
		{"twin then rtos", chain.StartTwin, chain.StartRtos},
	}
	for _, o := range orders {
		a := o.first()
		b := o.next()
		both := a.Preempting() && b.Preempting()
		errA := a.End()
		alone := b.Preempting()
		errB := b.End()
		fmt.Printf("%s: both preempt while both run: %v; %s still preempts after %s ended: %v; errors: %v %v\n",
			o.name, both, b.Name, a.Name, alone, errA, errB)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.Signal(40))
	syscall.Kill(os.Getpid(), syscall.Signal(40))
	select {
	case <-sig:
		fmt.Println("signal 40 from outside reached os/signal after both ended")
	case <-time.After(5 * time.Second):
		fmt.Println("signal 40 from outside was lost")
	}
}

package signalchain

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/signal_chain/chain"
	"github.com/gthreadgen/gthreadgen/generated_examples/signal_chain/twin"
)

const sig40 = syscall.Signal(40)

// killReaches sends signal 40 to the process from outside any Run and
// checks that os/signal receives it: no handler of the chain keeps it or
// loops on it.
func killReaches(t *testing.T, ch chan os.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig40); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("signal 40 sent from outside never reached os/signal")
	}
}

// TestOverlapOrders: Runs of two packages overlap in every order of start
// and end, twice over (a package's second Run finds its handler already in
// the chain). Every Run keeps its time slices while it runs, whatever the
// other did, and signal 40 sent from outside after both ended reaches
// os/signal each time.
func TestOverlapOrders(t *testing.T) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig40)
	defer signal.Stop(ch)
	start := map[string]func() *chain.Run{"rtos": chain.StartRtos, "twin": chain.StartTwin}
	orders := [][4]string{
		{"rtos", "twin", "rtos", "twin"}, // A starts, B starts, A ends, B ends
		{"rtos", "twin", "twin", "rtos"}, // nested
		{"twin", "rtos", "twin", "rtos"},
		{"twin", "rtos", "rtos", "twin"},
	}
	for round := 0; round < 2; round++ {
		for _, o := range orders {
			runs := map[string]*chain.Run{}
			runs[o[0]] = start[o[0]]()
			if !runs[o[0]].Preempting() {
				t.Errorf("round %d %v: %s alone does not take turns", round, o, o[0])
			}
			runs[o[1]] = start[o[1]]()
			for _, name := range o[:2] {
				if !runs[name].Preempting() {
					t.Errorf("round %d %v: %s does not take turns while both run", round, o, name)
				}
			}
			if err := runs[o[2]].End(); err != nil {
				t.Fatalf("round %d %v: %s: %v", round, o, o[2], err)
			}
			if !runs[o[3]].Preempting() {
				t.Errorf("round %d %v: %s does not take turns after %s ended", round, o, o[3], o[2])
			}
			if err := runs[o[3]].End(); err != nil {
				t.Fatalf("round %d %v: %s: %v", round, o, o[3], err)
			}
			killReaches(t, ch)
		}
	}
}

// TestIgnoreDuringRun: signal.Ignore(40) during a Run replaces the chain's
// handler, and the Run loses its time slices from then on: it says so with
// ErrSignalReplaced. Its end puts the handler back in front of the Ignore,
// which still holds for everyone else's signal 40 (it is neither delivered
// nor fatal), and the next Runs of both packages take turns again. It runs
// last: the Ignore changes the process.
func TestIgnoreDuringRun(t *testing.T) {
	r := chain.StartTwin()
	if !r.Preempting() {
		t.Fatal("twin does not take turns before the Ignore")
	}
	signal.Ignore(sig40)
	time.Sleep(chain.Window)
	if err := r.End(); !errors.Is(err, twin.ErrSignalReplaced) {
		t.Fatalf("Run after signal.Ignore during it: %v, want ErrSignalReplaced", err)
	}
	if !signal.Ignored(sig40) {
		t.Error("Run's end undid signal.Ignore")
	}
	if err := syscall.Kill(os.Getpid(), sig40); err != nil { // ignored: the process goes on
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	for _, start := range []func() *chain.Run{chain.StartTwin, chain.StartRtos} {
		r := start()
		if !r.Preempting() {
			t.Errorf("%s does not take turns in a Run after the Ignore", r.Name)
		}
		if err := r.End(); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
	// signal.Notify installs the Go runtime's handler again, in front of the
	// chain; the next Run puts the chain back in front of it.
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig40)
	defer signal.Stop(ch)
	killReaches(t, ch)
	r = chain.StartRtos()
	if !r.Preempting() {
		t.Error("rtos does not take turns after signal.Notify")
	}
	if err := r.End(); err != nil {
		t.Error(err)
	}
	killReaches(t, ch)
}

package preempt

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/mixed"
	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
)

// preemptSignal is the signal the generated timers send (rtos.preemptSignal).
const preemptSignal = syscall.Signal(40)

func idle(*rtos.Runtime) {}

// spinners builds a runtime whose three spinners busy-loop (no calls) until
// slices slice changes have been seen, recording who ran each slice.
func spinners(t *testing.T, slices int) (*rtos.Runtime, *[]rtos.ThreadID) {
	t.Helper()
	var (
		owners []rtos.ThreadID
		last   = rtos.ThreadID(255)
		done   bool
	)
	spin := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for !done {
			if last != self {
				if len(owners) == slices {
					done = true
					break
				}
				last = self
				owners = append(owners, self)
			}
		}
	}
	rt, err := rtos.New(rtos.Threads{SpinA: spin, SpinB: spin, SpinC: spin,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt, &owners
}

func checkRoundRobin(t *testing.T, owners []rtos.ThreadID) {
	t.Helper()
	for i, id := range owners {
		if want := rtos.ThreadID(i % 3); id != want {
			t.Fatalf("slice %d ran %s, want %s (order %v)", i, id, want, owners)
		}
	}
}

// TestSpinnersAlternate: threads in loops that never yield take turns in
// exact round-robin, again and again.
func TestSpinnersAlternate(t *testing.T) {
	runs := 10
	if testing.Short() {
		runs = 3
	}
	for r := 0; r < runs; r++ {
		rt, owners := spinners(t, 9)
		start := time.Now()
		if err := rt.Run(); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		if len(*owners) != 9 {
			t.Fatalf("run %d: %d slices, want 9", r, len(*owners))
		}
		checkRoundRobin(t, *owners)
		st := rt.Stats()
		if st.Preemptions < 6 {
			t.Errorf("run %d: %d preemptions for 9 slices", r, st.Preemptions)
		}
		// 8 slice ends of 10 ms each; allow for a loaded machine.
		if elapsed < 8*rtos.TimeSlice*9/10 {
			t.Errorf("run %d: 9 slices took %v; slices are %v", r, elapsed, rtos.TimeSlice)
		}
	}
}

// TestMixed runs the mixed scenario several times; every result is
// verified as it is computed.
func TestMixed(t *testing.T) {
	runs := 5
	if testing.Short() {
		runs = 2
	}
	var preemptions, deferred uint64
	for r := 0; r < runs; r++ {
		res, err := mixed.Run(mixed.DevNull())
		if err != nil {
			t.Fatalf("run %d: %v", r, err)
		}
		for _, f := range res.Failures {
			t.Errorf("run %d: %s", r, f)
		}
		want := map[rtos.ThreadID]int{rtos.Printer: mixed.PrintUnits, rtos.Allocator: mixed.AllocUnits, rtos.Floater: mixed.FloatUnits, rtos.Hasher: mixed.HashUnits, rtos.Panicker: mixed.PanicUnits}
		for id, n := range want {
			if res.Units[id] != n {
				t.Errorf("run %d: %s did %d units, want %d", r, id, res.Units[id], n)
			}
		}
		preemptions += res.Stats.Preemptions
		deferred += res.Stats.PreemptionsDeferred
	}
	if preemptions < uint64(runs)*5 {
		t.Errorf("%d preemptions in %d runs: the scenario did not run under preemption", preemptions, runs)
	}
	t.Logf("%d runs: %d preemptions, %d slice ends deferred from unsafe points", runs, preemptions, deferred)
}

// TestFloatStateRestored is the pointed version of the floater: two
// threads interleave floating-point work with different values in the same
// registers; a vector state that a preemption did not restore changes the
// results. The bodies are mixed.FloatThread's, defined where FloatBlock is,
// so that the slices end inside FloatBlock's loop.
func TestFloatStateRestored(t *testing.T) {
	ref := mixed.FloatReference()
	var bad [2]int
	var preempted bool
	body := func(k int) func(rt *rtos.Runtime) {
		start := [4]float64{1.0, 2.0, 3.0, 4.0}
		if k == 1 {
			start = [4]float64{-7.5, 11.25, 0.125, -3.0}
		}
		return mixed.FloatThread(start, func(i int, got [4]float64) [4]float64 {
			if k == 0 && got != ref[i] {
				bad[k]++
				return ref[i]
			}
			return got
		})
	}
	rt, err := rtos.New(rtos.Threads{SpinA: body(0), SpinB: body(1), SpinC: idle,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	preempted = rt.Stats().Preemptions > 0
	if bad[0] != 0 {
		t.Errorf("%d of %d float blocks went wrong across preemptions", bad[0], mixed.FloatUnits)
	}
	if !preempted {
		t.Errorf("no preemption happened: the test proves nothing")
	}
}

// TestSignalsStillWork: os/signal keeps receiving signals, including the
// preemption signal itself when something else sends it.
func TestSignalsStillWork(t *testing.T) {
	usr := make(chan os.Signal, 1)
	own := make(chan os.Signal, 1)
	signal.Notify(usr, syscall.SIGUSR1)
	signal.Notify(own, preemptSignal)
	defer signal.Stop(usr)
	defer signal.Stop(own)

	rt, owners := spinners(t, 6)
	var killErr error
	rt2, err := rtos.New(rtos.Threads{
		SpinA: func(rt *rtos.Runtime) {
			killErr = errors.Join(syscall.Kill(os.Getpid(), syscall.SIGUSR1), syscall.Kill(os.Getpid(), preemptSignal))
			for i := 0; i < 1e8; i++ { // spin a slice or two while the signals arrive
			}
		},
		SpinB: idle, SpinC: idle, Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt2.Close()
	if err := rt2.Run(); err != nil || killErr != nil {
		t.Fatal(err, killErr)
	}
	for _, ch := range []chan os.Signal{usr, own} {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("a signal sent during Run never reached os/signal")
		}
	}
	// And preemption still works after all that.
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	checkRoundRobin(t, *owners)
}

// sigaction reads the current disposition of sig.
func sigaction(t *testing.T, sig syscall.Signal) [4]uintptr {
	var old [4]uintptr
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		t.Fatal(e)
	}
	return old
}

// TestHandlerStaysInert: the first Run installs the package's handler for
// good; after Run it is inert: no timer keeps firing, and the preemption
// signal sent by anyone else still reaches os/signal, again and again.
func TestHandlerStaysInert(t *testing.T) {
	own := make(chan os.Signal, 4)
	signal.Notify(own, preemptSignal)
	defer signal.Stop(own)
	rt, owners := spinners(t, 4)
	var during [4]uintptr
	rt2, err := rtos.New(rtos.Threads{
		SpinA: func(*rtos.Runtime) { during = sigaction(t, preemptSignal) },
		SpinB: idle, SpinC: idle, Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt2.Close()
	if err := rt2.Run(); err != nil {
		t.Fatal(err)
	}
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	checkRoundRobin(t, *owners)
	if after := sigaction(t, preemptSignal); after != during {
		t.Errorf("disposition after Run %x, during %x", after, during)
	}
	// A stray timer would show up here as a signal to os/signal.
	time.Sleep(3 * rtos.TimeSlice)
	select {
	case <-own:
		t.Fatal("a preemption signal arrived with no Run active and nobody sending one")
	default:
	}
	for i := 0; i < 3; i++ {
		if err := syscall.Kill(os.Getpid(), preemptSignal); err != nil {
			t.Fatal(err)
		}
		select {
		case <-own:
		case <-time.After(5 * time.Second):
			t.Fatal("signal 40 from outside never reached os/signal after Run")
		}
	}
}

// TestTwoRuntimesInParallel: two runtimes in two goroutines (two OS
// threads, two timers) preempt their own threads without disturbing each
// other.
func TestTwoRuntimesInParallel(t *testing.T) {
	var wg sync.WaitGroup
	errs := make([]error, 2)
	orders := make([]*[]rtos.ThreadID, 2)
	rts := make([]*rtos.Runtime, 2)
	for i := range rts {
		rts[i], orders[i] = spinners(t, 9)
	}
	for i := range rts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = rts[i].Run()
		}()
	}
	wg.Wait()
	for i := range rts {
		if errs[i] != nil {
			t.Fatalf("runtime %d: %v", i, errs[i])
		}
		checkRoundRobin(t, *orders[i])
	}
}

// TestCheckOutsideThread: Check is misuse outside a thread.
func TestCheckOutsideThread(t *testing.T) {
	rt, _ := spinners(t, 3)
	if err := rt.Check(); !errors.Is(err, rtos.ErrNotInThread) {
		t.Errorf("Check outside a thread: %v, want ErrNotInThread", err)
	}
}

// TestCheckTakesPendingSlice: threads that spend all their time in library
// code (never interruptible) still take turns when they call Check. The
// loop around the library calls is body code, where the timer may preempt
// now and then; so the test also records whether the thread that lost the
// CPU was inside Check, and wants at least one turn to begin that way
// (nearly all do): with a Check that does nothing, none could.
func TestCheckTakesPendingSlice(t *testing.T) {
	var order []rtos.ThreadID
	var checking [rtos.NumThreads]bool
	viaCheck := 0
	last := rtos.ThreadID(255)
	lib := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for len(order) < 6 {
			if last != self {
				if last != 255 && checking[last] {
					viaCheck++
				}
				last = self
				order = append(order, self)
			}
			io.WriteString(io.Discard, "library code")
			for i := 0; i < 1000; i++ {
				_ = time.Now() // vDSO on the system stack: never a safe point
			}
			checking[self] = true
			rt.Check()
			checking[self] = false
		}
	}
	rt, err := rtos.New(rtos.Threads{SpinA: lib, SpinB: lib, SpinC: idle,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	for i, id := range order {
		if id != rtos.ThreadID(i%2) {
			t.Fatalf("order %v is not alternating", order)
		}
	}
	if viaCheck == 0 {
		t.Errorf("none of the %d turn changes happened inside Check: the timer took every one", len(order)-1)
	}
	t.Logf("%d of %d turn changes inside Check", viaCheck, len(order)-1)
}

package core

// Tests that the generated runtime really runs every thread on its own
// mmap'd stack inside one goroutine, schedules them as documented, lets
// ordinary Go code run on green stacks, and reports misuse and failures with
// the documented typed errors. Every test checks an observable effect, so it
// fails when the feature it names breaks.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
	"github.com/gthreadgen/gthreadgen/internal/testutil"
)

// threadsOf builds an rtos.Threads whose field i runs body(ThreadID(i), rt).
// It uses reflection so that the 32 fields need not be spelled out, and checks
// that the struct has exactly NumThreads fields of the right type in table
// order (T00, T01, ...).
func threadsOf(body func(id rtos.ThreadID, rt *rtos.Runtime)) rtos.Threads {
	var fns rtos.Threads
	v := reflect.ValueOf(&fns).Elem()
	if v.NumField() != rtos.NumThreads {
		panic(fmt.Sprintf("rtos.Threads has %d fields, want %d", v.NumField(), rtos.NumThreads))
	}
	fnType := reflect.TypeFor[func(*rtos.Runtime)]()
	for i := 0; i < rtos.NumThreads; i++ {
		f := v.Type().Field(i)
		if f.Type != fnType || f.Name != fmt.Sprintf("T%02d", i) {
			panic(fmt.Sprintf("rtos.Threads field %d is %s %s", i, f.Name, f.Type))
		}
		id := rtos.ThreadID(i)
		v.Field(i).Set(reflect.ValueOf(func(rt *rtos.Runtime) { body(id, rt) }))
	}
	return fns
}

// newRuntime creates a runtime from body and closes it when the test ends.
func newRuntime(tb testing.TB, body func(id rtos.ThreadID, rt *rtos.Runtime)) *rtos.Runtime {
	tb.Helper()
	rt, err := rtos.New(threadsOf(body))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() {
		if err := rt.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return rt
}

// activate marks the threads to start at the next Run.
func activate(tb testing.TB, rt *rtos.Runtime, ids ...rtos.ThreadID) {
	tb.Helper()
	for _, id := range ids {
		if err := rt.Activate(id); err != nil {
			tb.Fatalf("Activate(%s): %v", id, err)
		}
	}
}

// firstN returns the IDs 0..n-1.
func firstN(n int) []rtos.ThreadID {
	ids := make([]rtos.ThreadID, n)
	for i := range ids {
		ids[i] = rtos.ThreadID(i)
	}
	return ids
}

// mustYield yields and panics on an error: a panic inside a thread stops Run
// with a *PanicError, which the test then reports.
func mustYield(rt *rtos.Runtime) {
	if err := rt.Yield(); err != nil {
		panic(err)
	}
}

// readMetric reads one runtime/metrics value as an int64.
func readMetric(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	switch s[0].Value.Kind() {
	case metrics.KindUint64:
		return int64(s[0].Value.Uint64())
	case metrics.KindFloat64:
		return int64(s[0].Value.Float64())
	}
	panic("metric " + name + " is not supported")
}

// TestMainOutput builds and runs the example (generated_examples/max) and
// compares its report with its expected_output.txt.
func TestMainOutput(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(suite.ExampleDir(t, "max"), "expected_output.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := suite.ExampleOutput(t, "max")
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from expected_output.txt:\n--- got\n%s--- want\n%s", got, want)
	}
}

// stableGoroutines returns runtime.NumGoroutine once it has stopped changing:
// a goroutine that New started to probe the runtime may still be exiting.
func stableGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// TestLocalsOnOwnStacks: a local variable of each thread lies inside that
// thread's [StackLo, StackHi), so the body really runs on the mmap'd stack,
// and the 32 stacks are disjoint.
func TestLocalsOnOwnStacks(t *testing.T) {
	var addrs [rtos.NumThreads]uintptr
	var goroutineLocal uintptr
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		var local int
		addrs[id] = uintptr(unsafe.Pointer(&local))
		mustYield(rt)
	})
	activate(t, rt, firstN(rtos.NumThreads)...)
	var here int
	goroutineLocal = uintptr(unsafe.Pointer(&here))
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st := rt.Stats()
	type span struct {
		lo, hi uintptr
		id     rtos.ThreadID
	}
	var spans []span
	for i, ts := range st.Threads {
		if ts.StackLo == 0 || ts.StackHi <= ts.StackLo || ts.StackHi-ts.StackLo > ts.StackSize {
			t.Errorf("%s: bad stack bounds [%#x, %#x) for a %d-byte stack", ts.Name, ts.StackLo, ts.StackHi, ts.StackSize)
		}
		if a := addrs[i]; a < ts.StackLo || a >= ts.StackHi {
			t.Errorf("%s: local at %#x is outside its stack [%#x, %#x)", ts.Name, a, ts.StackLo, ts.StackHi)
		}
		if goroutineLocal >= ts.StackLo && goroutineLocal < ts.StackHi {
			t.Errorf("%s: the test goroutine's own local %#x is inside the thread stack", ts.Name, goroutineLocal)
		}
		spans = append(spans, span{ts.StackLo, ts.StackHi, ts.ID})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			t.Errorf("stacks of %s [%#x, %#x) and %s [%#x, %#x) overlap", spans[i-1].id, spans[i-1].lo, spans[i-1].hi,
				spans[i].id, spans[i].lo, spans[i].hi)
		}
	}
}

// goroutinesDownTo waits until runtime.NumGoroutine is at most want, for up
// to 10 s (a goroutine that New started to probe the runtime may still be
// exiting on a loaded machine), and returns the last count.
func goroutinesDownTo(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); n > want && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestNoGoroutinePerThread: the threads see no more goroutines than there
// were before Run, whether 2 or 32 threads run: all threads share the
// goroutine that called Run. (Fewer is no fault: a goroutine New started to
// probe the runtime may end during Run on a slow machine, under qemu.) Nor
// does New leave goroutines behind for the threads (gc: pause has no
// holders): once its probe has ended, the count is what it was before New.
func TestNoGoroutinePerThread(t *testing.T) {
	for _, n := range []int{2, rtos.NumThreads} {
		var seen [rtos.NumThreads]int
		beforeNew := stableGoroutines()
		rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
			mustYield(rt) // every thread has started before anyone measures
			seen[id] = runtime.NumGoroutine()
			mustYield(rt)
		})
		if got := goroutinesDownTo(beforeNew); got > beforeNew {
			t.Errorf("%d threads: %d goroutines after New, %d before it: New started goroutines that stay", n, got, beforeNew)
		}
		activate(t, rt, firstN(n)...)
		before := stableGoroutines()
		if err := rt.Run(); err != nil {
			t.Fatalf("%d threads: Run: %v", n, err)
		}
		for i := 0; i < n; i++ {
			if seen[i] == 0 {
				t.Errorf("%d threads: thread %s never measured", n, rtos.ThreadID(i))
			}
			if seen[i] > before {
				t.Errorf("%d threads: thread %s saw %d goroutines, %d before Run", n, rtos.ThreadID(i), seen[i], before)
			}
			if seen[i] > beforeNew {
				t.Errorf("%d threads: thread %s saw %d goroutines, %d before New", n, rtos.ThreadID(i), seen[i], beforeNew)
			}
		}
	}
}

// TestManyYields: 32 threads x 100 000 yields each all complete, with exact
// per-thread counts and switch statistics.
func TestManyYields(t *testing.T) {
	const yields = 100_000
	var counts [rtos.NumThreads]int
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		for range yields {
			counts[id]++
			mustYield(rt)
		}
	})
	activate(t, rt, firstN(rtos.NumThreads)...)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st := rt.Stats()
	for i, c := range counts {
		if c != yields {
			t.Errorf("thread %s counted %d turns, want %d", rtos.ThreadID(i), c, yields)
		}
		if got := st.Threads[i].Switches; got != yields+1 {
			t.Errorf("thread %s was switched in %d times, want %d", rtos.ThreadID(i), got, yields+1)
		}
		if st.Threads[i].State != rtos.Finished {
			t.Errorf("thread %s is %s, want finished", rtos.ThreadID(i), st.Threads[i].State)
		}
	}
	if want := uint64(rtos.NumThreads * (yields + 1)); st.Switches != want {
		t.Errorf("Stats.Switches = %d, want %d", st.Switches, want)
	}
}

// TestRoundRobin: threads of equal priority take turns in table order,
// 0,1,...,31,0,1,... exactly, and Self names the running thread.
func TestRoundRobin(t *testing.T) {
	const rounds = 50
	seq := make([]rtos.ThreadID, 0, rounds*rtos.NumThreads)
	var errs suite.Errors
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		for range rounds {
			self, err := rt.Self()
			if err != nil || self != id {
				errs.Add("thread %s: Self() = %v, %v", id, self, err)
			}
			seq = append(seq, self)
			mustYield(rt)
		}
	})
	activate(t, rt, firstN(rtos.NumThreads)...)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	errs.Report(t)
	if len(seq) != rounds*rtos.NumThreads {
		t.Fatalf("recorded %d turns, want %d", len(seq), rounds*rtos.NumThreads)
	}
	for i, id := range seq {
		if want := rtos.ThreadID(i % rtos.NumThreads); id != want {
			t.Fatalf("turn %d ran %s, want %s (sequence starts %v)", i, id, want, seq[:min(len(seq), 70)])
		}
	}
}

// Sinks keep the compiler from optimizing away what the tests compute.
var (
	sinkInt   int
	sinkBytes []byte
)

//go:noinline
func nilIntPointer() *int { return nil }

// ordinaryGoBody runs everyday Go on a green stack, yielding in between so
// that the other threads run while its state is live. Its name is looked for
// in the tracebacks.
func ordinaryGoBody(rt *rtos.Runtime, id rtos.ThreadID, errs *suite.Errors) {
	// fmt
	if got, want := fmt.Sprintf("%s|%d|%q|%v|%.2f", id, int(id)*7, "x", []int{1, 2}, 1.5), fmt.Sprintf("t%02d|%d|\"x\"|[1 2]|1.50", int(id), int(id)*7); got != want {
		errs.Add("%s: Sprintf = %q, want %q", id, got, want)
	}
	mustYield(rt)

	// a map with many entries, built across switches
	m := make(map[int]string)
	for i := range 20_000 {
		m[i] = strconv.Itoa(i*100 + int(id))
		if i%1000 == 0 {
			mustYield(rt)
		}
	}
	if len(m) != 20_000 {
		errs.Add("%s: map has %d entries", id, len(m))
	}
	for i := range 20_000 {
		if m[i] != strconv.Itoa(i*100+int(id)) {
			errs.Add("%s: m[%d] = %q", id, i, m[i])
			break
		}
	}

	// slices grown by append across switches
	var sl []int
	for i := range 50_000 {
		sl = append(sl, i)
		if i%5000 == 0 {
			mustYield(rt)
		}
	}
	sum := 0
	for _, v := range sl {
		sum += v
	}
	if len(sl) != 50_000 || sum != 50_000*49_999/2 {
		errs.Add("%s: slice len %d sum %d", id, len(sl), sum)
	}

	// closures capturing a variable
	counter := 0
	inc := func(by int) func() int {
		return func() int { counter += by; return counter }
	}(int(id) + 1)
	inc()
	mustYield(rt)
	inc()
	if counter != 2*(int(id)+1) {
		errs.Add("%s: closure counter = %d", id, counter)
	}

	// defer order, with a switch while the defers are pending
	var order []int
	func() {
		defer func() { order = append(order, 1) }()
		defer func() { order = append(order, 2) }()
		for i := 0; i < 2; i++ {
			defer func() { order = append(order, 10+i) }() // a heap defer record
		}
		defer func() { order = append(order, 3) }()
		mustYield(rt)
	}()
	if want := []int{3, 11, 10, 2, 1}; !slices.Equal(order, want) {
		errs.Add("%s: defer order %v, want %v", id, order, want)
	}

	// panic and recover, with a switch between the defer and the panic
	r := func() (r any) {
		defer func() { r = recover() }()
		mustYield(rt)
		panic(fmt.Sprintf("boom %s", id))
	}()
	if r != fmt.Sprintf("boom %s", id) {
		errs.Add("%s: recovered %v", id, r)
	}

	// a nil-map write turned into a run-time panic, recovered
	r = func() (r any) {
		defer func() { r = recover() }()
		var nm map[string]int
		nm["x"] = 1
		return nil
	}()
	if re, ok := r.(runtime.Error); !ok || !strings.Contains(re.Error(), "assignment to entry in nil map") {
		errs.Add("%s: nil map write recovered %v (%T)", id, r, r)
	}
	mustYield(rt)

	// a nil dereference (a fault, turned into a panic by the signal handler), recovered
	r = func() (r any) {
		defer func() { r = recover() }()
		sinkInt = *nilIntPointer()
		return nil
	}()
	if re, ok := r.(runtime.Error); !ok || !strings.Contains(re.Error(), "nil pointer dereference") {
		errs.Add("%s: nil dereference recovered %v (%T)", id, r, r)
	}

	// runtime.Callers: the frames end at the thread's entry, not in testing
	pcs := make([]uintptr, 64)
	n := runtime.Callers(1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var funcs []string
	for {
		f, more := frames.Next()
		funcs = append(funcs, f.Function)
		if !more {
			break
		}
	}
	if len(funcs) == 0 || !strings.HasSuffix(funcs[0], ".ordinaryGoBody") {
		errs.Add("%s: runtime.Callers starts %v, want ordinaryGoBody", id, funcs)
	}
	if last := funcs[len(funcs)-1]; !strings.HasSuffix(last, "/rtos.threadStart") {
		errs.Add("%s: runtime.Callers ends at %s, want the thread entry (frames %v)", id, last, funcs)
	}
	for _, f := range funcs {
		if strings.HasPrefix(f, "testing.") || strings.Contains(f, "(*Runtime).Run") {
			errs.Add("%s: runtime.Callers reaches %s beyond the thread (frames %v)", id, f, funcs)
		}
	}
	mustYield(rt)

	// runtime.Stack of the current goroutine shows the thread's frames
	buf := make([]byte, 8192)
	buf = buf[:runtime.Stack(buf, false)]
	if !bytes.Contains(buf, []byte(".ordinaryGoBody(")) || !bytes.Contains(buf, []byte("rtos.threadMain(")) {
		errs.Add("%s: runtime.Stack lacks the thread body:\n%s", id, buf)
	}
	if bytes.Contains(buf, []byte("testing.tRunner")) {
		errs.Add("%s: runtime.Stack goes beyond the thread:\n%s", id, buf)
	}

	// time
	t1 := time.Now()
	mustYield(rt)
	t2 := time.Now()
	if t1.Year() < 2024 || t2.Before(t1) {
		errs.Add("%s: time.Now %v then %v", id, t1, t2)
	}

	// strings.Builder across switches
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "%d,", i)
		if i%25 == 0 {
			mustYield(rt)
		}
	}
	if s := b.String(); !strings.HasPrefix(s, "0,1,2,") || !strings.HasSuffix(s, "98,99,") || strings.Count(s, ",") != 100 {
		errs.Add("%s: Builder built %q", id, s)
	}
	sinkBytes = buf
}

// TestOrdinaryGo: fmt, maps, slices, closures, defer, panic/recover (also of
// run-time errors), runtime.Callers and runtime.Stack, time and strings.Builder
// all work on green stacks while other threads interleave.
func TestOrdinaryGo(t *testing.T) {
	var errs [4]suite.Errors
	var finished [4]bool
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		ordinaryGoBody(rt, id, &errs[id])
		finished[id] = true
	})
	activate(t, rt, firstN(4)...)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for i := range errs {
		errs[i].Report(t)
		if !finished[i] {
			t.Errorf("thread %s did not finish", rtos.ThreadID(i))
		}
	}
	if st := rt.Stats(); st.Switches < 4*20 {
		t.Errorf("only %d switches: the threads did not interleave", st.Switches)
	}
}

// TestMisuse: the API reports misuse with its typed errors.
func TestMisuse(t *testing.T) {
	t.Run("outside Run", func(t *testing.T) {
		rt := newRuntime(t, func(rtos.ThreadID, *rtos.Runtime) {})
		if err := rt.Yield(); err != rtos.ErrNotInThread {
			t.Errorf("Yield: %v, want ErrNotInThread", err)
		}
		if err := rt.Exit(); err != rtos.ErrNotInThread {
			t.Errorf("Exit: %v, want ErrNotInThread", err)
		}
		if _, err := rt.Self(); err != rtos.ErrNotInThread {
			t.Errorf("Self: %v, want ErrNotInThread", err)
		}
		if err := rt.Join(rtos.T01); err != rtos.ErrNotInThread {
			t.Errorf("Join: %v, want ErrNotInThread", err)
		}
		if _, err := rt.StackLeft(); err != rtos.ErrNotInThread {
			t.Errorf("StackLeft: %v, want ErrNotInThread", err)
		}
		if err := rt.Activate(rtos.ThreadID(200)); err != rtos.ErrNoSuchThread {
			t.Errorf("Activate(200): %v, want ErrNoSuchThread", err)
		}
	})

	t.Run("inside a thread", func(t *testing.T) {
		var errs suite.Errors
		var joinSelf, joinBad, actSelf, actReady, actBad, runInside, closeInside error
		rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
			switch id {
			case rtos.T00:
				joinSelf = rt.Join(rtos.T00)
				joinBad = rt.Join(rtos.ThreadID(200))
				actSelf = rt.Activate(rtos.T00)  // running
				actReady = rt.Activate(rtos.T01) // ready, not yet run
				actBad = rt.Activate(rtos.ThreadID(200))
				runInside = rt.Run()
				closeInside = rt.Close()
			case rtos.T01:
				if s, err := rt.Self(); err != nil || s != rtos.T01 {
					errs.Add("Self in T01 = %v, %v", s, err)
				}
			}
		})
		activate(t, rt, rtos.T00, rtos.T01)
		if err := rt.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		errs.Report(t)
		for _, c := range []struct {
			what      string
			got, want error
		}{
			{"Join(self)", joinSelf, rtos.ErrJoinSelf},
			{"Join(ThreadID(200))", joinBad, rtos.ErrNoSuchThread},
			{"Activate(running self)", actSelf, rtos.ErrThreadActive},
			{"Activate(ready thread)", actReady, rtos.ErrThreadActive},
			{"Activate(ThreadID(200))", actBad, rtos.ErrNoSuchThread},
			{"Run inside a thread", runInside, rtos.ErrRunning},
			{"Close inside a thread", closeInside, rtos.ErrRunning},
		} {
			if c.got != c.want {
				t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
			}
		}
		if st := rt.Stats(); st.Threads[rtos.T01].Activations != 1 || st.Runs != 1 {
			t.Errorf("the refused calls changed the runtime: T01 activations %d, runs %d", st.Threads[rtos.T01].Activations, st.Runs)
		}
	})

	t.Run("Activate of a blocked thread", func(t *testing.T) {
		var got error
		rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
			switch id {
			case rtos.T00:
				rt.Join(rtos.T01) // blocks until T01 ends
			case rtos.T01:
				got = rt.Activate(rtos.T00)
			}
		})
		activate(t, rt, rtos.T00, rtos.T01)
		if err := rt.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got != rtos.ErrThreadActive {
			t.Errorf("Activate(blocked T00): %v, want ErrThreadActive", got)
		}
	})

	t.Run("from another goroutine while Run is active", func(t *testing.T) {
		// The goroutine is started before Run and spins on a flag that a
		// thread sets; the thread keeps Run active (yielding, never blocking
		// the goroutine) until the other goroutine has made its calls.
		var go1, done atomic.Bool
		var yieldErr, selfErr, joinErr, actErr, exitErr, runErr error
		var sawDone bool
		rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
			if id != rtos.T00 {
				return
			}
			go1.Store(true)
			deadline := time.Now().Add(10 * time.Second)
			for !done.Load() && time.Now().Before(deadline) {
				mustYield(rt) // the only thread: returns at once
			}
			sawDone = done.Load()
		})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !go1.Load() {
				runtime.Gosched()
			}
			yieldErr = rt.Yield()
			_, selfErr = rt.Self()
			joinErr = rt.Join(rtos.T01)
			actErr = rt.Activate(rtos.T01)
			runErr = rt.Run()
			exitErr = rt.Exit() // a misrouted Exit would end this goroutine instead of returning
			done.Store(true)
		}()
		activate(t, rt, rtos.T00)
		if err := rt.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		wg.Wait()
		if !sawDone {
			t.Fatal("the other goroutine never finished its calls while Run was active")
		}
		for _, c := range []struct {
			what      string
			got, want error
		}{
			{"Yield", yieldErr, rtos.ErrNotInThread},
			{"Self", selfErr, rtos.ErrNotInThread},
			{"Join", joinErr, rtos.ErrNotInThread},
			{"Activate", actErr, rtos.ErrNotInThread},
			{"Run", runErr, rtos.ErrRunning},
			{"Exit", exitErr, rtos.ErrNotInThread},
		} {
			if c.got != c.want {
				t.Errorf("%s from another goroutine: %v, want %v", c.what, c.got, c.want)
			}
		}
	})

	t.Run("New with a nil function", func(t *testing.T) {
		fns := threadsOf(func(rtos.ThreadID, *rtos.Runtime) {})
		fns.T17 = nil
		rt, err := rtos.New(fns)
		if err == nil || rt != nil {
			rt.Close()
			t.Fatalf("New with T17 nil: %v, %v; want an error", rt, err)
		}
		if !strings.Contains(err.Error(), "T17") {
			t.Errorf("error %q does not name T17", err)
		}
		fns.T03, fns.T31 = nil, nil
		if _, err := rtos.New(fns); err == nil || !strings.Contains(err.Error(), "T03") || !strings.Contains(err.Error(), "T31") {
			t.Errorf("New with T03, T17, T31 nil: %v", err)
		}
	})

	t.Run("after Close", func(t *testing.T) {
		ran := false
		rt, err := rtos.New(threadsOf(func(rtos.ThreadID, *rtos.Runtime) { ran = true }))
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Activate(rtos.T00); err != nil {
			t.Fatal(err)
		}
		if err := rt.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := rt.Run(); err != rtos.ErrClosed {
			t.Errorf("Run after Close: %v, want ErrClosed", err)
		}
		if err := rt.Activate(rtos.T01); err != rtos.ErrClosed {
			t.Errorf("Activate after Close: %v, want ErrClosed", err)
		}
		if err := rt.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if ran {
			t.Error("a thread ran after Close")
		}
	})
}

var errBoom = errors.New("boom")

//go:noinline
func panicker(v any) { panic(v) }

// TestPanicError: a panicking thread stops Run with a *PanicError that names
// it and carries the value and its stack; the other threads stop too.
func TestPanicError(t *testing.T) {
	for _, v := range []any{errBoom, "a string value"} {
		var turns int
		rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
			switch id {
			case rtos.T05:
				for range 3 {
					mustYield(rt)
				}
				panicker(v)
			case rtos.T06:
				for turns < 1000 {
					turns++
					mustYield(rt)
				}
			}
		})
		activate(t, rt, rtos.T05, rtos.T06)
		err := rt.Run()
		var pe *rtos.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("Run: %v (%T), want *PanicError", err, err)
		}
		if pe.Thread != rtos.T05 {
			t.Errorf("PanicError.Thread = %s, want t05", pe.Thread)
		}
		if pe.Value != v {
			t.Errorf("PanicError.Value = %v, want %v", pe.Value, v)
		}
		if len(pe.Stack) == 0 || !bytes.Contains(pe.Stack, []byte(".panicker(")) {
			t.Errorf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
		}
		if _, isErr := v.(error); isErr != errors.Is(err, errBoom) {
			t.Errorf("errors.Is(%v, errBoom) = %v", err, !isErr)
		}
		if !strings.Contains(err.Error(), "t05") {
			t.Errorf("message %q does not name t05", err)
		}
		if turns != 3 {
			t.Errorf("T06 took %d turns; Run should stop at the panic, after its 3rd", turns)
		}
		if st := rt.Stats(); st.Threads[rtos.T06].State == rtos.Finished {
			t.Error("T06 finished although Run stopped at T05's panic")
		}
	}
}

// TestRuntimeErrorPanic: an unrecovered run-time error (nil map write) in a
// thread becomes a *PanicError holding the runtime.Error.
func TestRuntimeErrorPanic(t *testing.T) {
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		var m map[int]int
		m[int(id)] = 1
	})
	activate(t, rt, rtos.T09)
	err := rt.Run()
	var pe *rtos.PanicError
	if !errors.As(err, &pe) || pe.Thread != rtos.T09 {
		t.Fatalf("Run: %v, want a *PanicError of t09", err)
	}
	var re runtime.Error
	if !errors.As(err, &re) || !strings.Contains(re.Error(), "nil map") {
		t.Errorf("PanicError.Value = %v (%T), want the nil-map runtime.Error", pe.Value, pe.Value)
	}
}

// TestGoexitError: runtime.Goexit in a thread runs its defers and stops Run
// with a *GoexitError instead of ending the goroutine.
func TestGoexitError(t *testing.T) {
	var deferred, after bool
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		defer func() { deferred = true }()
		runtime.Goexit()
		after = true
	})
	activate(t, rt, rtos.T07)
	err := rt.Run()
	var ge *rtos.GoexitError
	if !errors.As(err, &ge) {
		t.Fatalf("Run: %v (%T), want *GoexitError", err, err)
	}
	if ge.Thread != rtos.T07 {
		t.Errorf("GoexitError.Thread = %s, want t07", ge.Thread)
	}
	if !deferred || after {
		t.Errorf("deferred call ran: %v, code after Goexit ran: %v", deferred, after)
	}
}

// TestExit: Exit runs the calling thread's deferred calls (in every frame)
// and ends only that thread; the others go on.
func TestExit(t *testing.T) {
	var log []string
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		switch id {
		case rtos.T00:
			defer func() { log = append(log, "t00 outer defer") }()
			log = append(log, "t00 start")
			mustYield(rt)
			func() {
				defer func() { log = append(log, "t00 inner defer") }()
				if err := rt.Exit(); err != nil {
					log = append(log, "t00 Exit: "+err.Error())
				}
				log = append(log, "t00 after Exit (must not happen)")
			}()
			log = append(log, "t00 after inner (must not happen)")
		case rtos.T01:
			for i := range 3 {
				log = append(log, fmt.Sprintf("t01 turn %d", i))
				mustYield(rt)
			}
			log = append(log, "t01 done")
		}
	})
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{"t00 start", "t01 turn 0", "t00 inner defer", "t00 outer defer", "t01 turn 1", "t01 turn 2", "t01 done"}
	if !slices.Equal(log, want) {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	st := rt.Stats()
	for _, id := range []rtos.ThreadID{rtos.T00, rtos.T01} {
		if st.Threads[id].State != rtos.Finished {
			t.Errorf("%s is %s, want finished", id, st.Threads[id].State)
		}
	}
}

// TestPanicChainsPerThread: two threads both in the middle of a panic switch
// back and forth from their deferred calls; each recovers its own panic, so
// each thread has its own g._panic / g._defer chain.
func TestPanicChainsPerThread(t *testing.T) {
	var got [2]any
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		defer func() {
			mustYield(rt) // the other thread runs (and panics) while this one panics
			mustYield(rt)
			got[id] = recover()
		}()
		mustYield(rt)
		panic(id)
	})
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got[0] != rtos.T00 || got[1] != rtos.T01 {
		t.Errorf("recovered %v, %v; want t00, t01", got[0], got[1])
	}
}

// TestExitWithPanickingDefer: a deferred call that panics while the thread
// is exiting (rt.Exit, or runtime.Goexit) must stop Run with a *PanicError.
//
// Regression: the process used to die with "fatal error: stack not
// a power of 2" in runtime.stackfree <- gfput <- gdestroy <- goexit0. The
// generated code recovered the panic and returned, expecting threadMain to
// go on to finish; but Go's recovery() never unwinds past a pending Goexit:
// it resumes the Goexit, which finds no more defers and calls goexit1 on the
// runner goroutine while g.stack is the green stack. The scenario runs in a
// child process so the crash cannot take the test binary down.
func TestExitWithPanickingDefer(t *testing.T) {
	if mode := os.Getenv("RTOS_CHILD"); mode != "" {
		exitWithPanickingDefer(t, mode)
		return
	}
	for _, mode := range []string{"Exit", "Goexit"} {
		runChild(t, "TestExitWithPanickingDefer", mode)
	}
}

// runChild runs test name of this test binary in a child process with
// RTOS_CHILD=mode, and fails t when the child fails or dies, showing the
// start of its output. Scenarios that crash the process run this way.
func runChild(t *testing.T, name, mode string) {
	t.Helper()
	out, err := testutil.RunTest(context.Background(), os.Args[0], name, "RTOS_CHILD="+mode)
	if err != nil {
		lines := strings.Split(string(out), "\n")
		t.Errorf("%s: child %v:\n%s", mode, err, strings.Join(lines[:min(len(lines), 18)], "\n"))
	}
}

func exitWithPanickingDefer(t *testing.T, mode string) {
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		defer func() { panic("in defer") }()
		if mode == "Exit" {
			rt.Exit()
		}
		runtime.Goexit()
	})
	activate(t, rt, rtos.T00)
	err := rt.Run()
	var pe *rtos.PanicError
	if !errors.As(err, &pe) || pe.Thread != rtos.T00 || pe.Value != "in defer" {
		t.Errorf("Run: %v, want a *PanicError of t00 with value \"in defer\"", err)
	}
}

// TestJoin: a joining thread resumes only after the joined thread finished,
// while a third thread keeps running; Join of a finished or inactive thread
// returns at once.
func TestJoin(t *testing.T) {
	var log []string
	var joinDone, joinInactive error
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		switch id {
		case rtos.T00:
			log = append(log, "t00 joins t01")
			if err := rt.Join(rtos.T01); err != nil {
				log = append(log, "t00 Join: "+err.Error())
			}
			log = append(log, "t00 resumed")
			joinDone = rt.Join(rtos.T01)     // finished: at once
			joinInactive = rt.Join(rtos.T20) // never activated: at once
			log = append(log, "t00 done")
		case rtos.T01:
			for i := range 3 {
				log = append(log, fmt.Sprintf("t01 step %d", i))
				mustYield(rt)
			}
			log = append(log, "t01 done")
		case rtos.T02:
			for i := range 5 {
				log = append(log, fmt.Sprintf("t02 step %d", i))
				mustYield(rt)
			}
		}
	})
	activate(t, rt, rtos.T00, rtos.T01, rtos.T02)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if joinDone != nil || joinInactive != nil {
		t.Errorf("Join of finished / inactive thread: %v, %v", joinDone, joinInactive)
	}
	resumed, t01done := slices.Index(log, "t00 resumed"), slices.Index(log, "t01 done")
	if resumed < 0 || t01done < 0 || resumed < t01done {
		t.Errorf("t00 resumed at %d, t01 done at %d; log:\n%s", resumed, t01done, strings.Join(log, "\n"))
	}
	// Round-robin in table order, T00 blocked until T01 ends.
	want := []string{
		"t00 joins t01",
		"t01 step 0", "t02 step 0",
		"t01 step 1", "t02 step 1",
		"t01 step 2", "t02 step 2",
		"t01 done", "t02 step 3",
		"t00 resumed", "t00 done",
		"t02 step 4",
	}
	if !slices.Equal(log, want) {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

// TestJoinWakesEveryJoiner: when a thread finishes, every thread joined to
// it resumes, not only the first.
func TestJoinWakesEveryJoiner(t *testing.T) {
	var log []string
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		if id == rtos.T03 {
			for i := range 2 {
				log = append(log, fmt.Sprintf("t03 step %d", i))
				mustYield(rt)
			}
			log = append(log, "t03 done")
			return
		}
		log = append(log, fmt.Sprintf("%s joins t03", id))
		if err := rt.Join(rtos.T03); err != nil {
			log = append(log, fmt.Sprintf("%s Join: %v", id, err))
		}
		log = append(log, fmt.Sprintf("%s resumed", id))
	})
	activate(t, rt, rtos.T00, rtos.T01, rtos.T02, rtos.T03)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v (a joiner left blocked?)", err)
	}
	want := []string{
		"t00 joins t03", "t01 joins t03", "t02 joins t03",
		"t03 step 0", "t03 step 1", "t03 done",
		"t00 resumed", "t01 resumed", "t02 resumed",
	}
	if !slices.Equal(log, want) {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

// TestDeadlock: two threads joining each other stop Run with a
// *DeadlockError listing both waits.
func TestDeadlock(t *testing.T) {
	var t02done bool
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		switch id {
		case rtos.T00:
			rt.Join(rtos.T01)
		case rtos.T01:
			rt.Join(rtos.T00)
		case rtos.T02:
			mustYield(rt)
			t02done = true
		}
	})
	activate(t, rt, rtos.T00, rtos.T01, rtos.T02)
	err := rt.Run()
	var de *rtos.DeadlockError
	if !errors.As(err, &de) {
		t.Fatalf("Run: %v (%T), want *DeadlockError", err, err)
	}
	want := []rtos.Wait{{Thread: rtos.T00, On: rtos.T01}, {Thread: rtos.T01, On: rtos.T00}}
	if !slices.Equal(de.Waits, want) {
		t.Errorf("Waits = %+v, want %+v", de.Waits, want)
	}
	if !strings.Contains(err.Error(), "t00 joins t01") || !strings.Contains(err.Error(), "t01 joins t00") {
		t.Errorf("message %q", err)
	}
	if !t02done {
		t.Error("T02 did not finish before the deadlock was reported")
	}
}

// TestActivateRestart: Activate from a thread restarts a finished thread in
// its slot, on the same stack; Stats counts two activations.
func TestActivateRestart(t *testing.T) {
	var bodyRuns int
	var addrs []uintptr
	var act1, act2 error
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		switch id {
		case rtos.T04:
			var local int
			addrs = append(addrs, uintptr(unsafe.Pointer(&local)))
			bodyRuns++
			mustYield(rt)
		case rtos.T10:
			rt.Join(rtos.T04)
			act1 = rt.Activate(rtos.T04)
			rt.Join(rtos.T04)
			act2 = nil
			if bodyRuns != 2 {
				act2 = fmt.Errorf("after the second Join T04 ran %d times", bodyRuns)
			}
		}
	})
	activate(t, rt, rtos.T04, rtos.T10)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if act1 != nil || act2 != nil {
		t.Errorf("Activate: %v; %v", act1, act2)
	}
	st := rt.Stats()
	ts := st.Threads[rtos.T04]
	if bodyRuns != 2 || ts.Activations != 2 || ts.State != rtos.Finished {
		t.Errorf("T04 body ran %d times, Activations %d, state %s; want 2, 2, finished", bodyRuns, ts.Activations, ts.State)
	}
	// First run: started, resumed after its Yield (T10 joins it). Second run:
	// started; its Yield returns at once, T10 being blocked on it.
	if ts.Switches != 3 {
		t.Errorf("T04 switched in %d times, want 3", ts.Switches)
	}
	if st.Threads[rtos.T10].Activations != 1 {
		t.Errorf("T10 Activations %d, want 1", st.Threads[rtos.T10].Activations)
	}
	for _, a := range addrs {
		if a < ts.StackLo || a >= ts.StackHi {
			t.Errorf("T04 local at %#x outside its stack [%#x, %#x)", a, ts.StackLo, ts.StackHi)
		}
	}
	if len(addrs) == 2 && addrs[0] != addrs[1] {
		t.Errorf("restarted T04 did not start afresh at the same stack depth: locals %#x, %#x", addrs[0], addrs[1])
	}
}

// TestActivateBeforeRun: Activate before Run starts only the named threads.
func TestActivateBeforeRun(t *testing.T) {
	var ran [rtos.NumThreads]bool
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) { ran[id] = true })
	activate(t, rt, rtos.T03, rtos.T17, rtos.T31)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st := rt.Stats()
	for i, ts := range st.Threads {
		want := i == 3 || i == 17 || i == 31
		if ran[i] != want {
			t.Errorf("%s ran: %v, want %v", ts.Name, ran[i], want)
		}
		wantState, wantAct := rtos.Inactive, uint64(0)
		if want {
			wantState, wantAct = rtos.Finished, 1
		}
		if ts.State != wantState || ts.Activations != wantAct {
			t.Errorf("%s: state %s, activations %d; want %s, %d", ts.Name, ts.State, ts.Activations, wantState, wantAct)
		}
	}
	if st.Switches != 3 {
		t.Errorf("Switches = %d, want 3", st.Switches)
	}
}

// canaryBody writes n bytes just below the thread's StackLo, then yields.
// The pointer is derived from a local with unsafe.Add.
func canaryBody(rt *rtos.Runtime, lo uintptr, n int, after *bool) {
	var local uint64
	p := unsafe.Pointer(&local)
	below := unsafe.Add(p, -int(uintptr(p)-lo)) // == StackLo
	for off := 8; off <= n; off += 8 {
		*(*uint64)(unsafe.Add(below, -off)) = 0xdeadbeefdeadbeef
	}
	rt.Yield()
	*after = true
}

// TestCanary: a thread that overwrites the 64 bytes below its StackLo (where
// its canary lives) and yields stops Run with a *StackOverflowError naming it;
// the thread does not resume.
func TestCanary(t *testing.T) {
	var after, otherRan bool
	var rt *rtos.Runtime
	rt = newRuntime(t, func(id rtos.ThreadID, r *rtos.Runtime) {
		switch id {
		case rtos.T12:
			canaryBody(r, rt.Stats().Threads[rtos.T12].StackLo, 64, &after)
		default:
			otherRan = true
		}
	})
	activate(t, rt, rtos.T12, rtos.T13)
	err := rt.Run()
	var se *rtos.StackOverflowError
	if !errors.As(err, &se) {
		t.Fatalf("Run: %v (%T), want *StackOverflowError", err, err)
	}
	if se.Thread != rtos.T12 || se.Stack != 16384 {
		t.Errorf("StackOverflowError{Thread: %s, Stack: %d}, want t12, 16384", se.Thread, se.Stack)
	}
	if after || otherRan {
		t.Errorf("after the overflow: T12 resumed %v, T13 ran %v; want neither", after, otherRan)
	}
}

// smashCanary overwrites the word just below lo, a thread's StackLo: the
// top word of its canary area.
//
//go:noinline
func smashCanary(lo uintptr) {
	var local uint64
	p := unsafe.Pointer(&local)
	*(*uint64)(unsafe.Add(p, -int(uintptr(p)-lo)-8)) = 0xdeadbeefdeadbeef
}

// TestCanaryOnEveryWayOut: the canary is checked whenever a thread leaves
// the CPU, not only when it yields: when it returns, exits, blocks in a Join
// while another thread is ready, and blocks in a Join that leaves no thread
// runnable (an overflow, not a deadlock, is what Run reports then).
func TestCanaryOnEveryWayOut(t *testing.T) {
	for _, c := range []struct {
		name     string
		leave    func(rt *rtos.Runtime)
		deadlock bool // T13 joins T12, so that T12's Join leaves nobody runnable
	}{
		{"return", func(*rtos.Runtime) {}, false},
		{"Exit", func(rt *rtos.Runtime) { rt.Exit() }, false},
		{"Join of a ready thread", func(rt *rtos.Runtime) { rt.Join(rtos.T13) }, false},
		{"Join into a deadlock", func(rt *rtos.Runtime) { rt.Join(rtos.T13) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var after bool
			var rt *rtos.Runtime
			rt = newRuntime(t, func(id rtos.ThreadID, r *rtos.Runtime) {
				switch id {
				case rtos.T12:
					mustYield(r) // T13 starts: it yields, or joins T12
					smashCanary(rt.Stats().Threads[rtos.T12].StackLo)
					c.leave(r)
					after = true
				case rtos.T13:
					if c.deadlock {
						r.Join(rtos.T12)
						return
					}
					for range 3 {
						mustYield(r)
					}
				}
			})
			activate(t, rt, rtos.T12, rtos.T13)
			err := rt.Run()
			var se *rtos.StackOverflowError
			if !errors.As(err, &se) || se.Thread != rtos.T12 || se.Stack != 16384 {
				t.Errorf("T12 overwrote its canary, then left by %s: Run = %v, want a *StackOverflowError for t12's 16384-byte stack", c.name, err)
			}
			if after && c.name != "return" {
				t.Errorf("T12 resumed after leaving by %s with its canary overwritten", c.name)
			}
		})
	}
}

// TestCanaryJustBelowStackLo is the brief's exact case: overwrite only the 8
// bytes just below StackLo, then yield.
//
// Regression: the canary once was a single word at the bottom of the 64-byte
// area below StackLo, so writes to the 56 bytes directly below StackLo went
// undetected. Now the whole area is canary and the word next to StackLo is
// checked.
func TestCanaryJustBelowStackLo(t *testing.T) {
	var after bool
	var rt *rtos.Runtime
	rt = newRuntime(t, func(id rtos.ThreadID, r *rtos.Runtime) {
		if id == rtos.T12 {
			canaryBody(r, rt.Stats().Threads[rtos.T12].StackLo, 8, &after)
		}
	})
	activate(t, rt, rtos.T12, rtos.T13)
	err := rt.Run()
	var se *rtos.StackOverflowError
	if !errors.As(err, &se) || se.Thread != rtos.T12 {
		t.Fatalf("Run after T12 wrote the 8 bytes below its StackLo: %v, want *StackOverflowError for t12", err)
	}
}

// TestGuardPage: the page below a thread's canary area is PROT_NONE. A write
// to its highest word (StackLo - 64 - 8), which no canary check would see
// in time, faults at exactly that address (made a recoverable panic by
// debug.SetPanicOnFault), the thread carries on and the canary is intact.
func TestGuardPage(t *testing.T) {
	var lo, fault uintptr
	var after bool
	var rt *rtos.Runtime
	rt = newRuntime(t, func(id rtos.ThreadID, r *rtos.Runtime) {
		lo = rt.Stats().Threads[id].StackLo
		old := debug.SetPanicOnFault(true)
		defer debug.SetPanicOnFault(old)
		func() {
			defer func() {
				if e, ok := recover().(interface{ Addr() uintptr }); ok {
					fault = e.Addr()
				}
			}()
			var local uint64
			p := unsafe.Pointer(&local)
			guard := unsafe.Add(p, -int(uintptr(p)-lo)-64-8)
			*(*uint64)(guard) = 0xdeadbeefdeadbeef
		}()
		mustYield(r) // the canary check
		after = true
	})
	activate(t, rt, rtos.T05)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := lo - 64 - 8; fault != want {
		t.Errorf("write below the canary faulted at %#x, want %#x (the guard page)", fault, want)
	}
	if !after {
		t.Error("the thread did not resume after the recovered fault")
	}
}

var spinSink int

// TestShrinkPendingBeforeRun: a goroutine that the garbage collector marked
// for a deferred stack shrink before it called Run must survive Run.
//
// Regression: the process used to die with "fatal error: stack size not a
// power of 2" in runtime.stackalloc <- copystack <- shrinkstack <- newstack,
// called from the prologue of a function on a green stack (here
// rtos.(*Runtime).Yield). A GC cycle that scans a running goroutine stopped
// at an asynchronous safe point cannot shrink its stack at once and sets
// g.preemptShrink instead (runtime/mgcmark.go); the flag survives until the
// goroutine's next synchronous preemption. Run now clears the flag after
// pausing the collector; before, once a thread ran for 10 ms sysmon asked for a preemption:
// the next prologue enters newstack, which shrinks the current stack, now the
// green one. Without GODEBUG=gcshrinkstackoff=1 this fails 10 of 10 runs; it
// also happens without any explicit runtime.GC, e.g. GOGC=1 go test -run
// TestManyYields -count=3 dies in about half the runs. Regression test: Run
// now clears the pending shrink (runs in a child process).
func TestShrinkPendingBeforeRun(t *testing.T) {
	if os.Getenv("RTOS_CHILD") == "shrink" {
		// Collections scan this goroutine while it spins in a loop without
		// calls, so some scan finds it at an asynchronous safe point. The
		// collections stop before Run.
		var stop atomic.Bool
		done := make(chan struct{})
		go func() {
			for !stop.Load() {
				runtime.GC()
			}
			close(done)
		}()
		for i := 0; i < 200_000_000; i++ {
			spinSink += i
		}
		stop.Store(true)
		<-done
		// Threads run long enough (100 ms) for sysmon to request a preemption.
		rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
			for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
				mustYield(rt)
			}
		})
		activate(t, rt, rtos.T00, rtos.T01)
		if err := rt.Run(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		return
	}
	runChild(t, "TestShrinkPendingBeforeRun", "shrink")
}

// TestUnwindEndsAtStackTop: the runtime's strict unwinder (the one the
// collector uses, which throws "traceback did not unwind completely" unless
// the walk ends exactly at g.stktopsp) accepts a thread's stack, at its
// entry and deeper inside. runtime.Callers and runtime.Stack ignore that
// check, so a wrong startFrame for an architecture would pass every other
// test. debug.WriteHeapDump walks the calling goroutine with that unwinder
// without running a collection. Runs in a child process: a failure is a
// fatal error.
func TestUnwindEndsAtStackTop(t *testing.T) {
	if os.Getenv("RTOS_CHILD") != "unwind" {
		runChild(t, "TestUnwindEndsAtStackTop", "unwind")
		return
	}
	f, err := os.CreateTemp(t.TempDir(), "heapdump")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dumps := 0
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		debug.WriteHeapDump(f.Fd())
		dumps++
		mustYield(rt)
		unwindDeep(8, f.Fd())
		dumps++
	})
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if dumps != 4 {
		t.Fatalf("%d heap dumps written, want 4", dumps)
	}
}

//go:noinline
func unwindDeep(n int, fd uintptr) {
	if n == 0 {
		debug.WriteHeapDump(fd)
		return
	}
	unwindDeep(n-1, fd)
}

// TestRunAgain: Run can be called again after it returned; only threads
// activated again run.
func TestRunAgain(t *testing.T) {
	var counts [rtos.NumThreads]int
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		for range 10 {
			counts[id]++
			mustYield(rt)
		}
	})
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	activate(t, rt, rtos.T00, rtos.T01, rtos.T05)
	if err := rt.Run(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if err := rt.Run(); err != nil { // nothing activated: returns at once
		t.Fatalf("third Run: %v", err)
	}
	if counts[0] != 20 || counts[1] != 20 || counts[5] != 10 {
		t.Errorf("counts t00 %d, t01 %d, t05 %d; want 20, 20, 10", counts[0], counts[1], counts[5])
	}
	st := rt.Stats()
	if st.Runs != 3 || st.Threads[0].Activations != 2 || st.Threads[5].Activations != 1 {
		t.Errorf("Runs %d, t00 activations %d, t05 activations %d; want 3, 2, 1", st.Runs, st.Threads[0].Activations, st.Threads[5].Activations)
	}
	if st.Threads[1].State != rtos.Inactive || st.Threads[5].State != rtos.Inactive {
		t.Errorf("after an empty Run: t01 %s, t05 %s; want inactive", st.Threads[1].State, st.Threads[5].State)
	}
}

// TestGCPausedDuringRun: the collector is off (GOGC -1, no memory limit)
// while a thread runs, and both settings are restored when Run returns,
// also after a Run that failed.
func TestGCPausedDuringRun(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(123))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 40))
	var insidePercent, insideLimit int64
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		insidePercent = readMetric("/gc/gogc:percent")
		insideLimit = readMetric("/gc/gomemlimit:bytes")
		if id == rtos.T01 {
			panic("fail this Run")
		}
	})
	for _, id := range []rtos.ThreadID{rtos.T00, rtos.T01} {
		insidePercent, insideLimit = 0, 0
		activate(t, rt, id)
		err := rt.Run()
		if (err != nil) != (id == rtos.T01) {
			t.Fatalf("Run of %s: %v", id, err)
		}
		if insidePercent != -1 || insideLimit != math.MaxInt64 {
			t.Errorf("inside %s: GOGC %d, memory limit %d; want -1, MaxInt64", id, insidePercent, insideLimit)
		}
		if p, l := readMetric("/gc/gogc:percent"), readMetric("/gc/gomemlimit:bytes"); p != 123 || l != 1<<40 {
			t.Errorf("after Run of %s: GOGC %d, memory limit %d; want 123, %d", id, p, l, int64(1<<40))
		}
	}
}

var heapSink []byte

// TestHeapAllocated: Stats.HeapAllocated reports the bytes allocated during
// the last Run.
func TestHeapAllocated(t *testing.T) {
	alloc := true
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		if alloc {
			heapSink = make([]byte, 1<<20)
			mustYield(rt)
			heapSink = make([]byte, 1<<20)
		}
	})
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if got := rt.Stats().HeapAllocated; got < 4<<20 {
		t.Errorf("HeapAllocated = %d after threads allocated 4 MiB", got)
	}
	alloc = false
	activate(t, rt, rtos.T00, rtos.T01)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if got := rt.Stats().HeapAllocated; got >= 1<<20 {
		t.Errorf("HeapAllocated = %d after a Run that allocated nothing: not per Run", got)
	}
	heapSink = nil
}

// stackLeftDepth records StackLeft at each level of a recursion.
//
//go:noinline
func stackLeftDepth(rt *rtos.Runtime, depth int, out []uintptr) {
	var pad [64]byte // make each frame measurably large
	sinkInt += int(pad[depth%64])
	left, err := rt.StackLeft()
	if err != nil {
		panic(err)
	}
	out[depth] = left
	if depth+1 < len(out) {
		stackLeftDepth(rt, depth+1, out)
	}
}

// TestStackLeft: StackLeft inside a thread is within the 16 KiB stack and
// shrinks as the thread recurses.
func TestStackLeft(t *testing.T) {
	var top uintptr
	var topErr error
	levels := make([]uintptr, 8)
	rt := newRuntime(t, func(id rtos.ThreadID, rt *rtos.Runtime) {
		top, topErr = rt.StackLeft()
		stackLeftDepth(rt, 0, levels)
	})
	activate(t, rt, rtos.T08)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if topErr != nil || top == 0 || top >= 16384 {
		t.Errorf("StackLeft at the top of the thread = %d, %v; want 0 < n < 16384", top, topErr)
	}
	for i, l := range levels {
		if l == 0 || l >= top {
			t.Errorf("level %d: StackLeft %d, want 0 < n < %d", i, l, top)
		}
		if i > 0 && l+64 > levels[i-1] {
			t.Errorf("level %d: StackLeft %d did not drop by a frame (64+ bytes) from %d", i, l, levels[i-1])
		}
	}
}

// TestCanaryMiddleWord: a write to a single word in the middle of the canary
// area (StackLo - 32), as a stray unsafe store would make, stops Run.
//
// Regression: only the lowest and the highest word of the area were
// checked, so this went unnoticed.
func TestCanaryMiddleWord(t *testing.T) {
	for _, off := range []int{16, 32, 48, 56} {
		var after bool
		var rt *rtos.Runtime
		rt = newRuntime(t, func(id rtos.ThreadID, r *rtos.Runtime) {
			if id == rtos.T12 {
				var local uint64
				p := unsafe.Pointer(&local)
				lo := r.Stats().Threads[rtos.T12].StackLo
				*(*uint64)(unsafe.Add(p, -int(uintptr(p)-lo)-off)) = 0
				r.Yield()
				after = true
			}
		})
		activate(t, rt, rtos.T12, rtos.T13)
		err := rt.Run()
		var se *rtos.StackOverflowError
		if !errors.As(err, &se) || se.Thread != rtos.T12 || after {
			t.Errorf("T12 wrote the word at StackLo-%d: Run = %v, resumed %v; want *StackOverflowError for t12", off, err, after)
		}
	}
}

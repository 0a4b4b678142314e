package gc

import (
	"bytes"
	"context"
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/gc/rtos"
	pause "github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
	"github.com/gthreadgen/gthreadgen/internal/gcstress"
	"github.com/gthreadgen/gthreadgen/internal/testutil"
)

// helperEnv selects what a child process of this test binary does.
const helperEnv = "GC_TEST_HELPER"

// child runs this test binary's TestHelper with helperEnv=what and env added,
// for at most limit, and returns its combined output and error. The child
// starts without gcshrinkstackoff in GODEBUG (New must not need it) unless
// env sets GODEBUG itself.
func child(t *testing.T, what string, limit time.Duration, env ...string) ([]byte, error) {
	t.Helper()
	return childOf(t, os.Args[0], what, limit, env...)
}

// childOf is child for the test binary exe.
func childOf(t *testing.T, exe, what string, limit time.Duration, env ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var godebug []string
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if kv != "" && !strings.HasPrefix(kv, "gcshrinkstackoff=") {
			godebug = append(godebug, kv)
		}
	}
	out, err := testutil.RunTest(ctx, exe, "TestHelper", append([]string{"GODEBUG=" + strings.Join(godebug, ","), helperEnv + "=" + what}, env...)...)
	if ctx.Err() != nil {
		err = fmt.Errorf("killed after %v (%w)", limit, err)
	}
	return out, err
}

// TestHelper is the body of the child processes; it does nothing otherwise.
func TestHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("only run as a child process")
	case "stress":
		stress(t, 700*time.Millisecond)
	case "negative":
		negative(t, 5*time.Second)
	case "setting":
		setting(t)
	case "shrinkon":
		shrinkOn(t, 10*time.Second)
	default:
		t.Fatalf("unknown helper %q", os.Getenv(helperEnv))
	}
}

// stress runs the four threads for d (on a slow machine longer, until
// minCycles collections have completed) with every structure checked after
// every switch, while a goroutine allocates and calls runtime.GC in a loop,
// the CPU profiler runs, and runtime.Stack(all) and the goroutine profile
// walk every goroutine in loops.
func stress(t *testing.T, d time.Duration) {
	var stop atomic.Bool
	var gcs atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(4)
	go gcstress.Pressure(done, &wg, &gcs)
	go gcstress.Observers(done, &wg)
	go tracing(done, &wg)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			pprof.Lookup("goroutine").WriteTo(io.Discard, 1)
		}
	}()
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer pprof.StopCPUProfile()

	var mu sync.Mutex
	var errs []error
	total := 0
	var slow int            // Yields that took over a millisecond
	var worst time.Duration // the longest Yield, all other threads' turns included
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		n, err := gcstress.Body(int(self), 0, func() {
			t0 := time.Now()
			rt.Yield()
			d := time.Since(t0)
			if d > time.Millisecond {
				slow++
			}
			worst = max(worst, d)
		}, &stop)
		mu.Lock()
		total += n
		if err != nil {
			errs = append(errs, err)
			stop.Store(true)
		}
		mu.Unlock()
	}
	rt, err := rtos.New(rtos.Threads{Lists: body, Maps: body, Pointers: body, Strings: body})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	before := gcs.Load()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cycles := ms.NumGC
	// Run for d, and on a slow machine (qemu-user on a busy host) on until
	// minCycles collections have completed, up to a minute.
	start := time.Now()
	go func() {
		sample := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		for !stop.Load() {
			time.Sleep(5 * time.Millisecond)
			metrics.Read(sample)
			if ran := time.Since(start); ran >= d && sample[0].Value.Uint64()-uint64(cycles) >= minCycles || ran > time.Minute {
				stop.Store(true)
			}
		}
	}()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	ran := time.Since(start)
	runtime.ReadMemStats(&ms)
	close(done)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("corruption: %v", errors.Join(errs...))
	}
	s := rt.Stats()
	t.Logf("%d rounds, %d switches, %d runtime.GC calls and %d cycles during Run (%v), %d switches deferred by the ordering rule "+
		"(%v in all); %d Yields over 1ms, the longest %v", total, s.Switches, gcs.Load()-before, ms.NumGC-cycles, ran.Round(time.Millisecond),
		s.GCWaits, s.GCWaited, slow, worst)
	if ms.NumGC-cycles < minCycles {
		t.Fatalf("only %d collections ran during Run", ms.NumGC-cycles)
	}
}

// minCycles is the number of collections a stress must see during Run.
const minCycles = 10

// TestStress is the stress in this process (default GOGC) and in child
// processes under GOGC=1, with GOMAXPROCS 2 and 1. The children start without
// gcshrinkstackoff in GODEBUG: New turns stack shrinking off itself.
func TestStress(t *testing.T) {
	t.Run("GOGC=default", func(t *testing.T) { stress(t, 500*time.Millisecond) })
	for _, env := range [][]string{{"GOGC=1"}, {"GOGC=1", "GOMAXPROCS=1"}} {
		t.Run(strings.Join(env, ","), func(t *testing.T) {
			out, err := child(t, "stress", time.Minute, env...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			t.Logf("%s", lastLines(out, 3))
		})
	}
}

// negative runs the same threads on a runtime generated with gc: pause
// (generated_examples/max) while runtime.GC is called in a loop, which
// pause mode does not support: the collector then frees what only the
// suspended stacks refer to.
func negative(t *testing.T, d time.Duration) {
	// Stack shrinking off, as gc: collect has it (New turns it off before it
	// looks at the thread functions), so that what fails is the missing
	// publishing, not a shrink of the green stack.
	if _, err := rtos.New(rtos.Threads{}); err == nil || strings.Contains(err.Error(), "gc: collect") {
		t.Fatalf("gc: collect New: %v", err)
	}
	var stop atomic.Bool
	var gcs atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go gcstress.Pressure(done, &wg, &gcs)
	var errs []error
	body := func(rt *pause.Runtime) {
		self, _ := rt.Self()
		if _, err := gcstress.Body(int(self), 0, func() { rt.Yield() }, &stop); err != nil {
			errs = append(errs, err)
			stop.Store(true)
		}
	}
	rt, err := pauseRuntime(3, body)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	time.AfterFunc(d, func() { stop.Store(true) })
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	close(done)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("CORRUPTED: %v", errs[0])
	}
	t.Logf("no corruption in %v", d)
}

// TestNegativeControl shows that the stress detects what gc: collect
// prevents: without publishing the suspended stacks (a gc: pause runtime
// with runtime.GC called in a loop), the child fails — a corrupted structure,
// a fatal error of the runtime, a fault or a hang.
func TestNegativeControl(t *testing.T) {
	out, err := child(t, "negative", 20*time.Second, "GOGC=1")
	if err == nil {
		t.Fatalf("the stress passed without the mechanism:\n%s", out)
	}
	t.Logf("failed as expected (%v): %s", err, firstMatch(out, "CORRUPTED", "fatal error", "panic:", "SIGSEGV", "unexpected fault"))
}

// tracing runs the execution tracer until stop is closed, restarting it
// every 50 ms: each start stops the world and records every goroutine's
// stack, the holders' published ones included.
func tracing(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		started := trace.Start(io.Discard) == nil // fails under go test -trace
		select {
		case <-stop:
			if started {
				trace.Stop()
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if started {
			trace.Stop()
		}
	}
}

// TestRunUnderTracer: Run keeps its threads running with the tracer on, and
// the trace records them.
func TestRunUnderTracer(t *testing.T) {
	ran := false
	rt, err := rtos.New(rtos.Threads{
		Lists: func(*rtos.Runtime) { ran = true }, Maps: func(*rtos.Runtime) {},
		Pointers: func(*rtos.Runtime) {}, Strings: func(*rtos.Runtime) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	var b bytes.Buffer
	if err := trace.Start(&b); err != nil {
		t.Skip("the tracer is in use:", err)
	}
	err = rt.Run()
	trace.Stop()
	if err != nil || !ran {
		t.Fatalf("Run under the tracer: %v (ran %v)", err, ran)
	}
	if !bytes.Contains(b.Bytes(), []byte("startHolders")) {
		t.Fatalf("the trace (%d bytes) does not mention the holder goroutines", b.Len())
	}
}

// TestHolders: gc: collect adds one parked goroutine per thread and one for
// the scheduler's stack; they never run thread code, and Close ends them
// before it returns.
func TestHolders(t *testing.T) {
	holders := func() int {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		return strings.Count(string(buf), "rtos.(*Runtime).startHolders.func1(")
	}
	before := holders()
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{Lists: nop, Maps: nop, Pointers: nop, Strings: nop})
	if err != nil {
		t.Fatal(err)
	}
	if got := holders() - before; got != rtos.NumThreads+1 {
		t.Errorf("New started %d holders, want %d", got, rtos.NumThreads+1)
	}
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	rt.Close()
	// Close waits for the holders' deferred exit; a stack taken right then
	// may still show one inside that deferred call.
	for try := 0; holders() != before; try++ {
		if try == 1000 {
			t.Fatalf("%d holders after Close, want %d", holders(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestOffsetsMatchDWARF checks every g, m and dbgVar offset the generated
// package uses against the DWARF of the runtime linked into this test binary.
func TestOffsetsMatchDWARF(t *testing.T) {
	consts := map[string]int64{}
	fset := token.NewFileSet()
	// The facts of the Go release this test runs with: goruntime_go1_26.go.
	release := regexp.MustCompile(`^go1\.\d+`).FindString(runtime.Version())
	pkg := filepath.Join(suite.ExampleDir(t, "gc"), "rtos")
	for _, name := range []string{"layout.go", "gc.go", "goruntime_" + strings.ReplaceAll(release, ".", "_") + ".go"} {
		f, err := parser.ParseFile(fset, filepath.Join(pkg, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Values) == 1 {
				if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.INT {
					v, _ := strconv.ParseInt(lit.Value, 0, 64)
					consts[vs.Names[0].Name] = v
				}
			}
			return true
		})
	}
	// go test links without DWARF: build the example program, which links
	// the same runtime, with it, for the architecture this test runs on
	// (under qemu-user too: the go command itself runs natively).
	d := exampleDWARF(t)
	fields := map[string]map[string]int64{"runtime.g": {}, "runtime.m": {}, "runtime.dbgVar": {}}
	sizes := map[string]int64{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if e.Tag != dwarf.TagStructType || fields[name] == nil || len(fields[name]) > 0 {
			continue
		}
		sizes[name], _ = e.Val(dwarf.AttrByteSize).(int64)
		for {
			c, err := r.Next()
			if err != nil || c == nil || c.Tag == 0 {
				break
			}
			if fn, ok := c.Val(dwarf.AttrName).(string); ok {
				off, _ := c.Val(dwarf.AttrDataMemberLoc).(int64)
				fields[name][fn] = off
			}
		}
	}
	want := map[string]string{
		"gStackLo": "g.stack", "gStackguard0": "g.stackguard0", "gPanic": "g._panic", "gDefer": "g._defer",
		"gM": "g.m", "gSyscallsp": "g.syscallsp", "gSyscallpc": "g.syscallpc", "gSyscallbp": "g.syscallbp",
		"gStktopsp": "g.stktopsp", "gStatus": "g.atomicstatus", "gGoid": "g.goid", "gPreemptShrink": "g.preemptShrink",
		"gGcscandone": "g.gcscandone", "gGoroutineProfiled": "g.goroutineProfiled",
		"mCurg": "m.curg", "mProcid": "m.procid", "mLocks": "m.locks",
		"dbgVarName": "dbgVar.name", "dbgVarValue": "dbgVar.value", "dbgVarAtomic": "dbgVar.atomic", "dbgVarDef": "dbgVar.def",
	}
	if consts["dbgVarSize"] != sizes["runtime.dbgVar"] || consts["dbgVarLen"] != consts["dbgVarName"]+8 {
		t.Errorf("dbgVarSize = %d, dbgVarLen = %d, but runtime.dbgVar is %d bytes and its name's length at %d",
			consts["dbgVarSize"], consts["dbgVarLen"], sizes["runtime.dbgVar"], consts["dbgVarName"]+8)
	}
	for c, f := range want {
		got, ok := consts[c]
		if !ok {
			t.Errorf("constant %s not found in the generated package", c)
			continue
		}
		strct, field, _ := strings.Cut(f, ".")
		off, ok := fields["runtime."+strct][field]
		if !ok {
			t.Errorf("runtime.%s has no field %s", strct, field)
		} else if off != got {
			t.Errorf("%s = %d, but runtime.%s is at %d", c, got, f, off)
		}
	}
}

// exampleDWARF builds the example's program (generated_examples/gc) with
// DWARF and returns it.
func exampleDWARF(t *testing.T) *dwarf.Data {
	t.Helper()
	exe := suite.BuildExample(t, "gc")
	ef, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ef.Close() })
	if want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "riscv64": elf.EM_RISCV}[runtime.GOARCH]; ef.Machine != want {
		t.Fatalf("%s is for %v, want %v (GOARCH=%s)", exe, ef.Machine, want, runtime.GOARCH)
	}
	d, err := ef.DWARF()
	if err != nil {
		t.Fatalf("no DWARF in %s: %v", exe, err)
	}
	return d
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func firstMatch(b []byte, subs ...string) string {
	for _, l := range strings.Split(string(b), "\n") {
		for _, s := range subs {
			if strings.Contains(l, s) {
				return strings.TrimSpace(l)
			}
		}
	}
	return lastLines(b, 2)
}

// TestLifecycleUnderGC: Join, Exit, a recovered panic, Activate of finished
// threads, a Run stopped by a panic while other threads are suspended, and
// the next Run — every way a context is left or entered — while runtime.GC
// runs in a loop, runtime.Stack(all) walks every goroutine, the execution
// tracer restarts every 50 ms, and the threads keep pointer structures on
// their stacks.
func TestLifecycleUnderGC(t *testing.T) {
	var gcs atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	go gcstress.Pressure(done, &wg, &gcs)
	go gcstress.Observers(done, &wg)
	go tracing(done, &wg)
	defer func() { close(done); wg.Wait() }()

	var stop atomic.Bool
	var failed error
	check := func(err error) {
		if err != nil && failed == nil {
			failed = err
		}
	}
	short := func(rt *rtos.Runtime, seed int) {
		_, err := gcstress.Body(seed, 30, func() { rt.Yield() }, &stop)
		check(err)
	}
	var crash atomic.Bool
	rt, err := rtos.New(rtos.Threads{
		Lists: func(rt *rtos.Runtime) {
			for round := 0; round < 20; round++ {
				check(rt.Join(rtos.Pointers)) // autostarted, then activated below
				check(rt.Join(rtos.Strings))
				check(rt.Activate(rtos.Pointers))
				check(rt.Activate(rtos.Strings))
				short(rt, 100+round)
			}
			if crash.Load() {
				short(rt, 7)
				panic("stop the run")
			}
		},
		Maps: func(rt *rtos.Runtime) {
			defer func() { check(recoverErr(recover())) }()
			short(rt, 1)
			var keep []*gcstress.Item
			for i := range 200 {
				keep = append(keep, gcstress.NewItem(2, i))
				if i%20 == 0 {
					rt.Yield()
				}
			}
			for i, it := range keep {
				check(it.Check(2, i))
			}
			panic("recovered")
		},
		Pointers: func(rt *rtos.Runtime) {
			short(rt, 3)
			defer short(rt, 33) // deferred work that yields, run by Exit
			rt.Exit()
		},
		Strings: func(rt *rtos.Runtime) { short(rt, 4) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for run := 0; run < 3; run++ {
		if err := rt.Run(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	crash.Store(true)
	var pe *rtos.PanicError
	if err := rt.Run(); !errors.As(err, &pe) || pe.Value != "stop the run" {
		t.Fatalf("Run: %v, want the panic", err)
	}
	crash.Store(false)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run after a stopped Run: %v", err)
	}
	if failed != nil {
		t.Fatal(failed)
	}
	t.Logf("%d switches, %d runtime.GC calls", rt.Stats().Switches, gcs.Load())
}

func recoverErr(r any) error {
	if r != nil && r != "recovered" {
		return fmt.Errorf("panic: %v", r)
	}
	return nil
}

// TestSuspendedTracebacks: while a thread runs, runtime.Stack(all) shows each
// suspended context as a holder's stack, unwound from the published resume
// point (syscallpc/syscallsp; on arm64 and riscv64 the saved return address
// is then read from the resume frame's own LR slot at its SP): a suspended
// thread from its switch down to threadStart, and the stack of the goroutine
// in Run down to the test that called Run. A collection at the same point
// scans both with the runtime's strict unwinder, which throws on a frame it
// cannot unwind. Both ways a switch publishes are covered: the slow path
// (trySlowSwitch, here a thread's first Yield, to a thread that has not run
// yet) and the fast path Yield has written out (a Yield to a suspended
// thread outside a mark phase; switchTo writes the resume point into the
// holder itself).
func TestSuspendedTracebacks(t *testing.T) {
	t.Run("slow", func(t *testing.T) { suspendedTracebacks(t, false) })
	t.Run("fast", func(t *testing.T) {
		// No mark phase may begin on its own before the Yield under test.
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		suspendedTracebacks(t, true)
	})
}

// suspendedTracebacks: Lists yields to Maps, which dumps every goroutine's
// stack. With fast, Maps has run and yielded back first, so Lists' second
// Yield goes to a suspended Maps.
func suspendedTracebacks(t *testing.T, fast bool) {
	var dump string
	nop := func(*rtos.Runtime) {}
	lists := suspendedLists
	if fast {
		lists = func(rt *rtos.Runtime) {
			rt.Yield()
			suspendedLists(rt)
		}
	}
	rt, err := rtos.New(rtos.Threads{
		Lists: lists,
		Maps: func(rt *rtos.Runtime) {
			if fast {
				rt.Yield()
			}
			runtime.GC()
			buf := make([]byte, 1<<20)
			dump = string(buf[:runtime.Stack(buf, true)])
			runtime.GC()
		},
		Pointers: nop, Strings: nop,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"unexpected return pc", "unknown pc", "traceback stuck"} {
		if strings.Contains(dump, bad) {
			t.Errorf("runtime.Stack(all) reports %q:\n%s", bad, dump)
		}
	}
	// inOrder returns the goroutine blocks of dump that contain every one
	// of frames, in this order from the innermost.
	inOrder := func(frames ...string) []string {
		var found []string
	blocks:
		for _, b := range strings.Split(dump, "\n\n") {
			rest := b
			for _, f := range frames {
				i := strings.Index(rest, "\n"+f+"(")
				if i < 0 {
					continue blocks
				}
				rest = rest[i+1:]
			}
			found = append(found, b)
		}
		return found
	}
	// This package's functions, as tracebacks name them.
	main := strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(suspendedLists).Pointer()).Name(), "suspendedLists")
	const pkg = "github.com/gthreadgen/gthreadgen/generated_examples/gc/rtos."
	thread := inOrder(pkg+"(*Runtime).Yield", main+"suspendedLists", pkg+"threadStart")
	sched := inOrder(pkg+"(*Runtime).trySlowSwitch", pkg+"(*Runtime).Run", main+"suspendedTracebacks", "testing.tRunner")
	if len(thread) != 1 || len(sched) != 1 {
		t.Fatalf("want one holder showing the suspended thread and one showing Run's stack, got %d and %d:\n%s", len(thread), len(sched), dump)
	}
	for _, b := range []string{thread[0], sched[0]} {
		if !strings.Contains(b, "[chan receive]") || !strings.Contains(b, "created by "+pkg+"(*Runtime).startHolders") {
			t.Errorf("not a holder goroutine:\n%s", b)
		}
	}
	// The innermost frame is the function that called switchTo.
	innermost := pkg + "(*Runtime).trySlowSwitch("
	if fast {
		innermost = pkg + "(*Runtime).Yield("
	}
	if lines := strings.SplitN(thread[0], "\n", 3); len(lines) < 2 || !strings.HasPrefix(lines[1], innermost) {
		t.Errorf("the suspended thread's innermost frame is not %s):\n%s", innermost, thread[0])
	}
	t.Logf("the suspended thread, as its holder shows it:\n%s", thread[0])
}

//go:noinline
func suspendedLists(rt *rtos.Runtime) { rt.Yield() }

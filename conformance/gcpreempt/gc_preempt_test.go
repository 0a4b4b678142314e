package gcpreempt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"github.com/gthreadgen/gthreadgen/generated_examples/gc_preempt/rtos"
	"github.com/gthreadgen/gthreadgen/internal/testutil"
)

// asyncPreemptView is the generated package's switch for the collector's
// view of a preempted thread (gcpreempt.go); only TestNegativeControl's
// child clears it.
//
//go:linkname asyncPreemptView github.com/gthreadgen/gthreadgen/generated_examples/gc_preempt/rtos.asyncPreemptView
var asyncPreemptView bool

//go:linkname asyncPreemptRet github.com/gthreadgen/gthreadgen/generated_examples/gc_preempt/rtos.asyncPreemptRet
var asyncPreemptRet uintptr

// helperEnv selects what a child process of this test binary does.
const helperEnv = "GC_PREEMPT_TEST_HELPER"

// child runs this test binary's TestHelper with helperEnv=what and env added,
// for at most limit, and returns its combined output and error.
func child(t *testing.T, what string, limit time.Duration, env ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	out, err := testutil.RunTest(ctx, os.Args[0], "TestHelper", append([]string{helperEnv + "=" + what}, env...)...)
	if ctx.Err() != nil {
		err = fmt.Errorf("killed after %v (%w)", limit, err)
	}
	return out, err
}

// TestHelper is the body of the child processes; it does nothing otherwise.
func TestHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("run by other tests")
	case "stress":
		stress(t)
	case "negative":
		asyncPreemptView = false
		res, err := run(runOptions{minGCs: 200, minPreemptions: 2000, minWakes: 50})
		if err != nil {
			t.Fatal(err)
		}
		if res.failed {
			t.Fatalf("CORRUPTED: %s", strings.Join(res.lines, "; "))
		}
		t.Logf("no corruption in %d preemptions", res.preemptions)
	}
}

// observe runs what walks and samples goroutines beside the threads: the
// CPU profiler, runtime.Stack(all) and the goroutine profile, in loops.
func observe(stop <-chan struct{}) {
	if err := pprof.StartCPUProfile(io.Discard); err == nil {
		defer pprof.StopCPUProfile()
	}
	buf := make([]byte, 1<<20)
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(time.Millisecond):
		}
		if i%2 == 0 {
			runtime.Stack(buf, true)
		} else {
			pprof.Lookup("goroutine").WriteTo(io.Discard, 1)
		}
	}
}

// stress runs the example's threads with the observers until the collector
// ran 50 times and the timer preempted 500 times.
func stress(t *testing.T) {
	res, err := run(runOptions{minGCs: 50, minPreemptions: 500, minWakes: 50, observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	if res.failed {
		t.Fatalf("corruption: %s", strings.Join(res.lines, "; "))
	}
	t.Logf("%d preemptions, %d collections, %d rounds, %d churns, %d wake-ups", res.preemptions, res.gcs, res.rounds, res.churns, res.wakes)
}

// TestStress is the stress in this process (default GOGC) and in child
// processes under GOGC=1, with GOMAXPROCS 2 and 1, each with the CPU
// profiler, runtime.Stack(all) and the goroutine profile running beside it.
func TestStress(t *testing.T) {
	t.Run("GOGC=default", stress)
	for _, env := range [][]string{{"GOGC=1"}, {"GOGC=1", "GOMAXPROCS=1"}} {
		t.Run(strings.Join(env, ","), func(t *testing.T) {
			out, err := child(t, "stress", time.Minute, env...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			t.Logf("%s", bytes.TrimSpace(out))
		})
	}
}

// TestNegativeControl shows that the stress detects what the view of
// runtime.asyncPreempt's frame prevents: without it the collector scans
// neither the registers the trampoline saved nor the interrupted frame
// conservatively, and objects that only a register holds are freed while
// the thread still uses them.
func TestNegativeControl(t *testing.T) {
	out, err := child(t, "negative", 30*time.Second, "GOGC=1")
	if err == nil {
		t.Fatalf("the stress passed without the mechanism:\n%s", out)
	}
	if !bytes.Contains(out, []byte("CORRUPTED")) && !bytes.Contains(out, []byte("fatal error")) {
		t.Fatalf("failed, but not with a corruption or a fatal error (%v):\n%s", err, out)
	}
	t.Logf("failed as expected (%v)", err)
}

// TestTracebackShowsAsyncPreempt: a thread suspended by the timer unwinds
// through runtime.asyncPreempt into the interrupted function, as the
// collector must see it (the goroutine profile shows runtime frames), and
// asyncPreemptRet lies inside runtime.asyncPreempt.
func TestTracebackShowsAsyncPreempt(t *testing.T) {
	var seen bool
	var b bytes.Buffer
	_, err := run(runOptions{minGCs: 1, minPreemptions: 50, minWakes: 1, observe: func(stop <-chan struct{}) {
		for !seen {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Microsecond):
			}
			b.Reset()
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			for _, rec := range strings.Split(b.String(), "\n\n") {
				i := strings.Index(rec, "runtime.asyncPreempt+")
				seen = seen || i > 0 && strings.Contains(rec[:i], "rtos.preemptStub+") && strings.Contains(rec[i:], "gcpreempt.churn+")
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if f := runtime.FuncForPC(asyncPreemptRet); f == nil || f.Name() != "runtime.asyncPreempt" {
		t.Fatalf("asyncPreemptRet %#x is not in runtime.asyncPreempt", asyncPreemptRet)
	}
	if !seen {
		t.Fatal("no goroutine profile showed a preempted thread as preemptStub <- runtime.asyncPreempt <- churn")
	}
}

// TestRunOutput: the example's run, with smaller minimums.
func TestRunOutput(t *testing.T) {
	res, err := run(runOptions{minGCs: 5, minPreemptions: 50, minWakes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.failed || res.preemptions < 50 || res.gcs < 5 || res.wakes < 20 {
		t.Fatalf("%+v", res)
	}
	if _, err := rtos.New(rtos.Threads{}); err == nil {
		t.Fatal("New without thread functions succeeded")
	}
}

// TestRunUnderTracer: with time slices Run refuses to start while the
// execution tracer is on (it must lock its OS thread, and with a locked
// goroutine the tracer crashes the Go runtime: golang/go#73259), and runs
// once it is off.
func TestRunUnderTracer(t *testing.T) {
	ran := false
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{Lists: func(*rtos.Runtime) { ran = true }, Maps: nop, Pointers: nop, Sleeper: nop})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := trace.Start(io.Discard); err != nil {
		t.Skip("the tracer is in use:", err)
	}
	err = rt.Run()
	trace.Stop()
	if !errors.Is(err, rtos.ErrTracing) || ran {
		t.Fatalf("Run under the tracer: %v (ran %v), want ErrTracing", err, ran)
	}
	if err := rt.Run(); err != nil || !ran {
		t.Fatalf("Run after trace.Stop: %v (ran %v)", err, ran)
	}
}

package rtoscore

// Tests of the idle hook (services.idle_hook) and the thread-local slots
// (services.thread_local: struct{ Items, Sum int }) in the runtime
// generated from configs/rtos_core.yaml.

import (
	"errors"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/rtos_core/rtos"
)

// TestIdleHook: the hook runs before every idle wait (three sleeps of the
// only live thread: at least three calls), as no thread (the API says
// ErrNotInThread), and a post from it reaches a thread.
func TestIdleHook(t *testing.T) {
	var calls int
	var selfErr, yieldErr error
	var kicked bool
	rt := newRT(t, func(rt *rtos.Runtime) {
		for range 3 {
			rt.Sleep(2 * time.Millisecond)
		}
	}, func(rt *rtos.Runtime) {
		rt.Kicks().Acquire(rtos.Forever) // posted by the hook
		kicked = true
	})
	if err := rt.SetIdleHook(func() {
		calls++
		_, selfErr = rt.Self()
		yieldErr = rt.Yield()
		if calls == 1 {
			rt.Kicks().Post()
		}
	}); err != nil {
		t.Fatal(err)
	}
	runWithin(t, rt, 5*time.Second)
	if calls < 3 || !kicked {
		t.Fatalf("idle hook called %d times (want at least 3), its post reached the monitor: %v", calls, kicked)
	}
	if !errors.Is(selfErr, rtos.ErrNotInThread) || !errors.Is(yieldErr, rtos.ErrNotInThread) {
		t.Fatalf("in the hook: Self %v, Yield %v; want ErrNotInThread", selfErr, yieldErr)
	}
	// During a Run, only a thread may change it.
	errc := make(chan error, 1)
	started := make(chan struct{})
	rt2 := newRT(t, func(rt *rtos.Runtime) {
		close(started)
		rt.Sleep(20 * time.Millisecond)
	}, nil)
	go func() {
		<-started
		errc <- rt2.SetIdleHook(nil)
	}()
	runWithin(t, rt2, 5*time.Second)
	if err := <-errc; !errors.Is(err, rtos.ErrNotInThread) {
		t.Fatalf("SetIdleHook from a goroutine during Run = %v, want ErrNotInThread", err)
	}
}

// TestLocal: every thread has its own slot, zeroed at each start; LocalOf
// reads another's; a goroutine gets ErrNotInThread from Local, and from
// LocalOf during a Run.
func TestLocal(t *testing.T) {
	var atStart [2]int
	rt := newRT(t, func(rt *rtos.Runtime) {
		l, err := rt.Local()
		if err != nil {
			t.Error(err)
			return
		}
		atStart[0] = l.Items
		for i := range 5 {
			l.Items++
			l.Sum += i
			rt.Yield()
		}
	}, func(rt *rtos.Runtime) {
		l, _ := rt.Local()
		atStart[1] = l.Items
		l.Items = 100
		rt.Yield()
		if w, _ := rt.LocalOf(rtos.Worker); w.Items == 0 {
			t.Error("LocalOf(worker) from monitor: the worker's slot is empty")
		}
		// From a goroutine while this Run is active.
		errc := make(chan error)
		go func() {
			_, err := rt.LocalOf(rtos.Worker)
			errc <- err
		}()
		if err := <-errc; !errors.Is(err, rtos.ErrNotInThread) {
			t.Errorf("LocalOf from a goroutine during Run = %v, want ErrNotInThread", err)
		}
	})
	for run := range 2 {
		runWithin(t, rt, 5*time.Second)
		if atStart != [2]int{} {
			t.Fatalf("run %d: slots at the start %v, want zero", run, atStart)
		}
		w, err := rt.LocalOf(rtos.Worker)
		m, _ := rt.LocalOf(rtos.Monitor)
		if err != nil || w.Items != 5 || w.Sum != 10 || m.Items != 100 {
			t.Fatalf("run %d: worker %+v, monitor %+v, %v; want {5 10}, {100 0}", run, *w, *m, err)
		}
	}
	if _, err := rt.Local(); !errors.Is(err, rtos.ErrNotInThread) {
		t.Fatalf("Local from a goroutine = %v, want ErrNotInThread", err)
	}
	if _, err := rt.LocalOf(9); !errors.Is(err, rtos.ErrNoSuchThread) {
		t.Fatalf("LocalOf(9) = %v, want ErrNoSuchThread", err)
	}
}

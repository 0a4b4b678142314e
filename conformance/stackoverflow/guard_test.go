package stackoverflow

import (
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/gthreadgen/gthreadgen/generated_examples/stack_overflow/rtos"
)

// TestGuardSize: configs/stack_overflow.yaml asks for a 16 KiB guard. A
// write 4,464 bytes below a thread's stack, past what one 4 KiB guard page
// covers, faults (made a recoverable panic by debug.SetPanicOnFault) instead
// of landing in the live frames at the top of the neighbouring thread's
// stack; so does one at the far end of the guard.
//
// Regression: the guard was always one page, and this write went into the
// neighbour's stack with Run returning nil.
func TestGuardSize(t *testing.T) {
	const canaryArea = 64
	for _, below := range []int{4464, canaryArea + 16<<10} {
		var lo, fault uintptr
		rt, err := rtos.New(rtos.Threads{
			Scribbler: func(rt *rtos.Runtime) {},
			Deep:      func(rt *rtos.Runtime) {},
			Bystander: func(rt *rtos.Runtime) {
				lo = rt.Stats().Threads[rtos.Bystander].StackLo
				old := debug.SetPanicOnFault(true)
				defer debug.SetPanicOnFault(old)
				defer func() {
					if e, ok := recover().(interface{ Addr() uintptr }); ok {
						fault = e.Addr()
					}
				}()
				var local uint64
				p := unsafe.Pointer(&local)
				*(*uint64)(unsafe.Add(p, -int(uintptr(p)-lo)-below)) = 0xdeadbeefdeadbeef
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		rt.Activate(rtos.Deep)
		rt.Activate(rtos.Bystander)
		err = rt.Run()
		rt.Close()
		if err != nil {
			t.Errorf("%d bytes below the stack: Run: %v", below, err)
		}
		if want := lo - uintptr(below); fault != want {
			t.Errorf("the write %d bytes below the stack faulted at %#x, want %#x (in the guard)", below, fault, want)
		}
	}
}

// TestConfiguredStackSizes: each thread runs on a stack of the size its
// config gives it, deep its own 8 KiB as much as the others the 16 KiB
// default: a local of each lies in [StackLo, StackHi), a span no larger than
// that size, and StackLeft at the top of the thread is below it.
func TestConfiguredStackSizes(t *testing.T) {
	want := [rtos.NumThreads]uintptr{rtos.Scribbler: 16 << 10, rtos.Deep: 8 << 10, rtos.Bystander: 16 << 10}
	var local, left [rtos.NumThreads]uintptr
	var leftErr [rtos.NumThreads]error
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		var here int
		local[self] = uintptr(unsafe.Pointer(&here))
		left[self], leftErr[self] = rt.StackLeft()
	}
	rt, err := rtos.New(rtos.Threads{Scribbler: body, Deep: body, Bystander: body})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for id := range rtos.ThreadID(rtos.NumThreads) {
		if err := rt.Activate(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	for i, ts := range rt.Stats().Threads {
		size := want[i]
		if ts.StackSize != size {
			t.Errorf("%s: StackSize %d, want the configured %d", ts.Name, ts.StackSize, size)
		}
		if ts.StackLo == 0 || ts.StackHi <= ts.StackLo || ts.StackHi-ts.StackLo > size {
			t.Errorf("%s: stack [%#x, %#x) spans %d bytes, want at most the configured %d", ts.Name, ts.StackLo, ts.StackHi, ts.StackHi-ts.StackLo, size)
		}
		if local[i] < ts.StackLo || local[i] >= ts.StackHi {
			t.Errorf("%s: local at %#x is outside its stack [%#x, %#x)", ts.Name, local[i], ts.StackLo, ts.StackHi)
		}
		if leftErr[i] != nil || left[i] == 0 || left[i] >= size {
			t.Errorf("%s: StackLeft at its top = %d, %v; want 0 < n < the configured %d", ts.Name, left[i], leftErr[i], size)
		}
	}
}

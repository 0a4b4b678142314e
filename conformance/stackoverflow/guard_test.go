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

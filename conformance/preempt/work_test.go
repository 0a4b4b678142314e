package preempt

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
)

// The mixed scenario of the preemption example (generated_examples/preemption,
// work.go there): five kinds of work beside three spinners, all under
// 10 ms time slices, each result checked as soon as it is computed. A
// register, flag or vector state that a preemption failed to restore, a
// stack mixed up between threads, or a lock held across a switch shows up
// as a wrong result, a crash or a hang.

// mixedResult is what one run of the mixed scenario did.
type mixedResult struct {
	units    [rtos.NumThreads]int // work units done per thread
	failures []string
	stats    rtos.Stats
}

// Work units per kind of thread; together they keep the CPU busy for a
// few hundred milliseconds, many slices.
const (
	printUnits = 20000
	allocUnits = 3000
	floatUnits = 300
	hashUnits  = 20000
	panicUnits = 20000
)

// floatBlock is a run of floating-point work small enough to be inlined
// into the thread body, so that the timer interrupts the thread in the
// middle of it with live values in vector registers.
func floatBlock(a, b, c, d float64) (float64, float64, float64, float64) {
	for i := 0; i < 20000; i++ {
		a = a*1.0000001 + 0.25
		b = b/1.0000003 + a*1e-9
		c = c + math.Abs(a-b)*1e-12
		d = d*0.9999999 + c
	}
	return a, b, c, d
}

// floatReference computes the float thread's expected values up front.
func floatReference() [floatUnits][4]float64 {
	var ref [floatUnits][4]float64
	a, b, c, d := 1.0, 2.0, 3.0, 4.0
	for i := range ref {
		a, b, c, d = floatBlock(a, b, c, d)
		ref[i] = [4]float64{a, b, c, d}
	}
	return ref
}

// hashReference holds the digests of the 16 buffers the hasher cycles through.
func hashReference() [16][32]byte {
	var ref [16][32]byte
	for i := range ref {
		ref[i] = sha256.Sum256(hashInput(i))
	}
	return ref
}

func hashInput(i int) []byte {
	return []byte(strings.Repeat(fmt.Sprint(i), 64))
}

type node struct {
	next *node
	val  int
}

// runMixed runs the mixed scenario once, on a runtime of its own.
func runMixed(out io.Writer) (mixedResult, error) {
	var res mixedResult
	fail := func(format string, args ...any) {
		if len(res.failures) < 20 {
			res.failures = append(res.failures, fmt.Sprintf(format, args...))
		}
	}
	floatRef := floatReference()
	hashRef := hashReference()
	finished := 0
	const workers = 5

	spin := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for finished < workers {
			res.units[self]++ // body code only: preempted by the timer
		}
	}
	worker := func(body func(rt *rtos.Runtime, self rtos.ThreadID)) func(rt *rtos.Runtime) {
		return func(rt *rtos.Runtime) {
			self, _ := rt.Self()
			defer func() { finished++ }()
			body(rt, self)
		}
	}
	threads := rtos.Threads{
		SpinA: spin, SpinB: spin, SpinC: spin,
		Printer: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			for i := 0; i < printUnits; i++ {
				line := fmt.Sprintf("line %d %s", i, strings.Repeat("x", i%40))
				fmt.Fprintln(out, line)
				var j int
				if _, err := fmt.Sscanf(line, "line %d", &j); err != nil || j != i {
					fail("printer: %q read back as %d (%v)", line, j, err)
				}
				res.units[self]++
				rt.Check()
			}
		}),
		Allocator: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			keep := map[int]*node{}
			for i := 0; i < allocUnits; i++ {
				var list *node
				for k := 0; k < 50; k++ {
					list = &node{next: list, val: i*100 + k}
				}
				keep[i%64] = list
				for k, n := 49, list; n != nil; k, n = k-1, n.next {
					if n.val != i*100+k {
						fail("allocator: list %d holds %d at %d", i, n.val, k)
						break
					}
				}
				if len(keep) != min(i+1, 64) {
					fail("allocator: map has %d entries after %d rounds", len(keep), i+1)
				}
				res.units[self]++
				rt.Check()
			}
		}),
		Floater: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			a, b, c, d := 1.0, 2.0, 3.0, 4.0
			for i := 0; i < floatUnits; i++ {
				a, b, c, d = floatBlock(a, b, c, d)
				if got := [4]float64{a, b, c, d}; got != floatRef[i] {
					fail("floater: block %d gave %v, want %v", i, got, floatRef[i])
					a, b, c, d = floatRef[i][0], floatRef[i][1], floatRef[i][2], floatRef[i][3]
				}
				res.units[self]++
			}
		}),
		Hasher: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			for i := 0; i < hashUnits; i++ {
				if sum := sha256.Sum256(hashInput(i % 16)); sum != hashRef[i%16] {
					fail("hasher: digest %d is %x", i, sum)
				}
				res.units[self]++
				rt.Check()
			}
		}),
		Panicker: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			for i := 0; i < panicUnits; i++ {
				got := func() (r any) {
					defer func() { r = recover() }()
					if i%2 == 0 {
						panic(i)
					}
					var m map[int]int
					m[i] = i // a runtime error, recovered like any panic
					return nil
				}()
				if v, ok := got.(int); i%2 == 0 && (!ok || v != i) {
					fail("panicker: recovered %v, want %d", got, i)
				}
				if _, ok := got.(error); i%2 == 1 && !ok {
					fail("panicker: recovered %v, want a runtime error", got)
				}
				res.units[self]++
				rt.Check()
			}
		}),
	}
	rt, err := rtos.New(threads)
	if err != nil {
		return res, err
	}
	defer rt.Close()
	for _, id := range []rtos.ThreadID{rtos.Printer, rtos.Allocator, rtos.Floater, rtos.Hasher, rtos.Panicker} {
		rt.Activate(id)
	}
	err = rt.Run()
	res.stats = rt.Stats()
	return res, err
}

func devNull() io.Writer {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return io.Discard
	}
	return f
}

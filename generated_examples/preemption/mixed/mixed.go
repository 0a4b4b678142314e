// Package mixed is the mixed scenario of the preemption example: five kinds
// of work (printing, allocating, floating point, SHA-256, panic and recover)
// beside three spinners, all under 10 ms time slices, each result checked as
// soon as it is computed. A register, flag or vector state that a preemption
// failed to restore, a stack mixed up between threads, or a lock held across
// a switch shows up as a wrong result, a crash or a hang.
//
// The example's program (generated_examples/preemption) prints what one run
// did; the conformance suite (conformance/preempt) runs it several times and
// checks every count. The thread bodies are defined here, so the time slices
// preempt them in this package's code, whichever package calls Run.
package mixed

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
)

// Result is what one run of the mixed scenario did.
type Result struct {
	Units    [rtos.NumThreads]int // work units done per thread
	Failures []string             // the first 20 results that were wrong
	Stats    rtos.Stats           // the runtime's counters after Run
}

// Work units per kind of thread; together they keep the CPU busy for a
// few hundred milliseconds, many slices.
const (
	PrintUnits = 20000
	AllocUnits = 3000
	FloatUnits = 300
	HashUnits  = 20000
	PanicUnits = 20000
)

// FloatBlock is a run of floating-point work: the timer interrupts a
// thread in the middle of it with live values in vector registers.
func FloatBlock(a, b, c, d float64) (float64, float64, float64, float64) {
	for i := 0; i < 20000; i++ {
		a = a*1.0000001 + 0.25
		b = b/1.0000003 + a*1e-9
		c = c + math.Abs(a-b)*1e-12
		d = d*0.9999999 + c
	}
	return a, b, c, d
}

// FloatReference computes the float thread's expected values up front:
// FloatUnits blocks from (1, 2, 3, 4).
func FloatReference() [FloatUnits][4]float64 {
	var ref [FloatUnits][4]float64
	a, b, c, d := 1.0, 2.0, 3.0, 4.0
	for i := range ref {
		a, b, c, d = FloatBlock(a, b, c, d)
		ref[i] = [4]float64{a, b, c, d}
	}
	return ref
}

// FloatThread returns a thread body that does the floater's work from
// start: FloatUnits blocks of FloatBlock, passing each block's index and
// result to check, which returns the values to go on from (the expected
// ones, after a wrong result). The body is defined here, where FloatBlock
// is, so the time slices preempt it inside FloatBlock's loop whether or not
// the compiler inlines FloatBlock into it (it does not always: a body
// defined in another package would then spend its slices out of reach).
// FloatThread itself must not be inlined: the closure would then be
// compiled as the caller's, in the caller's package.
//
//go:noinline
func FloatThread(start [4]float64, check func(i int, got [4]float64) [4]float64) func(*rtos.Runtime) {
	return func(*rtos.Runtime) {
		v := start
		for i := 0; i < FloatUnits; i++ {
			a, b, c, d := FloatBlock(v[0], v[1], v[2], v[3])
			v = check(i, [4]float64{a, b, c, d})
		}
	}
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

// Run runs the mixed scenario once, on a runtime of its own; the printer
// writes its lines to out.
func Run(out io.Writer) (Result, error) {
	var res Result
	fail := func(format string, args ...any) {
		if len(res.Failures) < 20 {
			res.Failures = append(res.Failures, fmt.Sprintf(format, args...))
		}
	}
	floatRef := FloatReference()
	hashRef := hashReference()
	finished := 0
	const workers = 5

	spin := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		for finished < workers {
			res.Units[self]++ // body code only: preempted by the timer
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
			for i := 0; i < PrintUnits; i++ {
				line := fmt.Sprintf("line %d %s", i, strings.Repeat("x", i%40))
				fmt.Fprintln(out, line)
				var j int
				if _, err := fmt.Sscanf(line, "line %d", &j); err != nil || j != i {
					fail("printer: %q read back as %d (%v)", line, j, err)
				}
				res.Units[self]++
				rt.Check()
			}
		}),
		Allocator: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			keep := map[int]*node{}
			for i := 0; i < AllocUnits; i++ {
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
				res.Units[self]++
				rt.Check()
			}
		}),
		Floater: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			FloatThread([4]float64{1, 2, 3, 4}, func(i int, got [4]float64) [4]float64 {
				if got != floatRef[i] {
					fail("floater: block %d gave %v, want %v", i, got, floatRef[i])
					got = floatRef[i]
				}
				res.Units[self]++
				return got
			})(rt)
		}),
		Hasher: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			for i := 0; i < HashUnits; i++ {
				if sum := sha256.Sum256(hashInput(i % 16)); sum != hashRef[i%16] {
					fail("hasher: digest %d is %x", i, sum)
				}
				res.Units[self]++
				rt.Check()
			}
		}),
		Panicker: worker(func(rt *rtos.Runtime, self rtos.ThreadID) {
			for i := 0; i < PanicUnits; i++ {
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
				res.Units[self]++
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
	res.Stats = rt.Stats()
	return res, err
}

// DevNull opens /dev/null for the printer: its lines then cost a write
// system call each, as printing does, without showing. It returns
// io.Discard if /dev/null cannot be opened.
func DevNull() io.Writer {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return io.Discard
	}
	return f
}

package preempt

import (
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/preemption/rtos"
)

var sink uint64

// work is CPU-bound body code: the timer can interrupt it anywhere.
func work(n int, seed uint64) uint64 {
	x := seed
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

func newSpinRuntime(b *testing.B, body func(*rtos.Runtime)) *rtos.Runtime {
	rt, err := rtos.New(rtos.Threads{SpinA: body, SpinB: body, SpinC: body,
		Printer: idle, Allocator: idle, Floater: idle, Hasher: idle, Panicker: idle})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	return rt
}

// BenchmarkPreemptLatency: three spinners in body code; one op is one time
// slice. Reported: the latency from the timer's expiry to the preemption
// signal's handler (signal-*, what any timer signal costs on this machine:
// the baseline) and to the completed switch to the next thread (switch-*).
func BenchmarkPreemptLatency(b *testing.B) {
	for _, slice := range []time.Duration{time.Millisecond, 10 * time.Millisecond} {
		b.Run("slice="+slice.String(), func(b *testing.B) {
			slices := 0
			last := rtos.ThreadID(255)
			done := false
			n := b.N
			rt := newSpinRuntime(b, func(rt *rtos.Runtime) {
				self, _ := rt.Self()
				for !done {
					if last != self {
						last = self
						if slices++; slices > n {
							done = true
						}
					}
				}
			})
			if err := rt.SetTimeSlice(slice); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := rt.Run(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			l := rt.Latency()
			if l.Samples == 0 {
				return // b.N too small for samples (the first round runs b.N = 1)
			}
			us := func(d time.Duration) float64 { return float64(d) / 1e3 }
			b.ReportMetric(us(l.SignalP50), "signal-p50-µs")
			b.ReportMetric(us(l.SignalP99), "signal-p99-µs")
			b.ReportMetric(us(l.SwitchP50), "switch-p50-µs")
			b.ReportMetric(us(l.SwitchP99), "switch-p99-µs")
		})
	}
}

// BenchmarkPreemptThroughput: the same CPU-bound work split over three
// threads that never yield, with preemption off and with 10 ms and 1 ms
// slices. One op is one work step; compare ns/op between the slices for the
// overhead of preemption.
func BenchmarkPreemptThroughput(b *testing.B) {
	for _, slice := range []time.Duration{0, 10 * time.Millisecond, time.Millisecond} {
		name := "slice=off"
		if slice > 0 {
			name = "slice=" + slice.String()
		}
		b.Run(name, func(b *testing.B) {
			n := b.N / 3
			rt := newSpinRuntime(b, func(rt *rtos.Runtime) {
				self, _ := rt.Self()
				sink += work(n, uint64(self)+1)
			})
			if err := rt.SetTimeSlice(slice); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := rt.Run(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(rt.Stats().Preemptions), "preemptions")
		})
	}
}

// BenchmarkSliceOverrun: three spinners under 2 ms slices, with the
// collector idle and with another goroutine calling runtime.GC in a loop;
// one op is one turn. Reported, on the wall clock: how far a turn overran
// the slice (p50, p99, max: a turn that ended before the slice counts as
// 0), and the longest a thread waited between two of its turns (the other
// two threads' turns; the target is at most 2 slices + 1 ms); and the same
// on the CPU clock of the threads' OS thread (cpu-*), which other processes
// on a loaded machine cannot inflate.
func BenchmarkSliceOverrun(b *testing.B) {
	const slice = 2 * time.Millisecond
	for _, gc := range []bool{false, true} {
		name := "gc=idle"
		if gc {
			name = "gc=loop"
		}
		b.Run(name, func(b *testing.B) {
			stop := make(chan struct{})
			defer close(stop)
			if gc {
				gcLoop(stop)
			}
			turns := recordTurns(b, slice, max(b.N, 4))
			b.StopTimer()
			var over []time.Duration
			for _, l := range lengths(turns[1:], false) {
				over = append(over, max(0, l-slice))
			}
			var cpuOver []time.Duration
			for _, l := range lengths(turns[1:], true) {
				cpuOver = append(cpuOver, max(0, l-slice))
			}
			us := func(d time.Duration) float64 { return float64(d) / 1e3 }
			b.ReportMetric(us(percentile(over, 50)), "overrun-p50-µs")
			b.ReportMetric(us(percentile(over, 99)), "overrun-p99-µs")
			b.ReportMetric(us(percentile(over, 100)), "overrun-max-µs")
			b.ReportMetric(us(percentile(gaps(turns, false), 100)), "wait-max-µs")
			b.ReportMetric(us(percentile(cpuOver, 99)), "cpu-overrun-p99-µs")
			b.ReportMetric(us(percentile(cpuOver, 100)), "cpu-overrun-max-µs")
			b.ReportMetric(us(percentile(gaps(turns, true), 100)), "cpu-wait-max-µs")
		})
	}
}

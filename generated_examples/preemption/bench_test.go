package main

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

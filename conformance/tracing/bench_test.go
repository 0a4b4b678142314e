package tracing

import (
	"testing"

	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/rtos"
)

// BenchmarkYield: bench_a and bench_b yield to each other b.N times in all
// with the switch recorder on (trace: {events: 4096}): one op is one
// switch, each recorded. Compare with BenchmarkYield/threads=2 of
// conformance/core (the max config), which has no recorder
// (docs/benchmarks.md).
func BenchmarkYield(b *testing.B) {
	n := b.N
	body := func(rt *rtos.Runtime) {
		id, _ := rt.Self()
		loops := n / 2
		if id == rtos.BenchA {
			loops += n % 2
		}
		for range loops {
			rt.Yield()
		}
	}
	idle := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{BenchA: body, BenchB: body,
		Sensor: idle, Filter: idle, Logger: idle, SpinA: idle, SpinB: idle})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	rt.Activate(rtos.BenchA)
	rt.Activate(rtos.BenchB)
	b.ReportAllocs()
	b.ResetTimer()
	if err := rt.Run(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(rtos.TraceEventBytes), "B/event")
}

// Package tracing is the conformance suite of the switch recorder and the
// per-thread time accounting (trace:), run on generated_examples/tracing/rtos
// (configs/tracing.yaml, linux/amd64): the example's workload traced and its
// trace checked as trace-event JSON and drawn by gthreadgen trace, the ring
// wrapping, regions under Go's execution tracer, and BenchmarkYield with the
// recorder on (docs/benchmarks.md). The workload is the example's,
// imported from generated_examples/tracing/workload.
//
// It has only tests: go test ./conformance/tracing.
package tracing

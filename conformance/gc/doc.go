// Package gc is the conformance suite of gc: collect, run on
// generated_examples/gc/rtos (configs/gc.yaml): the collector keeps running
// while threads are suspended (a stress with runtime.GC in a loop, the
// profilers and the execution tracer beside it, and its negative control on
// the gc: pause runtime of generated_examples/max/rtos), tracebacks of
// suspended threads, the holder goroutines, the Go runtime offsets checked
// against DWARF, stack shrinking turned off by New in every build mode, and
// BenchmarkYield against gc: pause.
//
// It has only tests: go test ./conformance/gc. conformance/gcloop.sh runs its
// stress many times in child processes (docs/gc.md).
package gc

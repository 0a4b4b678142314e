// Package gcpreempt is the conformance suite of time slices under gc:
// collect, run on generated_examples/gc_preempt/rtos
// (configs/gc_preempt.yaml, linux/amd64): threads that never yield are
// preempted at arbitrary instructions with pointers in registers while the
// collector runs, the profilers walk them and a sleeper wakes; the negative
// control without the view of runtime.asyncPreempt's frame; tracebacks
// through it; Run refused under the execution tracer. workload_test.go is
// the example's workload, with what the tests add.
//
// It has only tests: go test ./conformance/gcpreempt. conformance/gcloop.sh
// runs its stress many times in child processes (docs/gc.md).
package gcpreempt

// Package preempt is the conformance suite of time-slice preemption, run on
// generated_examples/preemption/rtos (configs/preemption.yaml, linux/amd64):
// spinners that never yield take turns, mixed work (printing, allocating,
// floating point, SHA-256, panic and recover) keeps its results under
// preemption, signals and a second runtime still work, Check, the slice
// length and fairness under the collector, and the preemption benchmarks of
// docs/benchmarks.md. The mixed scenario is the example's, imported from
// generated_examples/preemption/mixed.
//
// It has only tests: go test ./conformance/preempt.
package preempt

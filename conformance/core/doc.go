// Package core is the conformance suite of the generated runtime's core, run
// on generated_examples/max/rtos (configs/max.yaml: 32 threads, nothing
// autostarted, gc: pause): threads on their own stacks inside one goroutine,
// the scheduler, ordinary Go on green stacks, Join, Exit, Activate, the typed
// errors, stack canaries and guard pages, the lifecycle from several
// goroutines, and the switch benchmarks of docs/benchmarks.md.
//
// It has only tests: go test ./conformance/core; docs/testing.md tells how
// to run it under qemu-user for arm64 and riscv64.
package core

// Package services is the conformance suite of the timing and signalling
// services, run on generated_examples/periodic/rtos (configs/periodic.yaml):
// Sleep and SleepUntil (tickless, precise, without drift, in deadline
// order), counting semaphores, event flags, timeouts, Join with a timeout,
// and the deadlock reports; BenchmarkSleepUntilLateness is in
// docs/benchmarks.md.
//
// It has only tests: go test ./conformance/services.
package services

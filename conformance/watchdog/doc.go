// Package watchdog is the conformance suite of time slices together with the
// blocking services, run on generated_examples/watchdog/rtos
// (configs/watchdog.yaml, linux/amd64): a sleeper that comes due preempts
// spinning threads at once, a mutex holder preempted inside its critical
// section keeps the CPU against its ceiling's level and resumes first, the
// preemption counters, and a post from a goroutine preempting a spinner.
// The scenario is the example's, imported from
// generated_examples/watchdog/scenario.
//
// It has only tests: go test ./conformance/watchdog.
package watchdog

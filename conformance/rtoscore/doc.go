// Package rtoscore is the conformance suite of the RTOS services of
// configs/rtos_core.yaml, run on generated_examples/rtos_core/rtos
// (linux/amd64):
//
//   - post_test.go: posting from goroutines (services.from_goroutines): an
//     idle runner woken, concurrent posters, full mailboxes, semaphores and
//     events, a busy runner;
//   - control_test.go: Suspend and Resume (itself, a ready and a blocked
//     thread, a mutex holder refused, a deadlock of suspended threads),
//     SetPriority (scheduling point, ceilings);
//   - timer_test.go: software timers: drift of the 1 ms timer (0.5 s; 10 s
//     with -args -long), one-shot, Stop and Reset waking the server, misuse;
//   - hooks_test.go: the idle hook (called before each idle wait, as no
//     thread, posting from it) and the thread-local slots;
//   - bench_test.go: BenchmarkHandoff, goroutine-to-green-thread latency
//     against a channel between two goroutines (docs/benchmarks.md).
//
// It has only tests: go test ./conformance/rtoscore.
package rtoscore

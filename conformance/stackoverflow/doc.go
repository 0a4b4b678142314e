// Package stackoverflow is the conformance suite of the guard below each
// stack, run on generated_examples/stack_overflow/rtos
// (configs/stack_overflow.yaml, a 16 KiB guard): a write below a thread's
// stack, past what one page would cover, faults in the guard instead of
// landing in the neighbouring thread's stack. The canary and the one-page
// guard of the default config are tested in conformance/core.
//
// It has only tests: go test ./conformance/stackoverflow.
package stackoverflow

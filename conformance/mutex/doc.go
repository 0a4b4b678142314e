// Package mutex is the conformance suite of the priority-ceiling mutexes,
// run on generated_examples/inversion/rtos (configs/inversion.yaml): the
// ceilings, Lock raising and Unlock restoring the priority, the inversion
// resolved, users only, misuse, a holder that may not block, release at
// finish, nested locks in any order without deadlock, and a holder resuming
// first among its level.
//
// It has only tests: go test ./conformance/mutex.
package mutex

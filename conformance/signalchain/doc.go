// Package signalchain is the conformance suite of the chain through which
// every generated package with time slices shares signal 40, run on two such
// packages in one process: generated_examples/preemption/rtos and
// generated_examples/signal_chain/twin (configs/preemption.yaml and
// configs/signal_chain.yaml, linux/amd64). Their Runs overlap in every order
// of start and end, signal 40 sent from outside still reaches os/signal, and
// signal.Ignore during a Run ends its time slices with ErrSignalReplaced.
// The Runs are the example's, started and ended by
// generated_examples/signal_chain/chain.
//
// It has only tests: go test ./conformance/signalchain.
package signalchain

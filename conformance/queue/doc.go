// Package queue is the conformance suite of the bounded message queues, run
// on generated_examples/pipeline/rtos (configs/pipeline.yaml): FIFO order
// and capacity, timeouts, the hand-over to a blocked receiver, Close,
// deadlock reports, and no allocation per message.
//
// It has only tests: go test ./conformance/queue.
package queue

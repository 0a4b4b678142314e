// Package queue is the conformance suite of the bounded message queues, run
// on generated_examples/pipeline/rtos (configs/pipeline.yaml): FIFO order
// and capacity, timeouts, the hand-over to a blocked receiver, Close,
// deadlock reports, and no allocation per message.
//
// go test ./conformance/queue; BenchmarkSendReceive measures a message
// through a full queue, two switches through the services' paths.
package queue

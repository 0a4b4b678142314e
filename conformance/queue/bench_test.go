package queue

import (
	"testing"

	"github.com/gthreadgen/gthreadgen/generated_examples/pipeline/rtos"
)

// BenchmarkSendReceive: producer (2) sends b.N messages to worker (1)
// through jobs (capacity 4). Once the queue is full, each message is two
// switches through the services' paths rather than Yield's: the producer
// blocks in Send (switchAway), and the worker's Receive wakes it, a more
// urgent thread, which takes over at once (preempt). One op is one message
// (gc: collect, the default: the switches take its fast path).
//
//	go test -run '^$' -bench SendReceive -count 6 ./conformance/queue
func BenchmarkSendReceive(b *testing.B) {
	n := b.N
	var sum int
	rt := newRT(b, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		for i := range n {
			if err := q.Send(job{ID: i}, rtos.Forever); err != nil {
				b.Error(err)
				return
			}
		}
	}, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		for range n {
			j, err := q.Receive(rtos.Forever)
			if err != nil {
				b.Error(err)
				return
			}
			sum += j.ID
		}
	}, nil)
	b.ReportAllocs()
	b.ResetTimer()
	if err := rt.Run(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if want := n * (n - 1) / 2; sum != want {
		b.Fatalf("sum of the IDs received %d, want %d", sum, want)
	}
}

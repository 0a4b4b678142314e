package rtoscore

import (
	"slices"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/rtos_core/rtos"
)

// BenchmarkHandoff measures the latency of handing one item from a
// goroutine to a waiting receiver, from just before the send to just after
// the receive, and reports its median and 99th percentile: "green" posts to
// a queue a green thread waits on (the runner idle), "chan" sends on an
// unbuffered channel another goroutine waits on. Each item is acknowledged
// on a channel before the next is sent, so the receiver is always waiting.
//
//	go test -run '^$' -bench Handoff -count 5 ./conformance/rtoscore
func BenchmarkHandoff(b *testing.B) {
	base := time.Now()
	stamp := func() int { return int(time.Since(base)) }
	report := func(b *testing.B, lat []int) {
		slices.Sort(lat)
		if len(lat) == 0 {
			return
		}
		b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
	}

	b.Run("green", func(b *testing.B) {
		lat := make([]int, 0, b.N)
		ack := make(chan struct{}, 1)
		rt, err := rtos.New(rtos.Threads{
			Worker: func(rt *rtos.Runtime) {
				for {
					v, err := rt.Items().Receive(rtos.Forever)
					if err != nil || v < 0 {
						return
					}
					lat = append(lat, stamp()-v)
					ack <- struct{}{}
				}
			},
			Monitor: func(*rtos.Runtime) {},
			Ticker:  func(*rtos.Runtime) {},
		})
		if err != nil {
			b.Fatal(err)
		}
		defer rt.Close()
		done := make(chan error, 1)
		go func() { done <- rt.Run() }()
		b.ResetTimer()
		for range b.N {
			if err := rt.Items().Post(stamp(), rtos.Forever); err != nil {
				b.Fatal(err)
			}
			<-ack
		}
		b.StopTimer()
		rt.Items().Post(-1, rtos.Forever)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		report(b, lat)
	})

	b.Run("chan", func(b *testing.B) {
		lat := make([]int, 0, b.N)
		ack := make(chan struct{}, 1)
		items := make(chan int)
		go func() {
			for v := range items {
				lat = append(lat, stamp()-v)
				ack <- struct{}{}
			}
			close(ack)
		}()
		b.ResetTimer()
		for range b.N {
			items <- stamp()
			<-ack
		}
		b.StopTimer()
		close(items)
		<-ack
		report(b, lat)
	})
}

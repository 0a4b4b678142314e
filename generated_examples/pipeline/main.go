// Command pipeline runs the runtime generated from configs/pipeline.yaml: a
// producer sends jobs through a bounded queue to a less urgent worker, and
// blocks while the queue is full; the worker passes results on to a
// collector.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/pipeline.yaml -out rtos

import (
	"errors"
	"fmt"
	"os"

	"github.com/gthreadgen/gthreadgen/generated_examples/pipeline/rtos"
)

func main() {
	rt, err := rtos.New(rtos.Threads{
		Producer: func(rt *rtos.Runtime) {
			jobs := rt.Jobs()
			for id := 1; id <= 10; id++ {
				job := struct {
					ID      int
					Payload [4]int32
				}{ID: id, Payload: [4]int32{int32(id), int32(id * 2), int32(id * 3), int32(id * 4)}}
				fmt.Printf("producer: send job %d\n", id)
				if err := jobs.Send(job, rtos.Forever); err != nil {
					panic(err)
				}
			}
			fmt.Println("producer: close jobs")
			jobs.Close()
		},
		Worker: func(rt *rtos.Runtime) {
			jobs, results := rt.Jobs(), rt.Results()
			for {
				job, err := jobs.Receive(rtos.Forever)
				if errors.Is(err, rtos.ErrQueueClosed) {
					fmt.Println("worker: jobs closed")
					results.Close()
					return
				}
				var sum int64
				for _, v := range job.Payload {
					sum += int64(v)
				}
				fmt.Printf("worker: job %d -> %d\n", job.ID, sum)
				if err := results.Send(sum, rtos.Forever); err != nil {
					panic(err)
				}
			}
		},
		Collector: func(rt *rtos.Runtime) {
			results := rt.Results()
			var total int64
			n := 0
			for {
				v, err := results.Receive(rtos.Forever)
				if err != nil {
					fmt.Printf("collector: %d results, total %d (%v)\n", n, total, err)
					return
				}
				n++
				total += v
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

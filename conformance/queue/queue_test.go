package queue

// Tests of the message queues in the runtime generated from
// configs/pipeline.yaml: producer 2, worker 1, collector 0; jobs (4 of
// struct{ID int; Payload [4]int32}) and results (16 of int64). Each test
// checks an observable effect, so it fails when the feature breaks.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/pipeline/rtos"
)

type job = struct {
	ID      int
	Payload [4]int32
}

func newRT(t testing.TB, producer, worker, collector func(rt *rtos.Runtime)) *rtos.Runtime {
	t.Helper()
	nop := func(*rtos.Runtime) {}
	for _, f := range []*func(*rtos.Runtime){&producer, &worker, &collector} {
		if *f == nil {
			*f = nop
		}
	}
	rt, err := rtos.New(rtos.Threads{Producer: producer, Worker: worker, Collector: collector})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// TestFIFOAndCapacity: a queue holds Cap messages, refuses one more without
// blocking when the timeout is 0, and hands them out in order.
func TestFIFOAndCapacity(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		if q.Cap() != 4 || q.Len() != 0 {
			e.Add("Cap, Len = %d, %d; want 4, 0", q.Cap(), q.Len())
		}
		for round := range 3 { // wrap the ring around
			for i := range 4 {
				if err := q.Send(job{ID: round*10 + i}, 0); err != nil {
					e.Add("Send %d: %v", i, err)
				}
			}
			if err := q.Send(job{ID: 99}, 0); !errors.Is(err, rtos.ErrTimeout) {
				e.Add("Send to a full queue = %v, want ErrTimeout", err)
			}
			if q.Len() != 4 {
				e.Add("Len of a full queue %d", q.Len())
			}
			for i := range 4 {
				j, err := q.Receive(0)
				if err != nil || j.ID != round*10+i {
					e.Add("Receive = %v, %v; want ID %d", j.ID, err, round*10+i)
				}
			}
			if _, err := q.Receive(0); !errors.Is(err, rtos.ErrTimeout) {
				e.Add("Receive from an empty queue = %v, want ErrTimeout", err)
			}
		}
	}, nil, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
}

// TestTimeouts: Send on a full queue and Receive on an empty one give up
// after their timeout.
func TestTimeouts(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		start := time.Now()
		if _, err := q.Receive(10 * time.Millisecond); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("Receive = %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d < 10*time.Millisecond {
			e.Add("Receive timed out after %v", d)
		}
		for range 4 {
			q.Send(job{}, 0)
		}
		start = time.Now()
		if err := q.Send(job{}, 10*time.Millisecond); !errors.Is(err, rtos.ErrTimeout) {
			e.Add("Send = %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d < 10*time.Millisecond {
			e.Add("Send timed out after %v", d)
		}
	}, nil, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
}

// TestBlockingHandOver: a blocked receiver gets the message as soon as it
// is sent, and runs at once when it is more urgent than the sender; a
// blocked sender gets its slot as soon as one is freed.
func TestBlockingHandOver(t *testing.T) {
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		v, err := rt.Results().Receive(rtos.Forever) // blocks: worker sends later
		order = append(order, fmt.Sprintf("producer got %d %v", v, err))
	}, func(rt *rtos.Runtime) {
		order = append(order, "worker sends")
		rt.Results().Send(42, rtos.Forever)
		order = append(order, "worker continues")
	}, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ", "), "worker sends, producer got 42 <nil>, worker continues"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
}

// TestBlockedSenderHandOver: the sender half of TestBlockingHandOver's
// promise. The producer (2) fills jobs and blocks on the full queue; the
// worker's (1) Receive frees a slot, and the producer, more urgent, gets
// it and runs before Receive returns.
func TestBlockedSenderHandOver(t *testing.T) {
	var e suite.Errors
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		for i := range 4 {
			if err := q.Send(job{ID: i}, 0); err != nil {
				e.Add("Send %d: %v", i, err)
			}
		}
		order = append(order, "producer blocks")
		err := q.Send(job{ID: 4}, rtos.Forever)
		order = append(order, fmt.Sprintf("producer sent 4 %v", err))
	}, func(rt *rtos.Runtime) {
		order = append(order, "worker receives")
		j, err := rt.Jobs().Receive(0)
		order = append(order, fmt.Sprintf("worker got %d %v", j.ID, err))
		for i := 1; i <= 4; i++ {
			if j, err := rt.Jobs().Receive(0); err != nil || j.ID != i {
				e.Add("Receive = %d, %v; want %d", j.ID, err, i)
			}
		}
	}, nil)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if got, want := strings.Join(order, ", "), "producer blocks, worker receives, producer sent 4 <nil>, worker got 0 <nil>"; got != want {
		t.Errorf("order %s,\nwant %s", got, want)
	}
}

// TestClose: Send after Close fails; receivers get what is left, then
// ErrQueueClosed; Close wakes blocked receivers and senders; every Run
// starts with the queue open and empty.
func TestClose(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, func(rt *rtos.Runtime) {
		// Blocked until the collector closes the queue.
		if _, err := rt.Results().Receive(rtos.Forever); !errors.Is(err, rtos.ErrQueueClosed) {
			e.Add("blocked Receive at Close = %v, want ErrQueueClosed", err)
		}
	}, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		for range 4 {
			q.Send(job{ID: 1}, 0)
		}
		// Blocked on the full queue until the collector closes it.
		if err := q.Send(job{ID: 2}, rtos.Forever); !errors.Is(err, rtos.ErrQueueClosed) {
			e.Add("blocked Send at Close = %v, want ErrQueueClosed", err)
		}
	}, func(rt *rtos.Runtime) {
		rt.Results().Close()
		q := rt.Jobs()
		q.Close()
		if !q.Closed() {
			e.Add("Closed() = false after Close")
		}
		if err := q.Send(job{}, 0); !errors.Is(err, rtos.ErrQueueClosed) {
			e.Add("Send after Close = %v", err)
		}
		for i := range 4 {
			if _, err := q.Receive(0); err != nil {
				e.Add("Receive %d of what is left = %v", i, err)
			}
		}
		if _, err := q.Receive(rtos.Forever); !errors.Is(err, rtos.ErrQueueClosed) {
			e.Add("Receive from a closed, empty queue = %v", err)
		}
	})
	for run := range 2 {
		if err := rt.Run(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if !rt.Jobs().Closed() {
			t.Errorf("run %d: jobs not closed", run)
		}
	}
	e.Report(t)
}

// TestCloseWakesEveryWaiter: Close wakes every thread blocked on the
// queue, not one: two receivers (TestClose has one of each kind), and two
// senders.
func TestCloseWakesEveryWaiter(t *testing.T) {
	var e suite.Errors
	var order []string
	var workerWaits, collectorWaits bool
	producer := func(rt *rtos.Runtime) {
		for !workerWaits || !collectorWaits {
			if err := rt.Sleep(time.Millisecond); err != nil {
				e.Add("Sleep: %v", err)
				return
			}
		}
		order = append(order, "producer closes jobs")
		rt.Jobs().Close()
	}
	receiver := func(name string, waits *bool) func(rt *rtos.Runtime) {
		return func(rt *rtos.Runtime) {
			*waits = true
			_, err := rt.Jobs().Receive(rtos.Forever)
			order = append(order, fmt.Sprintf("%s: %v", name, err))
		}
	}
	rt := newRT(t, producer, receiver("worker", &workerWaits), receiver("collector", &collectorWaits))
	if err := rt.Run(); err != nil {
		t.Fatalf("receivers: Run = %v", err)
	}
	e.Report(t)
	if got, want := strings.Join(order, ", "), "producer closes jobs, worker: rtos: queue is closed, collector: rtos: queue is closed"; got != want {
		t.Errorf("receivers: order %s,\nwant %s", got, want)
	}

	// Two senders on the full queue; the collector (the least urgent) runs
	// once both wait, and closes it.
	order = nil
	sender := func(name string) func(rt *rtos.Runtime) {
		return func(rt *rtos.Runtime) {
			var err error
			for err == nil {
				err = rt.Jobs().Send(job{}, rtos.Forever)
			}
			order = append(order, fmt.Sprintf("%s: %v", name, err))
		}
	}
	rt2 := newRT(t, sender("producer"), sender("worker"), func(rt *rtos.Runtime) {
		order = append(order, "collector closes jobs")
		rt.Jobs().Close()
	})
	if err := rt2.Run(); err != nil {
		t.Fatalf("senders: Run = %v", err)
	}
	if got, want := strings.Join(order, ", "), "collector closes jobs, producer: rtos: queue is closed, worker: rtos: queue is closed"; got != want {
		t.Errorf("senders: order %s,\nwant %s", got, want)
	}
}

// TestQueueDeadlock: receivers waiting forever on empty queues with no one
// left to send are reported as a deadlock, each with its queue.
func TestQueueDeadlock(t *testing.T) {
	rt := newRT(t, nil, func(rt *rtos.Runtime) {
		rt.Jobs().Receive(rtos.Forever)
	}, func(rt *rtos.Runtime) {
		rt.Results().Receive(rtos.Forever)
	})
	err := rt.Run()
	want := "rtos: deadlock: every live thread is blocked: worker waits on queue jobs (receive: empty), collector waits on queue results (receive: empty)"
	var d *rtos.DeadlockError
	if !errors.As(err, &d) || err.Error() != want {
		t.Errorf("Run = %v,\nwant %s", err, want)
	}
}

// TestNoAllocationPerMessage: a Run that passes 10000 messages allocates
// no more than one that passes 10.
func TestNoAllocationPerMessage(t *testing.T) {
	n := 0
	rt := newRT(t, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		for i := range n {
			if err := q.Send(job{ID: i, Payload: [4]int32{1, 2, 3, 4}}, rtos.Forever); err != nil {
				panic(err)
			}
		}
		q.Close()
	}, func(rt *rtos.Runtime) {
		q := rt.Jobs()
		var sum int64
		for {
			j, err := q.Receive(rtos.Forever)
			if err != nil {
				break
			}
			sum += int64(j.Payload[3])
			if err := rt.Results().Send(sum, 0); err != nil {
				rt.Results().Receive(0)
			}
		}
	}, nil)
	allocs := func(messages int) float64 {
		n = messages
		return testing.AllocsPerRun(5, func() {
			if err := rt.Run(); err != nil {
				t.Fatal(err)
			}
		})
	}
	few, many := allocs(10), allocs(10000)
	if many > few {
		t.Errorf("a Run allocates %v times with 10 messages and %v with 10000: messages allocate", few, many)
	}
}

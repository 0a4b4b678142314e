// Package workload is the mixed workload of the tracing example: a periodic
// sensor, a filter fed through the queue "readings", a logger that shares
// totals with it under the ceiling mutex "totals", and two spinners that
// never yield and lose the CPU when their time slice ends.
//
// The example's program (generated_examples/tracing) writes its trace and
// prints what it shows; the conformance suite (conformance/tracing) checks
// the trace and the accounting. The thread bodies are defined here, so the
// time slices preempt the spinners in this package's code, whichever
// package calls Run.
package workload

import (
	"sync/atomic"

	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/rtos"
)

// State is the workload's shared state, and what it did.
type State struct {
	Runtime          *rtos.Runtime // the runtime it ran on, not yet closed
	Sent, Count, Sum int           // readings sent; readings filtered and their sum

	filterDone  bool
	stop        atomic.Bool // the spinners stop
	loggerReads int
	spins       [2]uint64
}

const (
	readings = 12
	period   = 5e6 // ns: the sensor's period, 5 ms
)

// Run runs the workload once, on a new runtime that the caller closes
// (State.Runtime), with the recorder's trace of the run still in it.
func Run() (*State, error) {
	w := &State{}
	rt, err := rtos.New(rtos.Threads{
		Sensor: w.sensor,
		Filter: w.filter,
		Logger: w.logger,
		SpinA:  func(rt *rtos.Runtime) { w.spin(rt, 0) },
		SpinB:  func(rt *rtos.Runtime) { w.spin(rt, 1) },
		BenchA: func(*rtos.Runtime) {},
		BenchB: func(*rtos.Runtime) {},
	})
	if err != nil {
		return nil, err
	}
	w.Runtime = rt
	for _, id := range []rtos.ThreadID{rtos.Sensor, rtos.Filter, rtos.Logger, rtos.SpinA, rtos.SpinB} {
		if err := rt.Activate(id); err != nil {
			return nil, err
		}
	}
	if err := rt.Run(); err != nil {
		return nil, err
	}
	return w, nil
}

// sensor sends a reading every period, then closes the queue.
func (w *State) sensor(rt *rtos.Runtime) {
	for i := range readings {
		if err := rt.Sleep(period); err != nil {
			panic(err)
		}
		if err := rt.Readings().Send(i, rtos.Forever); err != nil {
			panic(err)
		}
		w.Sent++
		if w.Sent == readings-4 {
			w.stop.Store(true) // the last periods leave the runner idle
		}
	}
	rt.Readings().Close()
}

// filter folds the readings into the totals under the mutex.
func (w *State) filter(rt *rtos.Runtime) {
	for {
		v, err := rt.Readings().Receive(rtos.Forever)
		if err != nil {
			break // closed and drained
		}
		if err := rt.Totals().Lock(); err != nil {
			panic(err)
		}
		w.Sum += v
		w.Count++
		rt.Totals().Unlock()
	}
	w.filterDone = true
}

// logger reads the totals every 3 ms until the filter is done.
func (w *State) logger(rt *rtos.Runtime) {
	for {
		rt.Totals().Lock()
		done := w.filterDone
		w.loggerReads++
		rt.Totals().Unlock()
		if done {
			break
		}
		rt.Sleep(3e6)
	}
}

// spin gives the other spinner one turn, then computes without yielding
// until the sensor says stop: only its time slice (or a more urgent
// thread) takes the CPU from it.
func (w *State) spin(rt *rtos.Runtime, i int) {
	rt.Yield()
	for !w.stop.Load() {
		w.spins[i]++
	}
}

package tracing

import (
	"sync/atomic"

	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/rtos"
)

// The workload of the tracing example (generated_examples/tracing), which
// TestTraceOfTheWorkload and TestGoTracerRegions trace. Its thread bodies
// must be in this package: the time slices preempt only the package that
// holds a body.

// workload is the mixed scenario's state.
type workload struct {
	rt               *rtos.Runtime
	sent, count, sum int
	filterDone       bool
	stop             atomic.Bool // the spinners stop
	loggerReads      int
	spins            [2]uint64
}

const (
	readings = 12
	period   = 5e6 // ns: the sensor's period, 5 ms
)

// runWorkload runs the scenario once.
func runWorkload() (*workload, error) {
	w := &workload{}
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
	w.rt = rt
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
func (w *workload) sensor(rt *rtos.Runtime) {
	for i := range readings {
		if err := rt.Sleep(period); err != nil {
			panic(err)
		}
		if err := rt.Readings().Send(i, rtos.Forever); err != nil {
			panic(err)
		}
		w.sent++
		if w.sent == readings-4 {
			w.stop.Store(true) // the last periods leave the runner idle
		}
	}
	rt.Readings().Close()
}

// filter folds the readings into the totals under the mutex.
func (w *workload) filter(rt *rtos.Runtime) {
	for {
		v, err := rt.Readings().Receive(rtos.Forever)
		if err != nil {
			break // closed and drained
		}
		if err := rt.Totals().Lock(); err != nil {
			panic(err)
		}
		w.sum += v
		w.count++
		rt.Totals().Unlock()
	}
	w.filterDone = true
}

// logger reads the totals every 3 ms until the filter is done.
func (w *workload) logger(rt *rtos.Runtime) {
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
func (w *workload) spin(rt *rtos.Runtime, i int) {
	rt.Yield()
	for !w.stop.Load() {
		w.spins[i]++
	}
}

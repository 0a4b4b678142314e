// Command tracing runs the runtime generated from configs/tracing.yaml: a
// mixed workload (a periodic sensor, a filter fed through a queue, a logger
// that shares totals with it under a ceiling mutex, two spinners that never
// yield and lose the CPU when their time slice ends), then writes the
// switch recorder's trace with WriteTrace and prints what it shows.
//
//	go run ./generated_examples/tracing -trace trace.json
//	go run ./cmd/gthreadgen trace -o timeline.html trace.json
//
// Open trace.json in the Perfetto UI (ui.perfetto.dev, "Open trace file")
// or chrome://tracing, or timeline.html in any browser.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/tracing.yaml -out rtos

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/rtos"
)

func main() {
	out := flag.String("trace", "", "the trace `file` to write (default: trace.json in a new temporary directory)")
	flag.Parse()
	if *out == "" {
		dir, err := os.MkdirTemp("", "tracing")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*out = filepath.Join(dir, "trace.json")
	}
	w, err := runWorkload()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.Create(*out)
	if err == nil {
		err = w.rt.WriteTrace(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "trace written to %s\n", *out)
	// Only deterministic facts go to stdout (expected_output.txt).
	fmt.Printf("readings: %d, sum %d, filtered %d\n", w.sent, w.sum, w.count)
	st := w.rt.Stats()
	for _, t := range st.Threads[:rtos.BenchA] {
		busy := "ran"
		if t.CPUTime <= 0 {
			busy = "did not run"
		}
		preempted := ""
		if t.Preemptions > 0 {
			preempted = ", preempted by its time slice"
		}
		fmt.Printf("%-7s priority %d: %s%s\n", t.Name, t.Priority, busy, preempted)
	}
	causes, err := causesIn(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, c := range []string{"yield", "slice end", "preempted by wake", "blocked", "exit"} {
		fmt.Printf("a running interval ended by %-19s %v\n", c+":", slices.Contains(causes, c))
	}
}

// traceFile is the part of the trace-event format this program reads.
type traceFile struct {
	TraceEvents []struct {
		Name string         `json:"name"`
		Ph   string         `json:"ph"`
		Args map[string]any `json:"args"`
	} `json:"traceEvents"`
}

func readTrace(path string) (*traceFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tr traceFile
	if err := json.Unmarshal(data, &tr); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &tr, nil
}

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

// causesIn lists how the running intervals in a trace file ended.
func causesIn(path string) ([]string, error) {
	tr, err := readTrace(path)
	if err != nil {
		return nil, err
	}
	var causes []string
	for _, e := range tr.TraceEvents {
		if e.Ph == "X" && e.Name == "running" {
			end, _ := e.Args["end"].(string)
			if strings.HasPrefix(end, "blocked: ") {
				end = "blocked"
			}
			if !slices.Contains(causes, end) {
				causes = append(causes, end)
			}
		}
	}
	slices.Sort(causes)
	return causes, nil
}

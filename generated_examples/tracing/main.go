// Command tracing runs the runtime generated from configs/tracing.yaml: the
// mixed workload of package workload (a periodic sensor, a filter fed
// through a queue, a logger that shares totals with it under a ceiling
// mutex, two spinners that never yield and lose the CPU when their time
// slice ends), then writes the switch recorder's trace with WriteTrace and
// prints what it shows.
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

	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/rtos"
	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/workload"
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
	w, err := workload.Run()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.Create(*out)
	if err == nil {
		err = w.Runtime.WriteTrace(f)
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
	fmt.Printf("readings: %d, sum %d, filtered %d\n", w.Sent, w.Sum, w.Count)
	st := w.Runtime.Stats()
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

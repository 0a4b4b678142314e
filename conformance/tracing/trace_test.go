package tracing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/rtos"
	"github.com/gthreadgen/gthreadgen/generated_examples/tracing/workload"
	"github.com/gthreadgen/gthreadgen/internal/cli"
	"github.com/gthreadgen/gthreadgen/internal/timeline"
)

// event is one trace event as the trace-event format defines it.
type event struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Cat  string         `json:"cat"`
	Ts   *float64       `json:"ts"`
	Dur  *float64       `json:"dur"`
	Pid  *int           `json:"pid"`
	Tid  *int           `json:"tid"`
	ID   any            `json:"id"`
	S    string         `json:"s"`
	Args map[string]any `json:"args"`
}

type traceDoc struct {
	TraceEvents     []event        `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit"`
	OtherData       map[string]any `json:"otherData"`
}

// writeTrace runs WriteTrace into a buffer and decodes it strictly.
func writeTrace(t *testing.T, rt *rtos.Runtime) ([]byte, *traceDoc) {
	t.Helper()
	var b bytes.Buffer
	if err := rt.WriteTrace(&b); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
	dec.DisallowUnknownFields()
	var doc traceDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("the trace is not well-formed trace-event JSON: %v\n%.2000s", err, b.String())
	}
	return b.Bytes(), &doc
}

// validate checks the trace-event format's rules that the viewers rely on:
// known phases with their required fields, every B with its E, X slices
// in time order per track, no overlapping running slices on the runner's
// one CPU, every flow start with its finish (same cat and id), thread
// names for every track used.
func validate(t *testing.T, doc *traceDoc) {
	t.Helper()
	named := map[int]bool{}
	lastX := map[int]float64{}
	open := map[int]int{}
	flows := map[string]int{}
	type span struct{ a, z float64 }
	var running []span
	for i, e := range doc.TraceEvents {
		if e.Pid == nil || e.Tid == nil {
			t.Fatalf("event %d (%s) has no pid or tid", i, e.Name)
		}
		tid := *e.Tid
		if e.Ph != "M" && (e.Ts == nil || math.IsNaN(*e.Ts) || *e.Ts < 0) {
			t.Fatalf("event %d (%s %s) has no valid ts", i, e.Ph, e.Name)
		}
		switch e.Ph {
		case "M":
			if e.Name == "thread_name" {
				named[tid] = true
			}
		case "X":
			if e.Dur == nil || *e.Dur < 0 {
				t.Fatalf("X event %d (%s) without a valid dur", i, e.Name)
			}
			if *e.Ts < lastX[tid] {
				t.Errorf("track %d: X %s at %.3f starts before the previous one ended (%.3f)", tid, e.Name, *e.Ts, lastX[tid])
			}
			lastX[tid] = *e.Ts + *e.Dur - 0.0015 // rounding of ts and dur to ns
			if e.Name == "running" {
				running = append(running, span{*e.Ts, *e.Ts + *e.Dur})
			}
		case "B":
			open[tid]++
		case "E":
			if open[tid]--; open[tid] < 0 {
				t.Errorf("track %d: E without B at %.3f", tid, *e.Ts)
			}
		case "i":
		case "s", "f":
			if e.ID == nil || e.Cat == "" {
				t.Errorf("flow event %d without id or cat", i)
			}
			k := fmt.Sprint(e.Cat, "/", e.ID)
			if e.Ph == "s" {
				flows[k]++
			} else {
				flows[k]--
			}
		default:
			t.Errorf("event %d: unexpected phase %q", i, e.Ph)
		}
		if e.Ph != "M" && !named[tid] {
			t.Errorf("event %d on track %d, which has no thread_name", i, tid)
		}
	}
	for tid, n := range open {
		if n != 0 {
			t.Errorf("track %d: %d B events without E", tid, n)
		}
	}
	for k, n := range flows {
		if n != 0 {
			t.Errorf("flow %s: starts and finishes do not pair up (%d)", k, n)
		}
	}
	// One CPU: running slices of different threads never overlap.
	for i := range running {
		for j := range i {
			a, b := running[i], running[j]
			if a.a < b.z-0.0015 && b.a < a.z-0.0015 {
				t.Errorf("running slices overlap: [%.3f, %.3f] and [%.3f, %.3f]", a.a, a.z, b.a, b.z)
			}
		}
	}
}

func TestTraceOfTheWorkload(t *testing.T) {
	w, err := workload.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Runtime.Close()
	raw, doc := writeTrace(t, w.Runtime)
	validate(t, doc)
	if doc.OtherData["dropped"] != 0.0 {
		t.Errorf("the workload's trace dropped %v events; the ring holds 4096", doc.OtherData["dropped"])
	}
	ends := map[string]int{}
	names := map[string]int{}
	flows := 0
	for _, e := range doc.TraceEvents {
		names[e.Ph+" "+e.Name]++
		if e.Ph == "X" && e.Name == "running" {
			end, _ := e.Args["end"].(string)
			ends[end]++
		}
		if e.Ph == "s" {
			flows++
		}
	}
	for _, c := range []string{"yield", "slice end", "preempted by wake", "exit", "blocked: sleep", "blocked: queue readings (receive: empty)"} {
		if ends[c] == 0 {
			t.Errorf("no running interval ended by %q; ends: %v", c, ends)
		}
	}
	for _, n := range []string{"X ready", "X blocked", "X idle", "i wake", "i activate"} {
		if names[n] == 0 {
			t.Errorf("no %q event", n)
		}
	}
	if flows == 0 {
		t.Error("no flow from a waker to a woken thread")
	}
	// Per-thread accounting agrees with the trace's shape.
	st := w.Runtime.Stats()
	for _, id := range []rtos.ThreadID{rtos.Sensor, rtos.Filter, rtos.Logger, rtos.SpinA, rtos.SpinB} {
		ts := st.Threads[id]
		if ts.CPUTime <= 0 || ts.MaxWait < 0 || ts.ReadyTime < ts.MaxWait {
			t.Errorf("%s: CPU %v, ready %v, longest wait %v", ts.Name, ts.CPUTime, ts.ReadyTime, ts.MaxWait)
		}
	}
	if st.Threads[rtos.SpinA].Preemptions == 0 || st.Threads[rtos.SpinB].Preemptions == 0 {
		t.Errorf("spinners preempted %d and %d times, want both > 0", st.Threads[rtos.SpinA].Preemptions, st.Threads[rtos.SpinB].Preemptions)
	}
	if st.Threads[rtos.Sensor].Preemptions != 0 {
		t.Errorf("sensor preempted %d times by its slice; it always sleeps first", st.Threads[rtos.Sensor].Preemptions)
	}
	// The spinners ran most of the first ~40 ms.
	if spin := st.Threads[rtos.SpinA].CPUTime + st.Threads[rtos.SpinB].CPUTime; spin < 20e6 {
		t.Errorf("spinners ran %v in all", spin)
	}
	checkTracks(t, doc, st)

	// gthreadgen trace turns it into the offline timeline.
	dir := t.TempDir()
	in, out := filepath.Join(dir, "trace.json"), filepath.Join(dir, "timeline.html")
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := cli.Main([]string{"trace", "-o", out, in}, &stderr, &stderr); code != 0 {
		t.Fatalf("gthreadgen trace: exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"sensor", "spin_a", "runner (idle)"} {
		if !bytes.Contains(page, []byte(n)) {
			t.Errorf("the timeline does not name %s", n)
		}
	}
	tr, err := timeline.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := timeline.Build(tr, "tracing")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Flows) != flows {
		t.Errorf("the timeline has %d flows, the trace %d", len(m.Flows), flows)
	}
}

// checkTracks holds a complete trace (nothing dropped) against the Stats
// of the same Run, thread by thread, through the tracks' thread_name: each
// thread's track has one running interval per switch to it, one ended by
// "slice end" per preemption, and one exit instant per activation; its
// running and ready intervals add up to its CPUTime and ReadyTime (the same
// clock reads; allowed: 1% and 1 µs per interval for the rounding and the
// tick rate measured at another moment). So a trace that puts a thread's
// events on another's track, or accounting that charges one thread's time
// to another, fails.
func checkTracks(t *testing.T, doc *traceDoc, st rtos.Stats) {
	t.Helper()
	type track struct {
		running, slices, exits int
		cpu, ready             float64 // µs
	}
	names := map[int]string{}
	tracks := map[string]*track{}
	for _, e := range doc.TraceEvents {
		if e.Ph == "M" && e.Name == "thread_name" {
			name, _ := e.Args["name"].(string)
			names[*e.Tid] = name
			tracks[name] = &track{}
			continue
		}
		tr := tracks[names[*e.Tid]]
		if tr == nil {
			continue // validate reports events on unnamed tracks
		}
		switch {
		case e.Ph == "X" && e.Name == "running":
			tr.running++
			tr.cpu += *e.Dur
			if e.Args["end"] == "slice end" {
				tr.slices++
			}
		case e.Ph == "X" && e.Name == "ready":
			tr.ready += *e.Dur
		case e.Ph == "i" && e.Name == "exit":
			tr.exits++
		}
	}
	near := func(traced float64, stat time.Duration, intervals int) bool {
		us := float64(stat) / 1e3
		return math.Abs(traced-us) <= us/100+float64(intervals)+1
	}
	for _, ts := range st.Threads {
		tr := tracks[ts.Name]
		if tr == nil {
			t.Errorf("%s: no track named after it", ts.Name)
			continue
		}
		if uint64(tr.running) != ts.Switches || uint64(tr.slices) != ts.Preemptions || uint64(tr.exits) != ts.Activations {
			t.Errorf("%s's track: %d running intervals, %d ended by a slice, %d exits; Stats: %d switches, %d preemptions, %d activations",
				ts.Name, tr.running, tr.slices, tr.exits, ts.Switches, ts.Preemptions, ts.Activations)
		}
		if !near(tr.cpu, ts.CPUTime, tr.running) || !near(tr.ready, ts.ReadyTime, tr.running) {
			t.Errorf("%s's track: running %.3f µs, ready %.3f µs; Stats: CPUTime %v, ReadyTime %v",
				ts.Name, tr.cpu, tr.ready, ts.CPUTime, ts.ReadyTime)
		}
	}
}

// TestRingWraps: more events than the ring holds keep the newest and
// count the rest.
func TestRingWraps(t *testing.T) {
	const yields = 5000
	body := func(rt *rtos.Runtime) {
		for range yields {
			rt.Yield()
		}
	}
	rt, err := rtos.New(rtos.Threads{BenchA: body, BenchB: body,
		Sensor: func(*rtos.Runtime) {}, Filter: func(*rtos.Runtime) {}, Logger: func(*rtos.Runtime) {},
		SpinA: func(*rtos.Runtime) {}, SpinB: func(*rtos.Runtime) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rt.Activate(rtos.BenchA)
	rt.Activate(rtos.BenchB)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	_, doc := writeTrace(t, rt)
	validate(t, doc)
	recorded, _ := doc.OtherData["recorded"].(float64)
	dropped, _ := doc.OtherData["dropped"].(float64)
	// 2 activations, 2*yields switches, 2 exits (the last to the runner), Run's end.
	if want := float64(2 + 2*yields + 1 + 1); recorded < want {
		t.Errorf("recorded %v events, want at least %v", recorded, want)
	}
	if dropped != recorded-4096 {
		t.Errorf("dropped %v of %v events; the ring holds 4096", dropped, recorded)
	}
	marked := false
	for _, e := range doc.TraceEvents {
		marked = marked || e.Ph == "i" && e.Name == "dropped"
	}
	if !marked {
		t.Error("no instant says that events were dropped")
	}
	// WriteTrace from another goroutine during Run is refused.
	var during error
	rt2, _ := rtos.New(rtos.Threads{BenchA: func(rt *rtos.Runtime) {
		done := make(chan error)
		go func() { done <- rt.WriteTrace(&bytes.Buffer{}) }()
		during = <-done
	}, BenchB: body, Sensor: body, Filter: body, Logger: body, SpinA: body, SpinB: body})
	defer rt2.Close()
	rt2.Activate(rtos.BenchA)
	if err := rt2.Run(); err != nil {
		t.Fatal(err)
	}
	if during != rtos.ErrRunning {
		t.Errorf("WriteTrace from another goroutine during Run: %v, want ErrRunning", during)
	}
}

// TestGoTracerRegions: while runtime/trace is on, every running interval
// of a green thread is a user region named after the thread.
func TestGoTracerRegions(t *testing.T) {
	var b bytes.Buffer
	if err := trace.Start(&b); err != nil {
		t.Skipf("the execution tracer is busy: %v", err)
	}
	w, err := workload.Run()
	trace.Stop()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Runtime.Close()
	// The region types are strings of the trace's string table.
	for _, name := range []string{"sensor", "filter", "logger", "spin_a", "spin_b"} {
		if !bytes.Contains(b.Bytes(), []byte(name)) {
			t.Errorf("the execution trace has no region named %s", name)
		}
	}
	if strings.Contains(b.String(), "bench_a") {
		t.Error("a region for bench_a, which never ran")
	}
	// The names above also occur in the trace as parts of function names
	// ((*State).sensor, ...), so only spin_a and spin_b were really
	// looked for: count the regions themselves, as go tool trace parses
	// them. Each thread that ran has a region per switch to it (at least:
	// exactly, unless the parser restarts regions at a generation boundary
	// of the trace), each begun region ends, and a thread that never ran
	// has none.
	file := filepath.Join(t.TempDir(), "trace.out")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(suite.GoTool(), "tool", "trace", "-d=parsed", file).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool trace -d=parsed: %v\n%.2000s", err, out)
	}
	begins, ends := map[string]uint64{}, map[string]uint64{}
	for _, m := range regexp.MustCompile(`(?m) Region(Begin|End) .*Type="([^"]*)"`).FindAllStringSubmatch(string(out), -1) {
		if m[1] == "Begin" {
			begins[m[2]]++
		} else {
			ends[m[2]]++
		}
	}
	switches := map[string]uint64{}
	for _, ts := range w.Runtime.Stats().Threads {
		if ts.Switches > 0 {
			switches[ts.Name] = ts.Switches
		}
	}
	ok := maps.Equal(begins, ends) && len(begins) == len(switches)
	for name, n := range switches {
		ok = ok && begins[name] >= n
	}
	if !ok {
		t.Errorf("regions begun per name %v, ended %v; want one per switch to each thread that ran: %v", begins, ends, switches)
	}
}

// blockingWriter blocks its first Write until release is closed.
type blockingWriter struct {
	writing chan struct{} // closed at the first Write
	release chan struct{}
	once    sync.Once
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.writing) })
	<-w.release
	return len(p), nil
}

// TestWriteTraceHoldsOffRun: a Run that starts while another goroutine's
// WriteTrace reads the ring waits until it has written, so the two never
// touch the ring at once (the check of a running Run and the read are one
// step under the lifecycle lock).
func TestWriteTraceHoldsOffRun(t *testing.T) {
	var started atomic.Bool
	body := func(rt *rtos.Runtime) { started.Store(true) }
	rt, err := rtos.New(rtos.Threads{Sensor: body, Filter: body, Logger: body, SpinA: body, SpinB: body, BenchA: body, BenchB: body})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if err := rt.Activate(rtos.BenchA); err != nil {
		t.Fatal(err)
	}
	w := &blockingWriter{writing: make(chan struct{}), release: make(chan struct{})}
	wrote := make(chan error)
	go func() { wrote <- rt.WriteTrace(w) }()
	<-w.writing
	ran := make(chan error)
	go func() { ran <- rt.Run() }()
	time.Sleep(20 * time.Millisecond) // time for Run to start, if it could
	if started.Load() {
		t.Error("a thread ran while WriteTrace was writing the ring")
	}
	close(w.release)
	if err := <-wrote; err != nil {
		t.Errorf("WriteTrace: %v", err)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}
	if !started.Load() {
		t.Error("no thread ran after WriteTrace returned")
	}
}

// Package timeline turns a trace in the Chrome trace-event format (what a
// generated runtime's WriteTrace writes, and what the Perfetto UI and
// chrome://tracing open) into one self-contained HTML page: an SVG timeline
// with a lane per thread, intervals coloured by state, a tooltip on every
// interval and event, arrows from waker to woken, and zoom by time range.
// The page loads nothing from anywhere: it opens offline.
package timeline

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

// Event is one trace event (the fields of the trace-event format this
// package reads).
type Event struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Cat  string         `json:"cat,omitempty"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	ID   any            `json:"id,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// Trace is a trace file: the object form, or a bare array of events.
type Trace struct {
	TraceEvents     []Event        `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit,omitempty"`
	OtherData       map[string]any `json:"otherData,omitempty"`
}

// Parse reads a trace in either form.
func Parse(data []byte) (*Trace, error) {
	data = bytes.TrimSpace(data)
	var t Trace
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &t.TraceEvents); err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		return &t, nil
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if t.TraceEvents == nil {
		return nil, fmt.Errorf("trace: no traceEvents")
	}
	return &t, nil
}

// Lane is one thread's row.
type Lane struct {
	Tid   int
	Name  string
	Spans []Span
	Marks []Mark
}

// Span is an interval of a lane.
type Span struct {
	Start, End float64 // µs from the trace's start
	State      string  // the event's name: running, ready, blocked, idle, ...
	Tip        string
}

// Mark is an instant of a lane.
type Mark struct {
	At   float64
	Name string
	Tip  string
}

// Flow is an arrow from one lane to another (who woke whom).
type Flow struct {
	From, To     int // lane indexes
	Start, End   float64
	Name, Detail string
}

// Model is what the page draws.
type Model struct {
	Title    string
	Duration float64 // µs
	Lanes    []Lane
	Flows    []Flow
	States   []string // the states present, for the legend
}

// Build lays the trace out: one lane per thread (named by thread_name
// metadata, in thread_sort_index or tid order), times relative to the first
// event.
func Build(t *Trace, title string) (*Model, error) {
	names := map[int]string{}
	order := map[int]float64{}
	t0, t1 := math.Inf(1), math.Inf(-1)
	for _, e := range t.TraceEvents {
		switch e.Ph {
		case "M":
			switch e.Name {
			case "thread_name":
				if n, ok := e.Args["name"].(string); ok {
					names[e.Tid] = n
				}
			case "thread_sort_index":
				if n, ok := e.Args["sort_index"].(float64); ok {
					order[e.Tid] = n
				}
			}
			continue
		case "X", "i", "I", "s", "f", "t":
		default:
			continue
		}
		t0 = min(t0, e.Ts)
		t1 = max(t1, e.Ts+e.Dur)
	}
	if math.IsInf(t0, 1) {
		return nil, fmt.Errorf("trace: no events to draw")
	}
	m := &Model{Title: title, Duration: max(t1-t0, 1)}
	lane := map[int]int{}
	var tids []int
	addLane := func(tid int) {
		if _, ok := lane[tid]; !ok {
			lane[tid] = -1
			tids = append(tids, tid)
		}
	}
	for tid := range names {
		addLane(tid)
	}
	for _, e := range t.TraceEvents {
		if e.Ph == "X" || e.Ph == "i" || e.Ph == "I" {
			addLane(e.Tid)
		}
	}
	slices.SortFunc(tids, func(a, b int) int {
		oa, okA := order[a]
		ob, okB := order[b]
		if okA && okB && oa != ob {
			return cmp.Compare(oa, ob)
		}
		return cmp.Compare(a, b)
	})
	for i, tid := range tids {
		lane[tid] = i
		name := names[tid]
		if name == "" {
			name = fmt.Sprintf("tid %d", tid)
		}
		m.Lanes = append(m.Lanes, Lane{Tid: tid, Name: name})
	}
	states := map[string]bool{}
	flows := map[string]Flow{}
	var flowKeys []string
	for _, e := range t.TraceEvents {
		at := e.Ts - t0
		switch e.Ph {
		case "X":
			l := &m.Lanes[lane[e.Tid]]
			l.Spans = append(l.Spans, Span{at, at + e.Dur, e.Name,
				fmt.Sprintf("%s: %s\n%s – %s (%s)%s", l.Name, e.Name, us(at), us(at+e.Dur), us(e.Dur), args(e.Args))})
			states[e.Name] = true
		case "i", "I":
			l := &m.Lanes[lane[e.Tid]]
			l.Marks = append(l.Marks, Mark{at, e.Name, fmt.Sprintf("%s: %s at %s%s", l.Name, e.Name, us(at), args(e.Args))})
		case "s", "f":
			key := fmt.Sprint(e.Cat, "/", e.ID)
			f, ok := flows[key]
			if !ok {
				flowKeys = append(flowKeys, key)
				f = Flow{From: -1, To: -1, Name: e.Name}
			}
			li, known := lane[e.Tid]
			if !known {
				continue
			}
			if e.Ph == "s" {
				f.From, f.Start = li, at
			} else {
				f.To, f.End = li, at
			}
			if d := args(e.Args); d != "" {
				f.Detail += d
			}
			flows[key] = f
		}
	}
	for _, k := range flowKeys {
		if f := flows[k]; f.From >= 0 && f.To >= 0 {
			m.Flows = append(m.Flows, f)
		}
	}
	for _, l := range m.Lanes {
		slices.SortFunc(l.Spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	for s := range states {
		m.States = append(m.States, s)
	}
	slices.SortFunc(m.States, func(a, b string) int { return cmp.Compare(stateRank(a), stateRank(b)) })
	return m, nil
}

func stateRank(s string) string {
	switch s {
	case "running":
		return "0"
	case "ready":
		return "1"
	case "blocked":
		return "2"
	case "idle":
		return "3"
	}
	return "4" + s
}

func us(v float64) string {
	switch {
	case math.Abs(v) >= 1e6:
		return fmt.Sprintf("%.3f s", v/1e6)
	case math.Abs(v) >= 1e3:
		return fmt.Sprintf("%.3f ms", v/1e3)
	}
	return fmt.Sprintf("%.3f µs", v)
}

func args(a map[string]any) string {
	if len(a) == 0 {
		return ""
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(a)) {
		fmt.Fprintf(&b, "\n%s: %v", k, a[k])
	}
	return b.String()
}

// Colour is the fill of a state.
func Colour(state string) string {
	switch state {
	case "running":
		return "#2e7d32"
	case "ready":
		return "#f9a825"
	case "blocked":
		return "#9e9e9e"
	case "idle":
		return "#90caf9"
	}
	h := 0
	for _, c := range state {
		h = h*31 + int(c)
	}
	return fmt.Sprintf("hsl(%d, 55%%, 55%%)", (h%360+360)%360)
}

//go:embed page.html
var pageText string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"colour": Colour,
	"sub":    func(a, b float64) float64 { return a - b },
	"mod2":   func(i int) int { return i % 2 },
}).Parse(pageText))

// Write renders the page.
func Write(w io.Writer, m *Model) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return page.Execute(w, struct {
		*Model
		JSON template.JS
	}{m, template.JS(data)})
}

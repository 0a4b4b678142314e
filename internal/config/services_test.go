package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The services cases join goodTests and errorTests in init, so that they
// also seed FuzzParse.
func init() {
	goodTests = append(goodTests, goodTest{
		name: "services",
		in: `package: rtos
threads:
  - {name: low, priority: 1}
  - {name: high, priority: 5}
services:
  semaphores:
    - {name: slots, initial: 2}
    - name: empty
  mutexes:
    - name: bus
      users: [low, high]
  queues:
    - name: jobs
      capacity: 8
      type: "struct{ ID int;  V [2]float64 }"
  events:
    - {name: alarms, initial: 0xff}
`,
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "rtos", Arch: []string{"amd64"}, StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{
				{Name: "low", Ident: "Low", Priority: 1, Stack: DefaultStack, Autostart: true},
				{Name: "high", Ident: "High", Priority: 5, Stack: DefaultStack, Autostart: true},
			},
			Services: Services{
				Sleep:      true,
				Semaphores: []Semaphore{{"slots", "Slots", 2}, {"empty", "Empty", 0}},
				Mutexes:    []Mutex{{"bus", "Bus", []string{"low", "high"}}},
				Queues:     []Queue{{"jobs", "Jobs", 8, "struct{ID int; V [2]float64}"}},
				Events:     []Event{{"alarms", "Alarms", 0xff}},
			},
		},
	}, goodTest{
		name: "sleep only",
		in:   "package: rtos\nthreads: [{name: a}]\nservices: {sleep: true}\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "rtos", Arch: []string{"amd64"}, StackDefault: DefaultStack, Guard: true,
			Threads:  []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
			Services: Services{Sleep: true},
		},
	})
	errorTests = append(errorTests, []errorTest{
		{"services section", "package: x\n" + threadsOK + "services: {sleep: maybe, semaphore: []}\n", nil, []string{
			`rtos.yaml:3:19: services.sleep: must be true or false, got "maybe"`,
			`rtos.yaml:3:26: services.semaphore: unknown field "semaphore"; did you mean "semaphores"?`}},
		{"timers", `package: x
threads: [{name: ticker}]
services:
  timers:
    - {name: t1, thread: ticker}
    - {name: t2, period: 10us, thread: tickr}
    - {name: t3, period: 1ms, one_shot: sometimes}
`, nil, []string{
			`rtos.yaml:5:7: services.timers[0].period: is required: a duration from 100µs to 24h such as 10ms`,
			`rtos.yaml:6:26: services.timers[1].period: must be a duration from 100µs to 24h such as 10ms, got 10µs`,
			`rtos.yaml:6:40: services.timers[1].thread: no thread is named "tickr"; did you mean "ticker"?`,
			`rtos.yaml:7:7: services.timers[2].thread: is required: the thread that runs the callback, in ServeTimers`,
			`rtos.yaml:7:41: services.timers[2].one_shot: must be true or false, got "sometimes"`}},
		{"idle hook and thread_local", "package: x\n" + threadsOK + "services: {idle_hook: 2, thread_local: \"map[int]int\"}\n", nil, []string{
			`rtos.yaml:3:23: services.idle_hook: must be true or false, got 2`,
			`rtos.yaml:3:40: services.thread_local: maps are not allowed: only predeclared types, arrays of a constant length and structs of them are allowed, got "map[int]int"`}},
		{"scheduler flags", "package: x\n" + threadsOK + "scheduler: {suspend: 1, set_priority: maybe}\n", nil, []string{
			`rtos.yaml:3:22: scheduler.suspend: must be true or false, got 1`,
			`rtos.yaml:3:39: scheduler.set_priority: must be true or false, got "maybe"`}},
		{"from_goroutines without objects", "package: x\n" + threadsOK + "services: {from_goroutines: true, mutexes: [{name: m, users: [a]}]}\n", nil, []string{
			`rtos.yaml:3:29: services.from_goroutines: must be false when no semaphore, queue or event is declared (nothing to post to), got true`}},
		{"service names", `package: x
threads: [{name: a}, {name: runner}]
services:
  semaphores:
    - {name: a}
    - {name: Slots}
    - {initial: 1}
    - {name: runner_, initial: -1}
  events:
    - {name: runtime}
    - {name: ev, initial: 0x100000000}
  mutexes:
    - {name: ev, users: [a]}
`, nil, []string{
			`rtos.yaml:5:14: services.semaphores[0].name: name "a" gives the Go identifier A, already used by thread "a"`,
			`rtos.yaml:6:14: services.semaphores[1].name: must start with a lowercase letter and contain only lowercase letters, digits and underscores (it is turned into Go identifiers), got "Slots"`,
			`rtos.yaml:7:7: services.semaphores[2].name: is required`,
			`rtos.yaml:8:14: services.semaphores[3].name: name "runner_" gives the Go identifier Runner, already used by thread "runner"`,
			`rtos.yaml:8:32: services.semaphores[3].initial: must be an integer from 0 to 1073741824, got -1`,
			`rtos.yaml:10:14: services.events[0].name: name "runtime" becomes the Go identifier Runtime, which the generated API already declares; pick another name`,
			`rtos.yaml:11:14: services.events[1].name: name "ev" gives the Go identifier Ev, already used by services.mutexes[0] (line 13)`,
			`rtos.yaml:11:27: services.events[1].initial: must be an integer from 0 to 4294967295, got 4294967296`}},
		{"service names that are not strings", `package: x
threads: [{name: a}]
services:
  semaphores: [{name: 3}]
  mutexes: [{name: [m], users: [a]}]
  queues: [{name: {q: 1}, capacity: 1, type: int}]
  events: [{name: true}]
  timers: [{name: 1.5, period: 1ms, thread: a}]
`, nil, []string{
			`rtos.yaml:4:23: services.semaphores[0].name: must be a semaphore name such as slots, got 3`,
			`rtos.yaml:5:20: services.mutexes[0].name: must be a mutex name such as bus, got a list`,
			`rtos.yaml:6:19: services.queues[0].name: must be a queue name such as jobs, got a mapping`,
			`rtos.yaml:7:19: services.events[0].name: must be an events name such as alarms, got true`,
			`rtos.yaml:8:19: services.timers[0].name: must be a timer name such as tick, got 1.5`}},
		{"mutex users", `package: x
threads: [{name: ping}, {name: pong}]
services:
  mutexes:
    - {name: m1}
    - {name: m2, users: []}
    - {name: m3, users: [ping, pong, ping, pnog, 7]}
    - {name: m4, users: ping}
`, nil, []string{
			`rtos.yaml:5:7: services.mutexes[0].users: is required: the threads that lock this mutex, such as [a, b]`,
			`rtos.yaml:6:25: services.mutexes[1].users: must be a non-empty list of thread names, got a list`,
			`rtos.yaml:7:38: services.mutexes[2].users[2]: duplicate user "ping" (first at line 7, column 26)`,
			`rtos.yaml:7:44: services.mutexes[2].users[3]: no thread is named "pnog"; did you mean "ping"?`,
			`rtos.yaml:7:50: services.mutexes[2].users[4]: must be a thread name, got 7`,
			`rtos.yaml:8:25: services.mutexes[3].users: must be a non-empty list of thread names, got "ping"`}},
		{"queues", queuesIn + `    - {name: q1}
    - {name: q2, capacity: 0, type: int}
    - {name: q3, capacity: 65537, type: "[]int"}
    - {name: q4, capacity: 1, type: "*int"}
    - {name: q5, capacity: 1, type: "map[string]int"}
    - {name: q6, capacity: 1, type: "struct{ id int }"}
    - {name: q7, capacity: 1, type: "error"}
    - {name: q8, capacity: 1, type: "[n]int"}
    - {name: q9, capacity: 1, type: "int)"}
    - {name: q10, capacity: 1, type: "struct{ A chan int }"}
    - {name: q11, capacity: 1, type: "[1000000]byte"}
    - {name: q12, capacity: 65536, type: "[65536]byte"}
`, nil, []string{
			`rtos.yaml:5:7: services.queues[0].capacity: is required: an integer from 1 to 65536`,
			`rtos.yaml:5:7: services.queues[0].type: is required: the element type, such as int or "struct{ id int; v [4]float64 }"`,
			`rtos.yaml:6:28: services.queues[1].capacity: must be an integer from 1 to 65536, got 0`,
			`rtos.yaml:7:28: services.queues[2].capacity: must be an integer from 1 to 65536, got 65537`,
			`rtos.yaml:7:41: services.queues[2].type: slices are not allowed (they would allocate): only predeclared types, arrays of a constant length and structs of them are allowed, got "[]int"`,
			`rtos.yaml:8:37: services.queues[3].type: pointers are not allowed: only predeclared types, arrays of a constant length and structs of them are allowed, got "*int"`,
			`rtos.yaml:9:37: services.queues[4].type: maps are not allowed: only predeclared types, arrays of a constant length and structs of them are allowed, got "map[string]int"`,
			`rtos.yaml:10:37: services.queues[5].type: struct field id must be exported (the type is used from another package): only predeclared types, arrays of a constant length and structs of them are allowed, got "struct{ id int }"`,
			`rtos.yaml:11:37: services.queues[6].type: must be a fixed-size value type (numbers, bool, string, arrays and structs of them); interfaces such as error are not allowed, got "error"`,
			`rtos.yaml:12:37: services.queues[7].type: an array length must be an integer literal: only predeclared types, arrays of a constant length and structs of them are allowed, got "[n]int"`,
			`rtos.yaml:13:37: services.queues[8].type: must be a Go type such as int or [4]float64, got "int)" (1:4: expected 'EOF', found ')')`,
			`rtos.yaml:14:38: services.queues[9].type: channels are not allowed: only predeclared types, arrays of a constant length and structs of them are allowed, got "struct{ A chan int }"`,
			`rtos.yaml:15:38: services.queues[10].type: an array length must be at most 65536: only predeclared types, arrays of a constant length and structs of them are allowed, got "[1000000]byte"`,
			`rtos.yaml:16:42: services.queues[11].type: the queue would need 4294967296 bytes (capacity 65536 times 65536 bytes); at most 67108864 are allowed`}},
		{"service names that go vet reserves", `package: x
threads: [{name: a}]
services:
  semaphores: [{name: read_byte}, {name: unread_byte}, {name: seek}]
  events: [{name: write_to}, {name: format}, {name: unwrap}, {name: flags}]
  queues: [{name: scan, capacity: 1, type: any}]
`, nil, []string{
			`rtos.yaml:4:23: services.semaphores[0].name: name "read_byte" becomes the method Runtime.ReadByte, which go vet requires to be ReadByte() (byte, error); pick another name`,
			`rtos.yaml:4:42: services.semaphores[1].name: name "unread_byte" becomes the method Runtime.UnreadByte, which go vet requires to be UnreadByte() error; pick another name`,
			`rtos.yaml:4:63: services.semaphores[2].name: name "seek" becomes the method Runtime.Seek, which go vet requires to be Seek(int64, int) (int64, error); pick another name`,
			`rtos.yaml:5:19: services.events[0].name: name "write_to" becomes the method Runtime.WriteTo, which go vet requires to be WriteTo(io.Writer) (int64, error); pick another name`,
			`rtos.yaml:5:37: services.events[1].name: name "format" becomes the method Runtime.Format, which go vet requires to be Format(fmt.State, rune); pick another name`,
			`rtos.yaml:5:53: services.events[2].name: name "unwrap" becomes the method Runtime.Unwrap, which go vet requires to be Unwrap() error; pick another name`,
			`rtos.yaml:6:19: services.queues[0].name: name "scan" becomes the method Runtime.Scan, which go vet requires to be Scan(fmt.ScanState, rune) error; pick another name`,
			`rtos.yaml:6:44: services.queues[0].type: must be a fixed-size value type (numbers, bool, string, arrays and structs of them); interfaces such as any are not allowed, got "any"`}},
		{"integers not in decimal", `package: x
threads: [{name: a, priority: 010, stack: 040000}, {name: b, priority: 0x1f, stack: 0x4000}, {name: c, priority: 0o7, stack: 0_16000}]
services:
  semaphores: [{name: s, initial: 07}]
  queues: [{name: q, capacity: 0b11, type: int}]
  events: [{name: e, initial: 0x80000000}, {name: f, initial: 00}]
`, nil, []string{
			`rtos.yaml:2:31: threads[0].priority: must be an integer from 0 to 31 without leading zeros (YAML would read 010 as an octal number), got 010`,
			`rtos.yaml:2:43: threads[0].stack: must be a size such as 64KiB, 16 KiB or 65536 (bytes) without leading zeros (YAML would read 040000 as an octal number), got 040000`,
			`rtos.yaml:2:72: threads[1].priority: must be an integer from 0 to 31 written in decimal, got 0x1f`,
			`rtos.yaml:2:114: threads[2].priority: must be an integer from 0 to 31 written in decimal, got 0o7`,
			`rtos.yaml:2:126: threads[2].stack: must be a size such as 64KiB, 16 KiB or 65536 (bytes) without leading zeros (YAML would read 0_16000 as an octal number), got 0_16000`,
			`rtos.yaml:4:35: services.semaphores[0].initial: must be an integer from 0 to 1073741824 without leading zeros (YAML would read 07 as an octal number), got 07`,
			`rtos.yaml:5:32: services.queues[0].capacity: must be an integer from 1 to 65536 written in decimal, got 0b11`,
			`rtos.yaml:6:63: services.events[1].initial: must be an integer from 0 to 4294967295 without leading zeros (YAML would read 00 as an octal number), got 00`}},
		{"queue type too deep", queuesIn + `    - {name: q1, capacity: 1, type: "` + nested(40) + `"}
    - {name: q2, capacity: 1, type: "` + nested(16) + `"}
    - {name: q3, capacity: 1, type: "` + strings.Repeat("[1]", 17) + `int"}
`, nil, []string{
			`rtos.yaml:5:37: services.queues[0].type: must nest at most 16 arrays, structs and parentheses, got 40 levels in "struct{ X struct{ X struct{ X struct{ X ..."`,
			`rtos.yaml:7:37: services.queues[2].type: must nest at most 16 arrays, structs and parentheses, got 17 levels in "[1][1][1][1][1][1][1][1][1][1][1][1][1][..."`}},
		{"queue sizes that overflow", queuesIn + `    - {name: q1, capacity: 65536, type: "[65536][65536][65536]byte"}
    - {name: q2, capacity: 1, type: "[65536][65536][65536][65536]byte"}
    - {name: q3, capacity: 2, type: "struct{ A [65536][65536][65536][16384]byte; B [65536][65536][65536][16384]byte; C bool }"}
    - {name: q4, capacity: 65536, type: "[1024]byte"}
    - {name: q5, capacity: 1, type: "[65536][1025]byte"}
`, nil, []string{
			`rtos.yaml:5:41: services.queues[0].type: an element of this type needs more than 67108864 bytes; a queue may use at most 67108864 (capacity times element size)`,
			`rtos.yaml:6:37: services.queues[1].type: an element of this type needs more than 67108864 bytes; a queue may use at most 67108864 (capacity times element size)`,
			`rtos.yaml:7:37: services.queues[2].type: an element of this type needs more than 67108864 bytes; a queue may use at most 67108864 (capacity times element size)`,
			`rtos.yaml:9:37: services.queues[4].type: an element of this type needs more than 67108864 bytes; a queue may use at most 67108864 (capacity times element size)`}},
	}...)
}

// queuesIn starts a config whose services declare the queues on the lines
// that follow it, from line 5.
const queuesIn = "package: x\nthreads: [{name: a}]\nservices:\n  queues:\n"

// TestServicesAbsent: a config without services, or with an empty section,
// uses none.
func TestServicesAbsent(t *testing.T) {
	for _, in := range []string{"package: x\n" + threadsOK, "package: x\n" + threadsOK + "services:\n", "package: x\n" + threadsOK + "services: {sleep: false, queues: []}\n"} {
		cfg, err := Parse("rtos.yaml", []byte(in), testOpts)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if cfg.Services.Any() {
			t.Errorf("%q: services %+v, want none", in, cfg.Services)
		}
	}
}

// TestCheckType: accepted element types come back normalized.
func TestCheckType(t *testing.T) {
	for in, want := range map[string]string{
		"int": "int", "[4]float64": "[4]float64", "struct{A int; B [2]struct{C string}}": "struct{A int; B [2]struct{C string}}",
		"(uint8)": "(uint8)", "[0x10]bool": "[0x10]bool", "struct{}": "struct{}", "[2][3]complex128": "[2][3]complex128",
	} {
		got, msg := checkType(in)
		if msg != "" || got != want {
			t.Errorf("checkType(%q) = %q, %q; want %q", in, got, msg, want)
		}
	}
	_, err := Parse("rtos.yaml", []byte("package: x\n"+threadsOK+"services: {queues: [{name: q, capacity: 1, type: any}]}\n"), testOpts)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("type any: %v", err)
	}
	if diff := cmp.Diff("services.queues[0].type", list[0].Path); diff != "" {
		t.Error(diff)
	}
}

// nested returns struct{ X struct{ X ... int } } with depth structs.
func nested(depth int) string {
	return strings.Repeat("struct{ X ", depth) + "int" + strings.Repeat(" }", depth)
}

// TestTypeSizeLinear: sizing a deeply nested type takes time linear in its
// length. go/types recomputed the size of every level from each level
// above it, 2^depth in all: 40 levels never finished.
func TestTypeSizeLinear(t *testing.T) {
	done := make(chan struct{})
	var size uint64
	var ok bool
	go func() {
		defer close(done)
		size, ok = typeSize(nested(2000))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("typeSize of 2000 nested structs did not finish in 10 s")
	}
	if !ok || size != 8 {
		t.Errorf("typeSize = %d, %v; want 8, true", size, ok)
	}
}

// TestTypeSizes: typeSize agrees with the gc compiler's layout on amd64.
func TestTypeSizes(t *testing.T) {
	for typ, want := range map[string]uint64{
		"bool": 1, "int": 8, "string": 16, "complex64": 8, "complex128": 16, "[0]int": 0, "[3]int16": 6,
		"struct{}": 0, "struct{ A bool; B int64 }": 16, "struct{ A int64; B bool }": 16, "struct{ A bool; B int16; C bool }": 6,
		"struct{ A int64; B struct{} }": 16, "struct{ A struct{}; B struct{} }": 0, "struct{ A complex64; B bool }": 12,
		"[2]struct{ A int32; B bool }": 16, "(struct{ A [3]byte })": 3, "[0x10]uint8": 16, "[1_000]byte": 1000,
	} {
		if got, ok := typeSize(typ); !ok || got != want {
			t.Errorf("typeSize(%q) = %d, %v; want %d", typ, got, ok, want)
		}
	}
}

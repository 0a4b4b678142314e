package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testOpts is what a build supporting amd64 and arm64, with preemption and
// gc: collect on both, would pass.
var testOpts = Options{
	SupportedArch:  []string{"amd64", "arm64"},
	PreemptionArch: []string{"amd64", "arm64"},
	GCCollectArch:  []string{"amd64", "arm64"},
	MinTimeSlice:   time.Millisecond,
	Reserved:       []string{"Runtime", "New", "ThreadID"},
}

// goodTest is a config that parses, and what it parses to.
type goodTest struct {
	name string
	in   string
	want *Config
}

var goodTests = []goodTest{
	{
		name: "minimal",
		in: `package: rtos
threads:
  - name: ping
`,
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "rtos", Arch: []string{"amd64"},
			StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{{Name: "ping", Ident: "Ping", Stack: DefaultStack, Autostart: true}},
		},
	},
	{
		name: "everything",
		in: `# The demo config.
version: 1
package: demo
arch: [arm64, amd64]
scheduler:
  time_slice: 10ms
stack:
  default: 32KiB
  guard: false
threads:
  - name: ping_pong
    priority: 31
    stack: 16 KiB
    autostart: false
  - name: worker2
    priority: 0
    stack: 1MiB
  - {name: led, stack: 8192, autostart: true}
  - name: a__b_c
    stack: 256MiB
`,
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "demo", Arch: []string{"arm64", "amd64"},
			TimeSlice: 10 * time.Millisecond, TimeSlicePos: Pos{6, 15},
			StackDefault: 32 << 10, Guard: false,
			Threads: []Thread{
				{Name: "ping_pong", Ident: "PingPong", Priority: 31, Stack: 16 << 10, Autostart: false},
				{Name: "worker2", Ident: "Worker2", Priority: 0, Stack: 1 << 20, Autostart: true},
				{Name: "led", Ident: "Led", Stack: 8 << 10, Autostart: true},
				{Name: "a__b_c", Ident: "ABC", Stack: 256 << 20, Autostart: true},
			},
		},
	},
	{
		name: "zero time slice, null sections, explicit str tag, aliases",
		in: `package: "x"
scheduler: {time_slice: 0}
stack:
threads:
  - &t {name: a, priority: &p 7, stack: "12288 B"}
  - name: !!str b
    priority: *p
    stack: 0x3000
`,
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"},
			TimeSlicePos: Pos{2, 25}, StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{
				{Name: "a", Ident: "A", Priority: 7, Stack: 12 << 10, Autostart: true},
				{Name: "b", Ident: "B", Priority: 7, Stack: 12 << 10, Autostart: true},
			},
		},
	},
	{
		name: "trace with and without events",
		in:   "package: x\nthreads: [{name: a}]\ntrace: {events: 100}\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"}, StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
			Trace:   true, TraceEvents: 100,
		},
	},
	{
		name: "trace without the recorder: time accounting only",
		in:   "package: x\nthreads: [{name: a}]\ntrace: {events: 0}\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"}, StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
			Trace:   true,
		},
	},
	{
		name: "trace section without a value: the default ring, as with {}",
		in:   "package: x\nthreads: [{name: a}]\ntrace:\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"}, StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
			Trace:   true, TraceEvents: DefaultTraceEvents,
		},
	},
	{
		name: "empty trace section: the default ring",
		in:   "package: x\nthreads: [{name: a}]\ntrace: {}\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"}, StackDefault: DefaultStack, Guard: true,
			Threads: []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
			Trace:   true, TraceEvents: DefaultTraceEvents,
		},
	},
	{
		name: "quoted zero time slice, per-thread stack defaults to stack.default declared after threads",
		in: `package: x
threads: [{name: a}, {name: b, stack: 8KiB}]
stack: {default: 128KiB}
scheduler: {time_slice: "0"}
`,
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"},
			TimeSlicePos: Pos{4, 25}, StackDefault: 128 << 10, Guard: true,
			Threads: []Thread{
				{Name: "a", Ident: "A", Stack: 128 << 10, Autostart: true},
				{Name: "b", Ident: "B", Stack: 8 << 10, Autostart: true},
			},
		},
	},
	{
		name: "guard size",
		in:   "package: x\nstack: {guard: 16KiB}\nthreads: [{name: a}]\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"},
			StackDefault: DefaultStack, Guard: true, GuardSize: 16 << 10,
			Threads: []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
		},
	},
	{
		name: "largest guard, in bytes",
		in:   "package: x\nstack: {guard: 1048576}\nthreads: [{name: a}]\n",
		want: &Config{
			File: "rtos.yaml", Version: 1, Package: "x", Arch: []string{"amd64"},
			StackDefault: DefaultStack, Guard: true, GuardSize: 1 << 20,
			Threads: []Thread{{Name: "a", Ident: "A", Stack: DefaultStack, Autostart: true}},
		},
	},
}

func TestParseGood(t *testing.T) {
	for _, tt := range goodTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("rtos.yaml", []byte(tt.in), testOpts)
			if err != nil {
				t.Fatalf("Parse: unexpected error:\n%v", err)
			}
			if tt.want.GC == "" {
				tt.want.GC = GCCollect // the default
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// threadsOK completes a config that only tests something else.
const threadsOK = "threads: [{name: a}]\n"

// errorTest is a config with errors, and every message Parse gives for it.
type errorTest struct {
	name string
	in   string
	opt  *Options // testOpts if nil
	want []string
}

var errorTests = []errorTest{
	// Whole-document problems.
	{"empty", "", nil, []string{
		"rtos.yaml:1:1: the config must be a YAML mapping with at least package and threads, got an empty document"}},
	{"comments only", "# nothing\n\n", nil, []string{
		"rtos.yaml:1:1: the config must be a YAML mapping with at least package and threads, got an empty document"}},
	{"scalar document", "\n  hello\n", nil, []string{
		`rtos.yaml:2:3: the config must be a YAML mapping with at least package and threads, got "hello"`}},
	{"list document", "- package: x\n", nil, []string{
		"rtos.yaml:1:1: the config must be a YAML mapping with at least package and threads, got a list"}},
	{"null document", "~\n", nil, []string{
		"rtos.yaml:1:1: the config must be a YAML mapping with at least package and threads, got ~"}},
	{"syntax error", "package: x\nthreads: [{name: a}\nstack: {}\n", nil, []string{
		"rtos.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 10)"}},
	{"syntax error missing colon", "package: x\nthreads\n  - name: a\n", nil, []string{
		"rtos.yaml:3:9: mapping values are not allowed in this context"}},
	{"syntax error column", "package: x\nthreads: [{name: a}]\nstack:\n  default: 8KiB\n    guard: true\n", nil, []string{
		"rtos.yaml:5:10: mapping values are not allowed in this context"}},
	{"unclosed quote", "package: x\nthreads: [{name: 'a}]\n", nil, []string{
		"rtos.yaml:2:22: found unexpected end of stream (while scanning a quoted scalar at line 2, column 18)"}},
	{"tab indentation", "package: x\nthreads:\n\t- name: a\n", nil, []string{
		"rtos.yaml:3:1: found character that cannot start any token"}},
	{"unknown anchor", "package: x\nthreads: [{name: a, priority: *prio}]\n", nil, []string{
		"rtos.yaml:2:31: unknown anchor 'prio' referenced"}},
	{"two documents", "package: x\n" + threadsOK + "---\npackage: y\n", nil, []string{
		"rtos.yaml:3:1: the config must be a single YAML document, but another one starts here"}},

	// Unknown and duplicate fields.
	{"unknown fields", "package: x\npackge: y\nthreads:\n  - name: a\n    stak: 8KiB\n    color: red\nscheduler: {timeslice: 1ms}\nstack: {guard: true, defualt: 8KiB}\n", nil, []string{
		`rtos.yaml:2:1: packge: unknown field "packge"; did you mean "package"?`,
		`rtos.yaml:5:5: threads[0].stak: unknown field "stak"; did you mean "stack"?`,
		`rtos.yaml:6:5: threads[0].color: unknown field "color"`,
		`rtos.yaml:7:13: scheduler.timeslice: unknown field "timeslice"; did you mean "time_slice"?`,
		`rtos.yaml:8:22: stack.defualt: unknown field "defualt"; did you mean "default"?`}},
	{"duplicate fields", "package: x\nthreads:\n  - name: a\n    name: b\npackage: y\nstack: {guard: true, guard: false}\n", nil, []string{
		`rtos.yaml:4:5: threads[0].name: duplicate field "name" (first at line 3)`,
		`rtos.yaml:5:1: package: duplicate field "package" (first at line 1)`,
		`rtos.yaml:6:22: stack.guard: duplicate field "guard" (first at line 6, column 9)`}},
	{"non-string key", "package: x\n" + threadsOK + "[a]: 1\n", nil, []string{
		"rtos.yaml:3:1: field names must be plain strings, got a list"}},
	{"merge key", "package: x\nbase: &b {priority: 3}\nthreads:\n  - <<: *b\n    name: a\n", nil, []string{
		`rtos.yaml:2:1: base: unknown field "base"`,
		"rtos.yaml:4:5: threads[0].<<: merge keys (<<) are not supported; write the fields out in full"}},

	// Required fields.
	{"missing package and threads", "version: 1\n", nil, []string{
		"rtos.yaml:1:1: package: is required",
		"rtos.yaml:1:1: threads: is required: at least one thread"}},
	{"missing thread name", "package: x\nthreads:\n  - name: a\n  - priority: 1\n", nil, []string{
		"rtos.yaml:4:5: threads[1].name: is required"}},
	{"empty thread list", "package: x\nthreads: []\n", nil, []string{
		"rtos.yaml:2:10: threads: is required: at least one thread"}},
	{"null thread list", "package: x\nthreads:\n", nil, []string{
		"rtos.yaml:2:9: threads: is required: at least one thread"}},
	{"too many threads", "package: x\nthreads:\n" + strings.Repeat("  - {name: t}\n", 1) + manyThreads(2, 40), nil, []string{
		"rtos.yaml:35:5: threads: at most 32 threads are allowed, got 40"}},

	// Wrong kinds and types.
	{"wrong kinds", "package: [x]\nthreads: {name: a}\nscheduler: 10ms\nstack: 64KiB\narch: amd64\n", nil, []string{
		"rtos.yaml:1:10: package: must be a Go package name such as rtos, got a list",
		"rtos.yaml:2:10: threads: must be a list of threads, got a mapping",
		`rtos.yaml:3:12: scheduler: must be a mapping such as {time_slice: 10ms}, got "10ms"`,
		`rtos.yaml:4:8: stack: must be a mapping such as {default: 64KiB, guard: true}, got "64KiB"`,
		`rtos.yaml:5:7: arch: must be a list of architectures such as [amd64], got "amd64"`}},
	{"thread not a mapping", "package: x\nthreads:\n  - ping\n  - [a]\n", nil, []string{
		`rtos.yaml:3:5: threads[0]: must be a mapping such as {name: ping, priority: 1}, got "ping"`,
		`rtos.yaml:4:5: threads[1]: must be a mapping such as {name: ping, priority: 1}, got a list`}},
	{"priority", "package: x\nthreads:\n  - {name: a, priority: high}\n  - {name: b, priority: 32}\n  - {name: c, priority: -1}\n  - {name: d, priority: 1.5}\n  - {name: e, priority: \"3\"}\n  - {name: f, priority: }\n", nil, []string{
		`rtos.yaml:3:25: threads[0].priority: must be an integer from 0 to 31, got "high"`,
		"rtos.yaml:4:25: threads[1].priority: must be an integer from 0 to 31, got 32",
		"rtos.yaml:5:25: threads[2].priority: must be an integer from 0 to 31, got -1",
		"rtos.yaml:6:25: threads[3].priority: must be an integer from 0 to 31, got 1.5",
		`rtos.yaml:7:25: threads[4].priority: must be an integer from 0 to 31, got "3"`,
		"rtos.yaml:8:25: threads[5].priority: must be an integer from 0 to 31, got nothing"}},
	{"booleans are strict", "package: x\nstack: {guard: yes}\nthreads:\n  - {name: a, autostart: \"true\"}\n  - {name: b, autostart: 1}\n  - {name: c, autostart: !!bool on}\n", nil, []string{
		`rtos.yaml:2:16: stack.guard: must be true or false, got "yes"`,
		`rtos.yaml:4:26: threads[0].autostart: must be true or false, got "true"`,
		"rtos.yaml:5:26: threads[1].autostart: must be true or false, got 1",
		`rtos.yaml:6:26: threads[2].autostart: must be true or false, got !!bool "on"`}},
	{"guard sizes", "package: x\nthreads: [{name: a}]\nstack: {guard: 5000}\n", nil, []string{
		"rtos.yaml:3:16: stack.guard: must be true, false or a size from 4 KiB to 1 MiB that is a multiple of 4 KiB, got 5000 B"}},
	{"guard too large", "package: x\nthreads: [{name: a}]\nstack: {guard: 2MiB}\n", nil, []string{
		"rtos.yaml:3:16: stack.guard: must be true, false or a size from 4 KiB to 1 MiB that is a multiple of 4 KiB, got 2 MiB"}},
	{"guard zero", "package: x\nthreads: [{name: a}]\nstack: {guard: 0}\n", nil, []string{
		"rtos.yaml:3:16: stack.guard: must be true, false or a size from 4 KiB to 1 MiB that is a multiple of 4 KiB, got 0 B"}},
	{"guard not a whole number", "package: x\nthreads: [{name: a}]\nstack: {guard: 1.5}\n", nil, []string{
		"rtos.yaml:3:16: stack.guard: must be true, false or a size from 4 KiB to 1 MiB that is a multiple of 4 KiB, got 1.5"}},
	{"guard beyond YAML integers", "package: x\nthreads: [{name: a}]\nstack: {guard: 99999999999999999999999}\n", nil, []string{
		"rtos.yaml:3:16: stack.guard: must be true, false or a size from 4 KiB to 1 MiB that is a multiple of 4 KiB, got 99999999999999999999999"}},
	{"guard unit", "package: x\nthreads: [{name: a}]\nstack: {guard: 16KB}\n", nil, []string{
		`rtos.yaml:3:16: stack.guard: unknown unit "KB" in "16KB" (use B, KiB or MiB)`}},
	{"tags", "package: !!binary eHl6\nthreads:\n  - {name: !custom a, stack: !!float 8192}\n", nil, []string{
		`rtos.yaml:1:10: package: unsupported YAML tag "!!binary"; write a plain value`,
		`rtos.yaml:3:12: threads[0].name: unsupported YAML tag "!custom"; write a plain value`,
		`rtos.yaml:3:30: threads[0].stack: must be a size such as 64KiB, 16 KiB or 65536 (bytes), got !!float "8192"`}},
	{"alias to the wrong kind", "package: &p x\nthreads: &t [{name: a, priority: *t, stack: *p}]\n", nil, []string{
		"rtos.yaml:2:34: threads[0].priority: must be an integer from 0 to 31, got a list",
		`rtos.yaml:2:45: threads[0].stack: must be a size such as 64KiB, 16 KiB or 65536 (bytes), got "x"`}},
	{"version", "version: 2\npackage: x\n" + threadsOK, nil, []string{
		"rtos.yaml:1:10: version: unsupported version 2; this generator reads version 1"}},
	{"version string", "version: \"1\"\npackage: x\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: version: must be the integer 1, got "1"`}},

	// Package names.
	{"package not an identifier", "package: my-rtos\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: package: must be a Go package name (a letter followed by letters, digits or underscores), got "my-rtos"`}},
	{"package keyword", "package: type\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: package: must not be a Go keyword, got "type"`}},
	{"package main", "package: main\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: package: must not be "main": the generated code is imported by your program, and a main package cannot be imported`}},
	{"package blank", "package: _\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: package: must not be "_": the blank identifier cannot name a package`}},
	{"package documentation", "package: documentation\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: package: must not be "documentation": the go command ignores files of a package by that name`}},
	{"package init", "package: init\n" + threadsOK, nil, []string{
		`rtos.yaml:1:10: package: must not be "init": init cannot be declared except as a function, so no package can be named init`}},

	// Architectures.
	{"arch", "package: x\narch: [amd64, riscv64, amd46, amd64, 64]\n" + threadsOK, nil, []string{
		`rtos.yaml:2:15: arch[1]: architecture "riscv64" is not supported yet (supported: amd64, arm64)`,
		`rtos.yaml:2:24: arch[2]: unknown architecture "amd46" (supported: amd64, arm64)`,
		`rtos.yaml:2:31: arch[3]: duplicate architecture "amd64" (first at line 2, column 8)`,
		"rtos.yaml:2:38: arch[4]: must be a GOARCH value such as amd64, got 64"}},
	{"arch spec messages", "package: x\narch:\n  - arm64\n  - amd46\n" + threadsOK, &Options{SupportedArch: []string{"amd64"}}, []string{
		`rtos.yaml:3:5: arch[0]: architecture "arm64" is not supported yet (supported: amd64)`,
		`rtos.yaml:4:5: arch[1]: unknown architecture "amd46" (supported: amd64)`}},
	{"arch empty", "package: x\narch: []\n" + threadsOK, nil, []string{
		"rtos.yaml:2:7: arch: must list at least one architecture such as amd64, got an empty list"}},
	{"default arch unsupported", "package: x\n" + threadsOK, &Options{SupportedArch: []string{"arm64"}}, []string{
		"rtos.yaml:1:1: arch: is required: the default architecture amd64 is not supported by this generator (supported: arm64)"}},

	// Time slice.
	{"time slice without unit", "package: x\nscheduler:\n  time_slice: 10\n" + threadsOK, nil, []string{
		"rtos.yaml:3:15: scheduler.time_slice: needs a unit such as 10ms, got 10"}},
	{"time slice quoted without unit", "package: x\nscheduler:\n  time_slice: \"2.5\"\n" + threadsOK, nil, []string{
		`rtos.yaml:3:15: scheduler.time_slice: needs a unit such as 10ms, got "2.5"`}},
	{"time slice negative", "package: x\nscheduler:\n  time_slice: -5ms\n" + threadsOK, nil, []string{
		"rtos.yaml:3:15: scheduler.time_slice: must not be negative, got -5ms"}},
	{"time slice garbage", "package: x\nscheduler:\n  time_slice: fast\n" + threadsOK, nil, []string{
		`rtos.yaml:3:15: scheduler.time_slice: must be a duration such as 10ms, got "fast"`}},
	{"time slice too short", "package: x\nscheduler:\n  time_slice: 100us\n" + threadsOK, nil, []string{
		"rtos.yaml:3:15: scheduler.time_slice: must be at least 1ms, got 100µs"}},
	{"time slice without preemption", "package: x\nscheduler:\n  time_slice: 10ms\n" + threadsOK, &Options{SupportedArch: []string{"amd64"}, GCCollectArch: []string{"amd64"}}, []string{
		"rtos.yaml:3:15: scheduler.time_slice: time-slice preemption is not supported on amd64 yet; remove scheduler.time_slice or set it to 0 for cooperative scheduling"}},
	{"time slice on arm64", "package: x\narch: [amd64, arm64]\nscheduler:\n  time_slice: 10ms\n" + threadsOK,
		&Options{SupportedArch: []string{"amd64", "arm64"}, PreemptionArch: []string{"amd64"}, GCCollectArch: []string{"amd64", "arm64"}}, []string{
			"rtos.yaml:4:15: scheduler.time_slice: time-slice preemption is not supported on arm64 yet; remove scheduler.time_slice or set it to 0 for cooperative scheduling"}},
	{"time slice not cross-checked with a bad arch", "package: x\narch: [arm46]\nscheduler:\n  time_slice: 10ms\n" + threadsOK, nil, []string{
		`rtos.yaml:2:8: arch[0]: unknown architecture "arm46" (supported: amd64, arm64)`}},

	// trace.
	{"trace events out of range", "package: x\ntrace: {events: 10}\n" + threadsOK, nil, []string{
		"rtos.yaml:2:17: trace.events: must be 0 (time accounting only) or an integer from 64 to 16777216, got 10"}},
	{"trace events too many", "package: x\ntrace:\n  events: 16777217\n" + threadsOK, nil, []string{
		"rtos.yaml:3:11: trace.events: must be 0 (time accounting only) or an integer from 64 to 16777216, got 16777217"}},
	{"trace events not an integer", "package: x\ntrace: {events: 4KiB}\n" + threadsOK, nil, []string{
		`rtos.yaml:2:17: trace.events: must be 0 (time accounting only) or an integer from 64 to 16777216, got "4KiB"`}},
	{"trace not a mapping", "package: x\ntrace: true\n" + threadsOK, nil, []string{
		"rtos.yaml:2:8: trace: must be a mapping such as {events: 4096}, got true"}},
	{"trace unknown field", "package: x\ntrace: {event: 4096}\n" + threadsOK, nil, []string{
		`rtos.yaml:2:9: trace.event: unknown field "event"; did you mean "events"?`}},

	// gc.
	{"gc unknown mode", "package: x\ngc: auto\n" + threadsOK, nil, []string{
		`rtos.yaml:2:5: gc: must be pause or collect, got "auto"`}},
	{"gc not a string", "package: x\ngc: [collect]\n" + threadsOK, nil, []string{
		"rtos.yaml:2:5: gc: must be pause or collect, got a list"}},
	{"gc collect on arm64", "package: x\narch: [amd64, arm64]\ngc: collect\n" + threadsOK,
		&Options{SupportedArch: []string{"amd64", "arm64"}, GCCollectArch: []string{"amd64"}}, []string{
			"rtos.yaml:3:5: gc: collect is not supported on arm64 yet (only amd64); use gc: pause or list only amd64 in arch"}},
	{"default gc on arm64", "package: x\narch: [amd64, arm64]\n" + threadsOK,
		&Options{SupportedArch: []string{"amd64", "arm64"}, GCCollectArch: []string{"amd64"}}, []string{
			"rtos.yaml:1:1: gc: is required: the default, collect, is not supported on arm64 yet (only amd64); set gc: pause"}},

	// Sizes.
	{"sizes", `package: x
stack:
  default: 64KB
threads:
  - {name: a, stack: 10000}
  - {name: b, stack: 4KiB}
  - {name: c, stack: 512MiB}
  - {name: d, stack: 1 GiB}
  - {name: e, stack: "16384"}
  - {name: f, stack: 1.5MiB}
  - {name: g, stack: -8192}
  - {name: h, stack: 99999999999999999999KiB}
  - {name: i, stack: 0}
  - {name: j, stack: 8kib}
  - {name: k, stack: 18446744073709551615}
  - {name: l, stack: 1000 B}
`, nil, []string{
		`rtos.yaml:3:12: stack.default: unknown unit "KB" in "64KB" (use B, KiB or MiB)`,
		"rtos.yaml:5:22: threads[0].stack: must be a multiple of 4 KiB, got 10000 B",
		"rtos.yaml:6:22: threads[1].stack: must be at least 8 KiB, got 4 KiB",
		"rtos.yaml:7:22: threads[2].stack: must be at most 256 MiB, got 512 MiB",
		`rtos.yaml:8:22: threads[3].stack: unknown unit "GiB" in "1 GiB" (use B, KiB or MiB)`,
		`rtos.yaml:9:22: threads[4].stack: missing unit in "16384" (use B, KiB or MiB, or an unquoted integer for bytes)`,
		`rtos.yaml:10:22: threads[5].stack: must be a size such as 64KiB, 16 KiB or 65536 (bytes), got "1.5MiB"`,
		"rtos.yaml:11:22: threads[6].stack: must be a size such as 64KiB, 16 KiB or 65536 (bytes), got -8192",
		`rtos.yaml:12:22: threads[7].stack: must be at most 256 MiB, got "99999999999999999999KiB"`,
		"rtos.yaml:13:22: threads[8].stack: must be at least 8 KiB, got 0 B",
		`rtos.yaml:14:22: threads[9].stack: unknown unit "kib" in "8kib" (use B, KiB or MiB)`,
		"rtos.yaml:15:22: threads[10].stack: must be at most 256 MiB, got 18446744073709551615 B",
		"rtos.yaml:16:22: threads[11].stack: must be a multiple of 4 KiB, got 1000 B"}},

	// Thread names.
	{"names", `package: x
threads:
  - name: Ping
  - name: 2fast
  - name: ""
  - name: ping_pong
  - name: ping_pong
  - name: ping__pong
  - name: runtime
  - name: thread_i_d
  - name: 42
`, nil, []string{
		`rtos.yaml:3:11: threads[0].name: must start with a lowercase letter and contain only lowercase letters, digits and underscores (it is turned into Go identifiers), got "Ping"`,
		`rtos.yaml:4:11: threads[1].name: must start with a lowercase letter and contain only lowercase letters, digits and underscores (it is turned into Go identifiers), got "2fast"`,
		`rtos.yaml:5:11: threads[2].name: must start with a lowercase letter and contain only lowercase letters, digits and underscores (it is turned into Go identifiers), got ""`,
		`rtos.yaml:7:11: threads[4].name: duplicate thread name "ping_pong" (first at threads[3], line 6)`,
		`rtos.yaml:8:11: threads[5].name: name "ping__pong" gives the Go identifier PingPong, already used by threads[3] (line 6)`,
		`rtos.yaml:9:11: threads[6].name: name "runtime" becomes the Go identifier Runtime, which the generated API already declares; pick another name`,
		`rtos.yaml:10:11: threads[7].name: name "thread_i_d" becomes the Go identifier ThreadID, which the generated API already declares; pick another name`,
		"rtos.yaml:11:11: threads[8].name: must be a thread name such as ping, got 42"}},
	{"long values are clipped", "package: x\n" + threadsOK + "a_very_long_unknown_field_name_that_goes_on_and_on: 1\n", nil, []string{
		`rtos.yaml:3:1: a_very_long_unknown_field_name_that_goes_on_and_on: unknown field "a_very_long_unknown_field_name_that_goes..."`}},
}

// manyThreads returns list entries for threads t<from>..t<to>, one a line.
func manyThreads(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		b.WriteString("  - {name: t" + strings.Repeat("x", i) + "}\n")
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			opt := testOpts
			if tt.opt != nil {
				opt = *tt.opt
			}
			cfg, err := Parse("rtos.yaml", []byte(tt.in), opt)
			if cfg != nil {
				t.Errorf("Parse returned a config along with the error: %+v", cfg)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Parse error = %#v, want an ErrorList", err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseReportsEverything checks that one file with many problems gets
// all of them, in position order, with their fields.
func TestParseReportsEverything(t *testing.T) {
	in := `threads:
  - name: ping
    priority: 99
  - name: ping
    stak: 16KiB
arch: [amd64, amd64]
package: main
stack: {default: 5000, guard: maybe}
scheduler: {time_slice: 1}
`
	_, err := Parse("rtos.yaml", []byte(in), testOpts)
	want := ErrorList{
		{"rtos.yaml", Pos{3, 15}, "threads[0].priority", "must be an integer from 0 to 31, got 99"},
		{"rtos.yaml", Pos{4, 11}, "threads[1].name", `duplicate thread name "ping" (first at threads[0], line 2)`},
		{"rtos.yaml", Pos{5, 5}, "threads[1].stak", `unknown field "stak"; did you mean "stack"?`},
		{"rtos.yaml", Pos{6, 15}, "arch[1]", `duplicate architecture "amd64" (first at line 6, column 8)`},
		{"rtos.yaml", Pos{7, 10}, "package", `must not be "main": the generated code is imported by your program, and a main package cannot be imported`},
		{"rtos.yaml", Pos{8, 18}, "stack.default", "must be a multiple of 4 KiB, got 5000 B"},
		{"rtos.yaml", Pos{8, 31}, "stack.guard", `must be true or false, got "maybe"`},
		{"rtos.yaml", Pos{9, 25}, "scheduler.time_slice", "needs a unit such as 10ms, got 1"},
	}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
	if got := err.Error(); strings.Count(got, "\n") != len(want)-1 {
		t.Errorf("ErrorList.Error() = %q, want one line per error", got)
	}
}

func TestErrorString(t *testing.T) {
	for _, tt := range []struct {
		err  *Error
		want string
	}{
		{&Error{"rtos.yaml", Pos{12, 7}, "threads[1].stack", "must be a multiple of 4 KiB, got 10000 B"},
			"rtos.yaml:12:7: threads[1].stack: must be a multiple of 4 KiB, got 10000 B"},
		{&Error{"rtos.yaml", Pos{1, 1}, "", "bad"}, "rtos.yaml:1:1: bad"},
		{&Error{"", Pos{2, 3}, "package", "is required"}, "2:3: package: is required"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if got, want := (ErrorList{{"f", Pos{1, 2}, "a", "x"}, {"f", Pos{3, 4}, "", "y"}}).Error(), "f:1:2: a: x\nf:3:4: y"; got != want {
		t.Errorf("ErrorList.Error() = %q, want %q", got, want)
	}
}

func TestIdent(t *testing.T) {
	for name, want := range map[string]string{
		"ping_pong": "PingPong", "worker2": "Worker2", "led": "Led", "a_b": "AB", "ab": "Ab", "x_": "X", "x_2": "X2",
	} {
		if got := ident(name); got != want {
			t.Errorf("ident(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for v, want := range map[uint64]string{
		0: "0 B", 1000: "1000 B", 4096: "4 KiB", 10000: "10000 B", 1 << 20: "1 MiB", 3 << 19: "1536 KiB", 256 << 20: "256 MiB",
	} {
		if got := FormatSize(v); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", v, got, want)
		}
	}
}

// TestParseTooLarge: a config over MaxConfigSize is refused before the YAML
// library sees it.
func TestParseTooLarge(t *testing.T) {
	data := []byte("package: x\n" + threadsOK + "# " + strings.Repeat("x", MaxConfigSize) + "\n")
	_, err := Parse("rtos.yaml", data, testOpts)
	want := "rtos.yaml:1:1: the config must be at most 1 MiB (1048576 bytes), got more than that"
	if err == nil || err.Error() != want {
		t.Errorf("Parse error = %v, want %s", err, want)
	}
	if _, err := Parse("rtos.yaml", []byte("package: x\n"+threadsOK+"#"+strings.Repeat("x", MaxConfigSize-40)+"\n"), testOpts); err != nil {
		t.Errorf("a config under the limit: %v", err)
	}
}

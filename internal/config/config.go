// Package config parses and validates rtos.yaml, the file that describes the
// green threads gthreadgen generates a runtime package for.
//
// Schema, version 1:
//
//	version: 1            # optional; if present, the integer 1
//	package: rtos         # required; Go package name of the generated code
//	arch: [amd64]         # optional; GOARCH values, no duplicates; default [amd64]
//	gc: collect           # optional; collect (default): the collector keeps running;
//	                      #   pause: it is paused during Run (the fastest switch)
//	scheduler:
//	  time_slice: 10ms    # optional Go duration; 0 or absent = cooperative only
//	  suspend: false      # optional; Suspend and Resume of threads
//	  set_priority: false # optional; SetPriority at run time
//	stack:
//	  default: 64KiB      # optional size; default 64 KiB
//	  guard: true         # optional; true (default): a PROT_NONE guard page below each
//	                      #   stack; false: none; a size such as 16KiB: that many bytes
//	threads:              # required; 1 to 32 entries
//	  - name: ping        # required; ^[a-z][a-z0-9_]*$, unique, becomes the Go identifier Ping
//	    priority: 3       # optional; 0 (default) to 31, higher is more urgent
//	    stack: 16KiB      # optional size; default stack.default
//	    autostart: false  # optional; default true
//	trace:                # optional; absent: no trace code is generated
//	  events: 4096        # optional; ring size in events, MinTraceEvents to MaxTraceEvents (default
//	                      #   4096), or 0: the per-thread time accounting without the recorder
//	services:             # optional; absent: no service code is generated
//	  sleep: true         # optional; Sleep and SleepUntil (implied by any service below)
//	  from_goroutines: false # optional; Post methods of semaphores, queues and events
//	                      #   for any goroutine (needs one of them)
//	  idle_hook: false    # optional; SetIdleHook
//	  thread_local: int   # optional; the type of every thread's slot (Local), as for
//	                      #   a queue, at most MaxLocalSize bytes
//	  semaphores:         # counting semaphores
//	    - name: slots     # service names follow the thread name rules
//	      initial: 2      # optional; 0 (default) to MaxCount
//	  mutexes:            # immediate-ceiling mutexes
//	    - name: bus
//	      users: [ping]   # required; the threads that may lock it
//	  queues:             # fixed-capacity message queues
//	    - name: jobs
//	      capacity: 8     # required; 1 to MaxCapacity
//	      type: "[4]int"  # required; predeclared types, arrays and structs of them
//	  events:             # 32 event flags each
//	    - name: alarms
//	      initial: 0      # optional; the flags set at Run, 0 to 2^32-1
//	  timers:             # software timers, served by ServeTimers
//	    - name: tick
//	      period: 10ms    # required; MinPeriod to MaxPeriod
//	      one_shot: false # optional; default false: periodic
//	      thread: ping    # required; the thread whose ServeTimers runs its callback
//
// A size is a YAML integer (bytes) or a string such as "16KiB" or "16 KiB"
// with the unit B, KiB or MiB. Every stack size must be a multiple of
// [StackAlign] between [MinStack] and [MaxStack].
//
// Booleans are only true and false; anchors and aliases are followed; merge
// keys (<<), multiple documents and tags other than the YAML core ones are
// rejected. Parse never stops at the first problem: it returns an [ErrorList]
// with every problem it found, each with its position in the file.
package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"go/token"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// Limits of the configuration.
const (
	MaxThreads   = 32        // most threads a config may declare
	MinPriority  = 0         // lowest (least urgent) thread priority
	MaxPriority  = 31        // highest (most urgent) thread priority
	MinStack     = 8 << 10   // smallest stack size in bytes
	MaxStack     = 256 << 20 // largest stack size in bytes
	StackAlign   = 4 << 10   // every stack size is a multiple of this
	DefaultStack = 64 << 10  // stack.default when absent
	GuardAlign   = 4 << 10   // a stack.guard size is a multiple of this
	MaxGuard     = 1 << 20   // largest stack.guard size in bytes
	// MaxConfigSize is the largest config file Parse reads, in bytes.
	MaxConfigSize = 1 << 20

	MinTraceEvents     = 64      // smallest trace.events
	MaxTraceEvents     = 1 << 24 // largest trace.events (16 bytes each: 256 MiB)
	DefaultTraceEvents = 4096    // trace.events when trace is present without it
)

// TooLarge is the message of the error Parse returns for a config larger
// than MaxConfigSize.
const TooLarge = "the config must be at most 1 MiB (1048576 bytes), got more than that"

// Pos is a 1-based line and column in the config file.
type Pos struct{ Line, Col int }

// Config is a parsed and validated rtos.yaml.
type Config struct {
	File         string        // the file name as given to Parse, used in messages
	Version      int           // always 1 after a successful parse
	Package      string        // Go package name of the generated code
	Arch         []string      // GOARCH values, in config order, no duplicates; default []string{"amd64"}
	TimeSlice    time.Duration // scheduler.time_slice; 0 = cooperative only
	TimeSlicePos Pos           // position of the scheduler.time_slice value; zero if absent
	Suspend      bool          // scheduler.suspend: Suspend and Resume of threads
	SetPriority  bool          // scheduler.set_priority: SetPriority at run time
	GC           string        // "collect" (default) or "pause"
	GCPos        Pos           // position of the gc value; zero if absent
	StackDefault uint64        // stack.default in bytes, default DefaultStack
	Guard        bool          // stack.guard is not false (the default is true)
	GuardSize    uint64        // stack.guard as a size in bytes; 0: true, one page of the machine
	Threads      []Thread      // in config order
	Services     Services      // the services section; zero when absent
	// Trace: the trace section is present, so the per-thread time
	// accounting is generated; TraceEvents is trace.events, the size of the
	// recorder's event ring (0: accounting only, no recorder).
	Trace       bool
	TraceEvents int
}

// Thread is one green thread of the config.
type Thread struct {
	Name      string // as written, e.g. "ping_pong"
	Ident     string // exported Go identifier derived from Name: "ping_pong" -> "PingPong", "worker2" -> "Worker2"
	Priority  int    // MinPriority..MaxPriority, higher is more urgent; default 0
	Stack     uint64 // bytes; the thread's own stack or, when absent, Config.StackDefault
	Autostart bool   // default true
}

// Error is one problem in a config file.
type Error struct {
	File string
	Pos  Pos
	Path string // field path such as "threads[1].stack"; "" for whole-document problems
	Msg  string // what is wrong and what was found
}

// Error formats e as "file:line:col: path: message", leaving out "path: "
// when Path is empty and "file:" when File is empty.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Pos.Line, e.Pos.Col)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in a config file, sorted by line, then
// column, then path.
type ErrorList []*Error

// Error joins the errors with newlines.
func (l ErrorList) Error() string {
	if len(l) == 0 {
		return "no errors"
	}
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Options controls what this build of the generator supports. The zero value
// supports no architecture at all.
type Options struct {
	// SupportedArch lists the architectures the generator can emit.
	SupportedArch []string
	// PreemptionArch lists the architectures that support a
	// scheduler.time_slice above zero.
	PreemptionArch []string
	// GCCollectArch lists the architectures whose switcher supports
	// gc: collect.
	GCCollectArch []string
	// MinTimeSlice is the smallest positive scheduler.time_slice accepted.
	MinTimeSlice time.Duration
	// Reserved lists Go identifiers the generated package already declares
	// (such as "Runtime" or "New"); no thread Ident may be one of them.
	Reserved []string
}

// Parse decodes and validates data, the contents of file. On any problem it
// returns nil and an ErrorList holding all problems.
func Parse(file string, data []byte, opt Options) (cfg *Config, err error) {
	p := &parser{file: file, opt: opt}
	defer func() {
		// The walk below does not panic, but the YAML library is not ours:
		// never let a bug there take the generator down.
		if r := recover(); r != nil {
			p.add(Pos{1, 1}, "", fmt.Sprintf("internal error while reading the config: %v", r))
			cfg, err = nil, p.list()
		}
	}()
	if len(data) > MaxConfigSize {
		p.add(Pos{1, 1}, "", TooLarge)
		return nil, p.list()
	}
	cfg = p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.list()
	}
	return cfg, nil
}

// Field names allowed at each level, in schema order (also the order in
// which "did you mean" suggestions are tried).
var (
	topFields       = []string{"version", "package", "arch", "gc", "scheduler", "stack", "threads", "trace", "services"}
	schedulerFields = []string{"time_slice", "suspend", "set_priority"}
	stackFields     = []string{"default", "guard"}
	threadFields    = []string{"name", "priority", "stack", "autostart"}
	traceFields     = []string{"events"}
)

const wantDocument = "the config must be a YAML mapping with at least package and threads"

// parser collects errors while walking the YAML node tree.
type parser struct {
	file string
	opt  Options
	errs ErrorList
}

func (p *parser) add(pos Pos, path, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Pos: pos, Path: path, Msg: msg})
}

func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	p.add(posOf(n), path, fmt.Sprintf(format, args...))
}

// list returns the errors sorted by position, then path.
func (p *parser) list() ErrorList {
	slices.SortStableFunc(p.errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Path, b.Path))
	})
	return p.errs
}

func (p *parser) parse(data []byte) *Config {
	root := p.document(data)
	if root == nil {
		return nil
	}
	cfg := &Config{File: p.file, Version: 1, StackDefault: DefaultStack, Guard: true, GC: GCCollect}
	top, _ := p.mapping(root, "", topFields, "")

	if n, at := top.get("version"); n != nil {
		if v, ok := p.integer(n, at, "the integer 1"); ok && v != 1 {
			p.errorf(n, at, "unsupported version %d; this generator reads version 1", v)
		}
	}
	if n, at := top.get("package"); n != nil {
		if s, ok := p.str(n, at, "a Go package name such as rtos"); ok {
			if msg := checkPackage(s); msg != "" {
				p.errorf(n, at, "%s", msg)
			}
			cfg.Package = s
		}
	} else {
		p.errorf(root, path("", "package"), "is required")
	}
	archOK := p.arch(cfg, top)
	sliceOK := p.scheduler(cfg, top)
	gcOK := p.gc(cfg, top)
	p.stack(cfg, top)
	p.threads(cfg, top)
	p.trace(cfg, top)
	p.services(cfg, top)

	// Cross-checks, using only values that decoded cleanly.
	if archOK && sliceOK && cfg.TimeSlice > 0 {
		var bad []string
		for _, a := range cfg.Arch {
			if !slices.Contains(p.opt.PreemptionArch, a) {
				bad = append(bad, a)
			}
		}
		if len(bad) > 0 {
			p.add(cfg.TimeSlicePos, "scheduler.time_slice", fmt.Sprintf("time-slice preemption is not supported on %s yet; "+
				"remove scheduler.time_slice or set it to 0 for cooperative scheduling", strings.Join(bad, ", ")))
		}
	}
	if archOK && gcOK && cfg.GC == GCCollect {
		var bad []string
		for _, a := range cfg.Arch {
			if !slices.Contains(p.opt.GCCollectArch, a) {
				bad = append(bad, a)
			}
		}
		only := strings.Join(p.opt.GCCollectArch, ", ")
		switch {
		case len(bad) == 0:
		case cfg.GCPos == (Pos{}):
			p.add(Pos{1, 1}, "gc", fmt.Sprintf("is required: the default, collect, is not supported on %s yet (only %s); "+
				"set gc: pause", strings.Join(bad, ", "), only))
		default:
			p.add(cfg.GCPos, "gc", fmt.Sprintf("collect is not supported on %s yet (only %s); "+
				"use gc: pause or list only %s in arch", strings.Join(bad, ", "), only, only))
		}
	}
	return cfg
}

// trace fills cfg.Trace and cfg.TraceEvents. The section's presence turns
// tracing on; like the other sections, an empty one ("trace:") is an empty
// mapping, so it takes the defaults.
func (p *parser) trace(cfg *Config, top fields) {
	if n, _ := top.get("trace"); n == nil {
		return
	}
	cfg.Trace, cfg.TraceEvents = true, DefaultTraceEvents
	f := p.section(top, "trace", traceFields, "a mapping such as {events: 4096}")
	n, at := f.get("events")
	if n == nil {
		return
	}
	want := fmt.Sprintf("0 (time accounting only) or an integer from %d to %d", MinTraceEvents, MaxTraceEvents)
	v, ok := p.integer(n, at, want)
	if !ok {
		return
	}
	if v != 0 && (v < MinTraceEvents || v > MaxTraceEvents) {
		p.errorf(n, at, "must be %s, got %d", want, v)
		return
	}
	cfg.TraceEvents = int(v)
}

// The values of the gc field.
const (
	GCPause   = "pause"   // the collector is paused while Run is active (opt-in, the fastest switch)
	GCCollect = "collect" // the collector runs; suspended stacks are published to it (default)
)

// gc fills cfg.GC and reports whether it decoded cleanly.
func (p *parser) gc(cfg *Config, top fields) bool {
	n, at := top.get("gc")
	if n == nil {
		return true
	}
	cfg.GCPos = posOf(n)
	s, ok := p.str(n, at, "pause or collect")
	if !ok {
		return false
	}
	if s != GCPause && s != GCCollect {
		p.errorf(n, at, "must be pause or collect, got %q", s)
		return false
	}
	cfg.GC = s
	return true
}

// document parses data and returns its top-level mapping, or nil after
// reporting why there is none.
func (p *parser) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err == io.EOF {
		p.add(Pos{1, 1}, "", wantDocument+", got an empty document")
		return nil
	} else if err != nil {
		p.syntaxError(err, data)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(&extra, "", "the config must be a single YAML document, but another one starts here")
	} else if err != io.EOF {
		p.syntaxError(err, data)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.add(Pos{1, 1}, "", wantDocument+", got an empty document")
		return nil
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "%s, got %s", wantDocument, describe(root))
		return nil
	}
	return root
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// syntaxError reports an error of the YAML library at the line and column
// the library gives for the problem (a position past the end of the file is
// put at the end of its last line), with the construct it was reading and
// where that starts. An error without a position is put at 1:1.
func (p *parser) syntaxError(err error, data []byte) {
	var le *yaml.LoadError
	if !errors.As(err, &le) {
		var list *yaml.LoadErrors
		if errors.As(err, &list) && len(list.Errors) > 0 {
			le = list.Errors[0]
		}
	}
	if le == nil {
		// Not a positioned error: take the line from the message if it has one.
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		pos := Pos{1, 1}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			msg = msg[len(m[0]):]
			if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
				pos.Line = n
			}
		}
		p.add(pos, "", cmp.Or(msg, "invalid YAML"))
		return
	}
	msg := cmp.Or(le.Message, "invalid YAML")
	if le.ContextMsg != "" && le.ContextMark.Line > 0 && le.ContextMark != le.Mark {
		msg += fmt.Sprintf(" (%s at line %d, column %d)", le.ContextMsg, le.ContextMark.Line, le.ContextMark.Column)
	}
	p.add(clampPos(Pos{le.Mark.Line, le.Mark.Column}, data), "", msg)
}

// clampPos keeps pos inside data: at least 1:1, and a position past the last
// line (the end of the stream after a final newline) at the end of that line.
func clampPos(pos Pos, data []byte) Pos {
	if pos.Line < 1 {
		return Pos{1, 1}
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if pos.Line > len(lines) {
		last := lines[len(lines)-1]
		return Pos{len(lines), utf8.RuneCount(last) + 1}
	}
	return Pos{pos.Line, max(pos.Col, 1)}
}

// fields holds the known fields of one YAML mapping.
type fields struct {
	path string
	vals map[string]*yaml.Node // resolved value nodes by field name
}

// get returns the value of the field key (nil if absent) and its path.
func (f fields) get(key string) (*yaml.Node, string) {
	return f.vals[key], path(f.path, key)
}

// mapping checks that n is a mapping whose fields are all in allowed,
// reporting unknown and duplicate fields, and returns its fields. If n is
// not a mapping it reports "must be <want>" and returns false.
func (p *parser) mapping(n *yaml.Node, at string, allowed []string, want string) (fields, bool) {
	f := fields{path: at, vals: map[string]*yaml.Node{}}
	if !p.checkTag(n, at) {
		return f, false
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, at, "must be %s, got %s", want, describe(n))
		return f, false
	}
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, at, "field names must be plain strings, got %s", describe(k))
			continue
		}
		kp := path(at, k.Value)
		if k.Tag == "!!merge" {
			p.errorf(k, kp, "merge keys (<<) are not supported; write the fields out in full")
			continue
		}
		if !p.checkTag(k, kp) {
			continue
		}
		if prev, dup := first[k.Value]; dup {
			p.errorf(k, kp, "duplicate field %s (first at %s)", quote(k.Value), where(prev, k))
			continue
		}
		first[k.Value] = k
		if !slices.Contains(allowed, k.Value) {
			p.errorf(k, kp, "unknown field %s%s", quote(k.Value), didYouMean(k.Value, allowed))
			continue
		}
		f.vals[k.Value] = v
	}
	return f, true
}

// section returns the fields of the optional mapping top.key, treating null
// as an empty mapping.
func (p *parser) section(top fields, key string, allowed []string, want string) fields {
	n, at := top.get(key)
	if n == nil || isNull(n) {
		return fields{path: at}
	}
	f, _ := p.mapping(n, at, allowed, want)
	return f
}

// arch fills cfg.Arch and reports whether every entry was valid.
func (p *parser) arch(cfg *Config, top fields) bool {
	n, at := top.get("arch")
	if n == nil {
		cfg.Arch = []string{"amd64"}
		if !slices.Contains(p.opt.SupportedArch, "amd64") {
			p.add(Pos{1, 1}, at, "is required: the default architecture amd64 is not supported by this generator (supported: "+
				strings.Join(p.opt.SupportedArch, ", ")+")")
			return false
		}
		return true
	}
	if !p.checkTag(n, at) {
		return false
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, at, "must be a list of architectures such as [amd64], got %s", describe(n))
		return false
	}
	if len(n.Content) == 0 {
		p.errorf(n, at, "must list at least one architecture such as amd64, got an empty list")
		return false
	}
	supported := strings.Join(p.opt.SupportedArch, ", ")
	return p.uniqueStrings(n, at, "a GOARCH value such as amd64", "architecture", func(item *yaml.Node, ip, a string) bool {
		switch {
		case slices.Contains(p.opt.SupportedArch, a):
			cfg.Arch = append(cfg.Arch, a)
			return true
		case slices.Contains(goarches, a):
			p.errorf(item, ip, "architecture %s is not supported yet (supported: %s)", quote(a), supported)
		default:
			p.errorf(item, ip, "unknown architecture %s (supported: %s)", quote(a), supported)
		}
		return false
	})
}

// uniqueStrings walks the entries of the list n (at its path at), resolving
// aliases: it reports those that are not strings (want says what they must
// be) and the repeats of an earlier one (a duplicate what), and calls each
// for every other one with its node, its path and its value. It reports
// whether every entry was a new string for which each returned true.
func (p *parser) uniqueStrings(n *yaml.Node, at, want, what string, each func(item *yaml.Node, path, s string) bool) bool {
	ok := true
	first := map[string]*yaml.Node{}
	for i, item := range n.Content {
		item = resolve(item)
		ip := fmt.Sprintf("%s[%d]", at, i)
		s, good := p.str(item, ip, want)
		switch {
		case !good:
			ok = false
		case first[s] != nil:
			p.errorf(item, ip, "duplicate %s %s (first at %s)", what, quote(s), where(first[s], item))
			ok = false
		default:
			first[s] = item
			ok = each(item, ip, s) && ok
		}
	}
	return ok
}

// goarches are the GOARCH values of `go tool dist list`.
var goarches = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le",
	"ppc64", "ppc64le", "riscv64", "s390x", "wasm"}

// scheduler fills cfg.TimeSlice and reports whether it decoded cleanly.
func (p *parser) scheduler(cfg *Config, top fields) bool {
	f := p.section(top, "scheduler", schedulerFields, "a mapping such as {time_slice: 10ms}")
	if n, at := f.get("suspend"); n != nil {
		cfg.Suspend, _ = p.boolean(n, at)
	}
	if n, at := f.get("set_priority"); n != nil {
		cfg.SetPriority, _ = p.boolean(n, at)
	}
	n, at := f.get("time_slice")
	if n == nil {
		return true
	}
	cfg.TimeSlicePos = posOf(n)
	d, ok := p.duration(n, at)
	if !ok {
		return false
	}
	if d > 0 && d < p.opt.MinTimeSlice {
		p.errorf(n, at, "must be at least %v, got %v", p.opt.MinTimeSlice, d)
		return false
	}
	cfg.TimeSlice = d
	return true
}

// duration decodes a time_slice: a Go duration string, or 0.
func (p *parser) duration(n *yaml.Node, at string) (time.Duration, bool) {
	if !p.checkTag(n, at) {
		return 0, false
	}
	if n.Kind == yaml.ScalarNode {
		switch n.Tag {
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err == nil && f == 0 {
				return 0, true
			}
			p.errorf(n, at, "needs a unit such as 10ms, got %s", describe(n))
			return 0, false
		case "!!str":
			d, err := time.ParseDuration(n.Value)
			if err != nil {
				if f, ferr := strconv.ParseFloat(n.Value, 64); ferr == nil {
					if f == 0 {
						return 0, true
					}
					p.errorf(n, at, "needs a unit such as 10ms, got %s", describe(n))
					return 0, false
				}
				break
			}
			if d < 0 {
				p.errorf(n, at, "must not be negative, got %v", d)
				return 0, false
			}
			return d, true
		}
	}
	p.errorf(n, at, "must be a duration such as 10ms, got %s", describe(n))
	return 0, false
}

// stack fills cfg.StackDefault and cfg.Guard.
func (p *parser) stack(cfg *Config, top fields) {
	f := p.section(top, "stack", stackFields, "a mapping such as {default: 64KiB, guard: true}")
	if n, at := f.get("default"); n != nil {
		if v, ok := p.size(n, at); ok {
			cfg.StackDefault = v
		}
	}
	if n, at := f.get("guard"); n != nil {
		// A number is a size; anything else (yes, "maybe") was meant as a boolean.
		if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float" ||
			n.Tag == "!!str" && n.Value != "" && '0' <= n.Value[0] && n.Value[0] <= '9') {
			if v, ok := p.guard(n, at); ok {
				cfg.Guard, cfg.GuardSize = true, v
			}
		} else if v, ok := p.boolean(n, at); ok {
			cfg.Guard = v
		}
	}
}

// guard decodes a guard size and checks it against GuardAlign and MaxGuard.
func (p *parser) guard(n *yaml.Node, at string) (uint64, bool) {
	want := fmt.Sprintf("true, false or a size from %s to %s that is a multiple of %s",
		FormatSize(GuardAlign), FormatSize(MaxGuard), FormatSize(GuardAlign))
	if n.Tag == "!!float" { // 1.5, .inf, or an integer too large for YAML's !!int
		p.errorf(n, at, "must be %s, got %s", want, describe(n))
		return 0, false
	}
	v, ok := p.bytes(n, at)
	if !ok {
		return 0, false
	}
	if v == 0 || v%GuardAlign != 0 || v > MaxGuard {
		p.errorf(n, at, "must be %s, got %s", want, FormatSize(v))
		return 0, false
	}
	return v, true
}

// threads fills cfg.Threads and checks names across threads.
func (p *parser) threads(cfg *Config, top fields) {
	n, at := top.get("threads")
	if n == nil {
		p.add(Pos{1, 1}, at, "is required: at least one thread")
		return
	}
	if !p.checkTag(n, at) {
		return
	}
	if isNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(n, at, "is required: at least one thread")
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, at, "must be a list of threads, got %s", describe(n))
		return
	}
	if len(n.Content) > MaxThreads {
		p.errorf(n.Content[MaxThreads], at, "at most %d threads are allowed, got %d", MaxThreads, len(n.Content))
	}

	names := map[string]string{}  // thread name -> where it was first given
	idents := map[string]string{} // Go identifier -> what uses it
	for i, item := range n.Content {
		item = resolve(item)
		tp := fmt.Sprintf("%s[%d]", at, i)
		f, ok := p.mapping(item, tp, threadFields, "a mapping such as {name: ping, priority: 1}")
		if !ok {
			continue
		}
		t := Thread{Autostart: true}

		if nn, np := f.get("name"); nn == nil {
			p.errorf(item, np, "is required")
		} else if name, ok := p.str(nn, np, "a thread name such as ping"); ok {
			t.Name = name
			if first, dup := names[name]; dup {
				p.errorf(nn, np, "duplicate thread name %s (first at %s)", quote(name), first)
			} else {
				names[name] = fmt.Sprintf("%s, line %d", tp, nn.Line)
				t.Ident = p.goName(nn, np, name, idents, fmt.Sprintf("%s (line %d)", tp, nn.Line), false)
			}
		}
		if pn, pp := f.get("priority"); pn != nil {
			want := fmt.Sprintf("an integer from %d to %d", MinPriority, MaxPriority)
			if v, ok := p.integer(pn, pp, want); ok {
				if v < MinPriority || v > MaxPriority {
					p.errorf(pn, pp, "must be %s, got %s", want, describe(pn))
				} else {
					t.Priority = int(v)
				}
			}
		}
		if sn, sp := f.get("stack"); sn != nil {
			t.Stack, _ = p.size(sn, sp)
		}
		if an, ap := f.get("autostart"); an != nil {
			if v, ok := p.boolean(an, ap); ok {
				t.Autostart = v
			}
		}
		cfg.Threads = append(cfg.Threads, t)
	}
	for i := range cfg.Threads {
		if cfg.Threads[i].Stack == 0 {
			cfg.Threads[i].Stack = cfg.StackDefault
		}
	}
}

// str decodes a string scalar.
func (p *parser) str(n *yaml.Node, at, want string) (string, bool) {
	if !p.checkTag(n, at) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		p.errorf(n, at, "must be %s, got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

// integer decodes an integer scalar written in decimal.
func (p *parser) integer(n *yaml.Node, at, want string) (int64, bool) {
	return p.integerIn(n, at, want, false)
}

// integerIn decodes an integer scalar; prefixed allows 0x, 0o and 0b forms.
func (p *parser) integerIn(n *yaml.Node, at, want string, prefixed bool) (int64, bool) {
	if !p.checkTag(n, at) {
		return 0, false
	}
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		p.errorf(n, at, "must be %s, got %s", want, describe(n))
		return 0, false
	}
	if msg := intForm(n.Value, prefixed); msg != "" {
		p.errorf(n, at, "must be %s %s, got %s", want, msg, clip(n.Value))
		return 0, false
	}
	return v, true
}

// intForm returns why the YAML integer s is not written as meant, or "":
// a leading zero (YAML reads 010 as the octal 8), or with prefixed (false)
// any 0x, 0o or 0b form where a decimal is meant.
func intForm(s string, prefixed bool) string {
	d := strings.TrimLeft(strings.ReplaceAll(s, "_", ""), "+-")
	if len(d) < 2 || d[0] != '0' {
		return ""
	}
	switch d[1] {
	case 'x', 'X', 'o', 'O', 'b', 'B':
		if prefixed {
			return ""
		}
		return "written in decimal"
	}
	return "without leading zeros (YAML would read " + clip(s) + " as an octal number)"
}

// boolean decodes true or false, and nothing else.
func (p *parser) boolean(n *yaml.Node, at string) (bool, bool) {
	if !p.checkTag(n, at) {
		return false, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	p.errorf(n, at, "must be true or false, got %s", describe(n))
	return false, false
}

// checkTag reports a node with a tag outside the YAML core schema.
func (p *parser) checkTag(n *yaml.Node, at string) bool {
	switch n.Tag {
	case "", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!map", "!!seq":
		return true
	case "!!merge":
		if n.Style&yaml.TaggedStyle == 0 {
			return true // a plain "<<" value; kinds are checked by the caller
		}
	}
	p.errorf(n, at, "unsupported YAML tag %s; write a plain value", quote(n.Tag))
	return false
}

// checkPackage returns why s is not a usable package name, or "".
func checkPackage(s string) string {
	switch {
	case token.IsKeyword(s):
		return "must not be a Go keyword, got " + quote(s)
	case !token.IsIdentifier(s):
		return "must be a Go package name (a letter followed by letters, digits or underscores), got " + quote(s)
	case s == "_":
		return `must not be "_": the blank identifier cannot name a package`
	case s == "documentation":
		return `must not be "documentation": the go command ignores files of a package by that name`
	case s == "init":
		return `must not be "init": init cannot be declared except as a function, so no package can be named init`
	case s == "main":
		return `must not be "main": the generated code is imported by your program, and a main package cannot be imported`
	}
	return ""
}

// goName checks a thread or service name (at np, node nn) and returns its Go
// identifier, or "" when it cannot be one: the form, the identifiers the
// generated API declares, the method names go vet reserves (for services,
// which become Runtime methods), and identifiers already used (idents, which
// gets this one as use).
func (p *parser) goName(nn *yaml.Node, np, name string, idents map[string]string, use string, method bool) string {
	if !validName(name) {
		p.errorf(nn, np, "must start with a lowercase letter and contain only lowercase letters, digits and underscores "+
			"(it is turned into Go identifiers), got %s", quote(name))
		return ""
	}
	id := ident(name)
	if slices.Contains(p.opt.Reserved, id) {
		p.errorf(nn, np, "name %s becomes the Go identifier %s, which the generated API already declares; pick another name",
			quote(name), id)
		return id
	}
	if sig, ok := vetMethods[id]; ok && method {
		p.errorf(nn, np, "name %s becomes the method Runtime.%s, which go vet requires to be %s; pick another name",
			quote(name), id, sig)
		return id
	}
	if prev, dup := idents[id]; dup {
		p.errorf(nn, np, "name %s gives the Go identifier %s, already used by %s", quote(name), id, prev)
		return id
	}
	idents[id] = use
	return id
}

// validName reports whether name matches ^[a-z][a-z0-9_]*$.
func validName(name string) bool {
	for i, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '_')) {
			return false
		}
	}
	return name != ""
}

// ident turns a valid thread name into an exported Go identifier:
// "ping_pong" -> "PingPong".
func ident(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(name, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]))
			b.WriteString(part[1:])
		}
	}
	return b.String()
}

// resolve follows an alias to the node it names, keeping the position of
// the alias so that messages point at where the value is used.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.AliasNode {
		return n
	}
	t := n
	for i := 0; t.Kind == yaml.AliasNode && t.Alias != nil && i < 100; i++ {
		t = t.Alias
	}
	if t.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	c := *t
	c.Line, c.Column = n.Line, n.Column
	return &c
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// posOf returns the position of n, at least 1:1.
func posOf(n *yaml.Node) Pos {
	return Pos{max(n.Line, 1), max(n.Column, 1)}
}

// where describes the position of first, as seen from the later node.
func where(first, later *yaml.Node) string {
	if first.Line == later.Line {
		return fmt.Sprintf("line %d, column %d", first.Line, first.Column)
	}
	return fmt.Sprintf("line %d", first.Line)
}

// path joins a field path and a field name.
func path(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// describe names the kind and value of n for "got ..." messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
	default:
		return "an empty document"
	}
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		return n.Tag + " " + quote(n.Value)
	case n.Tag == "!!str":
		return quote(n.Value)
	case n.Tag == "!!null" && n.Value == "":
		return "nothing"
	}
	return clip(n.Value)
}

// quote quotes s for a message, shortening long values.
func quote(s string) string { return strconv.Quote(clip(s)) }

func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "..."
}

// didYouMean is the end of the message for s, which is none of allowed: the
// allowed name closest to it within edit distance 2 as a suggestion, or
// nothing.
func didYouMean(s string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if d := editDistance(s, a, bestDist); d < bestDist {
			best, bestDist = a, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + quote(best) + "?"
}

// editDistance returns the Levenshtein distance between a and b, or limit
// if it is at least limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

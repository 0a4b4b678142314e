// Package goversion holds what the generated runtime knows about each Go
// release it supports: the offsets of the goroutine (g) and thread (m) fields
// the switcher installs, the runtime's status values, the layout of its
// GODEBUG table and function table, and the frame of asyncPreempt. Those are
// private to the Go runtime and may change with every release, so a generated
// package carries one file of them per supported release, under build
// constraints, and checks them at start-up.
//
// Facts lists what is needed and where it comes from; each release's values
// are in a file of their own (go1_26.go, ...), written by the probe in
// ./probe from the DWARF and sources of that release's toolchain:
//
//	go run ./internal/goversion/probe -go go1.28.0
//
// Adding a Go release is: run the probe with the new toolchain, review the
// diff of the new table against the previous one, run the suite with it.
package goversion

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Use says which generated code needs a fact, so that a package is given only
// the facts its features use.
type Use int

const (
	UseCore      Use = iota // every package: the switcher and the start-up check
	UseGC                   // gc: collect: holders, the GODEBUG table
	UseGCPreempt            // gc: collect with time slices: the function table, asyncPreempt
)

// A Fact is one value of the Go runtime the generated code relies on.
type Fact struct {
	// Name is the constant in the generated package (the assembly reads it
	// from go_asm.h as const_<Name>).
	Name string
	// From says where the probe reads it:
	//   "runtime.g.stack.lo"   the offset of a field (a path through nested structs) in the DWARF
	//   "sizeof runtime._func" the byte size of a struct in the DWARF
	//   "const runtime._Gscan" a constant in the DWARF
	//   "src runtime/stack.go stackPreempt" a constant the DWARF lacks, from the source
	//   "frame runtime/preempt_amd64.s"     asyncPreempt's SP delta at its call
	From string
	Doc  string
	Use  Use
}

// Facts lists every fact, in the order the generated files declare them.
var Facts = []Fact{
	{"gStackLo", "runtime.g.stack.lo", "g.stack.lo", UseCore},
	{"gStackHi", "runtime.g.stack.hi", "g.stack.hi", UseCore},
	{"gStackguard0", "runtime.g.stackguard0", "g.stackguard0: the stack bound prologues check, or the preemption marker", UseCore},
	{"gPanic", "runtime.g._panic", "g._panic: the thread's panic chain", UseCore},
	{"gDefer", "runtime.g._defer", "g._defer: the thread's defer chain", UseCore},
	{"gM", "runtime.g.m", "g.m", UseCore},
	{"gStktopsp", "runtime.g.stktopsp", "g.stktopsp: where unwinds of the stack end", UseCore},
	{"gStatus", "runtime.g.atomicstatus", "g.atomicstatus, checked at start-up: _Grunning", UseCore},
	{"gGoid", "runtime.g.goid", "g.goid, checked at start-up against runtime.Stack", UseCore},
	{"gPreemptShrink", "runtime.g.preemptShrink", "g.preemptShrink, a bool Run clears", UseCore},
	{"mCurg", "runtime.m.curg", "m.curg, checked against DWARF by the tests", UseCore},
	{"mProcid", "runtime.m.procid", "m.procid: the OS thread ID, checked at start-up", UseCore},
	{"mLocks", "runtime.m.locks", "m.locks: runtime locks held (preemption is unsafe)", UseCore},
	{"stackPreempt", "src runtime/stack.go stackPreempt", "stackPreempt: the preemption marker in g.stackguard0 (as a negative number)", UseCore},
	{"gStatusRunning", "const runtime._Grunning", "_Grunning", UseCore},

	{"gSyscallsp", "runtime.g.syscallsp", "g.syscallsp: non-zero makes unwinds start at syscallpc/sp/bp and forbids shrinking", UseGC},
	{"gSyscallpc", "runtime.g.syscallpc", "g.syscallpc", UseGC},
	{"gSyscallbp", "runtime.g.syscallbp", "g.syscallbp", UseGC},
	{"gGcscandone", "runtime.g.gcscandone", "g.gcscandone: this g's stack was scanned in the current cycle", UseGC},
	{"gGoroutineProfiled", "runtime.g.goroutineProfiled", "g.goroutineProfiled: the goroutine profiler's claim on this g", UseGC},
	{"gStatusSyscall", "const runtime._Gsyscall", "_Gsyscall", UseGC},
	{"gStatusWaiting", "const runtime._Gwaiting", "_Gwaiting", UseGC},
	{"gStatusScan", "const runtime._Gscan", "_Gscan: the bit the collector holds while it scans a g", UseGC},
	{"profAbsent", "const runtime.goroutineProfileAbsent", "goroutineProfiled: not claimed", UseGC},
	{"profInProgress", "const runtime.goroutineProfileInProgress", "goroutineProfiled: being recorded", UseGC},
	{"profSatisfied", "const runtime.goroutineProfileSatisfied", "goroutineProfiled: recorded", UseGC},
	{"dbgVarName", "runtime.dbgVar.name", "dbgVar.name: the setting's name (string data pointer)", UseGC},
	{"dbgVarLen", "runtime.dbgVar.name.len", "dbgVar.name: its length", UseGC},
	{"dbgVarValue", "runtime.dbgVar.value", "dbgVar.value: *int32 for settings read at start-up", UseGC},
	{"dbgVarAtomic", "runtime.dbgVar.atomic", "dbgVar.atomic: *atomic.Int32 for settings that can change at run time", UseGC},
	{"dbgVarDef", "runtime.dbgVar.def", "dbgVar.def: the int32 default", UseGC},
	{"dbgVarSize", "sizeof runtime.dbgVar", "the size of a dbgVar record", UseGC},

	{"pclnMagic", "const internal/abi.CurrentPCLnTabMagic", "pcHeader.magic", UseGCPreempt},
	{"pclnHeaderSize", "sizeof runtime.pcHeader", "the size of pcHeader", UseGCPreempt},
	{"funcHeaderSize", "sizeof runtime._func", "runtime._func before its pcdata offsets", UseGCPreempt},
	{"pclnMinLC", "runtime.pcHeader.minLC", "pcHeader.minLC: the instruction size quantum", UseGCPreempt},
	{"pclnPtrSize", "runtime.pcHeader.ptrSize", "pcHeader.ptrSize", UseGCPreempt},
	{"pclnNfunc", "runtime.pcHeader.nfunc", "pcHeader.nfunc: the number of functions", UseGCPreempt},
	{"pclnFuncnameOffset", "runtime.pcHeader.funcnameOffset", "pcHeader.funcnameOffset: where the function names start", UseGCPreempt},
	{"pclnPctabOffset", "runtime.pcHeader.pctabOffset", "pcHeader.pctabOffset: where the pc-value tables start", UseGCPreempt},
	{"pclnPclnOffset", "runtime.pcHeader.pclnOffset", "pcHeader.pclnOffset: where the function table starts", UseGCPreempt},
	{"functabSize", "sizeof runtime.functab", "the size of a function table entry", UseGCPreempt},
	{"functabEntryoff", "runtime.functab.entryoff", "functab.entryoff: the function's entry, from the text base", UseGCPreempt},
	{"functabFuncoff", "runtime.functab.funcoff", "functab.funcoff: its _func record, from the function table", UseGCPreempt},
	{"funcNameOff", "runtime._func.nameOff", "_func.nameOff", UseGCPreempt},
	{"funcPcsp", "runtime._func.pcsp", "_func.pcsp: the SP-delta table", UseGCPreempt},
	{"funcNpcdata", "runtime._func.npcdata", "_func.npcdata", UseGCPreempt},
	{"funcFlag", "runtime._func.flag", "_func.flag", UseGCPreempt},
	{"funcNfuncdata", "runtime._func.nfuncdata", "_func.nfuncdata", UseGCPreempt},
	{"funcFlagAsm", "const internal/abi.FuncFlagAsm", "_func.flag: an assembly function", UseGCPreempt},
	{"unsafePointSafe", "const internal/abi.UnsafePointSafe", "PCDATA_UnsafePoint value of an asynchronous safe point", UseGCPreempt},
	{"pcdataUnsafePoint", "const internal/abi.PCDATA_UnsafePoint", "the pcdata table of unsafe points", UseGCPreempt},
	{"funcdataLocalsPtrs", "const internal/abi.FUNCDATA_LocalsPointerMaps", "the funcdata of local pointer maps", UseGCPreempt},
	{"asyncPreemptFrame", "frame runtime/preempt_amd64.s", "runtime.asyncPreempt's SP delta at its call (amd64)", UseGCPreempt},
}

// A Release is the facts of one Go release (all its patch releases).
type Release struct {
	Version   string // "go1.26"
	Toolchain string // the toolchain the probe read, "go1.26.8"
	// Values holds every fact by name. The probe checked that they are the
	// same on every architecture gthreadgen emits.
	Values map[string]int64
}

// Minor is the release's minor version: 26 for go1.26.
func (r *Release) Minor() int {
	n, _ := strconv.Atoi(strings.TrimPrefix(r.Version, "go1."))
	return n
}

// Name is the release as people write it: "Go 1.26".
func (r *Release) Name() string { return "Go " + strings.TrimPrefix(r.Version, "go") }

// Tag is the release's build tag, "go1.26".
func (r *Release) Tag() string { return r.Version }

// Releases lists the supported Go releases, oldest first. Each is added by
// its own file (go1_26.go, ...).
var Releases []Release

func register(r Release) {
	Releases = append(Releases, r)
	slices.SortFunc(Releases, func(a, b Release) int { return a.Minor() - b.Minor() })
}

// Lookup returns the release of a Go version such as "go1.27.3" or "go1.27".
func Lookup(version string) (*Release, bool) {
	for i := range Releases {
		r := &Releases[i]
		if version == r.Version || strings.HasPrefix(version, r.Version+".") {
			return r, true
		}
	}
	return nil, false
}

// Names lists the supported releases for people: "go1.26, go1.27".
func Names(rs []Release) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Version)
	}
	return strings.Join(s, ", ")
}

// Next is the first release after the newest in rs, "go1.28": the build tag
// the generated files exclude.
func Next(rs []Release) string {
	return fmt.Sprintf("go1.%d", rs[len(rs)-1].Minor()+1)
}

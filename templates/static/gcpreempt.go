//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// Time slices with gc: collect.
//
// A thread preempted by the timer stops at an arbitrary instruction: some of
// its pointers may live only in registers, and its innermost frame has no
// stack map at that PC. The Go runtime has the same problem with its own
// asynchronous preemption and solves it with runtime.asyncPreempt: a frame
// that holds the general registers and that the collector (and every
// traceback) recognises, scanning it and the interrupted frame
// conservatively. So does this package: preemptTrampoline lays out its frame
// exactly as runtime.asyncPreempt does at its call to asyncPreempt2 (BP,
// flags, the 14 general registers), and preemptStub, which it calls, shows
// runtime.asyncPreempt's return address in its return-address slot while it
// runs (asyncPreemptRet, found at start-up), so that the unwinder sees
// preempted <- preemptStub <- runtime.asyncPreempt <- the interrupted frame.
//
// The runtime also refuses to preempt at instructions its compiler marked
// unsafe (write-barrier sequences, prologues, pointer arithmetic through
// uintptr), and in assembly or in functions without stack maps: with the
// collector running, a thread stopped there and resumed in another GC phase
// could skip a write barrier. The handler honours the same marks: it
// preempts only at PCs in safeRanges, computed at start-up from the
// PCDATA_UnsafePoint tables of the thread bodies' packages in the
// executable's pclntab (version-pinned layout, checked as it is read).

import (
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/trace"
	"slices"
	"sync"
)

// asyncPreemptRet is the address of the instruction after runtime.asyncPreempt's
// call to runtime.asyncPreempt2, read by preemptStub.
var asyncPreemptRet uintptr

// asyncPreemptView makes preemptStub show asyncPreemptRet. Only the
// negative control of the conformance tests (TestNegativeControl) clears it:
// the collector then takes the trampoline for an ordinary frame without
// pointers and the interrupted frame for one stopped at a call.
var asyncPreemptView = true

// The pclntab layout (pclnMagic, pclnHeaderSize, funcHeaderSize,
// funcFlagAsm, unsafePointSafe, pcdataUnsafePoint, funcdataLocalsPtrs) and
// asyncPreemptFrame, runtime.asyncPreempt's SP delta at its call (BP, flags,
// 14 registers), are in the file of each supported Go release
// (goruntime_go1_*.go).

// asyncPreemptCallLen is the length of asyncPreempt's CALL rel32.
const asyncPreemptCallLen = 5

// pclntab is the executable's function table (runtime/symtab.go, pcHeader
// and _func), read from /proc/self/exe.
type pclntab struct {
	names, pctab, ftab []byte
	nfunc              int
	text               uintptr // the address functions' entry offsets count from
}

var safePoints struct {
	once sync.Once
	tab  *pclntab
	err  error
}

// loadPclntab reads and checks the executable's pclntab once, and finds
// runtime.asyncPreempt's return address.
func loadPclntab() (*pclntab, error) {
	safePoints.once.Do(func() {
		safePoints.tab, safePoints.err = readPclntab()
		if safePoints.err == nil {
			asyncPreemptRet, safePoints.err = safePoints.tab.asyncPreemptReturn()
		}
		if safePoints.err == nil {
			safePoints.err = safePoints.tab.checkSafePoints()
		}
	})
	return safePoints.tab, safePoints.err
}

// checkSafePoints checks the reading of the unsafe-point tables on two
// functions whose answer is known: runtime.asyncPreempt is assembly, so it
// has no safe point; preempted is Go with a stack-check prologue, so its
// table holds only the unsafe-point values (-1 to -5, where the stack-map
// index table, say, holds indices from 0), marks its entry safe and its
// prologue's branch to morestack unsafe.
func (t *pclntab) checkSafePoints() error {
	ap := t.lookup("runtime.asyncPreempt")
	if safe, err := t.safeRanges(t.entry(ap), t.entry(ap+1), nil); err != nil || len(safe) != 0 {
		return &LayoutError{Detail: "runtime.asyncPreempt does not read as assembly in the pclntab"}
	}
	i := t.index(reflect.ValueOf(preempted).Pointer())
	if i < 0 || t.fn(i) == nil {
		return &LayoutError{Detail: "preempted is not in the pclntab"}
	}
	entry := t.entry(i)
	values := map[int32]bool{}
	first := int32(0)
	ok := t.values(entry, table(t.fn(i), pcdataUnsafePoint), func(lo, hi uintptr, v int32) {
		if lo == entry {
			first = v
		}
		values[v] = true
	})
	for v := range values {
		ok = ok && -5 <= v && v <= -1
	}
	if !ok || first != unsafePointSafe || !values[-2] {
		return &LayoutError{Detail: "the PCDATA_UnsafePoint table of preempted does not read as unsafe-point values"}
	}
	return nil
}

func readPclntab() (*pclntab, error) {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return nil, &LayoutError{Detail: "reading the executable's function table: " + err.Error()}
	}
	defer f.Close()
	sec := f.Section(".gopclntab")
	if sec == nil {
		return nil, &LayoutError{Detail: "the executable has no .gopclntab section"}
	}
	data, err := sec.Data()
	if err != nil {
		return nil, &LayoutError{Detail: "reading .gopclntab: " + err.Error()}
	}
	le := binary.LittleEndian
	if len(data) < pclnHeaderSize || le.Uint32(data) != pclnMagic || data[pclnMinLC] != 1 || data[pclnPtrSize] != 8 {
		return nil, &LayoutError{Detail: "pclntab header (magic, instruction size, pointer size)"}
	}
	t := &pclntab{nfunc: int(le.Uint64(data[pclnNfunc:]))}
	names, pctab, ftab := le.Uint64(data[pclnFuncnameOffset:]), le.Uint64(data[pclnPctabOffset:]), le.Uint64(data[pclnPclnOffset:])
	if names > uint64(len(data)) || pctab > uint64(len(data)) || ftab > uint64(len(data)) || uint64(t.nfunc+1)*functabSize > uint64(len(data))-ftab {
		return nil, &LayoutError{Detail: "pclntab header offsets"}
	}
	t.names, t.pctab, t.ftab = data[names:], data[pctab:], data[ftab:]
	// The text base: a function of this package, found by name.
	anchor := reflect.ValueOf(preempted).Pointer()
	fn := runtime.FuncForPC(anchor)
	if fn == nil {
		return nil, &LayoutError{Detail: "no function at preempted's PC"}
	}
	i := t.lookup(fn.Name())
	if i < 0 {
		return nil, &LayoutError{Detail: "pclntab has no " + fn.Name()}
	}
	t.text = fn.Entry() - uintptr(t.entryOff(i))
	// A second function must agree.
	check := runtime.FuncForPC(reflect.ValueOf(readPclntab).Pointer())
	if j := t.lookup(check.Name()); j < 0 || t.entry(j) != check.Entry() {
		return nil, &LayoutError{Detail: "pclntab entries do not match the running code"}
	}
	return t, nil
}

func (t *pclntab) entryOff(i int) uint32 {
	return binary.LittleEndian.Uint32(t.ftab[functabSize*i+functabEntryoff:])
}
func (t *pclntab) entry(i int) uintptr { return t.text + uintptr(t.entryOff(i)) }

// fn returns function i's _func record.
func (t *pclntab) fn(i int) []byte {
	off := binary.LittleEndian.Uint32(t.ftab[functabSize*i+functabFuncoff:])
	if uint64(off)+funcHeaderSize > uint64(len(t.ftab)) {
		return nil
	}
	return t.ftab[off:]
}

// name returns function i's symbol name.
func (t *pclntab) name(i int) string {
	f := t.fn(i)
	if f == nil {
		return ""
	}
	off := binary.LittleEndian.Uint32(f[funcNameOff:])
	if uint64(off) >= uint64(len(t.names)) {
		return ""
	}
	s := t.names[off:]
	for n, c := range s {
		if c == 0 {
			return string(s[:n])
		}
	}
	return ""
}

// lookup returns the index of the function called name, or -1.
func (t *pclntab) lookup(name string) int {
	for i := range t.nfunc {
		if t.name(i) == name {
			return i
		}
	}
	return -1
}

// index returns the index of the function holding pc (entries are sorted),
// or -1.
func (t *pclntab) index(pc uintptr) int {
	if pc < t.entry(0) || pc >= t.entry(t.nfunc) {
		return -1
	}
	lo, hi := 0, t.nfunc
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if t.entry(mid) <= pc {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// table returns the offset of function f's pcdata table k, 0 if none.
func table(f []byte, k int) uint32 {
	le := binary.LittleEndian
	if k >= int(le.Uint32(f[funcNpcdata:])) {
		return 0
	}
	return le.Uint32(f[funcHeaderSize+4*k:])
}

// values calls fn for each PC range [lo, hi) of the table at off of the
// function at entry, with its value (runtime.pcvalue's encoding: zig-zag
// value deltas and PC deltas, uvarints, starting at -1). It reports whether
// the table was well-formed.
func (t *pclntab) values(entry uintptr, off uint32, fn func(lo, hi uintptr, v int32)) bool {
	if uint64(off) >= uint64(len(t.pctab)) {
		return false
	}
	p := t.pctab[off:]
	pc, val := entry, int32(-1)
	for first := true; ; first = false {
		uv, n := binary.Uvarint(p)
		if n <= 0 {
			return false
		}
		if uv == 0 && !first {
			return true
		}
		val += int32(-(uint32(uv) & 1) ^ uint32(uv)>>1)
		p = p[n:]
		d, n := binary.Uvarint(p)
		if n <= 0 {
			return false
		}
		p = p[n:]
		fn(pc, pc+uintptr(d), val)
		pc += uintptr(d)
	}
}

// safeRanges returns the PCs in [lo, hi) where the runtime itself would
// preempt asynchronously (runtime.isAsyncSafePoint): Go functions with stack
// maps, outside the compiler's unsafe points. Restartable sequences count as
// unsafe here (the handler cannot back up the PC); the thread is then
// preempted at its next tick.
func (t *pclntab) safeRanges(lo, hi uintptr, out [][2]uintptr) ([][2]uintptr, error) {
	add := func(a, b uintptr) {
		if n := len(out); n > 0 && out[n-1][1] == a {
			out[n-1][1] = b
		} else if a < b {
			out = append(out, [2]uintptr{a, b})
		}
	}
	i := t.index(lo)
	if i < 0 {
		return out, &LayoutError{Detail: "a thread body's code is not in the pclntab"}
	}
	le := binary.LittleEndian
	for ; i < t.nfunc && t.entry(i) < hi; i++ {
		f := t.fn(i)
		if f == nil {
			return out, &LayoutError{Detail: "pclntab function record out of range"}
		}
		entry, end := t.entry(i), t.entry(i+1)
		npcdata, nfuncdata := le.Uint32(f[funcNpcdata:]), uint32(f[funcNfuncdata])
		if f[funcFlag]&funcFlagAsm != 0 || nfuncdata <= funcdataLocalsPtrs ||
			le.Uint32(f[funcHeaderSize+4*npcdata+4*funcdataLocalsPtrs:]) == ^uint32(0) {
			continue
		}
		off := table(f, pcdataUnsafePoint)
		if off == 0 {
			add(entry, end)
			continue
		}
		ok := t.values(entry, off, func(a, b uintptr, v int32) {
			if v == unsafePointSafe {
				add(a, min(b, end))
			}
		})
		if !ok {
			return out, &LayoutError{Detail: "malformed PCDATA_UnsafePoint table in " + t.name(i)}
		}
	}
	return out, nil
}

// asyncPreemptReturn finds the instruction after runtime.asyncPreempt's call
// to runtime.asyncPreempt2 and checks that the frame there is the one
// preemptTrampoline builds.
func (t *pclntab) asyncPreemptReturn() (uintptr, error) {
	ap := t.lookup("runtime.asyncPreempt")
	if ap < 0 {
		return 0, &LayoutError{Detail: "pclntab has no runtime.asyncPreempt"}
	}
	entry, end := t.entry(ap), t.entry(ap+1)
	// The call goes to asyncPreempt2's ABI0 wrapper, which has its name.
	isAsyncPreempt2 := func(pc uintptr) bool {
		i := t.index(pc)
		return i >= 0 && t.entry(i) == pc && t.name(i) == "runtime.asyncPreempt2"
	}
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		return 0, &LayoutError{Detail: "reading runtime.asyncPreempt: " + err.Error()}
	}
	defer mem.Close()
	code := make([]byte, end-entry)
	if _, err := mem.ReadAt(code, int64(entry)); err != nil {
		return 0, &LayoutError{Detail: "reading runtime.asyncPreempt: " + err.Error()}
	}
	// PUSHQ BP; MOVQ SP, BP; PUSHFQ; SUBQ $112, SP; MOVQ AX, 0(SP)
	prologue := []byte{0x55, 0x48, 0x89, 0xe5, 0x9c, 0x48, 0x83, 0xec, 0x70, 0x48, 0x89, 0x04, 0x24}
	if len(code) < len(prologue) || string(code[:len(prologue)]) != string(prologue) {
		return 0, &LayoutError{Detail: "runtime.asyncPreempt does not begin as expected"}
	}
	var ret uintptr
	for k := 0; k+asyncPreemptCallLen <= len(code); k++ {
		if code[k] != 0xe8 {
			continue
		}
		next := entry + uintptr(k) + asyncPreemptCallLen
		if isAsyncPreempt2(next + uintptr(int32(binary.LittleEndian.Uint32(code[k+1:])))) {
			if ret != 0 {
				return 0, &LayoutError{Detail: "runtime.asyncPreempt calls asyncPreempt2 twice"}
			}
			ret = next
		}
	}
	if ret == 0 {
		return 0, &LayoutError{Detail: "runtime.asyncPreempt does not call asyncPreempt2"}
	}
	f := t.fn(ap)
	sp := int32(-1)
	if !t.values(entry, binary.LittleEndian.Uint32(f[funcPcsp:]), func(a, b uintptr, v int32) {
		if a <= ret && ret < b {
			sp = v
		}
	}) || sp != asyncPreemptFrame {
		return 0, &LayoutError{Detail: fmt.Sprintf("runtime.asyncPreempt's frame at its call is %d bytes, not the expected %d", sp, asyncPreemptFrame)}
	}
	return ret, nil
}

// initSafePoints replaces the bodies' package ranges by their safe points.
func (rt *Runtime) initSafePoints() error {
	t, err := loadPclntab()
	if err != nil {
		return err
	}
	var safe [][2]uintptr
	for _, r := range rt.pre.ranges[:rt.pre.nranges] {
		if safe, err = t.safeRanges(r[0], r[1], safe); err != nil {
			return err
		}
	}
	slices.SortFunc(safe, func(a, b [2]uintptr) int { return cmp.Compare(a[0], b[0]) })
	rt.pre.safe = safe
	return nil
}

// ErrTracing: Run in gc: collect with time slices while the execution tracer
// is on.
var ErrTracing = &GCModeError{
	Detail: "the execution tracer is running, and time slices lock Run's goroutine to its OS thread",
	Fix:    "stop runtime/trace before Run, or schedule cooperatively: with a locked goroutine, tracebacks of parked goroutines crash the Go runtime (golang/go#73259)",
}

// checkTrace refuses Run while the execution tracer is on: with time slices
// Run locks its OS thread, and with a locked goroutine the tracer crashes
// the Go runtime walking parked goroutines (golang/go#73259).
func checkTrace() error {
	if trace.IsEnabled() {
		return ErrTracing
	}
	return nil
}

//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// gc: collect. The collector keeps running while threads exist. It scans
// goroutines, not stacks, so New starts NumThreads+1 holder goroutines,
// parked on a channel receive for the runtime's whole life; at most
// NumThreads execution contexts (the threads, and Run's own goroutine stack
// while a thread runs) are suspended at a time. While a context is
// suspended, one holder's g describes the context's stack and resume point,
// and the collector scans that stack as the holder's; the running context is
// carried by the goroutine that calls Run, as usual. Holders never run
// thread code. The functions below say what each step guards against.

import (
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
	_ "unsafe" // go:linkname

	"golang.org/x/sys/unix"
)

// The g offsets, status values and goroutineProfiled states this file uses
// (gSyscallsp, gStatusWaiting, profAbsent, ...) are in the file of each
// supported Go release (goruntime_go1_*.go), checked by probeGC at start-up
// and against the runtime's DWARF by the tests.

// writeBarrier is the runtime's write-barrier flag: enabled exactly while a
// mark phase is active (_GCmark and _GCmarktermination). The runtime keeps it
// linkname-accessible on purpose (go.dev/issue/67401, "do not remove or change
// the type signature"), so the linker accepts this reference.
//
//go:linkname writeBarrier runtime.writeBarrier
var writeBarrier struct {
	enabled bool
	pad     [3]byte
	alignme uint64
}

// gobj is an opaque runtime g; *gobj points at one.
type gobj struct{}

// GCModeError is returned when gc: collect cannot run safely; Fix says what to do.
type GCModeError struct {
	Detail, Fix string
}

func (e *GCModeError) Error() string {
	return errPrefix + "gc: collect: " + e.Detail + "; " + e.Fix
}

// Stack shrinking. The collector halves the stack of a goroutine it scans
// that uses little of it (runtime/stack.go shrinkstack, from scanstack in
// mgcmark.go, or later from newstack when the scan found the goroutine at an
// asynchronous safe point). The goroutine that calls Run is on a thread's
// stack while a thread runs; shrinking it there copies and frees a stack the
// runtime does not own: "fatal error: stack size not a power of 2". (Holders
// are never shrunk: a published holder has syscallsp != 0.) The runtime's only
// switch is its GODEBUG setting gcshrinkstackoff, the plain int32
// debug.gcshrinkstackoff (runtime1.go) that GODEBUG sets at start-up only:
// os.Setenv updates only the settings that can change at run time,
// //go:debug refuses it, and the linker refuses references to runtime.debug
// and runtime.dbgvars. So the first New in a process turns that setting on
// itself, in the runtime's own variable, which it finds through the runtime's
// table of GODEBUG settings, runtime.dbgvars: statically initialised records
//
//	type dbgVar struct {
//		name   string        // "gcshrinkstackoff"
//		value  *int32        // &debug.gcshrinkstackoff
//		atomic *atomic.Int32 // nil
//		def    int32         // 0
//	}
//
// in the executable's data. This is process-wide and permanent: no goroutine
// of the process has its stack shrunk by the collector afterwards (they keep
// the largest stack they have grown to), as with GODEBUG=gcshrinkstackoff=1.

// The offsets in runtime.dbgVar (dbgVarName, dbgVarLen, dbgVarValue,
// dbgVarAtomic, dbgVarDef) and its size dbgVarSize are in the file of each
// supported Go release (goruntime_go1_*.go).

// ELF program header values (elf.h) for reading the executable's own
// program headers from memory.
const (
	atPhdr      = 3 // AT_PHDR: where the program headers are mapped
	atPhent     = 4 // AT_PHENT: their size
	atPhnum     = 5 // AT_PHNUM: their number
	ptLoad      = 1
	ptPhdr      = 6
	ptGNURelro  = 0x6474e552
	pfW         = 2
	pfR         = 4
	elfPhdrSize = 56 // Elf64_Phdr
)

var shrinkOff struct {
	once sync.Once
	err  error
}

// stackShrinkOff makes sure, once per process, that the collector never
// shrinks stacks: it is already off when GODEBUG contained
// gcshrinkstackoff=N (N > 0) at start-up; otherwise it turns the runtime's
// own setting on. It returns a *GCModeError when it cannot find the setting
// beyond doubt; it never writes anywhere else.
func stackShrinkOff() error {
	shrinkOff.once.Do(func() { shrinkOff.err = stackShrinkOffOnce() })
	return shrinkOff.err
}

func stackShrinkOffOnce() error {
	env, envSet := startGODEBUG("gcshrinkstackoff")
	p, err := findShrinkSetting()
	if err != nil {
		if envSet && env > 0 {
			return nil // the runtime read the setting from the environment
		}
		return &GCModeError{
			Detail: "cannot turn the collector's stack shrinking off (runtime debug.gcshrinkstackoff): " + err.Error(),
			Fix:    "start the program with GODEBUG=gcshrinkstackoff=1 in its environment, which New then relies on",
		}
	}
	cur := atomic.LoadInt32(p)
	if envSet && cur != env {
		return &GCModeError{
			Detail: "the runtime setting found for gcshrinkstackoff holds " + strconv.Itoa(int(cur)) + ", but GODEBUG set it to " + strconv.Itoa(int(env)) + " at start-up",
			Fix:    "report this; meanwhile start the program with GODEBUG=gcshrinkstackoff=1",
		}
	}
	if cur <= 0 {
		atomic.StoreInt32(p, 1)
	}
	return nil
}

// startGODEBUG returns the value GODEBUG gave key in the environment the
// process started with (/proc/self/environ, which os.Setenv does not
// change), parsed as the runtime does at start-up: left to right, the last
// valid setting wins.
func startGODEBUG(key string) (v int32, ok bool) {
	b, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		return 0, false
	}
	for _, kv := range strings.Split(string(b), "\x00") {
		val, found := strings.CutPrefix(kv, "GODEBUG=")
		if !found {
			continue
		}
		for _, f := range strings.Split(val, ",") {
			if s, found := strings.CutPrefix(f, key+"="); found {
				if n, err := strconv.ParseInt(s, 10, 32); err == nil {
					v, ok = int32(n), true
				}
			}
		}
		break // the runtime reads the first GODEBUG
	}
	return v, ok
}

// imageSeg is a loadable segment of the running executable, at run-time
// addresses: [lo, file) comes from the file, [file, hi) is zero-initialised.
type imageSeg struct {
	lo, file, hi uintptr
	w            bool
}

// image is the running executable as its program headers describe it.
type image struct {
	segs  []imageSeg
	relro [2]uintptr // read-only after relocation, though in a writable segment
}

// findShrinkSetting returns the runtime's &debug.gcshrinkstackoff. It reads
// only memory inside the executable's loaded segments (mapped readable for
// the process's life, so no read can fault), from the program headers that
// the kernel reports in the auxiliary vector (AT_PHDR; this covers PIE and
// stripped executables). It requires: this package's data in a writable
// segment of that image (not a shared library or plugin); exactly one record
// in the writable segments' file-backed data that looks like the runtime's
// dbgVar for gcshrinkstackoff (name string in a segment's file data, value
// non-nil, atomic nil, default 0), likewise exactly one for its neighbours in
// runtime1.go's debug struct, gcpacertrace and gcstoptheworld, whose values
// must be the int32s just below and above; and that value in the
// zero-initialised part of a writable segment.
func findShrinkSetting() (*int32, error) {
	im, err := readImage()
	if err != nil {
		return nil, err
	}
	names := []string{"gcpacertrace", "gcshrinkstackoff", "gcstoptheworld"}
	var found [3][]uintptr // record addresses per name
	for _, s := range im.segs {
		if !s.w {
			continue
		}
		for a := (s.lo + 7) &^ 7; a+dbgVarSize <= s.file; a += 8 {
			n := im.word(a + dbgVarLen)
			if n != 12 && n != 14 && n != 16 {
				continue
			}
			name, value := im.word(a+dbgVarName), im.word(a+dbgVarValue)
			if value == 0 || value%4 != 0 || im.word(a+dbgVarAtomic) != 0 || !im.fileData(name, n) {
				continue
			}
			for i, want := range names {
				if uintptr(len(want)) == n && im.str(name, n) == want {
					found[i] = append(found[i], a)
				}
			}
		}
	}
	for i, recs := range found {
		if len(recs) != 1 {
			return nil, fmt.Errorf("%d records for %s in the executable's data, want 1", len(recs), names[i])
		}
	}
	rec := found[1][0]
	value := im.word(rec + dbgVarValue)
	if def := *(*int32)(im.at(rec + dbgVarDef)); def != 0 {
		return nil, fmt.Errorf("the gcshrinkstackoff record has default %d, want 0", def)
	}
	if below, above := im.word(found[0][0]+dbgVarValue), im.word(found[2][0]+dbgVarValue); below != value-4 || above != value+4 {
		return nil, fmt.Errorf("gcpacertrace, gcshrinkstackoff and gcstoptheworld are at %#x, %#x and %#x, not adjacent int32s", below, value, above)
	}
	if !im.inSeg(value, 4, true, true) {
		return nil, fmt.Errorf("gcshrinkstackoff at %#x is not in the executable's writable zero-initialised data", value)
	}
	return (*int32)(im.at(value)), nil
}

// readImage reads the program headers of the running executable.
func readImage() (*image, error) {
	var phdr, phent, phnum uintptr
	auxv, err := unix.Auxv()
	if err != nil {
		return nil, fmt.Errorf("auxiliary vector: %v", err)
	}
	for _, kv := range auxv {
		switch kv[0] {
		case atPhdr:
			phdr = kv[1]
		case atPhent:
			phent = kv[1]
		case atPhnum:
			phnum = kv[1]
		}
	}
	if phdr == 0 || phent != elfPhdrSize || phnum == 0 || phnum > 256 {
		return nil, fmt.Errorf("no usable program headers in the auxiliary vector (AT_PHDR %#x, AT_PHENT %d, AT_PHNUM %d)", phdr, phent, phnum)
	}
	// The kernel maps the program headers with the image (AT_PHDR); checked
	// below against the segments they describe.
	im := &image{}
	table := unsafe.Slice((*[elfPhdrSize]byte)(im.at(phdr)), phnum)
	u32 := func(e *[elfPhdrSize]byte, off int) uint32 { return *(*uint32)(unsafe.Pointer(&e[off])) }
	u64 := func(e *[elfPhdrSize]byte, off int) uintptr { return *(*uintptr)(unsafe.Pointer(&e[off])) }
	// Elf64_Phdr: p_type 0, p_flags 4, p_offset 8, p_vaddr 16, p_paddr 24,
	// p_filesz 32, p_memsz 40, p_align 48. The load bias (non-zero for PIE)
	// is where PT_PHDR says the table is against where it is.
	var bias uintptr
	phdrs := 0
	for i := range table {
		if u32(&table[i], 0) == ptPhdr {
			bias = phdr - u64(&table[i], 16)
			phdrs++
		}
	}
	if phdrs == 0 {
		// Without PT_PHDR (a static external link): the table follows
		// the ELF header at the start of the segment that maps file
		// offset 0, when the header is on the table's page.
		var err error
		if bias, err = headerBias(im, table, phdr); err != nil {
			return nil, err
		}
	} else if phdrs != 1 {
		return nil, fmt.Errorf("%d PT_PHDR program headers, want 1", phdrs)
	}
	for i := range table {
		e := &table[i]
		typ, flags := u32(e, 0), u32(e, 4)
		vaddr, filesz, memsz := bias+u64(e, 16), u64(e, 32), u64(e, 40)
		switch {
		case typ == ptLoad && flags&pfR != 0 && filesz <= memsz && vaddr+memsz > vaddr:
			im.segs = append(im.segs, imageSeg{lo: vaddr, file: vaddr + filesz, hi: vaddr + memsz, w: flags&pfW != 0})
		case typ == ptGNURelro:
			im.relro = [2]uintptr{vaddr, vaddr + memsz}
		}
	}
	if !im.inSeg(phdr, phnum*elfPhdrSize, false, false) {
		return nil, fmt.Errorf("the program headers at %#x are outside the loaded segments they describe", phdr)
	}
	anchor := uintptr(unsafe.Pointer(&shrinkOff))
	if !im.inSeg(anchor, unsafe.Sizeof(shrinkOff), true, false) {
		return nil, fmt.Errorf("this package's data at %#x is not in the executable's writable segments (linked into a shared library or plugin?)", anchor)
	}
	return im, nil
}

// headerBias returns the load bias of an executable without PT_PHDR, from
// the ELF header just before its program header table (e_phoff 64, checked
// with the header's magic, e_phentsize and e_phnum), found only on the
// table's own page, and the PT_LOAD that maps file offset 0.
func headerBias(im *image, table [][elfPhdrSize]byte, phdr uintptr) (uintptr, error) {
	const ehdrSize = 64 // Elf64_Ehdr; e_phoff 32, e_phentsize 54, e_phnum 56
	hdr := phdr - ehdrSize
	if hdr > phdr || hdr&^uintptr(os.Getpagesize()-1) != phdr&^uintptr(os.Getpagesize()-1) {
		return 0, fmt.Errorf("no PT_PHDR program header, and no ELF header on the program headers' page")
	}
	b := (*[ehdrSize]byte)(im.at(hdr))
	if string(b[:4]) != "\x7fELF" || *(*uint64)(unsafe.Pointer(&b[32])) != ehdrSize ||
		*(*uint16)(unsafe.Pointer(&b[54])) != elfPhdrSize || uintptr(*(*uint16)(unsafe.Pointer(&b[56]))) != uintptr(len(table)) {
		return 0, fmt.Errorf("no PT_PHDR program header, and no matching ELF header before the program headers")
	}
	for i := range table {
		e := &table[i]
		if *(*uint32)(unsafe.Pointer(&e[0])) == ptLoad && *(*uint64)(unsafe.Pointer(&e[8])) == 0 {
			return hdr - *(*uintptr)(unsafe.Pointer(&e[16])), nil
		}
	}
	return 0, fmt.Errorf("no PT_PHDR program header, and no PT_LOAD maps the ELF header")
}

// at returns a pointer to address a of the executable's image, derived from
// a pointer to this package's own data (also in the image) rather than from
// a bare integer. Callers read only inside im.segs.
func (im *image) at(a uintptr) unsafe.Pointer {
	base := unsafe.Pointer(&shrinkOff)
	return unsafe.Add(base, a-uintptr(base))
}

// inSeg reports whether [a, a+n) lies inside one loaded segment: writable
// (and not read-only after relocation) if w, in its zero-initialised part if
// zero.
func (im *image) inSeg(a, n uintptr, w, zero bool) bool {
	if a+n < a {
		return false
	}
	if w && a < im.relro[1] && a+n > im.relro[0] {
		return false
	}
	for _, s := range im.segs {
		lo := s.lo
		if zero {
			lo = s.file
		}
		if lo <= a && a+n <= s.hi && (!w || s.w) {
			return true
		}
	}
	return false
}

// fileData reports whether [a, a+n) lies in the file-backed part of a
// loaded segment, where string data is.
func (im *image) fileData(a, n uintptr) bool {
	for _, s := range im.segs {
		if s.lo <= a && a+n <= s.file && a+n >= a {
			return true
		}
	}
	return false
}

// word reads the word at a, inside a segment.
func (im *image) word(a uintptr) uintptr {
	return *(*uintptr)(im.at(a))
}

// str returns the n bytes at a, inside a segment, as a string.
func (im *image) str(a, n uintptr) string {
	return string(unsafe.Slice((*byte)(im.at(a)), n))
}

// holder is one parked goroutine. There is one more holder than suspended
// contexts can exist, so a free one is always at hand.
type holder struct {
	g         *gobj
	published bool // the g describes a suspended context, not the holder
	claimed   bool // acquire took goroutineProfiled from absent
	locked    bool // acquire took the scan bit
	// The holder's own g values while published: stack lo, hi, stktopsp,
	// _panic, _defer, syscallsp, syscallpc, syscallbp.
	own [8]uintptr
}

// heldFields are the g offsets publish replaces, in holder.own order.
var heldFields = [8]uintptr{gStackLo, gStackHi, gStktopsp, gPanic, gDefer, gSyscallsp, gSyscallpc, gSyscallbp}

// gcState is the collector side of a Runtime.
type gcState struct {
	holders [NumThreads + 1]holder
	done    chan struct{}  // closed by Close: the holders return
	exited  sync.WaitGroup // the holders that have not returned yet
	// free has a bit per unpublished holder (context.held says which holder
	// publishes a context).
	free uint64
	// The switch in progress, finished on the incoming stack: the contexts
	// (from -1: the outgoing one has finished) and the one holder it uses
	// (-1: none).
	from, to, h int8
	// runner is the g of the goroutine in Run (bind).
	runner *gobj
	// fast: the switch in progress took the fast path (fastSwitch), and
	// switchTo published the outgoing resume point itself. Other switches
	// have it write that into scratch.
	fast    bool
	scratch [gSyscallbp/unsafe.Sizeof(uintptr(0)) + 1]uintptr
	// waits counts switches that the ordering rule deferred, waited the
	// time they spent waiting.
	waits  uint64
	waited time.Duration
}

// schedHolder is the scheduler's context index (ctxOf).
const schedHolder = NumThreads

// startHolders starts one parked holder per context and waits until all are
// parked, so that publishing never spins on a holder that is still running.
func (rt *Runtime) startHolders() error {
	rt.gcs.done = make(chan struct{})
	for i := range rt.gcs.holders {
		h := &rt.gcs.holders[i]
		rt.ctxOf(int8(i)).held = -1
		rt.gcs.free |= 1 << i
		got := make(chan *gobj)
		rt.gcs.exited.Add(1)
		go func(done <-chan struct{}) {
			defer rt.gcs.exited.Done()
			got <- getg()
			<-done
		}(rt.gcs.done)
		h.g = <-got
	}
	for i := range rt.gcs.holders {
		h := &rt.gcs.holders[i]
		for try := 0; gstatus(h.g) != gStatusWaiting; try++ {
			if try > 1e6 {
				rt.stopHolders()
				return &LayoutError{Detail: "a holder goroutine does not reach _Gwaiting"}
			}
			runtime.Gosched()
		}
	}
	return nil
}

// stopHolders lets the holder goroutines return and waits until they have;
// none is published then.
func (rt *Runtime) stopHolders() {
	if rt.gcs.done != nil {
		close(rt.gcs.done)
		rt.gcs.done = nil
		rt.gcs.exited.Wait()
	}
}

//go:nosplit
func gfield(g *gobj, off uintptr) *uintptr {
	return (*uintptr)(unsafe.Add(unsafe.Pointer(g), off))
}

//go:nosplit
func gstatus(g *gobj) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Add(unsafe.Pointer(g), gStatus)))
}

//go:nosplit
func gscandone(g *gobj) bool {
	return *(*bool)(unsafe.Add(unsafe.Pointer(g), gGcscandone))
}

// bind records, at the start of Run, the running goroutine's g.
func (s *gcState) bind() {
	s.runner = getg()
}

// mlocks returns the m.locks of the M that runs the goroutine in Run now.
// While m.locks is above zero the runtime neither preempts the goroutine
// (asynchronously or at a prologue) nor stops the world, so nothing can
// observe a switch half done, and the goroutine stays on that M. Without
// time slices Run does not lock its OS thread: between switches the
// goroutine may move to another M, so each switch reads its M again. Every
// function that calls mlocks
// is nosplit, so the runtime cannot preempt it asynchronously between the
// read and the increment (internal/emit checks it).
//
//go:nosplit
func (s *gcState) mlocks() *int32 {
	m := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(s.runner), gM))
	return (*int32)(unsafe.Add(m, mLocks))
}

// preemptPoint lets the runtime preempt the goroutine in Run when it has
// asked it to stop (stackPreempt in its stackguard0), as the prologue of a
// function that is not nosplit does: it calls one, preemptPrologue, whose
// stack check then enters the runtime's own preemption path (newstack:
// park for a stack scan that asked for the stop, else yield). Without it,
// threads that do little but Yield (which is nosplit) would leave the
// runtime only its asynchronous preemption, which almost never finds them
// at a safe point, and every stop-the-world and stack scan of that
// goroutine would wait that long. (runtime.Gosched would not do for a
// stack scan: it leaves the goroutine runnable for a moment only, and the
// scan keeps missing it.)
//
//go:nosplit
func (s *gcState) preemptPoint() {
	if *(*int)(unsafe.Add(unsafe.Pointer(s.runner), gStackguard0)) == stackPreempt {
		preemptPrologue()
	}
}

// preemptPrologue is nothing but a prologue with a stack check: a leaf
// function with a small frame gets none, so it calls preemptNop.
//
//go:noinline
func preemptPrologue() { preemptNop() }

//go:noinline
func preemptNop() {}

// scanLocking reports whether a switch must take the holder's scan bit:
// during a mark phase (the collector takes it to scan a goroutine) and
// while the execution tracer runs (it takes it to record a goroutine's
// stack). Neither can begin while m.locks is raised: both begin with a
// stop-the-world.
//
//go:nosplit
func scanLocking(marking bool) bool {
	return marking || trace.IsEnabled()
}

// acquire takes, during a mark phase, h's scan bit (_Gwaiting ->
// _Gwaiting|_Gscan, the lock suspendG takes before the collector scans a
// goroutine), spinning while the collector holds it; and, when a goroutine
// profile may be in progress, the goroutine profiler's claim: the profiler
// walks a waiting goroutine's stack without the scan bit.
//
// Outside a mark phase and without the execution tracer nothing takes the
// scan bit of a parked goroutine, and neither can begin while m.locks is
// raised, since both begin with a stop-the-world: the scan bit is then not
// needed (scanLocking).
//
//go:nosplit
func (h *holder) acquire(profiling, lock bool) {
	h.locked = lock
	if lock {
		st := (*uint32)(unsafe.Add(unsafe.Pointer(h.g), gStatus))
		for !atomic.CompareAndSwapUint32(st, gStatusWaiting, gStatusWaiting|gStatusScan) {
		}
	}
	h.claimed = false
	if !profiling {
		return
	}
	pf := (*uint32)(unsafe.Add(unsafe.Pointer(h.g), gGoroutineProfiled))
	for {
		switch atomic.LoadUint32(pf) {
		case profSatisfied: // this profile has it already, or none is running
			h.claimed = false
			return
		case profAbsent:
			if atomic.CompareAndSwapUint32(pf, profAbsent, profInProgress) {
				h.claimed = true
				return
			}
		}
	}
}

//go:nosplit
func (h *holder) release() {
	if !h.locked && !h.claimed {
		return
	}
	claimed, locked := uintptr(0), uintptr(0)
	if h.claimed {
		claimed = 1
	}
	if h.locked {
		locked = 1
	}
	releaseG(h.g, claimed, locked)
}

// profiling reports whether a goroutine profile may be in progress, from the
// running goroutine's own goroutineProfiled: while a profile is active, every
// goroutine is recorded (satisfied) before it runs again after the profiler's
// stop-the-world (execute, exitsyscall), and goroutines created meanwhile
// start satisfied; between profiles every state is back to absent. No profile
// can start while m.locks is raised, since starting one stops the world.
//
//go:nosplit
func (s *gcState) profiling() bool {
	return atomic.LoadUint32((*uint32)(unsafe.Add(unsafe.Pointer(s.runner), gGoroutineProfiled))) != profAbsent
}

// publish makes h's g describe the suspended context c. h is acquired.
//
//go:nosplit
func (h *holder) publish(c *context) {
	for i, off := range heldFields {
		h.own[i] = *gfield(h.g, off)
	}
	h.replace(c)
	h.published = true
}

// replace makes the published h describe the suspended context c instead.
// c's resume point is the shape entersyscall records and the runtime's
// unwinder (unwinder.initAt) starts from: pc the return address into the
// function that called switchTo, sp that function's SP — on amd64 just above
// the return address; on arm64 and riscv64, where the unwinder then starts
// without a link register, the SP at whose 0(SP) that function's prologue
// saved its own return address — and bp its frame pointer (0 on riscv64,
// which keeps none, as entersyscall records there).
//
//go:nosplit
func (h *holder) replace(c *context) {
	g := unsafe.Pointer(h.g)
	describeStack(g, c, c.panicp, c.deferp)
	*(*uintptr)(unsafe.Add(g, gSyscallsp)) = c.sp
	*(*uintptr)(unsafe.Add(g, gSyscallpc)) = c.pc
	*(*uintptr)(unsafe.Add(g, gSyscallbp)) = c.bp
}

// describeStack makes the holder g g describe c's stack: its bounds and
// stktopsp, and the _panic and _defer chains given (c's saved ones, or on the
// fast path the running goroutine's, which switchTo is about to save).
//
//go:nosplit
func describeStack(g unsafe.Pointer, c *context, panicp, deferp uintptr) {
	*(*uintptr)(unsafe.Add(g, gStackLo)) = c.lo
	*(*uintptr)(unsafe.Add(g, gStackHi)) = c.hi
	*(*uintptr)(unsafe.Add(g, gStktopsp)) = c.topsp
	*(*uintptr)(unsafe.Add(g, gPanic)) = panicp
	*(*uintptr)(unsafe.Add(g, gDefer)) = deferp
}

// withdraw gives h's g its own values back. h is acquired.
//
//go:nosplit
func (h *holder) withdraw() {
	for i, off := range heldFields {
		*gfield(h.g, off) = h.own[i]
	}
	// suspendG may have rewritten stackguard0 while the holder was published.
	*gfield(h.g, gStackguard0) = h.own[0] + stackGuard
	h.published = false
}

// ctxOf returns the context of holder index i.
//
//go:nosplit
func (rt *Runtime) ctxOf(i int8) *context {
	if i == schedHolder {
		return &rt.sched
	}
	return &rt.threads[i].ctx
}

// gcSwitch switches from context index from (-1 when that context has
// finished and needs no publishing) to index to, retrying while the ordering
// rule refuses the switch. A refusal yields the goroutine to the Go
// scheduler, which lets the collector scan what it must first.
func (rt *Runtime) gcSwitch(from, to int8, fromCtx, toCtx *context) {
	if !rt.tryGCSwitch(from, to, fromCtx, toCtx) {
		rt.gcWait(from, to, fromCtx, toCtx)
	}
}

// gcWait retries a switch that the ordering rule refused.
func (rt *Runtime) gcWait(from, to int8, fromCtx, toCtx *context) {
	rt.gcs.waits++
	start, base := time.Now(), rt.gcs.waited
	for {
		runtime.Gosched()
		// Updated before each attempt: a successful one returns only when
		// this context runs again.
		rt.gcs.waited = base + time.Since(start)
		if rt.tryGCSwitch(from, to, fromCtx, toCtx) {
			return
		}
	}
}

// tryGCSwitch does the switch, or returns false when it would move a stack
// that the current mark phase has not scanned into a goroutine it has
// scanned: the incoming context into the running goroutine, or the outgoing
// context into a holder.
//
// A switch touches one holder: the outgoing context is published in the
// holder that the incoming one leaves (or in a free holder when the
// incoming context is new), and a finished outgoing context leaves the
// incoming context's holder free.
//
//go:nosplit
func (rt *Runtime) tryGCSwitch(from, to int8, fromCtx, toCtx *context) bool {
	if from >= 0 && rt.fastSwitch(fromCtx, toCtx) {
		return true
	}
	return rt.trySlowSwitch(from, to, fromCtx, toCtx)
}

// slowSwitch is gcSwitch for a caller that has just found the fast path
// closed (Yield): the first attempt goes straight to the slow path.
func (rt *Runtime) slowSwitch(from, to int8, fromCtx, toCtx *context) {
	if !rt.trySlowSwitch(from, to, fromCtx, toCtx) {
		rt.gcWait(from, to, fromCtx, toCtx)
	}
}

// trySlowSwitch is tryGCSwitch off the fast path.
//
//go:nosplit
func (rt *Runtime) trySlowSwitch(from, to int8, fromCtx, toCtx *context) bool {
	s := &rt.gcs
	locks := s.mlocks()
	*locks++
	if !rt.slowPrepare(from, to, toCtx.held) {
		*locks--
		return false
	}
	switchTo(fromCtx, toCtx, (*gobj)(unsafe.Pointer(&s.scratch)))
	s.switched(rt)
	return true
}

// fastSwitch does the common switch, from a live context to one that a
// holder publishes, outside a mark phase and with neither the execution
// tracer nor a goroutine profile running; or returns false, having done
// nothing, when the switch must take the slow path. Yield has its own copy.
//
// Nothing can look at a holder during such a switch (each of those begins
// with a stop-the-world, which the raised m.locks holds off), so the holder
// needs no scan bit and no claim: the outgoing context is published in it
// before the switch, all but the resume point, which switchTo writes into
// it as it saves it.
//
//go:nosplit
func (rt *Runtime) fastSwitch(fromCtx, toCtx *context) bool {
	s := &rt.gcs
	locks := s.mlocks()
	*locks++
	if hi := toCtx.held; hi < 0 || writeBarrier.enabled || trace.IsEnabled() || s.profiling() {
		*locks--
		return false
	} else {
		s.fast = true
		g, r := s.holders[hi].g, unsafe.Pointer(s.runner)
		// _panic and _defer as switchTo is about to save them.
		describeStack(unsafe.Pointer(g), fromCtx, *(*uintptr)(unsafe.Add(r, gPanic)), *(*uintptr)(unsafe.Add(r, gDefer)))
		fromCtx.held, toCtx.held = hi, -1
		switchTo(fromCtx, toCtx, g)
		// s.switched(rt), written out.
		if s.fast {
			*s.mlocks()--
		} else {
			rt.gcSwitchedSlow()
		}
	}
	return true
}

// slowPrepare prepares a switch off the fast path: takes hi, or a free
// holder for a new context, with its scan bit and claim as needed, or
// returns false when the ordering rule refuses the switch.
//
//go:nosplit
func (rt *Runtime) slowPrepare(from, to, hi int8) bool {
	s := &rt.gcs
	if from == schedHolder {
		// Run's switch into the threads: switchTo saves only _panic and
		// _defer (a thread's stack bounds never change), and Run's stack may
		// have moved since the last Run. Nothing can move it between here
		// and the switch: no prologue checks the stack on this path.
		r := unsafe.Pointer(s.runner)
		rt.sched.lo = *(*uintptr)(unsafe.Add(r, gStackLo))
		rt.sched.hi = *(*uintptr)(unsafe.Add(r, gStackHi))
		rt.sched.topsp = *(*uintptr)(unsafe.Add(r, gStktopsp))
	}
	if hi < 0 && from >= 0 {
		hi = int8(bits.TrailingZeros64(s.free))
	}
	if hi >= 0 {
		h := &s.holders[hi]
		marking := writeBarrier.enabled
		h.acquire(s.profiling(), scanLocking(marking))
		if marking {
			r, hs := gscandone(s.runner), gscandone(h.g)
			if from >= 0 && hs && !r || h.published && r && !hs {
				h.release()
				return false
			}
		}
	}
	s.fast, s.from, s.to, s.h = false, from, to, hi
	return true
}

// switched finishes a switch on the incoming stack: it lowers m.locks
// after a fast one (fastSwitch); otherwise gcSwitchedSlow publishes the
// outgoing context in the switch's holder, or withdraws the incoming one
// from it, and releases the holder.
//
//go:nosplit
func (s *gcState) switched(rt *Runtime) {
	if s.fast {
		*s.mlocks()--
		return
	}
	rt.gcSwitchedSlow()
}

// gcSwitchedSlow is switched off the fast path.
//
//go:nosplit
func (rt *Runtime) gcSwitchedSlow() {
	s := &rt.gcs
	rt.ctxOf(s.to).held = -1
	if s.h >= 0 {
		h := &s.holders[s.h]
		switch {
		case s.from < 0:
			h.withdraw()
			s.free |= 1 << s.h
		case h.published:
			h.replace(rt.ctxOf(s.from))
		default:
			h.publish(rt.ctxOf(s.from))
			s.free &^= 1 << s.h
		}
		if s.from >= 0 {
			rt.ctxOf(s.from).held = s.h
		}
		h.release()
	}
	*s.mlocks()--
}

// threadEntered runs first on a new thread's stack, called by threadStart.
//
//go:nosplit
func threadEntered(t *thread) {
	t.rt.gcs.switched(t.rt)
}

// withdrawAll takes back what stopped threads left published when Run ended.
func (rt *Runtime) withdrawAll() {
	for i := range int8(NumThreads + 1) {
		if c := rt.ctxOf(i); c.held >= 0 {
			rt.withdrawCtx(c)
		}
	}
}

// withdrawCtx gives the holder that publishes c its own values back. It is
// nosplit, like every function that raises m.locks: the Go runtime cannot
// preempt it between reading the M and raising its m.locks.
//
//go:nosplit
func (rt *Runtime) withdrawCtx(c *context) {
	h := &rt.gcs.holders[c.held]
	locks := rt.gcs.mlocks()
	*locks++
	h.acquire(rt.gcs.profiling(), scanLocking(writeBarrier.enabled))
	h.withdraw()
	h.release()
	*locks--
	rt.gcs.free |= 1 << c.held
	c.held = -1
}

var gcProbe struct {
	once sync.Once
	err  error
}

// probeGC checks the g fields and status values gc: collect relies on, once:
// a parked goroutine is _Gwaiting and, after a collection, gcscandone; a
// goroutine blocked in a system call is _Gsyscall with syscallsp, syscallpc
// and syscallbp on its stack (syscallbp 0 on riscv64, which keeps no frame
// pointer); goroutineProfiled holds a valid state.
func probeGC() error {
	gcProbe.once.Do(func() { gcProbe.err = probeGCOnce() })
	return gcProbe.err
}

func probeGCOnce() error {
	return func() error {
		parked, done := make(chan *gobj), make(chan struct{})
		go func() {
			parked <- getg()
			<-done
		}()
		pg := <-parked
		defer close(done)
		for try := 0; gstatus(pg) != gStatusWaiting; try++ {
			if try > 1e6 {
				return &LayoutError{Detail: "g.atomicstatus of a parked goroutine is not _Gwaiting"}
			}
			runtime.Gosched()
		}
		// A cycle started by allocation elsewhere may reset the flag right
		// after runtime.GC returns (the next one starts at once under GOGC=1
		// with other goroutines allocating); it must be seen set at least
		// once, so look again after pauses that let the collector scan pg.
		runtime.GC()
		for try := 0; !gscandone(pg); try++ {
			if try == 20000 { // about a second
				return &LayoutError{Detail: "g.gcscandone of a parked goroutine is not set after a collection"}
			}
			if try%100 == 99 {
				runtime.GC()
			}
			time.Sleep(50 * time.Microsecond)
		}
		if v := *(*uint32)(unsafe.Add(unsafe.Pointer(pg), gGoroutineProfiled)); v > profSatisfied {
			return &LayoutError{Detail: "g.goroutineProfiled holds no valid state"}
		}
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
			return err
		}
		defer unix.Close(fds[0])
		defer unix.Close(fds[1])
		type sys struct {
			g                  *gobj
			lo, hi, sp, pc, bp uintptr
		}
		got := make(chan *gobj)
		res := make(chan sys)
		go func() {
			got <- getg()
			var b [1]byte
			unix.Read(fds[0], b[:]) // blocks in the system call
			res <- sys{}
		}()
		sg := <-got
		var in sys
		for try := 0; ; try++ {
			if gstatus(sg) == gStatusSyscall {
				in = sys{sg, *gfield(sg, gStackLo), *gfield(sg, gStackHi), *gfield(sg, gSyscallsp), *gfield(sg, gSyscallpc), *gfield(sg, gSyscallbp)}
				if gstatus(sg) == gStatusSyscall && in.sp != 0 {
					break
				}
			}
			if try > 1e6 {
				unix.Write(fds[1], []byte{0})
				<-res
				return &LayoutError{Detail: "a goroutine blocked in read(2) is not _Gsyscall"}
			}
			runtime.Gosched()
		}
		unix.Write(fds[1], []byte{0})
		<-res
		switch {
		case !(in.lo < in.sp && in.sp < in.hi):
			return &LayoutError{Detail: "g.syscallsp is not on the goroutine's stack"}
		case runtime.GOARCH == "riscv64" && in.bp != 0:
			// Go keeps no frame pointer on riscv64: entersyscall records 0
			// (getfp), and a published context has none either.
			return &LayoutError{Detail: "g.syscallbp is not 0 on riscv64"}
		case runtime.GOARCH != "riscv64" && !(in.lo < in.bp && in.bp < in.hi):
			return &LayoutError{Detail: "g.syscallbp is not on the goroutine's stack"}
		case in.pc == 0 || runtime.FuncForPC(in.pc) == nil:
			return &LayoutError{Detail: "g.syscallpc is not a code address"}
		}
		return nil
	}()
}

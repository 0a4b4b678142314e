//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// gc: collect, stack shrinking off: the GODEBUG setting gcshrinkstackoff,
// found in the executable's own image (ELF program headers, runtime.dbgvars).

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

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

package gc

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/gc/rtos"
)

// Tests of New turning the collector's stack shrinking off by itself (the
// runtime's debug.gcshrinkstackoff), so that gc: collect needs no
// GODEBUG=gcshrinkstackoff=1 in the environment. TestStress and
// TestLifecycleUnderGC run without it as well.

// fieldEnv passes the offset of gcshrinkstackoff in the runtime's debug
// struct, from DWARF, to a child; with the child's symbol table it gives the
// setting's address independently of the generated package's search.
const fieldEnv = "GC_TEST_SHRINK_FIELD"

// debugFieldOffset returns the offset of field in the runtime's debug struct
// (runtime1.go), from the DWARF of exe.
func debugFieldOffset(t *testing.T, exe, field string) int64 {
	t.Helper()
	ef, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	d, err := ef.DWARF()
	if err != nil {
		t.Fatalf("no DWARF in %s: %v", exe, err)
	}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			t.Fatal("no variable runtime.debug in the DWARF")
		}
		if e.Tag != dwarf.TagVariable || e.Val(dwarf.AttrName) != "runtime.debug" {
			continue
		}
		off, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
		if !ok {
			t.Fatal("runtime.debug has no type in the DWARF")
		}
		typ, err := d.Type(off)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := typ.(*dwarf.StructType)
		if !ok {
			t.Fatalf("runtime.debug is a %T, not a struct", typ)
		}
		for _, f := range st.Field {
			if f.Name == field {
				if f.Type.Size() != 4 {
					t.Fatalf("runtime.debug.%s is %d bytes, not an int32", field, f.Type.Size())
				}
				return f.ByteOffset
			}
		}
		t.Fatalf("runtime.debug has no field %s", field)
	}
}

// testBinaries holds this test binary built with go test -c (which keeps the
// symbol table and DWARF that go test strips), per set of build flags, for
// the child processes that need them. TestMain removes the directory.
var testBinaries struct {
	sync.Mutex
	dir string
	exe map[string]string
}

// testBinary returns this test binary built with go test -c flags.
func testBinary(t *testing.T, flags ...string) string {
	t.Helper()
	exe, err := buildTestBinary(flags...)
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func buildTestBinary(flags ...string) (string, error) {
	tb := &testBinaries
	tb.Lock()
	defer tb.Unlock()
	key := strings.Join(flags, " ")
	if exe, ok := tb.exe[key]; ok {
		return exe, nil
	}
	if tb.dir == "" {
		dir, err := os.MkdirTemp("", "gc-test-")
		if err != nil {
			return "", err
		}
		tb.dir, tb.exe = dir, map[string]string{}
	}
	exe := filepath.Join(tb.dir, fmt.Sprintf("gc%d.test", len(tb.exe)))
	args := append([]string{"test", "-c", "-o", exe}, flags...)
	if out, err := exec.Command(suite.GoTool(), append(args, ".")...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	tb.exe[key] = exe
	return exe, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBinaries.dir != "" {
		os.RemoveAll(testBinaries.dir)
	}
	os.Exit(code)
}

// shrinkField returns a test binary with symbols and the offset of
// gcshrinkstackoff in its runtime's debug struct, for fieldEnv.
func shrinkField(t *testing.T) (exe, field string) {
	exe = testBinary(t)
	return exe, strconv.FormatInt(debugFieldOffset(t, exe, "gcshrinkstackoff"), 10)
}

// settingAddr returns, in a child, the run-time address of the runtime's
// debug.gcshrinkstackoff: the symbol runtime.debug from this executable's
// symbol table, moved by the load bias (PIE) measured on runtime.GC, plus the
// field offset from fieldEnv. It fails for a stripped executable.
func settingAddr() (uintptr, error) {
	field, err := strconv.ParseUint(os.Getenv(fieldEnv), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", fieldEnv, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	f, err := elf.Open(exe)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return 0, err
	}
	var debugSym, gcSym uint64
	for _, s := range syms {
		switch s.Name {
		case "runtime.debug":
			debugSym = s.Value
		case "runtime.GC":
			gcSym = s.Value
		}
	}
	if debugSym == 0 || gcSym == 0 {
		return 0, errors.New("no symbols runtime.debug and runtime.GC")
	}
	bias := reflect.ValueOf(runtime.GC).Pointer() - uintptr(gcSym)
	return bias + uintptr(debugSym) + uintptr(field), nil
}

// peek and poke read and write an int32 of this process through
// /proc/self/mem.
func peek(t *testing.T, a uintptr) int32 {
	f, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [4]byte
	if _, err := f.ReadAt(b[:], int64(a)); err != nil {
		t.Fatalf("read %#x: %v", a, err)
	}
	return int32(binary.LittleEndian.Uint32(b[:]))
}

func poke(t *testing.T, a uintptr, v int32) {
	f, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(v))
	if _, err := f.WriteAt(b[:], int64(a)); err != nil {
		t.Fatalf("write %#x: %v", a, err)
	}
}

var deepSink int

//go:noinline
func deep(n int) int {
	var buf [256]byte
	buf[n%len(buf)] = byte(n)
	if n > 0 {
		deepSink += deep(n - 1)
	}
	return int(buf[n%len(buf)])
}

// stackMoves reports whether a collection moves (shrinks) the stack of a
// goroutine that has grown it to over a megabyte and uses little of it now:
// the observable effect of the runtime's gcshrinkstackoff setting.
func stackMoves() bool {
	res := make(chan bool)
	go func() {
		deep(4000) // about 1.2 MB of frames: the stack grows to 2 MiB
		var x byte
		before := uintptr(unsafe.Pointer(&x))
		runtime.GC() // parks this goroutine; the mark phase scans it
		runtime.GC()
		res <- uintptr(unsafe.Pointer(&x)) != before
	}()
	return <-res
}

// setting is a child: the setting's value (when the executable has symbols)
// and whether collections shrink stacks, before and after New.
func setting(t *testing.T) {
	addr, symErr := settingAddr()
	value := func() string {
		if symErr != nil {
			return "?"
		}
		return strconv.Itoa(int(peek(t, addr)))
	}
	before, movedBefore := value(), stackMoves()
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{Lists: nop, Maps: nop, Pointers: nop, Strings: nop})
	if err != nil {
		t.Fatal(err)
	}
	rt.Close()
	after, movedAfter := value(), stackMoves()
	fmt.Printf("SETTING before=%s after=%s moved-before=%v moved-after=%v\n", before, after, movedBefore, movedAfter)
	if symErr != nil {
		fmt.Println("SETTING: no address:", symErr)
	}
}

var settingLine = regexp.MustCompile(`SETTING before=(\S+) after=(\S+) moved-before=(\w+) moved-after=(\w+)`)

// checkSetting checks a setting child's report: New leaves a positive value
// alone and turns 0 into 1; collections shrink stacks before New exactly when
// the value is 0, and never after.
func checkSetting(t *testing.T, out []byte, env int, symbols bool) {
	t.Helper()
	m := settingLine.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no report:\n%s", out)
	}
	wantBefore, wantAfter := strconv.Itoa(env), strconv.Itoa(max(env, 1))
	if !symbols {
		wantBefore, wantAfter = "?", "?"
	}
	if m[1] != wantBefore || m[2] != wantAfter {
		t.Errorf("gcshrinkstackoff before/after New = %s/%s, want %s/%s", m[1], m[2], wantBefore, wantAfter)
	}
	if want := strconv.FormatBool(env == 0); m[3] != want {
		t.Errorf("a collection moved a shrinkable stack before New: %s, want %s", m[3], want)
	}
	if m[4] != "false" {
		t.Errorf("a collection moved a shrinkable stack after New")
	}
	t.Log(m[0])
}

// TestShrinkSetting: after New, the runtime's own debug.gcshrinkstackoff
// (found here independently, through the symbol table and DWARF) is 1 when
// GODEBUG left it 0, a value GODEBUG set at start-up is kept, and collections
// no longer move stacks.
func TestShrinkSetting(t *testing.T) {
	exe, field := shrinkField(t)
	for _, c := range []struct {
		godebug string
		value   int // what GODEBUG makes of the setting at start-up
	}{
		{"", 0},
		{"gcshrinkstackoff=0", 0},
		{"gctrace=0,gcshrinkstackoff=1", 1},
		{"gcshrinkstackoff=2", 2},
		{"gcshrinkstackoff=1,gcshrinkstackoff=0", 0},
		{"gcshrinkstackoff=x", 0},
	} {
		t.Run("GODEBUG="+c.godebug, func(t *testing.T) {
			out, err := childOf(t, exe, "setting", time.Minute, "GODEBUG="+c.godebug, fieldEnv+"="+field)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			checkSetting(t, out, c.value, true)
		})
	}
}

// shrinkOn is a child: after New, it sets the runtime's gcshrinkstackoff
// back to 0 and runs the stress, which must then die.
func shrinkOn(t *testing.T, d time.Duration) {
	addr, err := settingAddr()
	if err != nil {
		t.Fatal(err)
	}
	nop := func(*rtos.Runtime) {}
	rt, err := rtos.New(rtos.Threads{Lists: nop, Maps: nop, Pointers: nop, Strings: nop})
	if err != nil {
		t.Fatal(err)
	}
	rt.Close()
	if v := peek(t, addr); v != 1 {
		t.Fatalf("gcshrinkstackoff is %d after New, want 1", v)
	}
	poke(t, addr, 0)
	if !stackMoves() {
		t.Fatal("collections do not shrink stacks with gcshrinkstackoff=0")
	}
	fmt.Println("SHRINKON: stack shrinking is back on; stress")
	stress(t, d)
}

// TestShrinkNegativeControl: the stress of TestStress with the setting turned
// back on after New dies the way gc: collect used to without
// GODEBUG=gcshrinkstackoff=1 — the collector shrinks the stack of the
// goroutine in Run while it is on a thread's stack.
func TestShrinkNegativeControl(t *testing.T) {
	exe, field := shrinkField(t)
	out, err := childOf(t, exe, "shrinkon", time.Minute, "GOGC=1", fieldEnv+"="+field)
	if err == nil {
		t.Fatalf("the stress passed with stack shrinking on:\n%s", out)
	}
	if !strings.Contains(string(out), "SHRINKON:") {
		t.Fatalf("the child failed before the stress (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "stack size not a power of 2") || !strings.Contains(string(out), "runtime.shrinkstack(") {
		t.Fatalf("the child failed, but not with \"stack size not a power of 2\" in runtime.shrinkstack (%v):\n%s", err, lastLines(out, 40))
	}
	t.Logf("failed as expected (%v): %s", err, firstMatch(out, "fatal error"))
}

// TestShrinkBuildModes: New finds the setting in a position-independent
// executable, in a stripped one (no symbol table, no DWARF), and in a static
// external link without a PT_PHDR program header (when cgo can link one),
// and the stress passes in each without GODEBUG=gcshrinkstackoff=1.
func TestShrinkBuildModes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds this test binary three or four times")
	}
	_, field := shrinkField(t)
	for _, c := range []struct {
		name               string
		flags              []string
		pie, symbols, phdr bool
	}{
		{"pie", []string{"-buildmode=pie"}, true, true, true},
		{"stripped", []string{"-ldflags=-s -w"}, false, false, true},
		{"pie-stripped", []string{"-buildmode=pie", "-ldflags=-s -w"}, true, false, true},
		{"static-external", []string{"-ldflags=-linkmode=external -extldflags=-static"}, false, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.pie && runtime.GOARCH != "amd64" {
				// Internal linking makes PIEs only on amd64; elsewhere they need
				// cgo and a dynamic loader for the target, which qemu-user lacks.
				t.Skip("PIE builds for", runtime.GOARCH, "need an external linker and a dynamic loader")
			}
			if !c.phdr && !cgoWorks() {
				t.Skip("needs cgo and a C compiler")
			}
			exe, err := buildTestBinary(c.flags...)
			if err != nil && !c.phdr {
				t.Skipf("cannot link a static executable here: %v", err)
			} else if err != nil {
				t.Fatal(err)
			}
			f, err := elf.Open(exe)
			if err != nil {
				t.Fatal(err)
			}
			_, symErr := f.Symbols()
			phdr := false
			for _, p := range f.Progs {
				phdr = phdr || p.Type == elf.PT_PHDR
			}
			typ := f.Type
			f.Close()
			if (typ == elf.ET_DYN) != c.pie || (symErr == nil) != c.symbols || phdr != c.phdr {
				t.Fatalf("%s is %v with symbols %v and PT_PHDR %v, want PIE %v, symbols %v, PT_PHDR %v",
					exe, typ, symErr == nil, phdr, c.pie, c.symbols, c.phdr)
			}
			out, err := childOf(t, exe, "setting", time.Minute, fieldEnv+"="+field)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			checkSetting(t, out, 0, c.symbols)
			out, err = childOf(t, exe, "stress", time.Minute, "GOGC=1")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			t.Logf("%s", lastLines(out, 3))
		})
	}
}

// cgoWorks reports whether go build can link a static executable with cgo
// here.
func cgoWorks() bool {
	out, err := exec.Command(suite.GoTool(), "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		return false
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "1" {
		return false
	}
	_, err = exec.LookPath(f[1])
	return err == nil
}

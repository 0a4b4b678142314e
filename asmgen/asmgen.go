// Package asmgen prints the Plan 9 assembly of the context switcher, and the
// Go declarations that go with it, from one description per function, so that
// frame sizes and name+offset(FP) operands cannot drift from the Go side.
//
// An architecture emitter (amd64.go, arm64.go, riscv64.go) describes each function as a Func: its
// Go signature, frame size, flags and instructions. File renders the .s file;
// Decls renders the matching Go file with jennifer.
package asmgen

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// Param is one argument or result of an assembly function. Type is a Go type
// of the generated package that is one word wide: "uintptr", "uint64",
// "*context" or "*gobj".
type Param struct {
	Name string
	Type string
}

// size of every supported Param type on the 64-bit targets gthreadgen emits.
const wordSize = 8

// Func is one TEXT symbol and its Go declaration.
type Func struct {
	Name     string
	Doc      string // Go doc comment (without //), also printed above TEXT
	Flags    string // textflag.h flags, e.g. "NOSPLIT|TOPFRAME"
	Frame    int    // local frame size in bytes
	Params   []Param
	Results  []Param
	NoEscape bool // add //go:noescape to the declaration

	body []string
	errs []string
}

// ArgSize is the size of the arguments and results in bytes.
func (f *Func) ArgSize() int { return wordSize * (len(f.Params) + len(f.Results)) }

// Arg returns the FP operand of a parameter or result: "from+0(FP)".
func (f *Func) Arg(name string) string {
	for i, p := range slices.Concat(f.Params, f.Results) {
		if p.Name == name {
			return fmt.Sprintf("%s+%d(FP)", name, i*wordSize)
		}
	}
	f.errs = append(f.errs, fmt.Sprintf("%s has no argument %q", f.Name, name))
	return name + "+?(FP)"
}

// I appends one instruction.
func (f *Func) I(op string, operands ...string) {
	line := "\t" + op
	if len(operands) > 0 {
		line += "\t" + strings.Join(operands, ", ")
	}
	f.body = append(f.body, line)
}

// Label appends a label.
func (f *Func) Label(name string) { f.body = append(f.body, name+":") }

// Comment appends a comment line inside the body.
func (f *Func) Comment(text string) {
	for _, l := range strings.Split(text, "\n") {
		f.body = append(f.body, "\t// "+l)
	}
}

// Arch is one architecture's emitter.
type Arch struct {
	GOARCH string
	// Registers documents the register roles, printed at the top of the file.
	Registers string
	// Consts are Go constants the runtime needs from this architecture,
	// declared in the Go file next to the functions.
	Consts []Const
	Funcs  []*Func
	// Globals are data symbol declarations (GLOBL lines) printed after the
	// functions.
	Globals []string

	// For the tests, which run the stackguard0 sequence on its own: the
	// word move, the register switchTo holds the incoming context in, and
	// the sequence itself with g in the given register.
	mov   string
	toReg string
	guard func(f *Func, g string)
}

// Const is a documented Go constant.
type Const struct {
	Name  string
	Doc   string
	Value int
}

// gFields are the g fields every switcher saves and installs, by context
// field and g offset constant (stack bounds, _panic, _defer, stktopsp). stackguard0 is handled apart: it keeps the preemption marker.
var gFields = [][2]string{
	{"context_lo", "const_gStackLo"},
	{"context_hi", "const_gStackHi"},
	{"context_panicp", "const_gPanic"},
	{"context_deferp", "const_gDefer"},
	{"context_topsp", "const_gStktopsp"},
}

// savedFields are the g fields a switch saves from the outgoing context.
// Without full, only _panic and _defer: a thread's stack bounds and
// stktopsp never change while it runs (mapStacks sets them in its context,
// and nothing may move a green stack), so only the switch that leaves Run's
// own stack (switchFromRun) saves them.
func savedFields(full bool) [][2]string {
	if full {
		return gFields
	}
	var fs [][2]string
	for _, f := range gFields {
		if f[0] == "context_panicp" || f[0] == "context_deferp" {
			fs = append(fs, f)
		}
	}
	return fs
}

// saveFields writes the save of the outgoing stack's g fields (full: all of
// them, else the defer and panic chains) from the g in register g into the
// context in register ctx, through tmp.
func saveFields(f *Func, mov, g, ctx, tmp string, full bool) {
	if full {
		f.Comment("Save the outgoing stack's g fields, install the incoming ones.")
	} else {
		f.Comment("Save the outgoing thread's defer and panic chains (its stack bounds\n" +
			"never change), install the incoming context's g fields.")
	}
	for _, fd := range savedFields(full) {
		f.I(mov, fd[1]+"("+g+")", tmp)
		f.I(mov, tmp, fd[0]+"("+ctx+")")
	}
}

// installFields writes the install of every g field of the context in
// register ctx into the g in register g, through tmp.
func installFields(f *Func, mov, g, ctx, tmp string) {
	for _, fd := range gFields {
		f.I(mov, fd[0]+"("+ctx+")", tmp)
		f.I(mov, tmp, fd[1]+"("+g+")")
	}
}

// Options select the optional parts of a switcher.
type Options struct {
	// Preempt adds time-slice preemption: signal handler and trampoline.
	// Only the architectures in model.Preemptive implement it; the config
	// refuses a time slice for the others, so they never see it set.
	Preempt bool
	// Services: with Preempt, every tick also lets a due sleeper of higher
	// priority preempt the running thread (reads Runtime.svc.timed).
	Services bool
	// Posts: with Preempt (and Services), every tick also lets a post from
	// a goroutine (Runtime.post.pending) be taken, so that a thread it wakes
	// that is more urgent preempts the running one.
	Posts bool
	// GC is gc: collect: threadStart first lets the runtime finish the
	// switch that entered it (publish the outgoing context to the
	// collector), getg returns the running goroutine's g, and releaseG
	// gives a holder's claims back with release stores.
	GC bool
}

// Archs returns the emitters by GOARCH.
func Archs() map[string]func(Options) *Arch {
	return map[string]func(Options) *Arch{"amd64": AMD64, "arm64": ARM64, "riscv64": RISCV64}
}

// File renders the assembly file of a, with header as its first line(s).
func File(a *Arch, header string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n", header)
	b.WriteString("#include \"textflag.h\"\n#include \"funcdata.h\"\n#include \"go_asm.h\"\n")
	if a.Registers != "" {
		b.WriteString("\n")
		for _, l := range strings.Split(strings.TrimRight(a.Registers, "\n"), "\n") {
			if strings.HasPrefix(l, "\t") {
				b.WriteString("//" + l + "\n")
			} else {
				b.WriteString(strings.TrimRight("// "+l, " ") + "\n")
			}
		}
	}
	var errs []string
	for _, f := range a.Funcs {
		errs = append(errs, f.errs...)
		b.WriteString("\n")
		fmt.Fprintf(&b, "// %s\n", signature(f))
		for _, l := range strings.Split(f.Doc, "\n") {
			fmt.Fprintf(&b, "// %s\n", l)
		}
		fmt.Fprintf(&b, "TEXT ·%s(SB), %s, $%d-%d\n", f.Name, f.Flags, f.Frame, f.ArgSize())
		for _, l := range f.body {
			b.WriteString(l + "\n")
		}
	}
	for _, g := range a.Globals {
		b.WriteString("\n" + g + "\n")
	}
	if errs != nil {
		return nil, fmt.Errorf("asmgen: %s", strings.Join(errs, "; "))
	}
	return b.Bytes(), nil
}

// signature is the Go form of f, as Go's runtime writes it above each TEXT.
func signature(f *Func) string {
	s := "func " + f.Name + "(" + params(f.Params) + ")"
	switch len(f.Results) {
	case 0:
	case 1:
		if f.Results[0].Name == "ret" {
			s += " " + f.Results[0].Type
			break
		}
		fallthrough
	default:
		s += " (" + params(f.Results) + ")"
	}
	return s
}

func params(ps []Param) string {
	var parts []string
	for i, p := range ps {
		if i+1 < len(ps) && ps[i+1].Type == p.Type {
			parts = append(parts, p.Name)
			continue
		}
		parts = append(parts, p.Name+" "+p.Type)
	}
	return strings.Join(parts, ", ")
}

// Decls adds the Go declarations of a's functions and constants to f.
func Decls(f *jen.File, a *Arch) {
	for _, c := range a.Consts {
		comment(f, c.Doc)
		f.Const().Id(c.Name).Op("=").Lit(c.Value)
		f.Line()
	}
	for _, fn := range a.Funcs {
		comment(f, fn.Doc)
		if fn.NoEscape {
			f.Comment("")
			f.Comment("//go:noescape")
		}
		var results []jen.Code
		for _, r := range fn.Results {
			if r.Name == "ret" {
				results = append(results, goType(r.Type))
			} else {
				results = append(results, jen.Id(r.Name).Add(goType(r.Type)))
			}
		}
		var ps []jen.Code
		for _, p := range fn.Params {
			ps = append(ps, jen.Id(p.Name).Add(goType(p.Type)))
		}
		f.Func().Id(fn.Name).Params(ps...).Params(results...)
		f.Line()
	}
}

func goType(t string) jen.Code {
	if name, ok := strings.CutPrefix(t, "*"); ok {
		return jen.Op("*").Id(name)
	}
	return jen.Id(t)
}

// comment adds text as // lines (jennifer turns a multi-line comment into /* */).
func comment(f *jen.File, text string) {
	for _, l := range strings.Split(text, "\n") {
		f.Comment(l)
	}
}

// The functions every switcher provides, declared once: each architecture
// writes their bodies.

func switchToFunc(gc bool) *Func {
	f := &Func{
		Name:     "switchTo",
		Doc:      "switchTo saves the running context in from and resumes to.",
		Flags:    "NOSPLIT",
		Params:   []Param{{"from", "*context"}, {"to", "*context"}},
		NoEscape: true,
	}
	if gc {
		f.Doc = "switchTo saves the running context in from and resumes to. It also\n" +
			"writes from's resume point into syscallsp, syscallpc and syscallbp of pub:\n" +
			"the holder g that publishes from (gc: collect), or scratch space."
		f.Params = append(f.Params, Param{"pub", "*gobj"})
	}
	return f
}

// hasParam reports whether f has a parameter called name.
func (f *Func) hasParam(name string) bool {
	for _, p := range f.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// saveResume writes the save of the resume point — the return PC, SP and
// frame pointer in the operands pc, sp and bp — into the context in register
// ctx and, when f has the argument pub (gc: collect), into the syscallpc,
// syscallsp and syscallbp of the holder g pub, loaded into register pubReg.
// bp "ZERO" is riscv64's, which keeps no frame pointer: context_bp then stays
// 0 and the holder gets 0.
func saveResume(f *Func, mov, ctx, pubReg, pc, sp, bp string) {
	f.I(mov, pc, "context_pc("+ctx+")")
	f.I(mov, sp, "context_sp("+ctx+")")
	if bp != "ZERO" {
		f.I(mov, bp, "context_bp("+ctx+")")
	}
	if !f.hasParam("pub") {
		return
	}
	f.Comment("gc: collect: the same resume point into the holder g pub, in the shape\n" +
		"the unwinder starts from (holder.replace).")
	f.I(mov, f.Arg("pub"), pubReg)
	f.I(mov, pc, "const_gSyscallpc("+pubReg+")")
	f.I(mov, sp, "const_gSyscallsp("+pubReg+")")
	f.I(mov, bp, "const_gSyscallbp("+pubReg+")")
}

// switchFromRunFunc is switchTo for Run's switch into the threads, which
// also saves the stack bounds and stktopsp of Run's own stack.
func switchFromRunFunc() *Func {
	return &Func{
		Name: "switchFromRun",
		Doc: "switchFromRun is switchTo for Run's switch into the threads: it also saves\n" +
			"the stack bounds and stktopsp of Run's own stack, which switchTo leaves\n" +
			"alone because they never change on a thread's stack.",
		Flags:    "NOSPLIT",
		Params:   []Param{{"from", "*context"}, {"to", "*context"}},
		NoEscape: true,
	}
}

// threadStartFunc: reg is the register switchTo leaves the thread in.
func threadStartFunc(reg string) *Func {
	return &Func{
		Name: "threadStart",
		Doc: "threadStart is the bottom frame of every thread stack, entered by switchTo\n" +
			"with " + reg + " holding the thread. TOPFRAME ends every unwind here.",
		Flags: "NOSPLIT|TOPFRAME",
		Frame: 8,
	}
}

// threadExitFunc: reg is the register threadStart leaves the context in.
func threadExitFunc(reg string) *Func {
	return &Func{
		Name: "threadExit",
		Doc: "threadExit leaves a finished thread for good: threadStart installs the\n" +
			"context threadMain returned (" + reg + ") and jumps here, and threadExit resumes it;\n" +
			"nothing of the finished thread is saved.",
		Flags: "NOSPLIT|NOFRAME",
	}
}

func threadStartPCFunc() *Func {
	return &Func{
		Name:    "threadStartPC",
		Doc:     "threadStartPC returns the address of threadStart.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "uintptr"}},
	}
}

func gwordFunc() *Func {
	return &Func{
		Name:    "gword",
		Doc:     "gword reads the word at offset off in the running goroutine's g.",
		Flags:   "NOSPLIT",
		Params:  []Param{{"off", "uintptr"}},
		Results: []Param{{"ret", "uintptr"}},
	}
}

func mwordFunc() *Func {
	return &Func{
		Name:    "mword",
		Doc:     "mword reads the word at offset off in the running goroutine's m.",
		Flags:   "NOSPLIT",
		Params:  []Param{{"off", "uintptr"}},
		Results: []Param{{"ret", "uintptr"}},
	}
}

func gclearbyteFunc() *Func {
	return &Func{
		Name:   "gclearbyte",
		Doc:    "gclearbyte sets the byte at offset off in the running goroutine's g to zero.",
		Flags:  "NOSPLIT",
		Params: []Param{{"off", "uintptr"}},
	}
}

// getgFunc and releaseGFunc are the two gc: collect additions.

func getgFunc() *Func {
	return &Func{
		Name:    "getg",
		Doc:     "getg returns the running goroutine's g.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "*gobj"}},
	}
}

// releaseGFunc: store is the sentence that says how the architecture makes a
// store a release store.
func releaseGFunc(store string) *Func {
	return &Func{
		Name: "releaseG",
		Doc: "releaseG ends an acquire of a parked holder gp: it gives back the goroutine\n" +
			"profiler's claim when claimed is not 0, then the scan bit when locked is not\n" +
			"0, each with a release store, so that whoever takes them next sees the g\n" +
			"field writes before them; the call keeps the compiler from moving those\n" +
			"writes past it. " + store,
		Flags:  "NOSPLIT",
		Params: []Param{{"gp", "*gobj"}, {"claimed", "uintptr"}, {"locked", "uintptr"}},
	}
}

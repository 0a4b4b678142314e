// Package asmgen prints the Plan 9 assembly of the context switcher, and the
// Go declarations that go with it, from one description per function, so that
// frame sizes and name+offset(FP) operands cannot drift from the Go side.
//
// An architecture emitter (amd64.go, arm64.go, riscv64.go) describes each
// function as a Func: its Go signature, frame size, flags and body, a list of
// typed nodes (instructions, labels, comments, blank lines). File renders the
// .s file with one printer; Decls renders the matching Go file with jennifer.
package asmgen

import (
	"bytes"
	"errors"
	"fmt"
	"go/types"
	"maps"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// Param is one argument or result of an assembly function. Type is a Go
// type of the generated package: a predeclared basic type ("uintptr",
// "uint32", "bool", ...) or a pointer ("*context", "*gobj").
type Param struct {
	Name string
	Type string
}

// paramType is the go/types type of a Param's Type, for its size and
// alignment: a pointer's are the same whatever it points to.
func paramType(t string) (types.Type, error) {
	if strings.HasPrefix(t, "*") {
		return types.Typ[types.UnsafePointer], nil
	}
	if tn, ok := types.Universe.Lookup(t).(*types.TypeName); ok {
		if b, ok := tn.Type().(*types.Basic); ok {
			return b, nil
		}
	}
	return nil, fmt.Errorf("unsupported parameter type %q", t)
}

// layout returns the FP offset of every parameter and result of f and their
// total size, the argument size of its TEXT line, for the target of sizes.
// It lays them out as the gc compiler does and go vet's asmdecl checks
// (cmd/vendor/golang.org/x/tools/go/analysis/passes/asmdecl in the Go
// tree): each at the next offset aligned for its type, the results from the
// next offset aligned to the largest alignment (an int64's), no padding at
// the end.
func (f *Func) layout(sizes types.Sizes) (map[string]int, int, error) {
	offs := map[string]int{}
	off := 0
	place := func(ps []Param) error {
		for _, p := range ps {
			t, err := paramType(p.Type)
			if err != nil {
				return fmt.Errorf("%s: %s: %v", f.Name, p.Name, err)
			}
			off = align(off, int(sizes.Alignof(t)))
			offs[p.Name] = off
			off += int(sizes.Sizeof(t))
		}
		return nil
	}
	if err := place(f.Params); err != nil {
		return nil, 0, err
	}
	if len(f.Results) > 0 {
		off = align(off, int(sizes.Alignof(types.Typ[types.Int64])))
	}
	if err := place(f.Results); err != nil {
		return nil, 0, err
	}
	return offs, off, nil
}

func align(off, a int) int { return (off + a - 1) / a * a }

// Func is one TEXT symbol and its Go declaration.
type Func struct {
	Name     string
	Doc      string // Go doc comment (without //), also printed above TEXT
	Flags    string // textflag.h flags, e.g. "NOSPLIT|TOPFRAME"
	Frame    int    // local frame size in bytes
	Params   []Param
	Results  []Param
	NoEscape bool // add //go:noescape to the declaration

	// The registers the function clobbers, printed above TEXT as
	// "// Clobbers: ...": the destination operands of the body (see
	// written), and Clobbers, the registers it writes otherwise (RDTSC's DX,
	// CPUID's BX) or "all" for one that calls Go code. ClobberNote, when
	// set, says why, in parentheses after them. Preserves says the function
	// gives back every register it writes: the line then says "none".
	Clobbers    []string
	ClobberNote string
	Preserves   bool

	// Body is the function's code, printed line by line by File.
	Body []Node
}

// A Node is one line of a function body: *Instr, Label, Comment or Blank.
type Node interface{ node() }

// Instr is one instruction: its op, its operands in the assembler's order
// (sources first, destination last) and an optional end-of-line comment.
type Instr struct {
	Op   string
	Args []Operand
	Note string // end-of-line comment, without //
}

// An Operand is a string, written as the assembler reads it ("AX",
// "8(SP)", "$const_stackPreempt"), or an Arg.
type Operand = any

// Arg is an operand that names a parameter or result of the function: the
// printer writes it name+offset(FP), with the offset from the target's
// sizes (see layout).
type Arg string

// Label is a branch target.
type Label string

// Comment is a comment on lines of its own; it may span several lines.
type Comment string

// Blank is an empty line.
type Blank struct{}

func (*Instr) node()  {}
func (Label) node()   {}
func (Comment) node() {}
func (Blank) node()   {}

// Arg returns the operand of a parameter or result, printed as
// "from+0(FP)". File reports a name that is neither.
func (f *Func) Arg(name string) Arg { return Arg(name) }

// I appends one instruction and returns it, for C to add a comment to.
func (f *Func) I(op string, operands ...Operand) *Instr {
	in := &Instr{Op: op, Args: operands}
	f.Body = append(f.Body, in)
	return in
}

// C sets the end-of-line comment of in.
func (in *Instr) C(note string) *Instr {
	in.Note = note
	return in
}

// Label appends a label.
func (f *Func) Label(name string) { f.Body = append(f.Body, Label(name)) }

// Comment appends a comment on lines of its own (one per line of text).
func (f *Func) Comment(text string) { f.Body = append(f.Body, Comment(text)) }

// Blank appends an empty line.
func (f *Func) Blank() { f.Body = append(f.Body, Blank{}) }

// printBody prints the nodes of f's body, one line each (a Comment one line
// per line of its text), with the FP offsets offs of its arguments.
func printBody(b *bytes.Buffer, f *Func, offs map[string]int) error {
	var errs []error
	for _, n := range f.Body {
		switch n := n.(type) {
		case *Instr:
			b.WriteString("\t" + n.Op)
			var args []string
			for _, a := range n.Args {
				switch a := a.(type) {
				case string:
					args = append(args, a)
				case Arg:
					off, ok := offs[string(a)]
					if !ok {
						errs = append(errs, fmt.Errorf("%s has no argument %q", f.Name, a))
					}
					args = append(args, fmt.Sprintf("%s+%d(FP)", a, off))
				default:
					errs = append(errs, fmt.Errorf("%s: %s: operand %v is a %T", f.Name, n.Op, a, a))
				}
			}
			if len(args) > 0 {
				b.WriteString("\t" + strings.Join(args, ", "))
			}
			if n.Note != "" {
				b.WriteString("\t// " + n.Note)
			}
		case Label:
			b.WriteString(string(n) + ":")
		case Comment:
			for i, l := range strings.Split(string(n), "\n") {
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString("\t// " + l)
			}
		case Blank:
		}
		b.WriteString("\n")
	}
	return errors.Join(errs...)
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

	// isa is what the shared functions were written from; the tests run
	// its stackguard0 sequence on its own.
	isa *isa
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
	m := map[string]func(Options) *Arch{}
	for _, t := range targets {
		m[t.GOARCH] = t.New
	}
	return m
}

// Target is an architecture the printer has a switcher for, and what that
// switcher supports.
type Target struct {
	GOARCH string
	New    func(Options) *Arch
	// Preempt: it has the signal handler and trapped-register trampoline
	// that time slices need (Options.Preempt).
	Preempt bool
	// GC: its threadStart finishes the entering switch and it has getg and
	// releaseG, which gc: collect needs (Options.GC).
	GC bool
}

var targets = []Target{
	{"amd64", AMD64, true, true},
	{"arm64", ARM64, false, true},
	{"riscv64", RISCV64, false, true},
}

// Targets lists the architectures, sorted: the generator's list of what a
// config may ask for comes from here.
func Targets() []Target { return append([]Target(nil), targets...) }

// File renders the assembly file of a, with header as its first line(s).
func File(a *Arch, header string) ([]byte, error) {
	sizes := types.SizesFor("gc", a.GOARCH)
	if sizes == nil {
		return nil, fmt.Errorf("asmgen: unknown GOARCH %q", a.GOARCH)
	}
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
	var errs []error
	for _, f := range a.Funcs {
		offs, size, err := f.layout(sizes)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "// %s\n", signature(f))
		for _, l := range strings.Split(f.Doc, "\n") {
			fmt.Fprintf(&b, "// %s\n", l)
		}
		if cl := clobbers(a.GOARCH, f); cl != "" {
			fmt.Fprintf(&b, "//\n// Clobbers: %s\n", cl)
		}
		fmt.Fprintf(&b, "TEXT ·%s(SB), %s, $%d-%d\n", f.Name, f.Flags, f.Frame, size)
		if err := printBody(&b, f, offs); err != nil {
			errs = append(errs, err)
		}
	}
	for _, g := range a.Globals {
		b.WriteString("\n" + g + "\n")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("asmgen: %w", err)
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

// The functions every switcher provides, declared once; switcher.go writes
// their bodies from each architecture's isa.

func switchToFunc(gc bool) *Func {
	f := &Func{
		Name:     "switchTo",
		Doc:      "switchTo saves the running context in from and resumes to.",
		Flags:    "NOSPLIT",
		Params:   []Param{{"from", "*context"}, {"to", "*context"}},
		NoEscape: true,
	}
	if gc {
		f.Doc = "switchTo saves the running context in from and resumes to.\n" +
			"It also writes from's resume point into syscallsp, syscallpc and syscallbp\n" +
			"of pub: the holder g that publishes from (gc: collect), or scratch space."
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
		Doc: "switchFromRun is switchTo for Run's switch into the threads.\n" +
			"It also saves the stack bounds and stktopsp of Run's own stack, which\n" +
			"switchTo leaves alone because they never change on a thread's stack.",
		Flags:    "NOSPLIT",
		Params:   []Param{{"from", "*context"}, {"to", "*context"}},
		NoEscape: true,
	}
}

// threadStartFunc: reg is the register switchTo leaves the thread in.
func threadStartFunc(reg string) *Func {
	return &Func{
		Name: "threadStart",
		Doc: "threadStart is the bottom frame of every thread stack.\n" +
			"switchTo enters it with " + reg + " holding the thread. TOPFRAME ends every\n" +
			"unwind here.",
		Flags:       "NOSPLIT|TOPFRAME",
		Frame:       startLocals,
		Clobbers:    []string{"all"},
		ClobberNote: "it calls Go code and returns to no caller",
	}
}

// threadExitFunc: reg is the register threadStart leaves the context in.
func threadExitFunc(reg string) *Func {
	return &Func{
		Name: "threadExit",
		Doc: "threadExit leaves a finished thread for good.\n" +
			"threadStart installs the context threadMain returned (" + reg + ") and jumps\n" +
			"here, and threadExit resumes it; nothing of the finished thread is saved.",
		Flags: "NOSPLIT|NOFRAME",
	}
}

// leaf declares one of the small NOSPLIT functions without a frame: name,
// its doc, its parameters and results.
func leaf(name, doc string, params, results []Param) *Func {
	return &Func{Name: name, Doc: doc, Flags: "NOSPLIT", Params: params, Results: results}
}

// The parameter and the result that several leaf functions share.
var (
	offParam   = []Param{{"off", "uintptr"}}
	uintptrRet = []Param{{"ret", "uintptr"}}
)

// pcFunc is the function that returns the address of the function fn.
func pcFunc(fn string) *Func {
	return leaf(fn+"PC", fn+"PC returns the address of "+fn+".", nil, uintptrRet)
}

// wordFunc is the function that reads a word of the running goroutine's g
// or m: of is "g" or "m".
func wordFunc(of string) *Func {
	return leaf(of+"word", of+"word reads the word at offset off in the running goroutine's "+of+".", offParam, uintptrRet)
}

func gclearbyteFunc() *Func {
	return leaf("gclearbyte", "gclearbyte sets the byte at offset off in the running goroutine's g to zero.", offParam, nil)
}

// cputicksFunc reads a constant-rate CPU counter, the clock of the
// per-thread time accounting (one read per switch); doc says which, a
// sentence and then details.
func cputicksFunc(doc string) *Func {
	return leaf("cputicks", "cputicks reads "+doc, nil, []Param{{"ret", "uint64"}})
}

// getgFunc and releaseGFunc are the two gc: collect additions.

func getgFunc() *Func {
	return leaf("getg", "getg returns the running goroutine's g.", nil, []Param{{"ret", "*gobj"}})
}

// releaseGFunc: store is the sentence that says how the architecture makes a
// store a release store.
func releaseGFunc(store string) *Func {
	return leaf("releaseG", "releaseG ends an acquire of a parked holder gp.\n"+
		"It gives back the goroutine profiler's claim when claimed is not 0, then\n"+
		"the scan bit when locked is not 0, each with a release store, so that\n"+
		"whoever takes them next sees the g field writes before them; the call\n"+
		"keeps the compiler from moving those writes past it. "+store,
		[]Param{{"gp", "*gobj"}, {"claimed", "uintptr"}, {"locked", "uintptr"}}, nil)
}

// registers lists each architecture's general registers in the order a
// Clobbers line names them. An operand that is none of them (memory, a
// constant, a label, g, ZERO) is no register write.
var registers = map[string][]string{
	"amd64": {"AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"},
	"arm64": {"R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
		"R16", "R17", "R19", "R20", "R21", "R22", "R23", "R24", "R25", "R26", "R27", "R29", "R30", "RSP"},
	"riscv64": {"RA", "X2", "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "T0", "T1", "T2", "T3", "T4", "T5", "T6"},
}

// written returns the register in writes, "" if none: the last operand of
// every instruction but the ones that only read it (compares, branches,
// calls, pushes). Implicit writes (RDTSC, CPUID, SYSCALL, CMPXCHGQ's AX, a
// CALL's callee) are the Func's to state in Clobbers.
func written(goarch string, in *Instr) string {
	if len(in.Args) == 0 {
		return ""
	}
	op := in.Op
	switch goarch {
	case "amd64":
		if strings.HasPrefix(op, "CMP") && !strings.HasPrefix(op, "CMPXCHG") ||
			strings.HasPrefix(op, "J") || strings.HasPrefix(op, "TEST") {
			return ""
		}
	case "arm64", "riscv64":
		if op == "CMP" || op == "CBZ" || op == "CBNZ" || strings.HasPrefix(op, "B") {
			return ""
		}
	}
	switch op {
	case "CALL", "JMP", "NOP", "PUSHQ":
		return ""
	}
	r, _ := in.Args[len(in.Args)-1].(string)
	if slices.Contains(registers[goarch], r) {
		return r
	}
	return ""
}

// clobbers is the text of f's Clobbers line for goarch, "" for an
// architecture without a register list.
func clobbers(goarch string, f *Func) string {
	order, ok := registers[goarch]
	if !ok {
		return ""
	}
	note := ""
	if f.ClobberNote != "" {
		note = " (" + f.ClobberNote + ")"
	}
	if f.Preserves {
		return "none" + note
	}
	if slices.Contains(f.Clobbers, "all") {
		return "all registers" + note
	}
	set := map[string]bool{}
	for _, r := range f.Clobbers {
		set[r] = true
	}
	for _, n := range f.Body {
		if in, ok := n.(*Instr); ok {
			if r := written(goarch, in); r != "" {
				set[r] = true
			}
		}
	}
	var regs []string
	for _, r := range order {
		if set[r] {
			regs = append(regs, r)
			delete(set, r)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(set)) {
		regs = append(regs, r+"?") // stated, but not a register of goarch
	}
	if len(regs) == 0 {
		return "none" + note
	}
	return strings.Join(regs, ", ") + note
}

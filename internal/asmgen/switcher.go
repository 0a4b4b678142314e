package asmgen

import "fmt"

// isa is what the functions every switcher has need from an architecture:
// its register names and its spelling of the few steps that differ. The
// functions themselves are written once, in funcs.
type isa struct {
	goarch    string
	registers string // Arch.Registers
	// startFrameDoc and startFrame are the doc and value of the constant
	// startFrame: the distance from threadStart's entry SP to its SP after
	// the prologue.
	startFrameDoc string
	startFrame    int

	mov  string // the word move: MOVQ, MOVD, MOV
	sp   string // the hardware stack pointer: SP, RSP, X2
	zero string // the source operand of a zero store: $0, ZR, ZERO

	from, to string // the registers switchTo loads from and to into; threadStart receives the thread in to
	pub      string // the register for the holder g pub (gc: collect)
	tmp      string // scratch for the g field copies
	ret      string // the register the small functions compute their result in
	mReg     string // the register mword loads m into

	// clearRet is set on an architecture whose prologue saves the return
	// PC at 0 off the stack pointer (arm64, riscv64): threadStart clears
	// that slot, and the arguments of its calls start 8 bytes above it.
	// It ends the sentence of the comment that says why it is cleared.
	clearRet string
	// relStore is the sentence of releaseG's doc that says how the
	// architecture makes a store a release store.
	relStore string

	// loadG writes the load of g and returns the register holding it: a
	// TLS load on amd64; nil for a g register (see getG).
	loadG func(f *Func) string
	// resumePoint writes what the switch needs to save the resume point and
	// returns its return PC, SP and frame pointer operands ("ZERO" for no
	// frame pointer: see saveResume).
	resumePoint func(f *Func) (pc, sp, bp string)
	// resumeRegs are the context fields install loads last, and their
	// registers: the resume PC and frame pointer enter uses.
	resumeRegs [][2]string
	// enter moves to the incoming context's stack and resumes it; fresh
	// allows entering a thread that has never run (amd64 only).
	enter func(f *Func, fresh bool)
	// guard is the stackguard0 update (g in register g), run on its own by
	// TestGuardSequence; nil for llscGuard with the registers of llsc.
	guard func(f *Func, g string)
	llsc  *llsc
	// indexed writes what addressing base+off needs and returns the memory
	// operand.
	indexed func(f *Func, base, off string) string
	// jumpIfZero jumps to label when the word operand v is zero; nil on a
	// load/store architecture, which loads v into to (free in releaseG) and
	// branches with its branch-if-zero op bz.
	jumpIfZero func(f *Func, v Operand, label string)
	bz         string
	// storeRel32 stores the 32-bit constant operand v at off(base) with a
	// release store.
	storeRel32 func(f *Func, v, off, base string)
	// counter writes, for cputicks, the read of the constant-rate CPU
	// counter that ticksDoc names and returns the register holding it.
	counter  func(f *Func) string
	ticksDoc string
}

// startLocals is threadStart's local frame on every architecture: the
// thread argument of its calls and threadMain's result (or, with gc:
// collect, the thread kept across threadEntered).
const startLocals = 16

// arch returns the switcher: the functions every switcher has and the
// constant startFrame.
func (s *isa) arch(opt Options) *Arch {
	if s.guard == nil {
		s.guard = s.llscGuard
	}
	if s.jumpIfZero == nil {
		s.jumpIfZero = func(f *Func, v Operand, label string) {
			s.mov1(f, v, s.to)
			f.I(s.bz, s.to, label)
		}
	}
	return &Arch{
		GOARCH:    s.goarch,
		Registers: s.registers,
		Funcs:     s.funcs(opt),
		Consts:    []Const{{Name: "startFrame", Doc: s.startFrameDoc, Value: s.startFrame}},
		isa:       s,
	}
}

// funcs returns the functions every switcher has, in the order they are
// printed.
func (s *isa) funcs(opt Options) (fs []*Func) {
	sw := switchToFunc(opt.GC)
	// Lean in every mode: with gc: collect, the slow path (slowPrepare)
	// saves Run's own stack bounds before Run's switch into the threads.
	s.switchBody(sw, false, !opt.GC)
	start := s.threadStart(opt.GC)
	if opt.GC {
		fs = []*Func{sw, start}
	} else {
		run := switchFromRunFunc()
		s.switchBody(run, true, true)
		exit := threadExitFunc(s.to)
		s.enter(exit, true)
		fs = []*Func{sw, run, start, exit}
	}

	gword := wordFunc("g")
	s.loadWord(gword, s.getG(gword))
	mword := wordFunc("m")
	s.mov1(mword, "const_gM("+s.getG(mword)+")", s.mReg)
	s.loadWord(mword, s.mReg)
	clear := gclearbyteFunc()
	g := s.getG(clear)
	s.mov1(clear, clear.Arg("off"), s.ret)
	clear.I("MOVB", s.zero, s.indexed(clear, g, s.ret)).C("the byte at g+off = 0")
	clear.I("RET")
	ticks := cputicksFunc(s.ticksDoc)
	s.returnWord(ticks, s.counter(ticks))
	fs = append(fs, s.addrFunc(pcFunc("threadStart"), "·threadStart(SB)"), gword, mword, clear, ticks)
	if !opt.GC {
		return fs
	}

	getg := getgFunc()
	if g = s.getG(getg); g == "g" {
		s.mov1(getg, "g", s.ret)
		g = s.ret
	}
	s.returnWord(getg, g)
	return append(fs, getg, s.releaseG())
}

// switchBody writes a switch from the context in argument from to the one
// in argument to; full saves every g field of the outgoing stack (see
// savedFields), fresh lets amd64 enter a thread that has never run.
func (s *isa) switchBody(f *Func, full, fresh bool) {
	f.ClobberNote = "it returns into the incoming context, on its stack"
	s.mov1(f, f.Arg("from"), s.from).C(s.from + " = from")
	s.mov1(f, f.Arg("to"), s.to).C(s.to + " = to")
	g := s.getG(f)
	pc, sp, bp := s.resumePoint(f)
	saveResume(f, s.mov, s.from, s.pub, pc, sp, bp)
	saveFields(f, s.mov, g, s.from, s.tmp, full)
	s.install(f, g)
	s.enter(f, fresh)
}

// threadStart is the bottom frame of every thread stack. It calls
// threadMain(thread) with the thread switchTo left in register to; with gc:
// collect it first calls threadEntered(thread), and threadMain never
// returns; without, it installs the context threadMain returns and leaves
// through threadExit.
func (s *isa) threadStart(gc bool) *Func {
	f := threadStartFunc(s.to)
	f.I("NO_LOCAL_POINTERS")
	argBase := 0 // the offset of a callee's first argument from the stack pointer
	if s.clearRet != "" {
		f.Comment("switchTo entered with a RET, so the prologue saved threadStart's own\n" +
			"address as its return PC. Clear it" + s.clearRet)
		s.mov1(f, s.zero, "0("+s.sp+")").C("no return PC")
		argBase = 8
	}
	arg := fmt.Sprintf("%d(%s)", argBase, s.sp)
	keep := fmt.Sprintf("%d(%s)", argBase+8, s.sp) // threadMain's result too
	if !gc {
		s.mov1(f, s.to, arg).C("threadMain's argument: the thread")
		f.I("CALL", "·threadMain(SB)")
		f.Comment("The thread has finished; threadMain returned the context to resume.\n" +
			"Install it and leave through threadExit, which has no frame: a RET\n" +
			"here would first pop this frame.")
		s.mov1(f, keep, s.to).C(s.to + " = the context threadMain returned")
		s.install(f, s.getG(f))
		f.I("JMP", "·threadExit(SB)")
		return f
	}
	f.Comment("Finish the switch that entered the thread (gc: collect) before any\n" +
		"Go prologue can let the collector in; keep the thread in " + keep + ".")
	s.mov1(f, s.to, keep).C("keep the thread")
	s.mov1(f, s.to, arg).C("threadEntered's argument: the thread")
	f.I("CALL", "·threadEntered(SB)")
	s.mov1(f, keep, s.to)
	s.mov1(f, s.to, arg).C("threadMain's argument: the thread")
	f.Comment("threadMain never returns in gc: collect: a finished thread switches\n" +
		"away through its holder.")
	f.I("CALL", "·threadMain(SB)")
	f.I("UNDEF").C("not reached")
	return f
}

// releaseG gives back the claims of a parked holder (gc: collect).
func (s *isa) releaseG() *Func {
	f := releaseGFunc(s.relStore)
	s.mov1(f, f.Arg("gp"), s.from)
	for _, st := range []struct{ arg, val, field, label string }{
		{"claimed", "$const_profAbsent", "const_gGoroutineProfiled", "status"},
		{"locked", "$const_gStatusWaiting", "const_gStatus", "done"},
	} {
		s.jumpIfZero(f, f.Arg(st.arg), st.label)
		s.storeRel32(f, st.val, st.field, s.from)
		f.Label(st.label)
	}
	f.I("RET")
	return f
}

// getG writes the load of g, if it needs one, and returns the register
// holding it.
func (s *isa) getG(f *Func) string {
	if s.loadG == nil {
		return "g"
	}
	return s.loadG(f)
}

// mov1 appends one word move.
func (s *isa) mov1(f *Func, from, to Operand) *Instr { return f.I(s.mov, from, to) }

// loadWord returns the word at offset off (an argument) from the address in
// register base.
func (s *isa) loadWord(f *Func, base string) {
	s.mov1(f, f.Arg("off"), s.ret)
	s.mov1(f, s.indexed(f, base, s.ret), s.ret).C(s.ret + " = the word at " + base + "+off")
	s.returnWord(f, s.ret)
}

// returnWord returns the word in register reg as f's result ret.
func (s *isa) returnWord(f *Func, reg string) {
	s.mov1(f, reg, f.Arg("ret"))
	f.I("RET")
}

// addrFunc returns sym's address from f.
func (s *isa) addrFunc(f *Func, sym string) *Func {
	s.mov1(f, "$"+sym, s.ret)
	s.returnWord(f, s.ret)
	return f
}

// install installs the incoming context (in register to) into the g in
// register g: its g fields and stackguard0; then loads its resumeRegs.
func (s *isa) install(f *Func, g string) {
	installFields(f, s.mov, g, s.to, s.tmp)
	s.guard(f, g)
	for _, r := range s.resumeRegs {
		s.mov1(f, r[0]+"("+s.to+")", r[1]).C(map[string]string{
			"context_pc": "the resume PC", "context_bp": "the incoming frame pointer"}[r[0]])
	}
}

// llsc is the stackguard0 update of an architecture with a load-reserved /
// store-conditional pair: its registers, its spellings and the last
// sentence of its comment.
type llsc struct {
	why                           string
	lo, old, marker, addr, status string
	load, store, jumpNonZero      string
	// jumpIfEqual jumps to label when registers a and b are equal.
	jumpIfEqual func(f *Func, a, b, label string)
}

// llscGuard sets g.stackguard0 (g in register g) for the incoming context in
// register to, with the registers of s.llsc, and ends at the label resume.
func (s *isa) llscGuard(f *Func, g string) {
	r := s.llsc
	f.Comment("stackguard0 = lo + StackGuard, unless the runtime has posted its\n" +
		"preemption marker there: then leave it for the next prologue to see. " + r.why)
	s.mov1(f, "context_lo("+s.to+")", r.lo)
	s.mov1(f, "·stackGuard(SB)", r.old)
	f.I("ADD", r.old, r.lo).C(r.lo + " = lo + StackGuard")
	s.mov1(f, "$const_stackPreempt", r.marker)
	f.I("ADD", "$const_gStackguard0", g, r.addr)
	f.Label("guard")
	f.I(r.load, "("+r.addr+")", r.old).C(r.old + " = stackguard0, reserved")
	r.jumpIfEqual(f, r.old, r.marker, "resume")
	f.I(r.store, r.lo, "("+r.addr+")", r.status).C("stackguard0 = " + r.lo + " if still reserved; " + r.status + " = 0 if stored")
	f.I(r.jumpNonZero, r.status, "guard").C("the reservation was lost: again")
	f.Label("resume")
}

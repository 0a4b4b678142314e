package asmgen

// RISCV64 describes the linux/riscv64 switcher.
//
// The same switch as arm64: the resume PC is the return address register RA
// (X1) at the call of switchTo, the caller's SP is X2 itself (switchTo is a
// leaf without a frame). Go does not keep a frame pointer on riscv64 (only
// amd64 and arm64 have framepointer_enabled; X8 is an ordinary register in
// ABI0), so context.bp stays zero. g is register X27, named g by the
// assembler. X31 is the assembler's temporary and is left alone.
func RISCV64(opt Options) *Arch {
	a := &Arch{
		GOARCH: "riscv64",
		mov:    "MOV",
		toReg:  "A1",
		guard:  riscv64Guard,
		Registers: `Register roles in switchTo:
	A0	from *context (outgoing)
	A1	to *context (incoming); threadStart receives it as its *thread
	g	X27, the running goroutine
	A2	pub (gc: collect)
	T0-T5	scratch
	RA	return address: saved, and restored as the resume PC`,
	}

	sw := switchToFunc(opt.GC)
	// Lean in every mode: with gc: collect, tryGCSwitch saves Run's own
	// stack bounds before Run's switch into the threads.
	riscv64Switch(sw, false)

	start := threadStartFunc("A1")
	start.Frame = 16
	start.I("NO_LOCAL_POINTERS")
	start.Comment("switchTo entered with a RET, so the prologue saved threadStart's own\n" +
		"address as its return PC. Clear it, as on amd64, for unwinders that\n" +
		"do not stop at TOPFRAME.")
	start.I("MOV", "ZERO", "0(X2)")
	if opt.GC {
		start.Comment("Finish the switch that entered the thread (gc: collect) before any\n" +
			"Go prologue can let the collector in; keep the thread in 16(X2).")
		start.I("MOV", "A1", "16(X2)")
		start.I("MOV", "A1", "8(X2)")
		start.I("CALL", "·threadEntered(SB)")
		start.I("MOV", "16(X2)", "A1")
		start.I("MOV", "A1", "8(X2)")
		start.Comment("threadMain never returns in gc: collect: a finished thread switches\n" +
			"away through its holder.")
		start.I("CALL", "·threadMain(SB)")
		start.I("UNDEF")
	} else {
		start.I("MOV", "A1", "8(X2)")
		start.I("CALL", "·threadMain(SB)")
		start.Comment("The thread has finished; threadMain returned the context to resume.\n" +
			"Install it and leave through threadExit, which has no frame: a RET\n" +
			"here would first pop this frame.")
		start.I("MOV", "16(X2)", "A1")
		riscv64Install(start)
		start.I("JMP", "·threadExit(SB)")
	}

	pc := threadStartPCFunc()
	pc.I("MOV", "$·threadStart(SB)", "A0")
	pc.I("MOV", "A0", pc.Arg("ret"))
	pc.I("RET")

	gword := gwordFunc()
	gword.I("MOV", gword.Arg("off"), "A0")
	gword.I("ADD", "g", "A0")
	gword.I("MOV", "(A0)", "A0")
	gword.I("MOV", "A0", gword.Arg("ret"))
	gword.I("RET")

	mword := mwordFunc()
	mword.I("MOV", "const_gM(g)", "A1")
	mword.I("MOV", mword.Arg("off"), "A0")
	mword.I("ADD", "A1", "A0")
	mword.I("MOV", "(A0)", "A0")
	mword.I("MOV", "A0", mword.Arg("ret"))
	mword.I("RET")

	clear := gclearbyteFunc()
	clear.I("MOV", clear.Arg("off"), "A0")
	clear.I("ADD", "g", "A0")
	clear.I("MOVB", "ZERO", "(A0)")
	clear.I("RET")

	if opt.GC {
		a.Funcs = []*Func{sw, start}
	} else {
		run := switchFromRunFunc()
		riscv64Switch(run, true)
		exit := threadExitFunc("A1")
		riscv64Enter(exit)
		a.Funcs = []*Func{sw, run, start, exit}
	}
	a.Funcs = append(a.Funcs, pc, gword, mword, clear)
	if opt.GC {
		getg := getgFunc()
		getg.I("MOV", "g", "A0")
		getg.I("MOV", "A0", getg.Arg("ret"))
		getg.I("RET")
		rel := releaseGFunc("On riscv64 that is\nAMOSWAPW, which the assembler emits with the aq and rl bits set (what the\nruntime's StoreRel is).")
		rel.I("MOV", rel.Arg("gp"), "A0")
		rel.I("MOV", rel.Arg("claimed"), "A1")
		rel.I("BEQZ", "A1", "status")
		rel.I("MOV", "$const_profAbsent", "A2")
		rel.I("ADD", "$const_gGoroutineProfiled", "A0", "A3")
		rel.I("AMOSWAPW", "A2", "(A3)", "ZERO")
		rel.Label("status")
		rel.I("MOV", rel.Arg("locked"), "A1")
		rel.I("BEQZ", "A1", "done")
		rel.I("MOV", "$const_gStatusWaiting", "A2")
		rel.I("ADD", "$const_gStatus", "A0", "A3")
		rel.I("AMOSWAPW", "A2", "(A3)", "ZERO")
		rel.Label("done")
		rel.I("RET")
		a.Funcs = append(a.Funcs, getg, rel)
	}
	a.Consts = []Const{{
		Name: "startFrame",
		Doc: "startFrame is the distance from threadStart's entry SP to its SP after the\n" +
			"prologue, the stktopsp every unwind of a thread ends at: its frame and\n" +
			"the slot where the prologue saves RA.",
		Value: start.Frame + 8,
	}}
	return a
}

// riscv64Switch writes a switch from the context in argument from to the
// one in argument to; full saves every g field of the outgoing stack (see
// savedFields).
func riscv64Switch(f *Func, full bool) {
	f.I("MOV", f.Arg("from"), "A0")
	f.I("MOV", f.Arg("to"), "A1")
	f.Comment("Save the resume point: the return PC (RA) and the caller's SP (" + f.Name + "\nhas no frame).")
	saveResume(f, "MOV", "A0", "A2", "RA", "X2", "ZERO")
	saveFields(f, "MOV", "g", "A0", "T0", full)
	riscv64Install(f)
	riscv64Enter(f)
}

// riscv64Install installs the incoming context in A1: its g fields and
// stackguard0, then its resume PC in RA for riscv64Enter.
func riscv64Install(f *Func) {
	installFields(f, "MOV", "g", "A1", "T0")
	riscv64Guard(f, "g")
	f.I("MOV", "context_pc(A1)", "RA")
}

// riscv64Enter moves to the stack of the context in A1 and resumes it.
func riscv64Enter(f *Func) {
	f.Comment("Resume with a return through RA (JALR X0, 0(RA), which the hardware\n" +
		"treats as a return and pops its return-address stack): the CALL that\n" +
		"entered switchTo pushed an entry that only a return pops (measured on\n" +
		"amd64: 25 ns against 13 ns per Yield when it is left behind).")
	f.I("MOV", "context_sp(A1)", "X2")
	f.I("RET")
}

// riscv64Guard sets g.stackguard0 (g in register g) for the incoming context
// in A1, using T1-T5, and ends at the label resume.
func riscv64Guard(f *Func, g string) {
	f.Comment("stackguard0 = lo + StackGuard, unless the runtime has posted its\n" +
		"preemption marker there: then leave it for the next prologue to see. A\n" +
		"load-reserved/store-conditional pair makes the test and the store one\n" +
		"atomic step against the runtime posting the marker.")
	f.I("MOV", "context_lo(A1)", "T1")
	f.I("MOV", "·stackGuard(SB)", "T2")
	f.I("ADD", "T2", "T1")
	f.I("MOV", "$const_stackPreempt", "T3")
	f.I("ADD", "$const_gStackguard0", g, "T4")
	f.Label("guard")
	f.I("LRD", "(T4)", "T2")
	f.I("BEQ", "T2", "T3", "resume")
	f.I("SCD", "T1", "(T4)", "T5")
	f.I("BNEZ", "T5", "guard")
	f.Label("resume")
}

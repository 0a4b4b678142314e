package asmgen

import "fmt"

// ARM64 describes the linux/arm64 switcher.
//
// The same switch as amd64 with the link-register calling convention: the
// resume PC is the link register R30 at the call of switchTo, the caller's SP
// is RSP itself (switchTo is a leaf without a frame) and the frame pointer is
// R29. g is register R28, named g by the assembler. ABI0 treats every other
// register as caller-saved.
func ARM64(opt Options) *Arch {
	a := &Arch{
		GOARCH: "arm64",
		mov:    "MOVD",
		toReg:  "R1",
		guard:  arm64Guard,
		Registers: `Register roles in switchTo:
	R0	from *context (outgoing)
	R1	to *context (incoming); threadStart receives it as its *thread
	g	R28, the running goroutine
	R2-R7	scratch; R3 pub (gc: collect)
	R29	frame pointer, R30 link register: saved and restored`,
	}

	sw := switchToFunc(opt.GC)
	// Lean in every mode: with gc: collect, tryGCSwitch saves Run's own
	// stack bounds before Run's switch into the threads.
	arm64Switch(sw, false)

	start := threadStartFunc("R1")
	start.Frame = 16
	start.I("NO_LOCAL_POINTERS")
	start.Comment("switchTo entered with a RET, so the prologue saved threadStart's own\n" +
		"address as its return PC. Clear it: frame-pointer unwinders (the\n" +
		"execution tracer) read that slot, and on amd64 it holds zero too.")
	start.I("MOVD", "ZR", "0(RSP)")
	if opt.GC {
		start.Comment("Finish the switch that entered the thread (gc: collect) before any\n" +
			"Go prologue can let the collector in; keep the thread in 16(RSP).")
		start.I("MOVD", "R1", "16(RSP)")
		start.I("MOVD", "R1", "8(RSP)")
		start.I("CALL", "·threadEntered(SB)")
		start.I("MOVD", "16(RSP)", "R1")
		start.I("MOVD", "R1", "8(RSP)")
		start.Comment("threadMain never returns in gc: collect: a finished thread switches\n" +
			"away through its holder.")
		start.I("CALL", "·threadMain(SB)")
		start.I("UNDEF")
	} else {
		start.I("MOVD", "R1", "8(RSP)")
		start.I("CALL", "·threadMain(SB)")
		start.Comment("The thread has finished; threadMain returned the context to resume.\n" +
			"Install it and leave through threadExit, which has no frame: a RET\n" +
			"here would first pop this frame.")
		start.I("MOVD", "16(RSP)", "R1")
		arm64Install(start)
		start.I("JMP", "·threadExit(SB)")
	}

	pc := threadStartPCFunc()
	pc.I("MOVD", "$·threadStart(SB)", "R0")
	pc.I("MOVD", "R0", pc.Arg("ret"))
	pc.I("RET")

	gword := gwordFunc()
	gword.I("MOVD", gword.Arg("off"), "R0")
	gword.I("ADD", "R0", "g", "R0")
	gword.I("MOVD", "(R0)", "R0")
	gword.I("MOVD", "R0", gword.Arg("ret"))
	gword.I("RET")

	mword := mwordFunc()
	mword.I("MOVD", "const_gM(g)", "R1")
	mword.I("MOVD", mword.Arg("off"), "R0")
	mword.I("ADD", "R0", "R1", "R0")
	mword.I("MOVD", "(R0)", "R0")
	mword.I("MOVD", "R0", mword.Arg("ret"))
	mword.I("RET")

	clear := gclearbyteFunc()
	clear.I("MOVD", clear.Arg("off"), "R0")
	clear.I("ADD", "R0", "g", "R0")
	clear.I("MOVB", "ZR", "(R0)")
	clear.I("RET")

	if opt.GC {
		a.Funcs = []*Func{sw, start}
	} else {
		run := switchFromRunFunc()
		arm64Switch(run, true)
		exit := threadExitFunc("R1")
		arm64Enter(exit)
		a.Funcs = []*Func{sw, run, start, exit}
	}
	a.Funcs = append(a.Funcs, pc, gword, mword, clear)
	if opt.GC {
		getg := getgFunc()
		getg.I("MOVD", "g", "R0")
		getg.I("MOVD", "R0", getg.Arg("ret"))
		getg.I("RET")
		rel := releaseGFunc("On arm64 that is STLRW\n(what the runtime's StoreRel is).")
		rel.I("MOVD", rel.Arg("gp"), "R0")
		rel.I("MOVD", rel.Arg("claimed"), "R1")
		rel.I("CBZ", "R1", "status")
		rel.I("MOVD", "$const_profAbsent", "R2")
		rel.I("ADD", "$const_gGoroutineProfiled", "R0", "R3")
		rel.I("STLRW", "R2", "(R3)")
		rel.Label("status")
		rel.I("MOVD", rel.Arg("locked"), "R1")
		rel.I("CBZ", "R1", "done")
		rel.I("MOVD", "$const_gStatusWaiting", "R2")
		rel.I("ADD", "$const_gStatus", "R0", "R3")
		rel.I("STLRW", "R2", "(R3)")
		rel.Label("done")
		rel.I("RET")
		a.Funcs = append(a.Funcs, getg, rel)
	}
	a.Consts = []Const{{
		Name: "startFrame",
		Doc: "startFrame is the distance from threadStart's entry SP to its SP after the\n" +
			"prologue, the stktopsp every unwind of a thread ends at. The arm64\n" +
			"assembler adds the LR slot to the frame and rounds it up with a slot for\n" +
			"the frame pointer so that SP stays 16-byte aligned: " + fmt.Sprintf("$%d becomes %d.", start.Frame, arm64Frame(start.Frame)),
		Value: arm64Frame(start.Frame),
	}}
	return a
}

// arm64Frame is the size by which the arm64 assembler (cmd/internal/obj/arm64,
// preprocess) lowers RSP in the prologue of a function with a frame of
// locals bytes: 8 for the saved LR, then 8 or 16 more so that the total is a
// multiple of 16 with a free word for the caller's frame pointer.
func arm64Frame(locals int) int {
	size := locals + 8
	if size%16 == 8 {
		return size + 8
	}
	return size + 16
}

// arm64Switch writes a switch from the context in argument from to the one
// in argument to; full saves every g field of the outgoing stack (see
// savedFields).
func arm64Switch(f *Func, full bool) {
	f.I("MOVD", f.Arg("from"), "R0")
	f.I("MOVD", f.Arg("to"), "R1")
	f.Comment("Save the resume point: the return PC (LR), the caller's SP (" + f.Name + " has\nno frame) and FP.")
	f.I("MOVD", "RSP", "R2")
	saveResume(f, "MOVD", "R0", "R3", "R30", "R2", "R29")
	saveFields(f, "MOVD", "g", "R0", "R2", full)
	arm64Install(f)
	arm64Enter(f)
}

// arm64Install installs the incoming context in R1: its g fields and
// stackguard0, then its frame pointer and resume PC (the link register) for
// arm64Enter.
func arm64Install(f *Func) {
	installFields(f, "MOVD", "g", "R1", "R2")
	arm64Guard(f, "g")
	f.I("MOVD", "context_bp(R1)", "R29")
	f.I("MOVD", "context_pc(R1)", "R30")
}

// arm64Enter moves to the stack of the context in R1 and resumes it.
func arm64Enter(f *Func) {
	f.Comment("Resume with a RET through the link register: the BL that entered\n" +
		"switchTo pushed a return-stack entry that only a RET pops; a branch\n" +
		"through another register would leave it behind and every later return\n" +
		"would mispredict (measured on amd64: 25 ns against 13 ns per Yield).")
	f.I("MOVD", "context_sp(R1)", "R2")
	f.I("MOVD", "R2", "RSP")
	f.I("RET")
}

// arm64Guard sets g.stackguard0 (g in register g) for the incoming context in
// R1, using R3-R7, and ends at the label resume.
func arm64Guard(f *Func, g string) {
	f.Comment("stackguard0 = lo + StackGuard, unless the runtime has posted its\n" +
		"preemption marker there: then leave it for the next prologue to see. An\n" +
		"exclusive load/store pair (ARMv8.0; CASAL would need LSE) makes the test\n" +
		"and the store one atomic step against the runtime posting the marker.")
	f.I("MOVD", "context_lo(R1)", "R3")
	f.I("MOVD", "·stackGuard(SB)", "R4")
	f.I("ADD", "R4", "R3")
	f.I("MOVD", "$const_stackPreempt", "R5")
	f.I("ADD", "$const_gStackguard0", g, "R6")
	f.Label("guard")
	f.I("LDAXR", "(R6)", "R4")
	f.I("CMP", "R5", "R4")
	f.I("BEQ", "resume")
	f.I("STLXR", "R3", "(R6)", "R7")
	f.I("CBNZ", "R7", "guard")
	f.Label("resume")
}

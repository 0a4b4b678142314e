package asmgen

// AMD64 describes the linux/amd64 switcher.
//
// A context switch saves the resume point (return PC, the caller's SP, BP)
// and the g fields the Go runtime reads per stack (RUNTIME-FACTS: stack
// bounds, _panic, _defer, stktopsp) into the outgoing context, installs the
// incoming context's, and returns to its resume PC on its stack. ABI0 treats
// every register as caller-saved, so nothing else needs saving for a
// cooperative switch.
func AMD64() *Arch {
	a := &Arch{
		GOARCH: "amd64",
		mov:    "MOVQ",
		toReg:  "DX",
		guard:  amd64Guard,
		Registers: `Register roles in switchTo:
	AX	from *context (outgoing); later the old stackguard0 for CMPXCHGQ
	DX	to *context (incoming); threadStart receives it as its *thread
	CX	g, loaded from thread-local storage
	BX	scratch`,
	}

	sw := &Func{
		Name:     "switchTo",
		Doc:      "switchTo saves the running context in from and resumes to.",
		Flags:    "NOSPLIT",
		Params:   []Param{{"from", "*context"}, {"to", "*context"}},
		NoEscape: true,
	}
	sw.I("MOVQ", sw.Arg("from"), "AX")
	sw.I("MOVQ", sw.Arg("to"), "DX")
	loadG(sw, "CX")
	sw.Comment("Save the resume point: the return PC, the caller's SP and BP.")
	sw.I("MOVQ", "0(SP)", "BX")
	sw.I("MOVQ", "BX", "context_pc(AX)")
	sw.I("LEAQ", sw.Arg("from"), "BX")
	sw.I("MOVQ", "BX", "context_sp(AX)")
	sw.I("MOVQ", "BP", "context_bp(AX)")
	sw.Comment("Save the outgoing stack's g fields, install the incoming ones.")
	for _, f := range gFields {
		sw.I("MOVQ", f[1]+"(CX)", "BX")
		sw.I("MOVQ", "BX", f[0]+"(AX)")
	}
	for _, f := range gFields {
		sw.I("MOVQ", f[0]+"(DX)", "BX")
		sw.I("MOVQ", "BX", f[1]+"(CX)")
	}
	a.guard(sw, "CX")
	sw.Comment("Resume with a RET to the incoming PC, pushed on the incoming stack: the\n" +
		"CALL that entered switchTo pushed a return-stack-buffer entry that only a\n" +
		"RET pops; a JMP would leave it behind and every later return would\n" +
		"mispredict (measured: 25 ns against 13 ns per Yield).")
	sw.I("MOVQ", "context_pc(DX)", "BX")
	sw.I("MOVQ", "context_sp(DX)", "SP")
	sw.I("MOVQ", "context_bp(DX)", "BP")
	sw.I("SUBQ", "$8", "SP")
	sw.I("MOVQ", "BX", "0(SP)")
	sw.I("RET")

	start := &Func{
		Name: "threadStart",
		Doc: "threadStart is the bottom frame of every thread stack, entered by switchTo\n" +
			"with DX holding the thread. TOPFRAME ends every unwind here.",
		Flags: "NOSPLIT|TOPFRAME",
		Frame: 8,
	}
	start.I("NO_LOCAL_POINTERS")
	start.I("MOVQ", "DX", "0(SP)")
	start.I("CALL", "·threadMain(SB)")
	start.I("UNDEF")

	pc := &Func{
		Name:    "threadStartPC",
		Doc:     "threadStartPC returns the address of threadStart.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "uintptr"}},
	}
	pc.I("MOVQ", "$·threadStart(SB)", "AX")
	pc.I("MOVQ", "AX", pc.Arg("ret"))
	pc.I("RET")

	gword := &Func{
		Name:    "gword",
		Doc:     "gword reads the word at offset off in the running goroutine's g.",
		Flags:   "NOSPLIT",
		Params:  []Param{{"off", "uintptr"}},
		Results: []Param{{"ret", "uintptr"}},
	}
	loadG(gword, "CX")
	gword.I("MOVQ", gword.Arg("off"), "AX")
	gword.I("MOVQ", "(CX)(AX*1)", "AX")
	gword.I("MOVQ", "AX", gword.Arg("ret"))
	gword.I("RET")

	clear := &Func{
		Name:   "gclearbyte",
		Doc:    "gclearbyte sets the byte at offset off in the running goroutine's g to zero.",
		Flags:  "NOSPLIT",
		Params: []Param{{"off", "uintptr"}},
	}
	loadG(clear, "CX")
	clear.I("MOVQ", clear.Arg("off"), "AX")
	clear.I("MOVB", "$0", "(CX)(AX*1)")
	clear.I("RET")

	a.Funcs = []*Func{sw, start, pc, gword, clear}
	a.Consts = []Const{{
		Name: "startFrame",
		Doc: "startFrame is the distance from threadStart's entry SP to its SP after the\n" +
			"prologue (its frame and the saved frame pointer): the stktopsp every unwind\n" +
			"of a thread ends at.",
		Value: start.Frame + 8,
	}}
	return a
}

// loadG loads g into reg through TLS; this form works in any package and
// under -buildmode=pie.
func loadG(f *Func, reg string) {
	f.I("MOVQ", "TLS", reg)
	f.I("MOVQ", "0("+reg+")(TLS*1)", reg)
}

// amd64Guard sets g.stackguard0 (g in register g) for the incoming context in
// DX, using AX and BX, and ends at the label resume.
func amd64Guard(f *Func, g string) {
	f.Comment("stackguard0 = lo + StackGuard, unless the runtime has posted its\npreemption marker there: then leave it for the next prologue to see.")
	f.I("MOVQ", "const_gStackguard0("+g+")", "AX")
	f.I("CMPQ", "AX", "$const_stackPreempt")
	f.I("JEQ", "resume")
	f.I("MOVQ", "context_lo(DX)", "BX")
	f.I("ADDQ", "·stackGuard(SB)", "BX")
	f.I("LOCK")
	f.I("CMPXCHGQ", "BX", "const_gStackguard0("+g+")")
	f.Label("resume")
}

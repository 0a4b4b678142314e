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
	s := &isa{
		goarch:   "riscv64",
		ticksDoc: "the time CSR (RDTIME).\nLinux lets user code read it.",
		counter: func(f *Func) string {
			f.I("RDTIME", "A0")
			return "A0"
		},
		registers: `Register roles in switchTo:
	A0	from *context (outgoing)
	A1	to *context (incoming); threadStart receives it as its *thread
	g	X27, the running goroutine
	A2	pub (gc: collect)
	T0-T5	scratch
	RA	return address: saved, and restored as the resume PC`,
		startFrameDoc: "startFrame is the distance from threadStart's entry SP to its SP after the\n" +
			"prologue, the stktopsp every unwind of a thread ends at: its frame and\n" +
			"the slot where the prologue saves RA.",
		startFrame: startLocals + 8,

		mov: "MOV", sp: "X2", zero: "ZERO", bz: "BEQZ",
		from: "A0", to: "A1", pub: "A2", tmp: "T0", ret: "A0", mReg: "A1",
		clearRet: ", as on amd64, for unwinders that\ndo not stop at TOPFRAME.",
		relStore: "On riscv64 that is\nAMOSWAPW, which the assembler emits with the aq and rl bits set (what the\nruntime's StoreRel is).",
		resumePoint: func(f *Func) (pc, sp, bp string) {
			f.Comment("Save the resume point: the return PC (RA) and the caller's SP (" + f.Name + "\nhas no frame).")
			return "RA", "X2", "ZERO"
		},
		resumeRegs: [][2]string{{"context_pc", "RA"}},
		enter:      riscv64Enter,
		indexed: func(f *Func, base, off string) string {
			f.I("ADD", base, off)
			return "(" + off + ")"
		},
		storeRel32: func(f *Func, v, off, base string) {
			f.I("MOV", v, "A2")
			f.I("ADD", "$"+off, base, "A3")
			f.I("AMOSWAPW", "A2", "(A3)", "ZERO")
		},
		llsc: &llsc{
			why: "A\nload-reserved/store-conditional pair makes the test and the store one\n" +
				"atomic step against the runtime posting the marker.",
			lo: "T1", old: "T2", marker: "T3", addr: "T4", status: "T5",
			load: "LRD", store: "SCD", jumpNonZero: "BNEZ",
			jumpIfEqual: func(f *Func, a, b, label string) { f.I("BEQ", a, b, label) },
		},
	}
	return s.arch(opt)
}

// riscv64Enter moves to the stack of the context in A1 and resumes it, whether
// or not it has run before (fresh).
func riscv64Enter(f *Func, fresh bool) {
	f.Comment("Resume with a return through RA (JALR X0, 0(RA), which the hardware\n" +
		"treats as a return and pops its return-address stack): the CALL that\n" +
		"entered switchTo pushed an entry that only a return pops (measured on\n" +
		"amd64: 25 ns against 13 ns per Yield when it is left behind).")
	f.I("MOV", "context_sp(A1)", "X2").C("the incoming stack")
	f.I("RET").C("to RA, the resume PC")
}

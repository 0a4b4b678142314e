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
	s := &isa{
		goarch:   "arm64",
		ticksDoc: "the virtual counter (CNTVCT_EL0).\nLinux lets user code read it.",
		counter: func(f *Func) string {
			f.I("MRS", "CNTVCT_EL0", "R0")
			return "R0"
		},
		registers: `Register roles in switchTo:
	R0	from *context (outgoing)
	R1	to *context (incoming); threadStart receives it as its *thread
	g	R28, the running goroutine
	R2-R7	scratch; R3 pub (gc: collect)
	R29	frame pointer, R30 link register: saved and restored`,
		startFrameDoc: "startFrame is the distance from threadStart's entry SP to its SP after the\n" +
			"prologue, the stktopsp every unwind of a thread ends at. The arm64\n" +
			"assembler adds the LR slot to the frame and rounds it up with a slot for\n" +
			"the frame pointer so that SP stays 16-byte aligned: " + fmt.Sprintf("$%d becomes %d.", startLocals, arm64Frame(startLocals)),
		startFrame: arm64Frame(startLocals),

		mov: "MOVD", sp: "RSP", zero: "ZR", bz: "CBZ",
		from: "R0", to: "R1", pub: "R3", tmp: "R2", ret: "R0", mReg: "R1",
		clearRet: ": frame-pointer unwinders (the\nexecution tracer) read that slot, and on amd64 it holds zero too.",
		relStore: "On arm64 that is STLRW\n(what the runtime's StoreRel is).",
		resumePoint: func(f *Func) (pc, sp, bp string) {
			f.Comment("Save the resume point: the return PC (LR), the caller's SP (" + f.Name + " has\nno frame) and FP.")
			f.I("MOVD", "RSP", "R2").C("caller's SP")
			return "R30", "R2", "R29"
		},
		resumeRegs: [][2]string{{"context_bp", "R29"}, {"context_pc", "R30"}},
		enter:      arm64Enter,
		indexed: func(f *Func, base, off string) string {
			f.I("ADD", off, base, off)
			return "(" + off + ")"
		},
		storeRel32: func(f *Func, v, off, base string) {
			f.I("MOVD", v, "R2")
			f.I("ADD", "$"+off, base, "R3")
			f.I("STLRW", "R2", "(R3)")
		},
		llsc: &llsc{
			why: "An\nexclusive load/store pair (ARMv8.0; CASAL would need LSE) makes the test\n" +
				"and the store one atomic step against the runtime posting the marker.",
			lo: "R3", old: "R4", marker: "R5", addr: "R6", status: "R7",
			load: "LDAXR", store: "STLXR", jumpNonZero: "CBNZ",
			jumpIfEqual: func(f *Func, a, b, label string) {
				f.I("CMP", b, a)
				f.I("BEQ", label)
			},
		},
	}
	return s.arch(opt)
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

// arm64Enter moves to the stack of the context in R1 and resumes it, whether
// or not it has run before (fresh).
func arm64Enter(f *Func, fresh bool) {
	f.Comment("Resume with a RET through the link register: the BL that entered\n" +
		"switchTo pushed a return-stack entry that only a RET pops; a branch\n" +
		"through another register would leave it behind and every later return\n" +
		"would mispredict (measured on amd64: 25 ns against 13 ns per Yield).")
	f.I("MOVD", "context_sp(R1)", "R2")
	f.I("MOVD", "R2", "RSP").C("the incoming stack")
	f.I("RET").C("to R30, the resume PC")
}

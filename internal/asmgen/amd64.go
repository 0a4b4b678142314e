package asmgen

import "fmt"

// AMD64 describes the linux/amd64 switcher.
//
// A context switch saves the resume point (return PC, the caller's SP, BP)
// and the g fields the Go runtime reads per stack (stack bounds, _panic,
// _defer, stktopsp; docs/gc.md, "The garbage collector contract", says why
// each) into the outgoing context, installs the incoming context's, and
// returns to its resume PC on its stack. ABI0 treats every register as
// caller-saved, so nothing else needs saving for a cooperative switch.
func AMD64(opt Options) *Arch {
	s := &isa{
		goarch:   "amd64",
		ticksDoc: "the time-stamp counter (RDTSC).\nNot serialised: RDTSCP or a fence would double its cost (about 12 ns on\nthe benchmark machine).",
		counter: func(f *Func) string {
			f.Clobbers = []string{"AX", "DX"} // RDTSC writes both
			amd64ReadTSC(f, "AX")
			return "AX"
		},
		registers: `Register roles in switchTo:
	AX	from *context (outgoing); later the old stackguard0 for CMPXCHGQ
	DX	to *context (incoming); threadStart receives it as its *thread
	CX	g, loaded from thread-local storage
	BX	scratch; then the incoming resume PC
	SI	the outgoing SP (scratch later)
	DI	pub (gc: collect)`,
		startFrameDoc: "startFrame is the distance from threadStart's entry SP to its SP after the\n" +
			"prologue (its frame and the saved frame pointer): the stktopsp every unwind\n" +
			"of a thread ends at.",
		startFrame: startLocals + 8,

		mov: "MOVQ", sp: "SP", zero: "$0",
		from: "AX", to: "DX", pub: "DI", tmp: "BX", ret: "AX", mReg: "CX",
		relStore: "On amd64 a plain store is one\n(what the runtime's StoreRel is).",
		loadG: func(f *Func) string {
			loadG(f, "CX")
			return "CX"
		},
		resumePoint: func(f *Func) (pc, sp, bp string) {
			f.Comment("Save the resume point: the return PC, the caller's SP and BP.")
			f.I("MOVQ", "0(SP)", "BX").C("caller's PC")
			f.I("LEAQ", f.Arg("from"), "SI").C("caller's SP")
			return "BX", "SI", "BP"
		},
		resumeRegs: [][2]string{{"context_pc", "BX"}, {"context_bp", "BP"}},
		enter:      amd64Enter,
		guard:      amd64Guard,
		indexed:    func(_ *Func, base, off string) string { return "(" + base + ")(" + off + "*1)" },
		jumpIfZero: func(f *Func, v Operand, label string) {
			f.I("CMPQ", v, "$0")
			f.I("JEQ", label)
		},
		storeRel32: func(f *Func, v, off, base string) { f.I("MOVL", v, off+"("+base+")") },
	}
	a := s.arch(opt)
	if opt.Preempt {
		amd64Preempt(a, opt)
	}
	return a
}

// amd64ReadTSC reads the time-stamp counter into into, AX or DX: RDTSC
// writes its halves to both.
func amd64ReadTSC(f *Func, into string) {
	f.I("RDTSC").C("DX:AX = the TSC")
	f.I("SHLQ", "$32", "DX")
	f.I("ORQ", map[string]string{"AX": "DX", "DX": "AX"}[into], into)
}

// loadG loads g into reg through TLS; this form works in any package and
// under -buildmode=pie.
func loadG(f *Func, reg string) {
	f.I("MOVQ", "TLS", reg)
	f.I("MOVQ", "0("+reg+")(TLS*1)", reg).C(reg + " = g")
}

// amd64Enter moves to the stack of the context in DX and resumes it at the
// PC in BX by a RET. With fresh, a context that has never run (BP 0: every
// suspended context holds a non-zero frame pointer) is entered with a JMP.
func amd64Enter(f *Func, fresh bool) {
	f.Comment("Resume with a RET to the incoming PC, pushed on the incoming stack: the\n" +
		"CALL that entered switchTo pushed a return-stack-buffer entry that only a\n" +
		"RET pops; a JMP would leave it behind and every later return would\n" +
		"mispredict (measured: 25 ns against 13 ns per Yield).")
	f.I("MOVQ", "context_sp(DX)", "SP").C("the incoming stack")
	if fresh {
		f.I("CMPQ", "BP", "$0").C("never run?")
		f.I("JEQ", "fresh")
	}
	f.I("SUBQ", "$8", "SP")
	f.I("MOVQ", "BX", "0(SP)").C("push the resume PC")
	f.I("RET").C("pops it")
	if fresh {
		f.Label("fresh")
		f.Comment("A thread that has not run yet starts in threadStart with a JMP: its\n" +
			"entry pops no return-stack entry, so the one pushed by the CALL of the\n" +
			"switch that started it is still on top when the thread ends, and the\n" +
			"RET in threadExit back to that context is predicted.")
		f.I("JMP", "BX").C("to threadStart")
	}
}

// amd64Guard sets g.stackguard0 (g in register g) for the incoming context in
// DX, using AX and BX, and ends at the label resume.
func amd64Guard(f *Func, g string) {
	f.Comment("stackguard0 = lo + StackGuard, unless the runtime has posted its\npreemption marker there: then leave it for the next prologue to see.")
	f.I("MOVQ", "const_gStackguard0("+g+")", "AX").C("AX = stackguard0, for CMPXCHGQ")
	f.I("CMPQ", "AX", "$const_stackPreempt")
	f.I("JEQ", "resume").C("the preemption marker: leave it")
	f.I("MOVQ", "context_lo(DX)", "BX")
	f.I("ADDQ", "·stackGuard(SB)", "BX").C("BX = lo + StackGuard")
	f.I("LOCK")
	f.I("CMPXCHGQ", "BX", "const_gStackguard0("+g+")").C("stackguard0 = BX if it still is AX")
	f.Label("resume")
}

// amd64Preempt adds the time-slice preemption functions: the signal handler,
// its restorer, the trampoline it redirects a thread into, and helpers.
func amd64Preempt(a *Arch, opt Options) {
	const (
		// Offsets in the kernel's siginfo_t and ucontext_t (linux/amd64).
		siCode       = "8"
		siTimerID    = "16"
		siValue      = "24"
		ucRSP        = "160"
		ucRIP        = "168"
		siTimer      = "$-2"
		sysSigreturn = "$15"
	)
	h := &Func{
		Name: "sigHandler",
		Doc: "sigHandler is the preemption signal handler.\n" +
			"The kernel calls it with the C ABI (DI signal, SI siginfo, DX ucontext) on\n" +
			"the signal stack. It forwards what is not one of this package's timers to\n" +
			"the previous handler.",
		Flags: "NOSPLIT|NOFRAME",
		// RDTSC writes AX and DX, SYSCALL AX, CX and R11.
		Clobbers:    []string{"AX", "CX", "DX", "R11"},
		ClobberNote: "and when it forwards the signal, what the next handler clobbers",
	}
	h.I("CMPL", siCode+"(SI)", siTimer).C("si_code == SI_TIMER?")
	h.I("JNE", "forward")
	h.Comment("The timer's value is its slot's address, the low bits say which timer:\n" +
		"0 the tick, 1 the wake timer (services), 2 the retry timer.")
	h.I("MOVQ", siValue+"(SI)", "AX").C("si_value")
	h.I("MOVQ", "AX", "R13")
	h.I("ANDQ", "$3", "R13").C("R13 = which timer")
	h.I("ANDQ", "$~3", "AX").C("AX = the slot: a *preemptState")
	h.Comment("Ours if the timer's value points into preemptStates.")
	h.I("LEAQ", "·preemptStates(SB)", "BX")
	h.I("CMPQ", "AX", "BX")
	h.I("JLO", "forward")
	h.I("ADDQ", "$const_preemptStatesSize", "BX")
	h.I("CMPQ", "AX", "BX")
	h.I("JHS", "forward")
	h.I("CMPL", "preemptState_active(AX)", "$0")
	h.I("JEQ", "done")
	h.Comment("And the signal's timer is the slot's timer of that kind (si_timerid):\n" +
		"anything else, a value forged with sigqueue say, goes along the chain.")
	h.I("MOVL", siTimerID+"(SI)", "CX").C("CX = si_timerid")
	for _, k := range []struct{ kind, timer, next string }{
		{"$0", "preemptState_timer(AX)", "notTick"},
		{"$2", "preemptState_retryTimer(AX)", "notRetry"},
	} {
		h.I("CMPQ", "R13", k.kind)
		h.I("JNE", k.next)
		h.I("CMPL", "CX", k.timer)
		h.I("JNE", "forward")
		h.I("JMP", "mine")
		h.Label(k.next)
	}
	if opt.Services {
		h.I("CMPQ", "R13", "$1")
		h.I("JNE", "forward")
		h.I("CMPL", "CX", "preemptState_wakeTimer(AX)")
		h.I("JNE", "forward")
	} else {
		h.I("JMP", "forward")
	}
	h.Label("mine")
	h.Comment("R14 = the TSC, for the latency statistics; only our own signals pay\n" +
		"for it (RDTSC writes AX and DX: keep the state and the ucontext).")
	kept := [][2]string{{"AX", "R12"}, {"DX", "R15"}}
	amd64Save(h, kept)
	amd64ReadTSC(h, "DX")
	h.I("MOVQ", "DX", "R14")
	amd64Restore(h, kept)
	h.I("CMPQ", "R13", "$0")
	h.I("JNE", "other")
	h.Comment("Count the tick. A thread switched in since the last tick (another\n" +
		"thread, or the same one switched away and back) started a new slice\n" +
		"after the last tick: count its slice from there, so that a thread the\n" +
		"timer switched in at a tick gets exactly its slice, and one that came\n" +
		"in between two ticks (a Yield, a wake-up) at most its slice.")
	h.I("INCQ", "preemptState_ticks(AX)")
	amd64SliceThread(h, "done", "newSlice")
	h.I("JEQ", "counted")
	h.Label("newSlice")
	h.I("MOVQ", "BX", "preemptState_lastCur(AX)")
	h.I("MOVQ", "thread_switches(BX)", "CX")
	h.I("MOVQ", "CX", "preemptState_lastSwitches(AX)")
	amd64StartSlice(h, true)
	h.I("MOVL", "$0", "preemptState_pending(AX)")
	h.Label("counted")
	h.I("MOVQ", "preemptState_ticks(AX)", "CX")
	h.I("SUBQ", "preemptState_sliceStart(AX)", "CX")
	h.I("CMPQ", "CX", "$const_ticksPerSlice")
	h.I("JHS", "over")
	if opt.Services {
		h.Comment("Within the slice only a timed wait that came due may want the CPU.")
		h.I("JMP", "wake")
	} else {
		h.I("RET")
	}
	h.Label("other")
	if opt.Services {
		h.I("CMPQ", "R13", "$1")
		h.I("JEQ", "wakeTimer")
	}
	h.Comment("The retry timer: a slice ended where the thread could not be\n" +
		"preempted. Try again unless the slice end was taken meanwhile or the\n" +
		"thread was switched out (its successor's slice starts at the next tick).")
	h.I("CMPL", "preemptState_pending(AX)", "$0")
	h.I("JEQ", "done")
	amd64SliceThread(h, "", "done")
	h.I("JNE", "done")
	h.I("JMP", "retry")
	if opt.Services {
		h.Label("wakeTimer")
		h.Comment("The wake timer: a timed wait came due.")
		h.I("MOVQ", "preemptState_rt(AX)", "R8")
		h.I("CMPL", "(Runtime_svc+services_timed)(R8)", "$0")
		h.I("JNE", "wakeDue")
		h.Comment("No timed wait is left (another call woke it first): stop the timer's\n" +
			"retries. timer_settime(wakeTimer, 0, &zeroTimerSpec, nil).")
		amd64TimerSettime(h, "preemptState_wakeTimer(AX)", "·zeroTimerSpec(SB)")
		h.I("RET")
		h.Label("wakeDue")
		h.I("MOVQ", "Runtime_current(R8)", "BX")
		h.I("CMPQ", "BX", "$0")
		h.I("JEQ", "done")
		h.Label("wake")
		h.I("MOVQ", "preemptState_rt(AX)", "R8")
		if opt.Posts {
			h.Comment("A post from a goroutine may have woken a more urgent thread.")
			h.I("CMPL", "(Runtime_post+postState_pending)(R8)", "$0")
			h.I("JNE", "posted")
		}
		h.I("CMPL", "(Runtime_svc+services_timed)(R8)", "$0")
		h.I("JEQ", "done")
		if opt.Posts {
			h.Label("posted")
		}
		h.I("MOVL", "$0", "preemptState_sliceOver(AX)")
		h.I("JMP", "check")
	}
	h.Label("over")
	h.Comment("The slice is over. With no other runnable thread there is nothing to\n" +
		"switch to: the thread goes on with a new slice. Otherwise preempt now if\n" +
		"the interrupted point is safe, else leave it pending for the retry\n" +
		"timer, Check or Yield.")
	h.I("MOVQ", "preemptState_rt(AX)", "R8")
	h.I("MOVL", "Runtime_runnable(R8)", "CX")
	h.I("LEAL", "-1(CX)", "R9")
	h.I("ANDL", "CX", "R9")
	h.I("JNE", "others")
	amd64StartSlice(h, false)
	if opt.Services {
		h.I("JMP", "wake")
	} else {
		h.I("RET")
	}
	h.Label("others")
	h.I("MOVL", "$1", "preemptState_pending(AX)")
	h.Label("retry")
	h.I("MOVL", "$1", "preemptState_sliceOver(AX)")
	h.Label("check")
	h.Comment("The runner goroutine on the thread's stack (not g0, not the signal g).")
	loadG(h, "CX")
	h.I("MOVQ", "const_gStackLo(CX)", "R8")
	h.I("CMPQ", "R8", "(thread_ctx+context_lo)(BX)")
	h.I("JNE", "unsafe")
	h.I("CMPL", "const_gStatus(CX)", "$const_gStatusRunning")
	h.I("JNE", "unsafe")
	h.I("MOVQ", "const_gM(CX)", "R9")
	h.I("CMPL", "const_mLocks(R9)", "$0")
	h.I("JNE", "unsafe")
	h.Comment("The interrupted SP must lie in the running thread's stack with room.")
	h.I("MOVQ", ucRSP+"(DX)", "R9")
	h.I("MOVQ", "(thread_ctx+context_lo)(BX)", "R10")
	h.I("ADDQ", "$const_preemptRoom", "R10")
	h.I("CMPQ", "R9", "R10")
	h.I("JLO", "unsafe")
	h.I("CMPQ", "R9", "(thread_ctx+context_hi)(BX)")
	h.I("JHS", "unsafe")
	if opt.GC {
		h.Comment("The interrupted PC must be a safe point in a thread body's package:\n" +
			"binary search of the sorted, disjoint ranges (see gcpreempt.go) for the\n" +
			"last one starting at or below it. CX = lo, R11 = hi, R8 = mid.")
		h.I("MOVQ", ucRIP+"(DX)", "R10")
		h.I("MOVQ", "preemptState_safe(AX)", "R12")
		h.I("MOVQ", "$0", "CX")
		h.I("MOVQ", "preemptState_nsafe(AX)", "R11")
		h.Label("search")
		h.I("CMPQ", "CX", "R11")
		h.I("JHS", "unsafe")
		h.I("LEAQ", "(CX)(R11*1)", "R8")
		h.I("SHRQ", "$1", "R8")
		h.I("MOVQ", "R8", "R13")
		h.I("SHLQ", "$4", "R13")
		amd64PCInRange(h, "0(R12)(R13*1)", "8(R12)(R13*1)", "below")
		h.I("LEAQ", "1(R8)", "CX")
		h.I("JMP", "search")
		h.Label("below")
		h.I("MOVQ", "R8", "R11")
		h.I("JMP", "search")
	} else {
		h.Comment("The interrupted PC must lie in a thread body.")
		h.I("MOVQ", ucRIP+"(DX)", "R10")
		h.I("MOVQ", "preemptState_nranges(AX)", "R11")
		h.I("LEAQ", "preemptState_ranges(AX)", "R12")
		h.Label("scan")
		h.I("CMPQ", "R11", "$0")
		h.I("JEQ", "unsafe")
		amd64PCInRange(h, "0(R12)", "8(R12)", "next")
		h.Label("next")
		h.I("ADDQ", "$16", "R12")
		h.I("DECQ", "R11")
		h.I("JMP", "scan")
	}
	h.Label("redirect")
	h.Comment("Make the thread call preemptTrampoline at the interrupted PC: push\n" +
		"the PC as its return address, and leave the thread's XSAVE area and\n" +
		"the state for it below the two words its prologue pushes (gc: pause)\n" +
		"or runtime.asyncPreempt's frame and preemptStub's return address.")
	h.I("SUBQ", "$8", "R9")
	h.I("MOVQ", "R10", "0(R9)")
	h.I("MOVBQZX", "thread_id(BX)", "R11")
	h.I("IMULQ", "preemptState_xsize(AX)", "R11")
	h.I("ADDQ", "preemptState_xbase(AX)", "R11")
	if opt.GC {
		// Below runtime.asyncPreempt's 128-byte frame and the stub's return address.
		h.I("MOVQ", "R11", "-144(R9)")
		h.I("MOVQ", "AX", "-152(R9)")
	} else {
		h.I("MOVQ", "R11", "-24(R9)")
		h.I("MOVQ", "AX", "-32(R9)")
	}
	h.I("MOVQ", "R9", ucRSP+"(DX)")
	h.I("LEAQ", "·preemptTrampoline(SB)", "R10")
	h.I("MOVQ", "R10", ucRIP+"(DX)")
	h.I("MOVQ", "R14", "preemptState_entryTSC(AX)")
	h.I("RET")
	h.Label("unsafe")
	h.I("CMPL", "preemptState_sliceOver(AX)", "$0")
	h.I("JEQ", "done")
	h.I("INCQ", "preemptState_deferred(AX)")
	h.Comment("Retry soon rather than a tick later: a deferral that repeats at every\n" +
		"tick (the collector at work on this OS thread, say) would let the thread\n" +
		"overrun its slice by many ticks. timer_settime(retryTimer, 0, &retrySpec, nil).")
	amd64TimerSettime(h, "preemptState_retryTimer(AX)", "·retrySpec(SB)")
	h.Label("done")
	h.I("RET")
	h.Label("forward")
	h.Comment("Not ours: the next handler of the chain, or after the last one the\n" +
		"disposition the chain was installed in front of (DI, SI, DX intact).")
	h.I("MOVQ", "·chainNext(SB)", "AX")
	h.I("CMPQ", "AX", "$0")
	h.I("JNE", "jump")
	h.I("MOVQ", sigChainSym+"+const_sigChainForeign(SB)", "AX")
	h.I("CMPQ", "AX", "$1") // SIG_DFL (0) or SIG_IGN (1): nothing to call
	h.I("JLS", "done")
	h.Label("jump")
	h.I("JMP", "AX").C("the next handler")

	ret := &Func{
		Name:  "sigReturn",
		Doc:   "sigReturn is the handler's restorer: rt_sigreturn.",
		Flags: "NOSPLIT|NOFRAME",
		// SYSCALL writes CX and R11.
		Clobbers:    []string{"CX", "R11"},
		ClobberNote: "it does not return: rt_sigreturn restores the interrupted registers",
	}
	ret.I("MOVQ", sysSigreturn, "AX").C("rt_sigreturn")
	ret.I("SYSCALL")
	ret.I("INT", "$3").C("not reached")

	a.Funcs = append(a.Funcs, h, ret, amd64Trampoline(opt.GC))
	if opt.GC {
		a.Funcs = append(a.Funcs, amd64PreemptStub())
	}
	amd64PreemptHelpers(a)
}

// amd64SliceThread loads the running thread (Runtime.current) into BX and
// jumps to changed if it is not the thread the slice was counted for (or to
// none, if given, when no thread runs). It ends comparing the thread's
// switch count with the one recorded with it: equal, it has not been
// switched away and back since.
func amd64SliceThread(h *Func, none, changed string) {
	h.I("MOVQ", "preemptState_rt(AX)", "BX")
	h.I("MOVQ", "Runtime_current(BX)", "BX")
	if none != "" {
		h.I("CMPQ", "BX", "$0")
		h.I("JEQ", none)
	}
	h.I("CMPQ", "BX", "preemptState_lastCur(AX)")
	h.I("JNE", changed)
	h.I("MOVQ", "thread_switches(BX)", "CX")
	h.I("CMPQ", "CX", "preemptState_lastSwitches(AX)")
}

// amd64StartSlice starts the running thread's slice at this tick, or with
// before at the one before (it came in after that tick).
func amd64StartSlice(h *Func, before bool) {
	h.I("MOVQ", "preemptState_ticks(AX)", "CX")
	if before {
		h.I("DECQ", "CX")
	}
	h.I("MOVQ", "CX", "preemptState_sliceStart(AX)")
}

// amd64PCInRange jumps to redirect if the interrupted PC in R10 lies in the
// range [lo, hi), and to below if it lies below lo.
func amd64PCInRange(h *Func, lo, hi, below string) {
	h.I("CMPQ", "R10", lo)
	h.I("JLO", below)
	h.I("CMPQ", "R10", hi)
	h.I("JLO", "redirect")
}

// amd64TimerSettime arms the timer whose id is at the operand timer with the
// itimerspec at spec: timer_settime(timer, 0, spec, nil).
func amd64TimerSettime(f *Func, timer, spec string) {
	f.I("MOVLQSX", timer, "DI")
	f.I("MOVQ", "$0", "SI")
	f.I("LEAQ", spec, "DX")
	f.I("MOVQ", "$0", "R10")
	f.I("MOVQ", "$const_sysTimerSettime", "AX")
	f.I("SYSCALL").C("timer_settime")
}

// The registers the trampoline saves, in its order: without gc: collect any
// order will do, with it runtime.asyncPreempt's.
var (
	trampolineRegs   = []string{"AX", "BX", "CX", "DX", "SI", "DI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}
	asyncPreemptRegs = []string{"AX", "CX", "DX", "BX", "SI", "DI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}
)

// amd64Trampoline is the function the signal handler redirects a thread
// into. Without gc (gc: pause) it calls preempted itself and needs no
// collector view of its frame. With gc (gc: collect) its frame is
// runtime.asyncPreempt's at the call to asyncPreempt2 (BP, flags, the 14
// general registers: 128 bytes), and preemptStub, which it calls, shows that
// call's return address while it runs, so the collector scans the registers
// and the interrupted frame conservatively, as after the runtime's own
// preemption.
func amd64Trampoline(gc bool) *Func {
	tr := &Func{
		Name: "preemptTrampoline",
		Doc: "preemptTrampoline runs the preemption of a thread the signal handler stopped.\n" +
			"The handler enters it as if the interrupted instruction had called it. It\n" +
			"saves every register and the XSAVE area, calls preempted, restores\n" +
			"everything and returns to the instruction.",
		Flags:       "NOSPLIT|NOFRAME",
		Preserves:   true,
		ClobberNote: "it restores every register, the flags and the XSAVE state",
	}
	// The frame above SP: the saved registers from base; the XSAVE area and
	// the state the handler left are at xsave and state.
	regs, base, frame, xsave, state := trampolineRegs, 8, 136, "-16(BP)", "-24(BP)"
	if gc {
		tr.Doc = "preemptTrampoline runs the preemption of a thread the signal handler stopped.\n" +
			"The handler enters it as if the interrupted instruction had called it. It\n" +
			"saves every register in runtime.asyncPreempt's frame layout and the XSAVE\n" +
			"area, calls preemptStub, restores everything and returns to the\n" +
			"instruction."
		regs, base, frame, xsave, state = asyncPreemptRegs, 0, 112, "-16(SP)", "-24(SP)"
		tr.I("NO_LOCAL_POINTERS")
	}
	tr.I("PUSHQ", "BP")
	tr.I("MOVQ", "SP", "BP")
	tr.Comment("Save flags before anything clobbers them.")
	tr.I("PUSHFQ")
	if gc {
		tr.Comment("The frame: runtime.asyncPreempt's, 14 registers below the flags.")
	} else {
		tr.Comment("The frame: 14 registers, the argument of preempted, and on top the two\n" +
			"words the handler left (XSAVE area at -16(BP), state at -24(BP)).")
	}
	amd64Grow(tr, frame)
	saved := make([][2]string, len(regs))
	for i, r := range regs {
		saved[i] = [2]string{r, fmt.Sprintf("%d(SP)", base+8*i)}
	}
	amd64Save(tr, saved)
	if gc {
		tr.Comment("The handler left the XSAVE area at -16(SP) and the state at -24(SP).")
	}
	// XSAVE64 and XRSTOR64 take the components to save in DX:AX: all of them.
	xstate := func(op string) {
		tr.I("MOVL", "$-1", "AX").C("DX:AX = -1: every component")
		tr.I("MOVL", "$-1", "DX")
		tr.I(op, "(DI)")
	}
	tr.I("MOVQ", xsave, "DI")
	xstate("XSAVE64")
	tr.I("MOVQ", state, "AX")
	if gc {
		tr.I("CALL", "·preemptStub(SB)")
		tr.Comment("preemptStub returns the XSAVE area in DI.")
	} else {
		tr.I("MOVQ", "AX", "0(SP)")
		tr.I("CALL", "·preempted(SB)")
		tr.I("MOVQ", xsave, "DI")
	}
	xstate("XRSTOR64")
	amd64Restore(tr, saved)
	tr.I("ADJSP", fmt.Sprintf("$%d", -frame))
	tr.I("POPFQ")
	tr.I("POPQ", "BP")
	tr.I("RET")
	return tr
}

// amd64Grow lowers SP by n bytes: the frame a NOFRAME function makes by hand
// (ADJSP, which go vet does not follow).
func amd64Grow(f *Func, n int) {
	f.I("ADJSP", fmt.Sprintf("$%d", n))
	f.I("NOP", "SP").C("vet does not follow ADJSP")
}

// amd64Save stores each register of regs, {register, slot} pairs, in its
// slot (a stack word or another register), in order; amd64Restore loads them
// back, in the reverse order.
func amd64Save(f *Func, regs [][2]string) {
	for _, r := range regs {
		f.I("MOVQ", r[0], r[1])
	}
}

func amd64Restore(f *Func, regs [][2]string) {
	for i := len(regs) - 1; i >= 0; i-- {
		f.I("MOVQ", regs[i][1], regs[i][0])
	}
}

// amd64PreemptStub is the function the trampoline of gc: collect calls.
func amd64PreemptStub() *Func {
	stub := &Func{
		Name: "preemptStub",
		Doc: "preemptStub calls preempted(AX) for preemptTrampoline.\n" +
			"With asyncPreemptView set it puts runtime.asyncPreempt's return address\n" +
			"(asyncPreemptRet) in its own return-address slot, so that every unwinder\n" +
			"takes the trampoline's frame for asyncPreempt's; it puts its real return\n" +
			"address back before it returns, with the XSAVE area (DI at entry) in DI.",
		Flags:       "NOSPLIT|NOFRAME",
		Clobbers:    []string{"all"},
		ClobberNote: "it calls Go code; preemptTrampoline restores them",
	}
	stub.I("NO_LOCAL_POINTERS")
	stub.I("MOVQ", "0(SP)", "R11").C("R11 = the return address")
	stub.I("CMPB", "·asyncPreemptView(SB)", "$0")
	stub.I("JEQ", "call")
	stub.I("MOVQ", "·asyncPreemptRet(SB)", "R10")
	stub.I("MOVQ", "R10", "0(SP)").C("show asyncPreempt's")
	stub.Label("call")
	amd64Grow(stub, 24)
	kept := [][2]string{{"R11", "16(SP)"}, {"DI", "8(SP)"}} // the return address, the XSAVE area
	amd64Save(stub, kept)
	stub.I("MOVQ", "AX", "0(SP)")
	stub.I("CALL", "·preempted(SB)")
	amd64Restore(stub, kept)
	stub.I("ADJSP", "$-24")
	stub.I("MOVQ", "R11", "0(SP)").C("the real return address back")
	stub.I("RET")
	return stub
}

// amd64PreemptHelpers adds the small functions preemption uses.
func amd64PreemptHelpers(a *Arch) {
	hpc := a.isa.addrFunc(pcFunc("sigHandler"), "·sigHandler(SB)")
	rpc := a.isa.addrFunc(pcFunc("sigReturn"), "·sigReturn(SB)")

	xs := &Func{
		Name:    "xsaveSize",
		Doc:     "xsaveSize returns the size of the XSAVE area for the enabled components.\nIt is CPUID leaf 0xD, sub-leaf 0, EBX.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "uintptr"}},
		// CPUID writes AX, BX, CX and DX.
		Clobbers: []string{"BX", "DX"},
	}
	xs.I("MOVL", "$0xd", "AX")
	xs.I("MOVL", "$0", "CX")
	xs.I("CPUID").C("EBX = the XSAVE area's size")
	xs.I("MOVL", "BX", "AX")
	xs.I("MOVQ", "AX", xs.Arg("ret"))
	xs.I("RET")

	chain := &Func{
		Name: "sigChainAddr",
		Doc: "sigChainAddr returns the process-wide registry of the handler chain.\n" +
			"It is the one copy of " + sigChainSym + " that the linker keeps of\n" +
			"every generated package's DUPOK definition.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "*sigChain"}},
	}
	chain.I("LEAQ", sigChainSym+"(SB)", "AX")
	chain.I("MOVQ", "AX", chain.Arg("ret"))
	chain.I("RET")

	a.Funcs = append(a.Funcs, hpc, rpc, xs, chain)
	a.Globals = append(a.Globals,
		"// The handler chain's registry, shared by every generated package (its\n"+
			"// layout is this gthreadgen version's: the name carries it).\n"+
			"GLOBL "+sigChainSym+"(SB), DUPOK|NOPTR, $const_sigChainSize")
}

// sigChainSym is the process-wide symbol of the handler chain's registry:
// no package prefix, versioned with its layout.
const sigChainSym = "gthreadgen_sigchain_v1"

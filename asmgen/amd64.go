package asmgen

import "fmt"

// AMD64 describes the linux/amd64 switcher.
//
// A context switch saves the resume point (return PC, the caller's SP, BP)
// and the g fields the Go runtime reads per stack (stack bounds, _panic,
// _defer, stktopsp; the README's garbage collector contract says why each) into the outgoing context, installs the
// incoming context's, and returns to its resume PC on its stack. ABI0 treats
// every register as caller-saved, so nothing else needs saving for a
// cooperative switch.
func AMD64(opt Options) *Arch {
	a := &Arch{
		GOARCH: "amd64",
		mov:    "MOVQ",
		toReg:  "DX",
		guard:  amd64Guard,
		Registers: `Register roles in switchTo:
	AX	from *context (outgoing); later the old stackguard0 for CMPXCHGQ
	DX	to *context (incoming); threadStart receives it as its *thread
	CX	g, loaded from thread-local storage
	BX	scratch; then the incoming resume PC
	SI	the outgoing SP (scratch later)
	DI	pub (gc: collect)`,
	}

	sw := switchToFunc(opt.GC)
	// Lean in every mode: with gc: collect, tryGCSwitch saves Run's own
	// stack bounds before Run's switch into the threads.
	amd64Switch(sw, false, !opt.GC)

	start := threadStartFunc("DX")
	start.I("NO_LOCAL_POINTERS")
	if opt.GC {
		start.Frame = 16
		start.Comment("Finish the switch that entered the thread (gc: collect) before any\n" +
			"Go prologue can let the collector in; keep the thread in 8(SP).")
		start.I("MOVQ", "DX", "8(SP)")
		start.I("MOVQ", "DX", "0(SP)")
		start.I("CALL", "·threadEntered(SB)")
		start.I("MOVQ", "8(SP)", "DX")
		start.I("MOVQ", "DX", "0(SP)")
		start.I("CALL", "·threadMain(SB)")
		start.I("UNDEF")
	} else {
		start.Frame = 16
		start.I("MOVQ", "DX", "0(SP)")
		start.I("CALL", "·threadMain(SB)")
		start.Comment("The thread has finished; threadMain returned the context to resume.\n" +
			"Install it and leave through threadExit, which has no frame: a RET\n" +
			"here would first pop this frame.")
		start.I("MOVQ", "8(SP)", "DX")
		loadG(start, "CX")
		amd64Install(start)
		start.I("JMP", "·threadExit(SB)")
	}

	pc := threadStartPCFunc()
	pc.I("MOVQ", "$·threadStart(SB)", "AX")
	pc.I("MOVQ", "AX", pc.Arg("ret"))
	pc.I("RET")

	gword := gwordFunc()
	loadG(gword, "CX")
	gword.I("MOVQ", gword.Arg("off"), "AX")
	gword.I("MOVQ", "(CX)(AX*1)", "AX")
	gword.I("MOVQ", "AX", gword.Arg("ret"))
	gword.I("RET")

	clear := gclearbyteFunc()
	loadG(clear, "CX")
	clear.I("MOVQ", clear.Arg("off"), "AX")
	clear.I("MOVB", "$0", "(CX)(AX*1)")
	clear.I("RET")

	mword := mwordFunc()
	loadG(mword, "CX")
	mword.I("MOVQ", "const_gM(CX)", "CX")
	mword.I("MOVQ", mword.Arg("off"), "AX")
	mword.I("MOVQ", "(CX)(AX*1)", "AX")
	mword.I("MOVQ", "AX", mword.Arg("ret"))
	mword.I("RET")

	if opt.GC {
		a.Funcs = []*Func{sw, start}
	} else {
		run := switchFromRunFunc()
		amd64Switch(run, true, true)
		exit := threadExitFunc("DX")
		amd64Enter(exit, true)
		a.Funcs = []*Func{sw, run, start, exit}
	}
	a.Funcs = append(a.Funcs, pc, gword, mword, clear)
	if opt.GC {
		getg := getgFunc()
		loadG(getg, "CX")
		getg.I("MOVQ", "CX", getg.Arg("ret"))
		getg.I("RET")
		rel := releaseGFunc("On amd64 a plain store is one\n(what the runtime's StoreRel is).")
		rel.I("MOVQ", rel.Arg("gp"), "AX")
		rel.I("CMPQ", rel.Arg("claimed"), "$0")
		rel.I("JEQ", "status")
		rel.I("MOVL", "$const_profAbsent", "const_gGoroutineProfiled(AX)")
		rel.Label("status")
		rel.I("CMPQ", rel.Arg("locked"), "$0")
		rel.I("JEQ", "done")
		rel.I("MOVL", "$const_gStatusWaiting", "const_gStatus(AX)")
		rel.Label("done")
		rel.I("RET")
		a.Funcs = append(a.Funcs, getg, rel)
	}
	if opt.Preempt {
		amd64Preempt(a, opt)
	}
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

// amd64Switch writes a switch from the context in argument from to the one
// in argument to; full saves every g field of the outgoing stack (see
// savedFields), fresh enters a thread that has never run with a JMP.
func amd64Switch(f *Func, full, fresh bool) {
	f.I("MOVQ", f.Arg("from"), "AX")
	f.I("MOVQ", f.Arg("to"), "DX")
	loadG(f, "CX")
	f.Comment("Save the resume point: the return PC, the caller's SP and BP.")
	f.I("MOVQ", "0(SP)", "BX")
	f.I("LEAQ", f.Arg("from"), "SI")
	saveResume(f, "MOVQ", "AX", "DI", "BX", "SI", "BP")
	saveFields(f, "MOVQ", "CX", "AX", "BX", full)
	amd64Install(f)
	amd64Enter(f, fresh)
}

// amd64Install installs the incoming context in DX (g in CX): its g
// fields and stackguard0; then loads its resume PC into BX and its frame
// pointer into BP for amd64Enter.
func amd64Install(f *Func) {
	installFields(f, "MOVQ", "CX", "DX", "BX")
	amd64Guard(f, "CX")
	f.I("MOVQ", "context_pc(DX)", "BX")
	f.I("MOVQ", "context_bp(DX)", "BP")
}

// amd64Enter moves to the stack of the context in DX and resumes it at the
// PC in BX by a RET. With fresh, a context that has never run (BP 0: every
// suspended context holds a non-zero frame pointer) is entered with a JMP.
func amd64Enter(f *Func, fresh bool) {
	f.Comment("Resume with a RET to the incoming PC, pushed on the incoming stack: the\n" +
		"CALL that entered switchTo pushed a return-stack-buffer entry that only a\n" +
		"RET pops; a JMP would leave it behind and every later return would\n" +
		"mispredict (measured: 25 ns against 13 ns per Yield).")
	f.I("MOVQ", "context_sp(DX)", "SP")
	if fresh {
		f.I("CMPQ", "BP", "$0")
		f.I("JEQ", "fresh")
	}
	f.I("SUBQ", "$8", "SP")
	f.I("MOVQ", "BX", "0(SP)")
	f.I("RET")
	if fresh {
		f.Label("fresh")
		f.Comment("A thread that has not run yet starts in threadStart with a JMP: its\n" +
			"entry pops no return-stack entry, so the one pushed by the CALL of the\n" +
			"switch that started it is still on top when the thread ends, and the\n" +
			"RET in threadExit back to that context is predicted.")
		f.I("JMP", "BX")
	}
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
		Doc: "sigHandler is the preemption signal handler, called by the kernel with the\n" +
			"C ABI (DI signal, SI siginfo, DX ucontext) on the signal stack. It forwards\n" +
			"what is not one of this package's timers to the previous handler.",
		Flags: "NOSPLIT|NOFRAME",
	}
	h.I("CMPL", siCode+"(SI)", siTimer)
	h.I("JNE", "forward")
	h.Comment("The timer's value is its slot's address, the low bits say which timer:\n" +
		"0 the tick, 1 the wake timer (services), 2 the retry timer.")
	h.I("MOVQ", siValue+"(SI)", "AX")
	h.I("MOVQ", "AX", "R13")
	h.I("ANDQ", "$3", "R13")
	h.I("ANDQ", "$~3", "AX")
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
	h.I("MOVL", siTimerID+"(SI)", "CX")
	h.I("CMPQ", "R13", "$0")
	h.I("JNE", "notTick")
	h.I("CMPL", "CX", "preemptState_timer(AX)")
	h.I("JNE", "forward")
	h.I("JMP", "mine")
	h.Label("notTick")
	h.I("CMPQ", "R13", "$2")
	h.I("JNE", "notRetry")
	h.I("CMPL", "CX", "preemptState_retryTimer(AX)")
	h.I("JNE", "forward")
	h.I("JMP", "mine")
	h.Label("notRetry")
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
	h.I("MOVQ", "AX", "R12")
	h.I("MOVQ", "DX", "R15")
	h.I("RDTSC")
	h.I("SHLQ", "$32", "DX")
	h.I("ORQ", "AX", "DX")
	h.I("MOVQ", "DX", "R14")
	h.I("MOVQ", "R15", "DX")
	h.I("MOVQ", "R12", "AX")
	h.I("CMPQ", "R13", "$0")
	h.I("JNE", "other")
	h.Comment("Count the tick. A thread switched in since the last tick (another\n" +
		"thread, or the same one switched away and back) started a new slice\n" +
		"after the last tick: count its slice from there, so that a thread the\n" +
		"timer switched in at a tick gets exactly its slice, and one that came\n" +
		"in between two ticks (a Yield, a wake-up) at most its slice.")
	h.I("INCQ", "preemptState_ticks(AX)")
	h.I("MOVQ", "preemptState_rt(AX)", "BX")
	h.I("MOVQ", "Runtime_current(BX)", "BX")
	h.I("CMPQ", "BX", "$0")
	h.I("JEQ", "done")
	h.I("CMPQ", "BX", "preemptState_lastCur(AX)")
	h.I("JNE", "newSlice")
	h.I("MOVQ", "thread_switches(BX)", "CX")
	h.I("CMPQ", "CX", "preemptState_lastSwitches(AX)")
	h.I("JEQ", "counted")
	h.Label("newSlice")
	h.I("MOVQ", "BX", "preemptState_lastCur(AX)")
	h.I("MOVQ", "thread_switches(BX)", "CX")
	h.I("MOVQ", "CX", "preemptState_lastSwitches(AX)")
	h.I("MOVQ", "preemptState_ticks(AX)", "CX")
	h.I("DECQ", "CX")
	h.I("MOVQ", "CX", "preemptState_sliceStart(AX)")
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
	h.I("MOVQ", "preemptState_rt(AX)", "BX")
	h.I("MOVQ", "Runtime_current(BX)", "BX")
	h.I("CMPQ", "BX", "preemptState_lastCur(AX)")
	h.I("JNE", "done")
	h.I("MOVQ", "thread_switches(BX)", "CX")
	h.I("CMPQ", "CX", "preemptState_lastSwitches(AX)")
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
		h.I("MOVLQSX", "preemptState_wakeTimer(AX)", "DI")
		h.I("MOVQ", "$0", "SI")
		h.I("LEAQ", "·zeroTimerSpec(SB)", "DX")
		h.I("MOVQ", "$0", "R10")
		h.I("MOVQ", "$const_sysTimerSettime", "AX")
		h.I("SYSCALL")
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
	h.I("MOVQ", "preemptState_ticks(AX)", "CX")
	h.I("MOVQ", "CX", "preemptState_sliceStart(AX)")
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
		h.I("CMPQ", "R10", "0(R12)(R13*1)")
		h.I("JLO", "below")
		h.I("CMPQ", "R10", "8(R12)(R13*1)")
		h.I("JLO", "redirect")
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
		h.I("CMPQ", "R10", "0(R12)")
		h.I("JLO", "next")
		h.I("CMPQ", "R10", "8(R12)")
		h.I("JLO", "redirect")
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
	h.I("MOVLQSX", "preemptState_retryTimer(AX)", "DI")
	h.I("MOVQ", "$0", "SI")
	h.I("LEAQ", "·retrySpec(SB)", "DX")
	h.I("MOVQ", "$0", "R10")
	h.I("MOVQ", "$const_sysTimerSettime", "AX")
	h.I("SYSCALL")
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
	h.I("JMP", "AX")

	ret := &Func{
		Name:  "sigReturn",
		Doc:   "sigReturn is the handler's restorer: rt_sigreturn.",
		Flags: "NOSPLIT|NOFRAME",
	}
	ret.I("MOVQ", sysSigreturn, "AX")
	ret.I("SYSCALL")
	ret.I("INT", "$3")

	if opt.GC {
		tr, stub := amd64GCTrampoline()
		a.Funcs = append(a.Funcs, h, ret, tr, stub)
	} else {
		a.Funcs = append(a.Funcs, h, ret, amd64Trampoline())
	}
	amd64PreemptHelpers(a)
}

// amd64Trampoline is the trampoline of gc: pause, which needs no collector
// view of its frame.
func amd64Trampoline() *Func {
	tr := &Func{
		Name: "preemptTrampoline",
		Doc: "preemptTrampoline is entered from the signal handler as if the interrupted\n" +
			"instruction had called it. It saves every register and the XSAVE area,\n" +
			"calls preempted, restores everything and returns to the instruction.",
		Flags: "NOSPLIT|NOFRAME",
	}
	tr.I("PUSHQ", "BP")
	tr.I("MOVQ", "SP", "BP")
	tr.Comment("Save flags before anything clobbers them.")
	tr.I("PUSHFQ")
	tr.Comment("The frame: 14 registers, the argument of preempted, and on top the two\n" +
		"words the handler left (XSAVE area at -16(BP), state at -24(BP)).")
	tr.I("ADJSP", "$136")
	tr.I("NOP", "SP") // vet does not follow ADJSP
	regs := []string{"AX", "BX", "CX", "DX", "SI", "DI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}
	for i, r := range regs {
		tr.I("MOVQ", r, fmt.Sprintf("%d(SP)", 8+8*i))
	}
	tr.I("MOVQ", "-16(BP)", "DI")
	tr.I("MOVL", "$-1", "AX")
	tr.I("MOVL", "$-1", "DX")
	tr.I("XSAVE64", "(DI)")
	tr.I("MOVQ", "-24(BP)", "AX")
	tr.I("MOVQ", "AX", "0(SP)")
	tr.I("CALL", "·preempted(SB)")
	tr.I("MOVQ", "-16(BP)", "DI")
	tr.I("MOVL", "$-1", "AX")
	tr.I("MOVL", "$-1", "DX")
	tr.I("XRSTOR64", "(DI)")
	for i := len(regs) - 1; i >= 0; i-- {
		tr.I("MOVQ", fmt.Sprintf("%d(SP)", 8+8*i), regs[i])
	}
	tr.I("ADJSP", "$-136")
	tr.I("POPFQ")
	tr.I("POPQ", "BP")
	tr.I("RET")
	return tr
}

// asyncPreemptRegs are the registers runtime.asyncPreempt saves, in its order.
var asyncPreemptRegs = []string{"AX", "CX", "DX", "BX", "SI", "DI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"}

// amd64GCTrampoline is the trampoline of gc: collect. Its frame is
// runtime.asyncPreempt's at the call to asyncPreempt2 (BP, flags, the 14
// general registers: 128 bytes), and the stub it calls shows that call's
// return address while it runs, so the collector scans the registers and the
// interrupted frame conservatively, as after the runtime's own preemption.
func amd64GCTrampoline() (tr, stub *Func) {
	tr = &Func{
		Name: "preemptTrampoline",
		Doc: "preemptTrampoline is entered from the signal handler as if the interrupted\n" +
			"instruction had called it. It saves every register in runtime.asyncPreempt's\n" +
			"frame layout and the XSAVE area, calls preemptStub, restores everything and\n" +
			"returns to the instruction.",
		Flags: "NOSPLIT|NOFRAME",
	}
	tr.I("NO_LOCAL_POINTERS")
	tr.I("PUSHQ", "BP")
	tr.I("MOVQ", "SP", "BP")
	tr.I("PUSHFQ")
	tr.I("ADJSP", "$112")
	tr.I("NOP", "SP") // vet does not follow ADJSP
	for i, r := range asyncPreemptRegs {
		tr.I("MOVQ", r, fmt.Sprintf("%d(SP)", 8*i))
	}
	tr.Comment("The handler left the XSAVE area at -16(SP) and the state at -24(SP).")
	tr.I("MOVQ", "-16(SP)", "DI")
	tr.I("MOVL", "$-1", "AX")
	tr.I("MOVL", "$-1", "DX")
	tr.I("XSAVE64", "(DI)")
	tr.I("MOVQ", "-24(SP)", "AX")
	tr.I("CALL", "·preemptStub(SB)")
	tr.Comment("preemptStub returns the XSAVE area in DI.")
	tr.I("MOVL", "$-1", "AX")
	tr.I("MOVL", "$-1", "DX")
	tr.I("XRSTOR64", "(DI)")
	for i := len(asyncPreemptRegs) - 1; i >= 0; i-- {
		tr.I("MOVQ", fmt.Sprintf("%d(SP)", 8*i), asyncPreemptRegs[i])
	}
	tr.I("ADJSP", "$-112")
	tr.I("POPFQ")
	tr.I("POPQ", "BP")
	tr.I("RET")

	stub = &Func{
		Name: "preemptStub",
		Doc: "preemptStub calls preempted(AX) with runtime.asyncPreempt's return address\n" +
			"(asyncPreemptRet) in its own return-address slot, so that every unwinder\n" +
			"takes the trampoline's frame for asyncPreempt's; it puts its real return\n" +
			"address back before it returns, with the XSAVE area (DI at entry) in DI.",
		Flags: "NOSPLIT|NOFRAME",
	}
	stub.I("NO_LOCAL_POINTERS")
	stub.I("MOVQ", "0(SP)", "R11")
	stub.I("CMPB", "·asyncPreemptView(SB)", "$0")
	stub.I("JEQ", "call")
	stub.I("MOVQ", "·asyncPreemptRet(SB)", "R10")
	stub.I("MOVQ", "R10", "0(SP)")
	stub.Label("call")
	stub.I("ADJSP", "$24")
	stub.I("NOP", "SP") // vet does not follow ADJSP
	stub.I("MOVQ", "R11", "16(SP)")
	stub.I("MOVQ", "DI", "8(SP)")
	stub.I("MOVQ", "AX", "0(SP)")
	stub.I("CALL", "·preempted(SB)")
	stub.I("MOVQ", "8(SP)", "DI")
	stub.I("MOVQ", "16(SP)", "R11")
	stub.I("ADJSP", "$-24")
	stub.I("MOVQ", "R11", "0(SP)")
	stub.I("RET")
	return tr, stub
}

// amd64PreemptHelpers adds the small functions preemption uses.
func amd64PreemptHelpers(a *Arch) {
	hpc := &Func{Name: "sigHandlerPC", Doc: "sigHandlerPC returns the address of sigHandler.", Flags: "NOSPLIT", Results: []Param{{"ret", "uintptr"}}}
	hpc.I("MOVQ", "$·sigHandler(SB)", "AX")
	hpc.I("MOVQ", "AX", hpc.Arg("ret"))
	hpc.I("RET")
	rpc := &Func{Name: "sigReturnPC", Doc: "sigReturnPC returns the address of sigReturn.", Flags: "NOSPLIT", Results: []Param{{"ret", "uintptr"}}}
	rpc.I("MOVQ", "$·sigReturn(SB)", "AX")
	rpc.I("MOVQ", "AX", rpc.Arg("ret"))
	rpc.I("RET")

	xs := &Func{
		Name:    "xsaveSize",
		Doc:     "xsaveSize returns the size of the XSAVE area for the enabled state components\n(CPUID leaf 0xD, sub-leaf 0, EBX).",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "uintptr"}},
	}
	xs.I("MOVL", "$0xd", "AX")
	xs.I("MOVL", "$0", "CX")
	xs.I("CPUID")
	xs.I("MOVL", "BX", "AX")
	xs.I("MOVQ", "AX", xs.Arg("ret"))
	xs.I("RET")

	tsc := &Func{
		Name:    "cputicks",
		Doc:     "cputicks reads the time-stamp counter.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "uint64"}},
	}
	tsc.I("RDTSC")
	tsc.I("SHLQ", "$32", "DX")
	tsc.I("ORQ", "DX", "AX")
	tsc.I("MOVQ", "AX", tsc.Arg("ret"))
	tsc.I("RET")

	chain := &Func{
		Name: "sigChainAddr",
		Doc: "sigChainAddr returns the process-wide registry of the handler chain, the\n" +
			"one copy of " + sigChainSym + " that the linker keeps of every\n" +
			"generated package's DUPOK definition.",
		Flags:   "NOSPLIT",
		Results: []Param{{"ret", "*sigChain"}},
	}
	chain.I("LEAQ", sigChainSym+"(SB)", "AX")
	chain.I("MOVQ", "AX", chain.Arg("ret"))
	chain.I("RET")

	a.Funcs = append(a.Funcs, hpc, rpc, xs, tsc, chain)
	a.Globals = append(a.Globals,
		"// The handler chain's registry, shared by every generated package (its\n"+
			"// layout is this gthreadgen version's: the name carries it).\n"+
			"GLOBL "+sigChainSym+"(SB), DUPOK|NOPTR, $const_sigChainSize")
}

// sigChainSym is the process-wide symbol of the handler chain's registry:
// no package prefix, versioned with its layout.
const sigChainSym = "gthreadgen_sigchain_v1"

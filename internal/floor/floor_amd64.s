#include "textflag.h"
#include "go_asm.h"

// func bareSwitch(from, to *context)
TEXT ·bareSwitch(SB), NOSPLIT, $0-16
	MOVQ	from+0(FP), AX
	MOVQ	to+8(FP), DX
	MOVQ	0(SP), BX
	MOVQ	BX, context_pc(AX)
	LEAQ	from+0(FP), BX
	MOVQ	BX, context_sp(AX)
	MOVQ	BP, context_bp(AX)
	MOVQ	context_pc(DX), BX
	MOVQ	context_sp(DX), SP
	MOVQ	context_bp(DX), BP
	SUBQ	$8, SP
	MOVQ	BX, 0(SP)
	RET

// peerLoop runs on the peer stack: it switches back to the Go caller, for
// ever. Its two arguments (peer, main) sit at its stack pointer.
TEXT ·peerLoop(SB), NOSPLIT|NOFRAME, $0-0
loop:
	CALL	·bareSwitch(SB)
	JMP	loop

// func peerLoopPC() uintptr
TEXT ·peerLoopPC(SB), NOSPLIT, $0-8
	MOVQ	$·peerLoop(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

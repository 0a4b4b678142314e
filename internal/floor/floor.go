// The floor is measured with amd64 assembly only (floor_amd64.s).

//go:build amd64

// Package floor measures the floor under any context switch in Go: a bare
// Plan 9 switch that saves and restores only SP, BP and the PC, between a Go
// caller and an assembly peer on a second stack that switches straight back.
// Nothing of the Go runtime's state (g's stack bounds, defer and panic
// chains) is touched, so no Go code can run on the second stack; it exists
// only for the benchmark tables.
package floor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// context is a suspended execution: the layout is read by floor_amd64.s.
type context struct {
	sp, bp, pc uintptr
}

// Pair is the benchmark's two contexts and the peer's stack.
type Pair struct {
	main, peer context
	stack      []byte
}

// New maps the peer's stack and prepares it to run peerLoop.
func New() (*Pair, error) {
	stack, err := unix.Mmap(-1, 0, 64<<10, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, err
	}
	p := &Pair{stack: stack}
	top := uintptr(unsafe.Pointer(&stack[len(stack)-64]))
	p.peer = context{sp: top, pc: peerLoopPC()}
	// The peer finds the contexts in the two words above its stack pointer.
	*(*[2]*context)(unsafe.Pointer(&stack[len(stack)-64])) = [2]*context{&p.peer, &p.main}
	return p, nil
}

// RoundTrip switches to the peer and back: two switches.
func (p *Pair) RoundTrip() { bareSwitch(&p.main, &p.peer) }

// Close unmaps the peer's stack.
func (p *Pair) Close() error { return unix.Munmap(p.stack) }

// bareSwitch saves SP, BP and the return PC in from and resumes to.
//
//go:noescape
func bareSwitch(from, to *context)

func peerLoopPC() uintptr

//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

// setPrio moves t to priority p in the scheduler's tables.
func (rt *Runtime) setPrio(t *thread, p uint8) {
	if t.prio == p {
		return
	}
	runnable := rt.runnable&(1<<t.id) != 0
	if runnable {
		rt.unready(t)
	}
	rt.prioMask[t.prio] &^= 1 << t.id
	t.prio = p
	rt.prioMask[p] |= 1 << t.id
	if runnable {
		rt.ready(t)
	}
}

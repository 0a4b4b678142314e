//go:build linux && amd64 && go1.26 && !go1.28

// This file is copied into every generated package that needs it, with the
// envelope (header, build constraint, package clause) replaced: see
// templates/templates.go.

package static

import (
	"errors"
	"math"
	"time"
)

// Errors of the software timers.
var (
	// ErrNotTimerThread: ServeTimers called by a thread that no timer of the
	// config names.
	ErrNotTimerThread = errors.New(errPrefix + "no timer is served by the calling thread")
	// ErrTimerStopped: Reset of a timer that is not running.
	ErrTimerStopped = errors.New(errPrefix + "timer is not running")
)

// Timer is a software timer: one-shot or periodic, deadline-based (a
// periodic timer's next deadline is its previous one plus the period, so it
// does not drift), started and stopped by threads at run time. Its
// callback (SetFunc) runs in the thread the config names for it, at that
// thread's priority, while the thread is in ServeTimers. Get one with the
// method of Runtime named after it in the config. Every Run starts with
// every timer stopped.
type Timer struct {
	rt      *Runtime
	name    string
	period  int64 // nanoseconds
	oneShot bool
	thread  ThreadID // the thread that serves it
	q       uint8    // its thread's wait queue in ServeTimers
	index   uint8    // in timerFns

	active      bool
	deadline    int64 // nanotime of the next expiry, while active
	expirations uint64
	overruns    uint64
}

// Name returns the timer's name in the config.
func (tm *Timer) Name() string { return tm.name }

// Period returns the timer's period.
func (tm *Timer) Period() time.Duration { return time.Duration(tm.period) }

// OneShot reports whether the timer expires once per Start.
func (tm *Timer) OneShot() bool { return tm.oneShot }

// Thread returns the thread that runs the timer's callback.
func (tm *Timer) Thread() ThreadID { return tm.thread }

// Active reports whether the timer runs.
func (tm *Timer) Active() bool { return tm.active }

// Expirations counts the callbacks run in this Run.
func (tm *Timer) Expirations() uint64 { return tm.expirations }

// Overruns counts the periods a periodic timer skipped in this Run because
// its thread was later than a whole period: the callback runs once for
// them, and the next deadline stays on the period's grid.
func (tm *Timer) Overruns() uint64 { return tm.overruns }

// SetFunc sets the function the timer's thread runs at each expiry (nil:
// none); it stays across Runs. Call it from a thread, or from any goroutine
// while no Run is active (ErrNotInThread during a Run).
func (tm *Timer) SetFunc(fn func(*Runtime)) error {
	rt := tm.rt
	done, during := rt.outside()
	defer done()
	if during {
		return ErrNotInThread
	}
	rt.timerFns[tm.index] = fn
	return nil
}

// Start starts the timer, or restarts it if it runs: it expires a period
// from now, and a periodic one every period after that. If the timer's
// thread waits in ServeTimers and is more urgent than the caller, it runs
// at once (to take the new deadline).
func (tm *Timer) Start() error {
	cur := tm.rt.self()
	if cur == nil {
		return ErrNotInThread
	}
	tm.arm(cur, nanotime()+tm.period)
	return nil
}

// Reset restarts a running timer a period from now (ErrTimerStopped if it
// is not running).
func (tm *Timer) Reset() error {
	cur := tm.rt.self()
	if cur == nil {
		return ErrNotInThread
	}
	if !tm.active {
		return ErrTimerStopped
	}
	tm.arm(cur, nanotime()+tm.period)
	return nil
}

// Stop stops the timer; a stopped timer's Stop does nothing.
func (tm *Timer) Stop() error {
	cur := tm.rt.self()
	if cur == nil {
		return ErrNotInThread
	}
	if tm.active {
		tm.active = false
		tm.kick(cur)
	}
	return nil
}

func (tm *Timer) arm(cur *thread, deadline int64) {
	tm.active, tm.deadline = true, deadline
	tm.kick(cur)
}

// kick wakes the timer's thread if it waits in ServeTimers, so that it
// takes the change into account.
func (tm *Timer) kick(cur *thread) {
	if rt := tm.rt; rt.wakeOne(tm.q) {
		rt.preempt(cur)
	}
}

// ServeTimers runs the callbacks of the calling thread's timers as they
// expire, in deadline order, at the thread's priority, and returns nil when
// none of them runs any more (all stopped, or one-shots expired): a thread
// that serves timers for the whole Run calls it in its body (after starting
// them, or while another thread starts them). Between expiries the thread
// is blocked on the monotonic clock like SleepUntil; a Start, Reset or Stop
// of one of its timers wakes it to take the change. A callback that blocks
// delays the thread's other timers (they do not drift: a late expiry keeps
// the next deadline on the period's grid, counting the periods skipped in
// Overruns). Misuse: ErrNotTimerThread (no timer names the caller),
// ErrHoldsMutex, ErrNotInThread.
func (rt *Runtime) ServeTimers() error {
	cur := rt.self()
	if cur == nil {
		return ErrNotInThread
	}
	q := timerQueue[cur.id]
	if q == noWait {
		return ErrNotTimerThread
	}
	timers := &rt.svc.objs.timers
	for {
		var first *Timer
		for i := range timers {
			if tm := &timers[i]; tm.thread == cur.id && tm.active && (first == nil || tm.deadline < first.deadline) {
				first = tm
			}
		}
		if first == nil {
			return nil
		}
		if err := rt.mayBlock(cur); err != nil {
			return err
		}
		now := nanotime()
		if now < first.deadline {
			rt.block(cur, q, first.deadline) // or woken by Start, Reset or Stop
			continue
		}
		first.expirations++
		if first.oneShot {
			first.active = false
		} else {
			first.deadline += first.period
			if now >= first.deadline { // later than a whole period: skip to the grid
				skipped := (now-first.deadline)/first.period + 1
				first.overruns += uint64(skipped)
				if skipped > (math.MaxInt64-first.deadline)/first.period {
					first.active = false // the grid runs past the clock's range
				} else {
					first.deadline += skipped * first.period
				}
			}
		}
		if fn := rt.timerFns[first.index]; fn != nil {
			fn(rt)
		}
	}
}

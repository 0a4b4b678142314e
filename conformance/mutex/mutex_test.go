package mutex

// Tests of the immediate-ceiling mutexes in the runtime generated from
// configs/inversion.yaml: high 3, medium 2, low 1, peer_a 1, peer_b 1;
// bus (users low, high: ceiling 3), first (peer_a, peer_b: 1) and second
// (peer_a, peer_b, high: 3). Each test checks an observable effect.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/conformance/internal/suite"
	"github.com/gthreadgen/gthreadgen/generated_examples/inversion/rtos"
)

// bodies gives every thread a body; missing ones return at once.
type bodies map[rtos.ThreadID]func(rt *rtos.Runtime)

func newRT(t testing.TB, b bodies, activate ...rtos.ThreadID) *rtos.Runtime {
	t.Helper()
	get := func(id rtos.ThreadID) func(*rtos.Runtime) {
		if f := b[id]; f != nil {
			return f
		}
		return func(*rtos.Runtime) {}
	}
	rt, err := rtos.New(rtos.Threads{
		High: get(rtos.High), Medium: get(rtos.Medium), Low: get(rtos.Low), PeerA: get(rtos.PeerA), PeerB: get(rtos.PeerB),
		Imu: get(rtos.Imu), Baro: get(rtos.Baro), Fusion: get(rtos.Fusion), Watchdog: get(rtos.Watchdog),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	for _, id := range activate {
		if err := rt.Activate(id); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

func prio(rt *rtos.Runtime, id rtos.ThreadID) int { return rt.Stats().Threads[id].Priority }

// TestCeilings: each ceiling is the highest priority among the users.
func TestCeilings(t *testing.T) {
	rt := newRT(t, nil)
	for m, want := range map[*rtos.Mutex]int{rt.Bus(): 3, rt.First(): 1, rt.Second(): 3} {
		if m.Ceiling() != want {
			t.Errorf("%s: ceiling %d, want %d", m.Name(), m.Ceiling(), want)
		}
	}
}

// TestLockRaisesUnlockRestores: Lock raises the holder to the ceiling and
// Unlock restores its priority; nested locks released in any order restore
// the highest ceiling still held.
func TestLockRaisesUnlockRestores(t *testing.T) {
	var e suite.Errors
	var seen []int
	rt := newRT(t, bodies{rtos.PeerA: func(rt *rtos.Runtime) {
		rec := func() { seen = append(seen, prio(rt, rtos.PeerA)) }
		rec()
		rt.First().Lock() // ceiling 1: no change
		rec()
		rt.Second().Lock() // ceiling 3
		rec()
		if o, ok := rt.Second().Owner(); !ok || o != rtos.PeerA {
			e.Add("Owner = %v, %v", o, ok)
		}
		rt.First().Unlock() // still holds second: stays at 3
		rec()
		rt.Second().Unlock()
		rec()
	}}, rtos.PeerA)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if fmt.Sprint(seen) != "[1 1 3 3 1]" {
		t.Errorf("priorities %v, want [1 1 3 3 1]", seen)
	}
}

// TestCeilingBlocksInversion: inside low's critical section neither high
// (a user) nor medium (between) runs; Unlock lets high run at once.
func TestCeilingBlocksInversion(t *testing.T) {
	var order []string
	rt := newRT(t, bodies{
		rtos.High: func(rt *rtos.Runtime) {
			if err := rt.Bus().Lock(); err != nil {
				panic(err)
			}
			order = append(order, "high has bus")
			rt.Bus().Unlock()
		},
		rtos.Medium: func(rt *rtos.Runtime) { order = append(order, "medium") },
		rtos.Low: func(rt *rtos.Runtime) {
			rt.Bus().Lock()
			rt.Activate(rtos.High)
			rt.Activate(rtos.Medium)
			rt.Yield()
			order = append(order, "low unlocks")
			rt.Bus().Unlock()
			order = append(order, "low done")
		},
	})
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ", "), "low unlocks, high has bus, medium, low done"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
}

// TestNotUser: a thread not listed among the users gets a *NotUserError.
func TestNotUser(t *testing.T) {
	var err error
	rt := newRT(t, bodies{rtos.Medium: func(rt *rtos.Runtime) { err = rt.Bus().Lock() }}, rtos.Medium)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	var nu *rtos.NotUserError
	if !errors.As(err, &nu) || nu.Thread != rtos.Medium || nu.Mutex != "bus" {
		t.Fatalf("Lock by a non-user = %v, want *NotUserError{medium, bus}", err)
	}
	if _, locked := rt.Bus().Owner(); locked {
		t.Errorf("the failed Lock left bus locked")
	}
}

// TestMisuse: Unlock without holding, Lock twice, calls from outside.
func TestMisuse(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, bodies{rtos.Low: func(rt *rtos.Runtime) {
		if err := rt.Bus().Unlock(); !errors.Is(err, rtos.ErrNotOwner) {
			e.Add("Unlock of a free mutex = %v", err)
		}
		rt.Bus().Lock()
		if err := rt.Bus().Lock(); !errors.Is(err, rtos.ErrLocked) {
			e.Add("second Lock = %v", err)
		}
		rt.Bus().Unlock()
	}, rtos.High: func(rt *rtos.Runtime) {
		if err := rt.Bus().Unlock(); !errors.Is(err, rtos.ErrNotOwner) {
			e.Add("Unlock by another thread = %v", err)
		}
	}})
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
	if err := rt.Bus().Lock(); !errors.Is(err, rtos.ErrNotInThread) {
		t.Errorf("Lock outside a thread = %v", err)
	}
}

// TestHolderMustNotBlock: a holder cannot sleep, wait or join: that is what
// would let another user run and deadlock.
func TestHolderMustNotBlock(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, bodies{rtos.Low: func(rt *rtos.Runtime) {
		rt.Bus().Lock()
		if err := rt.Sleep(time.Millisecond); !errors.Is(err, rtos.ErrHoldsMutex) {
			e.Add("Sleep while holding = %v", err)
		}
		rt.Activate(rtos.Medium)
		if err := rt.Join(rtos.Medium); !errors.Is(err, rtos.ErrHoldsMutex) {
			e.Add("Join while holding = %v", err)
		}
		rt.Bus().Unlock()
		if err := rt.Sleep(time.Millisecond); err != nil {
			e.Add("Sleep after Unlock = %v", err)
		}
	}})
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)
}

// TestFinishReleases: a thread that finishes holding a mutex releases it,
// and its next activation starts at its configured priority.
func TestFinishReleases(t *testing.T) {
	var e suite.Errors
	rt := newRT(t, bodies{
		rtos.Low: func(rt *rtos.Runtime) {
			rt.Bus().Lock()
		},
		rtos.High: func(rt *rtos.Runtime) {
			if err := rt.Bus().Lock(); err != nil {
				e.Add("Lock after the holder finished: %v", err)
			}
			rt.Bus().Unlock()
		},
	})
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	if p := prio(rt, rtos.Low); p != 1 {
		t.Errorf("low's priority after it finished holding bus: %d, want 1", p)
	}
	if o, locked := rt.Bus().Owner(); locked {
		t.Errorf("bus is still held by %s after its holder finished", o)
	}
	rt.Activate(rtos.High)
	if err := rt.Run(); err != nil {
		t.Fatal(err)
	}
	e.Report(t)

	// Within one Run (the next Run resets every mutex anyway): high,
	// activated by low while it holds bus, runs once low has finished and
	// finds bus free.
	var order []string
	rt2 := newRT(t, bodies{
		rtos.Low: func(rt *rtos.Runtime) {
			rt.Bus().Lock()
			rt.Activate(rtos.High) // not more urgent than the ceiling: low goes on
			order = append(order, "low finishes holding bus")
		},
		rtos.High: func(rt *rtos.Runtime) {
			err := rt.Bus().Lock()
			order = append(order, fmt.Sprintf("high locks: %v", err))
			if err == nil {
				rt.Bus().Unlock()
			}
		},
	})
	if err := rt2.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ", "), "low finishes holding bus, high locks: <nil>"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}
}

// TestNestedAnyOrderNoDeadlock: peer_a and peer_b (equal priority) lock
// first and second in opposite orders, yielding between the locks, many
// times. Without the protocol's rule that a holder yields only to more
// urgent threads, the first round would deadlock; with it, every round
// completes and the sections never overlap.
func TestNestedAnyOrderNoDeadlock(t *testing.T) {
	var e suite.Errors
	inside := 0
	rounds := 0
	peer := func(a, b func(*rtos.Runtime) *rtos.Mutex) func(rt *rtos.Runtime) {
		return func(rt *rtos.Runtime) {
			for range 100 {
				if err := a(rt).Lock(); err != nil {
					e.Add("Lock: %v", err)
					return
				}
				inside++
				rt.Yield()
				if err := b(rt).Lock(); err != nil {
					e.Add("nested Lock: %v", err)
					return
				}
				rt.Yield()
				if inside != 1 {
					e.Add("%d threads inside the critical section", inside)
				}
				inside--
				a(rt).Unlock()
				rt.Yield()
				b(rt).Unlock()
				rounds++
				rt.Yield()
			}
		}
	}
	first := (*rtos.Runtime).First
	second := (*rtos.Runtime).Second
	rt := newRT(t, bodies{rtos.PeerA: peer(first, second), rtos.PeerB: peer(second, first)}, rtos.PeerA, rtos.PeerB)
	if err := rt.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	e.Report(t)
	if rounds != 200 {
		t.Errorf("%d rounds, want 200", rounds)
	}
	if s := rt.Stats(); s.Threads[rtos.PeerA].Switches < 50 || s.Threads[rtos.PeerB].Switches < 50 {
		t.Errorf("the peers hardly alternated (%d, %d switches): the test tested nothing",
			s.Threads[rtos.PeerA].Switches, s.Threads[rtos.PeerB].Switches)
	}
}

// BenchmarkYield: two threads of equal priority yield to each other in a
// runtime with the service hooks (timed-wait check in pick, the mutex
// holder check in Yield). Compare with max's BenchmarkYield/threads=2.
func BenchmarkYield(b *testing.B) {
	n := b.N
	loop := func(rt *rtos.Runtime) {
		for range n / 2 {
			rt.Yield()
		}
	}
	rt := newRT(b, bodies{rtos.PeerA: loop, rtos.PeerB: loop}, rtos.PeerA, rtos.PeerB)
	b.ReportAllocs()
	b.ResetTimer()
	if err := rt.Run(); err != nil {
		b.Fatal(err)
	}
}

// TestHolderResumesFirst: the ceiling of "sensors" equals its users'
// priority (20). imu locks it and, while it holds it, a more urgent thread
// (watchdog, 31) runs: it comes due from a Sleep while imu Yields, and
// again when imu Activates it. When watchdog is done, imu must run again
// before baro or fusion, whatever their round-robin turn: before, baro ran
// next and its Lock found the mutex held by imu.
func TestHolderResumesFirst(t *testing.T) {
	for _, how := range []string{"wake-up at a Yield", "Activate"} {
		t.Run(how, func(t *testing.T) {
			var e suite.Errors
			var order []string
			user := func(name string) func(rt *rtos.Runtime) {
				return func(rt *rtos.Runtime) {
					if err := rt.Sensors().Lock(); err != nil {
						e.Add("%s: Lock: %v", name, err)
						return
					}
					order = append(order, name+" locks")
					if err := rt.Sensors().Unlock(); err != nil {
						e.Add("%s: Unlock: %v", name, err)
					}
				}
			}
			b := bodies{
				rtos.Baro:   user("baro"),
				rtos.Fusion: user("fusion"),
				rtos.Watchdog: func(rt *rtos.Runtime) {
					if how == "wake-up at a Yield" {
						rt.Sleep(time.Millisecond)
					}
					order = append(order, "watchdog")
				},
				rtos.Imu: func(rt *rtos.Runtime) {
					if err := rt.Sensors().Lock(); err != nil {
						e.Add("imu: Lock: %v", err)
						return
					}
					order = append(order, "imu locks")
					if how == "Activate" {
						if err := rt.Activate(rtos.Watchdog); err != nil {
							e.Add("Activate: %v", err)
						}
					} else {
						for end := time.Now().Add(3 * time.Millisecond); time.Now().Before(end); {
						}
						if err := rt.Yield(); err != nil { // the watchdog is due: it runs
							e.Add("Yield: %v", err)
						}
					}
					order = append(order, "imu resumes")
					if err := rt.Sensors().Unlock(); err != nil {
						e.Add("imu: Unlock: %v", err)
					}
				},
			}
			start := []rtos.ThreadID{rtos.Imu, rtos.Baro, rtos.Fusion}
			if how == "wake-up at a Yield" {
				start = append(start, rtos.Watchdog)
			}
			rt := newRT(t, b, start...)
			if err := rt.Run(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			e.Report(t)
			got := strings.Join(order, ", ")
			if want := "imu locks, watchdog, imu resumes, baro locks, fusion locks"; got != want {
				t.Errorf("order: %s\nwant:  %s", got, want)
			}
		})
	}
}

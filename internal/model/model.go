// Package model turns a validated config into everything the emitters need:
// names, thread table, priorities, layout constants. Emitters read only the
// model; they never see YAML, and every number they print is computed here.
package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/gthreadgen/gthreadgen/internal/asmgen"
	"github.com/gthreadgen/gthreadgen/internal/config"
	"github.com/gthreadgen/gthreadgen/internal/goversion"
)

// Supported lists the architectures gthreadgen can emit a switcher for,
// Preemptive those whose switcher supports scheduler.time_slice, and
// GCCollectArch those that support gc: collect: what the assembly printer
// says of its targets.
var Supported, Preemptive, GCCollectArch = archLists()

func archLists() (all, preempt, gc []string) {
	for _, t := range asmgen.Targets() {
		all = append(all, t.GOARCH)
		if t.Preempt {
			preempt = append(preempt, t.GOARCH)
		}
		if t.GC {
			gc = append(gc, t.GOARCH)
		}
	}
	return all, preempt, gc
}

// Reserved lists the identifiers the generated package declares itself; a
// thread name must not turn into one of them.
var Reserved = []string{
	"NumThreads", "ThreadID", "Threads", "State", "Inactive", "Ready", "Running", "Blocked", "Finished", "Abandoned",
	"Runtime", "New", "Stats", "ThreadStats", "Wait", "StackOverflowError", "PanicError", "GoexitError",
	"DeadlockError", "LayoutError", "ErrNotInThread", "ErrJoinSelf", "ErrThreadActive", "ErrRunning",
	"ErrClosed", "ErrNoSuchThread", "ErrRace", "TimeSlice", "ErrPreemptUnsupported", "ErrPreemptBusy", "ErrTooManyPackages", "ErrSignalReplaced", "PreemptLatency",
	"Check", "SetTimeSlice", "Latency", "GCModeError", "ErrTracing",
	// The trace recorder (trace.go) and the time accounting of ThreadStats.
	"WriteTrace", "TraceEventBytes", "Times",
	// Methods of Runtime: a service name becomes a method that returns the service.
	"ErrGCDuringRun", "Run", "Close", "Yield", "Exit", "Self", "Join", "Activate", "StackLeft",
	// The services API (services.go and one file per kind of object).
	"Sleep", "SleepUntil", "JoinTimeout", "Forever", "Semaphore", "Mutex", "Queue", "Events",
	"ErrTimeout", "ErrQueueClosed", "ErrHoldsMutex", "ErrNotOwner", "ErrLocked", "NotUserError",
	// Suspend, Resume and SetPriority (control.go).
	"Suspend", "Resume", "SetPriority", "Suspended", "ErrThreadInactive", "ErrNotSuspended",
	"ErrPriorityRange", "CeilingError",
	// Software timers (timers.go).
	"Timer", "ServeTimers", "ErrNotTimerThread", "ErrTimerStopped",
	// The idle hook and thread-local slots (hooks.go).
	"SetIdleHook", "Local", "LocalOf",
}

// Options are the config rules this build of the generator enforces.
func Options() config.Options {
	return config.Options{
		SupportedArch:  Supported,
		PreemptionArch: Preemptive,
		GCCollectArch:  GCCollectArch,
		MinTimeSlice:   time.Millisecond,
		Reserved:       Reserved,
	}
}

// Model is the generated package, fully resolved.
type Model struct {
	Source  string   // config file name as it appears in the header (base name only)
	Package string   // Go package name
	Arch    []string // architectures, sorted
	// Features are what the package contains, decided here once.
	Features Features
	Threads  []Thread
	// Priorities lists the distinct priorities in use, highest first.
	Priorities []int
	// Services is the config's services section as it was validated: the
	// emitters declare its semaphores, queues and events as they stand.
	// Its mutexes and timers name threads: read Mutexes and Timers, which
	// resolve them, instead.
	Services config.Services
	Mutexes  []Mutex
	Timers   []Timer
	// Go lists the Go releases the package builds with, oldest first: one
	// file of runtime facts each, selected by build constraints.
	Go []goversion.Release
}

// Mutex is a mutex of the config with its users resolved: their thread IDs,
// as a list and a mask, and the ceiling, the highest priority among them.
type Mutex struct {
	config.Mutex
	UserIDs  []int
	UserMask uint32
	Ceiling  int
}

// Timer is a software timer of the config with its thread resolved: the ID
// of the thread that runs its callback (in ServeTimers).
type Timer struct {
	config.Timer
	ThreadID int
}

// Thread is one slot of the static thread table.
type Thread struct {
	ID        int
	Name      string // as in the config
	Ident     string // exported Go identifier
	Priority  int
	Stack     uint64 // bytes, including the canary area
	Autostart bool
}

// ErrPrefix starts every error message the runtime returns.
func (m *Model) ErrPrefix() string { return m.Package + ": " }

// TotalStack is the sum of the configured stacks.
func (m *Model) TotalStack() uint64 {
	var n uint64
	for _, t := range m.Threads {
		n += t.Stack
	}
	return n
}

// Features are the parts of the runtime a config turns on. They are decided
// once, here; the templates, the Go emitters and the assembly printer read
// them and recompute nothing.
type Features struct {
	// Preempt: time-slice preemption (scheduler.time_slice > 0), with
	// slices of TimeSlice.
	Preempt   bool
	TimeSlice time.Duration
	// GCCollect: gc: collect, the collector keeps running during Run
	// (holders publish suspended stacks); false is gc: pause.
	GCCollect bool
	// Guard: a PROT_NONE guard below each stack; GuardSize its size in
	// bytes (the runtime rounds it up to whole pages), 0: one page.
	Guard     bool
	GuardSize uint64
	// OnePriority: every thread has priority Priority and no mutex ceiling
	// can change it, so the scheduler's pick needs no priority levels.
	OnePriority bool
	Priority    int
	// Services: any blocking service (Sleep, SleepUntil and timeouts come
	// with every one); the others say which kinds of objects exist.
	Services   bool
	Semaphores bool
	Mutexes    bool
	Queues     bool
	Events     bool
	// Accounting: per-thread time accounting (Stats().Threads[i].Times),
	// generated with the trace section: it reads a clock at every switch.
	// TraceEvents is the size of the recorder's event ring; 0: no recorder.
	Accounting  bool
	TraceEvents int
	// Posts: services.from_goroutines, the Post methods of semaphores,
	// queues and events for any goroutine, and an idle wait they can end.
	Posts bool
	// Timers: software timers, served by ServeTimers in their threads.
	Timers bool
	// IdleHook: services.idle_hook, SetIdleHook.
	IdleHook bool
	// ThreadLocal: services.thread_local, every thread's slot of type
	// LocalType (Local, LocalOf).
	ThreadLocal bool
	LocalType   string
	// Suspend: scheduler.suspend, Suspend and Resume of threads.
	Suspend bool
	// SetPriority: scheduler.set_priority, priorities changed at run time
	// (so never OnePriority).
	SetPriority bool
}

// Parse parses and validates the config text data (file names it in
// messages and headers) with this generator's Options and builds its model.
// A config error is a config.ErrorList holding every problem found.
func Parse(file string, data []byte) (*Model, error) {
	cfg, err := config.Parse(file, data, Options())
	if err != nil {
		return nil, err
	}
	return New(cfg)
}

// New builds the model of a valid config.
func New(c *config.Config) (*Model, error) {
	if len(c.Threads) == 0 || len(c.Threads) > config.MaxThreads {
		return nil, fmt.Errorf("model: %d threads; the config validator admits 1 to %d", len(c.Threads), config.MaxThreads)
	}
	m := &Model{
		Source:  filepath.Base(filepath.ToSlash(c.File)),
		Package: c.Package,
		Go:      goversion.Releases,
	}
	m.Arch = append(m.Arch, c.Arch...)
	slices.Sort(m.Arch)
	seen := map[int]bool{}
	for i, t := range c.Threads {
		m.Threads = append(m.Threads, Thread{
			ID:        i,
			Name:      t.Name,
			Ident:     t.Ident,
			Priority:  t.Priority,
			Stack:     t.Stack,
			Autostart: t.Autostart,
		})
		if !seen[t.Priority] {
			seen[t.Priority] = true
			m.Priorities = append(m.Priorities, t.Priority)
		}
	}
	slices.Sort(m.Priorities)
	slices.Reverse(m.Priorities)

	cs := &c.Services
	m.Services = *cs
	ids := map[string]int{}
	for i, t := range c.Threads {
		ids[t.Name] = i
	}
	for _, x := range cs.Mutexes {
		mu := Mutex{Mutex: x}
		for _, u := range x.Users {
			id, ok := ids[u]
			if !ok {
				return nil, fmt.Errorf("model: mutex %s: no thread %q", x.Name, u)
			}
			mu.UserIDs = append(mu.UserIDs, id)
			mu.UserMask |= 1 << id
			mu.Ceiling = max(mu.Ceiling, c.Threads[id].Priority)
		}
		if len(mu.UserIDs) == 0 {
			return nil, fmt.Errorf("model: mutex %s has no users", x.Name)
		}
		m.Mutexes = append(m.Mutexes, mu)
	}
	for _, x := range cs.Timers {
		id, ok := ids[x.Thread]
		if !ok {
			return nil, fmt.Errorf("model: timer %s: no thread %q", x.Name, x.Thread)
		}
		m.Timers = append(m.Timers, Timer{Timer: x, ThreadID: id})
	}
	m.Features = Features{
		Preempt:     c.TimeSlice > 0,
		TimeSlice:   c.TimeSlice,
		GCCollect:   c.GC == config.GCCollect,
		Guard:       c.Guard,
		GuardSize:   c.GuardSize,
		OnePriority: len(m.Priorities) == 1 && len(cs.Mutexes) == 0 && !c.SetPriority,
		Priority:    m.Priorities[0],
		Services:    cs.Any(),
		Semaphores:  len(cs.Semaphores) > 0,
		Mutexes:     len(cs.Mutexes) > 0,
		Queues:      len(cs.Queues) > 0,
		Events:      len(cs.Events) > 0,
		Accounting:  c.Trace,
		TraceEvents: c.TraceEvents,
		Posts:       cs.FromGoroutines,
		Timers:      len(cs.Timers) > 0,
		IdleHook:    cs.IdleHook,
		ThreadLocal: cs.ThreadLocal != "",
		LocalType:   cs.ThreadLocal,
		Suspend:     c.Suspend,
		SetPriority: c.SetPriority,
	}
	return m, nil
}

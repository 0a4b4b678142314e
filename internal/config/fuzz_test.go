package config

import (
	"errors"
	"go/token"
	"slices"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns is
// a well-formed ErrorList, and that every config it accepts keeps the
// documented invariants.
func FuzzParse(f *testing.F) {
	for _, tt := range goodTests {
		f.Add([]byte(tt.in))
	}
	for _, tt := range errorTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("rtos.yaml", data, testOpts)
		if err != nil {
			if cfg != nil {
				t.Fatalf("Parse returned both a config and an error")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Parse error is %T %q, want a non-empty ErrorList", err, err)
			}
			for i, e := range list {
				if e == nil || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" || e.File != "rtos.yaml" {
					t.Fatalf("malformed error %d: %#v", i, e)
				}
				if i > 0 {
					if p := list[i-1].Pos; p.Line > e.Pos.Line || p.Line == e.Pos.Line && p.Col > e.Pos.Col {
						t.Fatalf("errors out of order:\n%v", list)
					}
				}
			}
			return
		}
		checkConfig(t, cfg)
		checkServices(t, cfg)
	})
}

// checkConfig fails t unless cfg keeps the invariants of a valid config.
func checkConfig(t *testing.T, cfg *Config) {
	t.Helper()
	if cfg == nil {
		t.Fatal("Parse returned neither a config nor an error")
	}
	if cfg.Version != 1 || cfg.File != "rtos.yaml" {
		t.Errorf("Version, File = %d, %q", cfg.Version, cfg.File)
	}
	if !token.IsIdentifier(cfg.Package) || token.IsKeyword(cfg.Package) || cfg.Package == "main" || cfg.Package == "_" {
		t.Errorf("bad package name %q", cfg.Package)
	}
	if len(cfg.Arch) == 0 {
		t.Errorf("no architectures")
	}
	for i, a := range cfg.Arch {
		if !slices.Contains(testOpts.SupportedArch, a) || slices.Index(cfg.Arch, a) != i {
			t.Errorf("bad or duplicate architecture %q in %q", a, cfg.Arch)
		}
	}
	if cfg.TimeSlice < 0 || cfg.TimeSlice > 0 && cfg.TimeSlice < testOpts.MinTimeSlice {
		t.Errorf("bad time slice %v", cfg.TimeSlice)
	}
	checkStack(t, "stack.default", cfg.StackDefault)
	if n := len(cfg.Threads); n < 1 || n > MaxThreads {
		t.Errorf("%d threads, want 1 to %d", n, MaxThreads)
	}
	idents := map[string]bool{}
	for _, th := range cfg.Threads {
		if !validName(th.Name) || th.Ident != ident(th.Name) || !token.IsExported(th.Ident) || !token.IsIdentifier(th.Ident) {
			t.Errorf("bad name %q / ident %q", th.Name, th.Ident)
		}
		if idents[th.Ident] || slices.Contains(testOpts.Reserved, th.Ident) {
			t.Errorf("duplicate or reserved ident %q", th.Ident)
		}
		idents[th.Ident] = true
		if th.Priority < MinPriority || th.Priority > MaxPriority {
			t.Errorf("thread %q: priority %d out of range", th.Name, th.Priority)
		}
		checkStack(t, "thread "+th.Name, th.Stack)
	}
}

// checkServices fails t unless the services of a valid config keep their
// invariants: distinct identifiers, users that are threads, valid sizes.
func checkServices(t *testing.T, cfg *Config) {
	t.Helper()
	s := &cfg.Services
	idents := map[string]bool{}
	threads := map[string]bool{}
	for _, th := range cfg.Threads {
		idents[th.Ident] = true
		threads[th.Name] = true
	}
	name := func(kind, n, id string) {
		if !validName(n) || id != ident(n) || idents[id] || slices.Contains(testOpts.Reserved, id) {
			t.Errorf("%s %q: bad, duplicate or reserved identifier %q", kind, n, id)
		}
		idents[id] = true
	}
	for _, x := range s.Semaphores {
		name("semaphore", x.Name, x.Ident)
		if x.Initial < 0 || x.Initial > MaxCount {
			t.Errorf("semaphore %q: initial %d", x.Name, x.Initial)
		}
	}
	for _, x := range s.Mutexes {
		name("mutex", x.Name, x.Ident)
		if len(x.Users) == 0 {
			t.Errorf("mutex %q without users", x.Name)
		}
		for i, u := range x.Users {
			if !threads[u] || slices.Index(x.Users, u) != i {
				t.Errorf("mutex %q: bad or duplicate user %q", x.Name, u)
			}
		}
	}
	for _, x := range s.Queues {
		name("queue", x.Name, x.Ident)
		if x.Capacity < 1 || x.Capacity > MaxCapacity {
			t.Errorf("queue %q: capacity %d", x.Name, x.Capacity)
		}
		if typ, msg := checkType(x.Type); msg != "" || typ != x.Type {
			t.Errorf("queue %q: type %q does not check again: %q, %s", x.Name, x.Type, typ, msg)
		}
	}
	for _, x := range s.Events {
		name("events", x.Name, x.Ident)
	}
	if len(s.Semaphores)+len(s.Mutexes)+len(s.Queues)+len(s.Events) > 0 && !s.Sleep {
		t.Errorf("services declared but Sleep is off")
	}
}

func checkStack(t *testing.T, what string, v uint64) {
	t.Helper()
	if v%StackAlign != 0 || v < MinStack || v > MaxStack {
		t.Errorf("%s: bad stack size %d", what, v)
	}
}

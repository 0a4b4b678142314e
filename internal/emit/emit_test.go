package emit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"strings"
	"testing"

	"github.com/gthreadgen/gthreadgen/internal/model"
	"github.com/gthreadgen/gthreadgen/templates"
)

func files(t *testing.T, yaml string) map[string]string {
	t.Helper()
	m, err := model.Parse("rtos.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Files(m)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, f := range fs {
		if i > 0 && fs[i-1].Name >= f.Name {
			t.Errorf("files not sorted: %s before %s", fs[i-1].Name, f.Name)
		}
		out[f.Name] = string(f.Data)
	}
	return out
}

// TestSpecialised: the output is sized and named from the config, and code
// for a feature the config does not use is not emitted at all.
func TestSpecialised(t *testing.T) {
	coop := files(t, "package: ctl\nstack: {guard: false}\nthreads:\n  - {name: left_arm, priority: 7, stack: 8KiB}\n  - {name: right_arm}\n")
	th := coop["threads.go"]
	for _, want := range []string{
		"const NumThreads = 2",
		"LeftArm ThreadID = 0",
		"RightArm ThreadID = 1",
		"LeftArm func(rt *Runtime)",
		`errPrefix = "ctl: "`,
		"prio:      7",
		"stack:     8192",
	} {
		if !strings.Contains(th, want) {
			t.Errorf("threads.go lacks %q", want)
		}
	}
	if _, ok := coop["preempt.go"]; ok {
		t.Error("a cooperative config got preempt.go")
	}
	for _, absent := range []string{"sigHandler", "preemptTrampoline", "XSAVE"} {
		if strings.Contains(coop["switch_amd64.s"], absent) {
			t.Errorf("a cooperative config's switcher contains %s", absent)
		}
	}
	if strings.Contains(coop["stack.go"], "Mprotect") {
		t.Error("guard: false still protects guard pages")
	}

	pre := files(t, "package: ctl\nscheduler: {time_slice: 4ms}\nthreads:\n  - {name: a}\n")
	if !strings.Contains(pre["preempt.go"], "const TimeSlice = 4 * time.Millisecond") {
		t.Errorf("preempt.go does not carry the slice:\n%.400s", pre["preempt.go"])
	}
	for _, want := range []string{"sigHandler", "preemptTrampoline", "XSAVE64"} {
		if !strings.Contains(pre["switch_amd64.s"], want) {
			t.Errorf("a preemptive config's switcher lacks %s", want)
		}
	}
	if !strings.Contains(pre["stack.go"], "Mprotect") {
		t.Error("guard pages are on by default")
	}
}

// TestGCMode: gc: pause (opt-in; collect is the default) emits no holder code, pauses the
// collector and leaves a finished thread through threadExit; gc: collect
// emits gc*.go, switches through the holders (a finished thread too) and
// lets threadStart finish the entering switch.
func TestGCMode(t *testing.T) {
	const threads = "threads:\n  - {name: a}\n  - {name: b}\n"
	{
		fs := files(t, "package: p\ngc: pause\n"+threads)
		if _, ok := fs["gc.go"]; ok {
			t.Errorf("gc: pause emitted gc.go")
		}
		if rt := fs["runtime.go"] + fs["sched.go"]; !strings.Contains(rt, "gcPause()") || strings.Contains(rt, "gcSwitch") {
			t.Errorf("gc: pause runtime.go does not pause the collector, or switches through holders")
		}
		if strings.Contains(fs["switch_amd64.s"], "threadEntered") {
			t.Errorf("gc: pause threadStart calls threadEntered")
		}
		if !strings.Contains(fs["switch_amd64.s"], "JMP\t·threadExit(SB)") {
			t.Errorf("gc: pause threadStart does not leave a finished thread through threadExit")
		}
	}
	// collect is the default.
	if a, b := files(t, "package: p\narch: [amd64, arm64, riscv64]\ngc: collect\n"+threads), files(t, "package: p\narch: [amd64, arm64, riscv64]\n"+threads); !maps.Equal(a, b) {
		t.Errorf("the default gc mode is not collect")
	}
	fs := files(t, "package: p\narch: [amd64, arm64, riscv64]\ngc: collect\n"+threads)
	if !strings.Contains(fs["gc_switch.go"], "func (rt *Runtime) tryGCSwitch(") {
		t.Errorf("gc: collect emitted no tryGCSwitch")
	}
	rt := fs["runtime.go"] + fs["sched.go"]
	// Yield's written-out fast path switches itself, publishing into the
	// holder g it took, and goes to the slow path (slowSwitch) otherwise;
	// switchThread tries fastSwitch, then slowSwitch; the three other
	// switches go through gcSwitch.
	if strings.Contains(rt, "gcPause()") || strings.Count(rt, "rt.gcSwitch(") != 3 || strings.Count(rt, "rt.fastSwitch(") != 1 || strings.Count(rt, "rt.slowSwitch(") != 2 ||
		strings.Count(rt, "switchTo(") != strings.Count(rt, "switchTo(fromCtx, toCtx, g)") {
		t.Errorf("gc: collect runtime.go or sched.go pauses the collector or has a switch that bypasses the holders")
	}
	for _, arch := range []string{"amd64", "arm64", "riscv64"} {
		s := fs["switch_"+arch+".s"]
		for _, want := range []string{"CALL\t·threadEntered(SB)", "TEXT ·getg(SB)", "TEXT ·releaseG(SB)", "const_gSyscallsp(", "const_gSyscallpc(", "const_gSyscallbp("} {
			if !strings.Contains(s, want) {
				t.Errorf("gc: collect switcher for %s lacks %q:\n%s", arch, want, s)
			}
		}
		if strings.Contains(s, "threadExit") {
			t.Errorf("gc: collect switcher for %s has threadExit (finished threads leave through their holder):\n%s", arch, s)
		}
	}
}

// TestMlocksCallersNosplit: every function of a gc: collect package that
// reads the M's address to raise its m.locks (mlocks) is nosplit. A Go
// function that is not can be preempted asynchronously between the read and
// the increment and resume on another M, raising the wrong M's m.locks.
func TestMlocksCallersNosplit(t *testing.T) {
	for _, cfg := range []string{
		"package: p\nthreads:\n  - {name: a}\n  - {name: b}\n",
		"package: p\nscheduler: {time_slice: 10ms}\nthreads:\n  - {name: a}\n  - {name: b}\n",
	} {
		fs := files(t, cfg)
		callers := 0
		for name, src := range fs {
			if !strings.HasSuffix(name, ".go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				calls := false
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok {
						if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "mlocks" {
							calls = true
						}
					}
					return true
				})
				if !calls {
					continue
				}
				callers++
				if fn.Doc == nil || !hasDirective(fn.Doc, "//go:nosplit") {
					t.Errorf("%s: %s raises m.locks but is not //go:nosplit", name, fn.Name.Name)
				}
			}
		}
		if callers < 3 {
			t.Errorf("found %d functions that call mlocks; the check looks at the wrong code", callers)
		}
		// Being nosplit, Yield has no prologue where the runtime could
		// preempt it; it must offer the preemption itself before it raises
		// m.locks, or threads that do little but Yield hold off every
		// stop-the-world (the GC-looping benchmark of the gc example then
		// sees about 1 collection where it saw 70).
		yield := fs["runtime.go"][strings.Index(fs["runtime.go"], "func (rt *Runtime) Yield() error {"):]
		yield = yield[:strings.Index(yield, "\n}\n")]
		if p, l := strings.Index(yield, "rt.gcs.preemptPoint()"), strings.Index(yield, "s.mlocks()"); p < 0 || l < 0 || p > l {
			t.Errorf("Yield does not call preemptPoint before it raises m.locks:\n%s", yield)
		}
	}
}

func hasDirective(g *ast.CommentGroup, d string) bool {
	for _, c := range g.List {
		if c.Text == d {
			return true
		}
	}
	return false
}

// TestGuardSize: stack.guard as a size reaches the mapping through the model;
// true keeps one page of the machine.
func TestGuardSize(t *testing.T) {
	big := files(t, "package: ctl\nstack: {guard: 16KiB}\nthreads:\n  - {name: a}\n")
	if !strings.Contains(big["stack.go"], "guard := roundUp(16384, page)") || !strings.Contains(big["stack.go"], "unix.Mprotect(mem[off:off+guard]") {
		t.Errorf("a 16 KiB guard does not map 16384 bytes:\n%s", big["stack.go"])
	}
	if !strings.Contains(big["threads.go"], "(a 16 KiB guard below each)") {
		t.Error("the package doc does not give the guard size")
	}
	page := files(t, "package: ctl\nthreads:\n  - {name: a}\n")
	if !strings.Contains(page["stack.go"], "guard := page\n") {
		t.Error("the default guard is not one page")
	}
}

// TestEveryTemplateIsListed: runtimeFiles decides which runtime files exist;
// a template or static file it does not list would never be rendered.
func TestEveryTemplateIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, rf := range runtimeFiles {
		listed[rf.source] = true
	}
	for _, name := range templates.Names() {
		if !listed[name] {
			t.Errorf("%s is not in runtimeFiles", name)
		}
	}
	if len(listed) != len(templates.Names()) {
		t.Errorf("runtimeFiles lists %d sources, templates has %d", len(listed), len(templates.Names()))
	}
}

package asmgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/gthreadgen/gthreadgen/internal/testutil"
)

// guardMain is the Go side of a program that runs each architecture's
// stackguard0 sequence on a fake g and checks the result: the runtime's
// preemption marker is left in place, any other value becomes lo + StackGuard.
const guardMain = `package main

import (
	"fmt"
	"os"
)

// The names the sequence reads through go_asm.h, as in the generated package.
const (
	gStackguard0 = 16
	stackPreempt = -1314
)

var stackGuard uintptr

type context struct{ sp, bp, pc, lo uintptr }

func guardCAS(gp *[4]uintptr, to *context)

func main() {
	stackGuard = 928
	to := &context{lo: 0x5000}
	bad := false
	for _, c := range []struct{ old, want uintptr }{
		{^uintptr(1313), ^uintptr(1313)}, // the marker stays
		{0x1000, 0x5000 + 928},
		{0, 0x5000 + 928},
		{^uintptr(1312), 0x5000 + 928},
	} {
		var g [4]uintptr
		g[2] = c.old
		guardCAS(&g, to)
		fmt.Printf("stackguard0 %#x -> %#x\n", c.old, g[2])
		if g[2] != c.want || g[0] != 0 || g[1] != 0 || g[3] != 0 {
			fmt.Printf("  want %#x, neighbours untouched\n", c.want)
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}
`

// TestGuardSequence assembles the stackguard0 update of every architecture's
// switchTo into a small program, vets it, and runs it: natively for the
// host's architecture, under qemu-user for the others (skipped without
// qemu unless CI=true). The sequence is the one piece of the switchers that
// the example programs cannot drive on purpose: it matters only when the
// runtime posts its marker just before a switch.
func TestGuardSequence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the switchers are for linux")
	}
	var arches []string
	for name := range Archs() {
		arches = append(arches, name)
	}
	sort.Strings(arches)
	for _, name := range arches {
		t.Run(name, func(t *testing.T) {
			a := Archs()[name](Options{})
			emu := testutil.Emulator(t, name)
			// g goes to a register the sequence leaves alone, never to the
			// real g register: a signal would find a fake goroutine there.
			gReg := map[string]string{"amd64": "SI", "arm64": "R8", "riscv64": "A2"}[name]
			f := &Func{
				Name:   "guardCAS",
				Doc:    "guardCAS runs switchTo's stackguard0 update on gp for to.",
				Flags:  "NOSPLIT",
				Params: []Param{{"gp", "uintptr"}, {"to", "uintptr"}},
			}
			f.I(a.isa.mov, f.Arg("gp"), gReg)
			f.I(a.isa.mov, f.Arg("to"), a.isa.to)
			a.isa.guard(f, gReg)
			f.I("RET")
			asm, err := File(&Arch{GOARCH: name, Funcs: []*Func{f}}, "// guard sequence test")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for file, data := range map[string]string{
				"go.mod":               "module guardtest\n\ngo 1.26\n",
				"main.go":              guardMain,
				"guard_" + name + ".s": string(asm),
			} {
				if err := os.WriteFile(filepath.Join(dir, file), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := append(os.Environ(), "GOOS=linux", "GOARCH="+name, "GOFLAGS=-mod=mod")
			for _, args := range [][]string{{"vet", "."}, {"build", "-o", "guard", "."}} {
				cmd := exec.Command("go", args...)
				cmd.Dir, cmd.Env = dir, env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go %s: %v\n%s\n%s", strings.Join(args, " "), err, out, asm)
				}
			}
			exe := filepath.Join(dir, "guard")
			cmd := exec.Command(exe)
			if emu != "" {
				cmd = exec.Command(emu, exe)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s\n%s", err, out, asm)
			}
			t.Logf("%s", out)
		})
	}
}

package asmgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
)

func TestFileAndDecls(t *testing.T) {
	f := &Func{
		Name:     "swap",
		Doc:      "swap exchanges.",
		Flags:    "NOSPLIT",
		Params:   []Param{{"a", "*context"}, {"b", "*context"}},
		Results:  []Param{{"ret", "uintptr"}},
		NoEscape: true,
	}
	f.I("MOVQ", f.Arg("a"), "AX")
	f.I("MOVQ", f.Arg("b"), "BX")
	f.I("MOVQ", "AX", f.Arg("ret"))
	f.I("RET")
	a := &Arch{GOARCH: "amd64", Funcs: []*Func{f}, Consts: []Const{{Name: "k", Doc: "k is k.", Value: 3}}}
	asm, err := File(a, "// header")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"// func swap(a, b *context) uintptr\n",
		"TEXT ·swap(SB), NOSPLIT, $0-24\n",
		"\tMOVQ\ta+0(FP), AX\n",
		"\tMOVQ\tb+8(FP), BX\n",
		"\tMOVQ\tAX, ret+16(FP)\n",
	} {
		if !strings.Contains(string(asm), want) {
			t.Errorf("assembly lacks %q:\n%s", want, asm)
		}
	}
	jf := jen.NewFile("p")
	Decls(jf, a)
	var b bytes.Buffer
	if err := jf.Render(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"const k = 3", "//go:noescape\nfunc swap(a *context, b *context) uintptr"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("declarations lack %q:\n%s", want, b.String())
		}
	}
}

// TestUnknownArgument: a misspelt argument is an error from File, not a
// silently wrong offset.
func TestUnknownArgument(t *testing.T) {
	f := &Func{Name: "f", Flags: "NOSPLIT", Params: []Param{{"x", "uintptr"}}}
	f.I("MOVQ", f.Arg("y"), "AX")
	if _, err := File(&Arch{GOARCH: "amd64", Funcs: []*Func{f}}, "// h"); err == nil || !strings.Contains(err.Error(), `f has no argument "y"`) {
		t.Errorf("File: %v", err)
	}
}

// TestSwitchToIsFramelessLeaf: with gc: collect the SP that switchTo saves is
// published as syscallsp, and on arm64 and riscv64 the runtime's unwinder
// then reads the caller's return address from 0(syscallsp). That holds only
// while switchTo is a leaf with a $0 frame, which the assemblers leave
// without a prologue, so that the SP it sees is its caller's.
func TestSwitchToIsFramelessLeaf(t *testing.T) {
	if len(Archs()) == 0 {
		t.Fatal("no architectures")
	}
	for arch, newArch := range Archs() {
		a := newArch(Options{GC: true})
		found := 0
		for _, f := range a.Funcs {
			if f.Name != "switchTo" {
				continue
			}
			found++
			if f.Frame != 0 {
				t.Errorf("%s: switchTo has a $%d frame", arch, f.Frame)
			}
			for _, n := range f.Body {
				if in, ok := n.(*Instr); ok && (in.Op == "CALL" || in.Op == "BL" || in.Op == "JAL") {
					t.Errorf("%s: switchTo is not a leaf: %s %v", arch, in.Op, in.Args)
				}
			}
		}
		if found != 1 {
			t.Errorf("%s: %d functions named switchTo, want 1: nothing was checked", arch, found)
		}
	}
}

// TestDocPurpose: the first line of every function's doc, printed under its
// signature above TEXT, is a sentence of its own that says what it is for.
func TestDocPurpose(t *testing.T) {
	for arch, newArch := range Archs() {
		for _, opt := range []Options{{}, {GC: true}, {Preempt: true, Services: true}, {GC: true, Preempt: true}} {
			for _, f := range newArch(opt).Funcs {
				first, _, _ := strings.Cut(f.Doc, "\n")
				if !strings.HasPrefix(first, f.Name+" ") || !strings.HasSuffix(first, ".") || len(first) > 80 {
					t.Errorf("%s %+v: %s: the doc's first line is not a one-line purpose: %q", arch, opt, f.Name, first)
				}
			}
		}
	}
}

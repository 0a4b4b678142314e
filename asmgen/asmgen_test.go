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
	if _, err := File(&Arch{Funcs: []*Func{f}}, "// h"); err == nil || !strings.Contains(err.Error(), `f has no argument "y"`) {
		t.Errorf("File: %v", err)
	}
}

package asmgen

import (
	"bytes"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
)

// mixedFunc is a function whose parameters and results differ in size and
// alignment, written with each architecture's moves of the right widths:
// load[n] and store[n] move n bytes, r are four scratch registers.
func mixedFunc(load, store map[int]string, r [4]string) *Func {
	f := &Func{
		Name:    "mixed",
		Doc:     "mixed moves arguments of every size to its results.",
		Flags:   "NOSPLIT",
		Params:  []Param{{"a", "uint32"}, {"b", "bool"}, {"c", "uintptr"}, {"d", "uint8"}},
		Results: []Param{{"r1", "bool"}, {"r2", "uint32"}},
	}
	f.I(load[4], f.Arg("a"), r[0])
	f.I(load[1], f.Arg("b"), r[1])
	f.I(load[8], f.Arg("c"), r[2])
	f.I(load[1], f.Arg("d"), r[3])
	f.I(store[1], r[1], f.Arg("r1"))
	f.I(store[4], r[0], f.Arg("r2"))
	f.I("RET")
	return f
}

var mixedMoves = map[string]struct {
	load, store map[int]string
	r           [4]string
}{
	"amd64":   {map[int]string{1: "MOVB", 4: "MOVL", 8: "MOVQ"}, map[int]string{1: "MOVB", 4: "MOVL"}, [4]string{"AX", "BX", "CX", "DX"}},
	"arm64":   {map[int]string{1: "MOVBU", 4: "MOVWU", 8: "MOVD"}, map[int]string{1: "MOVB", 4: "MOVW"}, [4]string{"R0", "R1", "R2", "R3"}},
	"riscv64": {map[int]string{1: "MOVBU", 4: "MOVWU", 8: "MOV"}, map[int]string{1: "MOVB", 4: "MOVW"}, [4]string{"A0", "A1", "A2", "A3"}},
}

// TestMixedSizes: arguments get their own size and alignment (uint32 at 0,
// bool at 4, uintptr at 8, uint8 at 16), the results start at the next
// 8-byte boundary (24) and the argument size ends at the last byte (32).
func TestMixedSizes(t *testing.T) {
	for arch, m := range mixedMoves {
		asm, err := File(&Arch{GOARCH: arch, Funcs: []*Func{mixedFunc(m.load, m.store, m.r)}}, "// h")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"TEXT ·mixed(SB), NOSPLIT, $0-32\n",
			"a+0(FP), ", "b+4(FP), ", "c+8(FP), ", "d+16(FP), ", ", r1+24(FP)", ", r2+28(FP)",
		} {
			if !strings.Contains(string(asm), want) {
				t.Errorf("%s: assembly lacks %q:\n%s", arch, want, asm)
			}
		}
	}
	f := &Func{Name: "g", Flags: "NOSPLIT", Params: []Param{{"x", "bool"}}, Results: []Param{{"ok", "bool"}}}
	if offs, size, err := f.layout(mustSizes(t, "amd64")); err != nil || offs["ok"] != 8 || size != 9 {
		t.Errorf("func(x bool) (ok bool): offsets %v, size %d, %v; want ok at 8, size 9", offs, size, err)
	}
	f = &Func{Name: "h", Flags: "NOSPLIT", Params: []Param{{"x", "[2]int"}}}
	if _, _, err := f.layout(mustSizes(t, "amd64")); err == nil {
		t.Error("an array parameter: no error")
	}
}

// TestMixedSizesVet renders a package with mixedFunc for each architecture
// and runs go vet (asmdecl checks every name+offset(FP) and the argument
// size against the Go declaration) and go build on it. A copy with one
// offset moved must fail vet, so that the test shows vet checked something.
func TestMixedSizesVet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	var arches []string
	for arch := range mixedMoves {
		arches = append(arches, arch)
	}
	sort.Strings(arches)
	for _, arch := range arches {
		t.Run(arch, func(t *testing.T) {
			m := mixedMoves[arch]
			a := &Arch{GOARCH: arch, Funcs: []*Func{mixedFunc(m.load, m.store, m.r)}}
			asm, err := File(a, "// mixed sizes test")
			if err != nil {
				t.Fatal(err)
			}
			jf := jen.NewFile("mixed")
			Decls(jf, a)
			var decls bytes.Buffer
			if err := jf.Render(&decls); err != nil {
				t.Fatal(err)
			}
			run := func(asm string) (string, error) {
				dir := t.TempDir()
				for file, data := range map[string]string{
					"go.mod":               "module mixed\n\ngo 1.26\n",
					"mixed.go":             decls.String(),
					"mixed_" + arch + ".s": asm,
				} {
					if err := os.WriteFile(filepath.Join(dir, file), []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				var out []byte
				for _, args := range [][]string{{"vet", "."}, {"build", "."}} {
					cmd := exec.Command("go", args...)
					cmd.Dir = dir
					cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "GOFLAGS=-mod=mod")
					if out, err = cmd.CombinedOutput(); err != nil {
						return string(out), err
					}
				}
				return string(out), nil
			}
			if out, err := run(string(asm)); err != nil {
				t.Fatalf("%v\n%s\n%s", err, out, asm)
			}
			bad := strings.Replace(string(asm), "b+4(FP)", "b+5(FP)", 1)
			if out, err := run(bad); err == nil || !strings.Contains(out, "b+5(FP)") {
				t.Errorf("vet passed a wrong offset: %v\n%s", err, out)
			}
		})
	}
}

func mustSizes(t *testing.T, arch string) types.Sizes {
	sizes := types.SizesFor("gc", arch)
	if sizes == nil {
		t.Fatalf("no sizes for %s", arch)
	}
	return sizes
}

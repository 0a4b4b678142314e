package asmgen

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// effects are the test's own account of what each instruction the
// switchers use writes, apart from its printer's: dest, the last operand is
// written; implicit, registers written without being named ("all": every
// register, a call of Go code). An op missing here fails the test, so that a
// new instruction gets looked at.
type effect struct {
	dest     bool
	implicit []string
}

var effects = map[string]map[string]effect{
	"amd64": {
		"ADDQ": {dest: true}, "ANDL": {dest: true}, "ANDQ": {dest: true}, "DECQ": {dest: true},
		"IMULQ": {dest: true}, "INCQ": {dest: true}, "LEAL": {dest: true}, "LEAQ": {dest: true},
		"MOVB": {dest: true}, "MOVBQZX": {dest: true}, "MOVL": {dest: true}, "MOVLQSX": {dest: true},
		"MOVQ": {dest: true}, "ORQ": {dest: true}, "SHLQ": {dest: true}, "SHRQ": {dest: true},
		"SUBQ": {dest: true}, "POPQ": {dest: true, implicit: []string{"SP"}},
		"CMPXCHGQ": {dest: true, implicit: []string{"AX"}},
		"PUSHQ":    {implicit: []string{"SP"}}, "PUSHFQ": {implicit: []string{"SP"}},
		"POPFQ": {implicit: []string{"SP"}}, "ADJSP": {implicit: []string{"SP"}},
		"RDTSC":   {implicit: []string{"AX", "DX"}},
		"CPUID":   {implicit: []string{"AX", "BX", "CX", "DX"}},
		"SYSCALL": {implicit: []string{"AX", "CX", "R11"}},
		"CALL":    {implicit: []string{"all"}},
		"CMPB":    {}, "CMPL": {}, "CMPQ": {}, "JEQ": {}, "JHS": {}, "JLO": {}, "JLS": {}, "JMP": {}, "JNE": {},
		"INT": {}, "LOCK": {}, "NOP": {}, "NO_LOCAL_POINTERS": {}, "RET": {}, "UNDEF": {},
		"XSAVE64": {}, "XRSTOR64": {},
	},
	"arm64": {
		"ADD": {dest: true}, "LDAXR": {dest: true}, "MOVB": {dest: true}, "MOVD": {dest: true},
		"STLXR": {dest: true}, "STLRW": {dest: true}, "MRS": {dest: true},
		"CALL": {implicit: []string{"all"}},
		"BEQ":  {}, "CBNZ": {}, "CBZ": {}, "CMP": {}, "JMP": {}, "NO_LOCAL_POINTERS": {}, "RET": {}, "UNDEF": {},
	},
	"riscv64": {
		"ADD": {dest: true}, "AMOSWAPW": {dest: true}, "LRD": {dest: true}, "MOV": {dest: true},
		"MOVB": {dest: true}, "SCD": {dest: true}, "RDTIME": {dest: true},
		"CALL": {implicit: []string{"all"}},
		"BEQ":  {}, "BEQZ": {}, "BNEZ": {}, "JMP": {}, "NO_LOCAL_POINTERS": {}, "RET": {}, "UNDEF": {},
	},
}

// regNames are the registers the test counts, by architecture.
var regNames = map[string][]string{
	"amd64": {"AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"},
	"arm64": {"R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14",
		"R15", "R16", "R17", "R19", "R20", "R21", "R22", "R23", "R24", "R25", "R26", "R27", "R29", "R30", "RSP"},
	"riscv64": {"RA", "X2", "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "T0", "T1", "T2", "T3", "T4", "T5", "T6"},
}

// printedFunc is one TEXT of a printed file: its Clobbers line and its
// instructions, each op and operands.
type printedFunc struct {
	name     string
	clobbers string
	body     [][]string
}

func parsePrinted(asm string) []printedFunc {
	var fs []printedFunc
	clobbers := ""
	for _, l := range strings.Split(asm, "\n") {
		switch {
		case strings.HasPrefix(l, "// Clobbers: "):
			clobbers = strings.TrimPrefix(l, "// Clobbers: ")
		case strings.HasPrefix(l, "TEXT "):
			fs = append(fs, printedFunc{name: strings.Fields(l)[1], clobbers: clobbers})
			clobbers = ""
		case strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "\t//") && len(fs) > 0:
			l, _, _ = strings.Cut(l, "\t//")
			op, args, _ := strings.Cut(strings.TrimSpace(l), "\t")
			in := []string{op}
			if args != "" {
				in = append(in, strings.Split(args, ", ")...)
			}
			f := &fs[len(fs)-1]
			f.body = append(f.body, in)
		}
	}
	return fs
}

// TestClobbers: every function of every switcher states the registers it
// clobbers, and the Clobbers line as printed covers every register its body
// writes, by the test's own account of the instructions (effects). "none"
// must be true: each register the body writes, and with a call every
// register, ends restored from the stack slot the body saved it to.
func TestClobbers(t *testing.T) {
	var opts []Options
	for _, gc := range []bool{false, true} {
		opts = append(opts, Options{GC: gc}, Options{GC: gc, Preempt: true}, Options{GC: gc, Preempt: true, Services: true})
	}
	for arch, newArch := range Archs() {
		for _, opt := range opts {
			if opt.Preempt && arch != "amd64" {
				continue
			}
			asm, err := File(newArch(opt), "// h")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range parsePrinted(string(asm)) {
				checkClobbers(t, fmt.Sprintf("%s %+v %s", arch, opt, f.name), arch, f)
			}
		}
	}
}

func checkClobbers(t *testing.T, where, arch string, f printedFunc) {
	regs := regNames[arch]
	writes := map[string]bool{}
	for _, in := range f.body {
		e, ok := effects[arch][in[0]]
		if !ok {
			t.Errorf("%s: %s is not in the test's effects", where, in[0])
			continue
		}
		if e.dest && len(in) > 1 && slices.Contains(regs, in[len(in)-1]) {
			writes[in[len(in)-1]] = true
		}
		for _, r := range e.implicit {
			writes[r] = true
		}
	}
	stated, _, _ := strings.Cut(f.clobbers, " (")
	switch {
	case f.clobbers == "":
		t.Errorf("%s: no Clobbers line", where)
	case stated == "all registers":
	case stated == "none":
		for r := range writes {
			if r != "all" && r != "SP" && r != "RSP" && r != "X2" && !restored(f.body, r) {
				t.Errorf("%s: says it clobbers none, but %s is not restored", where, r)
			}
		}
		if writes["all"] {
			for _, r := range regs {
				if r != "SP" && r != "RSP" && r != "X2" && !restored(f.body, r) {
					t.Errorf("%s: says it clobbers none, calls, and does not restore %s", where, r)
				}
			}
		}
	default:
		names := strings.Split(stated, ", ")
		for r := range writes {
			if !slices.Contains(names, r) {
				t.Errorf("%s: writes %s, but Clobbers says %q", where, r, f.clobbers)
			}
		}
	}
}

// restored reports whether the last write of r in body loads it back from
// the stack slot an earlier instruction saved it to (MOVQ r, n(SP) ...
// MOVQ n(SP), r, or PUSHQ r ... POPQ r).
func restored(body [][]string, r string) bool {
	last := -1
	for i, in := range body {
		if len(in) > 1 && in[len(in)-1] == r && in[0] != "PUSHQ" {
			last = i
		}
	}
	if last < 0 {
		return false
	}
	in := body[last]
	for _, save := range body[:last] {
		switch {
		case in[0] == "POPQ" && save[0] == "PUSHQ" && save[1] == r:
			return true
		case in[0] == "MOVQ" && strings.HasSuffix(in[1], "(SP)") && save[0] == "MOVQ" && len(save) == 3 && save[1] == r && save[2] == in[1]:
			return true
		}
	}
	return false
}

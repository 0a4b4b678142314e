package main

import (
	"bytes"
	"cmp"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"go/format"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gthreadgen/gthreadgen/internal/goversion"
	"github.com/gthreadgen/gthreadgen/internal/model"
)

// Archs are the architectures whose facts must agree: every one gthreadgen
// emits a switcher for.
var Archs = model.Supported

// probeProgram is linked with the runtime whose facts are read; the runtime's
// types and constants are in its DWARF whatever the program does.
const probeProgram = `package main

import "runtime/debug"

func main() { debug.SetGCPercent(100) }
`

// Probe reads every fact of goversion.Facts from the toolchain (a GOTOOLCHAIN
// value, or "local").
func Probe(toolchain string) (goversion.Release, error) {
	var r goversion.Release
	env := append(os.Environ(), "GOTOOLCHAIN="+toolchain, "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=")
	out, err := command(env, "", "go", "env", "GOVERSION", "GOROOT")
	if err != nil {
		return r, err
	}
	lines := strings.Fields(out)
	if len(lines) != 2 {
		return r, fmt.Errorf("go env: %q", out)
	}
	goroot := lines[1]
	r.Toolchain = lines[0]
	if m := regexp.MustCompile(`^go1\.\d+`).FindString(r.Toolchain); m != "" {
		r.Version = m
	} else {
		return r, fmt.Errorf("toolchain %s is not a Go 1 release", r.Toolchain)
	}

	tmp, err := os.MkdirTemp("", "gthreadgen-probe")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	mod := "module probe\n\ngo " + strings.TrimPrefix(r.Version, "go") + "\n"
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(mod), 0o666); err != nil {
		return r, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "main.go"), []byte(probeProgram), 0o666); err != nil {
		return r, err
	}

	perArch := map[string]map[string]int64{}
	for _, arch := range Archs {
		exe := filepath.Join(tmp, "probe."+arch)
		if _, err := command(append(env, "GOARCH="+arch), tmp, "go", "build", "-o", exe, "."); err != nil {
			return r, err
		}
		v, err := readDWARF(exe)
		if err != nil {
			return r, fmt.Errorf("%s/%s: %w", r.Toolchain, arch, err)
		}
		perArch[arch] = v
	}
	r.Values = perArch[Archs[0]]
	for _, arch := range Archs[1:] {
		for _, f := range goversion.Facts {
			a, okA := r.Values[f.Name]
			b, okB := perArch[arch][f.Name]
			if okA && okB && a != b {
				return r, fmt.Errorf("%s (%s) is %d on %s but %d on %s: the generated runtime needs one value per release", f.Name, f.From, a, Archs[0], b, arch)
			}
		}
	}
	for _, f := range goversion.Facts {
		kind, arg, _ := strings.Cut(f.From, " ")
		switch kind {
		case "src":
			v, err := sourceConst(goroot, arg)
			if err != nil {
				return r, err
			}
			r.Values[f.Name] = v
		case "frame":
			v, err := asyncPreemptFrame(filepath.Join(goroot, "src", arg))
			if err != nil {
				return r, err
			}
			r.Values[f.Name] = v
		}
		if _, ok := r.Values[f.Name]; !ok {
			return r, fmt.Errorf("%s: %s not found in %s's runtime: the runtime changed; the templates need a look", f.Name, f.From, r.Toolchain)
		}
	}
	return r, nil
}

func command(env []string, dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Dir = env, dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}

// readDWARF reads the DWARF facts ("runtime.g.stack.lo", "sizeof ...",
// "const ...") of the executable.
func readDWARF(exe string) (map[string]int64, error) {
	ef, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	d, err := ef.DWARF()
	if err != nil {
		return nil, err
	}
	structs := map[string]*dwarf.StructType{}
	consts := map[string]int64{}
	rd := d.Reader()
	for {
		e, err := rd.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		switch e.Tag {
		case dwarf.TagStructType:
			if _, dup := structs[name]; !dup && name != "" {
				t, err := d.Type(e.Offset)
				if err != nil {
					return nil, err
				}
				if st, ok := t.(*dwarf.StructType); ok {
					structs[name] = st
				}
			}
			rd.SkipChildren()
		case dwarf.TagConstant:
			if v, ok := e.Val(dwarf.AttrConstValue).(int64); ok {
				consts[name] = v
			}
		}
	}
	values := map[string]int64{}
	for _, f := range goversion.Facts {
		kind, arg, found := strings.Cut(f.From, " ")
		switch {
		case !found:
			if v, ok := fieldOffset(structs, f.From); ok {
				values[f.Name] = v
			}
		case kind == "sizeof":
			if st, ok := structs[arg]; ok {
				values[f.Name] = st.ByteSize
			}
		case kind == "const":
			if v, ok := consts[arg]; ok {
				values[f.Name] = v
			}
		}
	}
	return values, nil
}

// fieldOffset resolves "runtime.g.stack.lo": the struct runtime.g, its field
// stack, that field's field lo; the offset from the start of runtime.g.
func fieldOffset(structs map[string]*dwarf.StructType, path string) (int64, bool) {
	parts := strings.Split(path, ".")
	if len(parts) < 3 {
		return 0, false
	}
	st, ok := structs[parts[0]+"."+parts[1]]
	if !ok {
		return 0, false
	}
	var off int64
	for i, name := range parts[2:] {
		var field *dwarf.StructField
		for _, f := range st.Field {
			if f.Name == name {
				field = f
			}
		}
		if field == nil {
			return 0, false
		}
		off += field.ByteOffset
		if i == len(parts)-3 {
			return off, true
		}
		t := field.Type
		for {
			td, ok := t.(*dwarf.TypedefType)
			if !ok {
				break
			}
			t = td.Type
		}
		if st, ok = t.(*dwarf.StructType); !ok {
			return 0, false
		}
	}
	return 0, false
}

// sourceConst reads "runtime/stack.go stackPreempt": a constant the DWARF
// does not carry, `name = uintptrMask & -N` (or `= N`), as an int64.
func sourceConst(goroot, arg string) (int64, error) {
	file, name, _ := strings.Cut(arg, " ")
	src, err := os.ReadFile(filepath.Join(goroot, "src", file))
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `\s*=\s*(?:uintptrMask\s*&\s*)?(-?\d+)\b`).FindSubmatch(src)
	if m == nil {
		return 0, fmt.Errorf("%s: no constant %s of the form `%s = uintptrMask & -N`", file, name, name)
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

// asyncPreemptFrame reads runtime.asyncPreempt's stack use up to its call of
// asyncPreempt2 from the runtime's assembly: 8 bytes per PUSHQ/PUSHFQ and
// the ADJSP amount.
func asyncPreemptFrame(path string) (int64, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	text := string(src)
	start := strings.Index(text, "TEXT ·asyncPreempt(SB)")
	if start < 0 {
		return 0, fmt.Errorf("%s: no TEXT ·asyncPreempt(SB)", path)
	}
	var frame int64
	for _, line := range strings.Split(text[start:], "\n")[1:] {
		f := strings.Fields(strings.SplitN(line, "//", 2)[0])
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PUSHQ", "PUSHFQ":
			frame += 8
		case "ADJSP":
			n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSuffix(f[1], ","), "$"), 0, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %q: %v", path, line, err)
			}
			frame += n
		case "CALL":
			if strings.Contains(line, "asyncPreempt2") {
				return frame, nil
			}
		}
	}
	return 0, fmt.Errorf("%s: asyncPreempt does not call asyncPreempt2", path)
}

// fileName is the table's file: go1_27.go.
func fileName(version string) string {
	return strings.ReplaceAll(version, ".", "_") + ".go"
}

// Table renders the Go source of the release's table.
func Table(r goversion.Release) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by go run ./internal/goversion/probe -go %s. DO NOT EDIT.\n\n", r.Toolchain)
	fmt.Fprintf(&b, "package goversion\n\n")
	fmt.Fprintf(&b, "func init() {\n\tregister(Release{\n\t\tVersion:   %q,\n\t\tToolchain: %q,\n\t\tValues: map[string]int64{\n", r.Version, r.Toolchain)
	order := map[string]int{}
	for i, f := range goversion.Facts {
		order[f.Name] = i
	}
	names := slices.SortedFunc(maps.Keys(r.Values), func(a, b string) int { return cmp.Compare(order[a], order[b]) })
	for _, n := range names {
		fmt.Fprintf(&b, "\t\t\t%q: %d,\n", n, r.Values[n])
	}
	fmt.Fprintf(&b, "\t\t},\n\t})\n}\n")
	return format.Source(b.Bytes())
}

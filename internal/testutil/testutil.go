// Package testutil holds what the repository's tests share: running binaries
// of the other architectures gthreadgen emits under qemu-user, from the
// suite (Emulator) and from a test binary running under it (Command).
package testutil

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// EmulatorEnv names the environment variable that carries the command
// running a binary of a foreign architecture; the stack_overflow example and
// the conformance tests (through Command) re-execute themselves through it.
const EmulatorEnv = "GTHREADGEN_EMULATOR"

// Command runs exe, a binary of the architecture this process runs as (its
// own test binary, os.Args[0], or one built for runtime.GOARCH), with args.
// Under qemu-user (go test -exec qemu-aarch64) such a binary is one of
// another architecture that the kernel cannot run without binfmt_misc, so
// the command named by $GTHREADGEN_EMULATOR (for example "qemu-aarch64"),
// when set, runs it.
func Command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	if emu := strings.Fields(os.Getenv(EmulatorEnv)); len(emu) > 0 {
		return exec.CommandContext(ctx, emu[0], slices.Concat(emu[1:], []string{exe}, args)...)
	}
	return exec.CommandContext(ctx, exe, args...)
}

// RunTest runs test name of the test binary exe (through Command) verbosely,
// with env added to this process's environment, and returns its combined
// output. It fails when the child fails, and also when the child ran no test
// of that name: a renamed test leaves only "no tests to run", and a child
// that checked nothing would pass.
func RunTest(ctx context.Context, exe, name string, env ...string) ([]byte, error) {
	cmd := Command(ctx, exe, "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil && !strings.Contains(string(out), "=== RUN   "+name+"\n") {
		err = fmt.Errorf("the child ran no test %s", name)
	}
	return out, err
}

// qemuUser names the qemu-user binary for each GOARCH gthreadgen emits.
var qemuUser = map[string]string{"amd64": "qemu-x86_64", "arm64": "qemu-aarch64", "riscv64": "qemu-riscv64"}

// Emulator returns the path of the qemu-user binary that runs linux/arch
// binaries here, or "" for the host's own architecture. Without it t is
// skipped with a note, or fails when CI=true: CI must run every architecture.
func Emulator(t testing.TB, arch string) string {
	t.Helper()
	if arch == runtime.GOARCH {
		return ""
	}
	name, ok := qemuUser[arch]
	if !ok {
		t.Fatalf("no qemu-user binary known for GOARCH=%s", arch)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s is not installed, so linux/%s cannot run here (apt-get install qemu-user)", name, arch)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip(msg)
	}
	return path
}

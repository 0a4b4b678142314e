// Package testutil holds what the repository's tests share: running binaries
// of the other architectures gthreadgen emits under qemu-user.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// EmulatorEnv names the environment variable that carries the command
// running a binary of a foreign architecture; the stack_overflow example and
// the max tests re-execute themselves through it.
const EmulatorEnv = "GTHREADGEN_EMULATOR"

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

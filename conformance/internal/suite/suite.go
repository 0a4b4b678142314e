// Package suite holds what the packages of the conformance suite share:
// collecting failures inside green threads, and building and running the
// example programs in generated_examples/ for the architecture under test.
// Re-executing a test binary under qemu-user is internal/testutil.Command.
package suite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gthreadgen/gthreadgen/internal/testutil"
)

// Errors collects failures found inside threads, to report after Run:
// t.Fatal inside a thread would call runtime.Goexit, which ends the Run.
type Errors []string

// Add records a failure.
func (l *Errors) Add(format string, args ...any) { *l = append(*l, fmt.Sprintf(format, args...)) }

// Report reports every failure recorded, with t.Error.
func (l Errors) Report(t testing.TB) {
	t.Helper()
	for _, e := range l {
		t.Error(e)
	}
}

// GoTool returns the go command of the toolchain running the test, so that
// GOTOOLCHAIN=go1.27.3 go test builds with Go 1.27 throughout.
func GoTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Root returns the repository's root: the nearest directory above the
// working directory (the test's package) that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
	return dir
}

// ExampleDir returns the directory of the example name:
// generated_examples/<name>, with its program, generated package and
// expected_output.txt.
func ExampleDir(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(Root(t), "generated_examples", name)
}

// BuildExample builds the program of the example name for linux and the
// architecture this test runs as (under qemu-user too: the go command itself
// runs natively), with DWARF, and returns the executable's path.
func BuildExample(t testing.TB, name string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), name)
	build := exec.Command(GoTool(), "build", "-o", exe, ".")
	build.Dir = ExampleDir(t, name)
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./generated_examples/%s: %v\n%s", name, err, out)
	}
	return exe
}

// ExampleOutput builds and runs the program of the example name and
// returns what it printed on stdout; it fails t when the program fails.
func ExampleOutput(t testing.TB, name string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := testutil.Command(context.Background(), BuildExample(t, name))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("generated_examples/%s: %v\n%s", name, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

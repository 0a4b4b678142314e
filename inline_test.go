package gthreadgen_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hotInlined are the functions of a generated package that its switch paths
// (Yield, the scheduler, gc: collect's fast switch, the recorder) call on
// every switch and that must be inlined there: each call would cost about a
// tenth of a switch, and the compiler says nothing when a template change
// pushes one over its budget (pick with mutexes did, unnoticed).
var hotInlined = []string{
	"(*Runtime).self",
	"(*Runtime).pick",
	"(*Runtime).ready",
	"(*Runtime).unready",
	"(*Runtime).enter",
	"(*Runtime).joinable",
	"(*thread).overflowed",
	"(*gcState).mlocks",
	"(*gcState).profiling",
	"(*gcState).preemptPoint",
	"(*gcState).switched",
	"describeStack",
	"(*recorder).put",
	"account",
}

// TestHotPathInlines compiles every generated package with -gcflags=-m=2 and
// fails for each function of hotInlined that the compiler declines to inline.
func TestHotPathInlines(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every example")
	}
	var pkgs []string
	for _, ex := range examples(t) {
		pkgs = append(pkgs, "./"+filepath.ToSlash(ex.pkgDir))
	}
	// One go command for all: the compiler's diagnostics are replayed from
	// the build cache when the packages are up to date.
	out, err := exec.Command("go", append([]string{"build", "-gcflags=-m=2"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var seen int
	for _, fn := range hotInlined {
		re := regexp.MustCompile(`(?m)^(\S+): (can|cannot) inline ` + regexp.QuoteMeta(fn) + `( |:)(.*)$`)
		for _, m := range re.FindAllStringSubmatch(string(out), -1) {
			seen++
			if m[2] == "cannot" {
				t.Errorf("%s: %s is not inlined:%s", m[1], fn, strings.TrimPrefix(m[4], ":"))
			}
		}
	}
	if seen < len(pkgs) {
		t.Fatalf("found %d verdicts on %d packages in the compiler's output: did its format change?\n%s", seen, len(pkgs), out)
	}
}

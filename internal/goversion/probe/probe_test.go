package main

import (
	"os"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gthreadgen/gthreadgen/internal/goversion"
)

// TestTableOfThisRelease probes the toolchain the test runs with and
// compares the result with the table the generator uses for its release:
// run under every supported Go release (CI does), it keeps every table true.
func TestTableOfThisRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a probe for three architectures")
	}
	got, err := Probe(runtime.Version())
	if err != nil {
		t.Fatal(err)
	}
	want, ok := goversion.Lookup(runtime.Version())
	if !ok {
		t.Fatalf("%s has no table (supported: %s): run go run ./internal/goversion/probe -go %s, review the new table, run the suite",
			runtime.Version(), goversion.Names(goversion.Releases), runtime.Version())
	}
	if diff := cmp.Diff(want.Values, got.Values); diff != "" {
		t.Errorf("the table of %s (probed from %s) differs from what %s's runtime says (-table +probe):\n%s\nrun go run ./internal/goversion/probe -go %s",
			want.Version, want.Toolchain, runtime.Version(), diff, runtime.Version())
	}
	if got.Version != want.Version {
		t.Errorf("probe says release %s, table %s", got.Version, want.Version)
	}
}

// TestEveryFactIsRead: every table holds every fact, and nothing else.
func TestEveryFactIsRead(t *testing.T) {
	if len(goversion.Releases) < 2 {
		t.Fatalf("releases %v: the current and the previous Go release are supported", goversion.Names(goversion.Releases))
	}
	for _, r := range goversion.Releases {
		if len(r.Values) != len(goversion.Facts) {
			t.Errorf("%s: %d values for %d facts", r.Version, len(r.Values), len(goversion.Facts))
		}
		for _, f := range goversion.Facts {
			if _, ok := r.Values[f.Name]; !ok {
				t.Errorf("%s: no value for %s", r.Version, f.Name)
			}
		}
	}
}

func TestAsyncPreemptFrameParser(t *testing.T) {
	// A negative control for the parser: a frame the runtime never had.
	dir := t.TempDir()
	src := "TEXT ·asyncPreempt(SB),NOSPLIT|NOFRAME,$0-0\n\tPUSHQ BP\n\tMOVQ SP, BP\n\tPUSHFQ\n\tADJSP $64\n\tMOVQ AX, 0(SP)\n\tCALL ·asyncPreempt2(SB)\n"
	path := dir + "/preempt_amd64.s"
	if err := os.WriteFile(path, []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	got, err := asyncPreemptFrame(path)
	if err != nil || got != 80 {
		t.Errorf("asyncPreemptFrame = %d, %v; want 80", got, err)
	}
}

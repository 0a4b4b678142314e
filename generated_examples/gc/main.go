// Command gc runs the runtime generated from configs/gc.yaml (gc: collect):
// four threads keep lists, maps and slices of pointers only on their own
// stacks across thousands of switches, while another goroutine allocates and
// calls runtime.GC in a loop; every structure is checked after every switch.
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/gc.yaml -out rtos

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gthreadgen/gthreadgen/generated_examples/gc/rtos"
)

const rounds = 2000

func main() {
	rt, err := rtos.New(rtos.Threads{})
	if errors.Is(err, rtos.ErrStackShrink) && os.Getenv("GC_EXAMPLE_REEXEC") == "" {
		// The setting must be in the environment when the process starts.
		fmt.Println("New: GODEBUG=gcshrinkstackoff=1 is missing; re-executing with it")
		os.Exit(reexec())
	}
	if err == nil || err.Error() != "rtos: threads without a function: Lists, Maps, Pointers, Strings" {
		fmt.Fprintln(os.Stderr, "unexpected:", err)
		os.Exit(1)
	}

	var stop atomic.Bool
	var gcs atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go pressure(done, &wg, &gcs)
	results := make([]string, rtos.NumThreads)
	body := func(rt *rtos.Runtime) {
		self, _ := rt.Self()
		yield := func() { rt.Yield() }
		n, err := stressBody(int(self), rounds, yield, &stop)
		if err != nil {
			panic(err)
		}
		// Keep switching until the collector has run a few times while
		// every thread was alive.
		for gcs.Load() < 10 {
			rt.Yield()
		}
		results[self] = fmt.Sprintf("%s: %d rounds, list, map and slice intact after every switch", self, n)
	}
	rt, err = rtos.New(rtos.Threads{Lists: body, Maps: body, Pointers: body, Strings: body})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	before := gcs.Load()
	if err := rt.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	close(done)
	wg.Wait()
	for _, r := range results {
		fmt.Println(r)
	}
	fmt.Println("the collector ran during Run:", gcs.Load()-before >= 10)
	runtime.KeepAlive(rt)
}

// reexec runs this program again with gcshrinkstackoff in its environment
// and returns its exit code.
func reexec() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	if emu := strings.Fields(os.Getenv("GTHREADGEN_EMULATOR")); len(emu) > 0 {
		// Under qemu-user without binfmt_misc the kernel cannot run this
		// binary itself: re-execute it through the emulator it runs under.
		cmd = exec.Command(emu[0], slices.Concat(emu[1:], []string{exe}, os.Args[1:])...)
	}
	cmd.Env = append(os.Environ(), "GODEBUG="+os.Getenv("GODEBUG")+",gcshrinkstackoff=1", "GC_EXAMPLE_REEXEC=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

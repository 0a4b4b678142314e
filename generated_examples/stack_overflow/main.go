// Command stack_overflow runs the runtime generated from
// configs/stack_overflow.yaml and shows both ways a thread can run out of
// stack: writing below it (caught by the canary, Run returns an error) and
// recursing in Go (the Go runtime ends the program; shown in a child process).
package main

//go:generate go run ../../cmd/gthreadgen -config ../../configs/stack_overflow.yaml -out rtos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"unsafe"

	"github.com/gthreadgen/gthreadgen/generated_examples/stack_overflow/rtos"
)

const childEnv = "STACK_OVERFLOW_EXAMPLE_CHILD"

// emulatorEnv names the command that runs a binary of this program's
// architecture, such as qemu-aarch64, when the program runs under one.
const emulatorEnv = "GTHREADGEN_EMULATOR"

// recurse uses about 300 bytes of stack per call.
//
//go:noinline
func recurse(n int) int {
	var buf [256]byte
	buf[n%len(buf)] = byte(n)
	if n == 0 {
		return 0
	}
	return recurse(n-1) + int(buf[(n+1)%len(buf)])
}

func threads() rtos.Threads {
	return rtos.Threads{
		// scribbler writes the word just below its stack, as code without Go's
		// stack checks (assembly, a miscounted buffer) would.
		Scribbler: func(rt *rtos.Runtime) {
			var local byte
			lo := rt.Stats().Threads[rtos.Scribbler].StackLo
			below := unsafe.Add(unsafe.Pointer(&local), -int(uintptr(unsafe.Pointer(&local))-lo)-64)
			*(*uint64)(below) = 0 // the lowest word of the stack region: its canary
			rt.Yield()            // the canary is checked here
			fmt.Println("scribbler: never printed")
		},
		// deep recurses far beyond its 8 KiB stack.
		Deep: func(rt *rtos.Runtime) {
			fmt.Println("deep: recursing 1000 calls deep on an 8 KiB stack")
			fmt.Println(recurse(1000))
		},
		Bystander: func(rt *rtos.Runtime) {
			fmt.Println("bystander: running")
			rt.Yield()
			fmt.Println("bystander: done")
		},
	}
}

func main() {
	if os.Getenv(childEnv) != "" {
		rt, err := rtos.New(threads())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		rt.Activate(rtos.Deep)
		fmt.Println("child: Run returned", rt.Run())
		return
	}

	fmt.Println("1. a thread writes below its stack")
	rt, err := rtos.New(threads())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	rt.Activate(rtos.Scribbler)
	rt.Activate(rtos.Bystander)
	err = rt.Run()
	var overflow *rtos.StackOverflowError
	fmt.Printf("Run returned: %v\n", err)
	fmt.Printf("errors.As(err, *StackOverflowError): %v, thread %s\n", errors.As(err, &overflow), overflow.Thread)

	fmt.Println()
	fmt.Println("2. a thread recurses beyond its stack (in a child process)")
	cmd := exec.Command(os.Args[0])
	if emu := strings.Fields(os.Getenv(emulatorEnv)); len(emu) > 0 {
		// Under qemu-user without binfmt_misc the kernel cannot run this
		// binary itself: re-execute it through the emulator it runs under.
		cmd = exec.Command(emu[0], append(emu[1:], os.Args[0])...)
	}
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	fmt.Print(stdout.String())
	code := -1
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	fmt.Printf("child exit status %d, first line of its report: %s\n", code, first)
	fmt.Printf("its traceback names the recursing function: %v\n", strings.Contains(stderr.String(), "main.recurse("))
}

// Command probe reads the Go runtime facts gthreadgen relies on from a Go
// toolchain and writes them as the table of that release:
//
//	go run ./internal/goversion/probe -go go1.27.3
//
// writes internal/goversion/go1_27.go. It builds a small program with that
// toolchain for every architecture gthreadgen emits, reads the field offsets,
// struct sizes and constants listed in goversion.Facts from the program's
// DWARF, the few that the DWARF lacks from the toolchain's runtime sources,
// and fails when an architecture disagrees or a fact is missing. -go local
// (the default) probes the go command on PATH.
//
// Review the diff of a new table against the previous release's: a moved
// offset is handled by the table alone, a changed meaning (a field that is
// gone, a new status value) needs a change to the runtime templates.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	toolchain := flag.String("go", "local", "the Go toolchain to probe (a GOTOOLCHAIN value such as go1.27.3)")
	dir := flag.String("dir", "internal/goversion", "the `directory` to write the table into")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: probe [-go go1.27.3] [-dir internal/goversion]")
		os.Exit(2)
	}
	r, err := Probe(*toolchain)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	src, err := Table(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	name := filepath.Join(*dir, fileName(r.Version))
	if err := os.WriteFile(name, src, 0o666); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	fmt.Printf("probe: %s (%s): %d facts written to %s\n", r.Version, r.Toolchain, len(r.Values), name)
}

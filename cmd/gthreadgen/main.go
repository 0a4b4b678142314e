// Command gthreadgen generates a green-thread runtime package from a YAML
// config.
//
// Usage:
//
//	gthreadgen [-config rtos.yaml] [-out dir] [-check]
//	gthreadgen -version | -schema
//	gthreadgen trace [-o timeline.html] [-title title] trace.json
//
// -config names the config (default rtos.yaml) and -out the directory to
// write the package into (default ".", the directory go generate runs it in):
//
//	gthreadgen -config rtos.yaml -out ./rtos
//
// Only files whose bytes change are rewritten, and only files carrying
// gthreadgen's own header are removed; a config error writes nothing. -check
// writes nothing and lists every file that is missing, stale or left over
// from an earlier generation.
//
// In a module, record it as a tool and run it from a go:generate directive:
//
//	go get -tool github.com/gthreadgen/gthreadgen/cmd/gthreadgen@latest
//	//go:generate go tool gthreadgen -config rtos.yaml
//
// gthreadgen -version prints the tool's version and the Go releases the
// generated packages build with (the current and the previous Go release).
// gthreadgen -schema prints the config's JSON Schema, for editors. The config
// is described in docs/config.md of the repository.
//
// gthreadgen trace [-o timeline.html] [-title title] trace.json turns the
// JSON that a generated runtime's WriteTrace wrote into one self-contained
// HTML timeline page that opens offline in any browser (docs/tracing.md).
//
// It exits 0 on success, 1 on a config error or a stale -check (or an
// unreadable trace), and 2 on a usage error.
package main

import (
	"os"

	"github.com/gthreadgen/gthreadgen/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Command gthreadgen generates a green-thread runtime package from a YAML
// config. Run it in the output directory (as go generate does), or give -out:
//
//	gthreadgen -config rtos.yaml -out ./rtos
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
// gthreadgen trace [-o timeline.html] [-title title] trace.json turns what a
// generated runtime's WriteTrace wrote into a self-contained HTML timeline
// (docs/tracing.md).
//
// It exits 0 on success, 1 on a config error or a stale -check, and 2 on a
// usage error.
package main

import (
	"os"

	"github.com/gthreadgen/gthreadgen/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

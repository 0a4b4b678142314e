// Package cli is gthreadgen's command line: flags, reading the config, calling
// the pipeline (gthreadgen.Generate) and the writer that touches only files
// whose bytes changed.
package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/gthreadgen/gthreadgen"
	"github.com/gthreadgen/gthreadgen/internal/config"
	"github.com/gthreadgen/gthreadgen/internal/emit"
)

const usage = `usage: gthreadgen [-config rtos.yaml] [-out dir] [-check] | -version | -schema
       gthreadgen trace [-o timeline.html] [-title title] trace.json

gthreadgen reads a thread configuration and writes a Go package with a static
thread table, stacks, scheduler and assembly context switcher for it. The
config is described in docs/config.md of the gthreadgen repository; -schema
prints its JSON Schema. gthreadgen trace turns a runtime's trace into a
timeline page (gthreadgen trace -h).

`

const usageFooter = `
Exit codes: 0 done, 1 config error or stale output (-check), 2 usage error.
`

// Main runs the command and returns its exit code: 0 done, 1 config error or
// stale output, 2 usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "trace" {
		return traceMain(args[1:], stderr)
	}
	fl := flag.NewFlagSet("gthreadgen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, usage)
		fl.PrintDefaults()
		fmt.Fprint(stderr, usageFooter)
	}
	cfgPath := fl.String("config", "rtos.yaml", "the YAML `file` describing the threads")
	out := fl.String("out", ".", "the `directory` to write the package into")
	check := fl.Bool("check", false, "write nothing; exit 1 and list the files that are missing, stale or left over")
	version := fl.Bool("version", false, "print gthreadgen's version and the Go releases it supports, and exit")
	schema := fl.Bool("schema", false, "print the config's JSON Schema (for editors), and exit")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *version {
		printVersion(stdout)
		return 0
	}
	if *schema {
		stdout.Write(config.Schema())
		return 0
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "gthreadgen: unexpected argument %q (the config is given with -config)\n", fl.Arg(0))
		fl.Usage()
		return 2
	}

	data, err := readConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "gthreadgen: %v\n", err)
		return 1
	}
	files, err := gthreadgen.Generate(*cfgPath, data)
	if err != nil {
		var list config.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(stderr, e)
			}
			fmt.Fprintf(stderr, "gthreadgen: %d error(s) in %s; nothing written\n", len(list), *cfgPath)
			return 1
		}
		fmt.Fprintf(stderr, "gthreadgen: %v\n", err)
		return 1
	}

	if !*check {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(stderr, "gthreadgen: %v\n", err)
			return 1
		}
	}
	defer lockDir(*out, !*check)()
	changes, err := Plan(*out, files)
	if err != nil {
		fmt.Fprintf(stderr, "gthreadgen: %v\n", err)
		return 1
	}
	if *check {
		if len(changes) == 0 {
			return 0
		}
		for _, c := range changes {
			fmt.Fprintf(stderr, "%s: %s\n", filepath.Join(*out, c.Name), c.Why)
		}
		fmt.Fprintf(stderr, "gthreadgen: %d file(s) out of date; run gthreadgen -config %s -out %s\n", len(changes), *cfgPath, *out)
		return 1
	}
	if err := Apply(*out, changes); err != nil {
		fmt.Fprintf(stderr, "gthreadgen: %v\n", err)
		return 1
	}
	return 0
}

// readConfig reads at most one byte more than config.MaxConfigSize, enough
// for Parse to report a file that is too large (/dev/zero included) as a
// config error.
func readConfig(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, config.MaxConfigSize+1))
}

// Change is one file to write or remove.
type Change struct {
	Name string
	Data []byte // nil: remove
	Why  string // "missing", "stale" or "left over"
}

// Plan compares files with the directory: files missing or different are to be
// written; generated files (by their whole header line, see emit.IsOwn) that
// are no longer produced, such as the switcher of an architecture dropped from
// the config, are to be removed. Hand-written files are never touched.
func Plan(dir string, files []emit.File) ([]Change, error) {
	var changes []Change
	want := map[string]bool{}
	for _, f := range files {
		want[f.Name] = true
		old, err := os.ReadFile(filepath.Join(dir, f.Name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{f.Name, f.Data, "missing"})
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Data):
			changes = append(changes, Change{f.Name, f.Data, "stale"})
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if want[name] || e.IsDir() || !(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".s")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir: nothing to do
		} else if err != nil {
			return nil, err
		}
		if emit.IsOwn(data) {
			changes = append(changes, Change{name, nil, "left over"})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	return changes, nil
}

// tempFile matches the names of Apply's temporary files: "." + the name of
// a generated file + "." + CreateTemp's random digits + ".tmp".
var tempFile = regexp.MustCompile(`^\.[^/]+\.(go|s)\.[0-9]+\.tmp$`)

// Apply carries out changes. Each file is written to a temporary file in dir
// and renamed over the old one, so a reader never sees half a file. First it
// removes temporary files of its own that a run killed before its rename left
// behind (Main holds the directory's lock, so no other run is writing them);
// it touches no other name. A file to remove that is already gone is fine.
func Apply(dir string, changes []Change) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() && tempFile.MatchString(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range changes {
		path := filepath.Join(dir, c.Name)
		if c.Data == nil {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			continue
		}
		if err := writeAtomic(path, c.Data); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic writes path through a temporary file beside it
// (.<name>.<digits>.tmp, the pattern a later run cleans up after a kill) and
// a rename, so a reader never sees half a file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

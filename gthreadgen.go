// Package gthreadgen generates fixed-size green-thread runtimes for Go from a
// YAML description of the threads. The pipeline runs one way:
//
//	parse + validate (internal/config) -> model (internal/model)
//	-> emit (internal/emit, internal/asmgen, templates) -> write (internal/cli)
//
// Generate is the whole pipeline short of the disk; cmd/gthreadgen adds the
// command line and the writer.
package gthreadgen

import (
	"github.com/gthreadgen/gthreadgen/internal/emit"
	"github.com/gthreadgen/gthreadgen/internal/model"
)

// File is one generated file: a name inside the output directory and its bytes.
type File = emit.File

// Generate turns the config text (file names it in messages and headers) into
// the files of the generated package, sorted by name. A config error is a
// config.ErrorList holding every problem found.
func Generate(file string, data []byte) ([]File, error) {
	m, err := model.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return emit.Files(m)
}

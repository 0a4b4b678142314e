// Package templates holds the fixed text of the generated runtime: the parts
// of the Go code that do not depend on the configuration beyond the package
// name and a few feature switches. Config-dependent declarations are emitted
// with jennifer (internal/emit); assembly comes from internal/asmgen.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/gthreadgen/gthreadgen/internal/model"
)

//go:embed *.go.tmpl
var files embed.FS

var all = template.Must(template.New("").Delims("<%", "%>").Option("missingkey=error").ParseFS(files, "*.go.tmpl"))

// Data is what the templates may use: the model's features and the few
// strings only text needs.
type Data struct {
	Header      string // the "Code generated" line and the file's build constraint
	Package     string
	TimeSliceGo string // the time slice as a Go expression ("10 * time.Millisecond")
	model.Features
}

// Names lists the file templates, sorted; each renders the file of the same
// name without ".tmpl". Templates defined inside them (fragments used in more
// than one place) are not files.
func Names() []string {
	var names []string
	for _, t := range all.Templates() {
		if strings.HasSuffix(t.Name(), ".go.tmpl") {
			names = append(names, t.Name())
		}
	}
	slices.Sort(names)
	return names
}

// Render executes the named template.
func Render(name string, d Data) ([]byte, error) {
	var b bytes.Buffer
	if err := all.ExecuteTemplate(&b, name, d); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return b.Bytes(), nil
}

// The templates use <% %> as delimiters: Go composite literals are full of {{.

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
)

//go:embed *.go.tmpl
var files embed.FS

var all = template.Must(template.New("").Delims("<%", "%>").Option("missingkey=error").ParseFS(files, "*.go.tmpl"))

// Data is what the templates may use.
type Data struct {
	Header  string // the "Code generated" line and the file's build constraint
	Package string
	Guard   bool // guard pages below the stacks
	// Preempt is time-slice preemption; TimeSliceGo the slice as a Go
	// expression ("10 * time.Millisecond").
	Preempt bool
	// OnePriority: every thread has priority Priority and no mutex ceiling
	// can change it, so the scheduler's pick needs no priority levels.
	OnePriority bool
	Priority    int
	TimeSliceGo string
	// GCCollect is gc: collect: holders publish suspended stacks to the
	// collector (gc.go.tmpl) instead of pausing it.
	GCCollect bool

	// The services the config uses; services.go.tmpl is rendered only when
	// Services is true, and emits only the kinds used.
	Services   bool // Sleep, SleepUntil and timeouts: any service
	Semaphores bool
	Mutexes    bool
	Queues     bool
	Events     bool
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

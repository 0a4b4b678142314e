package gthreadgen_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/gthreadgen/gthreadgen/internal/emit"
	"github.com/gthreadgen/gthreadgen/templates"
)

// TestStaticPackage keeps templates/static a package that compiles: its
// static runtime files plus what gthreadgen generates from
// templates/static/static.yaml, less the copies of those static files. With
// -update it rewrites the generated part. go vet ./... and the build of the
// module then check the static files as written; a static file that needs a
// feature static.yaml leaves out does not compile there.
func TestStaticPackage(t *testing.T) {
	dir := filepath.Join("templates", "static")
	static := templates.Static()
	var rest []emit.File
	for _, f := range generate(t, filepath.Join(dir, "static.yaml")) {
		if !slices.Contains(static, f.Name) {
			rest = append(rest, f)
		}
	}
	if len(rest) == 0 {
		t.Fatal("static.yaml generates nothing but the static files")
	}
	golden(t, dir, rest, "TestStaticPackage")
}

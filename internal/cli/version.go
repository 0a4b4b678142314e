package cli

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/gthreadgen/gthreadgen/internal/goversion"
	"github.com/gthreadgen/gthreadgen/internal/model"
)

// printVersion writes the -version text: the tool's version and the Go
// releases and architectures the packages it generates build for.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "gthreadgen %s\n", toolVersion())
	var gos []string
	for i := range goversion.Releases {
		gos = append(gos, goversion.Releases[i].Name())
	}
	fmt.Fprintf(w, "generated packages build with %s, on linux (%s)\n", strings.Join(gos, " and "), strings.Join(model.Supported, ", "))
}

// toolVersion is the module version the binary was built from (go install
// ...@v1.2.3, go tool), else the VCS revision of a checkout, else "devel".
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	return "devel " + rev[:min(12, len(rev))] + modified
}

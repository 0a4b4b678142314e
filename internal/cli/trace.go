package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gthreadgen/gthreadgen/internal/timeline"
)

const traceUsage = `usage: gthreadgen trace [-o timeline.html] [-title title] trace.json

gthreadgen trace turns a trace in the Chrome trace-event format (what a
generated runtime's WriteTrace writes) into one self-contained HTML page: a
timeline with a lane per thread, coloured by state, with details on hover
and zoom by time range. The page opens offline in any browser.

`

// traceMain runs gthreadgen trace.
func traceMain(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("gthreadgen trace", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, traceUsage)
		fl.PrintDefaults()
	}
	out := fl.String("o", "timeline.html", "the HTML `file` to write")
	title := fl.String("title", "", "the page's title (default \"<trace file name> — gthreadgen timeline\")")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, "gthreadgen trace: want one trace file")
		fl.Usage()
		return 2
	}
	in := fl.Arg(0)
	data, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintf(stderr, "gthreadgen trace: %v\n", err)
		return 1
	}
	tr, err := timeline.Parse(data)
	if err != nil {
		fmt.Fprintf(stderr, "gthreadgen trace: %s: %v\n", in, err)
		return 1
	}
	if *title == "" {
		*title = strings.TrimSuffix(filepath.Base(in), filepath.Ext(in)) + " — gthreadgen timeline"
	}
	m, err := timeline.Build(tr, *title)
	if err != nil {
		fmt.Fprintf(stderr, "gthreadgen trace: %s: %v\n", in, err)
		return 1
	}
	var b bytes.Buffer
	if err := timeline.Write(&b, m); err != nil {
		fmt.Fprintf(stderr, "gthreadgen trace: %v\n", err)
		return 1
	}
	if err := writeAtomic(*out, b.Bytes()); err != nil {
		fmt.Fprintf(stderr, "gthreadgen trace: %v\n", err)
		return 1
	}
	return 0
}

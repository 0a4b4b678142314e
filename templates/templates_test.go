package templates

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestFastSwitchCopy: static/gc_switch.go's fastSwitch is the fastSwitch fragment
// (fastswitch.tmpl, which Yield uses) written out with "return false" as its
// slow path. A change to one must reach the other.
func TestFastSwitchCopy(t *testing.T) {
	var b bytes.Buffer
	if err := all.ExecuteTemplate(&b, "fastSwitch", "return false"); err != nil {
		t.Fatal(err)
	}
	gc, err := files.ReadFile("static/gc_switch.go")
	if err != nil {
		t.Fatal(err)
	}
	want := "func (rt *Runtime) fastSwitch(fromCtx, toCtx *context) bool {\n" + strings.Trim(b.String(), "\n") + "\n\treturn true\n}\n"
	if !bytes.Contains(gc, []byte(want)) {
		t.Errorf("static/gc_switch.go's fastSwitch is not the fastSwitch fragment with \"return false\"; want:\n%s", want)
	}
}

// TestStaticFiles: every static file has a package clause to cut the
// envelope at, and no template action (a static file is copied as is).
func TestStaticFiles(t *testing.T) {
	names := Static()
	if len(names) == 0 {
		t.Fatal("no static files")
	}
	for _, name := range names {
		data, err := files.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := afterPackageClause(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if bytes.Contains(data, []byte("<%")) {
			t.Errorf("%s holds a template action; make it a .go.tmpl", name)
		}
	}
}

func TestGoDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Millisecond:   "10 * time.Millisecond",
		1500 * time.Microsecond: "1500 * time.Microsecond",
		2 * time.Second:         "2 * time.Second",
		1001 * time.Nanosecond:  "1001 * time.Nanosecond",
	} {
		if got := goDuration(d); got != want {
			t.Errorf("goDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

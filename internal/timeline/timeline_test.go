package timeline

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sample is a trace like a runtime's: two threads taking turns, one
// blocked and woken, instants, a flow from waker to woken, the runner idle.
func sample() []byte {
	var ev []Event
	meta := func(tid int, name string) {
		ev = append(ev, Event{Name: "thread_name", Ph: "M", Pid: 1, Tid: tid, Args: map[string]any{"name": name}})
		ev = append(ev, Event{Name: "thread_sort_index", Ph: "M", Pid: 1, Tid: tid, Args: map[string]any{"sort_index": tid}})
	}
	meta(1, "sensor")
	meta(2, "filter")
	meta(3, "logger")
	meta(0, "idle (runner)")
	span := func(tid int, name string, ts, dur float64, end string) {
		ev = append(ev, Event{Name: name, Ph: "X", Pid: 1, Tid: tid, Ts: 1000 + ts, Dur: dur, Args: map[string]any{"end": end}})
	}
	for i := 0; i < 10; i++ {
		t := float64(i) * 100
		span(1, "running", t, 50, "yield")
		span(2, "ready", t, 50, "")
		span(2, "running", t+50, 50, "yield")
		span(1, "ready", t+50, 50, "")
	}
	span(3, "blocked", 0, 600, "sleep")
	span(3, "running", 1000, 300, "exit")
	span(0, "idle", 1300, 200, "")
	ev = append(ev, Event{Name: "wake", Ph: "i", Pid: 1, Tid: 3, Ts: 1600, Args: map[string]any{"by": "timer"}})
	ev = append(ev, Event{Name: "wake", Ph: "s", Cat: "wake", ID: 7, Pid: 1, Tid: 1, Ts: 1900})
	ev = append(ev, Event{Name: "wake", Ph: "f", Cat: "wake", ID: 7, Pid: 1, Tid: 3, Ts: 2000})
	data, _ := json.Marshal(Trace{TraceEvents: ev, DisplayTimeUnit: "ns"})
	return data
}

func build(t *testing.T) (*Model, []byte) {
	t.Helper()
	tr, err := Parse(sample())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Build(tr, "sample")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, m); err != nil {
		t.Fatal(err)
	}
	return m, b.Bytes()
}

func TestBuild(t *testing.T) {
	m, page := build(t)
	var names []string
	for _, l := range m.Lanes {
		names = append(names, l.Name)
	}
	if got := strings.Join(names, ","); got != "idle (runner),sensor,filter,logger" {
		t.Errorf("lanes %s", got)
	}
	if m.Duration != 1500 {
		t.Errorf("duration %v µs, want 1500", m.Duration)
	}
	if n := len(m.Lanes[1].Spans); n != 20 {
		t.Errorf("sensor has %d spans, want 20", n)
	}
	if len(m.Flows) != 1 || m.Flows[0].From != 1 || m.Flows[0].To != 3 {
		t.Errorf("flows %+v, want one from sensor (1) to logger (3)", m.Flows)
	}
	if got := strings.Join(m.States, ","); got != "running,ready,blocked,idle" {
		t.Errorf("states %s", got)
	}
	// Every interval is a rect with a tooltip; the page loads nothing.
	if n := strings.Count(string(page), "<title>logger: running"); n != 1 {
		t.Errorf("%d tooltips for logger's run", n)
	}
	if regexp.MustCompile(`(?i)(src|href)\s*=|@import|url\(`).Match(page) {
		t.Error("the page refers to another resource; it must open offline")
	}
}

func TestParseForms(t *testing.T) {
	if _, err := Parse([]byte(`[{"name":"running","ph":"X","ts":1,"dur":2,"pid":1,"tid":1}]`)); err != nil {
		t.Errorf("array form: %v", err)
	}
	for _, bad := range []string{``, `{}`, `{"traceEvents": 3}`, `[{"ph":"M"}]`} {
		tr, err := Parse([]byte(bad))
		if err == nil {
			_, err = Build(tr, "x")
		}
		if err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestRendersInBrowser opens the page in headless Chromium, takes a
// screenshot and checks the picture: the lanes' colours are there, and a
// zoom to the last 200 µs (the URL's #t=from,to, as the page's own zoom
// sets it) shows the runner's idle time across the width.
func TestRendersInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; CI=true requires it (apt-get install chromium)")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	_, page := build(t)
	dir := t.TempDir()
	html := filepath.Join(dir, "timeline.html")
	if err := os.WriteFile(html, page, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := func(hash string) image.Image {
		t.Helper()
		png := filepath.Join(dir, "shot"+strings.NewReplacer("#", "", "=", "", ",", "_").Replace(hash)+".png")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
			"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1200,400",
			"--screenshot="+png, "file://"+html+hash)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, out)
		}
		return decode(t, png)
	}
	whole := shot("")
	counts := colours(whole)
	for _, c := range []struct {
		name string
		rgb  color.RGBA
	}{
		{"running", color.RGBA{0x2e, 0x7d, 0x32, 255}},
		{"ready", color.RGBA{0xf9, 0xa8, 0x25, 255}},
		{"blocked", color.RGBA{0x9e, 0x9e, 0x9e, 255}},
		{"idle", color.RGBA{0x90, 0xca, 0xf9, 255}},
	} {
		if counts[c.rgb] < 500 {
			t.Errorf("%s (%v): %d pixels in the screenshot, want a lane's worth", c.name, c.rgb, counts[c.rgb])
		}
	}
	if os.Getenv("TIMELINE_SCREENSHOT") != "" {
		data, _ := os.ReadFile(filepath.Join(dir, "shot.png"))
		os.WriteFile(os.Getenv("TIMELINE_SCREENSHOT"), data, 0o644)
	}
	// The runner is idle for the last 200 of 1500 µs: zoomed to those, its
	// lane fills the width.
	idle := color.RGBA{0x90, 0xca, 0xf9, 255}
	zoomed := colours(shot("#t=1300,1500"))
	if zoomed[idle] < 4*counts[idle] {
		t.Errorf("zoomed to the idle time, idle covers %d pixels against %d for the whole trace; want about 7 times", zoomed[idle], counts[idle])
	}
}

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func colours(img image.Image) map[color.RGBA]int {
	n := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			n[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
		}
	}
	return n
}

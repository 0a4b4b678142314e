package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("package: rtos\nthreads:\n  - name: a\n"), 0o644)
	os.WriteFile(bad, []byte("package: rtos\nthreads:\n  - name: A\n    priority: 99\n"), 0o644)
	out := filepath.Join(dir, "out")

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"generates", []string{"-config", good, "-out", out}, 0, ""},
		{"fresh", []string{"-config", good, "-out", out, "-check"}, 0, ""},
		{"config errors", []string{"-config", bad, "-out", filepath.Join(dir, "bad")}, 1, "threads[0].priority: must be an integer from 0 to 31, got 99"},
		{"missing config", []string{"-config", filepath.Join(dir, "nope.yaml")}, 1, "no such file"},
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"positional argument", []string{"-config", good, "x"}, 2, `unexpected argument "x"`},
		{"help", []string{"-h"}, 0, "usage: gthreadgen"},
		{"version", []string{"-version"}, 0, ""}, // stdout: TestVersion
		{"schema", []string{"-schema"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if tc.stderr == "" && stderr.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		t.Errorf("an invalid config wrote output: %v", err)
	}
}

func TestApplyLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	if err := Apply(dir, []Change{{Name: "a.go", Data: []byte("package a\n"), Why: "missing"}}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "a.go" {
		t.Errorf("directory holds %v, want just a.go", entries)
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"-version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"gthreadgen ", "Go 1.26", "Go 1.27", "amd64"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("-version prints %q, without %q", stdout.String(), want)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mistyped --dir is an error naming it; nothing is created behind it.
func TestMistypedDirCreatesNothing(t *testing.T) {
	t.Setenv("BQ_PROJECT", "")
	src := filepath.Join(t.TempDir(), "walking.fbx")
	if err := os.WriteFile(src, []byte("not read"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"upload", src},
		{"resync"},
		{"pull", "-o", t.TempDir()},
		{"restore", "blend/x.fbx#1"},
	} {
		dir := filepath.Join(t.TempDir(), "demo-typo")
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--dir", dir), &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), "no local pipeline in "+dir) {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, errb.String())
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%s: %s was created", args[0], dir)
		}
	}
}

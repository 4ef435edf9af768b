package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// blendpipe upload, pull, resync and restore hand over to blendpipe-store,
// passing arguments, output and the exit code through.
func TestStoreCommandsHandOver(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, storeBinary), "../blendpipe-store")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", storeBinary, err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("MAX_FILE_SIZE_MB", "1")
	dir, src := t.TempDir(), t.TempDir()
	for name, size := range map[string]int{"small.bvh": 100, "large.fbx": 2 << 20} {
		if err := os.WriteFile(filepath.Join(src, name), bytes.Repeat([]byte("x"), size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"upload", "--dir", dir, src}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "1 uploaded, 0 skipped, 1 failed") || !strings.Contains(out.String(), "MAX_FILE_SIZE_MB") {
		t.Errorf("upload with a file over the limit: exit %d, %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"resync", "--dir", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "0 objects in library") {
		t.Errorf("resync of an empty library: exit %d, %q %q", code, out.String(), errb.String())
	}
	if code := run(context.Background(), []string{"pull", "--dir", dir}, &out, &errb); code != 2 {
		t.Errorf("pull without -o: exit %d, want 2", code)
	}
}

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

// blendpipe dev and catalog hand over to blendpipe-local, passing arguments, output and the
// exit code through.
func TestLocalCommandsHandOver(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, localBinary), "../blendpipe-local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", localBinary, err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := t.TempDir()
	// A zero-byte file is an empty SQLite database: the pipeline's catalog before its first row.
	if err := os.WriteFile(filepath.Join(dir, "catalog.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"catalog", "--dir", dir, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("empty catalog printed %q", out.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"catalog", "--no-such-flag"}, &out, &errb); code != 2 {
		t.Errorf("bad flag: exit %d, want 2 (%s)", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"help", "catalog"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--wait-rows") {
		t.Errorf("help catalog: exit %d, stdout %q", code, out.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"catalog", "--dir", filepath.Join(dir, "mistyped")}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "no local pipeline in") {
		t.Errorf("mistyped --dir: exit %d, stderr %q", code, errb.String())
	}
}

func TestLocalCommandsNeedTheirBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"catalog", "--dir", t.TempDir()}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "install every command with: go install") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// A manifest in Cloud Storage is run by the worker binary, which links the storage client.
func TestBatchOfGSManifestHandsOverToWorker(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"batch", "--shards", "4", "gs://bucket/jobs/x.yaml"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "needs "+workerBinary) {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

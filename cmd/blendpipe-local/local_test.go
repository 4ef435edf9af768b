package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

func TestCatalogJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	// A zero-byte file is an empty SQLite database: the pipeline's catalog before its first row.
	if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"catalog", "--dir", dir, "--json"}, &out, &errOut); code != 0 || bytes.TrimSpace(out.Bytes())[0] != '[' {
		t.Fatalf("empty catalog: exit %d, %q %q", code, out.String(), errOut.String())
	}
	var rows []catalog.Row
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 0 {
		t.Fatalf("empty catalog: %q, %v", out.String(), err)
	}
	cat, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	err = cat.Append(ctx,
		catalog.Row{Bucket: "library", Name: "seed/r/a.fbx", Generation: 2, Kind: catalog.KindSeed, SHA256: "aa", CreatedAt: time.Now()},
		catalog.Row{Bucket: "library", Name: "seed/r/b.fbx", Generation: 1, Kind: catalog.KindSeed},
		catalog.Row{Bucket: "library", Name: "seed/r/b.fbx", Generation: 1, Kind: catalog.KindSeed, Deleted: true})
	cat.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(ctx, []string{"catalog", "--dir", dir, "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 || rows[0].Name != "seed/r/a.fbx" || rows[0].SHA256 != "aa" {
		t.Errorf("rows %q, %v", out.String(), err)
	}
}

// appendRows adds current seed rows named names to dir's catalog, creating it.
func appendRows(t *testing.T, dir string, names ...string) {
	t.Helper()
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Error(err)
		return
	}
	defer cat.Close()
	for _, n := range names {
		if err := cat.Append(ctx, catalog.Row{Bucket: "library", Name: n, Generation: 1, Kind: catalog.KindSeed, CreatedAt: time.Now()}); err != nil {
			t.Error(err)
		}
	}
}

func TestCatalogDirAndWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		before  []string // rows there when the command starts
		later   []string // rows added while it runs
		noDB    bool     // the directory exists without a catalog
		missing bool     // --dir names no directory
		code    int
		stdout  string // must appear
		stderr  string // must appear
	}{
		{name: "mistyped dir", missing: true, code: 1, stderr: "does not exist (start one with: blendpipe dev --dir"},
		{name: "dir without a catalog", noDB: true, code: 1, stderr: sqlite.FileName + " does not exist"},
		{name: "no wait", before: []string{"seed/r/walking.fbx"}, code: 0, stdout: "1 objects"},
		{name: "wait for a file name", args: []string{"--wait", "running.fbx"}, before: []string{"seed/r/walking.fbx"},
			later: []string{"seed/r/running.fbx"}, code: 0, stdout: "seed/r/running.fbx"},
		{name: "wait for a full name", args: []string{"--wait", "seed/r/running.fbx", "--wait", "walking.fbx"},
			later: []string{"seed/r/walking.fbx", "seed/r/running.fbx"}, code: 0, stdout: "2 objects"},
		{name: "wait for a count while the catalog is created", args: []string{"--wait-rows", "2"}, noDB: true,
			later: []string{"seed/r/a.fbx", "seed/r/b.fbx"}, code: 0, stdout: "2 objects"},
		{name: "wait times out", args: []string{"--wait", "running.fbx", "--wait-rows", "3", "--timeout", "300ms"},
			before: []string{"seed/r/walking.fbx"}, code: 1, stderr: "still lacks running.fbx, 3 objects (1 so far)"},
		{name: "wait on a mistyped dir", args: []string{"--wait-rows", "1"}, missing: true, code: 1, stderr: "no local pipeline in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.missing {
				dir = filepath.Join(dir, "no-such")
			}
			if len(tt.before) > 0 {
				appendRows(t, dir, tt.before...)
			}
			done := make(chan struct{})
			if len(tt.later) > 0 {
				go func() {
					defer close(done)
					time.Sleep(300 * time.Millisecond)
					appendRows(t, dir, tt.later...)
				}()
			} else {
				close(done)
			}
			args := append([]string{"catalog", "--dir", dir, "--poll", "20ms"}, tt.args...)
			if len(tt.later) > 0 {
				args = append(args, "--timeout", "30s")
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			<-done
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out.String(), errb.String(), tt.code, tt.stdout, tt.stderr)
			}
			if tt.missing {
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("%s was created", dir)
				}
			}
			if tt.noDB && len(tt.later) == 0 {
				if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err == nil {
					t.Errorf("an empty catalog was created")
				}
			}
		})
	}
}

// The catalog's help says what --wait does.
func TestCatalogHelpDocumentsWait(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"help", "catalog"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, w := range []string{"--wait NAME", "--wait-rows N", "after --timeout it exits 1", "its last part", "-poll duration"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help %q lacks %q", out.String(), w)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

func TestCatalogJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
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

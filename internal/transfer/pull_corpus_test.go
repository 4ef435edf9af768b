//go:build corpus

package transfer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

func TestPullFromTheLocalPipeline(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	p := env.P
	blends := fill(t, p)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "engine", "animations")
	opts := transfer.PullOptions{Catalog: p.Catalog, Library: p.Library, Dir: dir, Workers: 2, Retry: fastRetry()}

	rep, err := transfer.Pull(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Count(transfer.Downloaded) != 3 {
		t.Fatalf("first pull %+v", rep)
	}
	checkPulled(t, p, dir, catalog.Filter{})

	// Nothing changed: nothing fetched.
	rep, err = transfer.Pull(ctx, opts)
	if err != nil || rep.Count(transfer.Unchanged) != 3 || rep.Bytes != 0 {
		t.Fatalf("second pull %+v, %v", rep, err)
	}

	// A file damaged in the folder is fetched again, alone.
	damaged := filepath.Join(dir, filepath.FromSlash(blends[0]))
	if err := os.WriteFile(damaged, []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = transfer.Pull(ctx, opts)
	if err != nil || rep.Count(transfer.Downloaded) != 1 || rep.Count(transfer.Unchanged) != 2 {
		t.Fatalf("pull after damage %+v, %v", rep, err)
	}
	checkPulled(t, p, dir, catalog.Filter{})

	// A narrower selection removes what it no longer holds.
	opts.Filter = catalog.Filter{Method: "transition"}
	rep, err = transfer.Pull(ctx, opts)
	if err != nil || rep.Count(transfer.Removed) != 2 || rep.Count(transfer.Unchanged) != 1 {
		t.Fatalf("narrower pull %+v, %v", rep, err)
	}
	m := checkPulled(t, p, dir, opts.Filter)
	if m.Filter.Method != "transition" {
		t.Errorf("manifest filter %+v", m.Filter)
	}
	for _, name := range blends {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		if kept := strings.Contains(name, "/transition-"); kept == os.IsNotExist(err) {
			t.Errorf("%s: stat %v", name, err)
		}
	}
	noPartFiles(t, dir)
}

func TestPullRefusesABadChecksum(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	p := env.P
	blends := fill(t, p)
	ctx := context.Background()
	row, err := p.Catalog.Get(ctx, blends[1])
	if err != nil {
		t.Fatal(err)
	}
	// The catalog disagrees with the bytes (a row from before a bad write).
	row.SHA256, row.SyncedAt = strings.Repeat("ab", 32), row.SyncedAt.Add(1000)
	if err := p.Catalog.Append(ctx, row); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := transfer.Pull(ctx, transfer.PullOptions{Catalog: p.Catalog, Library: p.Library, Dir: dir, Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Count(transfer.Downloaded) != 2 {
		t.Fatalf("pull %+v, want one failure", rep)
	}
	for _, r := range rep.Results {
		if r.Outcome == transfer.Failed && (r.Object != blends[1] || !strings.Contains(r.Reason, "checksum mismatch") || r.Attempts != 1) {
			t.Errorf("failure %+v", r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(blends[1]))); !os.IsNotExist(err) {
		t.Errorf("file with the wrong checksum left in place: %v", err)
	}
	noPartFiles(t, dir)
	m, err := transfer.ReadManifest(filepath.Join(dir, transfer.ManifestName))
	if err != nil || len(m.Animations) != 2 {
		t.Errorf("manifest %+v, %v; want the two good blends", m, err)
	}
}

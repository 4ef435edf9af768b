package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// versionedPipeline is a pipeline whose buckets keep noncurrent
// generations, as the library bucket does in production: on fake-gcs-server
// with versioning, or on directories keeping earlier generations.
func versionedPipeline(t *testing.T, backend string) *pipeline.Pipeline {
	t.Helper()
	cat, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	p := &pipeline.Pipeline{Catalog: cat, MaxFileSize: 500 << 20, Workers: 2, Log: pipelinetest.Logger(t)}
	if backend == "localdir" {
		dir := t.TempDir()
		for _, b := range []struct {
			name  string
			store *storage.Store
		}{{"uploads", &p.Uploads}, {"library", &p.Library}} {
			s, err := localdir.Open(filepath.Join(dir, b.name), localdir.Options{Bucket: b.name, NoSync: true, KeepVersions: 3})
			if err != nil {
				t.Fatal(err)
			}
			*b.store = s
		}
		return p
	}
	port := pipelinetest.FreePort(t)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range []string{"uploads", "library"} {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b, VersioningEnabled: true})
	}
	client, err := cloudstorage.NewClient(context.Background(),
		option.WithEndpoint(srv.URL()+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	p.Uploads, p.Library = gcs.New(client, "uploads", gcs.Options{}), gcs.New(client, "library", gcs.Options{})
	return p
}

func testRestoreThenResync(t *testing.T, p *pipeline.Pipeline) {
	ctx := context.Background()
	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	idle := seed(t, p, "mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx")
	resync(t, p)
	good, err := p.Catalog.Get(ctx, walk)
	if err != nil {
		t.Fatal(err)
	}
	goodIdle, err := p.Catalog.Get(ctx, idle)
	if err != nil {
		t.Fatal(err)
	}

	// The accident: the walk seed overwritten with other bytes, the idle
	// seed deleted; the catalog follows both.
	if _, err := p.Library.Put(ctx, walk, bytes.NewReader([]byte("not an animation")), &storage.PutOptions{
		Metadata: map[string]string{library.MetaSHA256: "0000", library.MetaClip: "broken"}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Library.Delete(ctx, idle, nil); err != nil {
		t.Fatal(err)
	}
	if rep := resync(t, p); len(rep.Fixed) != 1 || len(rep.Deleted) != 1 {
		t.Fatalf("resync after the accident: %+v", rep)
	}

	for _, c := range []struct {
		name string
		gen  int64
		want catalog.Row
	}{{walk, good.Generation, good}, {idle, goodIdle.Generation, goodIdle}} {
		a, err := pipeline.Restore(ctx, p.Library, c.name, c.gen)
		if err != nil {
			t.Fatalf("restore %s#%d: %v", c.name, c.gen, err)
		}
		if a.Generation <= c.gen || a.Metadata[library.MetaSHA256] != c.want.SHA256 {
			t.Errorf("restored %s: generation %d, sha256 %q; want a new generation above %d with sha256 %s",
				c.name, a.Generation, a.Metadata[library.MetaSHA256], c.gen, c.want.SHA256)
		}
		data, _, err := storage.ReadAll(ctx, p.Library, c.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != c.want.SHA256 {
			t.Errorf("restored %s holds sha256 %s, want %s", c.name, got, c.want.SHA256)
		}
	}
	rep := resync(t, p)
	if len(rep.Fixed) != 1 || len(rep.Added) != 1 || len(rep.Deleted) != 0 {
		t.Fatalf("resync after the restore: %+v, want the walk fixed and the idle added", rep)
	}
	for _, want := range []catalog.Row{good, goodIdle} {
		got, err := p.Catalog.Get(ctx, want.Name)
		if err != nil {
			t.Fatal(err)
		}
		live, err := p.Library.Stat(ctx, want.Name, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The restored generation is new; everything it describes is the old one's.
		want.Generation, want.CreatedAt = live.Generation, live.Created.UTC().Truncate(time.Microsecond)
		sameRows(t, []catalog.Row{got}, []catalog.Row{want})
	}
	if again := resync(t, p); again.Changed() {
		t.Errorf("resync twice: %+v", again)
	}
}

func TestRestoreRefusesWhatTheStoreDoesNotKeep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib, err := localdir.Open(t.TempDir(), localdir.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	first := pipelinetest.Put(t, lib, "seed/r/a.fbx", []byte("one"))
	second := pipelinetest.Put(t, lib, "seed/r/a.fbx", []byte("two"))
	// A directory without KeepVersions keeps no noncurrent generations.
	if _, err := pipeline.Restore(ctx, lib, "seed/r/a.fbx", first.Generation); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("restore of a replaced generation: %v, want not found", err)
	}
	// Restoring the live generation changes nothing.
	a, err := pipeline.Restore(ctx, lib, "seed/r/a.fbx", second.Generation)
	if err != nil || a.Generation != second.Generation {
		t.Errorf("restore of the live generation: %+v, %v", a, err)
	}
	if _, err := pipeline.Restore(ctx, lib, "seed/r/a.fbx", 0); err == nil {
		t.Error("restore of generation 0 succeeded")
	}
}

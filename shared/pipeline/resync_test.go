//go:build corpus

package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// library fills env's library with three seeds and a blend, syncs every
// event as the metadata-sync service would, and returns the current rows.
func libraryRows(t *testing.T, env *pipelinetest.Env) []catalog.Row {
	t.Helper()
	ctx := context.Background()
	p := env.P
	walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
	seed(t, p, "mixamo/add101-ch46__idle.glb", "Idle.glb")
	if _, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix"}, CorrelationID: "blend-req"}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, env)
	rows, err := p.Catalog.Current(ctx, catalog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d current rows after the sync, want 4", len(rows))
	}
	return rows
}

func syncAll(t *testing.T, env *pipelinetest.Env) {
	t.Helper()
	for _, ev := range env.Events.Take() {
		if ev.Object.Bucket != env.P.Library.Bucket() {
			continue
		}
		if _, err := env.P.Sync(context.Background(), ev, "ev-"+ev.Object.Name); err != nil {
			t.Fatal(err)
		}
	}
}

// freshCatalog replaces the catalog by an empty one, as after losing it.
func freshCatalog(t *testing.T, p *pipeline.Pipeline) {
	t.Helper()
	cat, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	p.Catalog = cat
}

func current(t *testing.T, p *pipeline.Pipeline) []catalog.Row {
	t.Helper()
	rows, err := p.Catalog.Current(context.Background(), catalog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestResyncRebuildsALostCatalog(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			env := pipelinetest.New(t, backend)
			p := env.P
			want := libraryRows(t, env)

			freshCatalog(t, p)
			rep := resync(t, p)
			var names []string
			for _, r := range want {
				names = append(names, r.Name)
			}
			if !slices.Equal(rep.Added, names) || len(rep.Fixed)+len(rep.Deleted) != 0 || rep.Objects != 4 {
				t.Fatalf("report %+v, want the 4 objects added", rep)
			}
			sameRows(t, current(t, p), want)

			again := resync(t, p)
			if again.Changed() || again.Unchanged != 4 {
				t.Errorf("second run %+v, want no change", again)
			}
			sameRows(t, current(t, p), want)
		})
	}
}

func TestResyncFixesAndDeletes(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			env := pipelinetest.New(t, backend)
			p := env.P
			ctx := context.Background()
			want := libraryRows(t, env)
			wrong, gone := want[1], want[3] // a seed, and the last seed by name

			// A row that disagrees with its object (a schema change that
			// lost the clip), and an object deleted while the sync was down.
			bad := wrong
			bad.Clip, bad.FPS, bad.SyncedAt = "", 0, bad.SyncedAt.Add(1)
			if err := p.Catalog.Append(ctx, bad); err != nil {
				t.Fatal(err)
			}
			if err := p.Library.Delete(ctx, gone.Name, nil); err != nil {
				t.Fatal(err)
			}
			env.Events.Take()
			// An object copied in by hand, without the pipeline's metadata.
			data := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
			extra := pipelinetest.Put(t, p.Library, "seed/by-hand/idle.fbx", data)
			env.Events.Take()

			rep := resync(t, p)
			if !slices.Equal(rep.Fixed, []string{wrong.Name}) || !slices.Equal(rep.Deleted, []string{gone.Name}) ||
				!slices.Equal(rep.Added, []string{extra.Name}) || rep.Unchanged != 2 {
				t.Fatalf("report %+v, want %s fixed, %s deleted, %s added", rep, wrong.Name, gone.Name, extra.Name)
			}
			got := current(t, p)
			var byHand catalog.Row
			got = slices.DeleteFunc(got, func(r catalog.Row) bool {
				if r.Name == extra.Name {
					byHand = r
					return true
				}
				return false
			})
			sameRows(t, got, slices.Delete(slices.Clone(want), 3, 4))
			if byHand.SHA256 == "" || byHand.Rig == "" || byHand.Frames == 0 || byHand.CorrelationID != "resync-test" || byHand.Generation != extra.Generation {
				t.Errorf("row of the object copied in by hand: %+v", byHand)
			}
			if _, err := p.Catalog.Get(ctx, gone.Name); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("deleted object: %v, want not found", err)
			}
			if again := resync(t, p); again.Changed() {
				t.Errorf("second run %+v, want no change", again)
			}
		})
	}
}

func TestResyncDryRunAppendsNothing(t *testing.T) {
	t.Parallel()
	env := pipelinetest.New(t, "localdir")
	p := env.P
	libraryRows(t, env)
	freshCatalog(t, p)
	rep, err := p.Resync(context.Background(), pipeline.ResyncOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Added) != 4 {
		t.Errorf("dry run %+v, want 4 to add", rep)
	}
	if rows := current(t, p); len(rows) != 0 {
		t.Errorf("dry run appended %d rows", len(rows))
	}
}

func TestResyncReportsUnusableMetadata(t *testing.T) {
	t.Parallel()
	env := pipelinetest.New(t, "localdir")
	p := env.P
	ctx := context.Background()
	data := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
	md := map[string]string{library.MetaSHA256: "ab", library.MetaSources: "not json"}
	if _, err := p.Library.Put(ctx, "blend/x/mix-broken.fbx", bytes.NewReader(data), &storage.PutOptions{Metadata: md}); err != nil {
		t.Fatal(err)
	}
	rep, err := p.Resync(ctx, pipeline.ResyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed["blend/x/mix-broken.fbx"] == "" || rep.Changed() {
		t.Errorf("report %+v, want the blend failed with its reason", rep)
	}
}

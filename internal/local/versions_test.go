package local

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// animation is the metadata of a seed or blend object written in place.
func animation(clip, sha string) map[string]string {
	return library.Seed{Animation: library.Animation{SHA256: sha, Format: "fbx", Rig: "xbot-0123abcd", Clip: clip}}.Encode()
}

// TestDeleteOverwriteRestore deletes, overwrites, relabels and restores
// seeds and blends in the library of the local pipeline, with versioning
// (the default, as Terraform's library bucket) and without. The directory
// store reports each change as that kind of bucket does (archived, or
// deleted; "Pub/Sub notifications for Cloud Storage", event types), the
// router delivers by the trigger table, and after each step the catalogue
// matches the library: one current row per live seed and blend, of its live
// generation, and none for a deleted one.
func TestDeleteOverwriteRestore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		unversioned bool
	}{{"versioned", false}, {"unversioned", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			opts := options(t, t.TempDir())
			opts.Unversioned = tt.unversioned
			srv := start(t, opts)
			lib, cat := srv.Pipeline().Library, srv.Pipeline().Catalog
			settled := func(what string) {
				t.Helper()
				var diffs []string
				waitUntil(t, 10*time.Second, what, func() bool {
					var err error
					diffs, err = pipelinetest.CatalogMismatch(ctx, lib, cat)
					return err == nil && len(diffs) == 0 && srv.Idle()
				})
			}
			put := func(name, clip, sha string) storage.Attrs {
				t.Helper()
				a, err := lib.Put(ctx, name, strings.NewReader(sha), &storage.PutOptions{ContentType: "application/octet-stream", Metadata: animation(clip, sha)})
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			const (
				seed  = "seed/xbot-0123abcd/idle.fbx"
				blend = "blend/xbot-0123abcd/crossfade-0123456789ab.fbx"
			)
			first := put(seed, "idle", "aa")
			blendFirst := put(blend, "crossfade", "bb")
			settled("the seed's and the blend's rows")

			// An overwrite: one current row, of the new generation.
			put(seed, "idle", "cc")
			settled("the overwritten seed's row")

			// A metadata update: the same generation, relabelled.
			u, err := srv.Library().Update(ctx, seed, map[string]string{library.MetaClip: "idle-relabelled"}, storage.Condition{})
			if err != nil {
				t.Fatal(err)
			}
			settled("the relabelled seed's row")
			if row, err := cat.Get(ctx, seed); err != nil || row.Clip != "idle-relabelled" || row.Generation != u.Generation {
				t.Fatalf("relabelled seed: %+v, %v", row, err)
			}

			// A delete: no row.
			if err := lib.Delete(ctx, blend, nil); err != nil {
				t.Fatal(err)
			}
			settled("the deleted blend's row gone")
			if _, err := cat.Get(ctx, blend); !errors.Is(err, catalog.ErrNotFound) {
				t.Fatalf("deleted blend: %v", err)
			}

			// A restore copies a noncurrent generation back: finalized as a
			// new generation, it brings the row back. Without versioning
			// there is nothing to copy.
			restored, err := pipeline.Restore(ctx, lib, seed, first.Generation)
			if tt.unversioned {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("restore without versioning: %v, want not found", err)
				}
				return
			}
			if err != nil || restored.Generation <= u.Generation || library.ContentHash(restored.Metadata) != "aa" {
				t.Fatalf("restore: %+v, %v", restored, err)
			}
			settled("the restored seed's row")

			// More overwrites than the library keeps: the lifecycle deletes
			// noncurrent generations, which leaves the live one's row.
			for i := range LibraryVersions + 1 {
				put(seed, "idle", strings.Repeat("d", i+1))
			}
			settled("the seed's row after its oldest generations were dropped")
			if _, err := lib.Stat(ctx, seed, &storage.ReadOptions{Generation: first.Generation}); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("generation %d not dropped: %v", first.Generation, err)
			}
			// The blend, deleted, comes back from its noncurrent generation.
			if _, err := pipeline.Restore(ctx, lib, blend, blendFirst.Generation); err != nil {
				t.Fatal(err)
			}
			settled("the restored blend's row")
			if row, err := cat.Get(ctx, blend); err != nil || row.SHA256 != "bb" || row.Generation <= blendFirst.Generation {
				t.Fatalf("restored blend: %+v, %v", row, err)
			}
		})
	}
}

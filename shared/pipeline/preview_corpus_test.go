//go:build corpus

package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestValidateWritesPreview(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			p := newPipeline(t, backend)
			ctx := context.Background()
			obj := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
			v, err := p.Validate(ctx, obj, "corr-1")
			if err != nil || v.Status != pipeline.StatusSeeded {
				t.Fatalf("%+v, %v", v, err)
			}
			seed, err := p.Library.Stat(ctx, v.Object, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := v.Object + ".preview.png"
			if got := seed.Metadata[library.MetaPreview]; got != want || library.PreviewName(v.Object) != want || !pipeline.NeedsPreview(seed) {
				t.Fatalf("preview metadata %q, PreviewName %q; want %q", got, library.PreviewName(v.Object), want)
			}
			// Validate names the sheet; the seed's event draws it.
			if _, err := p.Library.Stat(ctx, want, nil); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("validate drew the preview itself: %v", err)
			}
			if wrote, err := p.DrawPreview(ctx, seed, "corr-1"); err != nil || !wrote {
				t.Fatalf("DrawPreview: %v, %v", wrote, err)
			}
			checkPicture(t, p, want, v.SHA256)

			// Redeliveries of either event write nothing.
			before := pipelinetest.Names(t, p.Library)
			if again, err := p.Validate(ctx, obj, "corr-1"); err != nil || again.Status != pipeline.StatusExists {
				t.Fatalf("redelivery: %+v, %v", again, err)
			}
			if wrote, err := p.DrawPreview(ctx, seed, "corr-1"); err != nil || wrote {
				t.Errorf("DrawPreview again: %v, %v; want nothing written", wrote, err)
			}
			if after := pipelinetest.Names(t, p.Library); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("redelivery changed the library: %v, was %v", after, before)
			}

			// The sync puts the preview in the row, and ignores the preview's own event.
			if ok, err := p.Sync(ctx, storage.Event{Type: storage.ObjectFinalized, Object: seed}, "ev"); err != nil || !ok {
				t.Fatalf("sync seed: %v, %v", ok, err)
			}
			pa, err := p.Library.Stat(ctx, want, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := p.Sync(ctx, storage.Event{Type: storage.ObjectFinalized, Object: pa}, "ev"); err != nil || ok {
				t.Errorf("sync of the preview: %v, %v; want ignored", ok, err)
			}
			row, err := p.Catalog.Get(ctx, v.Object)
			if err != nil || row.Preview != want {
				t.Errorf("row preview %q, %v; want %q", row.Preview, err, want)
			}
		})
	}
}

func TestDrawPreviewFailureIsRedelivered(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	lib := &pictureFailStore{Store: p.Library, failing: true}
	p.Library = lib
	obj := pipelinetest.Put(t, p.Uploads, "Walking.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx"))
	v, err := p.Validate(ctx, obj, "")
	if err != nil || v.Status != pipeline.StatusSeeded {
		t.Fatalf("%+v, %v", v, err)
	}
	seed, err := p.Library.Stat(ctx, v.Object, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DrawPreview(ctx, seed, ""); !storage.IsTransient(err) || pipeline.KindOf(err) != pipeline.KindUnavailable {
		t.Fatalf("preview write failing: err = %v, want a transient error so the event comes again", err)
	}
	if names := pipelinetest.Names(t, p.Library); len(names) != 1 {
		t.Fatalf("library %v, want the seed alone", names)
	}
	lib.failing = false
	if wrote, err := p.DrawPreview(ctx, seed, ""); err != nil || !wrote {
		t.Fatalf("redelivery: %v, %v", wrote, err)
	}
	checkPicture(t, p, library.PreviewName(v.Object), v.SHA256)
}

func TestDrawPreviewIgnoresOtherObjects(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	data := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
	byHand := pipelinetest.Put(t, p.Library, "seed/by-hand/Idle.fbx", data) // no metadata, no preview named
	obj := pipelinetest.Put(t, p.Uploads, "Idle.fbx", data)
	v, err := p.Validate(ctx, obj, "")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := p.Library.Stat(ctx, v.Object, nil)
	if err != nil {
		t.Fatal(err)
	}
	gone := seed
	gone.Generation++ // a generation replaced since the event
	for what, a := range map[string]storage.Attrs{"seed without metadata": byHand, "upload": obj, "replaced generation": gone} {
		if wrote, err := p.DrawPreview(ctx, a, ""); err != nil || wrote {
			t.Errorf("%s: %v, %v; want ignored", what, wrote, err)
		}
	}
	if _, err := p.Library.Stat(ctx, library.PreviewName(v.Object), nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a preview was drawn for a replaced generation: %v", err)
	}
}

func TestBlendPictures(t *testing.T) {
	t.Parallel()
	for _, method := range []blend.Options{{Method: "mix", Ratio: ratio(0.3)}, {Method: "transition"}} {
		t.Run(method.Method, func(t *testing.T) {
			p := newPipeline(t, "localdir")
			ctx := context.Background()
			walk := seed(t, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
			run := seed(t, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
			req := pipeline.BlendRequest{Sources: []string{walk, run}, Options: method, Format: "glb"}
			res, err := p.Blend(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			sheet, plot := library.PreviewName(res.Output), library.MetricsName(res.Output)
			if !strings.HasSuffix(sheet, ".preview.png") || !strings.HasSuffix(plot, ".metrics.png") || res.Metadata[library.MetaPreview] != sheet {
				t.Fatalf("preview metadata %q; sheet %s, plot %s", res.Metadata[library.MetaPreview], sheet, plot)
			}
			// The blend names its pictures; its event draws them.
			if _, err := p.Library.Stat(ctx, sheet, nil); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("the blend request drew its preview itself: %v", err)
			}
			obj, err := p.Library.Stat(ctx, res.Output, nil)
			if err != nil {
				t.Fatal(err)
			}
			if wrote, err := p.DrawPreview(ctx, obj, "ev"); err != nil || !wrote {
				t.Fatalf("DrawPreview: %v, %v", wrote, err)
			}
			checkPicture(t, p, sheet, res.SHA256)
			checkPicture(t, p, plot, res.SHA256)

			before := pipelinetest.Names(t, p.Library)
			again, err := p.Blend(ctx, req)
			if err != nil || !again.Cached || again.Metadata[library.MetaPreview] != sheet {
				t.Fatalf("again: %+v, %v", again, err)
			}
			if wrote, err := p.DrawPreview(ctx, obj, "ev"); err != nil || wrote {
				t.Errorf("DrawPreview again: %v, %v; want nothing written", wrote, err)
			}
			if after := pipelinetest.Names(t, p.Library); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a repeated request or event changed the library: %v, was %v", after, before)
			}

			// A source deleted before the drawing: the plot shows the result alone.
			if err := p.Library.Delete(ctx, plot, nil); err != nil {
				t.Fatal(err)
			}
			if err := p.Library.Delete(ctx, run, nil); err != nil {
				t.Fatal(err)
			}
			if wrote, err := p.DrawPreview(ctx, obj, "ev"); err != nil || !wrote {
				t.Fatalf("DrawPreview without a source: %v, %v", wrote, err)
			}
			checkPicture(t, p, plot, res.SHA256)
		})
	}
}

// A seed deleted and uploaded again is seeded again, though its preview,
// which carries its hash, is still there.
func TestValidateAfterSeedDeletedKeepsItsPreviewApart(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	data := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx")
	v, err := p.Validate(ctx, pipelinetest.Put(t, p.Uploads, "Idle.fbx", data), "")
	if err != nil || v.Status != pipeline.StatusSeeded {
		t.Fatalf("%+v, %v", v, err)
	}
	seed, err := p.Library.Stat(ctx, v.Object, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DrawPreview(ctx, seed, ""); err != nil {
		t.Fatal(err)
	}
	if err := p.Library.Delete(ctx, v.Object, nil); err != nil {
		t.Fatal(err)
	}
	again, err := p.Validate(ctx, pipelinetest.Put(t, p.Uploads, "Idle-2.fbx", data), "")
	if err != nil || again.Status != pipeline.StatusSeeded || !library.IsCatalogued(again.Object) {
		t.Fatalf("upload after the seed was deleted: %+v, %v; want a new seed", again, err)
	}
}

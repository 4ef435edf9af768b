//go:build corpus

package eventarc_test

import (
	"context"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// The preview service draws the pictures of seeds and blends, each on the
// object's own library event; validate and blend leave them alone (their
// accounts may not write them on Google Cloud).
func TestPicturesDrawnByTheirService(t *testing.T) {
	env := pipelinetest.New(t, "gcs")
	p := env.P
	ctx := context.Background()
	v, _, b := serve(t, p)
	pv := servePreview(t, p)

	var seeds []string
	for _, clip := range []string{"Walking_InPlace", "Running_InPlace"} {
		up := pipelinetest.Put(t, p.Uploads, clip+".fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__"+clip+".fbx"))
		res, err := p.Validate(ctx, up, "")
		if err != nil || res.Status != pipeline.StatusSeeded {
			t.Fatalf("validate %s: %+v, %v", clip, res, err)
		}
		seeds = append(seeds, res.Object)
	}
	ratio := 0.5
	out, err := p.Blend(ctx, pipeline.BlendRequest{Sources: seeds, Options: blend.Options{Method: "mix", Ratio: &ratio}, Format: "glb"})
	if err != nil {
		t.Fatal(err)
	}
	finalized := map[string]storage.Event{}
	for _, ev := range env.Events.Take() {
		if ev.Type == storage.ObjectFinalized {
			finalized[ev.Object.Name] = ev
		}
	}
	for _, object := range []string{seeds[0], out.Output} {
		ev, ok := finalized[object]
		if !ok || !pipeline.NeedsPreview(ev.Object) {
			t.Fatalf("%s: no finalize event naming a preview in %v", object, finalized)
		}
		picture := library.PreviewName(object)
		for _, other := range []string{v, b} {
			if code := pipelinetest.Send(t, other, ev); code/100 != 2 {
				t.Fatalf("%s to another service: HTTP %d", object, code)
			}
			if _, ok := pipelinetest.Names(t, p.Library)[picture]; ok {
				t.Fatalf("%s drawn by a service that does not own it", picture)
			}
		}
		if code := pipelinetest.Send(t, pv, ev); code/100 != 2 {
			t.Fatalf("%s to the preview service: HTTP %d", object, code)
		}
		if _, ok := pipelinetest.Names(t, p.Library)[picture]; !ok {
			t.Errorf("%s not drawn on its object's event", picture)
		}
	}
	if _, ok := pipelinetest.Names(t, p.Library)[library.MetricsName(out.Output)]; !ok {
		t.Errorf("no metrics plot of %s", out.Output)
	}
}

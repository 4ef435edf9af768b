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

// Validate draws the picture of each seed it writes from the clip it
// decoded, with the seed; the blend service draws those of its blends on the
// blend's own library event, and leaves seeds alone; validate hears no
// library event at all.
func TestPicturesDrawnByTheirService(t *testing.T) {
	env := pipelinetest.New(t, "gcs")
	p := env.P
	ctx := context.Background()
	v, _, b := serve(t, p)

	var seeds []string
	for _, clip := range []string{"Walking_InPlace", "Running_InPlace"} {
		up := pipelinetest.Put(t, p.Uploads, clip+".fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__"+clip+".fbx"))
		res, err := p.Validate(ctx, up, "")
		if err != nil || res.Status != pipeline.StatusSeeded {
			t.Fatalf("validate %s: %+v, %v", clip, res, err)
		}
		seeds = append(seeds, res.Object)
		if _, ok := pipelinetest.Names(t, p.Library)[library.PreviewName(res.Object)]; !ok {
			t.Errorf("%s: validate wrote the seed without its picture", res.Object)
		}
	}
	// Without its picture, a seed's library event draws nothing anywhere.
	for _, name := range []string{library.PreviewName(seeds[0])} {
		if err := p.Library.Delete(ctx, name, nil); err != nil {
			t.Fatal(err)
		}
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
	ev, ok := finalized[seeds[0]]
	if !ok {
		t.Fatalf("no finalize event of %s", seeds[0])
	}
	for _, svc := range []string{v, b} {
		if code := pipelinetest.Send(t, svc, ev); code/100 != 2 {
			t.Fatalf("%s: HTTP %d", seeds[0], code)
		}
	}
	if _, ok := pipelinetest.Names(t, p.Library)[library.PreviewName(seeds[0])]; ok {
		t.Errorf("a seed's picture drawn on its library event")
	}
	tests := []struct {
		object       string
		owner, other string
	}{
		{out.Output, b, v},
	}
	for _, tt := range tests {
		ev, ok := finalized[tt.object]
		if !ok || !pipeline.NeedsPreview(ev.Object) {
			t.Fatalf("%s: no finalize event naming a preview in %v", tt.object, finalized)
		}
		picture := library.PreviewName(tt.object)
		if code := pipelinetest.Send(t, tt.other, ev); code/100 != 2 {
			t.Fatalf("%s to the other service: HTTP %d", tt.object, code)
		}
		if _, ok := pipelinetest.Names(t, p.Library)[picture]; ok {
			t.Fatalf("%s drawn by the service that does not own it", picture)
		}
		if code := pipelinetest.Send(t, tt.owner, ev); code/100 != 2 {
			t.Fatalf("%s to its service: HTTP %d", tt.object, code)
		}
		if _, ok := pipelinetest.Names(t, p.Library)[picture]; !ok {
			t.Errorf("%s not drawn on its object's event", picture)
		}
	}
}

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

// Validate draws the pictures of the seeds it wrote, the blend service those
// of its blends, each on the object's own library event; the other service
// leaves them alone.
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
	tests := []struct {
		object       string
		owner, other string
	}{
		{seeds[0], v, b},
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

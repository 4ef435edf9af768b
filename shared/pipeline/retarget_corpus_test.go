//go:build corpus

package pipeline_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Method retarget through the pipeline and a manifest: the pirate's walk (76 joints) carried
// onto the X Bot of another seed is filed under the X Bot's rig, has its skeleton and bone
// lengths, reports the joints it could not map by name, and takes the edits after it.
func TestBlendRetarget(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	ctx := context.Background()
	walk := seed(t, p, "mixamo/vrm4-pirate76__Walking_rootmotion.fbx", "PirateWalk.fbx")
	xbot := seed(t, p, "mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx")
	res, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, xbot},
		Options: blend.Options{Method: "retarget", Mirror: true}, Format: "fbx"})
	if err != nil {
		t.Fatal(err)
	}
	xrig := strings.Split(xbot, "/")[1]
	if !strings.HasPrefix(res.Output, "blend/"+xrig+"/retarget-") {
		t.Errorf("output %s, want it under the character's rig blend/%s/", res.Output, xrig)
	}
	rt := res.Retarget
	if rt == nil || len(rt.Matched) < 60 || len(rt.Unmapped) == 0 || rt.Scale <= 0 {
		t.Fatalf("retarget report %+v: want 60 or more joints matched and the pirate's extra joints unmapped", rt)
	}
	if got := res.Metadata["label"]; !strings.HasPrefix(got, "retarget ") || !strings.Contains(got, " onto ") || !strings.Contains(got, "mirror") {
		t.Errorf("label %q, want retarget A onto B ... mirror", got)
	}
	data, _, err := storage.ReadAll(ctx, p.Library, res.Output, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := animfile.Decode(res.Output, data)
	if err != nil {
		t.Fatal(err)
	}
	target, err := animfile.Decode("x.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Skeleton.Joints) != len(target.Skeleton.Joints) {
		t.Fatalf("%d joints, the X Bot has %d", len(out.Skeleton.Joints), len(target.Skeleton.Joints))
	}
	// Bone lengths are the character's at every frame (the Hips move freely).
	rest := target.Skeleton.RestPositions()
	c := out.Clip()
	worst := 0.0
	for f := 0; f < c.Frames; f += max(1, c.Frames/10) {
		pos := c.WorldPositions(out.Skeleton, f, nil)
		for j, jt := range out.Skeleton.Joints {
			k := target.Skeleton.Index(jt.Name)
			if jt.Parent <= 0 || k < 0 {
				continue
			}
			pk := target.Skeleton.Index(out.Skeleton.Joints[jt.Parent].Name)
			want := rest[k].Sub(rest[pk]).Len()
			worst = math.Max(worst, math.Abs(pos[j].Sub(pos[jt.Parent]).Len()-want))
		}
	}
	if worst > 0.01 {
		t.Errorf("bone lengths differ from the X Bot's by up to %.4f cm", worst)
	}

	// The same from a manifest, and a retarget with one input refused naming the inputs.
	manifest := fmt.Sprintf(`version: "1.0"
workflow: blend_batch
blends:
  - name: pirate_on_xbot
    input1: %[1]s
    input2: %[2]s
    method: retarget
    output: blend/pirate_on_xbot.glb
`, walk, xbot)
	br, err := p.Batch(ctx, pipelinetest.Put(t, p.Library, "jobs/retarget.yaml", []byte(manifest)), "batch-rt")
	if err != nil || br.OK != 1 {
		t.Fatalf("manifest: %+v, %v", br, err)
	}
	_, err = p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk}, Options: blend.Options{Method: "retarget"}})
	if err == nil || !strings.Contains(err.Error(), "retarget needs 2 inputs") {
		t.Errorf("retarget of one input: %v", err)
	}
}

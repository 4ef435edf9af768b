//go:build judges && corpus

package verify

import (
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
)

// TestBlendsPassJudges makes the blends users ask for (a walk/run mix, a walk turning into a
// run, a punch over a walk, a root-motion transition, a blend space) and has every judge check
// each written as FBX 7400 and 7700, GLB and BVH.
func TestBlendsPassJudges(t *testing.T) {
	load := func(name string) *anim.Animation {
		data, err := os.ReadFile(corpus.Path(t, "mixamo/"+name))
		if err != nil {
			t.Fatal(err)
		}
		a, err := animfile.Decode(name, data)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	walk, run := load("kirby-xbot60__Walking_InPlace.fbx"), load("kirby-xbot60__Running_InPlace.fbx")
	sprint, punch := load("kirby-xbot60__Sprinting_InPlace.fbx"), load("kirby-xbot60__Punching_Right.fbx")
	pWalk, pStrafe := load("vrm4-pirate76__Walking_rootmotion.fbx"), load("vrm4-pirate76__Left_Strafe_Walk_rootmotion.fbx")
	ratio := 0.3
	blends := []struct {
		name   string
		opts   blend.Options
		inputs []*anim.Animation
	}{
		{"mix_walk_run", blend.Options{Method: "mix", Ratio: &ratio}, []*anim.Animation{walk, run}},
		{"transition_walk_run", blend.Options{Method: "transition", TransitionFrames: 12}, []*anim.Animation{walk, run}},
		{"layer_punch_over_walk", blend.Options{Method: "layer", Mask: blend.Mask{"upper_body"}}, []*anim.Animation{walk, punch}},
		{"transition_pirate_walk_strafe", blend.Options{Method: "transition"}, []*anim.Animation{pWalk, pStrafe}},
		{"blendspace_walk_run_sprint", blend.Options{Method: "blendspace", Positions: []float64{1.5, 3, 5}, Value: 4, Loop: true},
			[]*anim.Animation{walk, run, sprint}},
	}
	dir := t.TempDir()
	var files []File
	for _, b := range blends {
		res, err := job.Blend(b.inputs, job.Spec{Options: b.opts, Format: "fbx", ClipName: b.name})
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		for _, out := range Outputs {
			f, err := WriteFile(dir, b.name, res.Result.Animation, out)
			if err != nil {
				t.Errorf("%s as %s: %v", b.name, out.Name, err)
				continue
			}
			files = append(files, f)
		}
	}
	Judge(t, files)
}

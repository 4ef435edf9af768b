//go:build corpus

package job

import (
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

func TestBlendReportsAndEncodes(t *testing.T) {
	t.Parallel()
	walk, run := load(t, "kirby-xbot60__Walking_InPlace.fbx"), load(t, "kirby-xbot60__Running_InPlace.fbx")
	for _, format := range []string{"fbx", "glb", "gltf", "bvh"} {
		t.Run(format, func(t *testing.T) {
			out, err := Blend([]*anim.Animation{walk, run}, Spec{Options: blend.Options{Method: "transition"}, Format: format, ClipName: "walk_to_run"})
			if err != nil {
				t.Fatal(err)
			}
			back, err := animfile.Decode("out."+format, out.Data)
			if err != nil {
				t.Fatalf("output does not decode: %v", err)
			}
			if c := back.Clip(); c == nil || c.Frames != out.Result.Animation.Clip().Frames {
				t.Fatalf("decoded clip %+v", c)
			}
			if out.Info.Joints != 65 || out.Info.Clip != "walk_to_run" || len(out.Quality.Inputs) != 2 {
				t.Errorf("info %+v, %d input metrics", out.Info, len(out.Quality.Inputs))
			}
			if out.Quality.Result.Transition == nil {
				t.Error("transition window not measured")
			}
		})
	}
}

func TestBlendReusesGivenInputMetrics(t *testing.T) {
	t.Parallel()
	walk, run := load(t, "kirby-xbot60__Walking_InPlace.fbx"), load(t, "kirby-xbot60__Running_InPlace.fbx")
	mw, err := MeasureInput(walk)
	if err != nil {
		t.Fatal(err)
	}
	mr, _ := MeasureInput(run)
	given, err := Blend([]*anim.Animation{walk, run}, Spec{Options: blend.Options{Method: "mix"}, Format: "fbx", InputMetrics: []quality.Metrics{mw, mr}})
	if err != nil {
		t.Fatal(err)
	}
	measured, err := Blend([]*anim.Animation{walk, run}, Spec{Options: blend.Options{Method: "mix"}, Format: "fbx"})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(*given.Quality.Ratios.FootSkating-*measured.Quality.Ratios.FootSkating) > 1e-12 {
		t.Errorf("ratios differ: %v vs %v", *given.Quality.Ratios.FootSkating, *measured.Quality.Ratios.FootSkating)
	}
}

func TestBlendRefusesUnknownFormat(t *testing.T) {
	t.Parallel()
	walk := load(t, "kirby-xbot60__Walking_InPlace.fbx")
	_, err := Blend([]*anim.Animation{walk, walk}, Spec{Format: "obj"})
	var oe *blend.OptionError
	if !asOptionError(err, &oe) || oe.Field != "format" {
		t.Fatalf("got %v", err)
	}
}

// Method retarget onto a character file (its T-pose, no clip): the result has the character's
// skeleton, is compared with its source at the character's size (one input), and the feet
// skate no more than the source's plus 10 %, as the warnings would say otherwise.
func TestBlendRetarget(t *testing.T) {
	t.Parallel()
	walk, xbot := load(t, "vrm4-pirate76__Walking_rootmotion.fbx"), load(t, "kirby-xbot__x_bot_character_skin.fbx")
	out, err := Blend([]*anim.Animation{walk, xbot}, Spec{Options: blend.Options{Method: "retarget"}, Format: "glb"})
	if err != nil {
		t.Fatal(err)
	}
	rt := out.Retarget
	if rt == nil || out.Result.Animation.Skeleton != xbot.Skeleton || len(out.Quality.Inputs) != 1 {
		t.Fatalf("retarget %+v, skeleton the character's: %v, %d input metrics", rt, out.Result.Animation.Skeleton == xbot.Skeleton, len(out.Quality.Inputs))
	}
	if r := out.Quality.Ratios.FootSkating; r == nil || *r > 1.1 {
		t.Errorf("foot skating ratio %v against the source at the character's size (scale %.3f), want at most 1.1", r, rt.Scale)
	}
	if w := out.Quality.Check(quality.DefaultLimits()); len(w) > 0 {
		t.Errorf("warnings %v", w)
	}
}

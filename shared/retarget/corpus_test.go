//go:build corpus

package retarget

import (
	"math"
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func load(t testing.TB, name string) *anim.Animation {
	t.Helper()
	data, err := os.ReadFile(corpus.Path(t, "mixamo/"+name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := animfile.Decode(name, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

// TestCorpusRetargetOntoXBot carries clips of other Mixamo characters onto the 65-joint X Bot
// and back: bone lengths are the target's on every frame and the feet skate no more than the
// source's plus 10 %.
func TestCorpusRetargetOntoXBot(t *testing.T) {
	t.Parallel()
	xbot := load(t, "kirby-xbot__x_bot_character_skin.fbx").Skeleton
	for _, src := range []string{
		"luminoth-mutant37__Breathing_Idle_60fps.fbx",
		"add101-ch46__Walking.fbx",
		"vrm4-pirate76__Walking_rootmotion.fbx",
		"kirby-guy-noprefix__Idle.fbx",
		"kirby-guy-naeem3d__Idle_bigscale.fbx",
		"kirby-xbot60__Walking_InPlace.fbx",
	} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			a := load(t, src)
			there, err := Run(a, xbot, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkBones(t, there.Animation)
			checkSkating(t, "onto X Bot", there)
			back, err := Run(there.Animation, a.Skeleton, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkBones(t, back.Animation)
			// Back on its own rig, the clip is held to the original's skating.
			if back.SkatingResult > 1.1*there.SkatingSource+1e-9 {
				t.Errorf("back: skating %.3f cm/s, the original %.3f (limit +10 %%)", back.SkatingResult, there.SkatingSource)
			}
			t.Logf("%d joints onto X Bot's %d: scale %.3f, %d matched, unmapped %v, missing %d; skating %.2f → %.2f → %.2f cm/s",
				len(a.Skeleton.Joints), len(xbot.Joints), there.Scale, len(there.Matched), there.Unmapped, len(there.Missing),
				there.SkatingSource, there.SkatingResult, back.SkatingResult)
		})
	}
}

// checkBones holds every joint's distance from its parent to the skeleton's rest length.
func checkBones(t *testing.T, a *anim.Animation) {
	t.Helper()
	s, c := a.Skeleton, a.Clip()
	rest := s.RestPositions()
	worst := 0.0
	for f := 0; f < c.Frames; f += max(1, c.Frames/20) {
		p := c.WorldPositions(s, f, nil)
		for j, jt := range s.Joints {
			if jt.Parent < 0 || j == hipsOf(s) {
				continue
			}
			want := rest[j].Sub(rest[jt.Parent]).Len()
			got := p[j].Sub(p[jt.Parent]).Len()
			worst = math.Max(worst, math.Abs(got-want))
		}
	}
	if worst > 1e-6*max(1, s.Base.S[0]) {
		t.Errorf("bone lengths differ from the target's rest by up to %g cm", worst)
	}
}

func hipsOf(s *anim.Skeleton) int {
	for i, j := range s.Joints {
		if mixamo.Normalize(j.Name) == "Hips" {
			return i
		}
	}
	return -1
}

func checkSkating(t *testing.T, what string, r *Result) {
	t.Helper()
	t.Logf("%s: skating %.3f cm/s, source %.3f at the target's size (ratio %.3f)", what, r.SkatingResult, r.SkatingSource*r.Scale, r.SkatingResult/(r.SkatingSource*r.Scale))
	if r.SkatingResult > 1.1*r.SkatingSource*r.Scale+1e-9 {
		t.Errorf("%s: skating %.3f cm/s, source %.3f at the target's size (limit +10 %%)", what, r.SkatingResult, r.SkatingSource*r.Scale)
	}
}

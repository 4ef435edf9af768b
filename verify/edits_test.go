//go:build judges && corpus

package verify

import (
	"math"
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
)

// TestEditsPassJudges makes engine-ready clips of corpus files (root motion in a root bone and
// back, mirror, reverse, speed, trim, a found loop, retargets onto the X Bot, and a blend named
// by its label), writes each
// as FBX 7400 and GLB, and has every judge read them: Blender, assimp, three.js (FBXLoader and
// GLTFLoader), the FBX SDK (FBX2glTF) and the glTF validator, each held to our joints' world
// positions within 0.1 cm and, where the judge reports it, to the clip's engine-safe name. Where
// an edit keeps the pose (root motion, mirror twice, reverse twice, the rename), our own model is
// first held to the input's world positions within 0.1 cm.
func TestEditsPassJudges(t *testing.T) {
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
	edit := func(name string, o blend.Options, in ...*anim.Animation) *anim.Animation {
		t.Helper()
		names := make([]string, len(in))
		for i := range in {
			names[i] = name
		}
		if o.Method == blend.Retarget {
			names[1] = "xbot"
		}
		res, err := job.Blend(in, job.Spec{Options: o, Format: "fbx", InputNames: names})
		if err != nil {
			t.Fatalf("%s %+v: %v", name, o, err)
		}
		return res.Result.Animation
	}
	pWalk := load("vrm4-pirate76__Walking_rootmotion.fbx")
	pStrafe := load("vrm4-pirate76__Left_Strafe_Walk_rootmotion.fbx")
	punch := load("kirby-xbot60__Punching_Right.fbx")
	walk, run := load("kirby-xbot60__Walking_InPlace.fbx"), load("kirby-xbot60__Running_InPlace.fbx")
	ch46 := load("add101-ch46__Walking.fbx")
	xbot := load("kirby-xbot__x_bot_character_skin.fbx")
	guy := load("kirby-guy-noprefix__Idle.fbx")

	rooted := edit("pirate_walk", blend.Options{Method: "edit", RootMotion: "root"}, pWalk)
	strafeRooted := edit("pirate_strafe", blend.Options{Method: "edit", RootMotion: "root"}, pStrafe)
	ch46Rooted := edit("ch46_walk", blend.Options{Method: "edit", RootMotion: "root"}, ch46)
	baked := edit("pirate_walk_rooted", blend.Options{Method: "edit", RootMotion: "hips"}, rooted)
	mirrored := edit("punch", blend.Options{Method: "edit", Mirror: true}, punch)
	mirrored2 := edit("punch_mirrored", blend.Options{Method: "edit", Mirror: true}, mirrored)
	reversed := edit("walk", blend.Options{Method: "edit", Reverse: true}, walk)
	reversed2 := edit("walk_reversed", blend.Options{Method: "edit", Reverse: true}, reversed)
	fast := edit("run", blend.Options{Method: "edit", Speed: ptr(2.0)}, run)
	trimmed := edit("walk", blend.Options{Method: "edit", TrimStart: ptr(0.25), TrimEnd: ptr(0.75)}, walk)
	looped := edit("pirate_walk", blend.Options{Method: "edit", LoopFind: true, RootMotion: "root"}, pWalk)
	// Retargeted onto the X Bot: the Pirate's 76 joints, and a 41-joint rig without prefixes.
	pirateOnXBot := edit("pirate_walk", blend.Options{Method: "retarget"}, pWalk, xbot)
	guyOnXBot := edit("guy_idle", blend.Options{Method: "retarget"}, guy, xbot)
	mixRes, err := job.Blend([]*anim.Animation{walk, run}, job.Spec{Options: blend.Options{Method: "mix", Ratio: ptr(0.3), Mirror: true, RootMotion: "root"},
		Format: "fbx", InputNames: []string{"walk", "run"}})
	if err != nil {
		t.Fatal(err)
	}
	if mixRes.Result.Label != "mix 0.3 walk+run mirror root-motion" || mixRes.Result.Animation.Clip().Name != "mix_0p3_walk_run_mirror_root-motion" {
		t.Errorf("label %q, clip %q", mixRes.Result.Label, mixRes.Result.Animation.Clip().Name)
	}

	// Our model against the input, where the edit keeps world positions.
	for _, p := range []struct {
		name    string
		in, out *anim.Animation
	}{
		{"root motion (Pirate walk)", pWalk, rooted},
		{"root motion (Pirate strafe)", pStrafe, strafeRooted},
		{"root motion (Ch46 walk)", ch46, ch46Rooted},
		{"root baked back", pWalk, baked},
		{"mirror twice", punch, mirrored2},
		{"reverse twice", walk, reversed2},
	} {
		d := worldDelta(t, p.in, p.out)
		t.Logf("%s: joints within %.3g cm of the input", p.name, d)
		if d > DefaultTolerance {
			t.Errorf("%s: joints move by %.3g cm", p.name, d)
		}
	}
	for _, r := range []*anim.Animation{rooted, strafeRooted, ch46Rooted, looped} {
		if r.Skeleton.Index(blend.RootBone) < 0 {
			t.Fatalf("%s: no root bone", r.Clip().Name)
		}
	}

	dir := t.TempDir()
	var files []File
	for _, a := range []*anim.Animation{rooted, strafeRooted, ch46Rooted, baked, mirrored, mirrored2, reversed2, fast, trimmed, looped,
		mixRes.Result.Animation, pirateOnXBot, guyOnXBot} {
		name := a.Clip().Name
		if !blend.IsSafeName(name) {
			t.Errorf("clip name %q is not engine-safe", name)
		}
		for _, out := range Outputs {
			if out.Name != "fbx7400" && out.Name != "glb" {
				continue
			}
			f, err := WriteFile(dir, name, a, out)
			if err != nil {
				t.Errorf("%s as %s: %v", name, out.Name, err)
				continue
			}
			f.Want.Clip = name
			files = append(files, f)
		}
	}
	Judge(t, files)
}

// worldDelta is the largest distance in cm between equally named joints of a and b over every
// frame; joints only b has (a root bone) are not compared.
func worldDelta(t *testing.T, a, b *anim.Animation) float64 {
	t.Helper()
	ca, cb := a.Clip(), b.Clip()
	if ca.Frames != cb.Frames {
		t.Fatalf("%d frames against %d", ca.Frames, cb.Frames)
	}
	worst := 0.0
	for f := 0; f < ca.Frames; f++ {
		pa, pb := ca.WorldPositions(a.Skeleton, f, nil), cb.WorldPositions(b.Skeleton, f, nil)
		for j, jt := range a.Skeleton.Joints {
			k := b.Skeleton.Index(jt.Name)
			if k < 0 {
				t.Fatalf("joint %q missing from the result", jt.Name)
			}
			worst = math.Max(worst, pa[j].Sub(pb[k]).Len())
		}
	}
	return worst
}

func ptr[T any](v T) *T { return &v }

//go:build corpus

package gltf

import (
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// worldAt samples a clip at time t and returns each joint's world position, in cm.
func worldAt(s *anim.Skeleton, c *anim.Clip, t float64) []anim.Vec3 {
	pose := anim.NewClip("pose", s, c.FPS, 1)
	c.Sample(t, pose.Rotations, pose.Translations, pose.Scales)
	return pose.WorldPositions(s, 0, nil)
}

// Blender's GLB of Ch46 "Walking" and Mixamo's FBX of the same clip describe the same motion:
// the world position of every joint must agree once names are normalised.
func TestCrossFormatWalkingMatchesFBX(t *testing.T) {
	t.Parallel()
	g, err := Decode(readCorpus(t, "mixamo/add101-ch46__walking.glb"), DefaultLimits())
	if err != nil {
		t.Fatalf("glTF: %v", err)
	}
	f, err := fbx.Decode(readCorpus(t, "mixamo/add101-ch46__Walking.fbx"), fbx.DefaultLimits())
	if err != nil {
		t.Fatalf("FBX: %v", err)
	}
	gc, fc := g.Clip(), f.Clip()
	if gc == nil || fc == nil {
		t.Fatal("both files must carry a clip")
	}
	if gc.Frames != fc.Frames || gc.FPS != fc.FPS || math.Abs(gc.Start-fc.Start-1/fc.FPS) > 1e-6 {
		t.Fatalf("glTF %d frames at %g fps from %g s, FBX %d at %g from %g: want equal grids one frame apart",
			gc.Frames, gc.FPS, gc.Start, fc.Frames, fc.FPS, fc.Start)
	}
	fbxJoint := map[string]int{}
	for i, j := range f.Skeleton.Joints {
		fbxJoint[mixamo.Normalize(j.Name)] = i
	}
	matched, worst, worstName, worstTime := 0, 0.0, "", 0.0
	for fr := 0; fr < gc.Frames; fr++ {
		// Blender's FBX import puts FBX frame 0 on scene frame 1, which its glTF export writes
		// at 1/fps: the clips line up frame by frame, one frame apart in time.
		tm := gc.Time(fr)
		gp := worldAt(g.Skeleton, gc, tm)
		fp := worldAt(f.Skeleton, fc, fc.Time(fr))
		for i, j := range g.Skeleton.Joints {
			k, ok := fbxJoint[mixamo.Normalize(j.Name)]
			if !ok {
				continue
			}
			if fr == 0 {
				matched++
			}
			if d := gp[i].Sub(fp[k]).Len(); d > worst {
				worst, worstName, worstTime = d, j.Name, tm
			}
		}
	}
	t.Logf("FBX %g fps %d frames from %g s; glTF %g fps %d frames from %g s; %d joints matched; worst %.4f cm (%s at %.3f s)",
		fc.FPS, fc.Frames, fc.Start, gc.FPS, gc.Frames, gc.Start, matched, worst, worstName, worstTime)
	if matched != len(g.Skeleton.Joints) {
		t.Errorf("matched %d of %d glTF joints by normalised name", matched, len(g.Skeleton.Joints))
	}
	if worst > 0.1 || math.IsNaN(worst) {
		t.Errorf("world positions differ by up to %.4f cm (%s at %.3f s), want ≤ 0.1", worst, worstName, worstTime)
	}
}

// A clip read from FBX and written as glTF keeps every joint's world motion.
func TestCrossFormatFBXToGLTF(t *testing.T) {
	t.Parallel()
	f, err := fbx.Decode(readCorpus(t, "mixamo/add101-ch46__Walking.fbx"), fbx.DefaultLimits())
	if err != nil {
		t.Fatalf("FBX: %v", err)
	}
	g, err := Decode(encodeT(t, f, WriteOptions{}), DefaultLimits())
	if err != nil {
		t.Fatalf("glTF of the FBX clip: %v", err)
	}
	fc, gc := f.Clip(), g.Clip()
	if gc.Frames != fc.Frames || gc.FPS != fc.FPS {
		t.Fatalf("grid %d frames at %g fps, want %d at %g", gc.Frames, gc.FPS, fc.Frames, fc.FPS)
	}
	worst := 0.0
	for fr := 0; fr < fc.Frames; fr++ {
		fp := fc.WorldPositions(f.Skeleton, fr, nil)
		gp := gc.WorldPositions(g.Skeleton, fr, nil)
		for j := range fp {
			worst = math.Max(worst, fp[j].Sub(gp[j]).Len())
		}
	}
	t.Logf("worst world position difference %.5f cm over %d frames", worst, fc.Frames)
	if worst > 1e-3 {
		t.Errorf("world positions moved by up to %.5f cm, want ≤ 0.001", worst)
	}
}

//go:build corpus

package gltf

import (
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func TestDecodeCorpus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		joints   int
		clips    int
		fps      float64 // of the first clip
		duration float64 // of the first clip, seconds
		first    string  // name of the first clip
		prefix   string
		hipsY    [2]float64 // range of the Hips' world height on frame 0, cm
	}{
		{"mixamo/add101-ch46__walking.glb", 65, 1, 30, 31.0 / 30, "Armature|mixamo.com|Layer0", "mixamorig:", [2]float64{60, 75}},
		{"mixamo/add101-ch46__idle.glb", 65, 1, 30, 10, "Armature|mixamo.com|Layer0", "mixamorig:", [2]float64{60, 75}},
		{"mixamo/threejs-copy__Xbot.glb", 67, 7, 30, 55.0 / 30, "agree", "mixamorig:", [2]float64{95, 110}},
		// FBX2glTF baked this 60 fps clip at its default 24 fps.
		{"mixamo/luminoth-mutant37__Breathing_Idle_FBX2glTF.glb", 37, 1, 24, 238.0 / 24, "mixamo.com", "mixamorig:", [2]float64{85, 95}},
		// These two fail the Khronos validator themselves but still carry readable animation.
		{"mixamo/threejs-copy__Soldier.glb", 49, 4, 30, 59.0 / 30, "Idle", "mixamorig:", [2]float64{90, 105}},
		{"mixamo/threejs-copy__RobotExpressive.glb", 43, 14, 24, 80.0 / 24, "Dance", "", [2]float64{-1e9, 1e9}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := readCorpus(t, tc.file)
			a, err := Decode(data, DefaultLimits())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			s := a.Skeleton
			if err := s.Validate(); err != nil {
				t.Fatalf("skeleton: %v", err)
			}
			if len(s.Joints) != tc.joints {
				t.Errorf("joints = %d, want %d", len(s.Joints), tc.joints)
			}
			if len(a.Clips) != tc.clips || len(a.Source.Stacks) != tc.clips {
				t.Fatalf("clips = %d, stacks = %d, want %d", len(a.Clips), len(a.Source.Stacks), tc.clips)
			}
			for _, c := range a.Clips {
				if err := c.Validate(s); err != nil {
					t.Errorf("clip: %v", err)
				}
			}
			c := a.Clip()
			if c.Name != tc.first || c.FPS != tc.fps {
				t.Errorf("first clip %q at %g fps, want %q at %g", c.Name, c.FPS, tc.first, tc.fps)
			}
			if math.Abs(c.Duration()-tc.duration) > 1e-3 {
				t.Errorf("duration %.4f s, want %.4f", c.Duration(), tc.duration)
			}
			src := a.Source
			if src.Format != "gltf" || src.Version != "2.0" || src.UnitScale != 100 || src.UpAxis != "Y" || src.Creator == "" {
				t.Errorf("source info %+v", src)
			}
			if src.Prefix != tc.prefix {
				t.Errorf("prefix %q, want %q", src.Prefix, tc.prefix)
			}
			if st := src.Stacks[0]; st.Name != tc.first || !st.Used || st.Curves == 0 || math.Abs(st.Duration-tc.duration) > 1e-3 {
				t.Errorf("first stack %+v", st)
			}
			if tc.prefix != "" {
				if err := mixamo.CheckHumanoid(names(s)); err != nil {
					t.Errorf("humanoid: %v", err)
				}
				hips := indexNormalized(s, "Hips")
				y := c.WorldPositions(s, 0, nil)[hips][1]
				if y < tc.hipsY[0] || y > tc.hipsY[1] {
					t.Errorf("Hips height %.2f cm, want %v", y, tc.hipsY)
				}
			}
		})
	}
}

func TestDecodeWalkingDetails(t *testing.T) {
	t.Parallel()
	a, err := Decode(readCorpus(t, "mixamo/add101-ch46__walking.glb"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	s, c := a.Skeleton, a.Clip()
	if c.Frames != 32 || math.Abs(c.Start-1.0/30) > 1e-6 {
		t.Errorf("frames %d start %.5f, want 32 frames from 1/30 s", c.Frames, c.Start)
	}
	// Blender puts the bones under an "Armature" node rotated +90° about X with scale 0.01.
	wantBase := anim.Transform{R: anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, math.Pi/2), S: anim.Vec3{0.01, 0.01, 0.01}}
	if s.Base.R.Angle(wantBase.R) > 1e-6 || s.Base.T.Len() > 1e-9 || math.Abs(s.Base.S[0]-0.01) > 1e-8 {
		t.Errorf("base %+v, want %+v", s.Base, wantBase)
	}
	if s.Joints[0].Name != "mixamorig:Hips" || s.Joints[0].Parent != -1 {
		t.Errorf("first joint %+v, want the root mixamorig:Hips", s.Joints[0])
	}
	// The node stores Hips at z = -69.77667999 in Armature units; the model holds it ×100.
	if got := s.Joints[0].Rest.T[2]; math.Abs(got-(-6977.667999267578)) > 1e-6 {
		t.Errorf("Hips rest z = %v, want -6977.668 (Armature units in cm)", got)
	}
	// In place: the Hips start and end at the same spot within a few cm.
	p0 := c.WorldPositions(s, 0, nil)[0]
	p1 := c.WorldPositions(s, c.Frames-1, nil)[0]
	if d := p0.Sub(p1); math.Hypot(d[0], d[2]) > 5 {
		t.Errorf("Hips drift %.2f cm between first and last frame", math.Hypot(d[0], d[2]))
	}
}

func names(s *anim.Skeleton) []string {
	out := make([]string, len(s.Joints))
	for i, j := range s.Joints {
		out[i] = j.Name
	}
	return out
}

func indexNormalized(s *anim.Skeleton, name string) int {
	for i, j := range s.Joints {
		if mixamo.Normalize(j.Name) == name {
			return i
		}
	}
	return -1
}

//go:build corpus

package fbx

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func readCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(corpus.Path(t, rel))
	if err != nil {
		t.Fatalf("corpus file: %v", err)
	}
	return data
}

func hipsIndex(s *anim.Skeleton) int {
	for i, j := range s.Joints {
		if mixamo.Normalize(j.Name) == "Hips" {
			return i
		}
	}
	return -1
}

// TestDecodeMixamoCorpus checks every real Mixamo export against the facts in MANIFEST.tsv.
func TestDecodeMixamoCorpus(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		file     string
		joints   int
		fps      float64
		frames   int     // 0: not checked
		duration float64 // seconds, last sample minus first
		motion   [2]float64
		hipsY    float64 // NaN: not checked
		prefix   string
	}{
		{"kirby-xbot60__Walking_InPlace.fbx", 65, 60, 62, 1.017, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-xbot60__Running_InPlace.fbx", 65, 60, 0, 0.70, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-xbot60__Sprinting_InPlace.fbx", 65, 60, 0, 0.717, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-xbot60__Idle.fbx", 65, 60, 501, 8.333, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-xbot60__Falling_Idle.fbx", 65, 60, 0, 0.683, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-xbot60__Punching_Left.fbx", 65, 60, 0, 0.85, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-xbot60__Punching_Right.fbx", 65, 60, 0, 0.85, [2]float64{0, 0}, nan, "mixamorig:"},
		{"vrm4-pirate76__Walking_rootmotion.fbx", 76, 30, 0, 0.967, [2]float64{0, 57}, nan, "mixamorig:"},
		{"vrm4-pirate76__Left_Strafe_Walk_rootmotion.fbx", 76, 30, 0, 0.933, [2]float64{64, 0}, nan, "mixamorig:"},
		{"vrm4-pirate76__Walking_Backwards_rootmotion.fbx", 76, 30, 0, 0.967, [2]float64{0, -48}, nan, "mixamorig:"},
		{"vrm4-pirate76__Standing_idle.fbx", 76, 30, 431, 14.33, [2]float64{0, 0}, nan, "mixamorig:"},
		{"add101-ch46__Idle.fbx", 65, 30, 301, 10, [2]float64{0, 0}, nan, "mixamorig:"},
		{"add101-ch46__Walking.fbx", 65, 30, 32, 1.033, [2]float64{0, 0}, 66, "mixamorig:"},
		{"luminoth-mutant37__Breathing_Idle_60fps.fbx", 37, 60, 0, 9.92, [2]float64{0, 0}, nan, "mixamorig:"},
		{"kirby-guy-noprefix__Idle.fbx", 63, 30, 0, 8.33, [2]float64{0, 0}, nan, ""},
		{"kirby-guy-naeem3d__Idle_bigscale.fbx", 65, 30, 0, 8.33, [2]float64{0, 0}, 1228, "mixamorig:"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			a, err := Decode(readCorpus(t, "mixamo/"+tc.file), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			s := a.Skeleton
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(s.Joints) != tc.joints {
				t.Errorf("joints = %d, want %d", len(s.Joints), tc.joints)
			}
			if _, ok := s.Origin.(*Document); !ok {
				t.Errorf("Skeleton.Origin is %T, want *fbx.Document", s.Origin)
			}
			if a.Source.Format != "fbx" || a.Source.Version != "7700" || a.Source.Prefix != tc.prefix {
				t.Errorf("source = %+v, want fbx 7700 prefix %q", a.Source, tc.prefix)
			}
			c := a.Clip()
			if c == nil {
				t.Fatal("no clip")
			}
			if err := c.Validate(s); err != nil {
				t.Fatal(err)
			}
			if c.FPS != tc.fps {
				t.Errorf("fps = %v, want %v", c.FPS, tc.fps)
			}
			if tc.frames > 0 && c.Frames != tc.frames {
				t.Errorf("frames = %d, want %d", c.Frames, tc.frames)
			}
			if d := c.Duration(); math.Abs(d-tc.duration) > 0.006 {
				t.Errorf("duration = %.4f s, want %.3f", d, tc.duration)
			}
			h := hipsIndex(s)
			if h < 0 {
				t.Fatal("no Hips joint")
			}
			p0 := c.WorldPositions(s, 0, nil)[h]
			p1 := c.WorldPositions(s, c.Frames-1, nil)[h]
			dx, dz := p1[0]-p0[0], p1[2]-p0[2]
			if math.Abs(dx-tc.motion[0]) > 1.5 || math.Abs(dz-tc.motion[1]) > 1.5 {
				t.Errorf("hips root motion = (%.2f, %.2f) cm in X,Z, want about (%v, %v)", dx, dz, tc.motion[0], tc.motion[1])
			}
			if !math.IsNaN(tc.hipsY) && math.Abs(p0[1]-tc.hipsY) > 0.06*tc.hipsY {
				t.Errorf("hips height = %.1f, want about %v", p0[1], tc.hipsY)
			}
			used := 0
			for _, st := range a.Source.Stacks {
				if st.Used {
					used++
					if st.Name != c.Name || st.Curves == 0 {
						t.Errorf("used stack %+v, clip %q", st, c.Name)
					}
				}
			}
			if used != 1 {
				t.Errorf("%d stacks marked used, want 1: %+v", used, a.Source.Stacks)
			}
		})
	}
}

// TestDecodeCharacterWithSkin: the skinned T-pose has an empty "Take 001" stack and a
// one-key "mixamo.com" stack; the one with curves becomes the clip.
func TestDecodeCharacterWithSkin(t *testing.T) {
	t.Parallel()
	a, err := Decode(readCorpus(t, "mixamo/kirby-xbot__x_bot_character_skin.fbx"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(a.Skeleton.Joints); n != 65 {
		t.Errorf("joints = %d, want 65", n)
	}
	if len(a.Source.Stacks) != 2 {
		t.Fatalf("stacks = %+v, want Take 001 and mixamo.com", a.Source.Stacks)
	}
	for _, st := range a.Source.Stacks {
		switch st.Name {
		case "Take 001":
			if st.Curves != 0 || st.Used {
				t.Errorf("Take 001 = %+v, want empty and unused", st)
			}
		case "mixamo.com":
			if st.Curves == 0 || !st.Used {
				t.Errorf("mixamo.com = %+v, want curves and used", st)
			}
		default:
			t.Errorf("unexpected stack %+v", st)
		}
	}
	c := a.Clip()
	if c == nil || c.Name != "mixamo.com" || c.Frames > 2 {
		t.Fatalf("clip = %+v, want mixamo.com with at most 2 samples", c)
	}
	if err := c.Validate(a.Skeleton); err != nil {
		t.Fatal(err)
	}
}

// TestParseASCIIFromFBXSDK reads the one ASCII file in the corpus the FBX SDK wrote (FBX 7.2,
// NURBS curves, no animation): the tree has its version, ids and typed arrays, and Decode
// says what the scene lacks rather than failing on the text.
func TestParseASCIIFromFBXSDK(t *testing.T) {
	t.Parallel()
	data := readCorpus(t, "mixamo/threejs-copy__nurbs_ascii72.fbx")
	doc, err := Parse(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != 7200 {
		t.Errorf("version %d, want 7200", doc.Version)
	}
	objs := doc.Find("Objects")
	if objs == nil || len(objs.Children) == 0 {
		t.Fatal("no objects")
	}
	g := objs.Children[0]
	if g.Name != "Geometry" || g.Props[0].Type != 'L' || g.Props[0].Int != 1000 || g.Props[1].String != "\x00\x01Geometry" {
		t.Errorf("first object %s %+v, want Geometry 1000 named \"\\x00\\x01Geometry\"", g.Name, g.Props[:2])
	}
	pts, knots := g.Child("Points"), g.Child("KnotVector")
	if pts == nil || pts.Props[0].Type != 'd' || len(pts.Props[0].F64s) != 32 || pts.Props[0].F64s[1] != 20 {
		t.Errorf("Points = %+v, want 32 doubles", pts)
	}
	if knots == nil || len(knots.Props[0].F64s) != 11 || knots.Props[0].F64s[3] != 0.17 {
		t.Errorf("KnotVector = %+v, want 11 doubles with 0.17 fourth", knots)
	}
	if o := g.Child("Order"); o == nil || o.Props[0].Type != 'I' || o.Props[0].Int != 3 {
		t.Errorf("Order = %+v, want I 3", o)
	}
	a, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// Its six models carry no animation stack.
	if len(a.Skeleton.Joints) != 6 || len(a.Clips) != 0 {
		t.Errorf("decoded %d joints and %d clips, want the 6 models and no clip", len(a.Skeleton.Joints), len(a.Clips))
	}
}

// TestDecodeSharedPreRotation: clips of one rig share their rest pose and PreRotation, so
// blending local rotations is meaningful.
func TestDecodeSharedPreRotation(t *testing.T) {
	t.Parallel()
	var first *anim.Skeleton
	for _, f := range []string{"kirby-xbot60__Idle.fbx", "kirby-xbot60__Walking_InPlace.fbx"} {
		a, err := Decode(readCorpus(t, filepath.Join("mixamo", f)), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = a.Skeleton
			continue
		}
		pre := 0
		for i, j := range a.Skeleton.Joints {
			o := first.Joints[i]
			if j.Name != o.Name || j.Parent != o.Parent || j.PreRotation.Angle(o.PreRotation) > 1e-9 {
				t.Fatalf("joint %d differs: %+v vs %+v", i, j, o)
			}
			if j.PreRotation.Angle(anim.QuatIdentity) > 1e-6 {
				pre++
			}
		}
		if pre < 20 {
			t.Errorf("%d joints with PreRotation, want the X Bot's many", pre)
		}
	}
}

// TestDecodeRotationsContinuous: consecutive frames of a joint stay on one quaternion
// hemisphere, so linear interpolation between samples is safe.
func TestDecodeRotationsContinuous(t *testing.T) {
	t.Parallel()
	a, err := Decode(readCorpus(t, "mixamo/vrm4-pirate76__Walking_rootmotion.fbx"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	c := a.Clip()
	for f := 1; f < c.Frames; f++ {
		for j := 0; j < c.NumJoints; j++ {
			if d := c.Rotations[f*c.NumJoints+j].Dot(c.Rotations[(f-1)*c.NumJoints+j]); d < 0 {
				t.Fatalf("frame %d joint %d flips hemisphere (dot %v)", f, j, d)
			}
		}
	}
}

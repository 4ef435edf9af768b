package job

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

// genAnim is a small Mixamo-named humanoid (the joints blend and retarget need) swinging its
// limbs for a second at 60 fps.
func genAnim() *anim.Animation {
	s := &anim.Skeleton{Base: anim.Identity}
	add := func(name string, parent int, off anim.Vec3) int {
		s.Joints = append(s.Joints, anim.Joint{Name: "mixamorig:" + name, Parent: parent,
			Rest:        anim.Transform{T: off, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity})
		return len(s.Joints) - 1
	}
	hips := add("Hips", -1, anim.Vec3{0, 95, 0})
	spine := add("Spine", hips, anim.Vec3{0, 10, 0})
	head := add("Head", add("Neck", spine, anim.Vec3{0, 40, 0}), anim.Vec3{0, 10, 0})
	add("HeadTop_End", head, anim.Vec3{0, 18, 0})
	for _, side := range []string{"Left", "Right"} {
		x := map[string]float64{"Left": 1, "Right": -1}[side]
		add(side+"Hand", add(side+"ForeArm", add(side+"Arm", spine, anim.Vec3{18 * x, 35, 0}), anim.Vec3{26 * x, 0, 0}), anim.Vec3{25 * x, 0, 0})
		add(side+"ToeBase", add(side+"Foot", add(side+"Leg", add(side+"UpLeg", hips, anim.Vec3{9 * x, -5, 0}), anim.Vec3{0, -42, 0}), anim.Vec3{0, -40, 0}), anim.Vec3{0, -8, 12})
	}
	c := anim.NewClip("swing", s, 60, 61)
	for f := 0; f < c.Frames; f++ {
		rot, tr, _ := c.Pose(f)
		t := float64(f) / 60
		for j := range rot {
			rot[j] = anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, 0.4*math.Sin(2*math.Pi*t+float64(j)))
		}
		tr[hips] = anim.Vec3{0, 95 + 2*math.Sin(4*math.Pi*t), 100 * t}
	}
	return &anim.Animation{Skeleton: s, Clips: []*anim.Clip{c}}
}

func TestEncodeOutputOptions(t *testing.T) {
	t.Parallel()
	a := genAnim()
	for _, tt := range []struct {
		format string
		o      blend.Options
	}{
		{"fbx", blend.Options{MaxErrorCM: 0.5}},
		{"glb", blend.Options{MaxErrorCM: 0.5, VertexDistanceCM: 3}},
		{"gltf", blend.Options{MaxErrorCM: 1, Rename: "ue5"}},
		{"fbx", blend.Options{Rename: "godot"}},
		{"bvh", blend.Options{Rename: "unity"}},
	} {
		t.Run(fmt.Sprintf("%s %+v", tt.format, tt.o), func(t *testing.T) {
			t.Parallel()
			data, rep, err := Encode(a, tt.format, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := animfile.ByName(tt.format)
			back, err := f.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if tt.o.Rename != "" {
				if rep.Rename == nil || rep.Rename.Renamed == 0 || back.Skeleton.Index("mixamorig:Hips") >= 0 {
					t.Errorf("rename to %s: report %+v, file joints %v", tt.o.Rename, rep.Rename, back.Skeleton.Joints[0].Name)
				}
			}
			if tt.o.MaxErrorCM > 0 {
				c := rep.Compression
				if c == nil || c.BytesAfter != len(data) || c.BytesAfter >= c.BytesBefore || c.MaxErrorCM > tt.o.MaxErrorCM || c.KeysAfter >= c.KeysBefore {
					t.Errorf("compression report %+v for %d bytes", c, len(data))
				}
			} else if rep.Compression != nil {
				t.Errorf("compression without a bound: %+v", rep.Compression)
			}
		})
	}
}

func TestEncodeRefusesBadOutputOptions(t *testing.T) {
	t.Parallel()
	a := genAnim()
	for _, tt := range []struct {
		format, field string
		o             blend.Options
	}{
		{"bvh", "max_error_cm", blend.Options{MaxErrorCM: 1}},
		{"fbx", "rename", blend.Options{Rename: "maya"}},
		{"glb", "max_error_cm", blend.Options{MaxErrorCM: -1}},
		{"obj", "format", blend.Options{}},
	} {
		_, _, err := Encode(a, tt.format, tt.o)
		var oe *blend.OptionError
		if !errors.As(err, &oe) || oe.Field != tt.field {
			t.Errorf("%s %+v: error %v, want an *OptionError on %s", tt.format, tt.o, err, tt.field)
		}
	}
}

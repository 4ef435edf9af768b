package blend

import (
	"errors"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func TestLayerTouchesOnlyMaskedJoints(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 1, fps: 60, freq: 1, amp: 0.4, speed: 100})
	b := synthAnim(s, motion{seconds: 1, fps: 60, freq: 2, amp: 0.8, phase: 2, speed: 300})
	names := make([]string, len(s.Joints))
	parents := make([]int, len(s.Joints))
	for i, j := range s.Joints {
		names[i], parents[i] = j.Name, j.Parent
	}
	for _, preset := range mixamo.BodyPartNames() {
		for _, w := range []float64{1, 0.4} {
			out := mustRun(t, Options{Method: "layer", Mask: Mask{preset}, MaskWeight: f64(w)}, a, b).Animation.Clip()
			part, _ := mixamo.LookupBodyPart(preset)
			mask, _ := part.Mask(names, parents)
			ac, bc := a.Clip(), b.Clip()
			for i := range out.Rotations {
				j := i % out.NumJoints
				if out.Translations[i] != ac.Translations[i] {
					t.Fatalf("%s: translation of joint %d changed", preset, j)
				}
				qa, qb, q := ac.Rotations[i], bc.Rotations[i], out.Rotations[i]
				switch {
				case !mask[j] && q != qa:
					t.Fatalf("%s: unmasked joint %s changed", preset, names[j])
				case mask[j] && math.Abs(qa.Angle(q)-w*qa.Angle(qb)) > 1e-6:
					t.Fatalf("%s w=%v: masked joint %s is %v rad from A, want %v", preset, w, names[j], qa.Angle(q), w*qa.Angle(qb))
				}
			}
		}
	}
}

// upper_body and lower_body are complements: A's upper body over B equals B's lower body over A.
func TestLayerUpperLowerComplement(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a, b := synthAnim(s, walk), synthAnim(s, run)
	up := mustRun(t, Options{Method: "layer", Mask: Mask{"upper_body"}}, b, a).Animation.Clip()
	low := mustRun(t, Options{Method: "layer", Mask: Mask{"lower_body"}}, a, b).Animation.Clip()
	// up lasts B's duration, low A's: compare at equal phase by resampling low onto up's grid.
	low = low.Resample(float64(up.Frames-1) / low.Duration())
	for i := range up.Rotations {
		if d := up.Rotations[i].Angle(low.Rotations[i]); d > 0.05 {
			t.Fatalf("joint %d frame %d: %v rad apart", i%up.NumJoints, i/up.NumJoints, d)
		}
	}
}

func TestLayerExplicitJointsAndErrors(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a, b := synthAnim(s, walk), synthAnim(s, walk)
	b.Clips[0] = synthClip(s, motion{seconds: 1, fps: 60, freq: 3, amp: 0.9})
	out := mustRun(t, Options{Method: "layer", Mask: Mask{"LeftForeArm", "mixamorig:Neck"}}, a, b).Animation.Clip()
	changed := map[string]bool{}
	for i := range out.Rotations {
		if out.Rotations[i] != a.Clip().Rotations[i] {
			changed[mixamo.Normalize(s.Joints[i%out.NumJoints].Name)] = true
		}
	}
	// LeftForeArm, LeftHand and 20 finger joints; Neck, Head, HeadTop_End.
	if len(changed) != 25 || !changed["LeftHandPinky4"] || !changed["HeadTop_End"] || changed["LeftArm"] {
		t.Errorf("changed joints %v", changed)
	}
	_, err := Run(Options{Method: "layer", Mask: Mask{"LeftWing"}}, a, b)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "mask" {
		t.Errorf("unknown joint: %v", err)
	}
}

func TestAdditive(t *testing.T) {
	t.Parallel()
	s := xbotJoints(0)
	a := synthAnim(s, motion{seconds: 1, fps: 60, freq: 1, amp: 0.4, speed: 100})
	b := synthAnim(s, motion{seconds: 1, fps: 60, freq: 2, amp: 0.7, phase: 1})
	static := func(c *anim.Clip, f int) *anim.Animation {
		d := anim.NewClip("pose", s, c.FPS, c.Frames)
		r, tr, sc := c.Pose(f)
		for k := 0; k < d.Frames; k++ {
			dr, dt, ds := d.Pose(k)
			copy(dr, r)
			copy(dt, tr)
			copy(ds, sc)
		}
		return &anim.Animation{Skeleton: s, Clips: []*anim.Clip{d}}
	}
	tests := []struct {
		name string
		o    Options
		base *anim.Animation
		add  *anim.Animation
		want *anim.Clip
	}{
		{"weight 0 leaves A", Options{Method: "additive", Weight: f64(0)}, a, b, a.Clip()},
		{"a static B adds nothing", Options{Method: "additive"}, a, static(b.Clip(), 7), a.Clip()},
		{"adding onto the reference pose gives B", Options{Method: "additive"}, static(b.Clip(), 0), b, b.Clip()},
		{"reference_frame", Options{Method: "additive", ReferenceFrame: 30}, static(b.Clip(), 30), b, b.Clip()},
	}
	for _, tt := range tests {
		out := mustRun(t, tt.o, tt.base, tt.add).Animation.Clip()
		if ang, lin := clipDiff(t, out, tt.want); ang > 1e-9 || lin > 1e-9 {
			t.Errorf("%s: off by %g rad, %g cm", tt.name, ang, lin)
		}
	}
	_, err := Run(Options{Method: "additive", ReferenceFrame: 61}, a, b)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "reference_frame" {
		t.Errorf("reference past the end: %v", err)
	}
}

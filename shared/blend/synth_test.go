package blend

import (
	"fmt"
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// xbotJoints builds a Mixamo-like skeleton of 65 joints (the X Bot layout), plus extra props
// hanging from Spine2 when extra > 0. Names carry the "mixamorig:" prefix.
func xbotJoints(extra int) *anim.Skeleton {
	s := &anim.Skeleton{Base: anim.Identity}
	add := func(name string, parent int, off anim.Vec3) int {
		s.Joints = append(s.Joints, anim.Joint{
			Name: "mixamorig:" + name, Parent: parent,
			Rest:        anim.Transform{T: off, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity,
		})
		return len(s.Joints) - 1
	}
	hips := add("Hips", -1, anim.Vec3{0, 100, 0})
	spine := add("Spine", hips, anim.Vec3{0, 10, 0})
	spine1 := add("Spine1", spine, anim.Vec3{0, 12, 0})
	spine2 := add("Spine2", spine1, anim.Vec3{0, 14, 0})
	neck := add("Neck", spine2, anim.Vec3{0, 16, 0})
	head := add("Head", neck, anim.Vec3{0, 9, 0})
	add("HeadTop_End", head, anim.Vec3{0, 20, 0})
	for _, side := range []struct {
		name string
		x    float64
	}{{"Left", 1}, {"Right", -1}} {
		sh := add(side.name+"Shoulder", spine2, anim.Vec3{6 * side.x, 12, 0})
		arm := add(side.name+"Arm", sh, anim.Vec3{12 * side.x, 0, 0})
		fore := add(side.name+"ForeArm", arm, anim.Vec3{27 * side.x, 0, 0})
		hand := add(side.name+"Hand", fore, anim.Vec3{27 * side.x, 0, 0})
		for fi, finger := range []string{"Thumb", "Index", "Middle", "Ring", "Pinky"} {
			p := hand
			for k := 1; k <= 4; k++ {
				off := anim.Vec3{3 * side.x, 0, float64(fi-2) * 2}
				p = add(fmt.Sprintf("%sHand%s%d", side.name, finger, k), p, off)
			}
		}
	}
	for _, side := range []struct {
		name string
		x    float64
	}{{"Left", 1}, {"Right", -1}} {
		up := add(side.name+"UpLeg", hips, anim.Vec3{9 * side.x, -6, 0})
		leg := add(side.name+"Leg", up, anim.Vec3{0, -42, 0})
		foot := add(side.name+"Foot", leg, anim.Vec3{0, -42, 0})
		toe := add(side.name+"ToeBase", foot, anim.Vec3{0, -8, 12})
		add(side.name+"Toe_End", toe, anim.Vec3{0, 0, 8})
	}
	p := spine2
	for i := 0; i < extra; i++ {
		p = add(fmt.Sprintf("Prop%d", i), p, anim.Vec3{0, 1, 1})
	}
	return s
}

// motion parameterises a generated clip: every joint swings about its own axis at freq Hz;
// the character starts facing heading (radians about +Y) and turns at turn rad/s; the Hips
// travel at speed cm/s in the direction strafe radians from the facing, and bob and sway.
type motion struct {
	seconds float64
	fps     float64
	freq    float64
	amp     float64 // radians
	phase   float64
	speed   float64
	heading float64
	turn    float64
	strafe  float64
}

// synthClip generates a clip of m on s.
func synthClip(s *anim.Skeleton, m motion) *anim.Clip {
	frames := int(math.Round(m.seconds*m.fps)) + 1
	c := anim.NewClip(fmt.Sprintf("synth%.2f", m.freq), s, m.fps, frames)
	var travel anim.Vec3
	for f := 0; f < frames; f++ {
		t := float64(f) / m.fps
		facing := m.heading + m.turn*t
		if f > 0 {
			d := facing - m.turn/(2*m.fps) + m.strafe // midpoint of the step
			travel = travel.Add(anim.Vec3{math.Sin(d), 0, math.Cos(d)}.Scale(m.speed / m.fps))
		}
		rot, tr, _ := c.Pose(f)
		for j := range rot {
			axis := anim.Vec3{math.Sin(float64(j)), math.Cos(float64(j) * 0.7), 0.5}
			axis = axis.Scale(1 / axis.Len())
			a := m.amp * math.Sin(2*math.Pi*m.freq*t+m.phase+float64(j)*0.3)
			rot[j] = anim.QuatAxisAngle(axis, a).Mul(rot[j])
		}
		tr[0] = tr[0].Add(travel).Add(anim.Vec3{2 * math.Sin(2*math.Pi*m.freq*t), 3 * math.Cos(4*math.Pi*m.freq*t), 0})
		rot[0] = anim.QuatAxisAngle(anim.Vec3{0, 1, 0}, facing).Mul(rot[0])
	}
	return c
}

func synthAnim(s *anim.Skeleton, m motion) *anim.Animation {
	return &anim.Animation{Skeleton: s, Clips: []*anim.Clip{synthClip(s, m)}}
}

var (
	walk = motion{seconds: 1, fps: 60, freq: 1, amp: 0.4}
	run  = motion{seconds: 0.7, fps: 60, freq: 1 / 0.7, amp: 0.7, phase: 0.5}
)

// poseDiff returns the largest rotation angle (radians) and translation/scale difference (cm)
// between frame fa of a and frame fb of b, over all joints.
func poseDiff(a *anim.Clip, fa int, b *anim.Clip, fb int) (ang, lin float64) {
	ra, ta, sa := a.Pose(fa)
	rb, tb, sb := b.Pose(fb)
	for j := range ra {
		ang = math.Max(ang, ra[j].Angle(rb[j]))
		lin = math.Max(lin, ta[j].Sub(tb[j]).Len())
		lin = math.Max(lin, sa[j].Sub(sb[j]).Len())
	}
	return ang, lin
}

// clipDiff compares two clips frame by frame; they must have the same shape.
func clipDiff(t *testing.T, a, b *anim.Clip) (ang, lin float64) {
	t.Helper()
	if a.Frames != b.Frames || a.NumJoints != b.NumJoints {
		t.Fatalf("shape %dx%d vs %dx%d", a.Frames, a.NumJoints, b.Frames, b.NumJoints)
	}
	for f := 0; f < a.Frames; f++ {
		x, y := poseDiff(a, f, b, f)
		ang, lin = math.Max(ang, x), math.Max(lin, y)
	}
	return ang, lin
}

func f64(v float64) *float64 { return &v }

func mustRun(t testing.TB, o Options, in ...*anim.Animation) *Result {
	t.Helper()
	r, err := Run(o, in...)
	if err != nil {
		t.Fatalf("Run(%+v): %v", o, err)
	}
	if err := r.Animation.Clip().Validate(r.Animation.Skeleton); err != nil {
		t.Fatalf("invalid output: %v", err)
	}
	return r
}

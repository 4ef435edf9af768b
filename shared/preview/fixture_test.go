package preview

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// figureRig is a small Mixamo-named humanoid of 20 joints, about 175 cm tall times scale,
// padded with extra finger joints up to joints in all (for the benchmark's 65-joint rig).
func figureRig(scale float64, joints int) *anim.Skeleton {
	s := &anim.Skeleton{Base: anim.Identity}
	add := func(name string, parent int, t anim.Vec3) int {
		s.Joints = append(s.Joints, anim.Joint{Name: "mixamorig:" + name, Parent: parent,
			Rest:        anim.Transform{T: t.Scale(scale), R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity})
		return len(s.Joints) - 1
	}
	hips := add("Hips", -1, anim.Vec3{0, 95, 0})
	spine := add("Spine", hips, anim.Vec3{0, 12, 0})
	chest := add("Spine2", spine, anim.Vec3{0, 25, 0})
	neck := add("Neck", chest, anim.Vec3{0, 18, 0})
	add("Head", neck, anim.Vec3{0, 12, 2})
	var hands []int
	for _, side := range []struct {
		name string
		x    float64
	}{{"Left", 1}, {"Right", -1}} {
		up := add(side.name+"UpLeg", hips, anim.Vec3{9 * side.x, -3, 0})
		knee := add(side.name+"Leg", up, anim.Vec3{0, -42, 0})
		foot := add(side.name+"Foot", knee, anim.Vec3{0, -42, 0})
		add(side.name+"ToeBase", foot, anim.Vec3{0, -7, 12})
		sh := add(side.name+"Shoulder", chest, anim.Vec3{6 * side.x, 12, 0})
		arm := add(side.name+"Arm", sh, anim.Vec3{12 * side.x, 0, 0})
		fore := add(side.name+"ForeArm", arm, anim.Vec3{0, -28, 0})
		hands = append(hands, add(side.name+"Hand", fore, anim.Vec3{0, -25, 0}))
	}
	for i := 0; len(s.Joints) < joints; i++ {
		h := hands[i%2]
		side := "Left"
		if i%2 == 1 {
			side = "Right"
		}
		add(side+"HandFinger", h, anim.Vec3{0, -3, float64(i%5) - 2})
	}
	return s
}

// walkClip is a synthetic walk of the figure: legs and arms swing in antiphase about X with a
// stride period of 1 s while the hips advance along Z at speed cm/s (0 for in place) and sway
// along X.
func walkClip(s *anim.Skeleton, fps float64, frames int, speed float64) *anim.Clip {
	c := anim.NewClip("walk", s, fps, frames)
	rx := func(a float64) anim.Quat { return anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, a) }
	idx := func(n string) int { return s.Index("mixamorig:" + n) }
	scale := s.Joints[0].Rest.T[1] / 95
	for f := 0; f < frames; f++ {
		ph := 2 * math.Pi * float64(f) / fps
		o := f * c.NumJoints
		hips := s.Joints[0].Rest.T
		hips[2] += speed * scale * float64(f) / fps
		hips[0] += 3 * scale * math.Sin(ph)
		hips[1] += 2 * scale * math.Cos(2*ph)
		c.Translations[o] = hips
		for i, side := range []string{"Left", "Right"} {
			sw := math.Sin(ph + math.Pi*float64(i))
			c.Rotations[o+idx(side+"UpLeg")] = rx(-0.45 * sw)
			c.Rotations[o+idx(side+"Leg")] = rx(0.5 * (1 + math.Cos(ph+math.Pi*float64(i))) / 2)
			c.Rotations[o+idx(side+"Arm")] = rx(0.4 * sw)
			c.Rotations[o+idx(side+"ForeArm")] = rx(-0.3)
		}
	}
	return c
}

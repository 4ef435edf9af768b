package quality

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Joint indices of the synthetic legs rig.
const (
	jHips = iota
	jLUpLeg
	jLLeg
	jLFoot
	jLToe
	jRUpLeg
	jRLeg
	jRFoot
	jRToe
	jSpine
)

// legsRig is a minimal Mixamo-named rig: hips 90 cm up, two 80 cm legs (40+40), toes 8 cm
// below and 10 cm ahead of the ankles, so ankles rest at 10 cm and toes at 2 cm.
func legsRig(scale float64) *anim.Skeleton {
	j := func(name string, parent int, t anim.Vec3) anim.Joint {
		return anim.Joint{Name: "mixamorig:" + name, Parent: parent,
			Rest:        anim.Transform{T: t.Scale(scale), R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}},
			PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity}
	}
	return &anim.Skeleton{Base: anim.Identity, Joints: []anim.Joint{
		j("Hips", -1, anim.Vec3{0, 90, 0}),
		j("LeftUpLeg", jHips, anim.Vec3{10, 0, 0}),
		j("LeftLeg", jLUpLeg, anim.Vec3{0, -40, 0}),
		j("LeftFoot", jLLeg, anim.Vec3{0, -40, 0}),
		j("LeftToeBase", jLFoot, anim.Vec3{0, -8, 10}),
		j("RightUpLeg", jHips, anim.Vec3{-10, 0, 0}),
		j("RightLeg", jRUpLeg, anim.Vec3{0, -40, 0}),
		j("RightFoot", jRLeg, anim.Vec3{0, -40, 0}),
		j("RightToeBase", jRFoot, anim.Vec3{0, -8, 10}),
		j("Spine", jHips, anim.Vec3{0, 10, 0}),
	}}
}

// setFootWorld places an ankle at world position p (rotations stay identity) by setting its
// local translation under the knee, whose world position is fixed by the rest pose.
func setFootWorld(s *anim.Skeleton, c *anim.Clip, f, foot int, p anim.Vec3) {
	knee := s.Joints[foot].Parent
	kp := c.WorldPositions(s, f, nil)[knee]
	c.Translations[f*c.NumJoints+foot] = p.Sub(kp)
}

// gaitClip is a synthetic walk: each foot is planted for half of a period and swings (rising
// to lift cm) for the other half, the feet in antiphase. With treadmill speed v (cm/s) the
// planted foot slides backwards at v as in an in-place clip, and swings forward at v.
func gaitClip(s *anim.Skeleton, fps float64, frames int, period, lift, v float64) *anim.Clip {
	return gaitClipSpeeds(s, fps, frames, period, lift, func(int) float64 { return v })
}

// gaitClipSpeeds is gaitClip with a treadmill speed per gait cycle of each foot, v(cycle).
func gaitClipSpeeds(s *anim.Skeleton, fps float64, frames int, period, lift float64, speed func(cycle int) float64) *anim.Clip {
	c := anim.NewClip("gait", s, fps, frames)
	for f := 0; f < frames; f++ {
		t := float64(f) / fps
		for side, foot := range []int{jLFoot, jRFoot} {
			cycle := t/period + 0.5*float64(side)
			ph := math.Mod(cycle, 1)
			v := speed(int(cycle))
			x := 10.0
			if side == 1 {
				x = -10
			}
			var y, z float64
			if ph < 0.5 { // stance: on the ground, moving back with the treadmill
				y, z = 10, -v*period*(ph-0.25)
			} else { // swing: up and forward
				y = 10 + lift*math.Sin((ph-0.5)*2*math.Pi)
				z = v * period * (ph - 0.75)
			}
			setFootWorld(s, c, f, foot, anim.Vec3{x, y, z})
		}
	}
	return c
}

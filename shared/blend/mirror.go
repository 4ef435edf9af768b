package blend

import (
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// mirrorPartners maps each joint to its other-side joint (LeftHand <-> RightHand, matched by
// mixamo.Normalize name), or to itself when it has none (the spine, the head, a prop).
func mirrorPartners(s *anim.Skeleton) []int {
	index := make(map[string]int, len(s.Joints))
	names := make([]string, len(s.Joints))
	for j := len(s.Joints) - 1; j >= 0; j-- {
		names[j] = mixamo.Normalize(s.Joints[j].Name)
		index[names[j]] = j
	}
	out := make([]int, len(s.Joints))
	for j, n := range names {
		out[j] = j
		var other string
		switch {
		case strings.HasPrefix(n, "Left"):
			other = "Right" + n[len("Left"):]
		case strings.HasPrefix(n, "Right"):
			other = "Left" + n[len("Right"):]
		default:
			continue
		}
		if k, ok := index[other]; ok {
			out[j] = k
		}
	}
	return out
}

// mirror reflects the clip across the character's sagittal plane, in place: the plane x = c of
// the space the roots live in (Mixamo: Y up, facing +Z, so X is lateral), where c is the Hips'
// x at the first frame. Each joint takes its partner's motion, reflected.
//
// Working on world poses, not only local channels, is what makes this right for Mixamo's rigs,
// whose left and right bones have different rest orientations: with M the reflection, joint j's
// mirrored world position is M·p(partner) and its world rotation M·R(partner)·N_j with
// N_j = Rrest(partner)⁻¹·M·Rrest(j) (a proper rotation again, since both M and N_j reflect).
// The mirrored rest pose of a symmetric rig is then itself, mirroring twice is the identity
// (N_partner·N_j = I), and every joint lands exactly on the reflection of its partner's
// position whatever the rig's symmetry. For a reflection across the x = 0 plane,
// M·R·M is the quaternion with y and z negated.
func mirror(s *anim.Skeleton, c *anim.Clip) error {
	n := len(s.Joints)
	if c.NumJoints != n {
		return optErr("mirror", "clip has %d joints, skeleton %d", c.NumJoints, n)
	}
	for j := range s.Joints {
		if sc := c.Scales[j]; !uniform(sc) {
			return optErr("mirror", "joint %q has a non-uniform scale %v, which a mirror cannot keep", s.Joints[j].Name, sc)
		}
	}
	partner := mirrorPartners(s)
	hips := hipsIndex(s)
	if hips < 0 {
		return optErr("mirror", "the rig has no Hips to find the sagittal plane by")
	}

	// Rest world rotations, for the correction N_j of each joint.
	restQ := make([]anim.Quat, n)
	for j, jt := range s.Joints {
		restQ[j] = jt.Rest.R
		if p := jt.Parent; p >= 0 {
			restQ[j] = restQ[p].Mul(jt.Rest.R)
		}
	}

	q := make([]anim.Quat, n)  // world rotations of the frame
	p := make([]anim.Vec3, n)  // world positions
	sc := make([]float64, n)   // world (uniform) scale
	mq := make([]anim.Quat, n) // mirrored world rotations
	mp := make([]anim.Vec3, n)
	worldPose(s, c, 0, q, p, sc)
	plane := p[hips][0]
	for f := 0; f < c.Frames; f++ {
		worldPose(s, c, f, q, p, sc)
		rot, tr, scl := c.Pose(f)
		for j := 0; j < n; j++ {
			k := partner[j]
			// M·R·N with N = Rrest(k)⁻¹·M·Rrest(j): (M·R·Rrest(k)⁻¹·M)·Rrest(j).
			mq[j] = reflectQuat(q[k].Mul(restQ[k].Conj())).Mul(restQ[j]).Normalize()
			mp[j] = anim.Vec3{2*plane - p[k][0], p[k][1], p[k][2]}
		}
		for j := 0; j < n; j++ {
			if par := s.Joints[j].Parent; par < 0 {
				rot[j], tr[j] = mq[j], mp[j]
			} else {
				inv := mq[par].Conj()
				rot[j] = inv.Mul(mq[j]).Normalize()
				tr[j] = inv.Rotate(mp[j].Sub(mp[par])).Scale(1 / sc[partner[par]])
			}
		}
		// Scales swap with the partner after the pose is read.
		for j := 0; j < n; j++ {
			if k := partner[j]; k > j {
				scl[j], scl[k] = scl[k], scl[j]
			}
		}
	}
	return nil
}

// reflectQuat returns M·R·M for the reflection M across the plane x = 0.
func reflectQuat(q anim.Quat) anim.Quat { return anim.Quat{q[0], -q[1], -q[2], q[3]} }

func uniform(s anim.Vec3) bool {
	const eps = 1e-6
	d := func(a, b float64) float64 {
		if a > b {
			return a - b
		}
		return b - a
	}
	return d(s[0], s[1]) <= eps*max(1, s[0]) && d(s[0], s[2]) <= eps*max(1, s[0])
}

// worldPose computes the world rotation, position and uniform scale of every joint at frame f,
// in the space the roots live in (below Skeleton.Base).
func worldPose(s *anim.Skeleton, c *anim.Clip, f int, q []anim.Quat, p []anim.Vec3, sc []float64) {
	rot, tr, scl := c.Pose(f)
	for j, jt := range s.Joints {
		if par := jt.Parent; par < 0 {
			q[j], p[j], sc[j] = rot[j], tr[j], scl[j][0]
		} else {
			q[j] = q[par].Mul(rot[j])
			p[j] = p[par].Add(q[par].Rotate(tr[j].Scale(sc[par])))
			sc[j] = sc[par] * scl[j][0]
		}
	}
}

// hipsIndex returns the index of the joint whose normalised name is Hips, or -1.
func hipsIndex(s *anim.Skeleton) int {
	for j := range s.Joints {
		if mixamo.Normalize(s.Joints[j].Name) == "Hips" {
			return j
		}
	}
	return -1
}

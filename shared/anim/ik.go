package anim

import "math"

// TwoBoneIK bends the chain a → b → c (e.g. UpLeg → Leg → Foot, with b a's child and c b's
// child) so that c's world position reaches target, changing only the local rotations of a and
// b in frame f of the clip. c keeps its world orientation, so a planted foot stays flat. The
// bend stays in the chain's current plane; a target out of reach is approached as closely as
// the bone lengths allow. world must hold the frame's world matrices (WorldMatrices) and is
// left stale for a, b, c and their descendants.
func (c *Clip) TwoBoneIK(s *Skeleton, f int, a, b, cj int, target Vec3, world []Mat4) {
	pos := func(m Mat4) Vec3 { return Vec3{m[12], m[13], m[14]} }
	pa, pb, pc := pos(world[a]), pos(world[b]), pos(world[cj])
	ra, rb, rc := world[a].Decompose().R, world[b].Decompose().R, world[cj].Decompose().R

	l1, l2 := pb.Sub(pa).Len(), pc.Sub(pb).Len()
	if l1 < 1e-9 || l2 < 1e-9 {
		return
	}
	const eps = 1e-4
	d := clamp(target.Sub(pa).Len(), math.Abs(l1-l2)+eps, l1+l2-eps)

	// Interior angles now and as the law of cosines wants them for reach d.
	acab0 := angleBetween(pc.Sub(pa), pb.Sub(pa))
	babc0 := angleBetween(pa.Sub(pb), pc.Sub(pb))
	acab1 := math.Acos(clamp((l2*l2-l1*l1-d*d)/(-2*l1*d), -1, 1))
	babc1 := math.Acos(clamp((d*d-l1*l1-l2*l2)/(-2*l1*l2), -1, 1))

	axis := pc.Sub(pa).Cross(pb.Sub(pa))
	if axis.Len() < 1e-9 { // a straight chain has no bend plane: bend about a's own X axis
		axis = ra.Rotate(Vec3{1, 0, 0})
	}
	axis = axis.Scale(1 / axis.Len())
	r0 := QuatAxisAngle(axis, acab1-acab0)
	r1 := QuatAxisAngle(axis, babc1-babc0)

	// Then swing the whole chain at a so that c points at the target.
	r2 := QuatIdentity
	from := r0.Rotate(pb.Sub(pa)).Add(r0.Mul(r1).Rotate(pc.Sub(pb))) // c relative to a, bent
	to := target.Sub(pa)
	if ax := from.Cross(to); ax.Len() > 1e-12 {
		r2 = QuatAxisAngle(ax.Scale(1/ax.Len()), angleBetween(from, to))
	}

	// World rotations after the change, then back to local ones.
	raNew := r2.Mul(r0).Mul(ra)
	rbNew := r2.Mul(r0).Mul(r1).Mul(rb)
	n := c.NumJoints
	parentRot := func(j int) Quat {
		if p := s.Joints[j].Parent; p >= 0 {
			return world[p].Decompose().R
		}
		return s.Base.R
	}
	c.Rotations[f*n+a] = parentRot(a).Conj().Mul(raNew).Normalize()
	c.Rotations[f*n+b] = raNew.Conj().Mul(rbNew).Normalize()
	c.Rotations[f*n+cj] = rbNew.Conj().Mul(rc).Normalize()
}

func angleBetween(u, v Vec3) float64 {
	return math.Atan2(u.Cross(v).Len(), u.Dot(v))
}

func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

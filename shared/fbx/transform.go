package fbx

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// nodeXform holds a Model's transform properties in file units, degrees for angles.
type nodeXform struct {
	t, r, s            anim.Vec3 // Lcl Translation, Lcl Rotation, Lcl Scaling
	roff, rp, soff, sp anim.Vec3 // RotationOffset, RotationPivot, ScalingOffset, ScalingPivot
	pre, post          anim.Quat // PreRotation, PostRotation (always XYZ)
	order              anim.RotationOrder
	unit               float64 // centimetres per file unit
	simple             bool    // offsets and pivots all zero: no matrix algebra needed
	hasPre, hasPost    bool    // PreRotation / PostRotation differ from the identity
}

func (s *scene) xform(o *fbxObject, unit float64) nodeXform {
	x := nodeXform{
		t:    s.propVec(o, "Lcl Translation", anim.Vec3{}),
		r:    s.propVec(o, "Lcl Rotation", anim.Vec3{}),
		s:    s.propVec(o, "Lcl Scaling", anim.Vec3{1, 1, 1}),
		roff: s.propVec(o, "RotationOffset", anim.Vec3{}),
		rp:   s.propVec(o, "RotationPivot", anim.Vec3{}),
		soff: s.propVec(o, "ScalingOffset", anim.Vec3{}),
		sp:   s.propVec(o, "ScalingPivot", anim.Vec3{}),
		pre:  anim.EulerToQuat(s.propVec(o, "PreRotation", anim.Vec3{}), anim.OrderXYZ),
		post: anim.EulerToQuat(s.propVec(o, "PostRotation", anim.Vec3{}), anim.OrderXYZ),
		unit: unit,
	}
	if ord := s.propInt(o, "RotationOrder", 0); ord > 0 && ord <= int64(anim.OrderZYX) {
		x.order = anim.RotationOrder(ord)
	}
	x.hasPre, x.hasPost = x.pre != anim.QuatIdentity, x.post != anim.QuatIdentity
	// FBX's "spheric XYZ" order (6) evaluates as XYZ; anything else unknown does too.
	x.simple = x.roff == (anim.Vec3{}) && x.rp == (anim.Vec3{}) && x.soff == (anim.Vec3{}) && x.sp == (anim.Vec3{})
	return x
}

// local composes T·Roff·Rp·Rpre·R·Rpost⁻¹·Rp⁻¹·Soff·Sp·S·Sp⁻¹ for the given translation,
// Euler rotation (degrees) and scale, translations converted to centimetres.
func (x *nodeXform) local(t, r, s anim.Vec3) anim.Transform {
	rot := x.rotation(r)
	if x.simple {
		return anim.Transform{T: t.Scale(x.unit), R: rot, S: s}
	}
	return x.matrix(t, rot, s).Decompose()
}

func (x *nodeXform) matrix(t anim.Vec3, rot anim.Quat, s anim.Vec3) anim.Mat4 {
	u := x.unit
	tr := func(v anim.Vec3) anim.Mat4 {
		return anim.Transform{T: v.Scale(u), R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}.Matrix()
	}
	m := tr(t.Add(x.roff).Add(x.rp))
	m = m.Mul(anim.Transform{R: rot, S: anim.Vec3{1, 1, 1}}.Matrix())
	m = m.Mul(tr(x.soff.Add(x.sp).Sub(x.rp)))
	m = m.Mul(anim.Transform{R: anim.QuatIdentity, S: s}.Matrix())
	return m.Mul(tr(x.sp.Scale(-1)))
}

// localMatrix is local as a matrix, for composing non-joint ancestors.
func (x *nodeXform) localMatrix() anim.Mat4 {
	return x.matrix(x.t, x.rotation(x.r), x.s)
}

// rotation is the full local rotation Rpre·R·Rpost⁻¹ for Lcl Rotation r in degrees.
func (x *nodeXform) rotation(r anim.Vec3) anim.Quat {
	q := eulerQuat(r, x.order)
	if x.hasPre {
		q = x.pre.Mul(q)
	}
	if x.hasPost {
		q = q.Mul(x.post.Conj())
	}
	return q
}

// eulerQuat is anim.EulerToQuat without its loop over axes: sampling calls it for every
// animated joint on every frame.
func eulerQuat(deg anim.Vec3, order anim.RotationOrder) anim.Quat {
	const half = math.Pi / 360
	sx, cx := math.Sincos(deg[0] * half)
	sy, cy := math.Sincos(deg[1] * half)
	sz, cz := math.Sincos(deg[2] * half)
	if order == anim.OrderXYZ {
		// qz·qy·qx written out (files almost always use XYZ): the products Mul would form
		// with the zero components drop out, and the rest are the same operations in the
		// same order, so the result is Mul's.
		x1, y1, z1, w1 := -(sz * sy), cz*sy, sz*cy, cz*cy
		return anim.Quat{w1*sx + x1*cx, y1*cx + z1*sx, z1*cx - y1*sx, w1*cx - x1*sx}
	}
	qx, qy, qz := anim.Quat{sx, 0, 0, cx}, anim.Quat{0, sy, 0, cy}, anim.Quat{0, 0, sz, cz}
	// The first axis applied is the rightmost factor.
	switch order {
	case anim.OrderXZY:
		return qy.Mul(qz).Mul(qx)
	case anim.OrderYZX:
		return qx.Mul(qz).Mul(qy)
	case anim.OrderYXZ:
		return qz.Mul(qx).Mul(qy)
	case anim.OrderZXY:
		return qy.Mul(qx).Mul(qz)
	case anim.OrderZYX:
		return qx.Mul(qy).Mul(qz)
	}
	return qz.Mul(qy).Mul(qx)
}

package anim

import "math"

// Vec3 is a 3-component vector. Positions are centimetres in a right-handed, Y-up frame.
type Vec3 [3]float64

// Add returns a+b.
func (a Vec3) Add(b Vec3) Vec3 { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

// Sub returns a-b.
func (a Vec3) Sub(b Vec3) Vec3 { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

// Scale returns a*s.
func (a Vec3) Scale(s float64) Vec3 { return Vec3{a[0] * s, a[1] * s, a[2] * s} }

// Mul returns the component-wise product.
func (a Vec3) Mul(b Vec3) Vec3 { return Vec3{a[0] * b[0], a[1] * b[1], a[2] * b[2]} }

// Dot returns the dot product.
func (a Vec3) Dot(b Vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// Cross returns the cross product a×b.
func (a Vec3) Cross(b Vec3) Vec3 {
	return Vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// Len returns the Euclidean length.
func (a Vec3) Len() float64 { return math.Sqrt(a.Dot(a)) }

// Lerp interpolates linearly from a (t=0) to b (t=1).
func (a Vec3) Lerp(b Vec3, t float64) Vec3 {
	return Vec3{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

// Quat is a rotation quaternion {X, Y, Z, W}.
type Quat [4]float64

// QuatIdentity is the identity rotation.
var QuatIdentity = Quat{0, 0, 0, 1}

// Mul returns the Hamilton product q*r (apply r first, then q).
func (q Quat) Mul(r Quat) Quat {
	return Quat{
		q[3]*r[0] + q[0]*r[3] + q[1]*r[2] - q[2]*r[1],
		q[3]*r[1] - q[0]*r[2] + q[1]*r[3] + q[2]*r[0],
		q[3]*r[2] + q[0]*r[1] - q[1]*r[0] + q[2]*r[3],
		q[3]*r[3] - q[0]*r[0] - q[1]*r[1] - q[2]*r[2],
	}
}

// Conj returns the conjugate, the inverse of a unit quaternion.
func (q Quat) Conj() Quat { return Quat{-q[0], -q[1], -q[2], q[3]} }

// Dot returns the 4D dot product.
func (q Quat) Dot(r Quat) float64 { return q[0]*r[0] + q[1]*r[1] + q[2]*r[2] + q[3]*r[3] }

// Neg returns -q, the same rotation on the other hemisphere.
func (q Quat) Neg() Quat { return Quat{-q[0], -q[1], -q[2], -q[3]} }

// Normalize returns q scaled to unit length; a zero quaternion becomes the identity.
func (q Quat) Normalize() Quat {
	n := math.Sqrt(q.Dot(q))
	if n < 1e-300 {
		return QuatIdentity
	}
	return Quat{q[0] / n, q[1] / n, q[2] / n, q[3] / n}
}

// Rotate applies the rotation to v.
func (q Quat) Rotate(v Vec3) Vec3 {
	u := Vec3{q[0], q[1], q[2]}
	t := u.Cross(v).Scale(2)
	return v.Add(t.Scale(q[3])).Add(u.Cross(t))
}

// Angle returns the rotation angle in radians (0..π) between q and r.
func (q Quat) Angle(r Quat) float64 {
	// atan2 of the relative rotation stays precise near zero, where acos does not.
	d := q.Conj().Mul(r)
	return 2 * math.Atan2(math.Sqrt(d[0]*d[0]+d[1]*d[1]+d[2]*d[2]), math.Abs(d[3]))
}

// QuatAxisAngle returns the rotation of angle radians about a unit axis.
func QuatAxisAngle(axis Vec3, angle float64) Quat {
	s, c := math.Sincos(angle / 2)
	return Quat{axis[0] * s, axis[1] * s, axis[2] * s, c}
}

// Slerp interpolates from q (t=0) to r (t=1) along the shorter arc.
func Slerp(q, r Quat, t float64) Quat {
	d := q.Dot(r)
	if d < 0 { // hemisphere correction: never take the long way round
		r, d = r.Neg(), -d
	}
	if d > 0.9995 {
		return Quat{
			q[0] + (r[0]-q[0])*t, q[1] + (r[1]-q[1])*t,
			q[2] + (r[2]-q[2])*t, q[3] + (r[3]-q[3])*t,
		}.Normalize()
	}
	theta := math.Acos(d)
	s := math.Sin(theta)
	a := math.Sin((1-t)*theta) / s
	b := math.Sin(t*theta) / s
	return Quat{a*q[0] + b*r[0], a*q[1] + b*r[1], a*q[2] + b*r[2], a*q[3] + b*r[3]}
}

// RotationOrder is the order in which Euler angles apply, named as FBX names it:
// XYZ applies X first, then Y, then Z (R = Rz·Ry·Rx for column vectors).
type RotationOrder uint8

// Euler orders, numbered as FBX's EFbxRotationOrder.
const (
	OrderXYZ RotationOrder = iota
	OrderXZY
	OrderYZX
	OrderYXZ
	OrderZXY
	OrderZYX
)

// String returns the order's name, e.g. "XYZ".
func (o RotationOrder) String() string {
	if int(o) < len(orderNames) {
		return orderNames[o]
	}
	return "XYZ"
}

var orderNames = [...]string{"XYZ", "XZY", "YZX", "YXZ", "ZXY", "ZYX"}

// axes returns the axis indices in application order.
func (o RotationOrder) axes() [3]int {
	switch o {
	case OrderXZY:
		return [3]int{0, 2, 1}
	case OrderYZX:
		return [3]int{1, 2, 0}
	case OrderYXZ:
		return [3]int{1, 0, 2}
	case OrderZXY:
		return [3]int{2, 0, 1}
	case OrderZYX:
		return [3]int{2, 1, 0}
	}
	return [3]int{0, 1, 2}
}

// EulerToQuat converts Euler angles in degrees (about X, Y, Z) applied in the given order.
func EulerToQuat(deg Vec3, order RotationOrder) Quat {
	q := QuatIdentity
	for _, ax := range order.axes() {
		var axis Vec3
		axis[ax] = 1
		q = QuatAxisAngle(axis, deg[ax]*math.Pi/180).Mul(q)
	}
	return q
}

// QuatToEuler converts q to Euler angles in degrees for the given order, the inverse of EulerToQuat.
func QuatToEuler(q Quat, order RotationOrder) Vec3 {
	m := q.Normalize().Matrix3()
	// Element (r,c) of the rotation matrix.
	e := func(r, c int) float64 { return m[r*3+c] }
	a := order.axes()
	i, j, k := a[0], a[1], a[2]
	// Sign of the permutation (i,j,k): +1 for cyclic orders (XYZ, YZX, ZXY).
	sign := 1.0
	if (j-i+3)%3 != 1 {
		sign = -1
	}
	// R = Rk·Rj·Ri; the middle angle comes from element (k,i).
	sy := -sign * e(k, i)
	if sy > 1 {
		sy = 1
	} else if sy < -1 {
		sy = -1
	}
	var out Vec3
	out[j] = math.Asin(sy)
	if math.Abs(sy) < 0.9999999 {
		out[i] = math.Atan2(sign*e(k, j), e(k, k))
		out[k] = math.Atan2(sign*e(j, i), e(i, i))
	} else { // gimbal lock: fold the first angle into the last
		out[i] = 0
		out[k] = math.Atan2(-sign*e(i, j), e(j, j))
	}
	return out.Scale(180 / math.Pi)
}

// Matrix3 returns the row-major 3×3 rotation matrix of a unit quaternion.
func (q Quat) Matrix3() [9]float64 {
	x, y, z, w := q[0], q[1], q[2], q[3]
	return [9]float64{
		1 - 2*(y*y+z*z), 2 * (x*y - z*w), 2 * (x*z + y*w),
		2 * (x*y + z*w), 1 - 2*(x*x+z*z), 2 * (y*z - x*w),
		2 * (x*z - y*w), 2 * (y*z + x*w), 1 - 2*(x*x+y*y),
	}
}

// QuatFromMatrix3 returns the unit quaternion of a row-major 3×3 rotation matrix.
func QuatFromMatrix3(m [9]float64) Quat {
	tr := m[0] + m[4] + m[8]
	var q Quat
	switch {
	case tr > 0:
		s := math.Sqrt(tr+1) * 2
		q = Quat{(m[7] - m[5]) / s, (m[2] - m[6]) / s, (m[3] - m[1]) / s, s / 4}
	case m[0] > m[4] && m[0] > m[8]:
		s := math.Sqrt(1+m[0]-m[4]-m[8]) * 2
		q = Quat{s / 4, (m[1] + m[3]) / s, (m[2] + m[6]) / s, (m[7] - m[5]) / s}
	case m[4] > m[8]:
		s := math.Sqrt(1+m[4]-m[0]-m[8]) * 2
		q = Quat{(m[1] + m[3]) / s, s / 4, (m[5] + m[7]) / s, (m[2] - m[6]) / s}
	default:
		s := math.Sqrt(1+m[8]-m[0]-m[4]) * 2
		q = Quat{(m[2] + m[6]) / s, (m[5] + m[7]) / s, s / 4, (m[3] - m[1]) / s}
	}
	return q.Normalize()
}

// Transform is a rigid transform with scale: p' = T + R·(S∘p).
type Transform struct {
	T Vec3
	R Quat
	S Vec3
}

// Identity is the identity transform.
var Identity = Transform{R: QuatIdentity, S: Vec3{1, 1, 1}}

// Apply transforms a point.
func (t Transform) Apply(p Vec3) Vec3 { return t.T.Add(t.R.Rotate(t.S.Mul(p))) }

// Mat4 is a column-major 4×4 affine matrix (m[col*4+row]), as glTF stores it.
type Mat4 [16]float64

// Mat4Identity is the identity matrix.
var Mat4Identity = Mat4{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}

// Matrix returns the transform as a matrix T·R·S.
func (t Transform) Matrix() Mat4 {
	r := t.R.Matrix3()
	return Mat4{
		r[0] * t.S[0], r[3] * t.S[0], r[6] * t.S[0], 0,
		r[1] * t.S[1], r[4] * t.S[1], r[7] * t.S[1], 0,
		r[2] * t.S[2], r[5] * t.S[2], r[8] * t.S[2], 0,
		t.T[0], t.T[1], t.T[2], 1,
	}
}

// Mul returns a·b (apply b first).
func (a Mat4) Mul(b Mat4) Mat4 {
	var m Mat4
	for c := 0; c < 4; c++ {
		for r := 0; r < 4; r++ {
			m[c*4+r] = a[r]*b[c*4] + a[4+r]*b[c*4+1] + a[8+r]*b[c*4+2] + a[12+r]*b[c*4+3]
		}
	}
	return m
}

// MulAffine returns a·b for affine matrices (bottom row 0 0 0 1, as every Transform's matrix
// is). It skips the products with that row's zeros and ones, about half of Mul's work, and
// gives Mul's result for finite values; forward kinematics spends most of its time here.
func (a Mat4) MulAffine(b Mat4) Mat4 {
	var m Mat4
	mulAffine(&m, &a, &b)
	return m
}

// mulAffine stores a·b in m for affine a and b; m may not alias a or b.
func mulAffine(m, a, b *Mat4) {
	a0, a1, a2 := a[0], a[1], a[2]
	a4, a5, a6 := a[4], a[5], a[6]
	a8, a9, a10 := a[8], a[9], a[10]
	for c := 0; c < 16; c += 4 {
		b0, b1, b2 := b[c], b[c+1], b[c+2]
		m[c] = a0*b0 + a4*b1 + a8*b2
		m[c+1] = a1*b0 + a5*b1 + a9*b2
		m[c+2] = a2*b0 + a6*b1 + a10*b2
	}
	m[12] += a[12]
	m[13] += a[13]
	m[14] += a[14]
	m[3], m[7], m[11], m[15] = 0, 0, 0, 1
}

// Point transforms a point.
func (a Mat4) Point(p Vec3) Vec3 {
	return Vec3{
		a[0]*p[0] + a[4]*p[1] + a[8]*p[2] + a[12],
		a[1]*p[0] + a[5]*p[1] + a[9]*p[2] + a[13],
		a[2]*p[0] + a[6]*p[1] + a[10]*p[2] + a[14],
	}
}

// Decompose splits an affine matrix without shear into translation, rotation and scale.
func (a Mat4) Decompose() Transform {
	col := func(c int) Vec3 { return Vec3{a[c*4], a[c*4+1], a[c*4+2]} }
	sx, sy, sz := col(0).Len(), col(1).Len(), col(2).Len()
	if col(0).Cross(col(1)).Dot(col(2)) < 0 {
		sx = -sx
	}
	inv := func(s float64) float64 {
		if s == 0 {
			return 0
		}
		return 1 / s
	}
	ix, iy, iz := inv(sx), inv(sy), inv(sz)
	m := [9]float64{
		a[0] * ix, a[4] * iy, a[8] * iz,
		a[1] * ix, a[5] * iy, a[9] * iz,
		a[2] * ix, a[6] * iy, a[10] * iz,
	}
	return Transform{T: Vec3{a[12], a[13], a[14]}, R: QuatFromMatrix3(m), S: Vec3{sx, sy, sz}}
}

package fbx

import (
	"math"
	"math/rand"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func TestEulerQuatMatchesModel(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(7))
	for o := anim.OrderXYZ; o <= anim.OrderZYX; o++ {
		for range 200 {
			deg := anim.Vec3{r.Float64()*720 - 360, r.Float64()*720 - 360, r.Float64()*720 - 360}
			got, want := eulerQuat(deg, o), anim.EulerToQuat(deg, o)
			if got.Angle(want) > 1e-9 {
				t.Fatalf("%v %v: %v, want %v", o, deg, got, want)
			}
		}
	}
}

// TestEulerQuatXYZIsMulChain: the written-out XYZ case gives the quaternion products' values.
func TestEulerQuatXYZIsMulChain(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(8))
	const half = math.Pi / 360
	for range 1000 {
		deg := anim.Vec3{r.Float64()*720 - 360, r.Float64()*720 - 360, r.Float64()*720 - 360}
		sx, cx := math.Sincos(deg[0] * half)
		sy, cy := math.Sincos(deg[1] * half)
		sz, cz := math.Sincos(deg[2] * half)
		want := anim.Quat{0, 0, sz, cz}.Mul(anim.Quat{0, sy, 0, cy}).Mul(anim.Quat{sx, 0, 0, cx})
		if got := eulerQuat(deg, anim.OrderXYZ); got != want {
			t.Fatalf("%v: %v, want %v", deg, got, want)
		}
	}
}

// TestLocalWithPivots: with offsets and pivots the full FBX formula applies; a rotation
// about a pivot moves the origin of the joint.
func TestLocalWithPivots(t *testing.T) {
	t.Parallel()
	x := nodeXform{
		s: anim.Vec3{1, 1, 1}, pre: anim.QuatIdentity, post: anim.QuatIdentity, unit: 1,
		rp: anim.Vec3{1, 0, 0}, roff: anim.Vec3{0, 2, 0},
	}
	got := x.local(anim.Vec3{10, 0, 0}, anim.Vec3{0, 0, 90}, anim.Vec3{1, 1, 1})
	// T·Roff·Rp·R·Rp⁻¹ applied to the origin: Rp⁻¹ takes it to (-1,0,0), R(90° Z) to (0,-1,0),
	// Rp to (1,-1,0), Roff to (1,1,0), T to (11,1,0).
	if d := got.T.Sub(anim.Vec3{11, 1, 0}).Len(); d > 1e-9 {
		t.Errorf("T = %v, want (11, 1, 0)", got.T)
	}
	if got.R.Angle(anim.EulerToQuat(anim.Vec3{0, 0, 90}, anim.OrderXYZ)) > 1e-9 {
		t.Errorf("R = %v, want 90° about Z", got.R)
	}
}

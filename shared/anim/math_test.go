package anim

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestEulerRoundTripEveryOrder(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for o := OrderXYZ; o <= OrderZYX; o++ {
		for i := 0; i < 500; i++ {
			e := Vec3{rng.Float64()*360 - 180, rng.Float64()*178 - 89, rng.Float64()*360 - 180}
			q := EulerToQuat(e, o)
			back := EulerToQuat(QuatToEuler(q, o), o)
			if a := q.Angle(back); a > 1e-9 {
				t.Fatalf("order %v: %v -> %v differs by %g rad", o, e, QuatToEuler(q, o), a)
			}
		}
		// Gimbal lock still yields the same rotation.
		e := Vec3{30, 90, 10}
		if a := EulerToQuat(QuatToEuler(EulerToQuat(e, o), o), o).Angle(EulerToQuat(e, o)); a > 1e-6 {
			t.Errorf("order %v gimbal: differs by %g rad", o, a)
		}
	}
}

func TestEulerXYZAppliesXFirst(t *testing.T) {
	t.Parallel()
	// X by 90 then Z by 90: the Y axis goes to Z, then stays on Z.
	q := EulerToQuat(Vec3{90, 0, 90}, OrderXYZ)
	v := q.Rotate(Vec3{0, 1, 0})
	if v.Sub(Vec3{0, 0, 1}).Len() > 1e-12 {
		t.Fatalf("got %v", v)
	}
}

func TestSlerpShortestArc(t *testing.T) {
	t.Parallel()
	a := QuatAxisAngle(Vec3{0, 1, 0}, 0.1)
	b := QuatAxisAngle(Vec3{0, 1, 0}, 0.5).Neg() // same rotation, far hemisphere
	m := Slerp(a, b, 0.5)
	if d := m.Angle(QuatAxisAngle(Vec3{0, 1, 0}, 0.3)); d > 1e-9 {
		t.Fatalf("slerp took the long way: off by %g", d)
	}
}

func TestMatrixRoundTrip(t *testing.T) {
	t.Parallel()
	tr := Transform{T: Vec3{1, 2, 3}, R: EulerToQuat(Vec3{10, 20, 30}, OrderZXY), S: Vec3{2, 2, 2}}
	d := tr.Matrix().Decompose()
	if d.T.Sub(tr.T).Len() > 1e-12 || d.R.Angle(tr.R) > 1e-9 || d.S.Sub(tr.S).Len() > 1e-12 {
		t.Fatalf("got %+v want %+v", d, tr)
	}
	p := Vec3{0.5, -1, 4}
	if tr.Matrix().Point(p).Sub(tr.Apply(p)).Len() > 1e-12 {
		t.Fatal("matrix and transform disagree")
	}
}

func TestForwardKinematicsChain(t *testing.T) {
	t.Parallel()
	s := &Skeleton{Base: Identity, Joints: []Joint{
		{Name: "root", Parent: -1, Rest: Transform{T: Vec3{0, 100, 0}, R: QuatIdentity, S: Vec3{1, 1, 1}}},
		{Name: "a", Parent: 0, Rest: Transform{T: Vec3{0, 10, 0}, R: QuatAxisAngle(Vec3{0, 0, 1}, math.Pi/2), S: Vec3{1, 1, 1}}},
		{Name: "b", Parent: 1, Rest: Transform{T: Vec3{0, 10, 0}, R: QuatIdentity, S: Vec3{1, 1, 1}}},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	got := s.RestPositions()
	want := []Vec3{{0, 100, 0}, {0, 110, 0}, {-10, 110, 0}}
	for i := range want {
		if got[i].Sub(want[i]).Len() > 1e-9 {
			t.Errorf("joint %d at %v, want %v", i, got[i], want[i])
		}
	}
}

func TestResampleKeepsDuration(t *testing.T) {
	t.Parallel()
	s := &Skeleton{Base: Identity, Joints: []Joint{{Name: "r", Parent: -1, Rest: Identity}}}
	c := NewClip("c", s, 30, 31)
	for f := 0; f < c.Frames; f++ {
		c.Translations[f] = Vec3{float64(f), 0, 0}
	}
	r := c.Resample(60)
	if r.Frames != 61 || math.Abs(r.Duration()-1) > 1e-12 {
		t.Fatalf("frames %d duration %v", r.Frames, r.Duration())
	}
	if x := r.Translations[1][0]; math.Abs(x-0.5) > 1e-12 {
		t.Fatalf("midpoint %v", x)
	}
}

func TestTwoBoneIKReachesTarget(t *testing.T) {
	t.Parallel()
	unit := Vec3{1, 1, 1}
	s := &Skeleton{Base: Identity, Joints: []Joint{
		{Name: "hips", Parent: -1, Rest: Transform{T: Vec3{0, 100, 0}, R: QuatIdentity, S: unit}},
		{Name: "upleg", Parent: 0, Rest: Transform{T: Vec3{10, -5, 0}, R: EulerToQuat(Vec3{5, 0, 3}, OrderXYZ), S: unit}},
		{Name: "leg", Parent: 1, Rest: Transform{T: Vec3{0, -45, 0}, R: EulerToQuat(Vec3{-10, 0, 0}, OrderXYZ), S: unit}},
		{Name: "foot", Parent: 2, Rest: Transform{T: Vec3{0, -42, 0}, R: EulerToQuat(Vec3{20, 5, 0}, OrderXYZ), S: unit}},
		{Name: "toe", Parent: 3, Rest: Transform{T: Vec3{0, -5, 12}, R: QuatIdentity, S: unit}},
	}}
	for _, target := range []Vec3{{12, 20, 5}, {6, 15, -10}, {10, 60, 20}} {
		c := NewClip("c", s, 30, 1)
		before := c.WorldMatrices(s, 0, nil)
		footRot := before[3].Decompose().R
		c.TwoBoneIK(s, 0, 1, 2, 3, target, before)
		after := c.WorldMatrices(s, 0, nil)
		got := Vec3{after[3][12], after[3][13], after[3][14]}
		if got.Sub(target).Len() > 1e-6 {
			t.Errorf("target %v: foot at %v", target, got)
		}
		if a := after[3].Decompose().R.Angle(footRot); a > 1e-9 {
			t.Errorf("target %v: foot turned by %g rad", target, a)
		}
		if hips := (Vec3{after[0][12], after[0][13], after[0][14]}); hips != (Vec3{0, 100, 0}) {
			t.Errorf("hips moved to %v", hips)
		}
	}
}

func TestMulAffineMatchesMul(t *testing.T) {
	t.Parallel()
	a := Transform{T: Vec3{1, -2, 3}, R: QuatAxisAngle(Vec3{0, 0.6, 0.8}, 0.7), S: Vec3{1, 2, 0.5}}.Matrix()
	b := Transform{T: Vec3{-4, 5, 0.25}, R: QuatAxisAngle(Vec3{1, 0, 0}, -1.1), S: Vec3{1, 1, 1}}.Matrix()
	if got, want := a.MulAffine(b), a.Mul(b); got != want {
		t.Errorf("MulAffine %v, Mul %v", got, want)
	}
	m := Mat4{3: 9, 7: 9, 11: 9, 15: 9} // stale values in a reused destination are overwritten
	mulAffine(&m, &a, &b)
	if want := a.Mul(b); m != want {
		t.Errorf("into a reused matrix %v, want %v", m, want)
	}
}

func TestClipValidateFindsNonFinite(t *testing.T) {
	t.Parallel()
	s := &Skeleton{Joints: []Joint{{Name: "a", Parent: -1, Rest: Identity}, {Name: "b", Parent: 0, Rest: Identity}}}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		c := NewClip("c", s, 30, 3)
		if err := c.Validate(s); err != nil {
			t.Fatal(err)
		}
		c.Translations[5][2] = bad
		if err := c.Validate(s); err == nil {
			t.Errorf("translation %v accepted", bad)
		}
		c = NewClip("c", s, 30, 3)
		c.Rotations[3][1] = bad
		if err := c.Validate(s); err == nil {
			t.Errorf("rotation %v accepted", bad)
		}
	}
}

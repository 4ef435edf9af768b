package anim

import "math"

// WorldMatrices computes each joint's world matrix at frame f into dst (len NumJoints) and returns it.
// The skeleton's Base transform sits above the roots.
func (c *Clip) WorldMatrices(s *Skeleton, f int, dst []Mat4) []Mat4 {
	if cap(dst) < c.NumJoints {
		dst = make([]Mat4, c.NumJoints)
	}
	dst = dst[:c.NumJoints]
	base := s.Base.Matrix()
	rot, tr, sc := c.Pose(f)
	for j := range dst {
		local := Transform{T: tr[j], R: rot[j], S: sc[j]}.Matrix()
		parent := &base
		if p := s.Joints[j].Parent; p >= 0 {
			parent = &dst[p]
		}
		mulAffine(&dst[j], parent, &local)
	}
	return dst
}

// Chain returns the given joints and all their ancestors, each once, in skeleton order (so
// parents come first), as WorldMatricesOf wants them. Negative indices are ignored.
func (s *Skeleton) Chain(joints ...int) []int {
	need := make([]bool, len(s.Joints))
	for _, j := range joints {
		for ; j >= 0 && j < len(need) && !need[j]; j = s.Joints[j].Parent {
			need[j] = true
		}
	}
	var out []int
	for j, ok := range need {
		if ok {
			out = append(out, j)
		}
	}
	return out
}

// WorldMatricesOf is WorldMatrices for some joints only: it computes, at frame f, the world
// matrix of each of joints into dst (len NumJoints) and leaves the other entries as they are.
// joints must list every ancestor of each joint before it (Chain returns such a list). Foot
// analysis and leg IK need a dozen joints of a rig's sixty-odd.
func (c *Clip) WorldMatricesOf(s *Skeleton, f int, joints []int, dst []Mat4) {
	base := s.Base.Matrix()
	off := f * c.NumJoints
	for _, j := range joints {
		local := Transform{T: c.Translations[off+j], R: c.Rotations[off+j], S: c.Scales[off+j]}.Matrix()
		parent := &base
		if p := s.Joints[j].Parent; p >= 0 {
			parent = &dst[p]
		}
		mulAffine(&dst[j], parent, &local)
	}
}

// WorldPositions computes each joint's world position (the bone head) at frame f into dst.
func (c *Clip) WorldPositions(s *Skeleton, f int, dst []Vec3) []Vec3 {
	var buf [128]Mat4
	var m []Mat4
	if c.NumJoints <= len(buf) {
		m = c.WorldMatrices(s, f, buf[:0])
	} else {
		m = c.WorldMatrices(s, f, nil)
	}
	if cap(dst) < c.NumJoints {
		dst = make([]Vec3, c.NumJoints)
	}
	dst = dst[:c.NumJoints]
	for j := range m {
		dst[j] = Vec3{m[j][12], m[j][13], m[j][14]}
	}
	return dst
}

// RestPositions returns each joint's world position in the rest pose.
func (s *Skeleton) RestPositions() []Vec3 {
	c := NewClip("rest", s, 30, 1)
	return c.WorldPositions(s, 0, nil)
}

// Sample evaluates the clip at time t (seconds, clamped to the clip's range) into the given
// per-joint slices: rotations slerp, translations and scales lerp between neighbouring frames.
func (c *Clip) Sample(t float64, rot []Quat, tr, sc []Vec3) {
	x := (t - c.Start) * c.FPS
	if !(x > 0) { // also catches NaN
		x = 0
	}
	last := float64(c.Frames - 1)
	if x > last {
		x = last
	}
	f0 := int(math.Floor(x))
	if f0 >= c.Frames-1 {
		f0 = c.Frames - 1
	}
	u := x - float64(f0)
	r0, t0, s0 := c.Pose(f0)
	if u < 1e-9 || f0 == c.Frames-1 {
		copy(rot, r0)
		copy(tr, t0)
		copy(sc, s0)
		return
	}
	r1, t1, s1 := c.Pose(f0 + 1)
	for j := 0; j < c.NumJoints; j++ {
		rot[j] = Slerp(r0[j], r1[j], u)
		tr[j] = t0[j].Lerp(t1[j], u)
		sc[j] = s0[j].Lerp(s1[j], u)
	}
}

// Resample returns the clip on a new grid of fps covering the same duration.
func (c *Clip) Resample(fps float64) *Clip {
	if fps <= 0 || fps == c.FPS {
		return c.Clone()
	}
	frames := int(math.Round(c.Duration()*fps)) + 1
	n := c.NumJoints
	out := &Clip{
		Name: c.Name, FPS: fps, Start: c.Start, Frames: frames, NumJoints: n,
		Rotations:    make([]Quat, frames*n),
		Translations: make([]Vec3, frames*n),
		Scales:       make([]Vec3, frames*n),
	}
	for f := 0; f < frames; f++ {
		r, t, s := out.Pose(f)
		c.Sample(c.Start+float64(f)/fps, r, t, s)
	}
	return out
}

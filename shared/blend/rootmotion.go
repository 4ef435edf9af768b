package blend

import (
	"math"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// RootBone is the name of the bone ExtractRoot adds above the Hips: Unreal Engine's skeletons
// and its root-motion settings expect a bone named root at the top of the hierarchy.
const RootBone = "root"

// RootLeaf is a leaf bone ExtractRoot hangs from the root, lying forward on the ground. It keeps
// the Hips free in Blender: Blender's FBX importer points a bone's tail along its Y axis at the
// average distance of its children and connects a child whose head lands on that tail, and a
// connected bone drops its location keys, which would lose the Hips' bob and sway under a root
// whose only child sits straight above it. Engines' skeletons have such extra root children too
// (Unreal's IK roots).
const RootLeaf = "root_end"

// rootLeafLength is how far forward the leaf lies, in centimetres.
const rootLeafLength = 10

// rootBoneOf returns the Hips' parent when it is a root bone (named root in any letter case,
// with any prefix), else -1.
func rootBoneOf(s *anim.Skeleton, hips int) int {
	p := s.Joints[hips].Parent
	if p < 0 || !strings.EqualFold(mixamo.Normalize(s.Joints[p].Name), RootBone) {
		return -1
	}
	return p
}

// ExtractRoot returns the animation's first clip with a root bone inserted as the Hips' parent
// that carries their ground travel and yaw (Unreal's root-motion convention): the root moves
// along the Hips' path on the ground plane and turns with their facing, both smoothed over
// about a second (the same centred average in_place removes, so the step's sway and the
// pelvis twist stay in the Hips), and starts at the origin facing forward. The Hips' local
// transform becomes relative to the root, so every joint's world transform is unchanged. A
// root bone already there is baked into the Hips first. The result has a new skeleton with no
// Origin (the source document has no root model); its other clips are dropped.
func ExtractRoot(a *anim.Animation) (*anim.Animation, error) {
	s, c, hips, err := rootInput(a)
	if err != nil {
		return nil, err
	}
	if rootBoneOf(s, hips) >= 0 {
		if a, err = BakeRoot(a); err != nil {
			return nil, err
		}
		s, c, hips = a.Skeleton, a.Clip(), hipsIndex(a.Skeleton)
	}
	rs := rootSpace(s, hips)
	if !uniform(rs.S) || rs.S[0] <= 0 {
		return nil, optErr("root_motion", "the space above the Hips is scaled non-uniformly (%v), so a root bone cannot carry their motion rigidly", rs.S)
	}

	// Ground path and yaw of the Hips in world space, smoothed.
	fr := c.Frames
	xs, zs, yaws := make([]float64, fr), make([]float64, fr), make([]float64, fr)
	w0 := rs.rotToWorld(c.Rotations[hips])
	prev := 0.0
	for f := 0; f < fr; f++ {
		i := f*c.NumJoints + hips
		p := rs.toWorld(c.Translations[i])
		xs[f], zs[f] = p[0], p[2]
		y := yawOf(rs.rotToWorld(c.Rotations[i]).Mul(w0.Conj()))
		if f > 0 { // unwrap: a turning clip keeps turning past ±180°
			y = prev + math.Remainder(y-prev, 2*math.Pi)
		}
		yaws[f], prev = y, y
	}
	half := int(math.Round(c.FPS / 2))
	xs, zs, yaws = centredMean(xs, half), centredMean(zs, half), centredMean(yaws, half)

	// Insert the root at the Hips' index so parents still precede children; its leaf goes last.
	n := len(s.Joints)
	up := anim.Vec3{0, 1, 0}
	inv := 1 / rs.S[0]
	out := &anim.Skeleton{Name: s.Name, Base: s.Base, Joints: make([]anim.Joint, 0, n+1)}
	shift := func(j int) int {
		if j >= hips {
			return j + 1
		}
		return j
	}
	for j, jt := range s.Joints {
		if j == hips {
			out.Joints = append(out.Joints, anim.Joint{Name: RootBone, Parent: jt.Parent, Rest: anim.Identity,
				PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity})
		}
		if jt.Parent >= 0 {
			jt.Parent = shift(jt.Parent)
		}
		if j == hips {
			jt.Parent = hips
		}
		out.Joints = append(out.Joints, jt)
	}
	leafRest := anim.Transform{T: anim.Vec3{0, 0, rootLeafLength * inv}, R: anim.QuatIdentity, S: anim.Vec3{1, 1, 1}}
	out.Joints = append(out.Joints, anim.Joint{Name: RootLeaf, Parent: hips, Rest: leafRest,
		PreRotation: anim.QuatIdentity, PostRotation: anim.QuatIdentity})

	m := n + 2 // joints of the result
	oc := &anim.Clip{Name: c.Name, FPS: c.FPS, Start: c.Start, Frames: fr, NumJoints: m,
		Rotations: make([]anim.Quat, fr*m), Translations: make([]anim.Vec3, fr*m), Scales: make([]anim.Vec3, fr*m)}
	for f := 0; f < fr; f++ {
		src, dst := f*n, f*m
		copy(oc.Rotations[dst:dst+hips], c.Rotations[src:src+hips])
		copy(oc.Translations[dst:dst+hips], c.Translations[src:src+hips])
		copy(oc.Scales[dst:dst+hips], c.Scales[src:src+hips])
		copy(oc.Rotations[dst+hips+1:dst+n+1], c.Rotations[src+hips:src+n])
		copy(oc.Translations[dst+hips+1:dst+n+1], c.Translations[src+hips:src+n])
		copy(oc.Scales[dst+hips+1:dst+n+1], c.Scales[src+hips:src+n])

		// The world motion M = (d, Y) seen from the space above the Hips (T, R, s):
		// L = rs⁻¹·M·rs, a rotation R⁻¹·Y·R and a translation R⁻¹·(d + Y·T − T)/s.
		y := anim.QuatAxisAngle(up, yaws[f]-yaws[0])
		d := anim.Vec3{xs[f] - xs[0], 0, zs[f] - zs[0]}
		lq := rs.R.Conj().Mul(y).Mul(rs.R).Normalize()
		lt := rs.R.Conj().Rotate(d.Add(y.Rotate(rs.T)).Sub(rs.T)).Scale(inv)
		r := dst + hips
		oc.Rotations[r], oc.Translations[r], oc.Scales[r] = lq, lt, anim.Vec3{1, 1, 1}
		// The Hips relative to the root: L⁻¹·H.
		h := r + 1
		oc.Rotations[h] = lq.Conj().Mul(oc.Rotations[h]).Normalize()
		oc.Translations[h] = lq.Conj().Rotate(oc.Translations[h].Sub(lt))
		oc.Rotations[dst+m-1], oc.Translations[dst+m-1], oc.Scales[dst+m-1] = leafRest.R, leafRest.T, leafRest.S
	}
	return &anim.Animation{Skeleton: out, Clips: []*anim.Clip{oc}, Source: a.Source}, nil
}

// BakeRoot returns the animation's first clip with the root bone above the Hips removed and
// its motion composed into its children (the Hips), so every joint's world transform is
// unchanged: the reverse of ExtractRoot, and the form the operators work in. An animation
// without a root bone is returned as it is.
func BakeRoot(a *anim.Animation) (*anim.Animation, error) {
	s, c, hips, err := rootInput(a)
	if err != nil {
		return nil, err
	}
	root := rootBoneOf(s, hips)
	if root < 0 {
		return a, nil
	}
	n := len(s.Joints)
	for f := 0; f < c.Frames; f++ {
		if sc := c.Scales[f*n+root]; !uniform(sc) {
			return nil, optErr("root_motion", "root bone %q has a non-uniform scale %v at frame %d", s.Joints[root].Name, sc, f)
		}
	}
	// newIndex maps kept joints to their index in the result; the root and its leaf go.
	newIndex := make([]int, n)
	kept := 0
	for j := range s.Joints {
		newIndex[j] = -1
		if j != root && !isRootLeaf(s, j, root) {
			newIndex[j] = kept
			kept++
		}
	}
	rt := s.Joints[root]
	out := &anim.Skeleton{Name: s.Name, Base: s.Base, Joints: make([]anim.Joint, 0, kept)}
	for j, jt := range s.Joints {
		if newIndex[j] < 0 {
			continue
		}
		switch {
		case jt.Parent == root:
			jt.Parent = rt.Parent // before the root, so its index is unchanged
			jt.Rest = compose(rt.Rest, jt.Rest)
		case jt.Parent >= 0:
			jt.Parent = newIndex[jt.Parent]
		}
		out.Joints = append(out.Joints, jt)
	}
	oc := &anim.Clip{Name: c.Name, FPS: c.FPS, Start: c.Start, Frames: c.Frames, NumJoints: kept,
		Rotations: make([]anim.Quat, c.Frames*kept), Translations: make([]anim.Vec3, c.Frames*kept), Scales: make([]anim.Vec3, c.Frames*kept)}
	for f := 0; f < c.Frames; f++ {
		l := c.Local(f, root)
		for j, jt := range s.Joints {
			if newIndex[j] < 0 {
				continue
			}
			t := c.Local(f, j)
			if jt.Parent == root {
				t = compose(l, t)
			}
			k := f*kept + newIndex[j]
			oc.Rotations[k], oc.Translations[k], oc.Scales[k] = t.R, t.T, t.S
		}
	}
	return &anim.Animation{Skeleton: out, Clips: []*anim.Clip{oc}, Source: a.Source}, nil
}

// isRootLeaf reports whether joint j is ExtractRoot's leaf under the root bone.
func isRootLeaf(s *anim.Skeleton, j, root int) bool {
	return s.Joints[j].Parent == root && strings.EqualFold(mixamo.Normalize(s.Joints[j].Name), RootLeaf)
}

// compose returns the local transform a·b for a parent with a uniform scale.
func compose(a, b anim.Transform) anim.Transform {
	return anim.Transform{
		T: a.T.Add(a.R.Rotate(b.T.Scale(a.S[0]))),
		R: a.R.Mul(b.R).Normalize(),
		S: b.S.Scale(a.S[0]),
	}
}

// rootInput checks an animation for the root-motion operators.
func rootInput(a *anim.Animation) (*anim.Skeleton, *anim.Clip, int, error) {
	if a == nil || a.Skeleton == nil {
		return nil, nil, 0, optErr("root_motion", "animation without a skeleton")
	}
	if err := a.Skeleton.Validate(); err != nil {
		return nil, nil, 0, &OptionError{Field: "root_motion", Msg: err.Error(), Err: err}
	}
	c := a.Clip()
	if c == nil {
		return nil, nil, 0, optErr("root_motion", "the animation holds no clip")
	}
	if err := c.Validate(a.Skeleton); err != nil {
		return nil, nil, 0, &OptionError{Field: "root_motion", Msg: err.Error(), Err: err}
	}
	hips := hipsIndex(a.Skeleton)
	if hips < 0 {
		return nil, nil, 0, optErr("root_motion", "the rig has no Hips joint (%d joints)", len(a.Skeleton.Joints))
	}
	return a.Skeleton, c, hips, nil
}

// yawOf returns the rotation's turn about +Y in radians: the heading it gives the forward
// axis +Z, or, when that points nearly straight up or down, the heading of +X.
func yawOf(q anim.Quat) float64 {
	f := q.Rotate(anim.Vec3{0, 0, 1})
	if math.Hypot(f[0], f[2]) > 0.2 {
		return math.Atan2(f[0], f[2])
	}
	x := q.Rotate(anim.Vec3{1, 0, 0})
	return math.Atan2(-x[2], x[0])
}

// centredMean returns the centred moving average of xs over 2·half+1 samples, the window
// narrowing symmetrically at the ends so the first and last samples keep their values and a
// straight line stays exactly itself.
func centredMean(xs []float64, half int) []float64 {
	n := len(xs)
	sum := make([]float64, n+1)
	for i, v := range xs {
		sum[i+1] = sum[i] + v
	}
	out := make([]float64, n)
	for i := range xs {
		r := min(half, i, n-1-i)
		out[i] = (sum[i+r+1] - sum[i-r]) / float64(2*r+1)
	}
	return out
}

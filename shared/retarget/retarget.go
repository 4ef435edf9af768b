package retarget

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// Options configures Run.
type Options struct {
	// FootLock keeps the feet planted: where the retargeted clip skates more than the source,
	// two-bone IK on the legs pulls planted feet back (nil = true).
	FootLock *bool
}

// Error reports bad input to Run, naming the part that is wrong ("source", "target", ...).
type Error struct {
	Field string
	Msg   string
	Err   error // underlying cause, e.g. *mixamo.MissingJointsError; may be nil
}

func (e *Error) Error() string { return "retarget: " + e.Field + ": " + e.Msg }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Result is a retargeted clip and how the two rigs' joints met.
type Result struct {
	Animation *anim.Animation `json:"-"`
	// Matched are the target's joints driven by a source joint (canonical Mixamo names).
	Matched []string `json:"matched"`
	// Unmapped are source joints the target has no joint for: their motion is dropped.
	Unmapped []string `json:"unmapped,omitempty"`
	// Missing are target joints the source lacks: they hold the target's rest pose.
	Missing []string `json:"missing,omitempty"`
	// Scale is the ratio of the rigs' leg lengths (target / source) applied to the Hips' motion.
	Scale float64 `json:"scale"`
	// SkatingSource and SkatingResult are quality.Skating of the source and the result (cm/s);
	// the result's is comparable with SkatingSource·Scale, the source's at the target's size.
	SkatingSource float64 `json:"skating_source_cm_per_s"`
	SkatingResult float64 `json:"skating_result_cm_per_s"`
}

// rig is one side of a retarget with what Run needs of its rest pose.
type rig struct {
	skel   *anim.Skeleton
	names  []string // canonical Mixamo name per joint; "" when the joint has none
	index  map[string]int
	hips   int
	restWR []anim.Quat // rest world rotation per joint
	restWP []anim.Vec3 // rest world position per joint
	leg    float64     // rest hip-to-ankle length, averaged over both legs
}

func newRig(field string, s *anim.Skeleton) (*rig, error) {
	if s == nil {
		return nil, &Error{Field: field, Msg: "no skeleton"}
	}
	if err := s.Validate(); err != nil {
		return nil, &Error{Field: field, Msg: err.Error(), Err: err}
	}
	raw := make([]string, len(s.Joints))
	for i, j := range s.Joints {
		raw[i] = j.Name
	}
	from := mixamo.Detect(raw)
	r := &rig{skel: s, names: make([]string, len(raw)), index: map[string]int{}}
	for i, n := range raw {
		mx, ok := mixamo.MixamoName(from, n)
		if !ok {
			mx = mixamo.Normalize(n)
		}
		if _, dup := r.index[mx]; !dup {
			r.names[i] = mx
			r.index[mx] = i
		}
	}
	if err := mixamo.CheckHumanoid(r.names); err != nil {
		var me *mixamo.MissingJointsError
		if errors.As(err, &me) {
			return nil, &Error{Field: field, Err: err,
				Msg: "not a humanoid rig: it lacks the joints " + strings.Join(me.Missing, ", ")}
		}
		return nil, &Error{Field: field, Msg: err.Error(), Err: err}
	}
	r.hips = r.index["Hips"]
	world := anim.NewClip("rest", s, 30, 1).WorldMatrices(s, 0, nil)
	r.restWR = make([]anim.Quat, len(world))
	r.restWP = make([]anim.Vec3, len(world))
	for i, m := range world {
		r.restWR[i] = m.Decompose().R
		r.restWP[i] = anim.Vec3{m[12], m[13], m[14]}
	}
	for _, side := range []string{"Left", "Right"} {
		up, knee, foot := r.index[side+"UpLeg"], r.index[side+"Leg"], r.index[side+"Foot"]
		r.leg += r.restWP[knee].Sub(r.restWP[up]).Len() + r.restWP[foot].Sub(r.restWP[knee]).Len()
	}
	r.leg /= 2
	if !(r.leg > 1e-6) || math.IsInf(r.leg, 0) {
		return nil, &Error{Field: field, Msg: fmt.Sprintf("legs of length %v cm at rest; want a positive length", r.leg)}
	}
	return r, nil
}

// Run retargets the source's first clip onto the target's rest skeleton. Both must be
// humanoid rigs in the same rest pose (every Mixamo character is rigged in a T-pose), with
// joints named in any profile. For each target joint matched by name, the source joint's world
// rotation relative to its rest is applied to the target joint's rest world rotation, so rigs
// whose bones are oriented differently at rest (PreRotation or none) move alike; bone lengths
// stay the target's; the Hips' motion from rest is scaled by the ratio of the leg lengths; and
// the feet are locked where the result would skate more than the source. The output has the
// target skeleton (the same pointer), so a writer can reuse the target's source document.
func Run(src *anim.Animation, target *anim.Skeleton, opt Options) (*Result, error) {
	if src == nil {
		return nil, &Error{Field: "source", Msg: "no animation"}
	}
	sr, err := newRig("source", src.Skeleton)
	if err != nil {
		return nil, err
	}
	c := src.Clip()
	if c == nil {
		return nil, &Error{Field: "source", Msg: "holds no animation clip (a character-only file?)"}
	}
	if err := c.Validate(src.Skeleton); err != nil {
		return nil, &Error{Field: "source", Msg: err.Error(), Err: err}
	}
	tr, err := newRig("target", target)
	if err != nil {
		return nil, err
	}
	res := &Result{Scale: tr.leg / sr.leg}
	// from[t] is the source joint driving target joint t, or -1.
	from := make([]int, len(target.Joints))
	for t, n := range tr.names {
		from[t] = -1
		if k, ok := sr.index[n]; ok && n != "" {
			from[t] = k
			res.Matched = append(res.Matched, n)
		} else {
			res.Missing = append(res.Missing, target.Joints[t].Name)
		}
	}
	for k, n := range sr.names {
		if _, ok := tr.index[n]; !ok || n == "" {
			res.Unmapped = append(res.Unmapped, src.Skeleton.Joints[k].Name)
		}
	}
	sort.Strings(res.Matched)
	sort.Strings(res.Missing)
	sort.Strings(res.Unmapped)

	out := transfer(sr, tr, from, c, res.Scale)
	var con quality.Contacts
	if res.SkatingSource, con, err = quality.Skating(src.Skeleton, c, quality.ContactOptions{}); err != nil {
		return nil, &Error{Field: "source", Msg: err.Error(), Err: err}
	}
	if opt.FootLock == nil || *opt.FootLock {
		plantFeet(sr, tr, c, out, res.Scale, con)
		// Skating is a speed, so it grows with the character: the source's, scaled to the
		// target, is what the target may skate.
		blend.LockFeet(target, out, res.SkatingSource*res.Scale)
	}
	if res.SkatingResult, _, err = quality.Skating(target, out, quality.ContactOptions{}); err != nil {
		return nil, &Error{Field: "target", Msg: err.Error(), Err: err}
	}
	res.Animation = &anim.Animation{Skeleton: target, Clips: []*anim.Clip{out}, Source: src.Source}
	return res, nil
}

// transfer builds the target clip frame by frame: rotations as world deltas from rest, rest
// translations and scales, and the Hips placed by the scaled source Hips path.
func transfer(sr, tr *rig, from []int, c *anim.Clip, scale float64) *anim.Clip {
	ts := tr.skel
	n := len(ts.Joints)
	out := anim.NewClip(c.Name, ts, c.FPS, c.Frames)
	out.Start = c.Start
	srcWorld := make([]anim.Mat4, c.NumJoints)
	worldR := make([]anim.Quat, n)
	// What sits above the target's Hips does not move (only mapped joints do, and Mixamo
	// clips animate nothing above the Hips), so the Hips' parent frame is its rest frame.
	hipsParent := anim.Transform{T: ts.Base.T, R: ts.Base.R, S: ts.Base.S}
	if p := ts.Joints[tr.hips].Parent; p >= 0 {
		hipsParent = anim.NewClip("rest", ts, 30, 1).WorldMatrices(ts, 0, nil)[p].Decompose()
	}
	for f := 0; f < c.Frames; f++ {
		srcWorld = c.WorldMatrices(sr.skel, f, srcWorld)
		rot, trn, _ := out.Pose(f)
		for t := 0; t < n; t++ {
			parentR := ts.Base.R
			if p := ts.Joints[t].Parent; p >= 0 {
				parentR = worldR[p]
			}
			k := from[t]
			if k < 0 {
				worldR[t] = parentR.Mul(rot[t]).Normalize()
				continue
			}
			delta := srcWorld[k].Decompose().R.Mul(sr.restWR[k].Conj())
			worldR[t] = delta.Mul(tr.restWR[t]).Normalize()
			rot[t] = parentR.Conj().Mul(worldR[t]).Normalize()
		}
		if k := from[tr.hips]; k >= 0 {
			ps := anim.Vec3{srcWorld[k][12], srcWorld[k][13], srcWorld[k][14]}
			pt := tr.restWP[tr.hips].Add(ps.Sub(sr.restWP[k]).Scale(scale))
			trn[tr.hips] = toLocal(hipsParent, pt)
		}
	}
	return out
}

// plantRamp is how long (seconds) a foot takes to blend from its planted path to free motion
// on leaving the ground, and back on landing.
const plantRamp = 0.2

// plantFeet puts each ankle of the target, while the source's foot touches the ground (and
// blending out over plantRamp around it), where the source's ankle is, scaled to the target:
// its rest position plus the source's motion from rest times scale. The Hips move by the same
// scale, so a planted source foot stays planted, and a foot that slides in the source slides
// scale times as fast, no more. Two-bone IK on the leg reaches it; the foot keeps its
// orientation, so the toes follow.
func plantFeet(sr, tr *rig, c, out *anim.Clip, scale float64, con quality.Contacts) {
	ts := tr.skel
	ramp := max(1, int(math.Round(plantRamp*c.FPS)))
	world := make([]anim.Mat4, len(ts.Joints))
	srcWorld := make([]anim.Mat4, c.NumJoints)
	for side, touch := range [][]bool{con.Left, con.Right} {
		prefix := [2]string{"Left", "Right"}[side]
		up, knee, foot := tr.index[prefix+"UpLeg"], tr.index[prefix+"Leg"], tr.index[prefix+"Foot"]
		sfoot := sr.index[prefix+"Foot"]
		if ts.Joints[foot].Parent != knee || ts.Joints[knee].Parent != up || len(touch) != c.Frames {
			continue
		}
		// weight[f] is 1 on contact frames and falls linearly to 0 within ramp frames of them.
		weight := make([]float64, c.Frames)
		last := -1 << 30
		for f := 0; f < c.Frames; f++ {
			if touch[f] {
				last = f
			}
			weight[f] = max(0, 1-float64(f-last)/float64(ramp))
		}
		last = 1 << 30
		for f := c.Frames - 1; f >= 0; f-- {
			if touch[f] {
				last = f
			}
			weight[f] = max(weight[f], 1-float64(last-f)/float64(ramp))
		}
		srcChain := sr.skel.Chain(sfoot)
		chain := ts.Chain(foot)
		for f := 0; f < c.Frames; f++ {
			w := weight[f]
			if w <= 0 {
				continue
			}
			c.WorldMatricesOf(sr.skel, f, srcChain, srcWorld)
			ps := anim.Vec3{srcWorld[sfoot][12], srcWorld[sfoot][13], srcWorld[sfoot][14]}
			want := tr.restWP[foot].Add(ps.Sub(sr.restWP[sfoot]).Scale(scale))
			out.WorldMatricesOf(ts, f, chain, world)
			cur := anim.Vec3{world[foot][12], world[foot][13], world[foot][14]}
			out.TwoBoneIK(ts, f, up, knee, foot, cur.Lerp(want, w), world)
		}
	}
}

// toLocal maps a world point into the frame of transform t (the inverse of t.Apply).
func toLocal(t anim.Transform, p anim.Vec3) anim.Vec3 {
	v := t.R.Conj().Rotate(p.Sub(t.T))
	for k := 0; k < 3; k++ {
		if t.S[k] != 0 {
			v[k] /= t.S[k]
		}
	}
	return v
}

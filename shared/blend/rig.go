package blend

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// JointReport says how the inputs' joints were matched by normalised (mixamo.Normalize) name.
type JointReport struct {
	Matched []string `json:"matched"`           // output joints every input has
	Missing []string `json:"missing,omitempty"` // output joints some other input lacks: they keep the first input's values
	Extra   []string `json:"extra,omitempty"`   // joints of other inputs the output skeleton lacks: ignored
}

// source is one input bound to the output skeleton's joint layout.
type source struct {
	skel  *anim.Skeleton
	clip  *anim.Clip
	idx   []int    // per output joint: this input's joint index, or -1 when it has none
	root  int      // this input's Hips
	names []string // this input's joint names, normalised

	// Retargeting onto the output rig, for inputs from another rig: translations keep the
	// output's bone offsets plus this input's motion, and root motion is scaled by the ratio
	// of the rigs' Hips heights at rest.
	retarget bool
	scale    float64
	outRest  []anim.Vec3 // output skeleton's rest translation per output joint
	rs       space       // where this input's Hips translation lives
}

// space is the static transform above the Hips (the skeleton's Base and any joints between).
type space struct{ anim.Transform }

func (s space) toWorld(p anim.Vec3) anim.Vec3 { return s.Apply(p) }

func (s space) toLocal(p anim.Vec3) anim.Vec3 {
	v := s.R.Conj().Rotate(p.Sub(s.T))
	for k := 0; k < 3; k++ {
		if s.S[k] != 0 {
			v[k] /= s.S[k]
		}
	}
	return v
}

func (s space) rotToWorld(q anim.Quat) anim.Quat { return s.R.Mul(q) }
func (s space) rotToLocal(q anim.Quat) anim.Quat { return s.R.Conj().Mul(q) }

// rootIndex returns the joint named Hips among normalised names, or -1.
func rootIndex(names []string) int {
	for i, n := range names {
		if n == "Hips" {
			return i
		}
	}
	return -1
}

// rootSpace returns the transform above joint r, taken at the rest pose: Mixamo puts every
// animated translation on the Hips, so what sits above it does not move.
func rootSpace(s *anim.Skeleton, r int) space {
	p := s.Joints[r].Parent
	if p < 0 {
		return space{s.Base}
	}
	rest := anim.NewClip("rest", s, 30, 1)
	m := rest.WorldMatrices(s, 0, nil)
	return space{m[p].Decompose()}
}

func inputField(i int) string { return fmt.Sprintf("inputs[%d]", i) }

// bind checks every input and maps its joints onto the first input's skeleton.
func bind(inputs []*anim.Animation) ([]source, JointReport, error) {
	var rep JointReport
	srcs := make([]source, len(inputs))
	for i, a := range inputs {
		f := inputField(i)
		if a == nil || a.Skeleton == nil {
			return nil, rep, optErr(f, "no skeleton")
		}
		if err := a.Skeleton.Validate(); err != nil {
			return nil, rep, &OptionError{Field: f, Msg: err.Error(), Err: err}
		}
		c := a.Clip()
		if c == nil {
			return nil, rep, optErr(f, "holds no animation clip (a character-only file?)")
		}
		if err := c.Validate(a.Skeleton); err != nil {
			return nil, rep, &OptionError{Field: f, Msg: err.Error(), Err: err}
		}
		names := make([]string, len(a.Skeleton.Joints))
		for j, jt := range a.Skeleton.Joints {
			names[j] = mixamo.Normalize(jt.Name)
		}
		if err := mixamo.CheckHumanoid(names); err != nil {
			var me *mixamo.MissingJointsError
			if errors.As(err, &me) {
				rig := "the rig"
				if a.Skeleton.Name != "" {
					rig = fmt.Sprintf("rig %q", a.Skeleton.Name)
				}
				return nil, rep, &OptionError{Field: f, Err: err,
					Msg: fmt.Sprintf("%s cannot be blended: it lacks the humanoid joints %s", rig, strings.Join(me.Missing, ", "))}
			}
			return nil, rep, &OptionError{Field: f, Msg: err.Error(), Err: err}
		}
		r := rootIndex(names)
		srcs[i] = source{skel: a.Skeleton, clip: c, root: r, rs: rootSpace(a.Skeleton, r), names: names}
	}

	outNames := srcs[0].names
	known := make(map[string]bool, len(outNames))
	for _, n := range outNames {
		known[n] = true
	}
	missing := make([]bool, len(outNames))
	srcs[0].idx = make([]int, len(outNames))
	for j := range outNames {
		srcs[0].idx[j] = j
	}
	extra := map[string]bool{}
	for i := 1; i < len(srcs); i++ {
		s := &srcs[i]
		index := make(map[string]int, len(s.names))
		for j := len(s.names) - 1; j >= 0; j-- { // the first of duplicate spellings wins
			index[s.names[j]] = j
			if n := s.names[j]; !known[n] && !extra[n] {
				extra[n] = true
			}
		}
		s.idx = make([]int, len(outNames))
		for j, n := range outNames {
			k, ok := index[n]
			if !ok {
				k, missing[j] = -1, true
			}
			s.idx[j] = k
		}
	}
	for i := range srcs {
		retarget(&srcs[i], &srcs[0])
	}
	for i := 1; i < len(srcs); i++ {
		for _, n := range srcs[i].names {
			if extra[n] {
				rep.Extra = append(rep.Extra, n)
				delete(extra, n)
			}
		}
	}
	for j, n := range outNames {
		if missing[j] {
			rep.Missing = append(rep.Missing, n)
		} else {
			rep.Matched = append(rep.Matched, n)
		}
	}
	return srcs, rep, nil
}

// retarget sets how s maps onto the output rig of out (after s.idx is known).
func retarget(s, out *source) {
	s.scale = 1
	height := func(x *source) float64 { return x.rs.toWorld(x.skel.Joints[x.root].Rest.T)[1] }
	if ho, hs := height(out), height(s); ho > 1e-6 && hs > 1e-6 && math.Abs(ho/hs-1) > 1e-9 {
		s.scale = ho / hs
		s.retarget = true
	}
	s.outRest = make([]anim.Vec3, len(s.idx))
	for j, k := range s.idx {
		s.outRest[j] = out.skel.Joints[j].Rest.T
		if k >= 0 && s.skel.Joints[k].Rest.T.Sub(s.outRest[j]).Len() > 1e-6 {
			s.retarget = true
		}
	}
}

// mapT carries a local translation of this input's joint k onto output joint j.
func (s *source) mapT(j, k int, t anim.Vec3) anim.Vec3 {
	if !s.retarget {
		return t
	}
	return s.outRest[j].Add(t.Sub(s.skel.Joints[k].Rest.T).Scale(s.scale))
}

// frameAt locates time t (seconds from the clip's start, clamped) between two frames.
func frameAt(c *anim.Clip, t float64) (f0 int, u float64) {
	x := t * c.FPS
	if !(x > 0) {
		return 0, 0
	}
	last := float64(c.Frames - 1)
	if x >= last {
		return c.Frames - 1, 0
	}
	f0 = int(x)
	u = x - float64(f0)
	if u < 1e-9 {
		u = 0
	} else if u > 1-1e-9 {
		f0, u = f0+1, 0
	}
	return f0, u
}

// sample writes this input's pose at time t (seconds from its start) into output-layout slices.
// Joints the input lacks are left as they are.
func (s *source) sample(t float64, rot []anim.Quat, tr, sc []anim.Vec3) {
	c := s.clip
	f0, u := frameAt(c, t)
	r0, t0, s0 := c.Pose(f0)
	if u == 0 {
		for j, k := range s.idx {
			if k >= 0 {
				rot[j], tr[j], sc[j] = r0[k], s.mapT(j, k, t0[k]), s0[k]
			}
		}
		return
	}
	r1, t1, s1 := c.Pose(f0 + 1)
	for j, k := range s.idx {
		if k < 0 {
			continue
		}
		// Neighbouring frames are close, so a normalised lerp is within about 1e-6 rad of slerp
		// (anim.Slerp makes the same choice); this inline path is the hot loop of every operator.
		a, b := r0[k], r1[k]
		d := a[0]*b[0] + a[1]*b[1] + a[2]*b[2] + a[3]*b[3]
		if d > 0.9995 {
			q := anim.Quat{a[0] + (b[0]-a[0])*u, a[1] + (b[1]-a[1])*u, a[2] + (b[2]-a[2])*u, a[3] + (b[3]-a[3])*u}
			inv := 1 / math.Sqrt(q[0]*q[0]+q[1]*q[1]+q[2]*q[2]+q[3]*q[3])
			rot[j] = anim.Quat{q[0] * inv, q[1] * inv, q[2] * inv, q[3] * inv}
		} else {
			rot[j] = anim.Slerp(a, b, u)
		}
		tr[j] = t0[k].Lerp(t1[k], u)
		if s.retarget {
			tr[j] = s.mapT(j, k, tr[j])
		}
		sc[j] = s0[k].Lerp(s1[k], u)
	}
}

// hips returns the world position of the input's Hips at time t, scaled to the output rig.
func (s *source) hips(t float64) anim.Vec3 {
	c := s.clip
	f0, u := frameAt(c, t)
	p := c.Translations[f0*c.NumJoints+s.root]
	if u != 0 {
		p = p.Lerp(c.Translations[(f0+1)*c.NumJoints+s.root], u)
	}
	return s.rs.toWorld(p).Scale(s.scale)
}

// hipsRot returns the world rotation of the input's Hips at time t.
func (s *source) hipsRot(t float64) anim.Quat {
	c := s.clip
	f0, u := frameAt(c, t)
	q := c.Rotations[f0*c.NumJoints+s.root]
	if u != 0 {
		q = anim.Slerp(q, c.Rotations[(f0+1)*c.NumJoints+s.root], u)
	}
	return s.rs.rotToWorld(q)
}

// hipsYaw returns the yaw (radians about +Y) of a Hips world rotation, measured from the rest pose.
func (s *source) hipsYaw(q anim.Quat) float64 {
	rest := s.rs.rotToWorld(s.skel.Joints[s.root].Rest.R)
	fwd := q.Mul(rest.Conj()).Rotate(anim.Vec3{0, 0, 1})
	if math.Abs(fwd[0]) < 1e-12 && math.Abs(fwd[2]) < 1e-12 {
		return 0
	}
	return math.Atan2(fwd[0], fwd[2])
}

// newClip allocates an output clip shaped for n joints.
func newClip(name string, fps float64, frames, n int) *anim.Clip {
	return &anim.Clip{
		Name: name, FPS: fps, Frames: frames, NumJoints: n,
		Rotations:    make([]anim.Quat, frames*n),
		Translations: make([]anim.Vec3, frames*n),
		Scales:       make([]anim.Vec3, frames*n),
	}
}

// gridFrames is the number of frames covering dur seconds at fps, endpoints included.
func gridFrames(dur, fps float64) int {
	return int(math.Round(dur*fps)) + 1
}

// headings returns the character's facing (radians about +Y) at each of the input's frames at
// the output rate, relative to its first frame. Mixamo has no root bone and exports every clip
// facing the same way at its start, so the clip's own frame is the authored facing, and turns
// are measured from there by the Hips' yaw. The pelvis twists with every step (the Pirate's Left
// Strafe Walk even keeps it turned 85° while the clip faces forward), so the yaw is averaged over
// about a second. Near the ends the window slides inwards instead of shrinking, and the clip's
// mean turn rate carries the average from the window's centre to the frame, so a steady turn
// is followed exactly and a straight clip reads as straight at every frame.
func (s *source) headings(fps float64) []float64 {
	n := s.frames(fps)
	raw := make([]float64, n)
	for f := range raw {
		raw[f] = s.hipsYaw(s.hipsRot(float64(f) / fps))
		if f > 0 { // unwrap
			raw[f] -= 2 * math.Pi * math.Round((raw[f]-raw[f-1])/(2*math.Pi))
		}
	}
	sum := make([]float64, n+1)
	for f, v := range raw {
		sum[f+1] = sum[f] + v
	}
	width := min(2*int(math.Round(fps/2))+1, n)
	avg := func(lo int) float64 { return (sum[lo+width] - sum[lo]) / float64(width) }
	rate := 0.0
	if n > width {
		rate = (avg(n-width) - avg(0)) / float64(n-width)
	}
	out := make([]float64, n)
	for f := range out {
		lo := min(max(0, f-width/2), n-width)
		centre := float64(lo) + float64(width-1)/2
		out[f] = avg(lo) + rate*(float64(f)-centre)
	}
	start := out[0]
	for f := range out {
		out[f] -= start
	}
	return out
}

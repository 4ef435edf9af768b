// Package compress reduces the keyframes of a clip within an error bound measured as ACL and
// ozz-animation measure it: the world-space position error of every joint, and optionally of
// virtual vertices at a distance from each joint along its axes (a skinned vertex that far
// from the bone), at every sampled frame. Kept keys hold the clip's own values, and players
// interpolate linearly between them (glTF LINEAR samplers; FBX linear curves), so the file
// plays exactly what Reconstruct computes.
package compress

import (
	"fmt"
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Options configures Reduce.
type Options struct {
	// MaxErrorCM bounds every joint's (and virtual vertex's) world position error, in cm.
	MaxErrorCM float64
	// VertexDistanceCM places virtual vertices this far from each joint along its three axes;
	// 0 measures the joints alone.
	VertexDistanceCM float64
	// Euler, when set, says the rotation keys are written as Euler curves interpolated per
	// angle (FBX), not as quaternions interpolated by slerp (glTF).
	Euler *EulerCurves
	// Lists, when set, says tracks keying the same frames share one list of key times (glTF
	// samplers sharing an input accessor); Reduce then lets tracks key more frames than they
	// need where sharing a list costs fewer bytes.
	Lists *TimeLists
}

// TimeLists is what a format's key time lists and values cost, in bytes.
type TimeLists struct {
	// ListBytes is the fixed cost of one list (an accessor and its buffer view), TimeBytes
	// that of each time in it.
	ListBytes, TimeBytes int
	// ValueBytes is what one key of joint j's track ('T', 'R' or 'S') costs; 0 for a track
	// the format does not write.
	ValueBytes func(j int, track byte) int
}

// EulerCurves describes rotation tracks as an FBX file holds them: Lcl Rotation Euler angles,
// framed by each joint's PreRotation, PostRotation and RotationOrder (full = Pre·R(e)·Post⁻¹).
type EulerCurves struct {
	Joints  []anim.Joint
	Degrees [][]anim.Vec3 // per joint, the angles at every frame as the file would hold them
}

// Bounds on the options: far beyond any animation's needs, they keep the search finite.
const (
	MaxErrorLimitCM     = 1000
	MaxVertexDistanceCM = 10000
)

// OptionError reports a bad option.
type OptionError struct {
	Field string
	Msg   string
}

func (e *OptionError) Error() string { return "compress: " + e.Field + ": " + e.Msg }

// Validate checks the options on their own.
func (o Options) Validate() error {
	if math.IsNaN(o.MaxErrorCM) || o.MaxErrorCM <= 0 || o.MaxErrorCM > MaxErrorLimitCM {
		return &OptionError{Field: "max_error_cm", Msg: fmt.Sprintf("%v must be above 0 and at most %d", o.MaxErrorCM, MaxErrorLimitCM)}
	}
	if math.IsNaN(o.VertexDistanceCM) || o.VertexDistanceCM < 0 || o.VertexDistanceCM > MaxVertexDistanceCM {
		return &OptionError{Field: "vertex_distance_cm", Msg: fmt.Sprintf("%v must be 0 to %d", o.VertexDistanceCM, MaxVertexDistanceCM)}
	}
	return nil
}

// Result is a reduction: the keys to write and what they cost and keep.
type Result struct {
	Keys *anim.Keys `json:"-"`
	// KeysBefore and KeysAfter count keys over every track (translation, rotation and scale of
	// every joint), each key one sample of a track.
	KeysBefore int `json:"keys_before"`
	KeysAfter  int `json:"keys_after"`
	// MaxErrorCM is the largest world position error measured over every frame and joint (and
	// virtual vertex), with WorstJoint and WorstFrame where it occurs.
	MaxErrorCM float64 `json:"max_error_cm"`
	WorstJoint string  `json:"worst_joint,omitempty"`
	WorstFrame int     `json:"worst_frame"`
}

// searchSteps is how many halvings the tolerance search makes: the tolerances it finds are
// within 2^-searchSteps (relative, in log space) of the loosest that meets the bound.
const searchSteps = 14

// Reduce chooses keys for clip c of skeleton s so that, played back with linear
// interpolation, no joint (or virtual vertex) strays more than opt.MaxErrorCM from where c
// puts it at any frame. Each track is reduced on its own (Ramer-Douglas-Peucker) with a
// tolerance scaled to what the joint carries: a rotation error moves every joint below it,
// so the tolerance of a rotation is a length divided by the joint's reach (the distance to
// its farthest descendant, plus the virtual vertex distance). One factor on every
// tolerance is then searched, each candidate measured in world space, and the loosest that
// meets the bound wins; the bound always holds because keeping every frame meets it.
func Reduce(s *anim.Skeleton, c *anim.Clip, opt Options) (*Result, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, &OptionError{Field: "skeleton", Msg: "none"}
	}
	if err := s.Validate(); err != nil {
		return nil, &OptionError{Field: "skeleton", Msg: err.Error()}
	}
	if err := c.Validate(s); err != nil {
		return nil, &OptionError{Field: "clip", Msg: err.Error()}
	}
	if e := opt.Euler; e != nil {
		if len(e.Joints) != c.NumJoints || len(e.Degrees) != c.NumJoints {
			return nil, &OptionError{Field: "euler", Msg: fmt.Sprintf("%d joints and %d curves for a clip of %d joints", len(e.Joints), len(e.Degrees), c.NumJoints)}
		}
		for j, d := range e.Degrees {
			if len(d) != c.Frames {
				return nil, &OptionError{Field: "euler", Msg: fmt.Sprintf("joint %d: %d angles for %d frames", j, len(d), c.Frames)}
			}
		}
	}
	m := newMeasure(s, c, opt)
	m.splitErrors()
	if opt.Euler == nil && c.Frames > 2 {
		// glTF has no frame rate: readers infer it from key intervals, so one track (the
		// first joint's rotation) always keys frame 1, and one interval is a single frame.
		m.errR[0][1] = math.Inf(1)
	}
	reach := reaches(s, opt.VertexDistanceCM)

	best := allKeys(c)
	bestErr, bestJ, bestF := m.run(best)
	try := func(factor float64) (*anim.Keys, float64, int, int) {
		k := m.reduce(reach, factor*opt.MaxErrorCM)
		e, j, f := m.run(k)
		return k, e, j, f
	}
	// Bisect the factor in log space between 2^-20 (nearly every key) and 1 (each joint alone
	// using the whole bound).
	lo, hi := -20.0, 0.0
	bestTol := 0.0 // the length budget that gave best; 0 for every key
	if k, e, j, f := try(1); e <= opt.MaxErrorCM {
		best, bestErr, bestJ, bestF, bestTol = k, e, j, f, opt.MaxErrorCM
	} else {
		for i := 0; i < searchSteps; i++ {
			mid := (lo + hi) / 2
			if k, e, j, f := try(math.Exp2(mid)); e <= opt.MaxErrorCM {
				if count(k) <= count(best) {
					best, bestErr, bestJ, bestF, bestTol = k, e, j, f, math.Exp2(mid)*opt.MaxErrorCM
				}
				lo = mid
			} else {
				hi = mid
			}
		}
	}
	best, bestErr, bestJ, bestF = m.relax(best, reach, bestTol, opt.MaxErrorCM, bestErr, bestJ, bestF)
	if opt.Lists != nil {
		best, bestErr, bestJ, bestF = m.share(best, *opt.Lists, opt.MaxErrorCM, bestErr, bestJ, bestF)
	}
	res := &Result{Keys: best, KeysBefore: 3 * c.Frames * c.NumJoints, KeysAfter: count(best), MaxErrorCM: bestErr, WorstFrame: bestF}
	if bestJ >= 0 {
		res.WorstJoint = s.Joints[bestJ].Name
	}
	return res, nil
}

// relaxSteps is how many times relax may double one joint's budget.
const relaxSteps = 4

// relax loosens joints one at a time from the shared budget tol: one factor for every joint
// leaves slack where chains are short (the head, the spine) while the longest chains (the
// fingers) use up the bound. Each joint's budget doubles while the measured error stays within
// bound and the keys get fewer; the result never measures worse than bound.
func (m *measure) relax(k *anim.Keys, reach []float64, tol, bound, e float64, wj, wf int) (*anim.Keys, float64, int, int) {
	if tol <= 0 {
		return k, e, wj, wf
	}
	cur := &anim.Keys{T: append([][]int(nil), k.T...), R: append([][]int(nil), k.R...), S: append([][]int(nil), k.S...)}
	n := m.c.NumJoints
	// Leaves first: their budgets move the fewest joints.
	for j := n - 1; j >= 0; j-- {
		budget := tol
		for step := 0; step < relaxSteps; step++ {
			budget *= 2
			r, t, s := m.reduceJoint(j, reach[j], budget)
			if len(r)+len(t)+len(s) >= len(cur.R[j])+len(cur.T[j])+len(cur.S[j]) {
				continue // no fewer keys yet; a looser budget may still drop some
			}
			oldR, oldT, oldS := cur.R[j], cur.T[j], cur.S[j]
			cur.R[j], cur.T[j], cur.S[j] = r, t, s
			if ne, nj, nf := m.run(cur); ne <= bound {
				e, wj, wf = ne, nj, nf
				continue
			}
			cur.R[j], cur.T[j], cur.S[j] = oldR, oldT, oldS
			break
		}
	}
	return cur, e, wj, wf
}

func allKeys(c *anim.Clip) *anim.Keys {
	k := &anim.Keys{T: make([][]int, c.NumJoints), R: make([][]int, c.NumJoints), S: make([][]int, c.NumJoints)}
	for j := 0; j < c.NumJoints; j++ {
		k.T[j], k.R[j], k.S[j] = anim.KeyFrames(nil, j, c.Frames), anim.KeyFrames(nil, j, c.Frames), anim.KeyFrames(nil, j, c.Frames)
	}
	return k
}

func count(k *anim.Keys) int {
	n := 0
	for j := range k.R {
		n += len(k.T[j]) + len(k.R[j]) + len(k.S[j])
	}
	return n
}

// reaches returns, per joint, the rest distance to its farthest descendant plus vertex.
func reaches(s *anim.Skeleton, vertex float64) []float64 {
	rest := s.RestPositions()
	r := make([]float64, len(s.Joints))
	for j := len(s.Joints) - 1; j >= 0; j-- {
		for a := s.Joints[j].Parent; a >= 0; a = s.Joints[a].Parent {
			r[a] = math.Max(r[a], rest[j].Sub(rest[a]).Len())
		}
	}
	for j := range r {
		r[j] += vertex
	}
	return r
}

// measure holds a clip's tracks and world positions to compare reductions against.
type measure struct {
	s      *anim.Skeleton
	c      *anim.Clip
	opt    Options
	want   []anim.Vec3 // world positions (and virtual vertices), frame-major
	points int         // positions per frame
	eulerQ [][]anim.Quat
	// Effective split errors per joint and frame (rdpTree) of the rotation, translation and
	// scale tracks.
	errR, errT, errS [][]float64
	rec              *anim.Clip
	world            []anim.Mat4
}

func newMeasure(s *anim.Skeleton, c *anim.Clip, opt Options) *measure {
	m := &measure{s: s, c: c, opt: opt, rec: c.Clone(), world: make([]anim.Mat4, c.NumJoints)}
	m.points = c.NumJoints
	if opt.VertexDistanceCM > 0 {
		m.points *= 4
	}
	m.want = make([]anim.Vec3, c.Frames*m.points)
	for f := 0; f < c.Frames; f++ {
		m.positions(c, f, m.want[f*m.points:(f+1)*m.points])
	}
	if e := opt.Euler; e != nil {
		m.eulerQ = make([][]anim.Quat, c.NumJoints)
		for j := range m.eulerQ {
			q := make([]anim.Quat, c.Frames)
			for f, d := range e.Degrees[j] {
				q[f] = anim.EulerToQuat(d, e.Joints[j].RotationOrder)
			}
			m.eulerQ[j] = q
		}
	}
	return m
}

// positions poses frame f of c and writes each joint's position, then its virtual vertices.
func (m *measure) positions(c *anim.Clip, f int, dst []anim.Vec3) {
	w := c.WorldMatrices(m.s, f, m.world)
	n := c.NumJoints
	for j := range w {
		dst[j] = anim.Vec3{w[j][12], w[j][13], w[j][14]}
	}
	if d := m.opt.VertexDistanceCM; d > 0 {
		for j := range w {
			for k := 0; k < 3; k++ {
				var v anim.Vec3
				v[k] = d
				dst[n+3*j+k] = w[j].Point(v)
			}
		}
	}
}

// run reconstructs the clip from keys and returns its largest position error with the joint
// and frame where it occurs (joint -1 when there is no error at all). Euler keys are measured
// both as Euler curves (the FBX SDK, hence Unity, Unreal and Maya) and as the quaternions of
// their keys slerped (Blender and three.js), and the larger error counts.
func (m *measure) run(k *anim.Keys) (float64, int, int) {
	e, j, f := m.runAs(k, m.opt.Euler)
	if m.opt.Euler != nil {
		if e2, j2, f2 := m.runAs(k, nil); e2 > e {
			return e2, j2, f2
		}
	}
	return e, j, f
}

func (m *measure) runAs(k *anim.Keys, euler *EulerCurves) (float64, int, int) {
	Reconstruct(m.c, k, euler, m.rec)
	got := make([]anim.Vec3, m.points)
	worst, wj, wf := 0.0, -1, 0
	n := m.c.NumJoints
	for f := 0; f < m.c.Frames; f++ {
		m.positions(m.rec, f, got)
		want := m.want[f*m.points : (f+1)*m.points]
		for i := range got {
			if d := got[i].Sub(want[i]).Len(); d > worst {
				worst, wf = d, f
				wj = i
				if i >= n {
					wj = (i - n) / 3
				}
			}
		}
	}
	return worst, wj, wf
}

// splitErrors computes, once per track, the Ramer-Douglas-Peucker split tree of every track
// (see rdpTree), so that each tolerance the search tries costs one pass over the frames.
func (m *measure) splitErrors() {
	c := m.c
	n := c.NumJoints
	m.errR, m.errT, m.errS = make([][]float64, n), make([][]float64, n), make([][]float64, n)
	vec := make([]anim.Vec3, c.Frames)
	for j := 0; j < n; j++ {
		if m.eulerQ != nil {
			q := m.eulerQ[j]
			d := m.opt.Euler.Degrees[j]
			order := m.opt.Euler.Joints[j].RotationOrder
			m.errR[j] = rdpTree(c.Frames, func(f, a, b int) float64 {
				u := float64(f-a) / float64(b-a)
				e := q[f].Angle(anim.EulerToQuat(d[a].Lerp(d[b], u), order))
				// Some importers (Blender, three.js) turn the keys into quaternions and slerp.
				return math.Max(e, c.Rotations[f*n+j].Angle(anim.Slerp(c.Rotations[a*n+j], c.Rotations[b*n+j], u)))
			})
		} else {
			m.errR[j] = rdpTree(c.Frames, func(f, a, b int) float64 {
				u := float64(f-a) / float64(b-a)
				return c.Rotations[f*n+j].Angle(anim.Slerp(c.Rotations[a*n+j], c.Rotations[b*n+j], u))
			})
		}
		for f := range vec {
			vec[f] = c.Translations[f*n+j]
		}
		m.errT[j] = rdpVec(vec)
		for f := range vec {
			vec[f] = c.Scales[f*n+j]
		}
		m.errS[j] = rdpVec(vec)
	}
}

// reduce keys every track with the tolerances for a length budget of tol cm.
func (m *measure) reduce(reach []float64, tol float64) *anim.Keys {
	n := m.c.NumJoints
	k := &anim.Keys{T: make([][]int, n), R: make([][]int, n), S: make([][]int, n)}
	for j := 0; j < n; j++ {
		k.R[j], k.T[j], k.S[j] = m.reduceJoint(j, reach[j], tol)
	}
	return k
}

// reduceJoint keys joint j's tracks for a length budget of tol cm.
func (m *measure) reduceJoint(j int, reach, tol float64) (r, t, s []int) {
	// A rotation by θ moves a point at distance r by 2r·sin(θ/2) ≈ rθ; a scale error of x
	// moves it by rx.
	rel := math.Pi
	if reach > 1e-9 {
		rel = math.Min(math.Pi, tol/reach)
	}
	return above(m.errR[j], rel), above(m.errT[j], tol), above(m.errS[j], rel)
}

// above returns the frames whose effective split error exceeds tol: the frames
// Ramer-Douglas-Peucker keeps at that tolerance.
func above(eff []float64, tol float64) []int {
	out := make([]int, 0, 8)
	for f, e := range eff {
		if e > tol {
			out = append(out, f)
		}
	}
	return out
}

func rdpVec(v []anim.Vec3) []float64 {
	return rdpTree(len(v), func(f, a, b int) float64 {
		u := float64(f-a) / float64(b-a)
		return v[f].Sub(v[a].Lerp(v[b], u)).Len()
	})
}

// rdpTree splits a track of n samples as Ramer-Douglas-Peucker does, to the end: each span
// between kept frames a and b splits at the frame of largest error err(f, a, b) (the error at
// f of interpolating between a and b). Where a span splits does not depend on the tolerance,
// only whether it does, so RDP at tolerance tol keeps exactly the frames whose split error and
// every enclosing split's exceed tol. rdpTree returns that effective error per frame (the
// minimum along its chain of splits; +Inf at the ends, which are always kept).
func rdpTree(n int, err func(f, a, b int) float64) []float64 {
	eff := make([]float64, n)
	eff[0], eff[n-1] = math.Inf(1), math.Inf(1)
	type span struct {
		a, b int
		cap  float64
	}
	stack := []span{{0, n - 1, math.Inf(1)}}
	for len(stack) > 0 {
		sp := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		worst, at := -1.0, -1
		for f := sp.a + 1; f < sp.b; f++ {
			if e := err(f, sp.a, sp.b); e > worst {
				worst, at = e, f
			}
		}
		if at < 0 {
			continue
		}
		if worst <= 1e-12 {
			// The span is exact already (a held pose): nothing in it need ever be kept, and
			// splitting it frame by frame would cost time quadratic in its length.
			for f := sp.a + 1; f < sp.b; f++ {
				eff[f] = 0
			}
			continue
		}
		e := math.Min(worst, sp.cap)
		eff[at] = e
		stack = append(stack, span{sp.a, at, e}, span{at, sp.b, e})
	}
	return eff
}

// Reconstruct writes into dst (shaped like c) the clip a player evaluates from keys of c at
// each of c's frames: translations and scales interpolated linearly, rotations by slerp, or,
// with euler, per Euler angle in the joint's frame as an FBX reader evaluates them.
func Reconstruct(c *anim.Clip, k *anim.Keys, euler *EulerCurves, dst *anim.Clip) {
	n := c.NumJoints
	for j := 0; j < n; j++ {
		fill(anim.KeyFrames(k.T, j, c.Frames), func(f, a, b int, u float64) {
			dst.Translations[f*n+j] = c.Translations[a*n+j].Lerp(c.Translations[b*n+j], u)
		})
		fill(anim.KeyFrames(k.S, j, c.Frames), func(f, a, b int, u float64) {
			dst.Scales[f*n+j] = c.Scales[a*n+j].Lerp(c.Scales[b*n+j], u)
		})
		if euler != nil {
			jt, d := euler.Joints[j], euler.Degrees[j]
			pre, post := jt.PreRotation.Normalize(), jt.PostRotation.Normalize().Conj()
			fill(anim.KeyFrames(k.R, j, c.Frames), func(f, a, b int, u float64) {
				if u == 0 {
					dst.Rotations[f*n+j] = c.Rotations[f*n+j]
					return
				}
				dst.Rotations[f*n+j] = pre.Mul(anim.EulerToQuat(d[a].Lerp(d[b], u), jt.RotationOrder)).Mul(post).Normalize()
			})
			continue
		}
		fill(anim.KeyFrames(k.R, j, c.Frames), func(f, a, b int, u float64) {
			dst.Rotations[f*n+j] = anim.Slerp(c.Rotations[a*n+j], c.Rotations[b*n+j], u)
		})
	}
}

// fill calls set for every frame between and at the keys with the keys around it and the
// fraction of the way from one to the next (0 at a key).
func fill(keys []int, set func(f, a, b int, u float64)) {
	if len(keys) == 1 {
		set(keys[0], keys[0], keys[0], 0)
		return
	}
	for i := 0; i+1 < len(keys); i++ {
		a, b := keys[i], keys[i+1]
		for f := a; f < b; f++ {
			set(f, a, b, float64(f-a)/float64(b-a))
		}
	}
	last := keys[len(keys)-1]
	set(last, last, last, 0)
}

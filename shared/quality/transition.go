package quality

import (
	"fmt"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// TransitionMetrics describes a result's handover window.
type TransitionMetrics struct {
	Start int `json:"start"`
	End   int `json:"end"`
	// MaxPoseChangeCM is the largest joint step between consecutive frames from Start-1 to End,
	// so the steps into and out of the window count.
	MaxPoseChangeCM       float64 `json:"max_pose_change_cm"`
	L2AccelerationCMPerS2 float64 `json:"l2_acceleration_cm_per_s2"` // over the same frames
	// Bridge is the distance between the result's poses at the window's first and last frames:
	// what the window has to carry the pose across.
	Bridge Cost `json:"bridge"`
	// Handover is the distance between the two inputs where they meet, when Window names them.
	Handover *Cost `json:"handover,omitempty"`
}

// Cost returns the transition cost, the one number the catalogue keeps (transition_cost) and
// the CLI prints: the Score of Handover when the inputs were given, else of Bridge.
func (t *TransitionMetrics) Cost() float64 {
	if t.Handover != nil {
		return t.Handover.Score
	}
	return t.Bridge.Score
}

// Cost is a pose-and-velocity distance between two frames, measured on the skeleton with the
// hips' horizontal position and velocity removed, so in-place and root-motion clips compare.
type Cost struct {
	PoseCM         float64 `json:"pose_cm"`           // mean over joints of the position distance
	VelocityCMPerS float64 `json:"velocity_cm_per_s"` // mean over joints of the velocity distance
	// Score is PoseCM + 0.1 s × VelocityCMPerS: a velocity mismatch counted as the distance it
	// opens over a typical 0.1 s blend.
	Score float64 `json:"score"`
}

const velocityHorizonS = 0.1

func (w Window) check(s *anim.Skeleton, c *anim.Clip) error {
	if w.Start < 0 || w.End > c.Frames || w.Start >= w.End {
		return &InputError{Field: "options.Transition",
			Reason: fmt.Sprintf("window [%d, %d) must lie inside the clip's %d frames", w.Start, w.End, c.Frames)}
	}
	if (w.From == nil) != (w.To == nil) {
		return &InputError{Field: "options.Transition", Reason: "From and To must be given together"}
	}
	if w.From != nil {
		if err := w.From.Validate(s); err != nil {
			return &InputError{Field: "options.Transition.From", Reason: "invalid", Err: err}
		}
		if err := w.To.Validate(s); err != nil {
			return &InputError{Field: "options.Transition.To", Reason: "invalid", Err: err}
		}
		if w.FromFrame < 0 || w.FromFrame >= w.From.Frames {
			return &InputError{Field: "options.Transition.FromFrame", Reason: fmt.Sprintf("%d outside the clip's %d frames", w.FromFrame, w.From.Frames)}
		}
		if w.ToFrame < 0 || w.ToFrame >= w.To.Frames {
			return &InputError{Field: "options.Transition.ToFrame", Reason: fmt.Sprintf("%d outside the clip's %d frames", w.ToFrame, w.To.Frames)}
		}
	}
	return nil
}

func measureTransition(s *anim.Skeleton, tr *track, w Window, poseChange []float64) (TransitionMetrics, error) {
	t := TransitionMetrics{Start: w.Start, End: w.End}
	lo, hi := max(w.Start-1, 0), min(w.End+1, tr.frames) // frames lo..hi-1
	for f := lo + 1; f < hi; f++ {
		t.MaxPoseChangeCM = max(t.MaxPoseChangeCM, poseChange[f])
	}
	_, t.L2AccelerationCMPerS2 = velocityMetrics(tr, lo, hi)
	root := hipsIndex(s)
	t.Bridge = cost(framePV(tr, w.Start, root), framePV(tr, w.End-1, root))
	if w.From != nil {
		h, err := HandoverCost(s, w.From, w.FromFrame, w.To, w.ToFrame)
		if err != nil {
			return t, err
		}
		t.Handover = &h
	}
	return t, nil
}

// HandoverCost is the pose-and-velocity distance between clip a at frame fa and clip b at frame
// fb, both on skeleton s: how far apart two clips are where a transition joins them.
func HandoverCost(s *anim.Skeleton, a *anim.Clip, fa int, b *anim.Clip, fb int) (Cost, error) {
	for _, x := range []struct {
		name string
		c    *anim.Clip
		f    int
	}{{"from", a, fa}, {"to", b, fb}} {
		if err := checkInput(s, x.c); err != nil {
			return Cost{}, &InputError{Field: x.name, Reason: "invalid", Err: err}
		}
		if x.f < 0 || x.f >= x.c.Frames {
			return Cost{}, &InputError{Field: x.name + " frame", Reason: fmt.Sprintf("%d outside the clip's %d frames", x.f, x.c.Frames)}
		}
	}
	root := hipsIndex(s)
	return cost(clipPV(s, a, fa, root), clipPV(s, b, fb, root)), nil
}

// pv is a root-relative pose and its velocity.
type pv struct{ p, v []anim.Vec3 }

func hipsIndex(s *anim.Skeleton) int {
	for i, j := range s.Joints {
		if mixamo.Normalize(j.Name) == "Hips" {
			return i
		}
	}
	return 0
}

// relative removes the root's horizontal component from every joint.
func relative(x []anim.Vec3, root int) {
	r := x[root]
	r[1] = 0
	for j := range x {
		x[j] = x[j].Sub(r)
	}
}

// pvFrom builds a pose and its central-difference velocity from positions at frames a ≤ f ≤ b.
func pvFrom(pa, pf, pb []anim.Vec3, span float64, root int) pv {
	out := pv{p: append([]anim.Vec3(nil), pf...), v: make([]anim.Vec3, len(pf))}
	if span > 0 {
		for j := range pf {
			out.v[j] = pb[j].Sub(pa[j]).Scale(1 / span)
		}
	}
	relative(out.p, root)
	relative(out.v, root)
	return out
}

func framePV(tr *track, f, root int) pv {
	a, b := max(f-1, 0), min(f+1, tr.frames-1)
	at := func(f int) []anim.Vec3 { return tr.p[f*tr.n : (f+1)*tr.n] }
	return pvFrom(at(a), at(f), at(b), float64(b-a)/tr.fps, root)
}

func clipPV(s *anim.Skeleton, c *anim.Clip, f, root int) pv {
	a, b := max(f-1, 0), min(f+1, c.Frames-1)
	return pvFrom(c.WorldPositions(s, a, nil), c.WorldPositions(s, f, nil), c.WorldPositions(s, b, nil),
		float64(b-a)/c.FPS, root)
}

func cost(x, y pv) Cost {
	var c Cost
	n := float64(len(x.p))
	for j := range x.p {
		c.PoseCM += x.p[j].Sub(y.p[j]).Len() / n
		c.VelocityCMPerS += x.v[j].Sub(y.v[j]).Len() / n
	}
	c.Score = c.PoseCM + velocityHorizonS*c.VelocityCMPerS
	return c
}

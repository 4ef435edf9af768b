package blend

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// maxSamples bounds frames × joints of an output clip (about 1.3 GB of tracks).
const maxSamples = 1 << 24

// Result is a blend's output and what the operator decided on the way.
type Result struct {
	Animation  *anim.Animation `json:"-"`
	Joints     JointReport     `json:"joints"`
	Transition *TransitionInfo `json:"transition,omitempty"` // transition only
	Weights    []float64       `json:"weights,omitempty"`    // per input: mix and blendspace
	Label      string          `json:"label"`                // human-readable name (Label)
	Loop       *LoopPoints     `json:"loop,omitempty"`       // loop_find: where the cycle was cut
}

// Run blends the inputs as opts says. The first input's skeleton (the same pointer) becomes the
// output's, so a writer of its format can reuse its source document. Bad options or inputs give
// a *OptionError naming the field ("ratio", "inputs[1]", ...).
func Run(opts Options, inputs ...*anim.Animation) (*Result, error) {
	if err := opts.Validate(len(inputs)); err != nil {
		return nil, err
	}
	o := opts.Canonical()
	if o.Method == Retarget {
		return nil, optErr("method", "retarget changes the skeleton; job.Blend runs it")
	}
	inputs, rootIn := preEdits(inputs)
	srcs, rep, err := bind(inputs)
	if err != nil {
		return nil, err
	}
	a := &srcs[0]
	fps := o.FPS
	if fps == 0 {
		fps = a.clip.FPS
	}
	// Bound the output before allocating it: a slow input clip resampled at a high rate could
	// otherwise ask for more memory than any real animation needs.
	span := 0.0
	for i := range srcs {
		span += srcs[i].clip.Duration()
	}
	if samples := (span*fps + 2) * float64(len(a.idx)); samples > maxSamples {
		return nil, optErr("fps", "the output would hold about %.3g joint samples at %v fps, more than the limit %d", samples, fps, maxSamples)
	}
	names := make([]string, len(srcs))
	for i := range srcs {
		names[i] = srcs[i].clip.Name
	}
	res := &Result{Joints: rep, Label: Label(o, names)}
	name := SafeName(res.Label)
	var out *anim.Clip
	switch o.Method {
	case Mix:
		res.Weights = []float64{1 - *o.Ratio, *o.Ratio}
		var warps []func(float64) float64
		if o.Sync == SyncFeet {
			wb, err := feetWarp(a, &srcs[1])
			if err != nil {
				return nil, err
			}
			warps = []func(float64) float64{nil, wb}
		}
		out = phaseBlend(srcs, res.Weights, warps, fps, name)
	case Blendspace:
		res.Weights = blendspaceWeights(o.Positions, o.Value)
		out = phaseBlend(srcs, res.Weights, nil, fps, name)
	case Transition:
		out, res.Transition, err = transition(srcs, o, fps, name)
	case Layer:
		var w []float64
		if w, err = maskWeights(a.skel, o.Mask, *o.MaskWeight); err == nil {
			out = layer(srcs, w, fps, name)
		}
	case Additive:
		out, err = additive(srcs, o.ReferenceFrame, *o.Weight, fps, name)
	case Edit:
		out = a.clip.Resample(fps)
		out.Name = name
	}
	if err != nil {
		return nil, err
	}
	if out, err = editClip(o, a.skel, out); err != nil {
		return nil, err
	}
	if o.InPlace {
		inPlace(out, a.root, a.rs)
	}
	if o.LoopFind {
		if out, res.Loop, err = findLoopCut(a.skel, out); err != nil {
			return nil, err
		}
	}
	if o.Loop {
		loop(out, a.root, a.rs, o.TransitionFrames, o.Curve, o.InPlace)
	}
	if o.FootLock != nil && *o.FootLock {
		if allowed, ok := allowedSkating(inputs, res.Weights); ok {
			if o.Speed != nil { // a faster clip slides its feet as much, in less time
				allowed *= *o.Speed
			}
			lockFeet(a.skel, out, allowed)
		}
	}
	res.Animation = &anim.Animation{Skeleton: a.skel, Clips: []*anim.Clip{out}, Source: inputs[0].Source}
	if o.RootMotion == RootMotionRoot || (o.RootMotion == "" && rootIn) {
		if res.Animation, err = ExtractRoot(res.Animation); err != nil {
			return nil, err
		}
	}
	return res, nil
}

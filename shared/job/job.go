// Package job makes one blend from decoded inputs: run the operator, measure the result against
// its inputs, and encode it. The CLI, the batch runner and the blend service all call it, so a
// blend made anywhere is the same bytes and the same report.
package job

import (
	"errors"
	"fmt"
	"sync"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/retarget"
)

// Spec is one blend on decoded inputs.
type Spec struct {
	Options blend.Options
	// Format is the output format: "fbx", "glb", "gltf" or "bvh".
	Format string
	// ClipName names the output clip; empty keeps the operator's name. Either way the name
	// written is blend.SafeName's spelling, which Unreal and Godot accept.
	ClipName string
	// InputNames, when given (one per input), name the inputs in the blend's label (e.g.
	// "mix 0.3 walk+run") and so in the operator's clip name; empty uses the clips' own names.
	InputNames []string
	// InputMetrics, when given (one per input), are reused instead of measuring the inputs
	// again; a batch that blends the same seeds many times measures each once.
	InputMetrics []quality.Metrics
}

// Output is a finished blend.
type Output struct {
	Data    []byte
	Format  string
	Result  *blend.Result
	Quality quality.Report
	Info    mixamo.Info
	// Written says what the output options (rename, max_error_cm) did to the file.
	Written OutputReport
	// Retarget is how the clip met the character (method retarget only): matched, unmapped
	// and missing joints, the scale and the feet's skating before and after.
	Retarget *retarget.Result
}

// Blend runs spec over inputs. Bad options or inputs give the operator's *blend.OptionError.
//
// The work that only reads finished data runs concurrently: measuring the inputs alongside
// the operator, and measuring the result alongside encoding it. Errors are reported in the
// order the steps would run one after another.
func Blend(inputs []*anim.Animation, spec Spec) (*Output, error) {
	if _, err := animfile.OutputFormat("", spec.Format); err != nil {
		return nil, &blend.OptionError{Field: "format", Msg: err.Error()}
	}
	var wg sync.WaitGroup
	defer wg.Wait() // no goroutine outlives the call, whatever it returns
	in := spec.InputMetrics
	var inErrs []error
	if len(in) != len(inputs) {
		in = make([]quality.Metrics, len(inputs))
		inErrs = make([]error, len(inputs))
		for i, a := range inputs {
			wg.Go(func() { in[i], inErrs[i] = MeasureInput(a) })
		}
	}
	res, rt, err := run(spec.Options, inputs)
	if err != nil {
		return nil, err
	}
	out := res.Animation
	clip := out.Clip()
	if len(spec.InputNames) == len(inputs) {
		res.Label = blend.Label(spec.Options, spec.InputNames)
		clip.Name = blend.SafeName(res.Label)
	}
	if spec.ClipName != "" {
		clip.Name = blend.SafeName(spec.ClipName)
	}
	var opt quality.Options
	if t := res.Transition; t != nil && t.Frames > 0 && t.StartFrame+t.Frames <= clip.Frames {
		opt.Transition = &quality.Window{Start: t.StartFrame, End: t.StartFrame + t.Frames}
	}
	var m quality.Metrics
	var mErr error
	wg.Go(func() { m, mErr = quality.Measure(out.Skeleton, clip, opt) })
	data, written, encErr := Encode(out, spec.Format, spec.Options)
	wg.Wait()
	compared, cmpErrs := in, inErrs
	if rt != nil {
		// The result is compared with the motion it carries at the character's size, not
		// with the character, which need hold no clip.
		compared, cmpErrs = []quality.Metrics{in[0].Scaled(rt.Scale)}, inErrs[:min(1, len(inErrs))]
	}
	for i, err := range cmpErrs {
		if err != nil {
			return nil, fmt.Errorf("measure input %d: %w", i, err)
		}
	}
	if mErr != nil {
		return nil, fmt.Errorf("measure result: %w", mErr)
	}
	var oe *blend.OptionError
	if errors.As(encErr, &oe) {
		return nil, encErr
	}
	if encErr != nil {
		return nil, fmt.Errorf("encode %s: %w", spec.Format, encErr)
	}
	o := &Output{Format: spec.Format, Result: res, Quality: quality.Compare(m.Compact(), compared...), Data: data, Written: written, Retarget: rt}
	o.Info = mixamo.Describe(out)
	f, _ := animfile.ByName(spec.Format) // Encode has accepted it
	o.Info.Format, o.Info.Version = f.Family(), ""
	return o, nil
}

// run runs the operator. Retarget carries the first input's motion onto the second's skeleton
// (keeping planted feet planted unless foot_lock is false), then applies the edits and common
// steps to it as method edit does.
func run(opts blend.Options, inputs []*anim.Animation) (*blend.Result, *retarget.Result, error) {
	if err := opts.Validate(len(inputs)); err != nil {
		return nil, nil, err
	}
	c := opts.Canonical()
	if c.Method != blend.Retarget {
		res, err := blend.Run(opts, inputs...)
		return res, nil, err
	}
	if inputs[1] == nil || inputs[1].Skeleton == nil {
		return nil, nil, &blend.OptionError{Field: "inputs[1]", Msg: "the character has no skeleton"}
	}
	rt, err := retarget.Run(inputs[0], inputs[1].Skeleton, retarget.Options{FootLock: c.FootLock})
	var re *retarget.Error
	if errors.As(err, &re) {
		field := "inputs[0]"
		if re.Field == "target" {
			field = "inputs[1]"
		}
		return nil, nil, &blend.OptionError{Field: field, Msg: re.Error(), Err: err}
	}
	if err != nil {
		return nil, nil, err
	}
	edit := opts
	edit.Method, edit.FootLock = blend.Edit, nil
	res, err := blend.Run(edit, rt.Animation)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(inputs))
	for i, a := range inputs {
		if cl := a.Clip(); cl != nil {
			names[i] = cl.Name
		}
	}
	res.Label = blend.Label(opts, names)
	res.Animation.Clip().Name = blend.SafeName(res.Label)
	return res, rt, nil
}

// MeasureInput measures an input's first clip (compact: no per-frame series).
func MeasureInput(a *anim.Animation) (quality.Metrics, error) {
	c := a.Clip()
	if c == nil {
		return quality.Metrics{}, fmt.Errorf("no animation clip")
	}
	m, err := quality.Measure(a.Skeleton, c, quality.Options{})
	return m.Compact(), err
}

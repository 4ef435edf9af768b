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
	res, err := blend.Run(spec.Options, inputs...)
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
	for i, err := range inErrs {
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
	o := &Output{Format: spec.Format, Result: res, Quality: quality.Compare(m.Compact(), in...), Data: data, Written: written}
	o.Info = mixamo.Describe(out)
	f, _ := animfile.ByName(spec.Format) // Encode has accepted it
	o.Info.Format, o.Info.Version = f.Family(), ""
	return o, nil
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

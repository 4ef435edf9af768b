package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
)

// blendFlags binds every operator option to a flag; set records which were given, so absent
// options keep the operator's defaults.
type blendFlags struct {
	o                                  blend.Options
	ratio, transitionAt, maskW, weight float64
	mask, positions                    string
	set                                map[string]bool
	edits                              editFlags
}

func (b *blendFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.o.Method, "method", "mix", "mix (linear), transition (single-shot), layer, additive, blendspace, edit (one clip) or retarget (A onto B's character)")
	fs.Float64Var(&b.ratio, "ratio", blend.DefaultRatio, "mix: weight of the second clip, 0..1")
	fs.StringVar(&b.o.Sync, "sync", "", "mix: none or feet (align foot plants)")
	fs.IntVar(&b.o.TransitionFrames, "transition-frames", 0, "transition (and loop): cross-fade length in frames (default 10)")
	fs.StringVar(&b.o.Curve, "curve", "", "transition: linear, smoothstep (default) or ease-in-out")
	fs.Float64Var(&b.transitionAt, "transition-at", 0, "transition: seconds into A where the hand-over starts (default: found automatically)")
	fs.StringVar(&b.mask, "mask", "", "layer: a preset (upper_body, lower_body, left_arm, right_arm, head, spine) or comma-separated joints")
	fs.Float64Var(&b.maskW, "mask-weight", blend.DefaultMaskWeight, "layer: weight of the masked joints, 0..1")
	fs.Float64Var(&b.weight, "weight", blend.DefaultWeight, "additive: weight of B's difference, 0..1")
	fs.IntVar(&b.o.ReferenceFrame, "reference-frame", 0, "additive: frame of B used as its reference pose")
	fs.StringVar(&b.positions, "positions", "", "blendspace: comma-separated parameter position of each input")
	fs.Float64Var(&b.o.Value, "value", 0, "blendspace: parameter value")
	fs.Float64Var(&b.o.FPS, "fps", 0, "output frame rate (default: the first input's)")
	fs.BoolVar(&b.o.Loop, "loop", false, "make the result loop seamlessly")
	fs.BoolVar(&b.o.InPlace, "in-place", false, "remove horizontal root motion")
	b.edits.register(fs, &b.o)
	b.registerOutput(fs)
}

func (b *blendFlags) options(fs *flag.FlagSet) (blend.Options, error) {
	b.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { b.set[f.Name] = true })
	o := b.o
	if b.set["ratio"] {
		o.Ratio = &b.ratio
	}
	if b.set["transition-at"] {
		o.TransitionAt = &b.transitionAt
	}
	if b.set["mask-weight"] {
		o.MaskWeight = &b.maskW
	}
	if b.set["weight"] {
		o.Weight = &b.weight
	}
	b.edits.apply(b.set, &o)
	if b.mask != "" {
		for _, m := range strings.Split(b.mask, ",") {
			o.Mask = append(o.Mask, strings.TrimSpace(m))
		}
	}
	if b.positions != "" {
		for _, p := range strings.Split(b.positions, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return o, fmt.Errorf("--positions: %q is not a number", p)
			}
			o.Positions = append(o.Positions, v)
		}
	}
	return o, nil
}

func runBlend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("blend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf blendFlags
	bf.register(fs)
	out := fs.String("o", "", "output file (its extension picks the format unless --format is given)")
	format := fs.String("format", "", "output format: fbx, glb, gltf or bvh")
	name := fs.String("name", "", "name of the output clip (default: the output file's name)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cli.SetUsage(fs,
		"usage: blendpipe blend A B [more inputs] --method mix --ratio 0.3 -o out.fbx [--json]",
		"       blendpipe blend A --method edit --mirror --root-motion root -o out.fbx",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || *out == "" {
		fs.Usage()
		return cli.ErrUsage
	}
	opts, err := bf.options(fs)
	if err != nil {
		return err
	}
	f, err := animfile.OutputFormat(*out, *format)
	if err != nil {
		return err
	}
	for _, w := range unusedFlags(bf.set, opts) {
		fmt.Fprintln(stderr, "warning:", w)
	}
	inputs, err := readInputs(ctx, fs.Args())
	if err != nil {
		return err
	}
	res, err := job.Blend(inputs, job.Spec{Options: opts, Format: f, ClipName: clipNameFor(*name, *out), InputNames: inputNames(fs.Args())})
	if err != nil {
		return nameInput(err, fs.Args())
	}
	if err := cli.WriteFileAtomic(*out, res.Data); err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, blendReport(*out, res))
	}
	c := res.Result.Animation.Clip()
	fmt.Fprintf(stdout, "%s: %s (clip %s): %d frames at %g fps, %.3f s, %d joints\n", *out, res.Result.Label, c.Name, c.Frames, c.FPS, c.Duration(), c.NumJoints)
	q := res.Quality.Result
	fmt.Fprintf(stdout, "foot skating %.2f cm/s, max pose change %.2f cm, L2 velocity %.1f cm/s, L2 acceleration %.0f cm/s²\n",
		q.FootSkatingCMPerS, q.MaxPoseChangeCM, q.L2VelocityCMPerS, q.L2AccelerationCMPerS2)
	if lp := res.Result.Loop; lp != nil {
		fmt.Fprintf(stdout, "loop cut at frames %d..%d, seam %.2f cm before the cross-fade\n", lp.Start, lp.End, lp.Cost)
	}
	if t := res.Result.Transition; t != nil {
		fmt.Fprintf(stdout, "transition at frame %d over %d frames (B from frame %d)", t.StartFrame, t.Frames, t.BFrame)
		if m := q.Transition; m != nil {
			c := m.Bridge
			if m.Handover != nil {
				c = *m.Handover
			}
			fmt.Fprintf(stdout, ", transition cost %.2f cm (pose %.2f cm + 0.1 s × velocity %.1f cm/s)", m.Cost(), c.PoseCM, c.VelocityCMPerS)
		}
		fmt.Fprintln(stdout)
	}
	if rt := res.Retarget; rt != nil {
		fmt.Fprintf(stdout, "retarget: %d joints matched, motion scaled by %.3f (leg lengths)\n", len(rt.Matched), rt.Scale)
		if len(rt.Unmapped) > 0 {
			fmt.Fprintf(stdout, "unmapped (the character has no such joint; their motion is dropped): %s\n", strings.Join(rt.Unmapped, ", "))
		}
	}
	printWritten(stdout, res.Written)
	for _, w := range res.Quality.Check(qualityLimits()) {
		fmt.Fprintln(stderr, "warning:", w)
	}
	return nil
}

// flagMethods names the methods that read a flag; nil for a flag every method reads.
func flagMethods(flag string) []string {
	switch flag {
	case "ratio", "sync":
		return []string{blend.Mix}
	case "transition-frames", "curve":
		return []string{blend.Transition, "--loop"}
	case "transition-at":
		return []string{blend.Transition}
	case "mask", "mask-weight":
		return []string{blend.Layer}
	case "weight", "reference-frame":
		return []string{blend.Additive}
	case "positions", "value":
		return []string{blend.Blendspace}
	}
	return nil
}

// unusedFlags says which of the given flags the method ignores: a --mask with mix is almost
// always a mistyped --method, and the blend would otherwise succeed without a word.
func unusedFlags(set map[string]bool, o blend.Options) []string {
	c := o.Canonical()
	if c.Method == "" {
		return nil // an unknown method is the error job.Blend reports
	}
	var warn []string
	for _, f := range slices.Sorted(maps.Keys(set)) {
		by := flagMethods(f)
		if by == nil || slices.Contains(by, c.Method) || (c.Loop && slices.Contains(by, "--loop")) {
			continue
		}
		warn = append(warn, fmt.Sprintf("--%s is read by %s only; --method %s ignores it", f, strings.Join(by, " and "), c.Method))
	}
	return warn
}

// InputFileError is a blend option error about one input, named by its file rather than by
// its place among the inputs.
type InputFileError struct {
	Path string
	Err  *blend.OptionError
}

func (e *InputFileError) Error() string { return e.Path + ": " + e.Err.Msg }
func (e *InputFileError) Unwrap() error { return e.Err }

// nameInput turns an error about inputs[i] into one naming paths[i].
func nameInput(err error, paths []string) error {
	var oe *blend.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	rest, ok := strings.CutPrefix(oe.Field, "inputs[")
	if !ok {
		return err
	}
	i, err2 := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err2 != nil || i < 0 || i >= len(paths) {
		return err
	}
	return &InputFileError{Path: paths[i], Err: oe}
}

// readInputs decodes the input files concurrently: decoding is most of a small blend's time,
// and the files do not depend on each other. The first failing input, in argument order,
// gives the error.
func readInputs(ctx context.Context, paths []string) ([]*anim.Animation, error) {
	inputs := make([]*anim.Animation, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() { inputs[i], _, errs[i] = animfile.Read(ctx, p, 0) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return inputs, nil
}

// blendReport is what `blend --json` prints.
func blendReport(path string, res *job.Output) map[string]any {
	c := res.Result.Animation.Clip()
	return map[string]any{
		"output":     path,
		"label":      res.Result.Label,
		"clip":       c.Name,
		"loop":       res.Result.Loop,
		"format":     res.Format,
		"bytes":      len(res.Data),
		"duration_s": c.Duration(),
		"frames":     c.Frames,
		"fps":        c.FPS,
		"joints":     res.Result.Joints,
		"transition": res.Result.Transition,
		"weights":    res.Result.Weights,
		"metrics":    res.Quality,
		"warnings":   res.Quality.Check(qualityLimits()),
		"written":    res.Written,
		"retarget":   res.Retarget,
	}
}

// clipNameFor is the given name, else the output file's name without its extension: Mixamo
// names every clip "mixamo.com", which would say nothing in an engine's clip list.
func clipNameFor(name, out string) string {
	if name != "" {
		return name
	}
	base := filepath.Base(out)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

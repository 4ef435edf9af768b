package main

import (
	"flag"
	"path/filepath"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

// editFlags binds the clip edits of blend.Options to flags.
type editFlags struct {
	trimStart, trimEnd, speed    float64
	trimStartFrame, trimEndFrame int
}

func (e *editFlags) register(fs *flag.FlagSet, o *blend.Options) {
	fs.Float64Var(&e.trimStart, "trim-start", 0, "edit: keep the result from this time in seconds")
	fs.Float64Var(&e.trimEnd, "trim-end", 0, "edit: keep the result up to this time in seconds")
	fs.IntVar(&e.trimStartFrame, "trim-start-frame", 0, "edit: keep the result from this frame")
	fs.IntVar(&e.trimEndFrame, "trim-end-frame", 0, "edit: keep the result up to this frame")
	fs.Float64Var(&e.speed, "speed", 1, "edit: play rate (2 = twice as fast, half the duration, same fps)")
	fs.BoolVar(&o.Reverse, "reverse", false, "edit: play backwards")
	fs.BoolVar(&o.Mirror, "mirror", false, "edit: swap left and right across the sagittal plane")
	fs.BoolVar(&o.LoopFind, "loop-find", false, "edit: cut at the best loop points, then loop (implies --loop)")
	fs.StringVar(&o.RootMotion, "root-motion", "", "root (travel and yaw in a root bone above the Hips, as Unreal expects), hips (no root bone); default as the first input")
}

// apply sets the edits whose flags were given.
func (e *editFlags) apply(set map[string]bool, o *blend.Options) {
	if set["trim-start"] {
		o.TrimStart = &e.trimStart
	}
	if set["trim-end"] {
		o.TrimEnd = &e.trimEnd
	}
	if set["trim-start-frame"] {
		o.TrimStartFrame = &e.trimStartFrame
	}
	if set["trim-end-frame"] {
		o.TrimEndFrame = &e.trimEndFrame
	}
	if set["speed"] {
		o.Speed = &e.speed
	}
}

// inputNames names the inputs in a blend's label by their file names.
func inputNames(paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		base := filepath.Base(p)
		names[i] = strings.TrimSuffix(base, filepath.Ext(base))
	}
	return names
}

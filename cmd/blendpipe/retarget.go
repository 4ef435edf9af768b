package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/retarget"
)

func runRetarget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("retarget", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf blendFlags
	bf.registerOutput(fs)
	rig := fs.String("rig", "", "a file of the character to carry the clip onto (its rest skeleton is used); default: keep the input's rig")
	noLock := fs.Bool("no-foot-lock", false, "do not keep the feet planted with IK")
	out := fs.String("o", "", "output file (its extension picks the format unless --format is given)")
	format := fs.String("format", "", "output format: fbx, glb, gltf or bvh")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cli.SetUsage(fs,
		"usage: blendpipe retarget IN [--rig CHARACTER] [--rename ue5|unity|godot|mixamo] [--max-error-cm CM] -o OUT [--json]",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" || (*rig == "" && bf.o.Rename == "" && bf.o.MaxErrorCM == 0) {
		fs.Usage()
		return cli.ErrUsage
	}
	if err := bf.o.ValidateOutput(); err != nil {
		return err
	}
	f, err := animfile.OutputFormat(*out, *format)
	if err != nil {
		return err
	}
	paths := []string{fs.Arg(0)}
	if *rig != "" {
		paths = append(paths, *rig)
	}
	inputs, err := readInputs(ctx, paths)
	if err != nil {
		return err
	}
	a := inputs[0]
	var res *retarget.Result
	if *rig != "" {
		lock := !*noLock
		if res, err = retarget.Run(a, inputs[1].Skeleton, retarget.Options{FootLock: &lock}); err != nil {
			return err
		}
		a = res.Animation
	}
	data, written, err := job.Encode(a, f, blend.Options{Rename: bf.o.Rename, MaxErrorCM: bf.o.MaxErrorCM, VertexDistanceCM: bf.o.VertexDistanceCM})
	if err != nil {
		return err
	}
	if err := cli.WriteFileAtomic(*out, data); err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, map[string]any{"output": *out, "format": f, "bytes": len(data), "retarget": res, "written": written})
	}
	c := a.Clip()
	fmt.Fprintf(stdout, "%s: %d frames at %g fps, %.3f s, %d joints\n", *out, c.Frames, c.FPS, c.Duration(), c.NumJoints)
	if res != nil {
		fmt.Fprintf(stdout, "onto %s: %d joints matched, motion scaled by %.3f (leg lengths), foot skating %.2f → %.2f cm/s (%.2f at the target's size)\n",
			*rig, len(res.Matched), res.Scale, res.SkatingSource, res.SkatingResult, res.SkatingSource*res.Scale)
		if len(res.Unmapped) > 0 {
			fmt.Fprintf(stdout, "unmapped (the target has no such joint; their motion is dropped): %s\n", strings.Join(res.Unmapped, ", "))
		}
		if len(res.Missing) > 0 {
			fmt.Fprintf(stdout, "missing (the source has no such joint; they hold the target's rest pose): %s\n", strings.Join(res.Missing, ", "))
		}
	}
	printWritten(stdout, written)
	return nil
}

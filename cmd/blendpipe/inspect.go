package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	cli.SetUsage(fs,
		"usage: blendpipe inspect [--json] FILE",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.ErrUsage
	}
	a, _, err := animfile.Read(ctx, fs.Arg(0), 0)
	if err != nil {
		return err
	}
	info := mixamo.Describe(a)
	rep := inspectReport{Info: info}
	if c := a.Clip(); c != nil {
		rep.SafeClip = blend.SafeName(c.Name)
		// A clip too short or without Hips has no loop points; the rest of the report stands.
		if lp, err := blend.FindLoop(a.Skeleton, c, blend.LoopSearch{}); err == nil {
			rep.Loop = &lp
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "format      %s %s\n", info.Format, info.Version)
	if info.Creator != "" {
		fmt.Fprintf(stdout, "creator     %s\n", info.Creator)
	}
	fmt.Fprintf(stdout, "rig         %s (%s, prefix %q)\n", info.Rig, info.RigSignature, info.Prefix)
	fmt.Fprintf(stdout, "joints      %d", info.Joints)
	if !info.Humanoid {
		fmt.Fprintf(stdout, " (not a humanoid: missing %v)", info.MissingJoints)
	}
	fmt.Fprintln(stdout)
	if info.Clips == 0 {
		fmt.Fprintln(stdout, "clip        none (character only)")
	} else {
		fmt.Fprintf(stdout, "clip        %q: %d frames at %g fps, %.3f s\n", info.Clip, info.Frames, info.FPS, info.Duration)
		fmt.Fprintf(stdout, "root motion %.1f cm (x %.1f, z %.1f)\n", info.RootMotionCM, info.RootMotionVec[0], info.RootMotionVec[2])
		fmt.Fprintf(stdout, "engine name %s\n", rep.SafeClip)
	}
	if lp := rep.Loop; lp != nil {
		fmt.Fprintf(stdout, "loop        frames %d..%d (%.3f..%.3f s), seam %.2f cm (the clip's own ends %.2f cm)\n",
			lp.Start, lp.End, lp.StartTime, lp.EndTime, lp.Cost, lp.ClipCost)
	}
	for _, s := range info.Stacks {
		mark := " "
		if s.Used {
			mark = "*"
		}
		fmt.Fprintf(stdout, "stack      %s %q %.3f s, %d curves\n", mark, s.Name, s.Duration, s.Curves)
	}
	return nil
}

// inspectReport is what `inspect --json` prints: the file's description, the clip's name as
// engines accept it, and its best loop points.
type inspectReport struct {
	mixamo.Info
	SafeClip string            `json:"engine_clip_name,omitempty"`
	Loop     *blend.LoopPoints `json:"loop,omitempty"`
}

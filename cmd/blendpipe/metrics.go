package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

func qualityLimits() quality.Limits { return quality.DefaultLimits() }

func runMetrics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("metrics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the metrics as JSON")
	series := fs.Bool("series", false, "with --json, include per-frame series")
	cli.SetUsage(fs,
		"usage: blendpipe metrics [--json] [--series] FILE",
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
	c := a.Clip()
	if c == nil {
		return fmt.Errorf("%s: no animation clip (a character-only file)", fs.Arg(0))
	}
	m, err := quality.Measure(a.Skeleton, c, quality.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	if !*series {
		m = m.Compact()
	}
	if *asJSON {
		return cli.WriteJSON(stdout, m)
	}
	fmt.Fprintf(stdout, "clip               %q, %d frames at %g fps, %.3f s\n", m.Name, m.Frames, m.FPS, m.DurationS)
	if m.Feet {
		fmt.Fprintf(stdout, "foot skating       %.2f cm/s (%d contact foot-frames, %.2f plants/s)\n", m.FootSkatingCMPerS, m.ContactFrames, m.PlantsPerSecond)
		fmt.Fprintf(stdout, "ground penetration %.2f cm (%.0f%% of frames)\n", m.PenetrationCM, 100*m.PenetrationFraction)
	} else {
		fmt.Fprintln(stdout, "feet               none found: foot metrics not measured")
	}
	fmt.Fprintf(stdout, "L2 velocity        %.2f cm/s\n", m.L2VelocityCMPerS)
	fmt.Fprintf(stdout, "L2 acceleration    %.1f cm/s²\n", m.L2AccelerationCMPerS2)
	fmt.Fprintf(stdout, "max pose change    %.2f cm at frame %d (%s)\n", m.MaxPoseChangeCM, m.MaxPoseChangeFrame, m.MaxPoseChangeJoint)
	return nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the contact sheet to this PNG file (required)")
	plotPath := fs.String("plot", "", "also write a plot of the quality metrics over time to this PNG file")
	frames := fs.Int("frames", preview.DefaultFrames, fmt.Sprintf("frames shown on the sheet, 1..%d", preview.MaxFrames))
	cli.SetUsage(fs,
		"usage: blendpipe preview FILE -o out.png [--plot metrics.png] [--frames N]",
	)
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		fs.Usage()
		return cli.ErrUsage
	}
	if *frames < 1 || *frames > preview.MaxFrames {
		fmt.Fprintf(stderr, "blendpipe preview: --frames %d is outside 1..%d\n", *frames, preview.MaxFrames)
		return cli.ErrUsage
	}
	path := fs.Arg(0)
	a, _, err := animfile.Read(ctx, path, 0)
	if err != nil {
		return err
	}
	c := a.Clip()
	if c == nil {
		return fmt.Errorf("%s: no animation clip (a character-only file)", path)
	}
	// The file name says more than a clip name, which Mixamo sets to "mixamo.com" for every clip.
	title := filepath.Base(path)
	sheet, err := preview.ContactSheetPNG(a.Skeleton, c, preview.SheetOptions{Frames: *frames, Title: title})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(*out, sheet, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, len(sheet))
	if *plotPath == "" {
		return nil
	}
	m, err := quality.Measure(a.Skeleton, c, quality.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	img, err := preview.MetricsPlotPNG(m, nil, preview.PlotOptions{Title: title})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(*plotPath, img, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *plotPath, len(img))
	return nil
}

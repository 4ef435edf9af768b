// Command blendpipe-preview draws clips: `blendpipe preview` hands over to it. It is a binary
// of its own because the plotting library and its fonts would otherwise slow the start of
// every one-shot blendpipe command and grow its memory.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
)

func main() {
	// One-shot: a few megabytes for a Mixamo clip, done in milliseconds; collecting early
	// costs more than the memory is worth.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Dispatch(ctx, "blendpipe", map[string]cli.Command{
		"preview": {Summary: "draw a clip: blendpipe preview FILE -o out.png [--plot metrics.png] [--frames N]", Run: runPreview},
	}, args, stdout, stderr)
}

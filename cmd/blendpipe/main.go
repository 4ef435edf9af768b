// Command blendpipe reads, inspects and blends Mixamo animations, and runs the pipeline locally.
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

func commands() map[string]cli.Command {
	return map[string]cli.Command{
		"inspect":  {Summary: "print what an animation file holds (--json)", Run: runInspect},
		"blend":    {Summary: "blend clips: blendpipe blend A B --method mix --ratio 0.3 -o out.fbx", Run: runBlend},
		"metrics":  {Summary: "quality metrics of a clip (--json)", Run: runMetrics},
		"batch":    {Summary: "run a manifest of blends on a worker pool", Run: runBatch},
		"retarget": {Summary: "carry a clip onto another rig or engine naming: blendpipe retarget IN --rig CHARACTER.fbx [--rename ue5] [--max-error-cm 0.5] -o out.fbx", Run: runRetarget},
		// Commands that link large dependencies run companion binaries, so the one-shot
		// commands above start small and fast.
		"dev":     {Summary: "run the pipeline locally: blendpipe dev --dir DIR --addr HOST:PORT", Run: cli.Handover(localBinary, "dev")},
		"catalog": {Summary: "list the local pipeline's catalog: blendpipe catalog --dir DIR [--json] [--wait NAME] [--wait-rows N]", Run: cli.Handover(localBinary, "catalog")},
		"preview": {Summary: "draw a clip: blendpipe preview FILE -o out.png [--plot metrics.png] [--frames N]", Run: cli.Handover(previewBinary, "preview")},
		"upload":  {Summary: "push files or folders to the uploads bucket: blendpipe upload PATH... [--bucket NAME | --dir DIR] [--metadata k=v]", Run: cli.Handover(storeBinary, "upload")},
		"pull":    {Summary: "fetch blends with a manifest: blendpipe pull -o DIR [--dir DIR | --project P --dataset D --bucket B] [--rig R --method M --since DATE]", Run: cli.Handover(storeBinary, "pull")},
		"resync":  {Summary: "rebuild or repair the catalog from the library bucket: blendpipe resync [--dir DIR | --project P --dataset D --bucket B]", Run: cli.Handover(storeBinary, "resync")},
		"restore": {Summary: "make an earlier generation of a library object live again: blendpipe restore NAME#GENERATION [--bucket B]", Run: cli.Handover(storeBinary, "restore")},
	}
}

// Companion binaries, built beside blendpipe by `make build`.
const (
	localBinary   = "blendpipe-local"
	previewBinary = "blendpipe-preview"
	storeBinary   = "blendpipe-store"
)

func main() {
	tuneGC(os.Args[1:], os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Dispatch(ctx, "blendpipe", commands(), args, stdout, stderr)
}

// tuneGC makes the collector less eager than Go's default for the one-shot commands. Such a
// command allocates a few megabytes for a Mixamo clip and exits within milliseconds, so with
// the default (a first collection at 4 MB of heap) it spends more time collecting than the
// memory is worth; at 400 it never collects for such clips and still bounds the heap to five
// times the live data for large inputs. The long-running commands (batch, dev) keep the
// default: there the collector's cost is spread thin and their memory matters more. GOGC or
// GOMEMLIMIT in the environment win.
func tuneGC(args []string, getenv func(string) string) {
	if len(args) == 0 || getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	switch args[0] {
	case "inspect", "blend", "metrics", "retarget":
		debug.SetGCPercent(400)
	}
}

// Command blendpipe-store moves files in and out of the pipeline's buckets
// and repairs its catalog: `blendpipe upload`, `pull`, `resync` and
// `restore` hand over to it. It is a binary of its own because it links the
// Cloud Storage and BigQuery clients and an embedded database, which would
// otherwise slow the start of every one-shot blendpipe command.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Dispatch(ctx, "blendpipe", commands(), args, stdout, stderr)
}

func commands() map[string]cli.Command {
	return map[string]cli.Command{
		"upload":  {Summary: uploadSummary, Run: runUpload},
		"pull":    {Summary: pullSummary, Run: runPull},
		"resync":  {Summary: resyncSummary, Run: runResync},
		"restore": {Summary: restoreSummary, Run: runRestore},
	}
}

// Summaries, as blendpipe lists them too.
const (
	uploadSummary  = "push files or folders to the uploads bucket: blendpipe upload PATH... [--bucket NAME | --dir DIR] [--metadata k=v]"
	pullSummary    = "fetch blends with a manifest: blendpipe pull -o DIR [--dir DIR | --project P --dataset D --bucket B] [--rig R --method M --since DATE]"
	resyncSummary  = "rebuild or repair the catalog from the library bucket: blendpipe resync [--dir DIR | --project P --dataset D --bucket B]"
	restoreSummary = "make an earlier generation of a library object live again: blendpipe restore NAME#GENERATION [--bucket B]"
)

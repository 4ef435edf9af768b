// Command blendpipe-local runs the pipeline on one machine: `blendpipe dev` and `blendpipe
// catalog` hand over to it. It is a binary of its own because the local pipeline links the
// services, the storage and catalog clients and an embedded database, which would otherwise
// slow the start of every one-shot blendpipe command and grow its memory.
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
	return cli.Dispatch(ctx, "blendpipe", map[string]cli.Command{
		"dev":     {Summary: "run the pipeline locally: blendpipe dev --dir DIR --addr HOST:PORT", Run: runDev},
		"catalog": {Summary: "list the local pipeline's catalog: blendpipe catalog --dir DIR [--json] [--wait NAME] [--wait-rows N]", Run: runCatalog},
	}, args, stdout, stderr)
}

// Command blendpipe-local runs the pipeline on one machine: `blendpipe dev` and `blendpipe
// catalog` hand over to it. It is a binary of its own because the local pipeline links the
// services, the storage and catalog clients and an embedded database, which would otherwise
// slow the start of every one-shot blendpipe command and grow its memory.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"dev":     runDev,
		"catalog": runCatalog,
	}
	if len(args) == 0 || cmds[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: blendpipe-local dev|catalog [flags]")
		return 2
	}
	if err := cmds[args[0]](ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "blendpipe %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage // the flag package has printed what was wrong
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

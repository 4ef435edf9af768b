// Command blendpipe reads, inspects and blends Mixamo animations, and runs the pipeline locally.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"syscall"
)

// command is one subcommand: it parses its own flags from args and writes to stdout/stderr.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"inspect": {"print what an animation file holds (--json)", runInspect},
		"blend":   {"blend clips: blendpipe blend A B --method mix --ratio 0.3 -o out.fbx", runBlend},
		"metrics": {"quality metrics of a clip (--json)", runMetrics},
		"batch":   {"run a manifest of blends on a worker pool", runBatch},
		"dev":     {"run the pipeline locally: blendpipe dev --dir DIR --addr HOST:PORT", runLocal("dev")},
		"catalog": {"list the local pipeline's catalog: blendpipe catalog --dir DIR [--json]", runLocal("catalog")},
	}
}

func main() {
	tuneGC(os.Args[1:], os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "blendpipe: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := c.run(ctx, args[1:], stdout, stderr); err != nil {
		if !errors.Is(err, errUsage) && !errors.Is(err, errReported) {
			fmt.Fprintf(stderr, "blendpipe %s: %v\n", args[0], err)
		}
		return exitCode(err)
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: blendpipe COMMAND [flags] [args]")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
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
	case "inspect", "blend", "metrics":
		debug.SetGCPercent(400)
	}
}

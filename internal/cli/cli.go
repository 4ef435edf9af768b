// Package cli holds what the blendpipe binaries share: dispatch to subcommands, flag parsing,
// exit codes, JSON output, atomic file writes, and handing a command over to a companion binary.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// ErrUsage means the usage or the flag package has already said what was wrong (exit 2).
var ErrUsage = errors.New("usage")

// ErrReported means the command that failed has already said why.
var ErrReported = errors.New("reported")

// ExitError carries a specific exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit code for err: an ExitError's own, 2 for usage errors, else 1.
func ExitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if errors.Is(err, ErrUsage) {
		return 2
	}
	return 1
}

// Command is one subcommand: it parses its own flags from args and writes to stdout/stderr.
type Command struct {
	Summary string
	Run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// Dispatch runs the subcommand args[0] of program and returns the exit code.
func Dispatch(ctx context.Context, program string, cmds map[string]Command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, program, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n", program, args[0])
		usage(stderr, program, cmds)
		return 2
	}
	if err := c.Run(ctx, args[1:], stdout, stderr); err != nil {
		if !errors.Is(err, ErrUsage) && !errors.Is(err, ErrReported) {
			fmt.Fprintf(stderr, "blendpipe %s: %v\n", args[0], err)
		}
		return ExitCode(err)
	}
	return 0
}

func usage(w io.Writer, program string, cmds map[string]Command) {
	fmt.Fprintf(w, "usage: %s COMMAND [flags] [args]\n", program)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].Summary)
	}
}

// ParseFlags parses flags that may come before or after positional arguments.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return ErrUsage // the flag package has printed what was wrong
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(pos)
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteFileAtomic writes through a temporary file and a rename, so a reader never sees half a file.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	// Once renamed the temporary name is gone: remove it only when something failed, which
	// spares a batch one failing unlink per output.
	if _, err = tmp.Write(data); err != nil {
		tmp.Close()
	} else if err = tmp.Close(); err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Handover runs command name of the companion binary, found beside this executable or on
// PATH, passing the arguments, the standard streams and the exit code through. Cancelling
// ctx (an interrupt or SIGTERM) asks it to stop gracefully before it is killed. Commands that
// link large dependencies live in companions so the one-shot commands start small and fast.
func Handover(binary, name string) func(context.Context, []string, io.Writer, io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		path, err := findCompanion(binary, name)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, path, append([]string{name}, args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 15 * time.Second
		err = cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return &ExitError{Code: ee.ExitCode(), Err: ErrReported}
		}
		return err
	}
}

func findCompanion(binary, command string) (string, error) {
	var beside string
	if exe, err := os.Executable(); err == nil {
		beside = filepath.Dir(exe)
		p := filepath.Join(beside, binary)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	return "", &MissingCompanionError{Binary: binary, Command: command, Beside: beside}
}

// MissingCompanionError is a command whose companion binary is not
// installed. Its message is the one line that says how to install it.
type MissingCompanionError struct {
	Binary, Command string
	Beside          string // the folder of this executable, looked in first
}

func (e *MissingCompanionError) Error() string {
	return fmt.Sprintf("needs %s, which is neither beside this executable (%s) nor on PATH; install every command with: %s",
		e.Binary, e.Beside, InstallCommand())
}

// InstallCommand is the go install line that installs every command of
// this module, at the version this binary was built from (latest for a
// build from a checkout).
func InstallCommand() string {
	path, version := "github.com/rydlrcs/mixamo-blend-pipeline", "latest"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path != "" {
			path = bi.Main.Path
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" && !strings.Contains(v, "+dirty") {
			version = v
		}
	}
	return "go install " + path + "/cmd/...@" + version
}

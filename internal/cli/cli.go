// Package cli holds what the blendpipe binaries share: dispatch to subcommands, flag parsing,
// exit codes, JSON output, atomic file writes, and handing a command over to a companion binary.
package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
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

// Dispatch runs the subcommand args[0] of program and returns the exit code. Besides the
// commands it answers help [COMMAND], --version and completion SHELL.
func Dispatch(ctx context.Context, program string, cmds map[string]Command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr, program, cmds)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout, program, cmds)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout, program, cmds)
			return 0
		}
		if _, ok := cmds[args[1]]; !ok {
			unknownCommand(stderr, program, cmds, args[1])
			return 2
		}
		// A command's -h prints its whole usage; asked for, it goes to stdout.
		return Dispatch(ctx, program, cmds, []string{args[1], "-h"}, stdout, stdout)
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, program, Version())
		return 0
	case "completion":
		return completion(program, args[1:], stdout, stderr)
	case completeCommand:
		complete(ctx, cmds, args[1:], stdout)
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		unknownCommand(stderr, program, cmds, args[0])
		return 2
	}
	if err := c.Run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if !errors.Is(err, ErrUsage) && !errors.Is(err, ErrReported) {
			fmt.Fprintf(stderr, "%s %s: %v\n", program, args[0], err)
		}
		return ExitCode(err)
	}
	return 0
}

// unknownCommand names the nearest command rather than listing them all when one is near.
func unknownCommand(w io.Writer, program string, cmds map[string]Command, name string) {
	if near := Nearest(name, commandNames(cmds)); near != "" {
		fmt.Fprintf(w, "%s: unknown command %q; did you mean %q?\nrun '%s help' for every command\n", program, name, near, program)
		return
	}
	fmt.Fprintf(w, "%s: unknown command %q\n", program, name)
	usage(w, program, cmds)
}

func commandNames(cmds map[string]Command) []string {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer, program string, cmds map[string]Command) {
	fmt.Fprintf(w, "usage: %s COMMAND [flags] [args]\n", program)
	for _, n := range commandNames(cmds) {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].Summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "help", "help COMMAND prints every flag of COMMAND")
	fmt.Fprintf(w, "  %-10s %s\n", "completion", "completion bash|zsh|fish prints a shell completion script")
	fmt.Fprintf(w, "  %-10s %s\n", "--version", "print the version this binary was built from")
}

// Version is the module version and VCS revision this binary was built from.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " " + rev[:min(12, len(rev))] + modified
	}
	return v + " " + bi.GoVersion
}

// SetUsage makes fs's usage the given lines followed by every flag, both on fs's output, so
// ParseFlags can show the lines alone after a mistyped flag.
func SetUsage(fs *flag.FlagSet, lines ...string) {
	fs.Usage = func() {
		for _, l := range lines {
			fmt.Fprintln(fs.Output(), l)
		}
		fs.PrintDefaults()
	}
}

// ParseFlags parses flags that may come before or after positional arguments. A flag it does
// not know gets one line naming it and the nearest flag, then the command's usage lines, not
// every flag's description; -h prints them all and returns flag.ErrHelp (exit 0).
func ParseFlags(fs *flag.FlagSet, args []string) error {
	full, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	restore := func() { fs.Usage = full; fs.SetOutput(out) }
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			restore()
			return flagError(fs, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	restore()
	return fs.Parse(pos)
}

// flagError reports a failed parse on fs's output: the whole usage for -h, else the error, the
// flag meant if one is near, the usage lines and where to find the rest.
func flagError(fs *flag.FlagSet, err error) error {
	out := fs.Output()
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(out, "blendpipe %s: %v", fs.Name(), err)
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		if near := Nearest(strings.TrimLeft(name, "-"), FlagNames(fs)); near != "" {
			fmt.Fprintf(out, "; did you mean --%s?", near)
		}
	}
	fmt.Fprintln(out)
	for _, l := range UsageLines(fs) {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "run 'blendpipe help %s' for every flag\n", fs.Name())
	return ErrUsage
}

// FlagNames are the names of fs's flags, sorted.
func FlagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// UsageLines renders fs's usage and keeps the lines before the flag descriptions.
func UsageLines(fs *flag.FlagSet) []string {
	var buf strings.Builder
	out := fs.Output()
	fs.SetOutput(&buf)
	fs.Usage()
	fs.SetOutput(out)
	var lines []string
	for l := range strings.Lines(buf.String()) {
		if strings.HasPrefix(l, "  -") {
			break
		}
		lines = append(lines, strings.TrimRight(l, "\n"))
	}
	return lines
}

// Nearest is the candidate within a small edit distance of name (a third of its length, at
// least one edit), the closest first, or "" when none is that near.
func Nearest(name string, candidates []string) string {
	best, bestD := "", max(1, len(name)/3)+1
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		// A prefix typed in full, such as --max for --max-error-cm, is also near.
		for _, c := range candidates {
			if len(name) >= 3 && strings.HasPrefix(c, name) {
				return c
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteFileAtomic writes through a temporary file and a rename, so a reader never sees half a
// file. The file is created 0666 less the umask (0644 under the usual 022), as a plain create
// would be; the directory must exist: a mistyped -o folder is an error, not a new folder.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	} else if !st.IsDir() {
		return fmt.Errorf("output folder %s is not a folder", dir)
	}
	tmp, err := createTemp(dir, "."+filepath.Base(path)+".")
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

// createTemp is os.CreateTemp with mode 0666 rather than 0600, so the umask decides, as it
// does for the renamed file's readers.
func createTemp(dir, prefix string) (*os.File, error) {
	for range 100 {
		f, err := os.OpenFile(filepath.Join(dir, prefix+rand.Text()[:10]), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no free temporary name for %s in %s", prefix, dir)
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

package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestParseFlagsAnywhere(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "")
	j := fs.Bool("json", false, "")
	if err := ParseFlags(fs, []string{"a.fbx", "-o", "out.fbx", "b.fbx", "--json"}); err != nil {
		t.Fatal(err)
	}
	if *out != "out.fbx" || !*j || strings.Join(fs.Args(), ",") != "a.fbx,b.fbx" {
		t.Errorf("o=%q json=%v args=%v", *out, *j, fs.Args())
	}
	if err := ParseFlags(fs, []string{"--nope"}); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown flag: %v", err)
	}
}

func TestDispatchExitCodes(t *testing.T) {
	t.Parallel()
	cmds := map[string]Command{
		"ok":    {Run: func(context.Context, []string, io.Writer, io.Writer) error { return nil }},
		"fail":  {Run: func(context.Context, []string, io.Writer, io.Writer) error { return errors.New("boom") }},
		"usage": {Run: func(context.Context, []string, io.Writer, io.Writer) error { return ErrUsage }},
		"three": {Run: func(context.Context, []string, io.Writer, io.Writer) error {
			return &ExitError{Code: 3, Err: errors.New("partly")}
		}},
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"ok"}, 0, ""},
		{[]string{"fail"}, 1, "prog fail: boom"},
		{[]string{"usage"}, 2, ""},
		{[]string{"three"}, 3, "partly"},
		{[]string{"nothing"}, 2, `unknown command "nothing"`},
		{nil, 2, "usage: prog"},
	}
	for _, tt := range tests {
		var errb bytes.Buffer
		if code := Dispatch(context.Background(), "prog", cmds, tt.args, io.Discard, &errb); code != tt.code ||
			!strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tt.args, code, errb.String(), tt.code, tt.stderr)
		}
	}
}

func TestWriteFileAtomicLeavesNoTemporaryFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	for _, data := range []string{"first", "second"} {
		if err := WriteFileAtomic(p, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(p); string(got) != data {
			t.Errorf("read %q, want %q", got, data)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries left, want only out.bin", len(entries))
	}
}

// Outputs get 0666 less the umask, as a plain create does, and a missing folder is an error.
func TestWriteFileAtomicModeAndFolder(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		umask      int
		mode       os.FileMode
		err        string
	}{
		{"usual umask", filepath.Join(dir, "a.fbx"), 0o022, 0o644, ""},
		{"group-writable umask", filepath.Join(dir, "b.fbx"), 0o002, 0o664, ""},
		{"private umask", filepath.Join(dir, "c.fbx"), 0o077, 0o600, ""},
		{"missing folder", filepath.Join(dir, "no-such", "d.fbx"), 0o022, 0, "output folder " + filepath.Join(dir, "no-such")},
		{"folder is a file", filepath.Join(file, "e.fbx"), 0o022, 0, "is not a folder"},
	}
	for _, tt := range tests {
		syscall.Umask(tt.umask)
		err := WriteFileAtomic(tt.path, []byte("x"))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.err)
			}
			if _, serr := os.Stat(filepath.Dir(tt.path)); tt.name == "missing folder" && serr == nil {
				t.Errorf("%s: the folder was created", tt.name)
			}
			continue
		}
		st, err := os.Stat(tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if st.Mode().Perm() != tt.mode {
			t.Errorf("%s: mode %v, want %v", tt.name, st.Mode().Perm(), tt.mode)
		}
	}
}

func testCommands() map[string]Command {
	run := func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := flag.NewFlagSet("blend", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.String("mask", "", "layer: joints")
		fs.String("method", "mix", "the method")
		fs.Float64("max-error-cm", 0, "reduce keyframes")
		SetUsage(fs, "usage: blendpipe blend A B -o out.fbx", "       blendpipe blend A --method edit")
		return ParseFlags(fs, args)
	}
	return map[string]Command{
		"blend":   {Summary: "blend clips", Run: run},
		"inspect": {Summary: "print a file", Run: func(context.Context, []string, io.Writer, io.Writer) error { return nil }},
	}
}

func TestDispatchHelpVersionAndNearMisses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		args         []string
		code         int
		stdout, errs []string // each must appear
		notStderr    string
	}{
		{"help lists commands", []string{"help"}, 0, []string{"blend ", "inspect ", "completion"}, nil, ""},
		{"help CMD prints every flag", []string{"help", "blend"}, 0, []string{"usage: blendpipe blend A B", "-max-error-cm", "reduce keyframes"}, nil, ""},
		{"help of unknown command", []string{"help", "blnd"}, 2, nil, []string{`did you mean "blend"`}, ""},
		{"-h prints every flag", []string{"blend", "-h"}, 0, nil, []string{"-mask", "layer: joints"}, ""},
		{"--version", []string{"--version"}, 0, []string{"prog ", "go1."}, nil, ""},
		{"did you mean a command", []string{"inspct"}, 2, nil, []string{`unknown command "inspct"; did you mean "inspect"?`}, "print a file"},
		{"far from every command", []string{"zzzzzz"}, 2, nil, []string{`unknown command "zzzzzz"`, "usage: prog"}, ""},
		{"mistyped flag: short usage", []string{"blend", "--mask2", "x"}, 2, nil,
			[]string{"flag provided but not defined: -mask2; did you mean --mask?", "usage: blendpipe blend A B -o out.fbx",
				"blendpipe blend A --method edit", "run 'blendpipe help blend' for every flag"}, "reduce keyframes"},
		{"prefix of a flag", []string{"blend", "--max-err", "1"}, 2, nil, []string{"did you mean --max-error-cm?"}, "layer: joints"},
		{"bad value: short usage", []string{"blend", "--max-error-cm", "x"}, 2, nil, []string{"invalid value", "usage: blendpipe blend"}, "layer: joints"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Dispatch(context.Background(), "prog", testCommands(), tt.args, &out, &errb)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tt.name, code, tt.code, errb.String())
		}
		for _, w := range tt.stdout {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: stdout %q lacks %q", tt.name, out.String(), w)
			}
		}
		for _, w := range tt.errs {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%s: stderr %q lacks %q", tt.name, errb.String(), w)
			}
		}
		if tt.notStderr != "" && strings.Contains(errb.String(), tt.notStderr) {
			t.Errorf("%s: stderr %q should not hold %q", tt.name, errb.String(), tt.notStderr)
		}
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string // exact candidate lines; nil: none (the shell offers files)
	}{
		{[]string{completeCommand, "bl"}, []string{"blend"}},
		{[]string{completeCommand, ""}, []string{"blend", "inspect", "help", "completion"}},
		{[]string{completeCommand, "blend", "--ma"}, []string{"--mask", "--max-error-cm"}},
		{[]string{completeCommand, "blend", "a.fbx", "--me"}, []string{"--method"}},
		{[]string{completeCommand, "blend", "wa"}, nil},
		{[]string{completeCommand, "help", "in"}, []string{"inspect"}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if code := Dispatch(context.Background(), "prog", testCommands(), tt.args, &out, io.Discard); code != 0 {
			t.Errorf("%v: exit %d", tt.args, code)
		}
		got := strings.Fields(out.String())
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%v: candidates %q, want %q", tt.args[1:], got, tt.want)
		}
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		var out bytes.Buffer
		if code := Dispatch(context.Background(), "prog", testCommands(), []string{"completion", sh}, &out, io.Discard); code != 0 ||
			!strings.Contains(out.String(), "prog "+completeCommand) {
			t.Errorf("completion %s: exit %d, script %q", sh, code, out.String())
		}
	}
	if code := Dispatch(context.Background(), "prog", testCommands(), []string{"completion", "tcsh"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("unknown shell: exit %d, want 2", code)
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	names := []string{"mask", "mask-weight", "method", "max-error-cm", "ratio"}
	tests := []struct{ name, want string }{
		{"mask2", "mask"}, {"metod", "method"}, {"rato", "ratio"}, {"max-err", "max-error-cm"}, {"zzz", ""}, {"x", ""},
	}
	for _, tt := range tests {
		if got := Nearest(tt.name, names); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHandoverNeedsItsCompanion(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Handover("no-such-companion", "x")(context.Background(), nil, io.Discard, io.Discard)
	var mc *MissingCompanionError
	if !errors.As(err, &mc) || mc.Binary != "no-such-companion" || mc.Command != "x" {
		t.Fatalf("got %v, want a MissingCompanionError", err)
	}
	// One line: what is missing, where it was looked for, and how to install it.
	msg := err.Error()
	for _, want := range []string{"no-such-companion", "PATH", "go install github.com/rydlrcs/mixamo-blend-pipeline/cmd/...@"} {
		if !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
			t.Errorf("message %q: want one line with %q", msg, want)
		}
	}
}

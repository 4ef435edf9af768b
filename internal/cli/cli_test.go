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
		{[]string{"fail"}, 1, "blendpipe fail: boom"},
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
	p := filepath.Join(dir, "sub", "out.bin")
	for _, data := range []string{"first", "second"} {
		if err := WriteFileAtomic(p, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(p); string(got) != data {
			t.Errorf("read %q, want %q", got, data)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	if len(entries) != 1 {
		t.Errorf("%d entries left, want only out.bin", len(entries))
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

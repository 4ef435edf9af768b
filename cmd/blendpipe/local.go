package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// localBinary runs the local pipeline's commands. They live in a binary of their own so that
// the cloud clients and the embedded database they link stay out of the one-shot commands.
const localBinary = "blendpipe-local"

// runLocal hands a command over to blendpipe-local, found beside this executable or on PATH,
// passing the arguments, the standard streams and the exit code through. Cancelling ctx (an
// interrupt or SIGTERM) asks it to stop gracefully before it is killed.
func runLocal(name string) func(context.Context, []string, io.Writer, io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		path, err := findLocal()
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
			return &exitError{code: ee.ExitCode(), err: errReported}
		}
		return err
	}
}

// errReported means the command that failed has already said why.
var errReported = errors.New("reported")

func findLocal() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), localBinary)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(localBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found beside blendpipe or on PATH: build both with `make build`", localBinary)
}

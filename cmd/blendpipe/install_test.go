package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/cli"
)

// TestEveryCommandInstalled builds ./cmd/... into one folder, as the README's
// install line (go install .../cmd/...@VERSION) and `go build -o bin/
// ./cmd/...` do, and runs every command blendpipe lists with -h: each one
// answers with its own usage, companions included, with nothing else on PATH.
// With blendpipe alone in its folder, a companion's command fails with the
// one line that says how to install the rest.
func TestEveryCommandInstalled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every command")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "../...")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/...: %v\n%s", err, out)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range commands() {
			if !yield(n) {
				return
			}
		}
	})
	if len(names) < 11 {
		t.Fatalf("commands %v: want every documented one", names)
	}
	run := func(exe, name string) (string, int) {
		cmd := exec.Command(exe, name, "-h")
		cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	for _, name := range names {
		out, code := run(filepath.Join(bin, "blendpipe"), name)
		if !strings.Contains(out, "usage: blendpipe "+name) && !strings.Contains(out, "Usage of "+name) {
			t.Errorf("blendpipe %s -h: exit %d\n%s", name, code, out)
		}
	}

	alone := t.TempDir()
	data, err := os.ReadFile(filepath.Join(bin, "blendpipe"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(alone, "blendpipe"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, companion := range map[string]string{"dev": localBinary, "preview": previewBinary, "pull": storeBinary} {
		out, code := run(filepath.Join(alone, "blendpipe"), name)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code == 0 || len(lines) != 1 || !strings.Contains(out, "needs "+companion) ||
			!strings.Contains(out, strings.TrimSuffix(cli.InstallCommand(), "latest")) {
			t.Errorf("blendpipe %s alone: exit %d, want one line naming %s and the install command:\n%s", name, code, companion, out)
		}
	}
}

//go:build judges

package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Dir is this package's source directory, where the judges' scripts live. It is found from the
// source file, so helpers work from any package's tests; under -trimpath, from the module root
// above the working directory.
func Dir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		if d := filepath.Dir(file); isDir(filepath.Join(d, "blender")) {
			return d
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "verify"
	}
	for d := wd; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "verify")
		}
	}
	return "verify"
}

func isDir(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }

func nodeDir() string    { return filepath.Join(Dir(), "node") }
func blenderDir() string { return filepath.Join(Dir(), "blender") }

// lookTool returns the path of an executable: $env when set, else name on PATH. make setup
// installs every judge; a missing one is an error, never a skip, since a skipped judge proves
// nothing.
func lookTool(env, name string) (string, error) {
	if p := os.Getenv(env); p != "" {
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed (%v): run make setup, or set %s", name, err, env)
	}
	return p, nil
}

// nodeScriptPath returns node and the path of one of our scripts, failing when npm ci has not
// run in verify/node.
func nodeScriptPath(script string) (string, string, error) {
	node, err := lookTool("NODE", "node")
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(filepath.Join(nodeDir(), "node_modules", "three")); err != nil {
		return "", "", fmt.Errorf("npm judges not installed in %s: run make setup (npm ci there)", nodeDir())
	}
	return node, filepath.Join(nodeDir(), script), nil
}

// fbx2gltfPath returns the FBX2glTF converter shipped by npm fbx2gltf (linked with the FBX SDK).
func fbx2gltfPath() (string, error) {
	if p := os.Getenv("FBX2GLTF"); p != "" {
		return p, nil
	}
	p := filepath.Join(nodeDir(), "node_modules", "fbx2gltf", "bin", "Linux", "FBX2glTF")
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("FBX2glTF not installed (%v): run make setup", err)
	}
	if st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not executable: run make setup (it chmods the binary)", p)
	}
	return p, nil
}

// run executes a command with a deadline and returns its stdout; stderr comes back in the error.
func run(timeout time.Duration, dir string, name string, args ...string) ([]byte, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %v", filepath.Base(name), timeout)
	} else if err != nil {
		err = fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(stderr.Bytes(), 2000))
	}
	return stdout.Bytes(), stderr.Bytes(), err
}

// runJSON runs a judge script that prints one JSON value on stdout's last line into v.
func runJSON(timeout time.Duration, v any, name string, args ...string) error {
	out, _, err := run(timeout, "", name, args...)
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], v); err != nil {
		return fmt.Errorf("%s printed no JSON (%w): %s", filepath.Base(name), err, tail(out, 2000))
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

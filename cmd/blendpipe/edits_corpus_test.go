//go:build corpus

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

// TestEditOneClipAndInspectIt mirrors a punch into a root-motion loop with `blend --method
// edit`, then reads the result back with `inspect`: the clip carries its engine-safe name, a
// root bone, and loop points in both the text and the JSON report.
func TestEditOneClipAndInspectIt(t *testing.T) {
	src := corpus.Path(t, "mixamo/kirby-xbot60__Punching_Right.fbx")
	out := filepath.Join(t.TempDir(), "punch left.fbx")
	var stdout, stderr bytes.Buffer
	args := []string{"blend", src, "--method", "edit", "--mirror", "--loop-find", "--root-motion", "root", "--speed", "1.5", "-o", out}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("blend: exit %d: %s", code, stderr.String())
	}
	if want := "edit kirby-xbot60__Punching_Right speed 1.5 mirror loop-found root-motion (clip punch_left)"; !strings.Contains(stdout.String(), want) {
		t.Errorf("blend says %q, want it to contain %q", stdout.String(), want)
	}
	a, _, err := animfile.Read(context.Background(), out, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c := a.Clip(); c.Name != "punch_left" || a.Skeleton.Index(blend.RootBone) < 0 {
		t.Errorf("clip %q, root bone at %d", c.Name, a.Skeleton.Index(blend.RootBone))
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"inspect", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"engine name punch_left", "loop        frames 0.."} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("inspect says %q, want it to contain %q", stdout.String(), want)
		}
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"inspect", "--json", src}, &stdout, &stderr); code != 0 {
		t.Fatalf("inspect --json: exit %d: %s", code, stderr.String())
	}
	var rep struct {
		Joints int               `json:"joints"`
		Name   string            `json:"engine_clip_name"`
		Loop   *blend.LoopPoints `json:"loop"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Joints != 65 || rep.Name != "mixamo_com" || rep.Loop == nil || rep.Loop.End <= rep.Loop.Start || rep.Loop.Cost > rep.Loop.ClipCost {
		t.Errorf("inspect --json: %+v", rep)
	}

	// A mix needs two clips: one is refused naming the inputs.
	stderr.Reset()
	if code := run(context.Background(), []string{"blend", src, "-o", filepath.Join(t.TempDir(), "x.fbx")}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "inputs") {
		t.Errorf("a mix of one clip: exit %d, %q", code, stderr.String())
	}
	_ = os.Remove(out)
}

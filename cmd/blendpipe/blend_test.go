//go:build corpus

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBlendEveryFormatAndMethod(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	sprint := corpus.Path(t, "mixamo/kirby-xbot60__Sprinting_InPlace.fbx")
	punch := corpus.Path(t, "mixamo/kirby-xbot60__Punching_Right.fbx")
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		out    string
		frames func(f int) bool
	}{
		{"mix", []string{walk, runc, "--method", "mix", "--ratio", "0.3"}, "mix.fbx",
			// duration interpolated by the ratio: 1.017 s and 0.7 s at 0.3 give about 0.92 s
			func(f int) bool { return math.Abs(float64(f-1)/60-(0.7*1.017+0.3*0.7)) < 2.0/60 }},
		{"linear alias glb", []string{walk, runc, "--method", "linear", "--ratio", "0.5"}, "lin.glb", nil},
		{"transition bvh", []string{walk, runc, "--method", "single-shot", "--transition-frames", "12", "--curve", "linear"}, "tr.bvh", nil},
		{"layer", []string{walk, punch, "--method", "layer", "--mask", "upper_body"}, "layer.fbx",
			func(f int) bool { return f == 62 }}, // the base clip's length
		{"additive", []string{walk, punch, "--method", "additive", "--weight", "0.5"}, "add.glb", nil},
		{"blendspace", []string{walk, runc, sprint, "--method", "blendspace", "--positions", "1.5,3,5", "--value", "4"}, "bs.fbx", nil},
		{"resample loop in place", []string{walk, runc, "--fps", "30", "--loop", "--in-place"}, "loop.fbx", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.out)
			code, stdout, stderr := runCLI(t, append(append([]string{"blend"}, tt.args...), "-o", out, "--json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var rep struct {
				Output  string  `json:"output"`
				Frames  int     `json:"frames"`
				FPS     float64 `json:"fps"`
				Metrics struct {
					Result struct {
						MaxPoseChangeCM float64 `json:"max_pose_change_cm"`
					} `json:"result"`
					Inputs []any `json:"inputs"`
				} `json:"metrics"`
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout)
			}
			if rep.Output != out || len(rep.Metrics.Inputs) < 2 || rep.Metrics.Result.MaxPoseChangeCM <= 0 {
				t.Errorf("report incomplete: %+v", rep)
			}
			a, _, err := animfile.Read(context.Background(), out, 0)
			if err != nil {
				t.Fatalf("written file does not read back: %v", err)
			}
			c := a.Clip()
			if len(a.Skeleton.Joints) != 65 || c.Frames != rep.Frames || c.FPS != rep.FPS {
				t.Errorf("read back %d joints, %d frames at %g fps; report says %d at %g",
					len(a.Skeleton.Joints), c.Frames, c.FPS, rep.Frames, rep.FPS)
			}
			if tt.frames != nil && !tt.frames(c.Frames) {
				t.Errorf("unexpected frame count %d", c.Frames)
			}
		})
	}
}

func TestBlendBadOptionsNameTheField(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	mutant := corpus.Path(t, "mixamo/luminoth-mutant37__Breathing_Idle_60fps.fbx")
	out := filepath.Join(t.TempDir(), "x.fbx")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{walk, runc, "--method", "warp", "-o", out}, "method"},
		{[]string{walk, runc, "--ratio", "1.5", "-o", out}, "ratio"},
		{[]string{walk, runc, "--method", "layer", "--mask", "tail", "-o", out}, "mask"},
		{[]string{walk, runc, "-o", filepath.Join(t.TempDir(), "x.obj")}, "format"},
		{[]string{walk, "/nonexistent/run.fbx", "-o", out}, "run.fbx"},
		{[]string{walk, mutant, "--method", "mix", "-o", out}, ""},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, append([]string{"blend"}, tt.args...)...)
		if tt.want == "" { // a different rig: blended by matched joints or refused, never a crash
			if code != 0 && !strings.Contains(stderr, "joint") {
				t.Errorf("%v: refusal does not name joints: %s", tt.args, stderr)
			}
			continue
		}
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error naming %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Logf("note: %s written by the cross-rig blend", out)
	}
}

func TestMetricsJSON(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	code, stdout, stderr := runCLI(t, "metrics", "--json", walk)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"foot_skating_cm_per_s", "l2_velocity_cm_per_s", "l2_acceleration_cm_per_s2", "max_pose_change_cm", "penetration_cm"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metrics lack %s", k)
		}
	}
	if m["frames"].(float64) != 62 || m["feet"] != true {
		t.Errorf("frames %v feet %v", m["frames"], m["feet"])
	}
}

func TestBatchOriginalManifestFormat(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	dir := t.TempDir()
	manifest := `blends:
  - name: walk_to_run
    input1: ` + walk + `
    input2: ` + runc + `
    ratio: 0.5
    method: linear
    output: blend/walk_run.fbx
  - name: walk_then_run
    input1: ` + walk + `
    input2: ` + runc + `
    method: single-shot
    transition_frames: 8
    output: blend/walk_then_run.glb
  - name: missing_input
    input1: ` + walk + `
    input2: seed/nothing.fbx
    ratio: 0.5
    method: linear
    output: blend/missing.fbx
`
	mp := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(mp, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI(t, "batch", "--workers", "2", mp)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one blend fails)\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "3 blends: 2 ok, 1 failed") || !strings.Contains(stdout, "missing_input") {
		t.Errorf("summary: %s", stdout)
	}
	for _, f := range []string{"blend/walk_run.fbx", "blend/walk_then_run.glb"} {
		if _, _, err := animfile.Read(context.Background(), filepath.Join(dir, f), 0); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "blend/missing.fbx")); !os.IsNotExist(err) {
		t.Error("the failed blend left a file")
	}
}

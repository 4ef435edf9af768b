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
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
)

// Expected facts from the corpus MANIFEST (joint counts, rates, lengths, root motion).
func TestInspectJSONMatchesManifest(t *testing.T) {
	tests := []struct {
		file         string
		format       string
		joints       int
		fps          float64
		duration     float64
		rootMotionCM float64
		axis         int // 0 = X, 2 = Z: where the root motion goes
	}{
		{"kirby-xbot60__Idle.fbx", "fbx", 65, 60, 8.333, 0, -1},
		{"kirby-xbot60__Walking_InPlace.fbx", "fbx", 65, 60, 1.017, 0, -1},
		{"kirby-xbot60__Falling_Idle.fbx", "fbx", 65, 60, 0.683, 0, -1},
		{"vrm4-pirate76__Walking_rootmotion.fbx", "fbx", 76, 30, 0.967, 57, 2},
		{"vrm4-pirate76__Left_Strafe_Walk_rootmotion.fbx", "fbx", 76, 30, 0.933, 64, 0},
		{"vrm4-pirate76__Walking_Backwards_rootmotion.fbx", "fbx", 76, 30, 0.967, -48, 2},
		{"vrm4-pirate76__Standing_idle.fbx", "fbx", 76, 30, 14.333, 0, -1},
		{"luminoth-mutant37__Breathing_Idle_60fps.fbx", "fbx", 37, 60, 9.917, 0, -1},
		{"kirby-guy-noprefix__Idle.fbx", "fbx", 63, 30, 8.333, 0, -1},
		{"kirby-guy-naeem3d__Idle_bigscale.fbx", "fbx", 65, 30, 8.333, 0, -1},
		{"add101-ch46__Walking.fbx", "fbx", 65, 30, 1.033, 0, -1},
		{"add101-ch46__Idle.fbx", "fbx", 65, 30, 10, 0, -1},
		{"add101-ch46__walking.glb", "gltf", 65, 30, 1.033, 0, -1},
		{"bvhpython__test_freebvh_mixamorig.bvh", "bvh", 55, 30, 68.0 / 30, -999, -1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := corpus.Path(t, "mixamo/"+tt.file)
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{"inspect", "--json", path}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var got struct {
				Format   string    `json:"format"`
				Joints   int       `json:"joints"`
				FPS      float64   `json:"fps"`
				Frames   int       `json:"frames"`
				Duration float64   `json:"duration_s"`
				Root     float64   `json:"root_motion_cm"`
				RootVec  []float64 `json:"root_motion_vector_cm"`
				Rig      string    `json:"rig"`
				Stacks   []any     `json:"stacks"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out.String())
			}
			if got.Format != tt.format || got.Joints != tt.joints || got.FPS != tt.fps {
				t.Errorf("format %s joints %d fps %v; want %s %d %v", got.Format, got.Joints, got.FPS, tt.format, tt.joints, tt.fps)
			}
			if math.Abs(got.Duration-tt.duration) > 0.002 {
				t.Errorf("duration %.4f s, want %.3f", got.Duration, tt.duration)
			}
			if got.Rig == "" {
				t.Error("rig is empty")
			}
			if tt.rootMotionCM == -999 {
				return
			}
			if tt.axis < 0 {
				if got.Root > 5 {
					t.Errorf("in-place clip has %.1f cm of root motion", got.Root)
				}
				return
			}
			if math.Abs(got.RootVec[tt.axis]-tt.rootMotionCM) > 1.5 {
				t.Errorf("root motion %v cm, want about %v on axis %d", got.RootVec, tt.rootMotionCM, tt.axis)
			}
		})
	}
}

// TestInspectASCIIFBX: the FBX SDK's ASCII file is read, and what it lacks is said.
func TestInspectASCIIFBX(t *testing.T) {
	path := corpus.Path(t, "mixamo/threejs-copy__nurbs_ascii72.fbx")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"inspect", path}, &out, &errb); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"fbx 7200", "not a humanoid", "clip        none"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestInspectASCIIClip: a Mixamo clip saved as ASCII inspects as its binary original does.
func TestInspectASCIIClip(t *testing.T) {
	bin := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := fbx.Parse(data, fbx.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := doc.EncodeASCII(&text); err != nil {
		t.Fatal(err)
	}
	ascii := filepath.Join(t.TempDir(), "Walking_InPlace_ascii.fbx")
	if err := os.WriteFile(ascii, text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	inspect := func(path string) string {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"inspect", path}, &out, &errb); code != 0 {
			t.Fatalf("inspect %s: exit %d: %s", path, code, errb.String())
		}
		return out.String()
	}
	// ASCII files name their creator in the header only, where the FBX SDK leaves out the
	// build: every other line is the same.
	dropCreator := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "creator ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if a, b := dropCreator(inspect(bin)), dropCreator(inspect(ascii)); a != b {
		t.Errorf("ASCII inspects differently:\n%s\nbinary:\n%s", b, a)
	}
}

//go:build corpus

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

// Options the method ignores are named on stderr; the blend still runs.
func TestBlendWarnsOfOptionsTheMethodIgnores(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want []string // warnings that must appear
		none bool     // no warning at all
	}{
		{"mask with mix", []string{"--method", "mix", "--mask", "upper_body"}, []string{"--mask is read by layer only; --method mix ignores it"}, false},
		{"several", []string{"--method", "transition", "--ratio", "0.3", "--weight", "0.5"},
			[]string{"--ratio is read by mix only; --method transition ignores it", "--weight is read by additive only"}, false},
		{"alias resolved", []string{"--method", "linear", "--curve", "linear"}, []string{"--curve is read by transition and --loop only; --method mix ignores it"}, false},
		{"mask with layer", []string{"--method", "layer", "--mask", "upper_body", "--mask-weight", "0.5"}, nil, true},
		{"transition frames with loop", []string{"--method", "mix", "--loop", "--transition-frames", "6", "--ratio", "0.4"}, nil, true},
		{"common options", []string{"--method", "mix", "--fps", "30", "--in-place", "--speed", "1.5"}, nil, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".fbx")
			code, _, stderr := runCLI(t, append([]string{"blend", walk, runc, "-o", out}, tt.args...)...)
			if code != 0 {
				t.Fatalf("case %d: exit %d: %s", i, code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, "warning: "+w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if tt.none && strings.Contains(stderr, "is read by") {
				t.Errorf("unexpected warning: %q", stderr)
			}
		})
	}
}

// A blend error about one input names its file, not its place among the inputs.
func TestBlendErrorsNameTheInputFile(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	robot := corpus.Path(t, "mixamo/threejs-copy__RobotExpressive.glb")
	dir := t.TempDir()
	tests := []struct {
		name   string
		inputs []string
		bad    string // the file the error must name
		why    string
	}{
		{"not a humanoid second", []string{walk, robot}, robot, "lacks the humanoid joints"},
		{"not a humanoid first", []string{robot, walk}, robot, "lacks the humanoid joints"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".fbx")
			code, _, stderr := runCLI(t, append([]string{"blend", "-o", out}, tt.inputs...)...)
			if code != 1 || !strings.Contains(stderr, "blendpipe blend: "+tt.bad+": ") || !strings.Contains(stderr, tt.why) ||
				strings.Contains(stderr, "inputs[") {
				t.Errorf("exit %d, stderr %q; want the error to name %s", code, stderr, tt.bad)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed blend wrote its output")
			}
		})
	}
	// The typed error stays reachable under the file name.
	err := nameInput(&blend.OptionError{Field: "inputs[1]", Msg: "m"}, []string{"a.fbx", "b.fbx"})
	var fe *InputFileError
	var oe *blend.OptionError
	if !errors.As(err, &fe) || fe.Path != "b.fbx" || !errors.As(err, &oe) || err.Error() != "b.fbx: m" {
		t.Errorf("nameInput: %v", err)
	}
}

// -o into a folder that does not exist is an error and creates nothing; outputs are 0644
// under the usual umask, not os.CreateTemp's 0600.
func TestBlendOutputFolderAndMode(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	dir := t.TempDir()
	tests := []struct {
		name, out string
		code      int
		stderr    string
	}{
		{"existing folder", filepath.Join(dir, "mix.fbx"), 0, ""},
		{"missing folder", filepath.Join(dir, "no-such", "mix.fbx"), 1, "output folder " + filepath.Join(dir, "no-such")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "blend", walk, runc, "-o", tt.out)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d, %q", code, stderr, tt.code, tt.stderr)
			}
			st, err := os.Stat(tt.out)
			if tt.code != 0 {
				if _, derr := os.Stat(filepath.Dir(tt.out)); derr == nil {
					t.Error("the missing folder was created")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The test process's umask is the machine's usual 022 unless someone set another.
			if want := os.FileMode(0o666) &^ umask(); st.Mode().Perm() != want {
				t.Errorf("mode %v, want %v", st.Mode().Perm(), want)
			}
		})
	}
}

// Off a terminal, batch reports progress as plain lines on stderr; the summary stays on stdout.
func TestBatchPlainProgress(t *testing.T) {
	t.Setenv("LOG_FORMAT", "")
	t.Setenv("LOG_LEVEL", "")
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	dir := t.TempDir()
	manifest := "blends:\n" +
		"  - {name: a, input1: " + walk + ", input2: " + runc + ", ratio: 0.3, method: linear, output: out/a.fbx}\n" +
		"  - {name: b, input1: " + walk + ", input2: " + runc + ", ratio: 0.6, method: linear, output: out/b.fbx}\n"
	mp := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(mp, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "batch", "--workers", "1", mp)
	if code != 0 || !strings.Contains(stdout, "2 blends: 2 ok") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "batch: 1/2 50% ") || !strings.Contains(stderr, "batch: 2/2 100% ") || strings.Contains(stderr, "\x1b") {
		t.Errorf("stderr %q: want plain progress lines", stderr)
	}
	// The manifest's output folder is made by the batch, with the umask's mode on the files.
	if st, err := os.Stat(filepath.Join(dir, "out", "a.fbx")); err != nil || st.Mode().Perm() != 0o666&^umask() {
		t.Errorf("output: %v %v", st, err)
	}
}

// The transition cost the CLI prints is the one in --json's metrics and the catalogue's
// transition_cost; the search's own distance is named match_distance.
func TestBlendTransitionCostHasOneMeaning(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	dir := t.TempDir()
	args := []string{"blend", walk, runc, "--method", "transition", "-o", filepath.Join(dir, "tr.fbx")}
	code, text, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, js, stderr := runCLI(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Transition map[string]any `json:"transition"`
		Metrics    struct {
			Result struct {
				Transition *struct {
					Bridge struct {
						Score float64 `json:"score"`
					} `json:"bridge"`
				} `json:"transition"`
			} `json:"result"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil || rep.Metrics.Result.Transition == nil {
		t.Fatalf("report %s: %v", js, err)
	}
	if _, ok := rep.Transition["cost"]; ok {
		t.Errorf("transition still has a field named cost: %v", rep.Transition)
	}
	if _, ok := rep.Transition["match_distance"]; !ok {
		t.Errorf("transition lacks match_distance: %v", rep.Transition)
	}
	want := fmt.Sprintf("transition cost %.2f cm (pose ", rep.Metrics.Result.Transition.Bridge.Score)
	if !strings.Contains(text, want) {
		t.Errorf("text output %q lacks %q", text, want)
	}
}

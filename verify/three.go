//go:build judges

package verify

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// ThreeResult is what fbx_three.mjs or gltf_three.mjs reports for one file.
type ThreeResult struct {
	Path       string           `json:"path"`
	Error      string           `json:"error"`
	Bones      []string         `json:"bones"` // FBXLoader: Bone objects
	Nodes      []string         `json:"nodes"` // GLTFLoader: named nodes
	Animations []ThreeAnimation `json:"animations"`
	Times      []float64        `json:"times"`
	Positions  [][][3]float64   `json:"positions"` // [time][bone or node], cm
	Log        []string         `json:"log"`
}

// ThreeAnimation is one three.js AnimationClip.
type ThreeAnimation struct {
	Name     string   `json:"name"`
	Duration float64  `json:"duration"`
	Tracks   int      `json:"tracks"`
	Targets  []string `json:"targets"`
}

// objects returns the names positions refer to.
func (r ThreeResult) objects() []string {
	if r.Bones != nil {
		return r.Bones
	}
	return r.Nodes
}

type threeJob struct {
	Path  string    `json:"path"`
	Times []float64 `json:"times"`
}

// RunThree runs one of the three.js scripts ("fbx_three.mjs" or "gltf_three.mjs") on every
// path in one node process, sampling positions at each path's times.
func RunThree(node, script string, paths []string, times [][]float64) ([]ThreeResult, error) {
	dir, err := os.MkdirTemp("", "judge-three-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	jobs := make([]threeJob, len(paths))
	for i, p := range paths {
		jobs[i] = threeJob{Path: p, Times: times[i]}
	}
	in := filepath.Join(dir, "jobs.json")
	if err := writeJSON(in, jobs); err != nil {
		return nil, err
	}
	var res []ThreeResult
	if err := runJSON(time.Minute+time.Duration(len(paths))*10*time.Second, &res, node, script, in); err != nil {
		return nil, err
	}
	if len(res) != len(paths) {
		return nil, fmt.Errorf("%s reported %d files for %d jobs", filepath.Base(script), len(res), len(paths))
	}
	return res, nil
}

// threeName is three.js's PropertyBinding.sanitizeNodeName: whitespace becomes "_" and
// "[", "]", ".", ":", "/" go ("mixamorig:Hips" is "mixamorigHips" in three).
func threeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, s)
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("[].:/", r) {
			return -1
		}
		return r
	}, s)
}

// checkTimes are the times of the check frames: from time 0, as three.js measures a file's
// clip, or, with fromStart, from the clip's first frame, where FBX2glTF puts its zero.
func checkTimes(w Expect, fromStart bool) []float64 {
	ts := make([]float64, len(w.CheckFrames))
	for i, f := range w.CheckFrames {
		ts[i] = w.Time(f)
		if fromStart {
			ts[i] = float64(f) / w.FPS
		}
	}
	return ts
}

// judgeThree lists a three.js loader's objections to one file: joints (exactly our joints when
// exact, else at least them), the first clip's length within half a frame, tracks only on those
// objects, and positions at checkTimes(w, fromStart).
func judgeThree(w Expect, r ThreeResult, exact, fromStart bool, what string) (problems []string, maxd float64) {
	if r.Error != "" {
		return []string{"parse failed: " + firstLines(r.Error, 6)}, 0
	}
	if exact {
		problems = append(problems, sameNames(w.Joints, r.objects(), threeName, what)...)
	} else {
		problems = append(problems, covers(w.Joints, r.objects(), threeName, what)...)
	}
	if len(r.Animations) == 0 {
		return append(problems, "no animation"), 0
	}
	a := r.Animations[0]
	if w.Clip != "" && a.Name != w.Clip {
		problems = append(problems, fmt.Sprintf("animation named %q, want %q", a.Name, w.Clip))
	}
	last := checkTimes(w, fromStart)[len(w.CheckFrames)-1]
	if math.Abs(a.Duration-last) > 0.5/w.FPS { // half a frame: one frame too many or few fails
		problems = append(problems, fmt.Sprintf("animation %q lasts %.4f s, want %.4f s (%d frames at %g fps)", a.Name, a.Duration, last, w.Frames, w.FPS))
	}
	if a.Tracks == 0 {
		problems = append(problems, fmt.Sprintf("animation %q has no tracks", a.Name))
	}
	objs := make(map[string]bool)
	for _, o := range r.objects() {
		objs[o] = true
	}
	var stray []string
	for _, tg := range a.Targets {
		if !objs[tg] {
			stray = append(stray, tg)
		}
	}
	if len(stray) > 0 {
		problems = append(problems, fmt.Sprintf("tracks drive %d objects it did not load as %s: %s", len(stray), what, clip(stray)))
	}
	if len(r.Positions) != len(w.CheckFrames) {
		return append(problems, fmt.Sprintf("positions at %d times, want %d", len(r.Positions), len(w.CheckFrames))), maxd
	}
	names := r.objects()
	for i, fr := range w.CheckFrames {
		got := make(map[string]anim.Vec3, len(names))
		for k, n := range names {
			if _, dup := got[n]; !dup && k < len(r.Positions[i]) {
				got[n] = anim.Vec3(r.Positions[i][k])
			}
		}
		d, bad := posDiff(w.Positions[i], w.Joints, got, threeName, w.tolerance())
		maxd = math.Max(maxd, d)
		if len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("frame %d (%.4f s): %s", fr, checkTimes(w, fromStart)[i], strings.Join(bad, "; ")))
		}
	}
	return problems, maxd
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

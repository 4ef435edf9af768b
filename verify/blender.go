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

// BlenderResult is what check_import.py reports for one file.
type BlenderResult struct {
	Path       string         `json:"path"`
	Error      string         `json:"error"`
	Trace      string         `json:"trace"`
	FPS        float64        `json:"fps"`
	FrameStart *float64       `json:"frame_start"`
	FrameEnd   *float64       `json:"frame_end"`
	Armatures  []string       `json:"armatures"`
	Actions    []string       `json:"actions"`
	Kind       string         `json:"kind"` // "bones", or "empties" when nothing came in as an armature
	Bones      []string       `json:"bones"`
	Frames     []float64      `json:"frames"`
	Positions  [][][3]float64 `json:"positions"` // [frame][bone], cm, Y up
}

type blenderJob struct {
	Path     string    `json:"path"`
	Format   string    `json:"format"`
	Frames   []float64 `json:"frames"`
	FPS      float64   `json:"fps,omitempty"`
	BVHScale float64   `json:"bvh_scale,omitempty"`
}

// bvhScale is the Blender BVH importer's global_scale for our BVH files, which are in centimetres.
const bvhScale = 0.01

// blenderFrame is the Blender frame our frame lands on. FBX and glTF keep the clip's start
// time; BVH has none, and Blender's BVH importer starts no earlier than frame 1.
func blenderFrame(f File, frame int) float64 {
	if f.Format == "bvh" {
		return float64(frame + 1)
	}
	return f.Want.Time(frame) * f.Want.FPS
}

// RunBlender imports every file in one Blender process (check_import.py) and returns Blender's
// view of each, in order, with world bone heads at each file's check frames.
func RunBlender(files []File) ([]BlenderResult, error) {
	blender := blenderExe()
	dir, err := os.MkdirTemp("", "judge-blender-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	jobs := make([]blenderJob, len(files))
	for i, f := range files {
		j := blenderJob{Path: f.Path, Format: f.Format, FPS: f.Want.FPS}
		if f.Format == "bvh" {
			j.BVHScale = bvhScale
		}
		for _, fr := range f.Want.CheckFrames {
			j.Frames = append(j.Frames, blenderFrame(f, fr))
		}
		jobs[i] = j
	}
	in, out := filepath.Join(dir, "jobs.json"), filepath.Join(dir, "out.json")
	if err := writeJSON(in, jobs); err != nil {
		return nil, err
	}
	timeout := time.Minute + time.Duration(len(files))*15*time.Second
	if _, _, err := run(timeout, "", blender, "-b", "--factory-startup", "--python-exit-code", "1",
		"--python", filepath.Join(blenderDir(), "check_import.py"), "--", in, out); err != nil {
		return nil, fmt.Errorf("blender: %w", err)
	}
	var res []BlenderResult
	if err := readJSON(out, &res); err != nil {
		return nil, fmt.Errorf("blender output: %w", err)
	}
	if len(res) != len(files) {
		return nil, fmt.Errorf("blender reported %d files for %d jobs", len(res), len(files))
	}
	return res, nil
}

// blenderName is how Blender's importer spells our joint name for a file format.
func blenderName(format string) func(string) string {
	if format == "bvh" {
		return bvhName
	}
	return func(s string) string { return s }
}

// bvhName is a joint name as our BVH writer writes it: whitespace becomes "_".
func bvhName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, s)
}

// judgeBlender lists Blender's objections to one file, and the largest position difference.
func judgeBlender(f File, r BlenderResult) (problems []string, maxd float64) {
	if r.Error != "" {
		return []string{"import failed: " + r.Error + "\n" + r.Trace}, 0
	}
	w := f.Want
	if len(r.Armatures) != 1 {
		problems = append(problems, fmt.Sprintf("%d armatures %q, want 1", len(r.Armatures), r.Armatures))
	}
	rename := blenderName(f.Format)
	problems = append(problems, sameNames(w.Joints, r.Bones, rename, "bones")...)
	if f.Format != "glb" && math.Abs(r.FPS-w.FPS) > 1e-3*w.FPS { // glTF has no frame rate
		problems = append(problems, fmt.Sprintf("scene fps %g, want %g", r.FPS, w.FPS))
	}
	first, last := blenderFrame(f, 0), blenderFrame(f, w.Frames-1)
	switch {
	case r.FrameStart == nil || r.FrameEnd == nil:
		problems = append(problems, "no action imported")
	case math.Abs(*r.FrameStart-first) > 0.01 || math.Abs(*r.FrameEnd-last) > 0.01:
		problems = append(problems, fmt.Sprintf("action frames %g..%g, want %g..%g (%d frames)",
			*r.FrameStart, *r.FrameEnd, first, last, w.Frames))
	}
	if len(r.Positions) != len(w.CheckFrames) {
		return append(problems, fmt.Sprintf("positions at %d frames, want %d", len(r.Positions), len(w.CheckFrames))), maxd
	}
	for i, fr := range w.CheckFrames {
		got := make(map[string]anim.Vec3, len(r.Bones))
		for k, name := range r.Bones {
			if k < len(r.Positions[i]) {
				got[name] = anim.Vec3(r.Positions[i][k])
			}
		}
		d, bad := posDiff(w.Positions[i], w.Joints, got, rename, w.tolerance())
		maxd = math.Max(maxd, d)
		if len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("frame %d: %s", fr, strings.Join(bad, "; ")))
		}
	}
	return problems, maxd
}

// sameNames checks that the judge has exactly our joints (after rename), naming what differs.
func sameNames(ours, theirs []string, rename func(string) string, what string) []string {
	have := make(map[string]bool, len(theirs))
	for _, n := range theirs {
		have[n] = true
	}
	want := make(map[string]bool, len(ours))
	var missing, extra []string
	for _, n := range ours {
		want[rename(n)] = true
		if !have[rename(n)] {
			missing = append(missing, n)
		}
	}
	for _, n := range theirs {
		if !want[n] {
			extra = append(extra, n)
		}
	}
	var p []string
	if len(missing) > 0 {
		p = append(p, fmt.Sprintf("%d of our %d joints missing from its %s: %s", len(missing), len(ours), what, clip(missing)))
	}
	if len(extra) > 0 {
		p = append(p, fmt.Sprintf("%d %s that are not our joints: %s", len(extra), what, clip(extra)))
	}
	return p
}

// covers checks that the judge has each of our joints (after rename); extra nodes are fine.
func covers(ours, theirs []string, rename func(string) string, what string) []string {
	have := make(map[string]bool, len(theirs))
	for _, n := range theirs {
		have[n] = true
	}
	var missing []string
	for _, n := range ours {
		if !have[rename(n)] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return []string{fmt.Sprintf("%d of our %d joints missing from its %s: %s", len(missing), len(ours), what, clip(missing))}
	}
	return nil
}

func clip(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(", ... (%d)", len(names))
	}
	return strings.Join(names, ", ")
}

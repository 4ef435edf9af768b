//go:build judges

package verify

import (
	"fmt"
	"math"
	"sort"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// DefaultTolerance is how far, in centimetres, a judge's joint position may be from ours.
const DefaultTolerance = 0.1

// Expect is what a judge must find in a file: the joints, the frame grid and where every
// joint is at a few frames, all computed by our model from the animation that was written.
type Expect struct {
	Joints []string // joint names, in skeleton order
	FPS    float64
	Frames int     // samples in the clip: frames 0..Frames-1
	Start  float64 // time of frame 0 in seconds

	// Positions[i][j] is joint j's world position (cm, Y up) at frame CheckFrames[i].
	CheckFrames []int
	Positions   [][]anim.Vec3

	Tolerance float64 // centimetres; 0 means DefaultTolerance

	// Clip, when set, is the name the judges that report one must find on the animation
	// (three.js on FBX, GLB and the FBX SDK's output; assimp).
	Clip string
}

// Duration is the time from the first frame to the last, in seconds.
func (e Expect) Duration() float64 {
	if e.Frames < 2 || e.FPS <= 0 {
		return 0
	}
	return float64(e.Frames-1) / e.FPS
}

// Time returns the time of frame f in seconds.
func (e Expect) Time(f int) float64 { return e.Start + float64(f)/e.FPS }

func (e Expect) tolerance() float64 {
	if e.Tolerance > 0 {
		return e.Tolerance
	}
	return DefaultTolerance
}

// ExpectOf describes a's first clip as a judge should see it, with positions at the first
// frame, a third, two thirds and the last frame.
func ExpectOf(a *anim.Animation) (Expect, error) {
	c := a.Clip()
	if a.Skeleton == nil || c == nil {
		return Expect{}, fmt.Errorf("animation has no skeleton or no clip")
	}
	last := c.Frames - 1
	frames := dedupe([]int{0, last / 3, 2 * last / 3, last})
	return ExpectAt(a, frames)
}

// ExpectAt describes a's first clip with positions at the given frames.
func ExpectAt(a *anim.Animation, frames []int) (Expect, error) {
	s, c := a.Skeleton, a.Clip()
	if s == nil || c == nil {
		return Expect{}, fmt.Errorf("animation has no skeleton or no clip")
	}
	if err := c.Validate(s); err != nil {
		return Expect{}, err
	}
	e := Expect{FPS: c.FPS, Frames: c.Frames, Start: c.Start, CheckFrames: frames}
	for _, j := range s.Joints {
		e.Joints = append(e.Joints, j.Name)
	}
	for _, f := range frames {
		if f < 0 || f >= c.Frames {
			return Expect{}, fmt.Errorf("frame %d outside the clip's %d frames", f, c.Frames)
		}
		e.Positions = append(e.Positions, c.WorldPositions(s, f, nil))
	}
	return e, nil
}

func dedupe(xs []int) []int {
	var out []int
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

// posDiff compares a judge's positions (by name) with ours at one frame. rename maps our joint
// name to the judge's spelling; joints the judge lacks are skipped (the name checks report
// them). It returns the largest distance and the worst joints beyond tol.
func posDiff(want []anim.Vec3, joints []string, got map[string]anim.Vec3, rename func(string) string, tol float64) (maxd float64, bad []string) {
	type off struct {
		name      string
		d         float64
		want, got anim.Vec3
	}
	var worst []off
	for j, name := range joints {
		g, ok := got[rename(name)]
		if !ok {
			continue
		}
		d := g.Sub(want[j]).Len()
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		maxd = math.Max(maxd, d)
		if d > tol {
			worst = append(worst, off{name, d, want[j], g})
		}
	}
	// Largest first; a handful is enough to see the pattern.
	sort.Slice(worst, func(a, b int) bool { return worst[a].d > worst[b].d })
	for i, w := range worst {
		if i == 5 {
			bad = append(bad, fmt.Sprintf("and %d more", len(worst)-5))
			break
		}
		bad = append(bad, fmt.Sprintf("%s off by %.3f cm (judge %s, ours %s)", w.name, w.d, fmtVec(w.got), fmtVec(w.want)))
	}
	return maxd, bad
}

func fmtVec(v anim.Vec3) string { return fmt.Sprintf("(%.3f, %.3f, %.3f)", v[0], v[1], v[2]) }

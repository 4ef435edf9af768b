//go:build corpus

package blend

import (
	"math"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

func measure(t *testing.T, a *anim.Animation) quality.Metrics {
	t.Helper()
	m, err := quality.Measure(a.Skeleton, a.Clip(), quality.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCorpusWalkRunMix(t *testing.T) {
	t.Parallel()
	walkA, runA := load(t, "kirby-xbot60__Walking_InPlace"), load(t, "kirby-xbot60__Running_InPlace")
	for _, sync := range []string{"none", "feet"} {
		r := mustRun(t, Options{Method: "mix", Ratio: f64(0.5), Sync: sync}, walkA, runA)
		c := r.Animation.Clip()
		want := (walkA.Clip().Duration() + runA.Clip().Duration()) / 2
		if math.Abs(c.Duration()-want) > 0.5/c.FPS+1e-9 || c.FPS != 60 { // the grid rounds to whole frames
			t.Errorf("sync %s: %.4f s at %v fps, want %.4f s at 60", sync, c.Duration(), c.FPS, want)
		}
		if len(r.Joints.Matched) != 65 || len(r.Joints.Missing)+len(r.Joints.Extra) != 0 {
			t.Errorf("joint report %+v", r.Joints)
		}
		m, mw, mr := measure(t, r.Animation), measure(t, walkA), measure(t, runA)
		limit := 1.5 * math.Max(mw.MaxPoseChangeCM, mr.MaxPoseChangeCM)
		if m.MaxPoseChangeCM > limit {
			t.Errorf("sync %s: a joint moves %.2f cm in one frame (limit %.2f)", sync, m.MaxPoseChangeCM, limit)
		}
		t.Logf("sync %s: foot skating %.1f cm/s (walk %.1f, run %.1f), max pose change %.2f cm",
			sync, m.FootSkatingCMPerS, mw.FootSkatingCMPerS, mr.FootSkatingCMPerS, m.MaxPoseChangeCM)
	}
}

// Foot sync lands each of B's plants on the matching plant of A.
func TestCorpusFeetWarpAlignsPlants(t *testing.T) {
	t.Parallel()
	a, b := load(t, "kirby-xbot60__Walking_InPlace"), load(t, "kirby-xbot60__Running_InPlace")
	srcs, _, err := bind([]*anim.Animation{a, b})
	if err != nil {
		t.Fatal(err)
	}
	warp, err := feetWarp(&srcs[0], &srcs[1])
	if err != nil {
		t.Fatal(err)
	}
	la, ra, _ := plantPhases(&srcs[0])
	lb, rb, _ := plantPhases(&srcs[1])
	if len(la)+len(ra) == 0 || len(lb)+len(rb) == 0 {
		t.Fatalf("no plants found: A %v %v, B %v %v", la, ra, lb, rb)
	}
	// The run loops, so the map is periodic: one cycle of A covers exactly one cycle of B.
	if d := warp(1) - warp(0); math.Abs(d-1) > 1e-12 {
		t.Fatalf("warp covers %v cycles of B", d)
	}
	for x := 0.01; x <= 1; x += 0.01 {
		if warp(x) < warp(x-0.01) {
			t.Fatalf("warp runs backwards at %v", x)
		}
	}
	landed := 0
	for _, side := range [][2][]float64{{la, lb}, {ra, rb}} {
		for _, p := range side[0] {
			for _, q := range side[1] {
				if y := warp(p); math.Abs(y-q-math.Round(y-q)) < 1e-9 {
					landed++
				}
			}
		}
	}
	if landed == 0 {
		t.Errorf("no plant of A lands on a plant of B: A %v %v, B %v %v", la, ra, lb, rb)
	}
	t.Logf("plants A L%v R%v, B L%v R%v; %d aligned", la, ra, lb, rb, landed)
}

func TestCorpusWalkRunTransition(t *testing.T) {
	t.Parallel()
	walkA, runA := load(t, "kirby-xbot60__Walking_InPlace"), load(t, "kirby-xbot60__Running_InPlace")
	r := mustRun(t, Options{Method: "transition"}, walkA, runA)
	m, mw, mr := measure(t, r.Animation), measure(t, walkA), measure(t, runA)
	limit := 1.5 * math.Max(mw.MaxPoseChangeCM, mr.MaxPoseChangeCM)
	if m.MaxPoseChangeCM > limit {
		t.Errorf("joint %s moves %.2f cm at frame %d (limit %.2f, handover %+v)",
			m.MaxPoseChangeJoint, m.MaxPoseChangeCM, m.MaxPoseChangeFrame, limit, r.Transition)
	}
	t.Logf("handover %+v; max pose change %.2f cm (walk %.2f, run %.2f)", *r.Transition, m.MaxPoseChangeCM, mw.MaxPoseChangeCM, mr.MaxPoseChangeCM)
}

func TestCorpusPirateRootMotionTransition(t *testing.T) {
	t.Parallel()
	walkA := load(t, "vrm4-pirate76__Walking_rootmotion")
	strafe := load(t, "vrm4-pirate76__Left_Strafe_Walk_rootmotion")
	r := mustRun(t, Options{Method: "transition"}, walkA, strafe)
	c, tr := r.Animation.Clip(), r.Transition
	step := func(c *anim.Clip, f int) float64 {
		return c.Translations[f*c.NumJoints].Sub(c.Translations[(f-1)*c.NumJoints]).Len()
	}
	limit := 0.0
	for _, in := range []*anim.Clip{walkA.Clip(), strafe.Clip()} {
		for f := 1; f < in.Frames; f++ {
			limit = math.Max(limit, step(in, f))
		}
	}
	for f := max(tr.StartFrame, 1); f <= tr.StartFrame+tr.Frames && f < c.Frames; f++ {
		if d := step(c, f); d > limit*(1+1e-9) {
			t.Errorf("frame %d: hips move %.2f cm (inputs' largest step %.2f)", f, d, limit)
		}
	}
	// The strafe keeps its own direction relative to the walk's facing: sideways (+X), while the
	// walk went forward (+Z).
	n := c.NumJoints
	before := c.Translations[tr.StartFrame*n].Sub(c.Translations[0])
	after := c.Translations[(c.Frames-1)*n].Sub(c.Translations[(tr.StartFrame+tr.Frames)*n])
	if before[2] < 20 || after[0] < 5 || math.Abs(after[2]) > after[0]/2 {
		t.Errorf("walk moved %.1f cm, strafe moved %.1f cm after the handover", before, after)
	}
	t.Logf("handover %+v; walk %.1f, strafe %.1f", *tr, before, after)
}

func TestCorpusLayerAndBlendspace(t *testing.T) {
	t.Parallel()
	walkA := load(t, "kirby-xbot60__Walking_InPlace")
	punch := load(t, "kirby-xbot60__Punching_Right")
	r := mustRun(t, Options{Method: "layer", Mask: Mask{"upper_body"}}, walkA, punch)
	c, w := r.Animation.Clip(), walkA.Clip()
	left := walkA.Skeleton.Index("mixamorig:LeftFoot")
	for f := 0; f < c.Frames; f++ {
		if c.Rotations[f*c.NumJoints+left] != w.Rotations[f*w.NumJoints+left] {
			t.Fatalf("frame %d: the walk's legs changed under an upper-body layer", f)
		}
	}
	in := []*anim.Animation{walkA, load(t, "kirby-xbot60__Running_InPlace"), load(t, "kirby-xbot60__Sprinting_InPlace")}
	bs := mustRun(t, Options{Method: "blendspace", Positions: []float64{1.5, 3, 5}, Value: 4}, in...)
	want := (in[1].Clip().Duration() + in[2].Clip().Duration()) / 2
	if d := bs.Animation.Clip().Duration(); math.Abs(d-want) > 0.5/60 {
		t.Errorf("blendspace lasts %.3f s, want %.3f", d, want)
	}
}

// Different rigs: the Pirate's extra bones are reported and ignored.
func TestCorpusCrossRig(t *testing.T) {
	t.Parallel()
	xbot := load(t, "kirby-xbot60__Walking_InPlace")
	pirate := load(t, "vrm4-pirate76__Walking_rootmotion")
	r := mustRun(t, Options{Method: "mix", Ratio: f64(0.5), InPlace: true}, xbot, pirate)
	if len(r.Joints.Extra) == 0 || len(r.Joints.Matched) < 15 {
		t.Errorf("joint report %+v", r.Joints)
	}
	if r.Animation.Clip().FPS != 60 {
		t.Errorf("fps %v, want the first input's 60", r.Animation.Clip().FPS)
	}
	t.Logf("joints: %d matched, missing %v, extra %v", len(r.Joints.Matched), r.Joints.Missing, r.Joints.Extra)

	// The Pirate's Hips stand 36 cm high, the X Bot's 98: its motion is scaled onto the X Bot,
	// whose bone lengths the output keeps.
	c, x := r.Animation.Clip(), xbot.Clip()
	n := c.NumJoints
	for f := 0; f < c.Frames; f++ {
		if h := c.Translations[f*n][1]; math.Abs(h-x.Translations[0][1]) > 8 {
			t.Fatalf("frame %d: hips at %.1f cm, the X Bot's stand at %.1f", f, h, x.Translations[0][1])
		}
		for j := 1; j < n; j++ {
			if d := c.Translations[f*n+j].Sub(x.Translations[j]).Len(); d > 1e-6 {
				t.Fatalf("frame %d: bone %s has length changed by %g cm", f, xbot.Skeleton.Joints[j].Name, d)
			}
		}
	}
	tr := mustRun(t, Options{Method: "transition"}, xbot, load(t, "vrm4-pirate76__Left_Strafe_Walk_rootmotion"))
	m, mx := measure(t, tr.Animation), measure(t, xbot)
	t.Logf("X Bot walk -> Pirate strafe: handover %+v, max pose change %.2f cm (X Bot walk %.2f)", *tr.Transition, m.MaxPoseChangeCM, mx.MaxPoseChangeCM)
}

// in_place turns a root-motion walk into an in-place one like Mixamo's own: no travel, the
// sway of each step kept.
func TestCorpusInPlaceAndLoop(t *testing.T) {
	t.Parallel()
	walkA := load(t, "vrm4-pirate76__Walking_rootmotion")
	r := mustRun(t, Options{Method: "mix", InPlace: true, Loop: true}, walkA, walkA)
	c, n := r.Animation.Clip(), r.Animation.Clip().NumJoints
	start, far := c.Translations[0], 0.0
	for f := 0; f < c.Frames; f++ {
		p := c.Translations[f*n]
		far = math.Max(far, math.Hypot(p[0]-start[0], p[2]-start[2]))
	}
	end := c.Translations[(c.Frames-1)*n]
	if d := math.Hypot(end[0]-start[0], end[2]-start[2]); d > 1e-6 || far > 5 {
		t.Errorf("in place: ends %.3f cm from the start, strays up to %.2f cm", d, far)
	}
	if ang, _ := poseDiff(c, c.Frames-1, c, 0); ang > 1e-9 {
		t.Errorf("loop: last pose %g rad from the first", ang)
	}
	t.Logf("57 cm of travel removed; hips stray up to %.2f cm", far)
}

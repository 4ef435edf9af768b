//go:build corpus

package blend

import (
	"math"
	"testing"
)

// TestMirrorPunchIsTheOtherPunch mirrors Mixamo's right punch and compares it with Mixamo's own
// left punch (its mirrored twin in the corpus) in world positions: the rig's left and right
// bones have different rest orientations, so only a mirror that works on world poses matches.
func TestMirrorPunchIsTheOtherPunch(t *testing.T) {
	t.Parallel()
	right, left := load(t, "kirby-xbot60__Punching_Right"), load(t, "kirby-xbot60__Punching_Left")
	m := mustRun(t, Options{Method: "edit", Mirror: true}, right).Animation
	cm, cl := m.Clip(), left.Clip()
	if cm.Frames != cl.Frames {
		t.Fatalf("frames %d vs %d", cm.Frames, cl.Frames)
	}
	var worst, sum float64
	var count int
	for f := 0; f < cm.Frames; f++ {
		pm, pl := cm.WorldPositions(m.Skeleton, f, nil), cl.WorldPositions(left.Skeleton, f, nil)
		for j, jt := range m.Skeleton.Joints {
			k := left.Skeleton.Index(jt.Name)
			d := pm[j].Sub(pl[k]).Len()
			worst = math.Max(worst, d)
			sum += d
			count++
		}
	}
	t.Logf("mirrored right punch against the left punch: mean %.3f cm, max %.3f cm", sum/float64(count), worst)
	if worst > 2 {
		t.Errorf("mirrored right punch is up to %.2f cm from Mixamo's left punch", worst)
	}
	twice := mustRun(t, Options{Method: "edit", Mirror: true}, m).Animation
	if d := maxWorldDelta(t, right, twice); d > 0.1 {
		t.Errorf("mirror twice moves joints by %.3g cm", d)
	}
}

func TestRootMotionCorpus(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"vrm4-pirate76__Walking_rootmotion", "vrm4-pirate76__Left_Strafe_Walk_rootmotion", "kirby-xbot60__Walking_InPlace"} {
		a := load(t, name)
		r := mustRun(t, Options{Method: "edit", RootMotion: "root"}, a).Animation
		d := maxWorldDelta(t, a, r)
		c := r.Clip()
		root := r.Skeleton.Index(RootBone)
		end := c.Local(c.Frames-1, root).T
		t.Logf("%s: root travels to %.1f cm, joints move by at most %.2g cm", name, end, d)
		if d > 0.1 {
			t.Errorf("%s: root motion moves joints by %.3g cm", name, d)
		}
		back := mustRun(t, Options{Method: "edit", RootMotion: "hips"}, r).Animation
		if back.Skeleton.Index(RootBone) >= 0 || maxWorldDelta(t, a, back) > 0.1 {
			t.Errorf("%s: baking the root back does not give the input", name)
		}
	}
}

func TestFindLoopCorpus(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"kirby-xbot60__Walking_InPlace", "kirby-xbot60__Running_InPlace", "vrm4-pirate76__Walking_rootmotion", "kirby-xbot60__Idle"} {
		a := load(t, name)
		lp, err := FindLoop(a.Skeleton, a.Clip(), LoopSearch{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (%d frames): loop %d..%d (%.3f..%.3f s), seam %.3f cm; the clip's own ends %.3f cm",
			name, a.Clip().Frames, lp.Start, lp.End, lp.StartTime, lp.EndTime, lp.Cost, lp.ClipCost)
		if lp.Cost > lp.ClipCost+1e-9 {
			t.Errorf("%s: the loop found (%.3f cm) is worse than the clip's own seam (%.3f cm)", name, lp.Cost, lp.ClipCost)
		}
		res := mustRun(t, Options{Method: "edit", LoopFind: true}, a)
		if got := res.Animation.Clip().Frames; got != lp.End-lp.Start+1 {
			t.Errorf("%s: loop_find kept %d frames, want %d", name, got, lp.End-lp.Start+1)
		}
	}
}

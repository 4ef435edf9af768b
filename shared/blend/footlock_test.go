//go:build corpus

package blend

import (
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// Foot locking bends only the legs, brings skating down to the inputs' weighted own, and
// leaves a blend that already skates no more than that untouched.
func TestFootLockOnlyBendsLegsAndMeetsAllowance(t *testing.T) {
	t.Parallel()
	walk, run := load(t, "kirby-xbot60__Walking_InPlace"), load(t, "kirby-xbot60__Running_InPlace")
	off := false
	free := mustRun(t, Options{Method: "mix", Ratio: f64(0.5), FootLock: &off}, walk, run).Animation
	locked := mustRun(t, Options{Method: "mix", Ratio: f64(0.5)}, walk, run).Animation
	allowed, ok := allowedSkating([]*anim.Animation{walk, run}, []float64{0.5, 0.5})
	if !ok {
		t.Fatal("inputs have no feet")
	}
	skFree, _, _ := quality.Skating(free.Skeleton, free.Clip(), quality.ContactOptions{})
	skLocked, _, _ := quality.Skating(locked.Skeleton, locked.Clip(), quality.ContactOptions{})
	t.Logf("allowed %.2f cm/s; without foot lock %.2f, with %.2f", allowed, skFree, skLocked)
	if skFree <= allowed {
		t.Fatalf("the unlocked mix already skates within the allowance (%.2f ≤ %.2f): nothing to test", skFree, allowed)
	}
	if skLocked > allowed*1.01 {
		t.Errorf("locked mix skates %.2f cm/s, allowance %.2f", skLocked, allowed)
	}
	legs := map[string]bool{}
	for _, side := range []string{"Left", "Right"} {
		for _, j := range []string{"UpLeg", "Leg", "Foot"} {
			legs[side+j] = true
		}
	}
	fc, lc := free.Clip(), locked.Clip()
	for i := range fc.Rotations {
		j := i % fc.NumJoints
		if name := mixamo.Normalize(free.Skeleton.Joints[j].Name); !legs[name] && fc.Rotations[i] != lc.Rotations[i] {
			t.Fatalf("foot locking changed %s at frame %d", name, i/fc.NumJoints)
		}
	}
	// Already within the allowance: exactly unchanged.
	same := mustRun(t, Options{Method: "mix", Ratio: f64(0.5)}, walk, walk).Animation.Clip()
	for i := range same.Rotations {
		if same.Rotations[i].Angle(walk.Clip().Rotations[i]) > 1e-9 {
			t.Fatalf("walk mixed with itself changed at sample %d", i)
		}
	}
}
